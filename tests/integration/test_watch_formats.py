"""A watched folder takes every format ``veil ingest`` reads, names once what
it cannot, takes again what changed after it was taken, and is never held up
by one huge file. The folder is looked at by calling the watch directly:
a file is still once two looks find it the same, so no test waits."""

from __future__ import annotations

import json
import os
import shutil
import time
from typing import TYPE_CHECKING

from PIL import Image
from sqlalchemy import func, select

from db.models import Item, Media
from desktop.core.ingest.files import ingest_files
from desktop.core.ingest.media_limits import MAX_MEDIA_BYTES
from desktop.core.ingest.watch import REFUSED, FolderWatch, Unit, batches
from desktop.domain.ingest import NotStored
from tests.conftest import CORPUS

if TYPE_CHECKING:
    from collections.abc import Generator
    from pathlib import Path

    from desktop.app.veil import Veil
    from desktop.core.workspace import Workspace
    from desktop.domain.changes import Outcome
    from desktop.domain.ingest import IngestReport

FEED = CORPUS / "feeds" / "live-blog-2020-11-06.txt"


def _photo(path: Path, colour: tuple[int, int, int] = (200, 30, 30)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (48, 32), colour).save(path)
    return path


def _export(folder: Path, count: int) -> Path:
    """A Telegram Desktop export of one channel: ``count`` messages, each with a photo."""
    messages = [
        {
            "id": n, "type": "message", "date": "2024-03-01T12:00:00", "date_unixtime": str(1709294400 + n),
            "from": "Frontline News", "from_id": "channel1500600700", "text": f"report {n}",
            "photo": f"photos/photo_{n}.jpg", "width": 48, "height": 32,
        }
        for n in range(1, count + 1)
    ]  # fmt: skip
    for n in range(1, count + 1):
        _photo(folder / "photos" / f"photo_{n}.jpg", (n * 40 % 255, 90, 90))
    header = {"name": "Frontline News", "type": "public_channel", "id": 1500600700}
    (folder / "result.json").write_text(json.dumps({**header, "messages": messages}), encoding="utf-8")
    return folder


def _ready(watch: FolderWatch) -> list[Unit]:
    """What the watch offers once everything in the folder has been seen still."""
    watch.poll()
    return watch.poll()


def _ids(workspace: Workspace) -> list[str]:
    with workspace.db.read() as session:
        return sorted(session.scalars(select(Item.external_id)))


def _take_all(batches_: Generator[tuple[list[Path], Outcome[IngestReport]], None, None], count: int) -> list[Path]:
    """The files of the next batches until ``count`` units were taken, checking none failed to be stored."""
    taken: list[Path] = []
    while len(taken) < count:
        files, outcome = next(batches_)
        assert not [e for e in outcome.value.errors if isinstance(e, NotStored)]
        taken += files
    return taken


