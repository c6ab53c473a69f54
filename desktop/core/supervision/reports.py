"""The supervisors' report: every figure the dashboard, the PDF and ``veil report`` show.

One function, :func:`report`, reads the database in one transaction and
returns a :class:`Report` of plain data. The window's dashboard, the PDF and
the command line all print that same object, so a number on screen can be
reproduced with ``veil report --json`` over the same range.

What counts (the range is ``since <= t < until``, times in UTC; ``until``
defaults to ``now``):

- A **decision** is a primary decision event: round 1 (not a blind second
  review), action approve, warn, remove or escalate, not an override, and not
  withdrawn by an undo. A supervisor resolving an escalated item makes such a
  decision too, so an escalated-then-resolved item counts twice (once
  "escalate", once for the resolution). Undo rows themselves never count.
- **Overrides** are override events (any round) in the range that were not
  undone; the decision they replace still counts as a decision.
- **Time to decision** runs from an item's ``received_at`` to its first
  decision (as above), for items whose first decision falls in the range.
- **Queue depth** at a moment is the number of items received by then that
  were not decided then (pending or escalated), replayed from the round-1
  decision events including those later undone, so it is the depth the queue
  really had. One point per UTC day: the depth at the end of that day (the
  last day: at the end of the range).
- **Exposure** is what the ``exposure`` table holds: "reveal" and "peek"
  seconds are exposure to unblurred media, "view" seconds are time with a
  graphic item open; graphic items are the distinct items with a "view"
  record, per reviewer and UTC day, by the record's start time.
- **Escalations** are escalate decisions in the range (as above); one is
  resolved when a later decision or override on its item, not undone, was
  made by the end of the range, and open otherwise.
- **Agreement** is :func:`desktop.core.supervision.qa.agreement` over second reviews of
  primary decisions made in the range: n pairs, percent agreement and
  Cohen's kappa on the action, overall and per first reviewer; per label,
  kappa on the label being present or absent. Figures are null with no pairs.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, exists, func, literal, select
from sqlalchemy.orm import aliased

from db.models import AuditEvent, Decision, Exposure, Item, Label, Reason, User
from desktop.core import audit
from desktop.core.audit import GENESIS
from desktop.core.clock import now as clock_now
from desktop.core.supervision import qa
from desktop.domain.clock import Clock, system_clock
from desktop.domain.errors import UsageError
from desktop.domain.people import Actor, Permission
from desktop.domain.reports import (
    Agreement,
    AgreementFigure,
    DayExposure,
    OpenEscalation,
    Quantiles,
    Report,
)
from desktop.domain.review import DECISIONS, Action, ItemStatus

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy.orm import Session

    from db.session import Database
    from desktop.domain import agreement as measures
    from desktop.domain.audit import Verification

HOURS = tuple(f"{hour:02d}" for hour in range(24))
_EXPOSURE_MODES = ("reveal", "peek")
_GRAPHIC_MODE = "view"


# -- the report ---------------------------------------------------------------


def report(
    database: Database,
    actor: Actor,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    clock: Clock = system_clock,
) -> Report:
    """The figures for decisions made from ``since`` until (not including) ``until`` (supervisors)."""
    return verified_report(database, actor, since=since, until=until, clock=clock, verify=False)[0]


def verified_report(
    database: Database,
    actor: Actor,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    clock: Clock = system_clock,
    verify: bool = True,
) -> tuple[Report, Verification | None]:
    """The report and (with ``verify``) the verification of the very chain
    whose head it names: both read in one snapshot, so a PDF never prints a
    head hash other than the one its figures were counted under."""
    actor.require(Permission.AUDIT)
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise UsageError(f"{name} needs a time zone")
    if since is not None and until is not None and since >= until:
        raise UsageError("the range is empty: --since must be before --until")
    with database.read() as session:
        if session.get_bind().dialect.name == "postgresql":
            # Many queries, one snapshot: the figures must agree with each other.
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        now = clock_now(session, clock)
        end = min(until, now) if until is not None else now
        found = _report_in(session, since, until, now, end)
        return found, (audit.verify_in(session) if verify else None)


def _report_in(
    session: Session, since: datetime | None, until: datetime | None, now: datetime, end: datetime
) -> Report:
    agreement = _agreement(session, since, end)
    start = since if since is not None else _first_moment(session)
    days = _days(start, end)
    rows = _decision_rows(session, since, end)
    escalations_open, escalations_resolved = _escalations(session, since, end)
    exposure = _exposure(session, since, end)
    used_labels = sorted({code for _, labels, _, _ in rows for code in labels})
    label_names = dict(session.execute(select(Label.code, Label.name).where(Label.code.in_(used_labels))).all())
    head = session.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    return Report(
        since=since,
        until=until,
        generated_at=now,
        start=start,
        end=end,
        decisions=len(rows),
        label_names={code: label_names.get(code, code) for code in used_labels},
        time_to_decision_s=_time_to_decision(session, since, end),
        queue_depth=_queue_depth(session, start, end, days),
        overrides=_overrides(session, since, end),
        escalations_open=escalations_open,
        escalations_resolved=escalations_resolved,
        agreement=agreement,
        audit_events=head[0] if head else 0,
        audit_head_hash=head[1] if head else GENESIS,
        **_decision_figures(rows, days),
        **exposure,
    )


def _in_range(column: Any, since: datetime | None, end: datetime) -> Any:
    return and_(column >= since, column < end) if since is not None else column < end


def _not_undone(decision: Any) -> Any:
    # Uncorrelated NOT IN, not NOT EXISTS: ``undoes`` has no index, and SQLite
    # would scan the decisions once per row; this reads the few undos once.
    undo = aliased(Decision)
    return decision.id.not_in(select(undo.undoes).where(undo.action == Action.UNDO, undo.undoes.is_not(None)))


def _primary(decision: Any) -> Any:
    """The filter for "a decision" as the module's docstring defines it."""
    return and_(
        decision.round == 1,
        decision.action.in_(DECISIONS),
        decision.overrides.is_(None),
        _not_undone(decision),
    )


