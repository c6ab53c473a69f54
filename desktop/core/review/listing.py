"""The queue in review order: the window's list by id, ``veil queue``'s short list, counts, facets.

Review order is :data:`REVIEW_ORDER`: most severe first (priority is minus
the severity), then oldest, then by id; the order of ``ix_item_queue``, in
which claims take items (:mod:`.claims`) and both lists show them.

The window's list holds the ordered ids of every matching item
(:func:`ordered_ids`, one walk along the index) and reads the rows it shows
by id (:func:`rows`): any part of the list, scrolled to at random, costs
one seek per id, where OFFSET would walk every row before it. Sequential
walks use keyset pages (:func:`page`): each one starts after the
review-order key of the last row of the page before, so page 2,000 costs
what page 1 costs.
"""

from __future__ import annotations

from array import array
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, and_, case, cast, exists, func, select, tuple_

from db.models import Decision, Item, Label, Marker, Media, Source, User
from desktop.core.clock import now as clock_now
from desktop.domain.clock import Clock, system_clock
from desktop.domain.queue import EXCERPT, Facets, PageKey, QueueFilter, QueueRow
from desktop.domain.review import ItemStatus, QueueEntry

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from datetime import datetime

    from sqlalchemy import Row, Select
    from sqlalchemy.orm import Session

    from db.session import Database

REVIEW_ORDER = (Item.priority, Item.received_at, Item.id)
ID_SLICE = 500  # ids bound in one statement
ID_PART = 20_000  # ids read from the cursor at a time


def page(
    database: Database,
    query: QueueFilter,
    *,
    after: PageKey | None = None,
    limit: int = 200,
    clock: Clock = system_clock,
) -> list[QueueRow]:
    """Up to ``limit`` rows matching ``query``, in review order, after ``after`` (the window's list)."""
    with database.read() as session:
        rows, markers, media = _waiting(session, query, after, limit, clock_now(session, clock), excerpt=True)
    return [_row(r, markers, media) for r in rows]


def entries(
    database: Database, *, limit: int = 50, escalations: bool = False, clock: Clock = system_clock
) -> list[QueueEntry]:
    """The first waiting items in review order, claimed ones included, with their whole text (``veil queue``)."""
    query = QueueFilter(status=ItemStatus.ESCALATED if escalations else ItemStatus.PENDING)
    with database.read() as session:
        rows, markers, media = _waiting(session, query, None, limit, clock_now(session, clock), excerpt=False)
    return [QueueEntry(r.id, r.severity, markers[r.id], r.text, media.get(r.id, 0), r.status) for r in rows]


def ordered_ids(database: Database, query: QueueFilter) -> array[int]:
    """Every item matching ``query``, in review order: ids only, 8 bytes an item.

    The window's list holds these and reads rows by id (:func:`rows`) as
    they come into sight: a million items are 8 MB here, where their rows
    would be a gigabyte. One walk along ``ix_item_queue`` (it covers the
    query); the ids are taken from the driver's cursor in parts, straight
    into the array, because making a result row of each costs several times
    the query itself at a million (10 s against 3 s on a busy two-core machine).
    """
    found = array("q")
    with database.read() as session:
        conditions = _conditions(session, query, None)
        if conditions is None:
            return found
        result = session.connection().execute(select(Item.id).where(and_(*conditions)).order_by(*REVIEW_ORDER))
        # Not streamed: a streamed result reads rows ahead into its own buffer, a plain one leaves the cursor unread.
        cursor = result.cursor
        first = itemgetter(0)
        while part := cursor.fetchmany(ID_PART):
            found.extend(map(first, part))
        result.close()
    return found


def rows(database: Database, item_ids: Sequence[int], *, clock: Clock = system_clock) -> list[QueueRow]:
    """The list's rows of ``item_ids``, in review order, whatever their status now (the list asked for them)."""
    with database.read() as session:
        now = clock_now(session, clock)
        found: list[Row[Any]] = []
        for part in _slices(item_ids):
            found.extend(session.execute(_listed(now, excerpt=True).where(Item.id.in_(part))).all())
        found.sort(key=lambda r: (r.priority, r.received_at, r.id))
        ids = [r.id for r in found]
        markers, media = marker_codes(session, ids), media_counts(session, ids)
    return [_row(r, markers, media) for r in found]


def _row(r: Row[Any], markers: dict[int, list[str]], media: dict[int, int]) -> QueueRow:
    return QueueRow(
        id=r.id,
        severity=r.severity,
        markers=tuple(markers[r.id]),
        source=r.source,
        received_at=r.received_at,
        media=media.get(r.id, 0),
        language=r.language,
        claimed_by=r.holder,
        excerpt=" ".join(r.text.split()),
        key=(r.priority, r.received_at, r.id),
    )