def test_the_watch_takes_every_format_veil_ingest_reads(veil: Veil, workspace: Workspace, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copyfile(FEED, drop / "live-blog.txt")  # 8 items
    # A manifest and the images it names: 3 items, the images their media only.
    _photo(drop / "pics" / "a.png", (10, 200, 10))
    _photo(drop / "pics" / "b.png", (10, 10, 200))
    lines = [
        {"id": "m1", "text": "shelling reported", "media": ["pics/a.png"]},
        {"id": "m2", "text": "second report", "media": ["pics/b.png"]},
        {"id": "m3", "text": "no picture here"},
    ]
    (drop / "manifest.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    (drop / "posts.csv").write_text("id,text\nc1,first row\nc2,second row\n", encoding="utf-8")  # 2 items
    _export(drop / "ChatExport_2024-03-01", 2)  # 2 items
    _photo(drop / "loose.png")  # 1 item, its caption beside it
    (drop / "loose.txt").write_text("a caption", encoding="utf-8")
    veil.sign_in("root")

    batches_ = veil.ingest.watch(drop, workers=1, interval=0.01)
    try:
        taken = _take_all(batches_, 5)
    finally:
        batches_.close()
    names = ["live-blog.txt", "manifest.jsonl", "posts.csv", "ChatExport_2024-03-01", "loose.png"]
    assert sorted(taken) == sorted(drop / name for name in names)
    ids = _ids(workspace)
    assert len(ids) == 8 + 3 + 2 + 2 + 1
    assert {"m1", "m2", "m3", "c1", "c2", "loose.png"} <= set(ids)
    assert not {"pics/a.png", "pics/b.png", "photos/photo_1.jpg", "loose.txt"} & set(ids)  # never items of their own
    with workspace.db.read() as session:
        # The manifest's images are its items' media, previewed like any other.
        shown = session.scalars(select(Media.error).join(Item).where(Item.external_id.in_(["m1", "m2"]))).all()
    assert shown == [None, None]


def test_a_telegram_export_is_taken_once_complete(tmp_path: Path) -> None:
    export = _export(tmp_path / "ChatExport_2024-03-01", 3)
    watch = FolderWatch(tmp_path)
    watch.poll()
    with (export / "photos" / "photo_3.jpg").open("ab") as still_copying:
        still_copying.write(b"\x00" * 512)
    assert watch.poll() == []  # one of its photos is still changing: nothing of it is taken
    (export_unit,) = watch.poll()
    assert (export_unit.path, export_unit.kind) == (export, "telegram")
    assert {path for path, _ in export_unit.files} == {export / "result.json"} | {
        export / "photos" / f"photo_{n}.jpg" for n in (1, 2, 3)
    }
    watch.taken([export_unit])
    assert watch.poll() == []

    # Telegram Desktop writes result.json last: until it is there, its media are no loose photos.
    making = tmp_path / "ChatExport_2024-03-02"
    _photo(making / "photos" / "photo_1.jpg")
    assert _ready(watch) == []
    # An export made as HTML is named once, not read as loose files.
    html = tmp_path / "ChatExport_2024-03-03"
    _photo(html / "photos" / "photo_1.jpg")
    (html / "messages.html").write_text("<html></html>", encoding="utf-8")
    (refused,) = _ready(watch)
    assert (refused.path, refused.kind) == (html, REFUSED)
    watch.taken([refused])
    assert watch.poll() == []


def test_a_manifest_waits_for_the_media_it_names_and_keeps_them(tmp_path: Path) -> None:
    first, second = _photo(tmp_path / "pics" / "a.png"), _photo(tmp_path / "pics" / "b.png")
    (tmp_path / "posts.csv").write_text(f"text,media\nfirst,./pics/a.png\nsecond,{second.as_uri()}\n", encoding="utf-8")
    watch = FolderWatch(tmp_path)
    watch.poll()
    with second.open("ab") as still_copying:
        still_copying.write(b"\x00" * 64)
    assert watch.poll() == []  # a.png is the manifest's, and the manifest waits for b.png
    (manifest,) = watch.poll()
    assert manifest.kind == "csv"
    assert [path for path, _ in manifest.files] == [tmp_path / "posts.csv", first, second]


def test_what_the_watch_cannot_read_is_named_once(veil: Veil, workspace: Workspace, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    os.mkfifo(drop / "pipe.jpg")  # would block a reader for good: judged by stat, never opened
    (drop / "blob.bin").write_bytes(bytes(range(256)) * 64)  # no format Veil reads
    (drop / "gone.png").symlink_to(tmp_path / "nowhere.png")
    _photo(drop / "good.png")
    veil.sign_in("root")
    batches_ = veil.ingest.watch(drop, workers=1, interval=0.01)
    try:
        files, outcome = next(batches_)
        refused = sorted([drop / "blob.bin", drop / "gone.png", drop / "pipe.jpg"])
        assert sorted(files) == sorted([*refused, drop / "good.png"])
        assert outcome.value.items_added == 1
        assert sorted(error.path for error in outcome.value.errors) == [str(path) for path in refused]
        _photo(drop / "later.png", (0, 0, 250))
        files, outcome = next(batches_)
        assert files == [drop / "later.png"]  # the refused are not named again
        assert outcome.value.items_added == 1 and outcome.value.errors == []
    finally:
        batches_.close()
    assert _ids(workspace) == ["good.png", "later.png"]


def test_a_file_changed_after_it_was_taken_is_taken_again(veil: Veil, workspace: Workspace, tmp_path: Path) -> None:
    """A writer that paused: the half-written manifest and photo were taken; once each
    is whole and still again it is read again, and every item is stored once."""
    drop = tmp_path / "drop"
    drop.mkdir()
    lines = [json.dumps({"id": f"p{n}", "text": f"post number {n}"}) + "\n" for n in range(40)]
    half = "".join(lines)[: len("".join(lines)) // 2]  # ends inside a line
    (drop / "feed.jsonl").write_text(half, encoding="utf-8")
    whole = tmp_path / "whole.png"
    _photo(whole, (250, 120, 0))
    picture = whole.read_bytes()
    (drop / "photo.png").write_bytes(picture[: len(picture) // 2])
    veil.sign_in("root")
    batches_ = veil.ingest.watch(drop, workers=1, interval=0.01)
    try:
        files, first = next(batches_)
        assert sorted(files) == [drop / "feed.jsonl", drop / "photo.png"]
        stored_first = first.value.items_added
        assert 0 < stored_first < 41
        (drop / "feed.jsonl").write_text("".join(lines), encoding="utf-8")
        (drop / "photo.png").write_bytes(picture)
        files, again = next(batches_)
        assert sorted(files) == [drop / "feed.jsonl", drop / "photo.png"]
        assert again.value.errors == [] and again.value.media_errors == []
    finally:
        batches_.close()
    ids = _ids(workspace)
    posts = [i for i in ids if not i.startswith("photo")]
    assert sorted(posts) == sorted(f"p{n}" for n in range(40))  # all of them, none twice
    assert again.value.items_duplicate == stored_first - 1  # the first look's posts, found present
    # The photo's whole content comes in under a version of its name, with a preview.
    with workspace.db.read() as session:
        assert session.scalar(select(Media.error).join(Item).where(Item.external_id == "photo.png;1")) is None
        assert session.scalar(select(func.count()).select_from(Item).where(Item.external_id.like("photo.png%"))) == 2


def test_a_huge_file_never_holds_up_a_photo_beside_it(veil: Veil, workspace: Workspace, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    huge = drop / "huge.jpg"
    _photo(tmp_path / "head.jpg").replace(huge)
    os.truncate(huge, 10 << 30)  # a JPEG's header, then 10 GiB of holes: nothing on disk
    _photo(drop / "photo.png")
    veil.sign_in("root")
    started = time.monotonic()
    batches_ = veil.ingest.watch(drop, workers=1, interval=0.01)
    try:
        files, outcome = next(batches_)
        first = time.monotonic() - started
        assert files == [drop / "photo.png"] and outcome.value.items_added == 1
        files, outcome = next(batches_)
        both = time.monotonic() - started
        assert files == [huge]
        (named,) = outcome.value.media_errors  # refused by its size, before a byte of it is hashed
        assert named.path == str(huge)
    finally:
        batches_.close()
    print(f"photo taken after {first:.2f} s, the 10 GiB file named after {both:.2f} s")
    assert both < 30  # hashing 10 GiB alone takes longer than this on the machines Veil runs on
    with workspace.db.read() as session:
        assert session.scalar(select(Media.sha256).join(Item).where(Item.external_id == "huge.jpg")) is None


def test_plain_ingest_refuses_the_same_huge_file_unread(workspace: Workspace, tmp_path: Path) -> None:
    huge = tmp_path / "huge.jpg"
    _photo(tmp_path / "head.jpg").replace(huge)
    os.truncate(huge, MAX_MEDIA_BYTES + 1)
    good = _photo(tmp_path / "good.png")
    report = ingest_files(workspace.db, [huge, good], actor="root-admin", clock=workspace.clock, workers=1)
    assert report.items_added == 2
    assert [error.path for error in report.media_errors] == [str(huge)]


def test_small_units_go_first_and_big_ones_alone(tmp_path: Path) -> None:
    def unit(name: str, size: int) -> Unit:
        return Unit(tmp_path / name, "media", ((tmp_path / name, (0o100000, size, 0)),))

    big, bigger = unit("big.mp4", 200 << 20), unit("bigger.mp4", 900 << 20)
    small = [unit("b.png", 30_000), unit("a.png", 10_000)]
    assert list(batches([bigger, small[0], big, small[1]])) == [[small[1], small[0]], [big], [bigger]]
