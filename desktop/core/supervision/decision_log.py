"""The decision log, for those who audit: every decision event, an item's
whole history, and whether the audit chain still vouches for it.

Supervisors and admins read it (``Permission.AUDIT``, checked in every
function before anything is read); the one exception is
:func:`overrides_of`, which shows any reviewer the overrides of their own
decisions and nobody else's.

The log pages like the queue does (see :mod:`desktop.core.review.listing`): each
page starts after the key of the last row before it, newest first, so the
thousandth page costs what the first does. A row is one decision event: a
primary decision, a blind second review (round 2 and later), an undo or an
override. Nothing here writes.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, and_, cast, exists, func, or_, select
from sqlalchemy.orm import aliased

from db.models import AuditEvent, Decision, Item, Marker, Reason, Source, User
from desktop.core import audit, taxonomy
from desktop.core.review.decisions import decision_in_force, decision_info
from desktop.core.review.listing import marker_codes
from desktop.domain.audit import (
    ChainStatus,
    DecisionRef,
    EventKind,
    HistoryEntry,
    ItemHistory,
    LogFacets,
    LogFilter,
    LogKey,
    LogPage,
    LogRow,
    OverrideContext,
    OverrideNotice,
    Verification,
)
from desktop.domain.errors import NotFound
from desktop.domain.people import Permission
from desktop.domain.review import Action

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from datetime import datetime

    from sqlalchemy.orm import Session

    from db.session import Database
    from desktop.domain.people import Actor

# The log shows this much of an item's text; the history pane shows more.
EXCERPT = 240
HISTORY_EXCERPT = 2000
# A text search reads candidate rows in batches of this many, and at most
# SCAN_BUDGET of them for one page: a search that matches little hands back
# what it found so far (with where to go on), so the window never waits on
# a scan of the whole log before it can draw anything.
SCAN_BATCH = 500
SCAN_BUDGET = 20_000
# ``IN (...)`` lists stay short enough for every driver and planner.
_CHUNK = 500


# -- the log ---------------------------------------------------------------


def page(
    database: Database, actor: Actor, query: LogFilter, *, after: LogKey | None = None, limit: int = 200
) -> LogPage:
    """Up to ``limit`` decision events matching ``query``, newest first, after ``after``.

    Every filter but ``text`` is a condition in SQL. ``text`` is matched in
    Python, Unicode-aware (NFKC, case-folded), because neither database can
    be trusted to fold case beyond ASCII: SQLite's ``lower()`` and ``LIKE``
    fold only A-Z, PostgreSQL's depend on the server's locale, and reviewers
    search Cyrillic, Armenian and Arabic. So a text search *scans*: it reads
    the rows the other filters leave, newest first, at most
    :data:`SCAN_BUDGET` of them per call, and may return fewer than
    ``limit`` rows with a ``next_key`` to go on from. Narrow it by date or
    reviewer to make it quick.
    """
    actor.require(Permission.AUDIT)
    with database.read() as session:
        conditions = _conditions(session, query)
        if conditions is None:
            return LogPage([], None)
        needle = _fold(query.text) if query.text and query.text.strip() else None
        if needle is None:
            raw = _select_rows(session, conditions, after, limit + 1, full_text=False)
            more = len(raw) > limit
            raw = raw[:limit]
            rows = _decorate(session, raw)
            return LogPage(rows, rows[-1].key if more and rows else None, len(raw))
        return _scan(session, conditions, after, limit, needle)


def _scan(session: Session, conditions: list[Any], after: LogKey | None, limit: int, needle: str) -> LogPage:
    found: list[Any] = []
    scanned = 0
    position = after
    while True:
        batch = _select_rows(session, conditions, position, SCAN_BATCH, full_text=True)
        for row in batch:
            scanned += 1
            position = (row.decided_at, row.item_id, row.item_seq)
            if needle in _fold(row.text):
                found.append(row)
                if len(found) == limit:
                    return LogPage(_decorate(session, found), position, scanned)
            if scanned >= SCAN_BUDGET:
                return LogPage(_decorate(session, found), position, scanned)
        if len(batch) < SCAN_BATCH:
            return LogPage(_decorate(session, found), None, scanned)


def _fold(text: str) -> str:
    """Text as a search compares it: compatibility forms unified, case folded."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def _conditions(session: Session, query: LogFilter) -> list[Any] | None:
    """SQL conditions for every filter but the text; None when a named thing does not exist."""
    conditions: list[Any] = []
    if query.reviewer is not None:
        reviewer_id = session.scalar(select(User.id).where(User.name == query.reviewer))
        if reviewer_id is None:
            return None
        conditions.append(Decision.reviewer_id == reviewer_id)
    if query.source is not None:
        source_id = session.scalar(select(Source.id).where(Source.name == query.source))
        if source_id is None:
            return None
        conditions.append(Item.source_id == source_id)
    if query.since is not None:
        conditions.append(Decision.decided_at >= query.since)
    if query.until is not None:
        conditions.append(Decision.decided_at < query.until)
    if query.action is not None:
        conditions.append(Decision.action == query.action)
    if query.item_id is not None:
        conditions.append(Decision.item_id == query.item_id)
    if query.kind is not None:
        conditions.append(_kind_condition(query.kind))
    if query.label is not None:
        # Labels are a JSON list of codes; a quoted code matches only a whole element.
        conditions.append(cast(Decision.labels, String).contains(f'"{query.label}"', autoescape=True))
    if query.marker is not None:
        conditions.append(exists().where(Marker.item_id == Decision.item_id, Marker.code == query.marker))
    return conditions


