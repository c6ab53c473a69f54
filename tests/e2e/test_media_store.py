"""A media store set by IT in the system settings file: ingest seals every
original into it under a random name and the medium's own key, and items
refer to that copy; nothing readable of any original or preview is left on
the share or in the database."""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

import pytest
from PIL import Image
from sqlalchemy import func, select

from db.models import Media, MediaKey
from db.session import Database
from desktop.app.veil import Veil
from desktop.core.media.originals import file_uri_path
from desktop.core.media.playback import FrameSource
from desktop.core.media.sealed import is_sealed
from tests.conftest import CORPUS
from tests.e2e.test_cli import refused, veil

if TYPE_CHECKING:
    from pathlib import Path

WINDOW = 64
_SEALED_NAME = re.compile(r"[0-9a-f]{32}\.veil")


def system_file(tmp_path: Path, store: Path) -> dict[str, str]:
    settings = tmp_path / "system.toml"
    settings.write_text(f'media_store = "{store}"\nlocked = ["media_store"]\n', encoding="utf-8")
    return {"VEIL_SYSTEM_CONFIG": str(settings)}


def photos(folder: Path, count: int) -> list[Path]:
    folder.mkdir()
    made = []
    for n in range(count):
        path = folder / f"p{n}.PNG"
        Image.new("RGB", (64 + n, 48), (n * 20, 90, 160)).save(path, format="PNG")
        made.append(path)
    return made


def store_files(store: Path) -> list[Path]:
    return sorted(path for path in store.rglob("*") if path.is_file())


def test_ingest_seals_originals_into_the_store_one_file_each(db_url: str, tmp_path: Path) -> None:
    store = tmp_path / "share"
    store.mkdir()
    originals = photos(tmp_path / "incoming", 10)  # above the pool threshold: workers seal too
    (tmp_path / "incoming" / "again.PNG").write_bytes(originals[0].read_bytes())
    env = system_file(tmp_path, store)

    run = veil(
        "ingest", "--json", "--quiet", "--workers", "2", str(tmp_path / "incoming"), url=db_url, user="root", env=env
    )
    assert run.code == 0, run.err
    # The same photo twice is one item (items are known by their media's content).
    assert run.json["items_added"] == 10 and run.json["items_duplicate"] == 1 and run.json["errors"] == []

    # One sealed file per medium, under a random name: the duplicate's copy was not kept.
    kept = store_files(store)
    assert len(kept) == 10
    digests = {hashlib.sha256(path.read_bytes()).hexdigest(): path.read_bytes() for path in originals}
    for path in kept:
        assert _SEALED_NAME.fullmatch(path.name) and path.parent.name == path.name[:2], path
        assert path.stem not in digests and is_sealed(path.read_bytes())

    # The originals can go: every item opens from the store, unsealed as it is read.
    for path in (tmp_path / "incoming").iterdir():
        path.unlink()
    opened = Veil.open(db_url)
    try:
        opened.sign_in("root")
        for item in range(1, 11):
            shown = veil("show", str(item), "--json", url=db_url, user="root", env=env).json
            (media,) = shown["media"]
            where = file_uri_path(media["uri"])
            assert where is not None and where.parent.parent == store.absolute(), media["uri"]
            with opened.review.original(media["id"]) as stream:
                assert hashlib.sha256(stream.read()).hexdigest() in digests
    finally:
        opened.close()


# Pillow logs the hostile TIFFs it cannot decode; Veil records its own reason for each.
@pytest.mark.expected_log("PIL.TiffImagePlugin", "ERROR")
def test_the_store_holds_no_run_of_any_original_and_the_database_no_readable_preview(
    db_url: str, tmp_path: Path
) -> None:
    from tests.unit.test_video import make_video

    store = tmp_path / "share"
    store.mkdir()
    clips = tmp_path / "clips"
    clips.mkdir()
    clip = make_video(clips / "clip.mp4", frames=20)
    pictures = CORPUS / "real" / "pillow-images"
    opened = Veil.open(db_url, media_store=store)
    try:
        opened.sign_in("root")
        report = opened.ingest.files([pictures, clips], workers=1).value
        assert report.media_added > 40

        originals = [clip, *(path for path in pictures.iterdir() if path.is_file())]
        kept = b"\n".join(path.read_bytes() for path in store_files(store))
        assert kept, "nothing was sealed into the store"
        _assert_no_window_of(originals, kept)

        database = Database(db_url)
        try:
            with database.read() as session:
                media = session.execute(
                    select(Media.id, Media.preview, Media.sha256, Media.uri, Media.media_type)
                ).all()
                keys = session.scalar(select(func.count()).select_from(MediaKey))
        finally:
            database.dispose()
        previews = [preview for _id, preview, *_ in media if preview is not None]
        assert len(previews) > 30 and keys == len(media)
        assert not any(preview.startswith(b"\xff\xd8") for preview in previews)
        assert all(is_sealed(preview) for preview in previews)

        # Reveal still works: each copy unseals to the original's bytes, and the video plays.
        stored = [(i, sha, uri, kind) for i, preview, sha, uri, kind in media if sha is not None]
        assert len(stored) == len(store_files(store))
        for media_id, sha, _uri, kind in stored:
            with opened.review.original(media_id) as stream:
                assert hashlib.sha256(stream.read()).hexdigest() == sha
                if kind == "video":
                    with FrameSource(stream, long_edge=64) as frames:
                        assert len(list(frames)) == 20
    finally:
        opened.close()


