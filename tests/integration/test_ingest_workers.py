"""Media ingested by worker processes: each file read, hashed and sealed in a
worker, the chunks committed as they come back, nothing lost or changed."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from PIL import Image
from sqlalchemy import select

from db.models import AuditEvent, Media
from desktop.core.ingest.files import MEDIA_CHUNK, ingest_files
from desktop.core.media.originals import file_uri_path

if TYPE_CHECKING:
    from pathlib import Path

    from desktop.core.workspace import Workspace


def test_a_folder_goes_in_a_chunk_of_media_at_a_time_each_copy_as_it_was_read(
    workspace: Workspace, tmp_path: Path
) -> None:
    drop, store = tmp_path / "drop", tmp_path / "share"
    drop.mkdir()
    store.mkdir()
    count = MEDIA_CHUNK + 4
    for n in range(count):
        Image.new("RGB", (90 + n, 60), (n * 12, 100, 200 - n * 9)).save(drop / f"p{n:02d}.jpg", quality=90)
    originals = {hashlib.sha256(path.read_bytes()).hexdigest(): path.read_bytes() for path in drop.iterdir()}

    report = ingest_files(workspace.db, [drop], actor="root", clock=workspace.clock, media_store=store, workers=2)

    assert report.errors == [] and report.media_errors == []
    assert report.items_added == count and report.media_added == count
    with workspace.db.read() as session:
        batches = [
            json.loads(payload)["items"]
            for payload in session.scalars(
                select(AuditEvent.payload).where(AuditEvent.kind == "ingest.batch").order_by(AuditEvent.id)
            )
        ]
        media = session.execute(select(Media.id, Media.sha256, Media.uri, Media.preview, Media.phash)).all()
    # One transaction a chunk: storing the first overlaps the workers hashing the next.
    assert batches == [MEDIA_CHUNK, 4]
    assert sorted(sha or "" for _, sha, *_ in media) == sorted(originals)
    for media_id, sha, uri, preview, phash in media:
        assert preview and phash and sha, media_id
        copy = file_uri_path(uri)
        assert copy is not None and copy.parent.parent == store
        # The copy sealed in the worker, from the bytes it hashed, opens as the original.
        with workspace.review.open_original(media_id) as stream:
            assert stream.read() == originals[sha]
    assert workspace.review.stored_previews([media_id for media_id, *_ in media]).keys() == {m for m, *_ in media}