def _kind_condition(kind: EventKind) -> Any:
    if kind == EventKind.UNDO:
        return Decision.action == Action.UNDO
    if kind == EventKind.OVERRIDE:
        return Decision.overrides.is_not(None)
    first = Decision.round <= 1 if kind == EventKind.DECISION else Decision.round > 1
    return and_(Decision.action != Action.UNDO, Decision.overrides.is_(None), first)


def _kind(action: Action, overrides: str | None, round_: int) -> EventKind:
    if action == Action.UNDO:
        return EventKind.UNDO
    if overrides is not None:
        return EventKind.OVERRIDE
    return EventKind.SECOND_REVIEW if round_ > 1 else EventKind.DECISION


def _select_rows(
    session: Session, conditions: list[Any], after: LogKey | None, limit: int | None, *, full_text: bool
) -> list[Any]:
    where = list(conditions)
    if after is not None:
        at, item_id, seq = after
        # Spelled out rather than a row value, so the time is bound through
        # the column's own type (SQLite stores it naive); the plain
        # ``decided_at <= at`` lets the planner walk ix_decision_decided_at.
        where.append(Decision.decided_at <= at)
        where.append(
            or_(
                Decision.decided_at < at,
                and_(
                    Decision.decided_at == at,
                    or_(Decision.item_id < item_id, and_(Decision.item_id == item_id, Decision.item_seq < seq)),
                ),
            )
        )
    text = Item.text if full_text else func.substr(Item.text, 1, EXCERPT)
    return list(
        session.execute(
            select(
                Decision.id,
                Decision.item_id,
                Decision.item_seq,
                Decision.action,
                Decision.labels,
                Decision.reason_code,
                Decision.note,
                Decision.decided_at,
                Decision.round,
                Decision.overrides,
                Decision.undoes,
                User.name.label("reviewer"),
                Item.current_decision_id,
                Source.name.label("source"),
                text.label("text"),
            )
            .join(User, User.id == Decision.reviewer_id)
            .join(Item, Item.id == Decision.item_id)
            .join(Source, Source.id == Item.source_id)
            .where(*where)
            .order_by(Decision.decided_at.desc(), Decision.item_id.desc(), Decision.item_seq.desc())
            .limit(limit)
        ).all()
    )


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


