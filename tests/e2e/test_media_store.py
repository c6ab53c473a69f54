"""A media store set by IT in the system settings file: ingest keeps its own
copy of every original there, under the file's SHA-256, and items refer to it."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from PIL import Image

from desktop.core.media.originals import file_uri_path
from tests.e2e.test_cli import refused, veil

if TYPE_CHECKING:
    from pathlib import Path


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


def test_ingest_copies_originals_into_the_store_once_each(db_url: str, tmp_path: Path) -> None:
    store = tmp_path / "share"
    store.mkdir()
    originals = photos(tmp_path / "incoming", 10)  # above the pool threshold: workers copy too
    (tmp_path / "incoming" / "again.PNG").write_bytes(originals[0].read_bytes())
    env = system_file(tmp_path, store)

    run = veil(
        "ingest", "--json", "--quiet", "--workers", "2", str(tmp_path / "incoming"), url=db_url, user="root", env=env
    )
    assert run.code == 0, run.err
    # The same photo twice is one item (items are known by their media's content).
    assert run.json["items_added"] == 10 and run.json["items_duplicate"] == 1 and run.json["errors"] == []

    digests = {hashlib.sha256(path.read_bytes()).hexdigest() for path in originals}
    kept = sorted(path for path in store.rglob("*") if path.is_file())
    assert sorted(path.name for path in kept) == sorted(f"{digest}.png" for digest in digests)
    for path in kept:
        assert path.parent.name == path.name[:2]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.stem

    # The originals can go: every item opens from the store.
    for path in (tmp_path / "incoming").iterdir():
        path.unlink()
    for item in range(1, 11):
        shown = veil("show", str(item), "--json", url=db_url, user="root", env=env).json
        (media,) = shown["media"]
        where = file_uri_path(media["uri"])
        assert where is not None and where.parent.parent == store.resolve(), media["uri"]
        assert where.is_file()


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
    digest = hashlib.sha256(original.read_bytes()).hexdigest()
    (store / digest[:2]).write_text("a file where the store wants a folder")
    env = system_file(tmp_path, store)

    run = veil("ingest", "--json", "--quiet", str(tmp_path / "incoming"), url=db_url, user="root", env=env)
    assert run.code == 0, run.err
    assert run.json["items_added"] == 1
    (media,) = veil("show", "1", "--json", url=db_url, user="root", env=env).json["media"]
    assert file_uri_path(media["uri"]) == original.resolve()
    assert "not copied into the media store" in media["error"]
    assert not list(store.rglob("*.partial"))
