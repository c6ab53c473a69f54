"""What an item shows a reviewer: its view and history, its stored previews, its originals, and who saw how much.

Media whose item is withheld (a suspected CSAM escalation) are never shown:
no preview, no original, no reveal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from db.models import Decision, Exposure, Item, Marker, Media, QaTask, Source, User
from desktop.core import audit
from desktop.core.media.originals import file_uri_path
from desktop.core.review.claims import locked_item
from desktop.core.review.decisions import decision_in_force, decision_info
from desktop.domain.errors import Conflict, NotFound, PermissionDenied, UsageError
from desktop.domain.people import Permission
from desktop.domain.review import ItemView, MediaInfo

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime
    from pathlib import Path

    from sqlalchemy.orm import Session

    from desktop.domain.people import Actor

EXPOSURE_MODES = ("reveal", "peek", "view")


def show(session: Session, item_id: int, now: datetime, *, viewer: Actor | None = None) -> ItemView:
    """One item with its history. With a ``viewer``: blind (see
    :attr:`ItemView.blind`) while they hold an open second review of it,
    and a moderator sees no one else's second reviews. Without one, all."""
    item = session.get(Item, item_id)
    if item is None:
        raise NotFound(f"no item {item_id}")
    blind = viewer is not None and _second_reviewing(session, viewer, item_id)
    source = session.scalar(select(Source.name).where(Source.id == item.source_id)) or ""
    holder = None
    if item.claimed_by is not None and item.lease_expires_at and item.lease_expires_at > now:
        holder = session.scalar(select(User.name).where(User.id == item.claimed_by))
    markers = [
        {
            "code": m.code,
            "text": m.matched_text,
            "span": [m.span_start, m.span_end],
            "rule": m.rule,
            "severity": m.severity,
            "kind": m.kind,  # explicit | weak | cue
            "language": m.language,
        }
        for m in session.scalars(select(Marker).where(Marker.item_id == item_id).order_by(Marker.span_start))
    ]
    media = [
        MediaInfo(
            m.id,
            m.uri,
            m.media_type,
            m.size_bytes,
            m.width,
            m.height,
            m.preview is not None,
            m.error,
            m.frames,
            m.duration_s,
            m.codec,
        )
        for m in session.scalars(select(Media).where(Media.item_id == item_id).order_by(Media.id))
    ]
    history = (
        select(Decision, User.name)
        .join(User, User.id == Decision.reviewer_id)
        .where(Decision.item_id == item_id)
        .order_by(Decision.item_seq)
    )
    if viewer is not None and not viewer.may(Permission.AGREEMENT):
        # Knowing who checks whom, and how, would colour a moderator's next calls.
        history = history.where(or_(Decision.round == 1, Decision.reviewer_id == viewer.id))
    decisions = [] if blind else [decision_info(d, name) for d, name in session.execute(history)]
    suggestion = None
    if item.duplicate_of is not None and not blind:
        twin = session.get(Item, item.duplicate_of)
        suggestion = decision_in_force(session, twin) if twin is not None else None
    return ItemView(
        suggestion=suggestion,
        id=item.id,
        source=source,
        external_id=item.external_id,
        text=item.text,
        language=item.language,
        author=item.author,
        author_name=item.author_name,
        published_at=item.published_at,
        received_at=item.received_at,
        severity=item.severity,
        status=item.status,
        claimed_by=None if blind else holder,
        lease_expires_at=item.lease_expires_at if holder and not blind else None,
        media_withheld=item.media_withheld,
        duplicate_of=None if blind else item.duplicate_of,
        markers=markers,
        media=media,
        decisions=decisions,
        blind=blind,
    )


def _second_reviewing(session: Session, viewer: Actor, item_id: int) -> bool:
    """Whether ``viewer`` holds an open second review of the item. An expired
    lease still counts: they may be mid-review, and nobody else took it yet."""
    held = select(QaTask.id).where(
        QaTask.item_id == item_id, QaTask.claimed_by == viewer.id, QaTask.second_decision_id.is_(None)
    )
    return session.scalar(held.limit(1)) is not None


def stored_preview(session: Session, media_id: int) -> bytes:
    """The stored, blurred preview of one media file (a JPEG)."""
    media = _shown_media(session, media_id)
    if media.preview is None:
        reason = media.error or "not made yet"
        raise NotFound(f"media {media_id} has no preview: {reason}")
    return media.preview


def stored_previews(session: Session, media_ids: Sequence[int]) -> dict[int, bytes]:
    """The stored previews of several media at once (those that have one and may be shown)."""
    if not media_ids:
        return {}
    rows = session.execute(
        select(Media.id, Media.preview, Item.media_withheld)
        .join(Item, Item.id == Media.item_id)
        .where(Media.id.in_(media_ids), Media.preview.is_not(None))
    )
    return {media_id: preview for media_id, preview, withheld in rows if preview is not None and not withheld}


def original_uri(session: Session, media_id: int) -> str:
    """Where the original of a medium is, for a reveal; refused for withheld media."""
    return _shown_media(session, media_id).uri


def original_path(media_id: int, uri: str) -> Path:
    """The local file of a medium's original (:func:`original_uri`), if it is one and is still there."""
    path = file_uri_path(uri)
    if path is None:
        raise NotFound(f"media {media_id} is not a local file ({uri}); only its preview can be shown")
    if not path.is_file():
        raise NotFound(f"the original of media {media_id} is no longer at {path}")
    return path


def _shown_media(session: Session, media_id: int) -> Media:
    """A medium that may be shown: refused when its item's media are withheld."""
    media = session.get(Media, media_id)
    if media is None:
        raise NotFound(f"no media {media_id}")
    item = session.get(Item, media.item_id)
    if item is not None and item.media_withheld:
        raise PermissionDenied(f"media {media_id} is withheld (suspected CSAM escalation) and never shown")
    return media


def record_exposure(
    session: Session,
    actor: Actor,
    item_id: int,
    now: datetime,
    *,
    media_id: int | None,
    mode: str,
    started_at: datetime,
    seconds: float,
) -> None:
    """Note what ``actor`` saw of ``item_id`` and for how long: "reveal"
    (unblurred), "peek" (lightly blurred) or "view" (a graphic item open
    on screen, which counts against the daily exposure budget)."""
    if mode not in EXPOSURE_MODES:
        raise UsageError(f"unknown exposure mode {mode!r}")
    item = locked_item(session, item_id)
    if item.media_withheld and mode != "view":
        raise Conflict(f"item {item_id}'s media is withheld and cannot be revealed")
    session.add(
        Exposure(
            user_id=actor.id,
            item_id=item_id,
            media_id=media_id,
            mode=mode,
            started_at=started_at,
            seconds=max(0.0, seconds),
        )
    )
    audit.append(
        session,
        kind=mode,
        actor=actor.name,
        at=now,
        item_id=item_id,
        payload={"media_id": media_id, "seconds": round(seconds, 3)},
    )