@dataclass(frozen=True)
class _Related:
    """Every decision event of some items, to say which were withdrawn and what each refers to."""

    by_id: dict[str, DecisionRef]
    undo_of: dict[str, DecisionRef]  # undone decision id -> the undo
    overrides_of: dict[str, list[DecisionRef]]  # replaced decision id -> its overrides, newest first

    def withdrawn_by(self, decision_id: str, action: Action) -> DecisionRef | None:
        if action == Action.UNDO:
            return None
        undo = self.undo_of.get(decision_id)
        if undo is not None:
            return undo
        # An override its supervisor undid no longer stands: the decision it
        # replaced is back in force.
        for override in self.overrides_of.get(decision_id, []):
            if override.id not in self.undo_of:
                return override
        return None

    def refers_to(self, overrides: str | None, undoes: str | None) -> DecisionRef | None:
        target = overrides or undoes
        return self.by_id.get(target) if target else None


def _related(session: Session, item_ids: Sequence[int]) -> _Related:
    by_id: dict[str, DecisionRef] = {}
    undo_of: dict[str, DecisionRef] = {}
    overrides_of: dict[str, list[DecisionRef]] = {}
    for chunk in _chunks(sorted(set(item_ids))):
        rows = session.execute(
            select(Decision.id, Decision.action, Decision.decided_at, Decision.overrides, Decision.undoes, User.name)
            .join(User, User.id == Decision.reviewer_id)
            .where(Decision.item_id.in_(chunk))
            .order_by(Decision.item_id, Decision.item_seq.desc())
        )
        for decision_id, action, decided_at, overrides, undoes, reviewer in rows:
            ref = DecisionRef(decision_id, action, reviewer, decided_at)
            by_id[decision_id] = ref
            if undoes:
                undo_of[undoes] = ref
            if overrides:
                overrides_of.setdefault(overrides, []).append(ref)
    return _Related(by_id, undo_of, overrides_of)


def _decorate(session: Session, raw: Sequence[Any]) -> list[LogRow]:
    item_ids = sorted({r.item_id for r in raw})
    related = _related(session, item_ids)
    markers: dict[int, list[str]] = {}
    for chunk in _chunks(item_ids):
        markers.update(marker_codes(session, chunk))
    return [
        LogRow(
            id=r.id,
            item_id=r.item_id,
            item_seq=r.item_seq,
            kind=_kind(r.action, r.overrides, r.round),
            action=r.action,
            labels=tuple(r.labels),
            reason=r.reason_code,
            note=r.note,
            reviewer=r.reviewer,
            decided_at=r.decided_at,
            round=r.round,
            overrides=r.overrides,
            undoes=r.undoes,
            in_force=r.current_decision_id == r.id,
            withdrawn_by=related.withdrawn_by(r.id, r.action),
            refers_to=related.refers_to(r.overrides, r.undoes),
            source=r.source,
            markers=tuple(markers.get(r.item_id, ())),
            excerpt=" ".join(r.text[:EXCERPT].split()),
        )
        for r in raw
    ]


def facets(database: Database, actor: Actor) -> LogFacets:
    """The reviewers, sources, markers, labels and reasons the filters can offer."""
    actor.require(Permission.AUDIT)
    with database.read() as session:
        return LogFacets(
            reviewers=list(session.scalars(select(User.name).order_by(User.name))),
            sources=list(session.scalars(select(Source.name).order_by(Source.name))),
            markers=list(session.scalars(select(Marker.code).distinct().order_by(Marker.code))),
            labels=taxonomy.labels(session, include_inactive=True),
            reasons=taxonomy.reasons_by_kind(session),
        )


def names(database: Database, actor: Actor) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """Label names by code, and reason names by (kind, code), inactive ones
    included: old decisions read with the names they were made with.
    Anyone who reviews may read them (the decision panel shows them all)."""
    actor.require(Permission.REVIEW)
    with database.read() as session:
        labels = {label.code: label.name for label in taxonomy.labels(session, include_inactive=True)}
        reasons = {(r.kind, r.code): r.name for r in session.scalars(select(Reason))}
    return labels, reasons


# -- one item ----------------------------------------------------------------


