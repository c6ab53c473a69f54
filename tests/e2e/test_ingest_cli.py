"""``veil ingest`` on real inputs, run as a user would."""

from __future__ import annotations

import json
import os
import selectors
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from PIL import Image

from tests.conftest import CORPUS
from tests.e2e.test_cli import VEIL, veil

FEED = CORPUS / "feeds" / "live-blog-2020-11-06.txt"
EXPECTED = json.loads((CORPUS / "feeds" / "live-blog-2020-11-06.expected.json").read_text(encoding="utf-8"))


def test_corpus_feed_through_ingest_and_queue(db_url: str) -> None:
    run = veil("ingest", "--json", str(FEED), url=db_url, user="root")
    assert run.code == 0, run.err
    assert run.json == {"items_added": 8, "items_duplicate": 0, "media_added": 1, "errors": [], "media_errors": []}

    queue = veil("queue", "--json", url=db_url).json
    by_start = {}
    for entry in queue:
        for want in EXPECTED["items"]:
            if entry["text"].startswith(want["starts"]):
                by_start[want["starts"]] = entry
    assert len(by_start) == 8
    for want in EXPECTED["items"]:
        entry = by_start[want["starts"]]
        shown = veil("show", str(entry["id"]), "--json", url=db_url).json
        written = {m["text"] for m in shown["markers"] if m["rule"] and not m["code"].startswith("cue:")}
        assert set(want["markers"]) <= written, (want["starts"], shown["markers"])
        cues = {m["text"].lower() for m in shown["markers"] if m["code"].startswith("cue:")}
        assert set(want["cues"]) <= cues, (want["starts"], shown["markers"])
        if "author" in want:
            assert shown["author"] == want["author"] and shown["author_name"] == want["author_name"]
            assert shown["published_at"].startswith(want["published"])
            assert shown["language"] == want["lang"]
            assert [m["uri"] for m in shown["media"]] == want["links"]
    # Items with explicit markers come first.
    marked = [bool(set(e["markers"]) & {"21+", "18+"}) for e in queue]
    assert marked == sorted(marked, reverse=True)
    assert queue[0]["severity"] == 3

    again = veil("ingest", "--json", str(FEED), url=db_url, user="root")
    assert again.json["items_added"] == 0 and again.json["items_duplicate"] == 8


