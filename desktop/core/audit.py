"""The hash-chained audit log.

Every state change appends one :class:`db.models.AuditEvent` in the same
transaction as the change. Each row stores the hash of the row before it and
the SHA-256 of its own canonical content (which includes its id), so editing,
deleting or reordering rows behind the application's back breaks the chain
at the first row touched. The database's triggers refuse UPDATE and DELETE;
this module finds tampering by anyone who dropped them first.

Rows are numbered by the appender, not by a sequence, because a row's hash
covers its id and the row cannot be updated after insert. Appends are
serialised: SQLite by the write lock every write transaction takes first,
PostgreSQL by a transaction-scoped advisory lock, held until the commit.
That lock is the one thing every reviewer's transaction waits for, so the
review's steps append with :func:`append_at_commit`: their events are
written when the transaction commits, the lock taken last and held only
for the head's read, the inserts and the commit itself.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from sqlalchemy import func, insert, select
from sqlalchemy.event import listens_for
from sqlalchemy.orm import Session

from db.models import AuditEvent, Base, Decision, User
from desktop.domain.audit import EXPORT_FIELDS, ChainExport, ExportCheck, Verification
from desktop.domain.errors import IntegrityFailure, UsageError
from desktop.domain.people import Permission

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from db.session import Database
    from desktop.domain.people import Actor

GENESIS = "0" * 64
_AUDIT_TABLE = Base.metadata.tables["audit_event"]
# Any constant will do; it names "the audit chain" among advisory locks.
_PG_LOCK_KEY = 0x7E11_A0D1

# Events that vouch for a decision row; verify matches every row to one.
DECISION_KINDS = ("decision", "undo", "override", "qa.decision")


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(
    prev_hash: str,
    event_id: int,
    at: datetime,
    actor: str | None,
    kind: str,
    item_id: int | None,
    payload: str,
) -> str:
    content = canonical(
        {
            "id": event_id,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": actor,
            "kind": kind,
            "item_id": item_id,
            "payload": payload,
        }
    )
    return hashlib.sha256(f"{prev_hash}\n{content}".encode()).hexdigest()


class Link(Protocol):
    """One event of the chain as its hash covers it: a row, or an event in an export."""

    @property
    def id(self) -> int: ...
    @property
    def at(self) -> datetime: ...
    @property
    def actor(self) -> str | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def item_id(self) -> int | None: ...
    @property
    def payload(self) -> str: ...
    @property
    def prev_hash(self) -> str: ...
    @property
    def hash(self) -> str: ...


def event_name(link: Link) -> str:
    """An event as problems name it: "audit event 9 (claim at 2026-11-20T09:14:00+00:00)"."""
    return f"audit event {link.id} ({link.kind} at {link.at.isoformat(timespec='seconds')})"


def link_problem(
    link: Link, expected_id: int, prev: str | None, *, exported: bool = False, content: bool = True
) -> tuple[int, str] | None:
    """What is wrong with ``link`` as the chain's ``expected_id``-th event, after the event whose hash is ``prev``.

    The chain's one rule, checked in this order: ids run 1..N with none
    missing, each event stores the hash of the one before it (``prev``;
    None when that one is not known), and each event's hash is the hash of
    its own content (unless ``content`` is False: only its place is asked
    about). The first thing wrong, as the id of the event it concerns and
    the problem in words, an event of an ``exported`` file named as such;
    None when the event fits.
    """
    if link.id != expected_id:
        return expected_id, f"{_named(expected_id, exported)} is missing (deleted)"
    where = _named(link.id, exported) if exported else event_name(link)
    if prev is not None and link.prev_hash != prev:
        return link.id, f"{where} does not follow the event before it (deleted or reordered)"
    if (
        content
        and event_hash(link.prev_hash, link.id, link.at, link.actor, link.kind, link.item_id, link.payload) != link.hash
    ):
        return link.id, f"{where} was edited: its content does not match its hash"
    return None


def _named(event_id: int, exported: bool) -> str:
    return f"the export's event {event_id}" if exported else f"audit event {event_id}"


def lock_chain(session: Session) -> None:
    """Hold the chain until the transaction ends (a no-op on SQLite, whose
    write transactions already exclude each other)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_PG_LOCK_KEY)))