def item_history(database: Database, actor: Actor, item_id: int) -> ItemHistory:
    """Everything that happened to one item, in the order it happened.

    The audit chain is the order (event ids); each decision event carries
    its decision row. A decision row whose audit event is missing is shown
    too, at its time, with no event id: the history hides nothing, and
    :func:`chain_status` says what is wrong.
    """
    actor.require(Permission.AUDIT)
    with database.read() as session:
        item = session.get(Item, item_id)
        if item is None:
            raise NotFound(f"no item {item_id}")
        source = session.scalar(select(Source.name).where(Source.id == item.source_id)) or ""
        decisions = {
            row.id: row
            for row in _decorate(
                session, _select_rows(session, [Decision.item_id == item_id], None, None, full_text=False)
            )
        }
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.item_id == item_id).order_by(AuditEvent.id)))
        entries = [
            HistoryEntry(item.received_at, None, "received", f"Received from {source}", None),
        ]
        recorded: set[str] = set()
        for event in events:
            decision = decisions.get(event.ref or "") if event.kind in audit.DECISION_KINDS else None
            if decision is not None:
                recorded.add(decision.id)
            entries.append(_entry(event, decision))
        for orphan in sorted(
            (d for d in decisions.values() if d.id not in recorded), key=lambda d: (d.decided_at, d.item_seq)
        ):
            entry = _decision_entry(orphan, None)
            at = next((n for n, e in enumerate(entries) if e.at > orphan.decided_at), len(entries))
            entries.insert(at, entry)
        return ItemHistory(
            item_id=item.id,
            source=source,
            status=item.status,
            text=item.text[:HISTORY_EXCERPT],
            media_withheld=item.media_withheld,
            current_decision=item.current_decision_id,
            entries=entries,
        )


_EXPOSURE_VERBS = {"reveal": "Revealed", "peek": "Peeked at", "view": "Viewed"}


def _entry(event: AuditEvent, decision: LogRow | None) -> HistoryEntry:
    try:
        details = json.loads(event.payload)
    except ValueError:
        details = {}
    if not isinstance(details, dict):
        details = {}
    if decision is not None:
        return _decision_entry(decision, event.id, details)
    kind = event.kind
    seconds = None
    if kind in _EXPOSURE_VERBS:
        seconds = float(details.get("seconds") or 0.0)
        media = details.get("media_id")
        what = f"media {media}" if media is not None else ("the item" if kind == "view" else "the media")
        summary = f"{_EXPOSURE_VERBS[kind]} {what} for {seconds:.1f} s"
    elif kind == "claim":
        summary = "Claimed"
    elif kind == "release":
        summary = "Released back to the queue"
    elif kind == "skip":
        summary = "Skipped"
    elif kind == "note":
        summary = f"Note: {details.get('text') or details.get('note') or ''}".rstrip(": ")
    elif kind == "qa.claim":
        summary = "Claimed for a blind second review"
    elif kind == "skip.clear":
        summary = f"Skips cleared ({details.get('cleared', 0)})"
    elif kind in audit.DECISION_KINDS:
        # The event is there but its decision row is not: chain_status names it.
        summary = f"{kind.capitalize()} {details.get('action', '?')} (its decision row is missing)"
    else:
        extra = ", ".join(f"{k}: {v}" for k, v in sorted(details.items()))
        summary = kind.replace(".", " ").replace("_", " ").capitalize() + (f" ({extra})" if extra else "")
    return HistoryEntry(event.at, event.actor, kind, summary, event.id, seconds=seconds, details=details)


def _decision_entry(row: LogRow, event_id: int | None, details: dict[str, Any] | None = None) -> HistoryEntry:
    return HistoryEntry(
        row.decided_at, row.reviewer, row.kind.value, describe(row), event_id, decision=row, details=details or {}
    )