def _waiting(
    session: Session, query: QueueFilter, after: PageKey | None, limit: int, now: datetime, *, excerpt: bool
) -> tuple[Sequence[Row[Any]], dict[int, list[str]], dict[int, int]]:
    """Items matching ``query`` in review order after ``after``, with each one's marker codes and media count."""
    conditions = _conditions(session, query, after)
    if conditions is None:
        return [], {}, {}
    found = session.execute(_listed(now, excerpt=excerpt).where(and_(*conditions)).order_by(*REVIEW_ORDER).limit(limit))
    listed = found.all()
    ids = [r.id for r in listed]
    return listed, marker_codes(session, ids), media_counts(session, ids)


def _conditions(session: Session, query: QueueFilter, after: PageKey | None) -> list[Any] | None:
    """What ``query`` asks of an item (after ``after``), or None: no item can match it."""
    conditions: list[Any] = [Item.status == query.status]
    if after is not None:
        conditions.append(tuple_(*REVIEW_ORDER) > tuple_(*after))
    if query.source is not None:
        source_id = session.scalar(select(Source.id).where(Source.name == query.source))
        if source_id is None:
            return None
        conditions.append(Item.source_id == source_id)
    if query.language is not None:
        conditions.append(Item.language == query.language)
    if query.marker is not None:
        conditions.append(exists().where(Marker.item_id == Item.id, Marker.code == query.marker))
    if query.label is not None:
        # Labels are a JSON list; label codes are [a-z0-9-], so the quoted
        # code is found only as a whole element.
        conditions.append(
            exists().where(
                Decision.id == Item.current_decision_id,
                cast(Decision.labels, String).like(f'%"{query.label}"%'),
            )
        )
    return conditions


def _listed(now: datetime, *, excerpt: bool) -> Select[Any]:
    """The columns both lists show, the holder only while their lease lasts."""
    holder = case((Item.lease_expires_at > now, User.name), else_=None)
    return (
        select(
            Item.id,
            Item.severity,
            Item.priority,
            Item.received_at,
            Item.language,
            Item.status,
            (func.substr(Item.text, 1, EXCERPT) if excerpt else Item.text).label("text"),
            Source.name.label("source"),
            holder.label("holder"),
        )
        .join(Source, Source.id == Item.source_id)
        .outerjoin(User, User.id == Item.claimed_by)
    )


def count(database: Database, status: ItemStatus = ItemStatus.PENDING) -> int:
    """Items with ``status``: counted along the queue index, never by reading rows."""
    with database.read() as session:
        return int(session.scalar(select(func.count()).select_from(Item).where(Item.status == status)) or 0)


def counts(database: Database) -> dict[str, int]:
    """Items by status, every status named."""
    with database.read() as session:
        rows = session.execute(select(Item.status, func.count()).group_by(Item.status)).all()
    found = {str(status): int(n) for status, n in rows}
    return {status.value: found.get(status.value, 0) for status in ItemStatus}


def facets(database: Database) -> Facets:
    with database.read() as session:
        sources = list(session.scalars(select(Source.name).order_by(Source.name)))
        languages = list(
            session.scalars(select(Item.language).where(Item.language.is_not(None)).distinct().order_by(Item.language))
        )
        markers = list(session.scalars(select(Marker.code).distinct().order_by(Marker.code)))
        labels = list(session.scalars(select(Label.code).where(Label.active.is_(True)).order_by(Label.position)))
    return Facets(sources=sources, languages=[str(x) for x in languages], markers=markers, labels=labels)


def marker_codes(session: Session, item_ids: Sequence[int]) -> dict[int, list[str]]:
    """Each item's marker codes, once each: the publisher's own first, then cues, in reading order."""
    found: dict[int, list[str]] = {item_id: [] for item_id in item_ids}
    for part in _slices(item_ids):
        for item_id, code in session.execute(
            select(Marker.item_id, Marker.code)
            .where(Marker.item_id.in_(part))
            .order_by(case((Marker.kind == "explicit", 0), else_=1), Marker.span_start)
        ):
            if code not in found[item_id]:
                found[item_id].append(code)
    return found


def media_counts(session: Session, item_ids: Sequence[int]) -> dict[int, int]:
    counted: dict[int, int] = {}
    for part in _slices(item_ids):
        rows = session.execute(
            select(Media.item_id, func.count()).where(Media.item_id.in_(part)).group_by(Media.item_id)
        )
        counted.update((item_id, int(n)) for item_id, n in rows)
    return counted


def _slices(item_ids: Sequence[int]) -> Iterator[Sequence[int]]:
    """``item_ids`` in slices of ID_SLICE: one bound value per id, and
    databases bound how many one statement takes (SQLite 32,766 or 250,000
    by its build, PostgreSQL's protocol 65,535)."""
    for start in range(0, len(item_ids), ID_SLICE):
        yield item_ids[start : start + ID_SLICE]
