"""Write item drafts to the database, in bulk and idempotently.

A draft is already stored when its source holds an item with the same
external id, or any item has the same content (text and media); storing it
again adds nothing. Drafts go in chunks: one round trip finds the chunk's
duplicates, one multi-row INSERT adds its items (ids come back through
RETURNING) and one each its media and markers, so text-only items go in at
thousands a second. A chunk is committed with one audit event, so a crash
never leaves half an item and the chain does not grow one row per item.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select, tuple_, update

from db.models import Base, Item, Source
from desktop.core import audit
from desktop.core.ingest.checks import note
from desktop.core.media.originals import file_uri_path
from desktop.core.review.decisions import apply_suggestion
from desktop.domain.ingest import IngestReport, ItemDraft, MediaError, MediaRef, RepeatedId
from desktop.domain.review import ItemStatus

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence
    from datetime import datetime

    from sqlalchemy.orm import Session

    from desktop.domain.people import Actor

CHUNK = 1000
_ITEM, _MEDIA, _MARKER, _BAND, _KEY = (
    Base.metadata.tables[name] for name in ("item", "media", "marker", "media_band", "media_key")
)
NEAR_BANDS = 16
# PDQ's own guidance: 31 of 256 bits or fewer is the same picture. Candidates
# are found by exact slices, which is certain up to 15 bits and likely beyond.
NEAR_DISTANCE = 31


class SourceCache:
    """Source ids by name, so a long ingest looks each one up once."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def get(self, session: Session, name: str, kind: str, now: datetime) -> int:
        if name not in self.ids:
            found = session.scalar(select(Source.id).where(Source.name == name))
            if found is None:
                source = Source(name=name, kind=kind, created_at=now)
                session.add(source)
                session.flush()
                found = source.id
            self.ids[name] = found
        return self.ids[name]


def store(
    session: Session,
    drafts: Iterable[ItemDraft],
    *,
    source: str,
    kind: str,
    actor: str | None,
    now: datetime,
    report: IngestReport | None = None,
    sources: SourceCache | None = None,
    auto_apply: Actor | None = None,
    stored: list[ItemDraft] | None = None,
) -> IngestReport:
    """Add ``drafts`` as pending items within the caller's transaction.

    ``source`` names the drafts that do not name their own. With
    ``auto_apply`` (the supervisor whose team setting allows it), a
    near-duplicate of a decided item gets that decision in their name.
    ``stored`` receives the drafts added (not those found to be duplicates).
    """
    report = report or IngestReport()
    sources = sources or SourceCache()
    chunk: list[ItemDraft] = []
    for draft in drafts:
        chunk.append(draft)
        if len(chunk) >= CHUNK:
            _store_chunk(session, chunk, source, kind, actor, now, report, sources, auto_apply, stored)
            chunk = []
    if chunk:
        _store_chunk(session, chunk, source, kind, actor, now, report, sources, auto_apply, stored)
    return report


def _store_chunk(
    session: Session,
    drafts: Sequence[ItemDraft],
    default_source: str,
    kind: str,
    actor: str | None,
    now: datetime,
    report: IngestReport,
    sources: SourceCache,
    auto_apply: Actor | None,
    stored: list[ItemDraft] | None,
) -> None:
    keyed = []
    for draft in drafts:
        src = sources.get(session, draft.source or default_source, kind, now)
        digest = draft.content_hash
        keyed.append((draft, src, draft.external_id or digest, digest))

    # The content hash stored under each (source, id) already there, and under each one earlier in this input.
    known_ids: dict[tuple[int, str], str] = {}
    known_hashes: dict[str, int] = {}
    for part in _parts(keyed, 400):
        pairs = [(src, ext) for _, src, ext, _ in part]
        known_ids.update(
            ((src, ext), digest)
            for src, ext, digest in session.execute(
                select(Item.source_id, Item.external_id, Item.content_hash).where(
                    tuple_(Item.source_id, Item.external_id).in_(pairs)
                )
            )
        )
        for digest, item_id in session.execute(
            select(Item.content_hash, Item.id).where(Item.content_hash.in_([d for *_, d in part]))
        ):
            known_hashes.setdefault(digest, item_id)

    rows: list[dict[str, Any]] = []
    fresh: list[ItemDraft] = []
    for draft, src, ext, digest in keyed:
        if (src, ext) in known_ids or digest in known_hashes:
            report.items_duplicate += 1
            if known_ids.get((src, ext), digest) != digest:
                # Stored as it was: it may be decided already, and a decision is about what was seen.
                named = note(draft, default_source, f"id {ext!r} is stored already with other content; kept as stored")
                report.errors.append(RepeatedId(named.path, named.error))
            continue
        known_ids[(src, ext)] = digest
        severity = draft.effective_severity
        rows.append(
            {
                "source_id": src,
                "external_id": _clean(ext),
                "text": _clean(draft.text),
                "language": _clean(draft.language),
                "author": _clean(draft.author),
                "author_name": _clean(draft.author_name),
                "published_at": draft.published_at,
                "received_at": now,
                "severity": severity,
                "priority": -severity,
                "status": ItemStatus.PENDING,
                "content_hash": digest,
                "duplicate_of": None,
                "media_withheld": False,
            }
        )
        fresh.append(draft)
        known_hashes[digest] = -1  # the same content twice in one input is one item
    if not rows:
        return
    # Core INSERTs on the tables, not the ORM's bulk path: the same
    # multi-row statements at a fraction of the bookkeeping.
    connection = session.connection()
    ids = list(connection.scalars(insert(_ITEM).returning(_ITEM.c.id, sort_by_parameter_order=True), rows))

    keys = [ref.key for draft in fresh for ref in draft.media]
    media_rows = [
        {
            "item_id": item_id,
            "uri": ref.uri,
            "media_type": ref.media_type,
            "sha256": ref.sha256,
            "phash": ref.phash,
            "size_bytes": ref.size_bytes,
            "width": ref.width,
            "height": ref.height,
            "duration_s": ref.duration_s,
            "frames": ref.frames,
            "codec": ref.codec,
            "preview": ref.preview,
            "error": media_error(ref),
        }
        for item_id, draft in zip(ids, fresh, strict=True)
        for ref in draft.media
    ]
    marker_rows = [
        {
            "item_id": item_id,
            "code": marker.code[:32],
            "matched_text": marker.matched_text[:200],
            "span_start": marker.span[0],
            "span_end": marker.span[1],
            "rule": marker.rule[:64],
            "severity": marker.severity,
            "language": marker.language,
            "kind": marker.kind,
        }
        for item_id, draft in zip(ids, fresh, strict=True)
        for marker in draft.markers
    ]
    if media_rows:
        media_ids = list(
            connection.scalars(insert(_MEDIA).returning(_MEDIA.c.id, sort_by_parameter_order=True), media_rows)
        )
        # In the same transaction as the media: a sealed preview never
        # lands without the key that opens it.
        key_rows = [
            {"media_id": media_id, "key": key} for media_id, key in zip(media_ids, keys, strict=True) if key is not None
        ]
        if key_rows:
            connection.execute(insert(_KEY), key_rows)
        images = [
            (row["item_id"], media_id, row["phash"])
            for row, media_id in zip(media_rows, media_ids, strict=True)
            if row["phash"]
        ]
        if images:
            for linked in _index_and_link(connection, images):
                if auto_apply is not None:
                    apply_suggestion(session, linked, auto_apply, now)
    if marker_rows:
        connection.execute(insert(_MARKER), marker_rows)
    report.items_added += len(ids)
    report.media_added += len(media_rows)
    report.media_errors.extend(_unshown(ids, fresh))
    if stored is not None:
        stored.extend(fresh)
    audit.append(
        session,
        kind="ingest.batch",
        actor=actor,
        at=now,
        payload={"source": default_source, "items": len(ids), "first_item": ids[0], "last_item": ids[-1]},
    )