def describe(row: LogRow) -> str:
    """A decision event in one line, codes as recorded: "Override: remove (gratuitous), replacing alice's warn"."""
    if row.kind == EventKind.UNDO:
        target = row.refers_to
        text = f"Undo of {target.reviewer}'s {target.action.value}" if target else "Undo"
    else:
        head = {EventKind.OVERRIDE: "Override", EventKind.SECOND_REVIEW: "Second review"}.get(row.kind, "Decision")
        text = f"{head}: {row.action.value}"
        if row.reason:
            text += f" ({row.reason})"
        if row.labels:
            text += " [" + ", ".join(row.labels) + "]"
        if row.kind == EventKind.OVERRIDE and row.refers_to is not None:
            text += f", replacing {row.refers_to.reviewer}'s {row.refers_to.action.value}"
    if row.note:
        text += f" — note: {row.note}"
    return text


def chain_status(database: Database, actor: Actor, item_id: int) -> ChainStatus:
    """Whether the audit chain still vouches for every event of one item.

    Checked: each of the item's events (and each event recording one of its
    decisions) still hashes to what it says, is linked to the events just
    before and after it, and matches its decision row; every decision event
    of the item still has its row; and no event is missing anywhere in the
    chain (ids run 1..N, so a count finds a deletion; a missing event may
    have been this item's). The first broken event is reported.

    It reads the item's events and their neighbours, not the whole chain:
    an event of another item edited in place does not concern this item.
    :func:`verify_all` walks everything.
    """
    actor.require(Permission.AUDIT)
    with database.read() as session:
        if session.get(Item, item_id) is None:
            raise NotFound(f"no item {item_id}")
        decisions = list(
            session.execute(
                select(Decision, User.name)
                .join(User, User.id == Decision.reviewer_id)
                .where(Decision.item_id == item_id)
                .order_by(Decision.item_seq)
            ).all()
        )
        events = {e.id: e for e in session.scalars(select(AuditEvent).where(AuditEvent.item_id == item_id))}
        decision_ids = [d.id for d, _ in decisions]
        by_ref: dict[str, AuditEvent] = {}
        for chunk in _chunks(decision_ids):
            for event in session.scalars(
                select(AuditEvent).where(AuditEvent.ref.in_(chunk), AuditEvent.kind.in_(audit.DECISION_KINDS))
            ):
                # An event whose item id was edited is still this item's to check.
                events[event.id] = event
                by_ref.setdefault(event.ref or "", event)
        head = int(session.scalar(select(func.max(AuditEvent.id))) or 0)
        total = int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)
        problems = _link_problems(session, sorted(events.values(), key=lambda e: e.id), head)
        problems += _decision_problems(decisions, by_ref, events.values(), head)
        if total != head:
            missing = _first_missing(session)
            if missing is not None:
                problems.append(
                    (missing, f"audit event {missing} is missing (deleted): it may have been one of this item's")
                )
    if not problems:
        return ChainStatus(item_id, True, len(events))
    broken, problem = min(problems, key=lambda p: p[0])
    return ChainStatus(item_id, False, len(events), broken, problem)


def _link_problems(session: Session, events: Sequence[AuditEvent], head: int) -> list[tuple[int, str]]:
    """Each event's place in the chain, between the events just before and after it."""
    wanted = sorted({e.id - 1 for e in events if e.id > 1} | {e.id + 1 for e in events if e.id < head})
    chain: dict[int, AuditEvent] = {}
    for chunk in _chunks(wanted):
        chain.update((e.id, e) for e in session.scalars(select(AuditEvent).where(AuditEvent.id.in_(chunk))))
    chain.update((e.id, e) for e in events)
    problems: list[tuple[int, str]] = []
    for event in events:
        where = audit.event_name(event)
        before = chain.get(event.id - 1)
        if event.id > 1 and before is None:
            problems.append((event.id - 1, f"audit event {event.id - 1}, before {where}, is missing (deleted)"))
        prev = audit.GENESIS if event.id == 1 else (before.hash if before is not None else None)
        links = [audit.link_problem(event, event.id, prev)]
        if event.id < head:
            after = chain.get(event.id + 1)
            if after is None:
                problems.append((event.id + 1, f"audit event {event.id + 1}, after {where}, is missing (deleted)"))
            else:
                # Only its link back to this event: another item's event edited in place is not this item's concern.
                links.append(audit.link_problem(after, event.id + 1, event.hash, content=False))
        problems += [problem for problem in links if problem is not None]
    return problems