def append(
    session: Session,
    *,
    kind: str,
    actor: str | None,
    at: datetime,
    item_id: int | None = None,
    payload: dict[str, Any] | None = None,
    ref: str | None = None,
) -> str:
    """Add one event to the chain now, inside the caller's write transaction; returns its hash.

    Events the transaction deferred (:func:`append_at_commit`) go in first,
    so the chain keeps the order in which they were made."""
    pending = session.info.pop(_PENDING, [])
    pending.append(_Event(kind, actor, at, item_id, canonical(payload or {}), ref))
    return _write(session, pending)


def append_at_commit(
    session: Session,
    *,
    kind: str,
    actor: str | None,
    at: datetime,
    item_id: int | None = None,
    payload: dict[str, Any] | None = None,
    ref: str | None = None,
) -> None:
    """Add one event to the chain when the caller's transaction commits (and
    not at all if it rolls back): the chain's lock is then held only for the
    append's few statements and the commit, not for the rest of the transaction."""
    session.info.setdefault(_PENDING, []).append(_Event(kind, actor, at, item_id, canonical(payload or {}), ref))


@dataclass(frozen=True)
class _Event:
    kind: str
    actor: str | None
    at: datetime
    item_id: int | None
    body: str  # the payload's canonical JSON
    ref: str | None


# The events a session's transaction will append when it commits.
_PENDING = "veil_audit_at_commit"


@listens_for(Session, "before_commit")
def _append_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        _write(session, pending)


@listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, _previous: object) -> None:
    session.info.pop(_PENDING, None)


def _write(session: Session, events: list[_Event]) -> str:
    """Append ``events`` in order: lock the chain, read its head, insert them; the last hash.

    On PostgreSQL every other writer of the chain waits from the lock to
    the commit, so this is three round trips: the lock and the head's read
    (two statements in one message), the inserts (one message: psycopg
    pipelines an executemany), the commit."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # The head is read by a statement of its own, after the lock's: its
        # snapshot is taken once the lock is held, so it sees the events of
        # the transaction that held the lock before. No parameters, so
        # psycopg sends both as one simple query.
        result = connection.exec_driver_sql(_PG_LOCKED_HEAD, execution_options={"no_parameters": True})
        try:
            cursor = result.cursor
            cursor.nextset()
            last = cursor.fetchone()
        finally:
            result.close()
    else:
        last = connection.execute(_HEAD).first()
    event_id, prev = (int(last[0]), str(last[1])) if last else (0, GENESIS)
    rows = []
    for e in events:
        event_id += 1
        digest = event_hash(prev, event_id, e.at, e.actor, e.kind, e.item_id, e.body)
        rows.append(
            {
                "id": event_id,
                "at": e.at,
                "actor": e.actor,
                "kind": e.kind,
                "item_id": e.item_id,
                "ref": e.ref,
                "payload": e.body,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    # An executemany: one INSERT statement per event, so on a team database
    # each row is checked against the head the one before it made.
    connection.execute(_INSERT, rows)
    return prev


# Core statements built once: no unit-of-work bookkeeping or statement
# building on the hottest path (every claim and decision).
_HEAD = select(_AUDIT_TABLE.c.id, _AUDIT_TABLE.c.hash).order_by(_AUDIT_TABLE.c.id.desc()).limit(1)
_INSERT = insert(_AUDIT_TABLE)
_PG_LOCKED_HEAD = (
    f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY}); SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1"
)


def decision_payload(row: Decision) -> dict[str, Any]:
    """What a decision event vouches for: every field of the decision row."""
    return {
        "decision": row.id,
        "action": row.action.value,
        "labels": list(row.labels),
        "reason": row.reason_code,
        "note": row.note,
        "round": row.round,
        "overrides": row.overrides,
        "undoes": row.undoes,
        "item_seq": row.item_seq,
    }


def decision_mismatch(decision: Decision, reviewer: str, event: AuditEvent | None) -> str | None:
    """What is wrong between a decision row and the event that recorded it
    (every field the event vouches for must match); None when they match."""
    where = f"decision {decision.id} (item {decision.item_id})"
    if event is None:
        return f"{where} has no audit event (events deleted?)"
    try:
        recorded = json.loads(event.payload)
    except ValueError:
        recorded = None
    if (
        recorded != decision_payload(decision)
        or event.actor != reviewer
        or event.at != decision.decided_at
        or event.item_id != decision.item_id
    ):
        return f"{where} was edited: it no longer matches audit event {event.id}"
    return None


def append_decision(session: Session, row: Decision, *, kind: str, actor: str) -> None:
    """Record the decision ``row`` in the chain when the transaction commits."""
    append_at_commit(
        session,
        kind=kind,
        actor=actor,
        at=row.decided_at,
        item_id=row.item_id,
        payload=decision_payload(row),
        ref=row.id,
    )


def verify(database: Database, *, batch: int = 5000) -> Verification:
    """Walk the chain in id order and report the first row that does not fit."""
    with database.read() as session:
        return verify_in(session, batch=batch)


def verify_in(session: Session, *, batch: int = 5000) -> Verification:
    """:func:`verify` in the caller's transaction: a report verifies the chain it reads."""
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=batch)).scalars()
    try:
        walked = _walk(rows)
    finally:
        rows.close()  # a server-side cursor on PostgreSQL
    if not walked.ok:
        return walked
    return _check_decisions(session, walked)


