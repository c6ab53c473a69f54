"""Media rows as the tests read them: previews unsealed with their keys, and checked to be sealed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from db.models import Media, MediaKey
from desktop.core.media.sealed import is_sealed, unseal_bytes

if TYPE_CHECKING:
    from db.session import Database


def unsealed_media(database: Database) -> list[Media]:
    """Every media row, detached, with ``preview`` unsealed to its JPEG.

    Fails if a preview is stored unsealed or without the key that opens it:
    ingest never writes one.
    """
    with database.read() as session:
        rows = session.execute(
            select(Media, MediaKey.key).outerjoin(MediaKey, MediaKey.media_id == Media.id).order_by(Media.id)
        ).all()
        session.expunge_all()
    media = []
    for row, key in rows:
        if row.preview is not None:
            assert is_sealed(row.preview) and key is not None, f"media {row.id}'s preview is stored unsealed"
            row.preview = unseal_bytes(row.preview, key)
        media.append(row)
    return media
