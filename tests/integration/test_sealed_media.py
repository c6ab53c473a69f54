"""Reading sealed media: previews and originals unsealed with their keys,
refused as withheld when no key is visible, refused as damaged when changed,
and previews stored before sealing read as they are."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest
from PIL import Image
from sqlalchemy import delete, select, update

from db.models import Media, MediaKey
from desktop.core.ingest.files import ingest_files
from desktop.core.media.sealed import is_sealed
from desktop.domain.errors import IntegrityFailure, PermissionDenied

if TYPE_CHECKING:
    from pathlib import Path

    from desktop.core.workspace import Workspace


def two_photos(workspace: Workspace, tmp_path: Path, store: Path | None = None) -> list[int]:
    drop = tmp_path / "drop"
    drop.mkdir()
    for n in range(2):
        Image.new("RGB", (120, 80), (40 * n, 200, 30)).save(drop / f"p{n}.png")
    report = ingest_files(workspace.db, [drop], actor="root", clock=workspace.clock, media_store=store, workers=1)
    assert report.errors == [] and report.media_added == 2
    with workspace.db.read() as session:
        return list(session.scalars(select(Media.id).order_by(Media.id)))


def test_previews_and_originals_unseal_with_their_keys(workspace: Workspace, tmp_path: Path) -> None:
    store = tmp_path / "share"
    store.mkdir()
    first, second = two_photos(workspace, tmp_path, store)
    previews = workspace.review.stored_previews([first, second])
    assert set(previews) == {first, second} and all(jpeg.startswith(b"\xff\xd8") for jpeg in previews.values())
    assert workspace.review.stored_preview(first) == previews[first]
    with workspace.review.open_original(first) as stream, Image.open(stream) as image:
        assert image.size == (120, 80)


def test_a_sealed_medium_whose_key_is_not_visible_is_taken_for_withheld(workspace: Workspace, tmp_path: Path) -> None:
    """What PostgreSQL's row-level security does for withheld media, done by hand."""
    store = tmp_path / "share"
    store.mkdir()
    first, second = two_photos(workspace, tmp_path, store)
    with workspace.db.write() as session:
        session.execute(delete(MediaKey).where(MediaKey.media_id == first))

    assert set(workspace.review.stored_previews([first, second])) == {second}
    with pytest.raises(PermissionDenied, match=f"media {first} is sealed and its key is not available"):
        workspace.review.stored_preview(first)
    with pytest.raises(PermissionDenied, match=f"media {first} is sealed and its key is not available"):
        workspace.review.open_original(first)


@pytest.mark.expected_log("desktop.core.review.items", "ERROR")
def test_a_changed_preview_or_copy_is_refused_as_damaged(
    workspace: Workspace, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = tmp_path / "share"
    store.mkdir()
    first, second = two_photos(workspace, tmp_path, store)
    with workspace.db.write() as session:
        blob = bytearray(session.scalar(select(Media.preview).where(Media.id == first)) or b"")
        blob[-3] ^= 0x40
        session.execute(update(Media).where(Media.id == first).values(preview=bytes(blob)))
        uri = session.scalar(select(Media.uri).where(Media.id == second)) or ""

    with pytest.raises(IntegrityFailure, match=f"the preview of media {first} does not check out"):
        workspace.review.stored_preview(first)
    with caplog.at_level(logging.ERROR, logger="desktop.core.review.items"):
        assert set(workspace.review.stored_previews([first, second])) == {second}
    assert f"the preview of media {first}" in caplog.text

    copy = workspace.review.original_path(second)
    assert copy.as_uri() == uri and copy.suffix == ".veil"
    copy.write_bytes(copy.read_bytes()[:-20])  # cut short
    with pytest.raises(IntegrityFailure, match=f"the original of media {second}"):
        workspace.review.open_original(second)


def test_a_preview_stored_before_sealing_is_read_as_it_is(workspace: Workspace, tmp_path: Path) -> None:
    first, _second = two_photos(workspace, tmp_path)
    jpeg = workspace.review.stored_preview(first)
    with workspace.db.write() as session:
        session.execute(delete(MediaKey).where(MediaKey.media_id == first))
        session.execute(update(Media).where(Media.id == first).values(preview=jpeg))
    assert not is_sealed(jpeg)
    assert workspace.review.stored_preview(first) == jpeg
    assert workspace.review.stored_previews([first]) == {first: jpeg}
    # Without a store the original stays the user's own plain file, and opens as it is.
    with workspace.review.open_original(first) as stream:
        assert stream.read() == workspace.review.original_path(first).read_bytes()