def _first_moment(session: Session) -> datetime | None:
    first_item = session.scalar(select(func.min(Item.received_at)))
    first_decision = session.scalar(select(func.min(Decision.decided_at)))
    found = [t for t in (first_item, first_decision) if t is not None]
    return min(found) if found else None


def _days(start: datetime | None, end: datetime) -> list[date]:
    if start is None or start >= end:
        return []
    first, last = start.astimezone(UTC).date(), (end - timedelta(microseconds=1)).astimezone(UTC).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _day_end(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


def _decision_rows(
    session: Session, since: datetime | None, end: datetime
) -> list[tuple[Action, list[str], datetime, str]]:
    query = (
        select(Decision.action, Decision.labels, Decision.decided_at, User.name)
        .join(User, User.id == Decision.reviewer_id)
        .where(_primary(Decision), _in_range(Decision.decided_at, since, end))
    )
    return [(action, list(labels or []), at, name) for action, labels, at, name in session.execute(query)]


def _decision_figures(rows: list[tuple[Action, list[str], datetime, str]], days: list[date]) -> dict[str, Any]:
    by_action = Counter(action.value for action, _, _, _ in rows)
    by_label = Counter(code for _, labels, _, _ in rows for code in labels)
    by_moderator = Counter(name for _, _, _, name in rows)
    per_day = Counter(at.astimezone(UTC).date() for _, _, at, _ in rows)
    per_hour = Counter(f"{at.astimezone(UTC).hour:02d}" for _, _, at, _ in rows)
    return {
        "by_action": {action.value: by_action.get(action.value, 0) for action in DECISIONS},
        # Most used first; ties by code so the order never depends on the database.
        "by_label": dict(sorted(by_label.items(), key=lambda kv: (-kv[1], kv[0]))),
        "by_moderator": dict(sorted(by_moderator.items())),
        "decisions_per_day": {day.isoformat(): per_day.get(day, 0) for day in days},
        "decisions_per_hour": {hour: per_hour.get(hour, 0) for hour in HOURS},
    }


def quantiles(values: Iterable[float]) -> Quantiles:
    data = sorted(values)
    if not data:
        return Quantiles(0, None, None)
    if len(data) == 1:
        return Quantiles(1, data[0], data[0])
    p90 = statistics.quantiles(data, n=10, method="inclusive")[8]
    return Quantiles(len(data), float(statistics.median(data)), float(p90))


def _time_to_decision(session: Session, since: datetime | None, end: datetime) -> Quantiles:
    # Only items with a decision in the range can have their first one there.
    touched = select(Decision.item_id).where(_in_range(Decision.decided_at, since, end))
    first = (
        select(Decision.item_id, func.min(Decision.decided_at).label("first_at"))
        .where(_primary(Decision), Decision.item_id.in_(touched))
        .group_by(Decision.item_id)
        .subquery()
    )
    rows = session.execute(
        select(first.c.first_at, Item.received_at)
        .join(Item, Item.id == first.c.item_id)
        .where(_in_range(first.c.first_at, since, end))
    ).all()
    return quantiles((decided - received).total_seconds() for decided, received in rows)


def _queue_depth(session: Session, start: datetime | None, end: datetime, days: list[date]) -> dict[str, int]:
    if not days or start is None:
        return {}
    undone = aliased(Decision)
    decided = ItemStatus.DECIDED
    # How each event changed "is this item decided?": +1, -1 or 0. An undo
    # puts its item back in the state the undone decision found it in.
    after = case(
        (Decision.action.in_((Action.APPROVE, Action.WARN, Action.REMOVE)), literal(1)),
        (and_(Decision.action == Action.UNDO, undone.status_before == decided), literal(1)),
        else_=literal(0),
    )
    before = case((Decision.status_before == decided, literal(1)), else_=literal(0))
    delta = after - before
    events = (
        select(Decision.decided_at, delta.label("delta"))
        .outerjoin(undone, undone.id == Decision.undoes)
        .where(Decision.round == 1, delta != 0)
    )
    decided_before = session.scalar(
        select(func.coalesce(func.sum(events.where(Decision.decided_at < start).subquery().c.delta), 0))
    )
    received_before = session.scalar(select(func.count()).select_from(Item).where(Item.received_at < start))
    changes: Counter[date] = Counter()
    for at, change in session.execute(events.where(Decision.decided_at >= start, Decision.decided_at < end)):
        changes[at.astimezone(UTC).date()] -= int(change)
    for (received,) in session.execute(
        select(Item.received_at).where(Item.received_at >= start, Item.received_at < end)
    ):
        changes[received.astimezone(UTC).date()] += 1
    depth = int(received_before or 0) - int(decided_before or 0)
    points: dict[str, int] = {}
    for day in days:
        depth += changes.get(day, 0)
        points[day.isoformat()] = depth
    return points


def _overrides(session: Session, since: datetime | None, end: datetime) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Decision)
            .where(Decision.overrides.is_not(None), _not_undone(Decision), _in_range(Decision.decided_at, since, end))
        )
        or 0
    )


