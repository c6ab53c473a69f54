"""``veil ingest`` names every medium it stored but cannot show (``media_errors``).

The inputs are real: Pillow's own hostile test images, and files made here
(a truncated JPEG, a PNG whose header declares a decompression bomb, a
manifest naming a file that is not there). What the report names is checked
against what the database stored: every media row with an ``error`` is named
once, with its item, and none without.
"""

from __future__ import annotations

import json
import struct
import zlib
from typing import TYPE_CHECKING

from PIL import Image
from sqlalchemy import select

from db.models import Media
from db.session import Database
from desktop.core.media.originals import file_uri_path
from tests.conftest import CORPUS
from tests.e2e.test_cli import veil

if TYPE_CHECKING:
    from pathlib import Path


def stored_errors(url: str) -> set[tuple[str, int, str]]:
    """(path, item, error) of every media row that records an error."""
    database = Database(url)
    try:
        with database.read() as session:
            rows = session.execute(select(Media.uri, Media.item_id, Media.error).where(Media.error.is_not(None))).all()
    finally:
        database.dispose()
    return {(str(file_uri_path(uri) or uri), item, error) for uri, item, error in rows if error is not None}


def named(report: dict[str, list[dict[str, object]]]) -> set[tuple[object, object, object]]:
    return {(e["path"], e["item"], e["error"]) for e in report["media_errors"]}


def png_bomb(path: Path, side: int = 30_000) -> Path:
    """A valid PNG header declaring ``side`` x ``side`` pixels, with one tiny data chunk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )
    return path


def truncated_jpeg(path: Path) -> Path:
    Image.effect_noise((320, 240), 64).convert("RGB").save(path, "JPEG", quality=90)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


def test_pillow_corpus_names_every_medium_without_a_preview(db_url: str) -> None:
    folder = CORPUS / "real" / "pillow-images"
    run = veil("ingest", "--json", "--quiet", str(folder), url=db_url, user="root")
    assert run.code == 1, run.err
    # Pillow's notes on damaged headers would be dozens of lines; the report names those files in Veil's words.
    assert "Warning" not in run.err, run.err
    report = run.json
    assert set(report) == {"items_added", "items_duplicate", "media_added", "errors", "media_errors"}
    for entry in report["media_errors"]:
        assert set(entry) == {"path", "item", "error"}
        assert isinstance(entry["item"], int) and "\n" not in entry["error"]
        assert entry["path"].startswith(str(folder.resolve()))
    stored = stored_errors(db_url)
    assert stored, "the corpus holds files that cannot be shown"
    assert named(report) == stored
    assert len(report["media_errors"]) == len(stored)  # once each


def test_a_truncated_jpeg_and_a_bomb_are_named_and_their_items_kept(db_url: str, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    Image.new("RGB", (96, 64), (30, 120, 200)).save(drop / "good.png")
    cut = truncated_jpeg(drop / "cut.jpg")
    bomb = png_bomb(drop / "bomb.png")

    run = veil("ingest", str(drop), url=db_url, user="root")
    assert run.code == 1, run.err
    lines = run.err.strip().splitlines()
    assert lines[0] == "3 items added, 0 already present, 3 media (2 could not be shown)"
    shown = sorted(line for line in lines if line.startswith("media error: "))
    assert len(shown) == 2, run.err
    assert shown[0].startswith(f"media error: {bomb.resolve()} (item ")
    assert shown[1].startswith(f"media error: {cut.resolve()} (item ")
    assert "Traceback" not in run.err
    assert {path for path, _item, _error in stored_errors(db_url)} == {str(bomb.resolve()), str(cut.resolve())}

    # Again: the same items are duplicates, nothing new is stored, so nothing is named.
    again = veil("ingest", "--json", str(drop), url=db_url, user="root")
    assert again.code == 0, again.err
    assert again.json["items_duplicate"] == 3 and again.json["media_errors"] == []


def test_a_manifest_naming_a_missing_file_names_it_and_keeps_both_items(db_url: str, tmp_path: Path) -> None:
    Image.new("RGB", (96, 64), (200, 40, 40)).save(tmp_path / "there.png")
    manifest = tmp_path / "feed.jsonl"
    records = [
        {"id": "a", "text": "a post with its picture", "media": ["there.png"]},
        {"id": "b", "text": "a post whose picture never arrived", "media": ["gone.jpg"]},
    ]
    manifest.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")

    run = veil("ingest", "--json", str(manifest), url=db_url, user="root")
    assert run.code == 1, run.err
    assert run.json["items_added"] == 2 and run.json["media_added"] == 2 and run.json["errors"] == []
    (missing,) = run.json["media_errors"]
    assert missing["path"] == str((tmp_path / "gone.jpg").resolve())
    assert missing["error"].startswith("cannot read")
    shown = veil("show", str(missing["item"]), "--json", url=db_url).json
    assert shown["text"] == "a post whose picture never arrived"
    assert named(run.json) == stored_errors(db_url)
