"""`veil ingest` holds a memory budget whatever it is given, and opens only regular files.

Each hostile input is made here (big ones as sparse files, pictures as
headers that promise many pixels) and ingested by the real command. Its peak
resident memory is read the honest way for every process it starts: a fresh
Python runs the command, waits for it, and asks the kernel for the largest
peak among its waited-for descendants (``RUSAGE_CHILDREN``): ``veil`` itself
and the worker processes it waits for when it ends. The budget is per process.

The database is SQLite: what is measured is the reading and decoding, which
are the same on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.e2e.test_cli import VEIL
from tests.support.hostile_media import animated_webp, long_gif, solid_png

BUDGET_MB = 600
SPARSE = 4 << 30

PEAK = """
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[2:], capture_output=True, text=True, timeout=float(sys.argv[1]), check=False)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # kB on Linux
print(json.dumps({"code": done.returncode, "out": done.stdout, "err": done.stderr, "peak_mb": peak}))
"""


@dataclass
class Measured:
    code: int
    report: dict[str, Any]
    err: str
    peak_mb: float

    def errors_for(self, path: Path) -> list[str]:
        return [e["error"] for e in self.report["errors"] if e["path"].startswith(str(path))]

    def media_errors_for(self, path: Path) -> list[str]:
        return [e["error"] for e in self.report["media_errors"] if e["path"] == str(path)]


@pytest.fixture
def url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "veil.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


def ingest(url: str, *args: str, timeout: float = 60) -> Measured:
    command = [str(VEIL), "--db", url, "--json", "ingest", "--quiet", *args, "--as", "root"]
    done = subprocess.run(
        [sys.executable, "-c", PEAK, str(timeout), *command],
        capture_output=True, text=True, timeout=timeout + 30, check=True,
    )  # fmt: skip
    result = json.loads(done.stdout)
    report = json.loads(result["out"]) if result["out"].strip() else {}
    return Measured(result["code"], report, result["err"], result["peak_mb"])


def sparse(path: Path, start: bytes, end: bytes = b"") -> Path:
    """A 4 GiB file holding ``start``, zeros (a hole on disk) and ``end``."""
    with path.open("wb") as out:
        out.write(start)
        out.truncate(SPARSE)
        out.seek(SPARSE - len(end))
        out.write(end)
    return path


def write_export(path: Path, messages: int, *, every: int, chat: int = 4242) -> None:
    """A single-chat export written as it goes; one message in ``every`` is a post, the rest
    service messages (read and skipped), so storing stays quick while reading is whole."""
    filler = "lorem ipsum dolor sit amet " * 25
    with path.open("w", encoding="utf-8") as out:
        out.write(f'{{\n "name": "Big",\n "type": "public_channel",\n "id": {chat},\n "messages": [\n')
        batch: list[str] = []
        for n in range(1, messages + 1):
            kind = "message" if n % every == 0 else "service"
            body = f"post {chat}-{n} {filler}"
            batch.append(
                f'  {{"id": {n}, "type": "{kind}", "date": "2024-01-01T00:00:00", "date_unixtime": "1704067200",'
                f' "from": "Big", "from_id": "channel{chat}", "text": "{body}",'
                f' "text_entities": [{{"type": "plain", "text": "{body}"}}]}}'
            )
            if len(batch) == 5000:
                out.write(",\n".join(batch) + (",\n" if n < messages else "\n"))
                batch = []
        if batch:
            out.write(",\n".join(batch) + "\n")
        out.write(" ]\n}\n")


def test_a_300_mb_telegram_export_is_streamed(url: str, tmp_path: Path) -> None:
    small, big = tmp_path / "small" / "result.json", tmp_path / "big" / "result.json"
    for chat, path, messages in ((1, small, 1_000), (2, big, 200_000)):
        path.parent.mkdir()
        write_export(path, messages, every=messages // 200, chat=chat)
    size_mb = big.stat().st_size / (1 << 20)
    assert size_mb > 290
    baseline = ingest(url, str(small))
    run = ingest(url, str(big))
    assert run.code == 0, run.err
    assert run.report["items_added"] == 200 and run.report["errors"] == []
    assert run.peak_mb < BUDGET_MB, run.peak_mb
    # The same 200 posts from a file 300 times larger: memory does not follow the file
    # (loaded whole, the file alone would be more than the budget).
    assert run.peak_mb - baseline.peak_mb < 50, (run.peak_mb, baseline.peak_mb, size_mb)


def test_4_gib_captions_are_read_only_as_far_as_an_item_holds(url: str, tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    for n in range(2):
        Image.new("RGB", (64, 48), (n * 90, 40, 40)).save(folder / f"p{n}.jpg")
    sparse(folder / "p0.txt", b"A caption that never ends ")
    sparse(folder / "p1.json", b'{"text": "a JSON caption that never ends')
    run = ingest(url, str(folder))
    assert run.report["items_added"] == 2, run.err
    (cut,) = run.errors_for(folder / "p0.jpg")  # each named, on its picture's item
    assert "p0.txt" in cut
    (refused,) = run.errors_for(folder / "p1.jpg")
    assert "p1.json" in refused
    assert run.peak_mb < BUDGET_MB, run.peak_mb


def test_a_4_gib_line_is_skipped_not_held(url: str, tmp_path: Path) -> None:
    manifest = sparse(tmp_path / "feed.jsonl", b'{"id": "1", "text": "before"}\n', b'\n{"id": "2", "text": "after"}\n')
    run = ingest(url, str(manifest))
    assert run.code == 1 and run.report["items_added"] == 2, run.err
    (too_long,) = run.errors_for(manifest)
    assert "line 2" in too_long
    assert run.peak_mb < BUDGET_MB, run.peak_mb

    table = sparse(tmp_path / "feed.csv", b"id;text\n3;first row\n", b"\n4;last row\n")
    run = ingest(url, "--format", "csv", str(table))  # its head is mostly NUL bytes, which no sniffing calls CSV
    assert run.code == 1 and run.report["items_added"] == 2, run.err
    (too_long,) = run.errors_for(table)
    assert "line 3" in too_long
    assert run.peak_mb < BUDGET_MB, run.peak_mb

    text = sparse(tmp_path / "live.txt", b"* first bulletin ", b"\n* second bulletin\n")
    run = ingest(url, "--format", "text", str(text))
    assert run.report["items_added"] == 2, run.err
    assert run.peak_mb < BUDGET_MB, run.peak_mb


def test_pictures_just_under_the_pixel_limit_are_decoded_within_a_budget(url: str, tmp_path: Path) -> None:
    folder = tmp_path / "huge"
    folder.mkdir()
    pngs = [folder / f"wall{n}.png" for n in range(6)]
    for n, path in enumerate(pngs):
        solid_png(path, 10_950, label=str(n))
    webp = folder / "canvas.webp"
    animated_webp(webp, 10_950)
    gif = folder / "long.gif"
    long_gif(gif, 2_000, 10_000)
    Image.new("RGB", (640, 480), (30, 90, 160)).save(folder / "ordinary.jpg")
    widest = folder / "widest.png"  # the largest colour picture the budget lets through: it is decoded
    solid_png(widest, 9_800, colour=(20, 60, 90))
    run = ingest(url, "--workers", "2", str(folder))  # ten files: the worker processes do the decoding
    assert run.code == 1, run.err
    assert run.report["items_added"] == 10 and run.report["media_added"] == 10
    # Each refused by name (tests/unit/test_decode_budget.py checks the reason is the budget).
    named = sorted(e["path"] for e in run.report["media_errors"])
    assert named == sorted(str(path) for path in [*pngs, webp])
    assert run.media_errors_for(gif) == run.media_errors_for(folder / "ordinary.jpg") == []
    assert run.media_errors_for(widest) == []
    assert run.peak_mb < BUDGET_MB, run.peak_mb


def test_a_fifo_or_device_is_refused_by_name_never_opened(url: str, tmp_path: Path) -> None:
    # As an input: a FIFO nobody writes to would block the open for ever.
    fifo = tmp_path / "feed.txt"
    os.mkfifo(fifo)
    run = ingest(url, str(fifo), "/dev/zero", timeout=30)
    assert run.code == 1 and run.report["items_added"] == 0
    assert sorted(e["path"] for e in run.report["errors"]) == ["/dev/zero", str(fifo)]

    # In a folder, beside good pictures.
    folder = tmp_path / "drop"
    folder.mkdir()
    Image.new("RGB", (64, 48), (10, 90, 40)).save(folder / "good.jpg")
    os.mkfifo(folder / "pipe.jpg")
    with closing(socket.socket(socket.AF_UNIX)) as listening:
        listening.bind(str(folder / "sock.png"))
        run = ingest(url, str(folder), timeout=30)
    assert run.report["items_added"] == 1, run.err
    assert sorted(e["path"] for e in run.report["errors"]) == [str(folder / "pipe.jpg"), str(folder / "sock.png")]

    # As a manifest's media and a Telegram export's photo: the item is kept, the medium named.
    media = tmp_path / "manifest"
    media.mkdir()
    os.mkfifo(media / "clip.mp4")
    (media / "feed.jsonl").write_text(json.dumps({"id": "m1", "text": "with a pipe", "media": ["clip.mp4"]}) + "\n")
    export = tmp_path / "export"
    (export / "photos").mkdir(parents=True)
    os.mkfifo(export / "photos" / "p.jpg")
    message = {"id": 1, "type": "message", "date": "2024-01-01T00:00:00", "text": "a photo", "photo": "photos/p.jpg"}
    chat = {"name": "C", "type": "public_channel", "id": 7, "messages": [message]}
    (export / "result.json").write_text(json.dumps(chat))
    run = ingest(url, str(media / "feed.jsonl"), str(export), timeout=30)
    assert run.report["items_added"] == 2, run.err
    named = sorted(e["path"] for e in run.report["media_errors"])
    assert named == [str(export / "photos" / "p.jpg"), str(media / "clip.mp4")]


def test_standard_input_is_still_read_but_never_for_ever(url: str) -> None:
    command = [str(VEIL), "--db", url, "--json", "ingest", "--format", "text", "/dev/stdin", "--as", "root"]
    piped = subprocess.run(command, input="* one\n* two\n", capture_output=True, text=True, timeout=60, check=False)
    assert piped.returncode == 0 and json.loads(piped.stdout)["items_added"] == 2, piped.stderr
    with Path("/dev/zero").open("rb") as zeros:
        endless = subprocess.run(command, stdin=zeros, capture_output=True, text=True, timeout=60, check=False)
    assert endless.returncode == 1
    (error,) = json.loads(endless.stdout)["errors"]
    assert error["path"] == "/dev/stdin"
