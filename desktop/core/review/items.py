"""What an item shows a reviewer: its view and history, its stored previews, its originals, and who saw how much.

Media whose item is withheld (a suspected CSAM escalation) are never shown:
no preview, no original, no reveal.

Previews and store copies are sealed under a key per medium
(:mod:`desktop.core.media.sealed`), read from ``media_key``. On a team's
database PostgreSQL hides the keys of withheld media from every
workstation role, so a sealed preview or copy whose key is not visible is
taken for withheld: refused with a reason, never a crash. Previews stored
before previews were sealed (plain JPEGs, no key) are read as they are.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, BinaryIO

from sqlalchemy import or_, select, update

from db.models import Decision, Exposure, Item, Marker, Media, MediaKey, QaTask, Source, User
from desktop.core import audit
from desktop.core.media.originals import file_uri_path
from desktop.core.media.sealed import MAGIC, is_sealed, open_sealed, unseal_bytes
from desktop.core.review.claims import locked_item, next_free
from desktop.core.review.decisions import decision_in_force, decision_info
from desktop.domain.errors import Conflict, IntegrityFailure, NotFound, PermissionDenied, UsageError
from desktop.domain.people import Permission
from desktop.domain.review import ItemStatus, ItemView, MediaInfo

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime, timedelta
    from pathlib import Path

    from sqlalchemy.orm import Session

    from desktop.domain.people import Actor

log = logging.getLogger(__name__)

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
    # Columns, not rows: a row would load every preview blob, which stored_previews reads (once) on its own.
    described = select(
        Media.id, Media.uri, Media.media_type, Media.size_bytes, Media.width, Media.height,
        Media.preview.is_not(None), Media.error, Media.frames, Media.duration_s, Media.codec,
    )  # fmt: skip
    media = [
        MediaInfo(m_id, uri, kind, size, width, height, bool(has_preview), error, frames, duration, codec)
        for m_id, uri, kind, size, width, height, has_preview, error, frames, duration, codec in session.execute(
            described.where(Media.item_id == item_id).order_by(Media.id)
        )
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


def hold_ahead(session: Session, actor: Actor, shown: int | None, now: datetime, *, lease: timedelta) -> int | None:
    """Hold a second pending item for ``actor`` besides the one ``shown``:
    the one they will see next, so the window can read and decode it while
    they look at this one, and nobody else is shown it meanwhile. One they
    already hold (after a restart of the window) is kept, its lease renewed;
    else the next free item in review order is claimed. None: none is free.

    The reviewer's next claim (:func:`.claims.claim_next`) resumes it: it
    is then the only pending item they hold.
    """
    # Ids and Core updates, as claims.claim_next does: the rows are never loaded whole.
    held = session.scalar(
        select(Item.id)
        .where(
            Item.claimed_by == actor.id,
            Item.status == ItemStatus.PENDING,
            Item.lease_expires_at > now,
            Item.id != (shown or 0),
        )
        .limit(1)
        .with_for_update(of=Item)
    )
    if held is not None:
        session.execute(update(Item).where(Item.id == held).values(lease_expires_at=now + lease))
        return int(held)
    item_id = session.scalar(next_free(actor, ItemStatus.PENDING, now).with_for_update(skip_locked=True, of=Item))
    if item_id is None:
        return None
    session.execute(update(Item).where(Item.id == item_id).values(claimed_by=actor.id, lease_expires_at=now + lease))
    audit.append_at_commit(session, kind="claim", actor=actor.name, at=now, item_id=item_id)
    return int(item_id)


def _second_reviewing(session: Session, viewer: Actor, item_id: int) -> bool:
    """Whether ``viewer`` holds an open second review of the item. An expired
    lease still counts: they may be mid-review, and nobody else took it yet."""
    held = select(QaTask.id).where(
        QaTask.item_id == item_id, QaTask.claimed_by == viewer.id, QaTask.second_decision_id.is_(None)
    )
    return session.scalar(held.limit(1)) is not None


def stored_preview(session: Session, media_id: int) -> bytes:
    """The stored, blurred preview of one media file (a JPEG), unsealed in memory."""
    media = _shown_media(session, media_id)
    if media.preview is None:
        reason = media.error or "not made yet"
        raise NotFound(f"media {media_id} has no preview: {reason}")
    return unsealed_preview(media_id, media.preview, _key(session, media_id))


def stored_previews(session: Session, media_ids: Sequence[int]) -> dict[int, bytes]:
    """The stored previews of several media at once (those that have one and may be shown),
    unsealed with their keys read in the same query.

    A preview that cannot be opened (its key not visible, or the preview
    damaged) is left out, as for withheld media: the tile says it has none,
    and the item and the decision around it go on.
    """
    if not media_ids:
        return {}
    rows = session.execute(
        select(Media.id, Media.preview, Item.media_withheld, MediaKey.key)
        .join(Item, Item.id == Media.item_id)
        .outerjoin(MediaKey, MediaKey.media_id == Media.id)
        .where(Media.id.in_(media_ids), Media.preview.is_not(None))
    )
    found = {}
    for media_id, preview, withheld, key in rows:
        if preview is None or withheld:
            continue
        try:
            found[media_id] = unsealed_preview(media_id, preview, key)
        except PermissionDenied:
            continue  # its key is withheld from this person
        except IntegrityFailure as err:
            log.error("%s", err)
    return found


def unsealed_preview(media_id: int, preview: bytes, key: bytes | None) -> bytes:
    """A stored preview as a JPEG: unsealed with ``key``, or as it is when it
    was stored before previews were sealed."""
    if not is_sealed(preview):
        return preview
    if key is None:
        raise PermissionDenied(_no_key(media_id, "preview"))
    return unseal_bytes(preview, key, what=f"the preview of media {media_id}")


def original_uri(session: Session, media_id: int) -> str:
    """Where the original of a medium is, for a reveal; refused for withheld media."""
    return _shown_media(session, media_id).uri


def original_source(session: Session, media_id: int) -> tuple[str, bytes | None]:
    """Where the original of a medium is and the key that opens a sealed
    copy of it (None when none is visible); refused for withheld media."""
    return original_uri(session, media_id), _key(session, media_id)


def original_path(media_id: int, uri: str) -> Path:
    """The local file of a medium's original (:func:`original_uri`), if it is one and is still there."""
    path = file_uri_path(uri)
    if path is None:
        raise NotFound(f"media {media_id} is not a local file ({uri}); only its preview can be shown")
    if not path.is_file():
        raise NotFound(f"the original of media {media_id} is no longer at {path}")
    return path


