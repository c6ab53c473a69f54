"""Write item drafts to the database, idempotently.

An item is the same item when its source, external id and content hash are
the same; storing it again adds nothing. A batch is one transaction and one
audit event, so a crash never leaves half an item and the chain does not
grow by one row per item.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from db.models import Item, ItemStatus, Marker, Media, Source
from desktop.core import audit
from desktop.core.ingest import IngestReport, ItemDraft

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from sqlalchemy.orm import Session


def source_id(session: Session, name: str, kind: str, now: datetime) -> int:
    found = session.scalar(select(Source.id).where(Source.name == name))
    if found is not None:
        return found
    source = Source(name=name, kind=kind, created_at=now)
    session.add(source)
    session.flush()
    return source.id


def store(
    session: Session,
    drafts: Iterable[ItemDraft],
    *,
    source: str,
    kind: str,
    actor: str | None,
    now: datetime,
    report: IngestReport | None = None,
) -> IngestReport:
    """Add ``drafts`` as pending items of ``source`` within the caller's transaction."""
    report = report or IngestReport()
    src = source_id(session, source, kind, now)
    added: list[int] = []
    for draft in drafts:
        digest = draft.content_hash
        external = draft.external_id or digest
        exists = session.scalar(
            select(Item.id).where(Item.source_id == src, Item.external_id == external, Item.content_hash == digest)
        )
        if exists is not None:
            report.items_duplicate += 1
            continue
        earlier = session.scalar(select(Item.id).where(Item.content_hash == digest).order_by(Item.id).limit(1))
        severity = draft.effective_severity
        item = Item(
            source_id=src,
            external_id=external,
            text=draft.text,
            language=draft.language,
            author=draft.author,
            published_at=draft.published_at,
            received_at=now,
            severity=severity,
            priority=-severity,
            status=ItemStatus.PENDING,
            content_hash=digest,
            duplicate_of=earlier,
            media_withheld=False,
        )
        session.add(item)
        session.flush()
        added.append(item.id)
        for ref in draft.media:
            session.add(
                Media(
                    item_id=item.id,
                    uri=ref.uri,
                    media_type=ref.media_type,
                    error="not included in the export" if ref.missing else None,
                )
            )
            report.media_added += 1
        for marker in draft.markers:
            session.add(
                Marker(
                    item_id=item.id,
                    code=marker.code,
                    matched_text=marker.matched_text[:200],
                    span_start=marker.span[0],
                    span_end=marker.span[1],
                    rule=marker.rule,
                    severity=marker.severity,
                    language=marker.language,
                    kind=marker.kind,
                )
            )
    report.items_added += len(added)
    if added:
        audit.append(
            session,
            kind="ingest.batch",
            actor=actor,
            at=now,
            payload={"source": source, "items": len(added), "first_item": added[0], "last_item": added[-1]},
        )
    return report