def test_pillow_corpus_folder_finishes_every_file_an_item_or_a_named_error(db_url: str) -> None:
    folder = CORPUS / "real" / "pillow-images"
    files = [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")]
    started = time.monotonic()
    run = veil("ingest", "--json", "--quiet", str(folder), url=db_url, user="root")
    elapsed = time.monotonic() - started
    assert run.code in (0, 1), run.err
    report = run.json
    named = {Path(e["path"]).name for e in report["errors"]}
    assert len(named) == len(report["errors"])  # one error a file, each naming it
    assert report["items_added"] + len(named) == len(files)
    assert "NOTICE.txt" in named and "zero_width.gif" in named
    assert elapsed < 300
    assert "Traceback" not in run.err


def test_telegram_exports(db_url: str) -> None:
    for export in sorted((CORPUS / "real" / "telegram").iterdir()):
        run = veil("ingest", "--json", str(export), url=db_url, user="root")
        assert run.json["errors"] == [], (export.name, run.out)
        # Media the export left out are kept as missing and named, which makes the exit code 1.
        assert run.code == (1 if run.json["media_errors"] else 0), (export.name, run.err, run.out)
        assert all(e["item"] is not None and e["error"] for e in run.json["media_errors"])
    queue = veil("queue", "--json", "--limit", "1000", url=db_url).json
    assert len(queue) == 46


def test_watch_takes_new_files(db_url: str, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    command = [str(VEIL), "--db", db_url, "ingest", "--watch", str(drop), "--json", "--interval", "0.1", "--as", "root"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            staging = tmp_path / "staging.jpg"
            Image.new("RGB", (64, 48), (200, 0, 0)).save(staging)
            staging.rename(drop / "photo.jpg")
            line = _read_line(process, timeout=60)
            report = json.loads(line)
            assert report["items_added"] == 1 and report["files"] == [str(drop / "photo.jpg")]
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
    assert process.returncode == 0
    assert len(veil("queue", "--json", url=db_url).json) == 1


def _read_line(process: subprocess.Popen[str], *, timeout: float) -> str:
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    if not selector.select(timeout=timeout):
        raise AssertionError(f"no output within {timeout} s")
    return process.stdout.readline()


def children(pid: int) -> set[int]:
    """The processes ``pid`` started (Linux's /proc; every thread's)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.update(int(child) for child in (task / "children").read_text().split())
    return found


def wait_for_exit(pids: set[int], timeout: float) -> set[int]:
    """Those of ``pids`` still running after ``timeout`` seconds.

    A pidfd turns readable when its process ends (zombie or not), so this
    waits on the kernel's word rather than polling.
    """
    deadline = time.monotonic() + timeout
    alive = set()
    for pid in pids:
        try:
            handle = os.pidfd_open(pid)
        except ProcessLookupError:
            continue  # gone already
        with selectors.DefaultSelector() as selector:
            selector.register(handle, selectors.EVENT_READ)
            if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                alive.add(pid)
        os.close(handle)
    return alive


def test_kill_during_a_big_ingest_loses_nothing_and_a_rerun_finishes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'veil.sqlite3'}"
    feed = tmp_path / "big.jsonl"
    with feed.open("w", encoding="utf-8") as out:
        for n in range(60_000):
            out.write(json.dumps({"id": n, "text": f"Report {n}: wounded civilians +18, images"}) + "\n")
    command = [str(VEIL), "--db", url, "ingest", str(feed), "--as", "root"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        assert process.stderr is not None
        selector = selectors.DefaultSelector()
        selector.register(process.stderr, selectors.EVENT_READ)
        workers: set[int] = set()
        while not workers:  # until the pool has started (from the second chunk on)
            assert selector.select(timeout=120), "no progress line"
            progress = process.stderr.readline()
            assert progress.startswith("ingest:"), progress
            workers = children(process.pid)
        process.kill()  # SIGKILL: no cleanup of any kind
        process.wait(timeout=30)

    # The pool's workers end too, rather than wait for tasks for good.
    assert not wait_for_exit(workers, timeout=30), "worker processes outlived the killed ingest"

    verify = veil("audit", "verify", "--json", url=url, user="root")
    assert verify.code == 0, verify.err
    partial = len(veil("queue", "--json", "--limit", "100000", url=url).json)
    assert 0 < partial < 60_000

    rerun = veil("ingest", "--json", "--quiet", str(feed), url=url, user="root")
    assert rerun.code == 0, rerun.err
    assert rerun.json["items_added"] + rerun.json["items_duplicate"] == 60_000
    assert rerun.json["items_duplicate"] == partial
    # Every item went in whole: each with its one 18+ marker, none without.
    with sqlite3.connect(tmp_path / "veil.sqlite3") as conn:
        items = conn.execute("SELECT count(*) FROM item").fetchone()[0]
        marked = conn.execute("SELECT count(DISTINCT item_id), count(*) FROM marker WHERE code = '18+'").fetchone()
    conn.close()
    assert items == 60_000 and marked == (60_000, 60_000)


def test_nul_bytes_and_huge_lines_in_a_manifest(db_url: str, tmp_path: Path) -> None:
    manifest = tmp_path / "hostile.jsonl"
    with manifest.open("w", encoding="utf-8") as out:
        out.write(json.dumps({"id": "nul", "text": "before\u0000after +18", "author": "a\u0000b"}) + "\n")
        out.write(json.dumps({"id": "huge", "text": "x" * (50 * 1024 * 1024)}) + "\n")
        out.write(json.dumps({"id": "fine", "text": "an ordinary line"}) + "\n")
    run = veil("ingest", "--json", "--quiet", str(manifest), url=db_url, user="root")
    assert run.code == 1, run.err
    assert run.json["items_added"] == 3
    assert [e["error"] for e in run.json["errors"]] == ["line 2: text cut at 100,000 characters (it had 52,428,800)"]
    texts = {e["text"][:12] for e in veil("queue", "--json", url=db_url).json}
    assert "before\ufffdafter" in texts


def test_workers_option_sets_the_pool_and_refuses_nonsense(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    for n in range(10):  # above the pool threshold, so the one worker really runs
        Image.new("RGB", (64 + n, 48), (n * 20, 90, 160)).save(folder / f"p{n}.png")
    run = veil("ingest", "--json", "--quiet", "--workers", "1", str(folder), url=db_url, user="root")
    assert run.code == 0, run.err
    assert run.json["items_added"] == 10 and run.json["media_added"] == 10
    for bad in ("0", "-2", "many"):
        refused = veil("ingest", "--workers", bad, str(folder), url=db_url, user="root")
        assert refused.code == 2
        assert "--workers" in refused.err and "at least 1" in refused.err


def test_a_pipe_is_read_once_for_detection_and_reading(db_url: str, tmp_path: Path) -> None:
    bullets = "".join(f"• bulletin {n}: the road to the north is closed again\n" for n in range(2000))
    as_file = tmp_path / "bullets.txt"
    as_file.write_text(bullets, encoding="utf-8")
    command = [str(VEIL), "--db", db_url, "--json", "ingest", "/dev/stdin", "--as", "root"]
    piped = subprocess.run(command, input=bullets, capture_output=True, text=True, timeout=120, check=False)
    assert piped.returncode == 0, piped.stderr
    assert json.loads(piped.stdout)["items_added"] == 2000
    again = veil("--json", "ingest", str(as_file), url=db_url, user="root")
    assert again.json["items_added"] == 0  # the same 2,000 items, read from a file: all there already


def test_an_endless_device_is_refused_unopened(db_url: str) -> None:
    run = veil("--json", "ingest", "/dev/zero", url=db_url, user="root")
    assert run.code == 1
    (error,) = run.json["errors"]
    assert error["path"] == "/dev/zero" and "character device" in error["error"]
