"""Who holds an item: claims under a lease, giving an item back, skipping it.

Claims are leases. :func:`claim_next` takes the first free item in review
order (:data:`.listing.REVIEW_ORDER`): free means unclaimed or its lease has
run out. On PostgreSQL the row is locked ``FOR UPDATE SKIP LOCKED``; on
SQLite the write transaction holds the database's write lock from its first
statement. Either way two reviewers never hold one item.

Every change to an item locks its row first (:func:`locked_item`) and is
refused while someone else holds a live lease on it (:func:`check_holder`).
Each function works in the caller's transaction at the time ``now`` it is
given (the database server's, on PostgreSQL).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, exists, or_, select, update
from sqlalchemy.orm.util import identity_key

from db.models import Base, Item, Skip, User
from desktop.core import audit
from desktop.core.review.listing import REVIEW_ORDER
from desktop.domain.errors import Conflict, NotFound
from desktop.domain.people import Permission
from desktop.domain.review import Claim, ItemStatus

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy import BindParameter
    from sqlalchemy.orm import Session

    from desktop.domain.people import Actor

DEFAULT_LEASE = timedelta(minutes=10)


def claim_next(
    session: Session, actor: Actor, now: datetime, *, lease: timedelta, escalations: bool = False
) -> Claim | None:
    """Hold the next free item for ``actor``; None when the queue is empty.

    A reviewer who already holds a live claim gets that item back (after
    a crash or restart of the window), with its lease renewed.

    Two Core UPDATE ... RETURNING statements at most, the row never loaded
    whole: this runs once a decision, on every reviewer's workstation.
    """
    actor.require(Permission.RESOLVE_ESCALATIONS if escalations else Permission.REVIEW)
    status = ItemStatus.ESCALATED if escalations else ItemStatus.PENDING
    until = now + lease
    # Core statements do not flush the session: changes made earlier in
    # this transaction through the ORM (a skip, a release) go first.
    session.flush()
    # The session's connection itself: no ORM machinery around a Core statement.
    connection = session.connection()
    values = {"b_me": actor.id, "b_status": status, "b_now": now, "b_until": until}
    held = connection.execute(_RENEW_HELD, values).scalar()
    if held is not None:
        forget(session, held)
        return Claim(held, until, resumed=True)
    item_id = connection.execute(_TAKE_NEXT, values).scalar()
    if item_id is None:
        return None
    forget(session, item_id)
    audit.append_at_commit(session, kind="claim", actor=actor.name, at=now, item_id=item_id)
    return Claim(item_id, until)


_ITEM = Base.metadata.tables["item"]


def forget(session: Session, item_id: int) -> None:
    """Expire ``item_id``'s row in the session if it was loaded: a Core
    statement changed it behind the ORM's back, and a later read in this
    transaction must see the change."""
    loaded = session.identity_map.get(identity_key(Item, item_id))
    if loaded is not None:
        session.expire(loaded)


def holding(actor: Actor, status: ItemStatus, now: datetime) -> Any:
    """The query for the id of the item ``actor`` holds a live lease on."""
    return _holding(actor.id, status, now)


def next_free(actor: Actor, status: ItemStatus, now: datetime) -> Any:
    """The query for the id of the first item in review order that nobody holds and ``actor`` has not skipped."""
    return _next_free(actor.id, status, now)


def _holding(me: Any, status: Any, now: Any) -> Any:
    # No ORDER BY: a reviewer holds one item at a time, and ordering
    # would tempt the planner to walk the whole queue index instead of
    # seeking ix_item_holder.
    return select(Item.id).where(Item.claimed_by == me, Item.status == status, Item.lease_expires_at > now).limit(1)


def _next_free(me: Any, status: Any, now: Any) -> Any:
    skipped = exists().where(Skip.item_id == Item.id, Skip.user_id == me)
    return (
        select(Item.id)
        .where(Item.status == status, or_(Item.claimed_by.is_(None), Item.lease_expires_at <= now), ~skipped)
        .order_by(*REVIEW_ORDER)
        .limit(1)
    )


# claim_next's two statements, built once (building a statement costs more
# than running it on SQLite). Each picks a row by a subquery and checks the
# conditions again on the row itself: PostgreSQL rechecks those on the newest
# version of a row another transaction changed meanwhile.
_ME: BindParameter[int] = bindparam("b_me")
_STATUS: BindParameter[ItemStatus] = bindparam("b_status")
_NOW: BindParameter[datetime] = bindparam("b_now")
_UNTIL: BindParameter[datetime] = bindparam("b_until")
_RENEW_HELD = (
    update(_ITEM)
    .where(
        _ITEM.c.id == _holding(_ME, _STATUS, _NOW).scalar_subquery(),
        _ITEM.c.claimed_by == _ME,
        _ITEM.c.lease_expires_at > _NOW,
    )
    .values(lease_expires_at=_UNTIL)
    .returning(_ITEM.c.id)
)
_TAKE_NEXT = (
    update(_ITEM)
    .where(
        # SKIP LOCKED: on PostgreSQL a row another reviewer is taking is passed over, not waited for.
        _ITEM.c.id == _next_free(_ME, _STATUS, _NOW).with_for_update(skip_locked=True).scalar_subquery(),
        _ITEM.c.status == _STATUS,
        or_(_ITEM.c.claimed_by.is_(None), _ITEM.c.lease_expires_at <= _NOW),
    )
    .values(claimed_by=_ME, lease_expires_at=_UNTIL)
    .returning(_ITEM.c.id)
)


def claim(session: Session, actor: Actor, item_id: int, now: datetime, *, lease: timedelta) -> Claim:
    """Hold the item the reviewer picked from the list, giving back any
    other item they hold (a reviewer holds one item at a time)."""
    actor.require(Permission.REVIEW)
    item = locked_item(session, item_id)
    if item.status == ItemStatus.DECIDED:
        raise Conflict(f"item {item_id} is already decided")
    if item.status == ItemStatus.ESCALATED:
        actor.require(Permission.RESOLVE_ESCALATIONS)
    check_holder(session, item, actor, now)
    others = select(Item).where(
        Item.claimed_by == actor.id,
        Item.id != item_id,
        Item.status.in_((ItemStatus.PENDING, ItemStatus.ESCALATED)),
    )
    for other in session.scalars(others.with_for_update(of=Item)):
        other.claimed_by = None
        other.lease_expires_at = None
        audit.append(session, kind="release", actor=actor.name, at=now, item_id=other.id)
    resumed = item.claimed_by == actor.id and item.lease_expires_at is not None and item.lease_expires_at > now
    item.claimed_by = actor.id
    item.lease_expires_at = now + lease
    if not resumed:
        audit.append(session, kind="claim", actor=actor.name, at=now, item_id=item.id)
    return Claim(item.id, item.lease_expires_at, resumed=resumed)


def renew(session: Session, actor: Actor, item_id: int, now: datetime, *, lease: timedelta) -> Claim:
    """Extend the lease on an item the reviewer holds (not audited: no change of hands)."""
    item = locked_item(session, item_id)
    check_holder(session, item, actor, now)
    if item.claimed_by != actor.id:
        raise Conflict(f"you do not hold item {item_id}; claim it first")
    item.lease_expires_at = now + lease
    return Claim(item.id, item.lease_expires_at)


def release(session: Session, actor: Actor, item_id: int, now: datetime) -> None:
    """Give an item back to the queue untouched."""
    item = locked_item(session, item_id)
    if item.claimed_by != actor.id:
        raise Conflict(f"you do not hold item {item_id}")
    item.claimed_by = None
    item.lease_expires_at = None
    audit.append(session, kind="release", actor=actor.name, at=now, item_id=item.id)


def skip(session: Session, actor: Actor, item_id: int, now: datetime) -> None:
    """Pass an item on to others; it is not offered to this reviewer again."""
    actor.require(Permission.REVIEW)
    item = locked_item(session, item_id)
    check_holder(session, item, actor, now)
    if session.get(Skip, (item.id, actor.id)) is None:
        session.add(Skip(item_id=item.id, user_id=actor.id, skipped_at=now))
    if item.claimed_by == actor.id:
        item.claimed_by = None
        item.lease_expires_at = None
    audit.append(session, kind="skip", actor=actor.name, at=now, item_id=item.id)


def clear_skips(
    session: Session, actor: Actor, now: datetime, *, item_id: int | None = None, user: str | None = None
) -> int:
    """Offer skipped items to those who skipped them again (supervisors)."""
    actor.require(Permission.CLEAR_SKIPS)
    query = delete(Skip)
    if item_id is not None:
        query = query.where(Skip.item_id == item_id)
    if user is not None:
        user_id = session.scalar(select(User.id).where(User.name == user))
        if user_id is None:
            raise NotFound(f"unknown user {user!r}")
        query = query.where(Skip.user_id == user_id)
    cleared = session.execute(query).rowcount  # type: ignore[attr-defined]
    audit.append(
        session,
        kind="skip.clear",
        actor=actor.name,
        at=now,
        item_id=item_id,
        payload={"user": user, "cleared": cleared},
    )
    return int(cleared)


def locked_item(session: Session, item_id: int) -> Item:
    """The item's row, locked until the transaction ends."""
    item = session.get(Item, item_id, with_for_update=True)
    if item is None:
        if session.scalar(select(Item.id).where(Item.id == item_id)) is not None:
            # Only on a team database, whose policies keep the row from this person.
            raise Conflict(f"item {item_id} is held by someone else or not yours to change; nothing was saved")
        raise NotFound(f"no item {item_id}")
    return item


def check_holder(session: Session, item: Item, actor: Actor, now: datetime) -> None:
    """Refuse when someone else holds a live lease on ``item``."""
    if item.claimed_by in (None, actor.id):
        return
    if item.lease_expires_at is not None and item.lease_expires_at > now:
        holder = session.scalar(select(User.name).where(User.id == item.claimed_by))
        until = item.lease_expires_at.strftime("%H:%M UTC")
        raise Conflict(f"item {item.id} is held by {holder} until {until}; nothing was saved")
