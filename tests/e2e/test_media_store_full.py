"""The media store fills up mid-ingest (a small tmpfs the test mounts as
root): every item is kept, those whose copy did not fit refer to their
original and are named in ``media_errors``, and no half-written copy is
left in the store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PIL import Image
from sqlalchemy import create_engine, text

from desktop.core.ingest.media_store import sealed_copy
from desktop.core.media.originals import file_uri_path
from tests.e2e.test_cli import veil
from tests.e2e.test_media_store import system_file
from tests.support import mounts

if TYPE_CHECKING:
    from pathlib import Path

PHOTOS = 24  # some 160 KB each: about a third fit in the 1 MB store


def _photos(folder: Path) -> set[str]:
    folder.mkdir()
    for n in range(PHOTOS):
        Image.effect_noise((320, 240), 40 + n).convert("RGB").save(folder / f"scene-{n}.png")
    return {str(folder / f"scene-{n}.png") for n in range(PHOTOS)}


def test_a_media_store_that_fills_keeps_every_item_and_names_the_media_not_copied(db_url: str, tmp_path: Path) -> None:
    originals = _photos(tmp_path / "incoming")
    with mounts.tmpfs(tmp_path / "share", 1) as store:
        run = veil(
            "--json", "ingest", "--quiet", str(tmp_path / "incoming"), url=db_url, user="root",
            env=system_file(tmp_path, store),
        )  # fmt: skip
        assert run.code == 1, run.err  # some media could not be kept: a failure, said
        assert "Traceback" not in run.err
        report = run.json
        assert report["items_added"] == PHOTOS and report["errors"] == []
        not_copied = {error["path"] for error in report["media_errors"]}
        assert all(error["item"] is not None for error in report["media_errors"])  # their items are stored
        in_store = [path for path in store.rglob("*") if path.is_file()]
        # No half-written copy: every file in the store is a whole sealed copy.
        assert in_store and all(sealed_copy(path, store) for path in in_store), in_store

        engine = create_engine(db_url)
        try:
            with engine.connect() as conn:
                uris = [str(uri) for (uri,) in conn.execute(text("SELECT uri FROM media"))]
                items = conn.execute(text("SELECT count(*) FROM item")).scalar_one()
        finally:
            engine.dispose()
        paths = [file_uri_path(uri) for uri in uris]
        copied = {path for path in paths if path is not None and path.parent.parent == store}
        assert items == PHOTOS and len(uris) == PHOTOS  # every item, each with its medium
        assert copied == set(in_store)  # every copy made is referred to
        # The media not copied refer to their originals, and are the ones named.
        assert {str(path) for path in paths if path not in copied} == not_copied
        assert 0 < len(not_copied) < PHOTOS and not_copied <= originals