def _check_decisions(session: Session, walked: Verification) -> Verification:
    """Every decision row must match the event that recorded it, and every
    decision event must still have its row: the chain protects the events,
    this protects the decisions that exports and reports read."""

    def broken(event_id: int | None, problem: str) -> Verification:
        return Verification(False, walked.events, walked.head_hash, event_id, problem)

    rows = session.execute(
        select(Decision, User.name, AuditEvent)
        .join(User, User.id == Decision.reviewer_id)
        .outerjoin(AuditEvent, (AuditEvent.ref == Decision.id) & AuditEvent.kind.in_(DECISION_KINDS))
        .order_by(Decision.item_id, Decision.item_seq)
        .execution_options(yield_per=2000)
    )
    try:
        for decision, reviewer, matched in rows:
            event: AuditEvent | None = matched
            problem = decision_mismatch(decision, reviewer, event)
            if problem is not None:
                # No event: the newest events were deleted, which the chain alone cannot tell.
                return broken(event.id if event is not None else walked.events + 1, problem)
    finally:
        rows.close()
    orphan = session.execute(
        select(AuditEvent.id, AuditEvent.ref)
        .outerjoin(Decision, Decision.id == AuditEvent.ref)
        .where(AuditEvent.kind.in_(DECISION_KINDS), Decision.id.is_(None))
        .order_by(AuditEvent.id)
        .limit(1)
    ).first()
    if orphan is not None:
        return broken(orphan.id, f"decision {orphan.ref} recorded by audit event {orphan.id} is missing (deleted)")
    return walked


def _walk(rows: Iterable[AuditEvent]) -> Verification:
    prev = GENESIS
    count = 0
    for event in rows:
        problem = link_problem(event, count + 1, prev)
        if problem is not None:
            return Verification(False, count, prev, *problem)
        prev = event.hash
        count += 1
    return Verification(True, count, prev)


# -- export and check: the chain as a file kept outside the database ---------


def _at_text(at: datetime) -> str:
    # Exactly the text event_hash() hashes, so the file verifies on its own.
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def export_chain_file(database: Database, actor: Actor, target: Path) -> ChainExport:
    """:func:`export_chain` into a new file ``target``. Written beside it and
    renamed once whole: a refused or broken export never leaves a file that
    looks like one, and an existing file is never replaced."""
    if target.exists():
        raise UsageError(f"{target} exists; choose a new file (an export is kept as it was made)")
    partial_file = target.with_name(target.name + ".partial")
    try:
        with partial_file.open("w", encoding="utf-8", newline="\n") as out:
            result = export_chain(database, actor, out)
        partial_file.replace(target)
    except BaseException:
        partial_file.unlink(missing_ok=True)
        raise
    return result


def export_chain(database: Database, actor: Actor, out: TextIO, *, batch: int = 5000) -> ChainExport:
    """Write the whole chain to ``out`` as JSONL, oldest first, then a closing line.

    Each event line holds the fields its hash covers (``payload`` as the exact
    canonical JSON text that was hashed), its ``prev_hash`` and ``hash``, so
    anyone can recompute the chain from the file alone; the closing line is
    ``{"head_hash": ..., "events": n}``. Kept somewhere the database's owners
    cannot write, the file later proves (:func:`check_export`) that the
    history up to it was not rewritten, even by someone who recomputed every
    hash after an edit. A chain that does not verify is not exported: the
    walk stops with :class:`IntegrityFailure` at the first broken event, and
    ``out`` holds what came before it, so callers write to a temporary file.
    Supervisors and admins only: payloads carry notes and user names.
    """
    actor.require(Permission.AUDIT)
    prev = GENESIS
    count = 0
    with database.read() as session:
        rows = session.execute(select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=batch)).scalars()
        try:
            for event in rows:
                problem = link_problem(event, count + 1, prev)
                if problem is not None:
                    raise IntegrityFailure(f"audit chain broken at event {problem[0]}: {problem[1]}; nothing exported")
                line = {
                    "id": event.id,
                    "kind": event.kind,
                    "actor": event.actor,
                    "at": _at_text(event.at),
                    "item_id": event.item_id,
                    "payload": event.payload,
                    "prev_hash": event.prev_hash,
                    "hash": event.hash,
                }
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
                prev = event.hash
                count += 1
        finally:
            rows.close()
    out.write(json.dumps({"head_hash": prev, "events": count}) + "\n")
    return ChainExport(count, prev)


