"""``veil ingest`` under faults, with real processes and a real server: killed
(SIGKILL, workers too) at ten seeded moments, or its PostgreSQL server stopped
under it; then run again to the end: every item exactly once, no half item,
no medium without its item, the audit chain intact."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from typing import TYPE_CHECKING

import pytest
from PIL import Image
from sqlalchemy import create_engine, text

from tests.conftest import start_or_skip
from tests.e2e.test_cli import VEIL, veil

if TYPE_CHECKING:
    from pathlib import Path

ITEMS = 2400  # several chunks of 500
PHOTOS = 12
KILLS = 10


def _inputs(folder: Path) -> list[Path]:
    manifest = folder / "feed.jsonl"
    with manifest.open("w", encoding="utf-8") as out:
        for n in range(ITEMS):
            out.write(json.dumps({"id": f"post-{n}", "text": f"Update {n} from the front line"}) + "\n")
    photos = folder / "photos"
    photos.mkdir()
    for n in range(PHOTOS):
        Image.effect_noise((160, 120), 30 + 10 * n).convert("RGB").save(photos / f"scene-{n}.jpg")
    return [manifest, photos]


def _killed_after(url: str, inputs: list[Path], seconds: float) -> int | None:
    """Start an ingest and kill it, and every process it started, after ``seconds``
    (None: it finished first, with its exit code)."""
    command = [str(VEIL), "--db", url, "ingest", "--quiet", *map(str, inputs), "--as", "root"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        return process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the command and its preview workers, as a power cut would
        process.wait()
        return None


def test_an_ingest_killed_ten_times_then_finished_stores_everything_once(db_url: str, tmp_path: Path) -> None:
    inputs = _inputs(tmp_path)
    # The moments are shares of a whole run on this machine (timed on a scratch
    # database), so the kills land inside the ingest on a fast machine and a slow one.
    started = time.monotonic()
    assert _killed_after(f"sqlite:///{tmp_path / 'timing.sqlite3'}", inputs, 600) == 0
    whole = time.monotonic() - started
    moments = [whole * share for share in random.Random(15).sample([0.1 + 0.05 * n for n in range(17)], KILLS)]
    finished_first = [seconds for seconds in moments if _killed_after(db_url, inputs, seconds) is not None]
    # Most runs were cut short, or the test proves nothing.
    assert len(finished_first) <= KILLS // 2, (whole, finished_first)
    finished = veil("--json", "ingest", "--quiet", *map(str, inputs), url=db_url, user="root")
    assert finished.code == 0, finished.err
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            items, distinct = conn.execute(text("SELECT count(*), count(DISTINCT external_id) FROM item")).one()
            media = conn.execute(text("SELECT count(*) FROM media")).scalar_one()
            orphans = conn.execute(
                text("SELECT count(*) FROM media m LEFT JOIN item i ON i.id = m.item_id WHERE i.id IS NULL")
            ).scalar_one()
            empty = conn.execute(
                text(
                    "SELECT count(*) FROM item i WHERE i.source_id IN (SELECT id FROM source WHERE name = 'photos') "
                    "AND NOT EXISTS (SELECT 1 FROM media m WHERE m.item_id = i.id)"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    assert items == distinct == ITEMS + PHOTOS
    assert media == PHOTOS and orphans == 0 and empty == 0  # no half item, no medium without its item
    verified = veil("--json", "audit", "verify", url=db_url, user="root")
    assert verified.code == 0 and verified.json["ok"], verified.out


@pytest.fixture
def db_url(db_url: str) -> str:
    """The database, its first user (root) made as the admin."""
    made = veil("users", "add", "amira", "--role", "moderator", url=db_url, user="root")
    assert made.code == 0, made.err
    return db_url


def test_an_ingest_whose_server_stops_says_so_and_a_second_run_stores_the_rest_once(tmp_path: Path) -> None:
    server = start_or_skip()  # its own server: this test stops it
    try:
        url = server.url()
        assert veil("users", "add", "amira", "--role", "moderator", url=url, user="root").code == 0
        manifest = tmp_path / "feed.jsonl"
        with manifest.open("w", encoding="utf-8") as out:
            for n in range(20 * 500):
                out.write(json.dumps({"id": f"post-{n}", "text": f"Update {n}"}) + "\n")
        command = [str(VEIL), "--db", url, "ingest", str(manifest), "--as", "root"]
        with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as process:
            assert process.stderr is not None
            # The progress line says the first chunks are in: then the server goes, as in a crash.
            for line in process.stderr:
                if line.startswith("ingest: ") and not line.startswith("ingest: 0 added"):
                    break
            server.pause()
            rest = process.stderr.read()
            assert process.wait(timeout=120) == 2
        assert "veil: error: cannot connect to" in rest, rest
        server.resume()
        again = veil("--json", "ingest", "--quiet", str(manifest), url=url, user="root")
        assert again.code == 0, again.err
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                counted = conn.execute(text("SELECT count(*), count(DISTINCT external_id) FROM item")).one()
        finally:
            engine.dispose()
        assert tuple(counted) == (20 * 500, 20 * 500)
        assert again.json["items_added"] + again.json["items_duplicate"] == 20 * 500
        verified = veil("--json", "audit", "verify", url=url, user="root")
        assert verified.code == 0 and verified.json["ok"], verified.out
    finally:
        server.stop()