def _assert_no_window_of(originals: list[Path], kept: bytes) -> None:
    """No 64-byte window of any original (every aligned one, and each file's
    last) occurs anywhere in the store's files."""
    windows: dict[bytes, str] = {}
    for path in originals:
        data = path.read_bytes()
        if len(data) < WINDOW:
            continue
        for start in [*range(0, len(data) - WINDOW + 1, WINDOW), len(data) - WINDOW]:
            windows.setdefault(data[start : start + WINDOW], f"{path.name}@{start}")
    # Runs of one byte value are no secret of any picture (and no cipher text holds them either).
    windows = {window: where for window, where in windows.items() if len(set(window)) > 1}
    assert len(windows) > 10_000
    found = [
        windows[kept[at : at + WINDOW]] for at in range(len(kept) - WINDOW + 1) if kept[at : at + WINDOW] in windows
    ]
    assert found == []


def test_a_store_that_is_not_there_stops_the_ingest_before_anything_is_read(db_url: str, tmp_path: Path) -> None:
    photos(tmp_path / "incoming", 2)
    env = system_file(tmp_path, tmp_path / "unmounted-share")
    run = veil("ingest", str(tmp_path / "incoming"), url=db_url, user="root", env=env)
    refused(run, 2, "media store")
    assert "unmounted-share" in run.err
    assert veil("queue", "--json", url=db_url, env=env).json == []


def test_a_file_the_store_cannot_take_still_comes_in_and_says_why(db_url: str, tmp_path: Path) -> None:
    store = tmp_path / "share"
    store.mkdir()
    (original,) = photos(tmp_path / "incoming", 1)
    for n in range(256):  # a file wherever the store wants a folder
        (store / f"{n:02x}").write_text("not a folder")
    env = system_file(tmp_path, store)

    run = veil("ingest", "--json", "--quiet", str(tmp_path / "incoming"), url=db_url, user="root", env=env)
    # Kept, and named: its original stays outside the store, which someone must look into.
    assert run.code == 1, run.err
    assert run.json["items_added"] == 1
    (named,) = run.json["media_errors"]
    assert named["path"] == str(original.resolve()) and named["item"] == 1
    assert named["error"].startswith("not copied into the media store")
    (media,) = veil("show", "1", "--json", url=db_url, user="root", env=env).json["media"]
    assert file_uri_path(media["uri"]) == original.resolve()
    assert "not copied into the media store" in media["error"]
    assert not list(store.rglob("*.partial"))


def test_a_medium_that_cannot_be_shown_is_named_by_its_original_not_the_store_copy(db_url: str, tmp_path: Path) -> None:
    store = tmp_path / "share"
    store.mkdir()
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    cut = incoming / "cut.png"
    Image.effect_noise((160, 120), 64).convert("RGB").save(cut, format="PNG")
    cut.write_bytes(cut.read_bytes()[:400])  # a truncated PNG: read and sealed, never previewed
    env = system_file(tmp_path, store)

    run = veil("ingest", "--json", "--quiet", str(incoming), url=db_url, user="root", env=env)
    assert run.code == 1, run.err
    (named,) = run.json["media_errors"]
    assert named["path"] == str(cut.resolve())
    assert named["error"].startswith("preview unavailable")
    (media,) = veil("show", str(named["item"]), "--json", url=db_url, user="root", env=env).json["media"]
    assert file_uri_path(media["uri"]) != cut.resolve()  # the row refers to the store's sealed copy