def _export_line(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def check_export(database: Database, lines: Iterable[str], *, batch: int = 5000) -> ExportCheck:
    """Whether the database's chain still begins with exactly the exported events, and verifies.

    Checked in this order, the first failure named: the export is whole and
    each of its events fits its own hash and the one before it; the database
    has every exported event with the same id and hash, each fitting its own
    content; the database's whole chain (events appended since the export
    included) and its decisions verify (:func:`verify`). Events appended
    after the export are expected: the export is a prefix.
    UsageError when the file is not an audit export at all.
    """
    exported = 0
    prev = GENESIS
    closing: dict[str, Any] | None = None
    with database.read() as session:
        database_events = int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)

        def failed(event_id: int | None, problem: str) -> ExportCheck:
            return ExportCheck(False, exported, database_events, prev, event_id, problem)

        rows = session.execute(select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=batch)).scalars()
        try:
            stored = iter(rows)
            for number, text in enumerate(lines, start=1):
                if not text.strip():
                    continue
                line = _export_line(text)
                if closing is not None:
                    return failed(None, f"line {number} follows the export's closing line (added later?)")
                if line is not None and "id" not in line and {"head_hash", "events"} <= set(line):
                    closing = line
                    continue
                if line is None or not set(EXPORT_FIELDS) <= set(line):
                    if number == 1:
                        raise UsageError("not an audit export (made by: veil audit export -o FILE)")
                    return failed(exported + 1, f"line {number} of the export is not an audit event (damaged?)")
                problem = _exported_event_problem(line, exported + 1, prev)
                if problem is not None:
                    return failed(*problem)
                event_id = exported + 1
                row = next(stored, None)
                if row is None:
                    return failed(event_id, f"event {event_id} of the export is missing from the database (deleted?)")
                if row.id != event_id or row.hash != line["hash"]:
                    return failed(
                        event_id,
                        f"event {event_id} differs: the database has {row.hash[:12]}..., "
                        f"the export {str(line['hash'])[:12]}... (history rewritten?)",
                    )
                problem = link_problem(row, event_id, prev)
                if problem is not None:
                    return failed(*problem)
                exported += 1
                prev = row.hash
        finally:
            rows.close()
    if closing is None:
        if exported == 0:
            raise UsageError("not an audit export: the file is empty")
        return failed(None, f"the export has no closing line after event {exported} (cut short?)")
    if closing.get("events") != exported or closing.get("head_hash") != prev:
        return failed(None, "the export's closing line does not match its events (edited?)")
    whole = verify(database, batch=batch)
    if not whole.ok:
        return ExportCheck(False, exported, whole.events, prev, whole.broken_id, whole.problem)
    return ExportCheck(True, exported, whole.events, prev)


@dataclass(frozen=True)
class _ExportedEvent:
    """An event line of an export, as :class:`Link` reads it."""

    id: int
    at: datetime
    actor: str | None
    kind: str
    item_id: int | None
    payload: str
    prev_hash: str
    hash: str


def _exported_event_problem(line: dict[str, Any], expected_id: int, prev: str) -> tuple[int, str] | None:
    """What is wrong with one event line of an export as its ``expected_id``-th event, if anything."""
    try:
        event = _ExportedEvent(
            line["id"],
            datetime.fromisoformat(str(line["at"])),
            line["actor"],
            line["kind"],
            line["item_id"],
            str(line["payload"]),
            line["prev_hash"],
            line["hash"],
        )
        return link_problem(event, expected_id, prev, exported=True)
    except (TypeError, ValueError):
        return expected_id, f"the export's event {expected_id} is damaged"