def _decision_problems(
    decisions: Sequence[tuple[Decision, str]], by_ref: dict[str, AuditEvent], events: Any, head: int
) -> list[tuple[int, str]]:
    """The same comparisons as :func:`desktop.core.audit.verify`, for one item's decisions."""
    problems: list[tuple[int, str]] = []
    for decision, reviewer in decisions:
        event = by_ref.get(decision.id)
        problem = audit.decision_mismatch(decision, reviewer, event)
        if problem is not None:
            # No event: the newest events were deleted (a gap in the middle is found by the count).
            problems.append((event.id if event is not None else head + 1, problem))
    known = {decision.id for decision, _ in decisions}
    for event in events:
        if event.kind in audit.DECISION_KINDS and event.ref not in known:
            problems.append((event.id, f"decision {event.ref} recorded by audit event {event.id} is missing (deleted)"))
    return problems


def _first_missing(session: Session) -> int | None:
    """The lowest event id 1..max that has no row."""
    first = session.scalar(select(func.min(AuditEvent.id)))
    if first is not None and first > 1:
        return 1
    later = aliased(AuditEvent)
    head = select(func.max(AuditEvent.id)).scalar_subquery()
    gap = session.scalar(
        select(AuditEvent.id + 1)
        .where(AuditEvent.id < head, ~exists().where(later.id == AuditEvent.id + 1))
        .order_by(AuditEvent.id)
        .limit(1)
    )
    return int(gap) if gap is not None else None


def verify_all(database: Database, actor: Actor) -> Verification:
    """Walk the whole audit chain (``veil audit verify``): the event count and
    head hash when intact, else the first broken event and why."""
    actor.require(Permission.AUDIT)
    return audit.verify(database)


# -- overriding -----------------------------------------------------------------


def override_context(database: Database, actor: Actor, item_id: int) -> OverrideContext:
    """The decision in force on ``item_id`` and the labels and reasons an override may give."""
    actor.require(Permission.AUDIT)
    actor.require(Permission.OVERRIDE)
    with database.read() as session:
        item = session.get(Item, item_id)
        if item is None:
            raise NotFound(f"no item {item_id}")
        in_force = decision_in_force(session, item)
        return OverrideContext(
            item_id=item.id,
            excerpt=" ".join(item.text[:EXCERPT].split()),
            status=item.status,
            in_force=in_force,
            labels=taxonomy.labels(session),
            reasons=taxonomy.reasons_by_kind(session),
        )


def overrides_of(
    database: Database, actor: Actor, *, since: datetime | None = None, limit: int = 500
) -> list[OverrideNotice]:
    """Overrides of ``actor``'s own decisions, newest first: what a supervisor
    changed in their work, and why. Any reviewer may read these; nobody
    reads another's here."""
    actor.require(Permission.REVIEW)
    original = aliased(Decision)
    supervisor = aliased(User)
    undo = aliased(Decision)
    query = (
        select(
            Decision,
            supervisor.name,
            original,
            func.substr(Item.text, 1, EXCERPT),
            exists().where(undo.undoes == Decision.id, undo.item_id == Decision.item_id),
        )
        .join(original, original.id == Decision.overrides)
        .join(supervisor, supervisor.id == Decision.reviewer_id)
        .join(Item, Item.id == Decision.item_id)
        .where(original.reviewer_id == actor.id)
        .order_by(Decision.decided_at.desc(), Decision.item_id.desc(), Decision.item_seq.desc())
        .limit(limit)
    )
    if since is not None:
        query = query.where(Decision.decided_at >= since)
    with database.read() as session:
        return [
            OverrideNotice(
                item_id=override.item_id,
                excerpt=" ".join(text.split()),
                yours=decision_info(mine, actor.name),
                override=decision_info(override, by),
                withdrawn=bool(undone),
            )
            for override, by, mine, text, undone in session.execute(query)
        ]