def _escalations(session: Session, since: datetime | None, end: datetime) -> tuple[int, int]:
    later = aliased(Decision)
    resolved = exists().where(
        later.item_id == Decision.item_id,
        later.item_seq > Decision.item_seq,
        later.round == 1,
        later.action != Action.UNDO,
        later.decided_at < end,
        _not_undone(later),
    )
    flags = session.scalars(
        select(resolved)
        .select_from(Decision)
        .where(_primary(Decision), Decision.action == Action.ESCALATE, _in_range(Decision.decided_at, since, end))
    ).all()
    counts = Counter(bool(flag) for flag in flags)
    return counts.get(False, 0), counts.get(True, 0)


def _exposure(session: Session, since: datetime | None, end: datetime) -> dict[str, Any]:
    exposure: defaultdict[str, float] = defaultdict(float)
    graphic: defaultdict[str, float] = defaultdict(float)
    day_exposure: defaultdict[tuple[str, date], float] = defaultdict(float)
    day_graphic: defaultdict[tuple[str, date], float] = defaultdict(float)
    day_items: defaultdict[tuple[str, date], set[int]] = defaultdict(set)
    query = (
        select(User.name, Exposure.mode, Exposure.item_id, Exposure.started_at, Exposure.seconds)
        .join(User, User.id == Exposure.user_id)
        .where(_in_range(Exposure.started_at, since, end))
    )
    for name, mode, item_id, started_at, seconds in session.execute(query):
        key = (name, started_at.astimezone(UTC).date())
        if mode in _EXPOSURE_MODES:
            exposure[name] += seconds
            day_exposure[key] += seconds
        elif mode == _GRAPHIC_MODE:
            graphic[name] += seconds
            day_graphic[key] += seconds
            day_items[key].add(item_id)
    names = sorted({name for name, _ in day_exposure} | {name for name, _ in day_graphic})
    by_day: dict[str, dict[str, DayExposure]] = {name: {} for name in names}
    graphic_items: dict[str, dict[str, int]] = {name: {} for name in names}
    for key in sorted(set(day_exposure) | set(day_graphic)):
        name, day = key
        items = len(day_items.get(key, ()))
        by_day[name][day.isoformat()] = DayExposure(day_exposure.get(key, 0.0), day_graphic.get(key, 0.0), items)
        graphic_items[name][day.isoformat()] = items
    return {
        "exposure_s_by_moderator": {name: exposure.get(name, 0.0) for name in names},
        "graphic_s_by_moderator": {name: graphic.get(name, 0.0) for name in names},
        "exposure_by_moderator_day": by_day,
        "graphic_items_by_moderator_day": graphic_items,
    }