def open_original(media_id: int, uri: str, key: bytes | None) -> BinaryIO:
    """The original's bytes, opened for reading: a sealed store copy through
    the decrypting reader, a plain file (where ingest found it, or a copy
    made before copies were sealed) as it is. The caller closes it."""
    path = original_path(media_id, uri)
    try:
        handle = path.open("rb")
    except OSError as err:
        raise NotFound(f"the original of media {media_id} cannot be read: {err.strerror or err}") from None
    try:
        sealed = is_sealed(handle.read(len(MAGIC)))
        if not sealed:
            handle.seek(0)
            return handle
    except OSError as err:
        handle.close()
        raise NotFound(f"the original of media {media_id} cannot be read: {err.strerror or err}") from None
    handle.close()
    if key is None:
        raise PermissionDenied(_no_key(media_id, "original"))
    try:
        return open_sealed(path, key, what=f"the original of media {media_id}")
    except OSError as err:
        raise NotFound(f"the original of media {media_id} cannot be read: {err.strerror or err}") from None


def _key(session: Session, media_id: int) -> bytes | None:
    return session.scalar(select(MediaKey.key).where(MediaKey.media_id == media_id))


def _no_key(media_id: int, what: str) -> str:
    return (
        f"the {what} of media {media_id} is sealed and its key is not available to you "
        "(its media are withheld, or it was never stored); it is not shown"
    )


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
    client_id: str | None = None,
) -> bool:
    """Note what ``actor`` saw of ``item_id`` and for how long: "reveal"
    (unblurred), "peek" (lightly blurred) or "view" (a graphic item open
    on screen, which counts against the daily exposure budget). With a
    ``client_id`` (the workstation's id for it) one already saved is not
    saved again; whether a row was written."""
    if mode not in EXPOSURE_MODES:
        raise UsageError(f"unknown exposure mode {mode!r}")
    item = locked_item(session, item_id)
    # After the item's lock, so two attempts at the same record take turns
    # (the unique index would refuse the second anyway).
    if client_id is not None and session.scalar(select(Exposure.id).where(Exposure.client_id == client_id)):
        return False
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
            client_id=client_id,
        )
    )
    # ``now`` is the transaction's time (the server's, on PostgreSQL), also
    # when the record is sent late from the outbox: the chain's times never
    # go back. When it was seen is the row's ``started_at``.
    audit.append(
        session,
        kind=mode,
        actor=actor.name,
        at=now,
        item_id=item_id,
        payload={"media_id": media_id, "seconds": round(seconds, 3)},
    )
    return True
