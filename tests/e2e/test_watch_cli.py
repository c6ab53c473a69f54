"""Ctrl+C ends ``veil ingest`` quietly, watched or not, workers included.

A terminal's Ctrl+C sends SIGINT to every process of the foreground group,
the pool's workers as much as ``veil`` itself: each command runs in a
session of its own here, and the signal goes to that whole group.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import sqlite3
import subprocess
import time
from functools import partial
from typing import TYPE_CHECKING

from PIL import Image

from desktop.core.media.isolation import run_isolated
from tests.e2e.test_cli import VEIL
from tests.e2e.test_ingest_cli import children, wait_for_exit

if TYPE_CHECKING:
    from pathlib import Path
    from typing import IO


def _line(stream: IO[str], *, timeout: float) -> str:
    selector = selectors.DefaultSelector()
    selector.register(stream, selectors.EVENT_READ)
    assert selector.select(timeout=timeout), f"nothing within {timeout} s"
    return stream.readline()


def _photos(folder: Path, prefix: str, count: int) -> None:
    for n in range(count):
        staging = folder.parent / f"{prefix}{n}.png"
        Image.new("RGB", (96, 64), (n * 20 % 255, 40, 200)).save(staging)
        staging.rename(folder / staging.name)  # whole at once, as a copy into the folder ends


def _stored(database: Path) -> int:
    with sqlite3.connect(database) as conn:
        count: int = conn.execute("SELECT count(*) FROM item").fetchone()[0]
    conn.close()
    return count


def test_ctrl_c_ends_a_watch_quietly_workers_included(tmp_path: Path) -> None:
    database = tmp_path / "veil.sqlite3"
    drop = tmp_path / "drop"
    drop.mkdir()
    _photos(drop, "first", 12)  # enough for the worker pool to make the previews
    command = [
        str(VEIL), "--db", f"sqlite:///{database}", "ingest", "--watch", str(drop), "--json",
        "--interval", "0.1", "--workers", "2", "--as", "root",
    ]  # fmt: skip
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    ) as process:
        assert process.stdout is not None
        try:
            report = json.loads(_line(process.stdout, timeout=120))
            assert report["items_added"] == 12, report
            workers = children(process.pid)
            assert workers, "the pool's workers were not started"
            _photos(drop, "late", 12)  # the watch may be reading these when Ctrl+C comes
        finally:
            os.killpg(process.pid, signal.SIGINT)
            out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err  # Ctrl+C is how a watch is ended
    assert "Traceback" not in err, err
    assert not wait_for_exit(workers, timeout=30), "a worker outlived the watch"
    taken = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert _stored(database) == 12 + sum(batch["items_added"] for batch in taken)


def test_ctrl_c_ends_a_long_ingest_quietly_and_says_what_was_stored(tmp_path: Path) -> None:
    database = tmp_path / "veil.sqlite3"
    feed = tmp_path / "big.jsonl"
    with feed.open("w", encoding="utf-8") as writer:
        for n in range(60_000):
            writer.write(json.dumps({"id": n, "text": f"Report {n}: wounded civilians +18, images"}) + "\n")
    command = [str(VEIL), "--db", f"sqlite:///{database}", "ingest", "--json", str(feed), "--as", "root"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    ) as process:
        assert process.stderr is not None
        workers: set[int] = set()
        try:
            while not workers:  # until the pool has started (from the second chunk on)
                assert _line(process.stderr, timeout=120), "no progress line"
                workers = children(process.pid)
        finally:
            os.killpg(process.pid, signal.SIGINT)
            out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err, err
    assert not wait_for_exit(workers, timeout=30), "a worker outlived the ingest"
    said = json.loads(out)
    assert said["interrupted"] is True
    # What it says was stored is what the database holds: the chunk in hand rolled back whole.
    assert 0 < said["items_added"] == _stored(database) < 60_000


def test_a_decoder_child_leaves_ctrl_c_to_its_caller() -> None:
    """A video's decoder runs in a child of its own, in the same group: Ctrl+C
    there would print the child's traceback and lose the file's preview."""
    assert run_isolated(partial(signal.raise_signal, signal.SIGINT), time_limit_s=60) is None


def test_a_huge_file_dropped_beside_a_photo_never_holds_it_up(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    staging = tmp_path / "huge.jpg"
    Image.new("RGB", (96, 64), (200, 0, 0)).save(staging)
    os.truncate(staging, 10 << 30)  # a JPEG's header, then 10 GiB of holes: nothing on disk
    staging.rename(drop / "huge.jpg")
    _photos(drop, "photo", 1)
    command = [
        str(VEIL), "--db", f"sqlite:///{tmp_path / 'veil.sqlite3'}", "ingest", "--watch", str(drop), "--json",
        "--interval", "0.1", "--as", "root",
    ]  # fmt: skip
    started = time.monotonic()
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    ) as process:
        assert process.stdout is not None
        try:
            photo = json.loads(_line(process.stdout, timeout=30))
            took = time.monotonic() - started
            huge = json.loads(_line(process.stdout, timeout=30))
        finally:
            os.killpg(process.pid, signal.SIGINT)
            _, err = process.communicate(timeout=60)
    assert process.returncode == 0 and "Traceback" not in err, err
    assert photo["files"] == [str(drop / "photo0.png")] and photo["items_added"] == 1
    assert huge["files"] == [str(drop / "huge.jpg")]
    assert [error["path"] for error in huge["media_errors"]] == [str(drop / "huge.jpg")]  # named, not read
    print(f"the photo was stored {took:.1f} s after the watch started")
