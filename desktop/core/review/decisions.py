"""Decisions on items: decide, approve quiet items together, undo, override, copy a near-duplicate's decision.

Every decision, a blind second review's included, is recorded by
:func:`record_decision`: what the action requires is checked, the row added
with the item's next sequence number, the item moved on (a second review
leaves it alone), and the event appended to the audit chain when the
caller's transaction commits. :func:`decide`, every reviewer's hot path,
does the same in Core statements of its own. Nothing is updated in place:
an undo or an override is a decision of its own that points at the one it
withdraws.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, bindparam, func, insert, or_, select, update

from db.models import Base, Decision, Item, Marker, Media, User
from desktop.core import audit, taxonomy
from desktop.core.review.claims import check_holder, forget, locked_item
from desktop.domain.errors import Conflict, UsageError
from desktop.domain.people import Permission
from desktop.domain.review import DECISIONS, Action, DecisionInfo, ItemStatus

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from sqlalchemy.orm import Session

    from desktop.domain.people import Actor

DEFAULT_UNDO_GRACE = timedelta(minutes=5)


def decide(
    session: Session,
    actor: Actor,
    item_id: int,
    action: Action,
    now: datetime,
    *,
    labels: Sequence[str] = (),
    reason: str | None = None,
    note: str | None = None,
    decision_id: str | None = None,
) -> DecisionInfo:
    """Record a decision on an item. A repeat with the same ``decision_id`` is a no-op.

    The hot path of every reviewer, in Core statements that read only the
    columns the rules need: lock the item's row, look for the repeat and the
    next sequence number in one query, insert the decision, move the item
    on; the audit event is appended when the transaction commits."""
    actor.require(Permission.REVIEW)
    if action not in DECISIONS:
        raise UsageError(f"{action.value} is not a decision")
    decision_id = checked_id(decision_id)
    session.flush()  # changes made earlier in this transaction through the ORM go first
    # The session's connection itself: no ORM machinery around a Core statement.
    connection = session.connection()
    keys = {"b_decision": decision_id, "b_item": item_id}
    item: Any  # the item's status, holder and lease (a Row)
    if connection.dialect.name == "sqlite":
        # The transaction holds the database's write lock from its start:
        # the item, the repeat and the sequence number in one statement.
        item = connection.execute(_ITEM_REPEAT_AND_SEQ, keys).first()
        repeat, last_seq = (item.repeat, item.last_seq) if item is not None else (None, None)
    else:
        # Lock first: a concurrent retry of this very decision waits here,
        # then finds the row the first attempt wrote, by a statement of its
        # own whose snapshot is taken once the lock is held.
        item = connection.execute(_LOCK_ITEM, keys).first()
        if item is not None:
            repeat, last_seq = connection.execute(_REPEAT_AND_SEQ, keys).one()
    if item is None:
        locked_item(session, item_id)  # says why: no such item, or a team policy hides it
        raise AssertionError("locked_item raises for a row the lock did not find")
    if repeat is not None:
        earlier = session.get(Decision, decision_id)
        assert earlier is not None
        return _replayed(earlier, actor, item_id)
    if item.status == ItemStatus.DECIDED:
        raise Conflict(f"item {item_id} is already decided; undo your own decision or ask a supervisor to override it")
    if item.status == ItemStatus.ESCALATED:
        actor.require(Permission.RESOLVE_ESCALATIONS)
        if action == Action.ESCALATE:
            raise UsageError(f"item {item_id} is already escalated")
    if item.claimed_by not in (None, actor.id) and item.lease_expires_at is not None and item.lease_expires_at > now:
        check_holder(session, locked_item(session, item_id), actor, now)  # refuses, naming the holder
    checked_labels, reason_row = taxonomy.check_decision(session, action, labels, reason)
    # Never added to the session: the values of the row inserted below, as
    # the audit event and the caller read them.
    row = Decision(
        id=decision_id,
        item_id=item_id,
        item_seq=(last_seq or 0) + 1,
        reviewer_id=actor.id,
        action=action,
        labels=checked_labels,
        reason_code=reason,
        note=note or None,
        decided_at=now,
        round=1,
        status_before=item.status,
        overrides=None,
        undoes=None,
    )
    # The row goes in while the reviewer still holds the item: a team
    # database admits a decision only on an item its reviewer holds.
    connection.execute(_INSERT_DECISION, {column: getattr(row, column) for column in _DECISION_COLUMNS})
    moved = {
        "b_item": item_id,
        "b_status": ItemStatus.ESCALATED if action == Action.ESCALATE else ItemStatus.DECIDED,
        "b_decision": decision_id,
        # Safety outranks everything: suspected CSAM is withheld from everyone at once.
        "b_withheld": reason_row is not None and reason_row.withholds_media,
    }
    connection.execute(_MOVE_ITEM, moved)
    forget(session, item_id)
    audit.append_decision(session, row, kind="decision", actor=actor.name)
    return decision_info(row, actor.name)


# decide's statements, built once (building a statement costs more than
# running it on SQLite).
_ITEM = Base.metadata.tables["item"]
_DECISION = Base.metadata.tables["decision"]
_DECISION_COLUMNS = tuple(column.key for column in _DECISION.columns)
_LOCK_ITEM = (
    select(_ITEM.c.status, _ITEM.c.claimed_by, _ITEM.c.lease_expires_at)
    .where(_ITEM.c.id == bindparam("b_item"))
    .with_for_update()
)
_REPEAT = select(_DECISION.c.id).where(_DECISION.c.id == bindparam("b_decision")).scalar_subquery().label("repeat")
_LAST_SEQ = (
    select(func.max(_DECISION.c.item_seq))
    .where(_DECISION.c.item_id == bindparam("b_item"))
    .scalar_subquery()
    .label("last_seq")
)
_REPEAT_AND_SEQ = select(_REPEAT, _LAST_SEQ)
_ITEM_REPEAT_AND_SEQ = select(_ITEM.c.status, _ITEM.c.claimed_by, _ITEM.c.lease_expires_at, _REPEAT, _LAST_SEQ).where(
    _ITEM.c.id == bindparam("b_item")
)
_INSERT_DECISION = insert(_DECISION)
_MOVE_ITEM = (
    update(_ITEM)
    .where(_ITEM.c.id == bindparam("b_item"))
    .values(
        status=bindparam("b_status"),
        current_decision_id=bindparam("b_decision"),
        claimed_by=None,
        lease_expires_at=None,
        media_withheld=or_(_ITEM.c.media_withheld, bindparam("b_withheld", type_=Boolean)),
    )
)


def approve_many(
    session: Session, actor: Actor, decisions: Sequence[tuple[int, str]], now: datetime
) -> list[DecisionInfo]:
    """Approve several quiet items at once: ``(item_id, decision_id)`` pairs.

    Only items that need no look are allowed: pending, severity 0, no
    media, no markers or cues. All are approved or none (the caller's
    transaction); a repeat with the same decision ids is a no-op, as for
    :func:`decide`.
    """
    actor.require(Permission.REVIEW)
    checked = [(item_id, checked_id(decision_id)) for item_id, decision_id in decisions]
    if not checked:
        return []
    done: list[DecisionInfo] = []
    ids = [item_id for item_id, _ in checked]
    marked = set(session.scalars(select(Marker.item_id).where(Marker.item_id.in_(ids))))
    with_media = set(session.scalars(select(Media.item_id).where(Media.item_id.in_(ids))))
    for item_id, decision_id in checked:
        item = locked_item(session, item_id)
        earlier = session.get(Decision, decision_id)
        if earlier is not None:
            done.append(_replayed(earlier, actor, item_id))
            continue
        if item.status != ItemStatus.PENDING or item.severity > 0 or item_id in marked | with_media:
            raise UsageError(
                f"item {item_id} needs its own look (it has media, markers or a severity, or is not "
                "pending); nothing was approved"
            )
        check_holder(session, item, actor, now)
        # Held for the instant of its approval, as every decided item is by its reviewer.
        item.claimed_by, item.lease_expires_at = actor.id, now + _QUIET_HOLD
        done.append(record_decision(session, item, actor, Action.APPROVE, now, decision_id=decision_id))
    return done


_QUIET_HOLD = timedelta(minutes=1)


def undo_last(
    session: Session, actor: Actor, now: datetime, *, lease: timedelta, undo_grace: timedelta
) -> DecisionInfo:
    """Withdraw the reviewer's own newest decision, within ``undo_grace``.

    The undo is a new event. An undone decision gives the item back to
    the reviewer, claimed for ``lease``, in the state it was in before; an
    undone override puts the decision it replaced back in force.
    """
    actor.require(Permission.REVIEW)
    last = session.scalar(
        select(Decision)
        # Second reviews (round 2) are measurements, not decisions on the item: undo skips them.
        .where(Decision.reviewer_id == actor.id, Decision.action != Action.UNDO, Decision.round == 1)
        .order_by(Decision.decided_at.desc(), Decision.item_seq.desc())
        .limit(1)
    )
    if last is None:
        raise Conflict("you have no decision to undo")
    item = locked_item(session, last.item_id)
    if item.current_decision_id != last.id:
        raise Conflict(
            f"your last decision (item {item.id}) was already undone or has been overridden; nothing changed"
        )
    if now - last.decided_at > undo_grace:
        minutes = int(undo_grace.total_seconds() // 60)
        raise Conflict(
            f"your last decision (item {item.id}) is older than {minutes} min; ask a supervisor to override it"
        )
    # An escalation someone is now resolving is theirs, not the undoer's.
    check_holder(session, item, actor, now)
    row = Decision(
        id=str(uuid.uuid4()),
        item_id=item.id,
        item_seq=_next_seq(session, item.id),
        reviewer_id=actor.id,
        action=Action.UNDO,
        labels=[],
        decided_at=now,
        round=last.round,
        status_before=item.status,
        undoes=last.id,
    )
    session.add(row)
    item.status = last.status_before
    item.current_decision_id = last.overrides  # None unless an override is undone
    if last.overrides is None:
        item.claimed_by = actor.id
        item.lease_expires_at = now + lease
    session.flush()
    audit.append_decision(session, row, kind="undo", actor=actor.name)
    return decision_info(row, actor.name)


def override(
    session: Session,
    actor: Actor,
    item_id: int,
    action: Action,
    now: datetime,
    *,
    reason_note: str,
    labels: Sequence[str] = (),
    reason: str | None = None,
    override_id: str | None = None,
) -> DecisionInfo:
    """Replace the item's decision in force by a new one (supervisors).

    The original stays in the history; the override points at it.
    """
    actor.require(Permission.OVERRIDE)
    if not reason_note or not reason_note.strip():
        raise UsageError("an override needs a reason: say why the decision changes")
    if action not in DECISIONS:
        raise UsageError(f"{action.value} is not a decision")
    override_id = checked_id(override_id)
    item = locked_item(session, item_id)
    earlier = session.get(Decision, override_id)
    if earlier is not None:
        return _replayed(earlier, actor, item_id)
    original = session.get(Decision, item.current_decision_id) if item.current_decision_id else None
    if original is None:
        raise Conflict(f"item {item_id} has no decision in force to override")
    return record_decision(
        session, item, actor, action, now, labels=labels, reason=reason, note=reason_note,
        decision_id=override_id, kind="override", overrides=original.id, round_=original.round,
    )  # fmt: skip


def apply_suggestion(session: Session, item_id: int, actor: Actor, now: datetime) -> DecisionInfo | None:
    """Give a new item the decision in force on its near-duplicate, in the
    caller's transaction: only when a supervisor's team setting says so,
    recorded in that supervisor's name with a note saying why. Escalations
    and removals for a reason that withholds media are never copied."""
    item = session.get(Item, item_id, with_for_update=True)
    if item is None or item.duplicate_of is None or item.status != ItemStatus.PENDING:
        return None
    twin = session.get(Item, item.duplicate_of)
    source = session.get(Decision, twin.current_decision_id) if twin and twin.current_decision_id else None
    if source is None or source.action not in (Action.APPROVE, Action.WARN, Action.REMOVE) or item.media_withheld:
        return None
    note = f"applied automatically: near-duplicate of item {twin.id if twin else '?'} (team setting near-duplicates)"
    return record_decision(
        session, item, actor, source.action, now, labels=list(source.labels), reason=source.reason_code, note=note
    )


def record_decision(
    session: Session,
    item: Item,
    actor: Actor,
    action: Action,
    now: datetime,
    *,
    labels: Sequence[str] = (),
    reason: str | None = None,
    note: str | None = None,
    decision_id: str | None = None,
    kind: str = "decision",
    overrides: str | None = None,
    round_: int = 1,
    moves_item: bool = True,
) -> DecisionInfo:
    """Record ``action`` on ``item`` (locked by the caller), by ``actor``, in the caller's transaction.

    Checks what the action requires, adds the decision's row with the
    item's next sequence number, moves the item on unless it is a second
    review's measurement (``moves_item=False``), and appends the decision
    to the audit chain as a ``kind`` event.
    """
    checked_labels, reason_row = taxonomy.check_decision(session, action, labels, reason)
    if reason_row is not None and reason_row.withholds_media:
        # Safety outranks everything, a blind second review included:
        # suspected CSAM is withheld from everyone at once.
        item.media_withheld = True
    row = Decision(
        id=decision_id or str(uuid.uuid4()),
        item_id=item.id,
        item_seq=_next_seq(session, item.id),
        reviewer_id=actor.id,
        action=action,
        labels=checked_labels,
        reason_code=reason,
        note=note or None,
        decided_at=now,
        round=round_,
        status_before=item.status,
        overrides=overrides,
    )
    session.add(row)
    # The row goes in while the reviewer still holds the item: a team
    # database admits a decision only on an item its reviewer holds.
    session.flush()
    if moves_item:
        item.status = ItemStatus.ESCALATED if action == Action.ESCALATE else ItemStatus.DECIDED
        item.current_decision_id = row.id
        item.claimed_by = None
        item.lease_expires_at = None
    session.flush()
    audit.append_decision(session, row, kind=kind, actor=actor.name)
    return decision_info(row, actor.name)


def _next_seq(session: Session, item_id: int) -> int:
    last = session.scalar(select(func.max(Decision.item_seq)).where(Decision.item_id == item_id))
    return (last or 0) + 1


def _replayed(earlier: Decision, actor: Actor, item_id: int) -> DecisionInfo:
    if earlier.item_id != item_id or earlier.reviewer_id != actor.id:
        raise Conflict(f"decision id {earlier.id} is already used for another decision")
    return decision_info(earlier, actor.name)


def checked_id(value: str | None) -> str:
    """A decision's id as the client made it (a UUID: a retry is the same decision), or a new one."""
    if value is None:
        return str(uuid.uuid4())
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise UsageError(f"not a UUID: {value!r}") from None


def decision_in_force(session: Session, item: Item) -> DecisionInfo | None:
    """The decision that stands on ``item``, with its reviewer's name; None if none does."""
    if item.current_decision_id is None:
        return None
    row = session.execute(
        select(Decision, User.name)
        .join(User, User.id == Decision.reviewer_id)
        .where(Decision.id == item.current_decision_id)
    ).first()
    return decision_info(row[0], row[1]) if row is not None else None


def decision_info(row: Decision, reviewer: str) -> DecisionInfo:
    """A decision row as the value every front end reads."""
    return DecisionInfo(
        id=row.id,
        item_id=row.item_id,
        action=row.action,
        labels=list(row.labels),
        reason=row.reason_code,
        note=row.note,
        reviewer=reviewer,
        decided_at=row.decided_at,
        round=row.round,
        overrides=row.overrides,
        undoes=row.undoes,
    )
