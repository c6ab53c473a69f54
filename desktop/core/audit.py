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
PostgreSQL by a transaction-scoped advisory lock.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select

from db.models import AuditEvent, Base, Decision, User

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy.orm import Session

    from db.session import Database

GENESIS = "0" * 64
_AUDIT_TABLE = Base.metadata.tables["audit_event"]
# Any constant will do; it names "the audit chain" among advisory locks.
_PG_LOCK_KEY = 0x7E11_A0D1

DECISION_KINDS = ("decision", "undo", "override")


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
    """Add one event to the chain, inside the caller's write transaction; returns its hash."""
    lock_chain(session)
    last = session.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    event_id, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    body = canonical(payload or {})
    digest = event_hash(prev, event_id, at, actor, kind, item_id, body)
    # A Core INSERT, not session.add(): one row, no unit-of-work bookkeeping
    # on the hottest path (every claim and decision).
    session.execute(
        insert(_AUDIT_TABLE).values(
            id=event_id,
            at=at,
            actor=actor,
            kind=kind,
            item_id=item_id,
            ref=ref,
            payload=body,
            prev_hash=prev,
            hash=digest,
        )
    )
    return digest


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


def append_decision(session: Session, row: Decision, *, kind: str, actor: str) -> str:
    return append(
        session,
        kind=kind,
        actor=actor,
        at=row.decided_at,
        item_id=row.item_id,
        payload=decision_payload(row),
        ref=row.id,
    )


@dataclass(frozen=True)
class Verification:
    ok: bool
    events: int
    head_hash: str
    broken_id: int | None = None
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "head_hash": self.head_hash,
            "broken_event": self.broken_id,
            "problem": self.problem,
        }


def verify(database: Database, *, batch: int = 5000) -> Verification:
    """Walk the chain in id order and report the first row that does not fit."""
    with database.read() as session:
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
            where = f"decision {decision.id} (item {decision.item_id})"
            if event is None:
                # The newest events were deleted: the chain alone cannot tell.
                return broken(walked.events + 1, f"{where} has no audit event (events deleted?)")
            recorded = json.loads(event.payload)
            if (
                recorded != decision_payload(decision)
                or event.actor != reviewer
                or event.at != decision.decided_at
                or event.item_id != decision.item_id
            ):
                return broken(event.id, f"{where} was edited: it no longer matches audit event {event.id}")
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
        expected_id = count + 1
        where = f"audit event {event.id} ({event.kind} at {event.at.isoformat(timespec='seconds')})"
        if event.id != expected_id:
            return Verification(False, count, prev, expected_id, f"audit event {expected_id} is missing (deleted)")
        if event.prev_hash != prev:
            problem = f"{where} does not follow the event before it (deleted or reordered)"
            return Verification(False, count, prev, event.id, problem)
        recomputed = event_hash(
            event.prev_hash, event.id, event.at, event.actor, event.kind, event.item_id, event.payload
        )
        if recomputed != event.hash:
            problem = f"{where} was edited: its content does not match its hash"
            return Verification(False, count, prev, event.id, problem)
        prev = event.hash
        count += 1
    return Verification(True, count, prev)