def media_error(ref: MediaRef) -> str | None:
    """Why ``ref`` cannot be shown, as its media row keeps it; None if it can."""
    return ref.error or ("not included in the export" if ref.missing else None)


def _unshown(ids: Sequence[int], fresh: Sequence[ItemDraft]) -> Iterator[MediaError]:
    """The stored media that cannot be shown, named as the input gave them."""
    for item_id, draft in zip(ids, fresh, strict=True):
        for ref in draft.media:
            if (error := media_error(ref)) is None:
                continue
            given = ref.given_uri or ref.uri
            local = file_uri_path(given)
            # One line: a decoder's message may run on over several.
            reason = " ".join(error.split())
            yield MediaError(path=str(local) if local is not None else given, item=item_id, error=reason)


def _clean(value: str | None) -> str | None:
    """Text every database stores alike: PostgreSQL refuses NUL, and no
    driver can encode a lone surrogate (a file name's undecodable byte)."""
    if not value:
        return value
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


def bands(phash: str) -> list[tuple[int, int]]:
    """The 16 slices of a 256-bit PDQ hash, as (position, 16-bit value)."""
    return [(band, int(phash[band * 4 : band * 4 + 4], 16)) for band in range(NEAR_BANDS)]


def _index_and_link(connection: Connection, images: list[tuple[int, int, str]]) -> list[int]:
    """Index new images by their hash slices, and link each new item to the
    nearest already decided item whose image is within NEAR_DISTANCE bits:
    its decision becomes a suggestion, never applied by itself."""
    connection.execute(
        insert(_BAND),
        [
            {"media_id": media_id, "band": band, "value": value}
            for _, media_id, phash in images
            for band, value in bands(phash)
        ],
    )
    linked = []
    for item_id, _media_id, phash in images:
        candidates = connection.execute(
            select(_MEDIA.c.item_id, _MEDIA.c.phash, _ITEM.c.media_withheld)
            .join(_BAND, _BAND.c.media_id == _MEDIA.c.id)
            .join(_ITEM, _ITEM.c.id == _MEDIA.c.item_id)
            .where(
                tuple_(_BAND.c.band, _BAND.c.value).in_(bands(phash)),
                # Withheld media (suspected CSAM) counts whatever the item's state.
                (_ITEM.c.status == ItemStatus.DECIDED) | _ITEM.c.media_withheld.is_(True),
                _ITEM.c.id != item_id,
            )
            .distinct()
            .limit(500)
        ).all()
        scored = [(distance(phash, other), other_item, withheld) for other_item, other, withheld in candidates if other]
        near = [entry for entry in scored if entry[0] <= NEAR_DISTANCE]
        if near:
            # A repost of withheld material is withheld at once, before anyone could see it.
            withheld = any(entry[2] for entry in near)
            nearest = min(near)[1]
            connection.execute(
                update(_ITEM).where(_ITEM.c.id == item_id).values(duplicate_of=nearest, media_withheld=withheld)
            )
            linked.append(item_id)
    return linked


def distance(a: str, b: str) -> int:
    """Hamming distance of two PDQ hashes in hex."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _parts(values: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