# -- agreement with blind second review ---------------------------------------------


def _agreement(session: Session, since: datetime | None, end: datetime) -> Agreement:
    """Agreement between primary decisions made in the range and their blind second reviews."""
    found = qa.agreement_in(session, since, end)

    def figure(value: measures.Agreement) -> AgreementFigure:
        return AgreementFigure(value.n, value.percent, value.kappa)

    return Agreement(
        overall=figure(found.overall),
        by_moderator={name: figure(value) for name, value in found.by_moderator.items()},
        by_label={code: figure(value) for code, value in found.by_label.items()},
    )


# -- open escalations ----------------------------------------------------------


def open_escalations(database: Database, actor: Actor, *, clock: Clock = system_clock) -> list[OpenEscalation]:
    """Items waiting for a supervisor, longest waiting first, with who sent them and why."""
    actor.require(Permission.RESOLVE_ESCALATIONS)
    escalator = aliased(User)
    holder = aliased(User)
    with database.read() as session:
        now = clock_now(session, clock)
        rows = session.execute(
            select(Item, Decision, escalator.name, Reason.name, holder.name)
            .join(Decision, Decision.id == Item.current_decision_id)
            .join(escalator, escalator.id == Decision.reviewer_id)
            .outerjoin(Reason, and_(Reason.kind == Action.ESCALATE.value, Reason.code == Decision.reason_code))
            .outerjoin(holder, holder.id == Item.claimed_by)
            .where(Item.status == ItemStatus.ESCALATED)
            .order_by(Decision.decided_at, Item.id)
        ).all()
        return [
            OpenEscalation(
                item_id=item.id,
                severity=item.severity,
                text=item.text,
                escalated_by=by,
                escalated_at=decision.decided_at,
                reason=decision.reason_code,
                reason_name=reason_name,
                note=decision.note,
                decision_id=decision.id,
                # A lapsed lease holds nothing: the item is free to claim.
                held_by=held if item.lease_expires_at is not None and item.lease_expires_at > now else None,
            )
            for item, decision, by, reason_name, held in rows
        ]
