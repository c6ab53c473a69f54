"""The queue a page at a time, with filters, for the review window's list.

Pages are keyset pages: each one starts after the review-order key of the
last row of the page before, so page 2,000 costs what page 1 costs (an
index seek on ``ix_item_queue``), where OFFSET would walk every row before
it. The list shows rows in review order, the order ``claim_next`` takes them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import String, and_, case, cast, exists, func, select, tuple_

from db.models import Decision, Item, Label, Marker, Source, User
from desktop.core.clock import now as clock_now
from desktop.core.review.decisions import marker_codes, media_counts
from desktop.domain.clock import Clock, system_clock
from desktop.domain.queue import EXCERPT, Facets, PageKey, QueueFilter, QueueRow
from desktop.domain.review import ItemStatus

if TYPE_CHECKING:
    from db.session import Database


def page(
    database: Database,
    query: QueueFilter,
    *,
    after: PageKey | None = None,
    limit: int = 200,
    clock: Clock = system_clock,
) -> list[QueueRow]:
    """Up to ``limit`` rows matching ``query``, in review order, after ``after``."""
    conditions: list[Any] = [Item.status == query.status]
    if after is not None:
        conditions.append(tuple_(Item.priority, Item.received_at, Item.id) > tuple_(*after))
    with database.read() as session:
        now = clock_now(session, clock)
        if query.source is not None:
            source_id = session.scalar(select(Source.id).where(Source.name == query.source))
            if source_id is None:
                return []
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
        holder = case((Item.lease_expires_at > now, User.name), else_=None)
        rows = session.execute(
            select(
                Item.id,
                Item.severity,
                Item.priority,
                Item.received_at,
                Item.language,
                func.substr(Item.text, 1, EXCERPT).label("excerpt"),
                Source.name.label("source"),
                holder.label("holder"),
            )
            .join(Source, Source.id == Item.source_id)
            .outerjoin(User, User.id == Item.claimed_by)
            .where(and_(*conditions))
            .order_by(Item.priority, Item.received_at, Item.id)
            .limit(limit)
        ).all()
        ids = [r.id for r in rows]
        markers = marker_codes(session, ids)
        media = media_counts(session, ids)
    return [
        QueueRow(
            id=r.id,
            severity=r.severity,
            markers=tuple(markers[r.id]),
            source=r.source,
            received_at=r.received_at,
            media=media.get(r.id, 0),
            language=r.language,
            claimed_by=r.holder,
            excerpt=" ".join(r.excerpt.split()),
            key=(r.priority, r.received_at, r.id),
        )
        for r in rows
    ]


def count(database: Database, status: ItemStatus = ItemStatus.PENDING) -> int:
    """Items with ``status``: counted along the queue index, never by reading rows."""
    with database.read() as session:
        return int(session.scalar(select(func.count()).select_from(Item).where(Item.status == status)) or 0)


def facets(database: Database) -> Facets:
    with database.read() as session:
        sources = list(session.scalars(select(Source.name).order_by(Source.name)))
        languages = list(
            session.scalars(select(Item.language).where(Item.language.is_not(None)).distinct().order_by(Item.language))
        )
        markers = list(session.scalars(select(Marker.code).distinct().order_by(Marker.code)))
        labels = list(session.scalars(select(Label.code).where(Label.active.is_(True)).order_by(Label.position)))
    return Facets(sources=sources, languages=[str(x) for x in languages], markers=markers, labels=labels)
