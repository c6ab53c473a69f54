"""An ingest killed (SIGKILL, workers too) after it sealed copies into the
media store but before its commit leaves copies no row refers to. The same
ingest run again on the same workstation (or a watch started again) removes
them at once, from the copy journal its killed processes left: every item
once, and no file in the store that no row refers to. Copies made elsewhere (no journal here) wait for
``veil media seal``, which removes them once they are older than any ingest
still on its way in could be, and nothing else: not a referenced copy, not a
file of another name."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

from PIL import Image
from sqlalchemy import create_engine, text

from desktop.core.ingest.sealing import ORPHAN_AGE_S
from desktop.core.media.originals import file_uri_path
from tests.e2e.test_cli import VEIL, veil
from tests.e2e.test_media_store import system_file

PHOTOS = 24
WAIT_S = 60.0
# Single photos given as inputs of their own: the ingest's own process copies them, not a worker.
SINGLES = 2
MOMENTS = 4


def _photos(folder: Path) -> None:
    folder.mkdir()
    for n in range(PHOTOS):
        Image.effect_noise((400, 300), 30 + n).convert("RGB").save(folder / f"scene-{n}.png")


def _copies(store: Path) -> set[Path]:
    return {path for path in store.glob("??/*") if path.is_file()}


def _started(url: str, inputs: list[Path], env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [str(VEIL), "--db", url, "ingest", "--quiet", *map(str, inputs), "--as", "root"]
    return subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **env},
        start_new_session=True,
    )  # fmt: skip


def _killed_at_first_copy(url: str, incoming: Path, env: dict[str, str], store: Path) -> None:
    """Start an ingest; kill it, and its workers, once a first copy is in the store."""
    process = _started(url, [incoming], env)
    try:
        deadline = time.monotonic() + WAIT_S
        while not _copies(store):  # a bounded poll of the store: the moment is a copy made, not a time
            assert process.poll() is None, "the ingest ended before making a copy"
            assert time.monotonic() < deadline, "no copy made"
            time.sleep(0.005)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=WAIT_S)


def _killed_after(url: str, inputs: list[Path], env: dict[str, str], seconds: float) -> int | None:
    """Start an ingest and kill it, and its workers, after ``seconds`` (None: it finished first, with its exit code)."""
    process = _started(url, inputs, env)
    try:
        return process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=WAIT_S)
        return None


def _referenced(url: str) -> tuple[int, set[Path]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            items = conn.execute(text("SELECT count(*) FROM item")).scalar_one()
            paths = {file_uri_path(str(uri)) for (uri,) in conn.execute(text("SELECT uri FROM media"))}
    finally:
        engine.dispose()
    return int(items), {path for path in paths if path is not None}


def _age(paths: set[Path], seconds: float) -> None:
    """As if ``seconds`` had passed since these files were written."""
    for path in paths:
        then = path.stat().st_mtime - seconds
        os.utime(path, (then, then))


def _journals() -> set[Path]:
    """The copy journals this workstation holds (the tests' data folder)."""
    return set((Path(os.environ["VEIL_DATA_DIR"]) / "store-journal").glob("*/*.journal"))


def test_an_ingest_killed_at_a_copy_and_at_seeded_moments_then_run_again_leaves_no_orphan(
    db_url: str, tmp_path: Path
) -> None:
    incoming, store = tmp_path / "incoming", tmp_path / "share"
    _photos(incoming)
    singles = []
    for n in range(SINGLES):
        single = tmp_path / f"single-{n}.png"
        Image.effect_noise((300, 200), 80 + n).convert("RGB").save(single)
        singles.append(single)
    inputs = [incoming, *singles]
    store.mkdir()
    env = system_file(tmp_path, store)

    _killed_at_first_copy(db_url, incoming, env, store)
    assert _copies(store) - _referenced(db_url)[1]  # the kill landed between a copy and its commit
    assert _journals()

    # The moments are shares of a whole run on this machine (timed on a scratch
    # database and store, whose journals are kept apart), as in test_ingest_killed.
    scratch = tmp_path / "scratch"
    (scratch / "share").mkdir(parents=True)
    scratch_env = system_file(scratch, scratch / "share")
    started = time.monotonic()
    assert _killed_after(f"sqlite:///{scratch / 'timing.sqlite3'}", inputs, scratch_env, 600) == 0
    whole = time.monotonic() - started
    shares = random.Random(15).sample([0.1 + 0.1 * n for n in range(9)], MOMENTS)
    finished_first = [share for share in shares if _killed_after(db_url, inputs, env, whole * share) is not None]
    assert len(finished_first) < MOMENTS, (whole, finished_first)  # most runs were cut short

    finished = veil("--json", "ingest", "--quiet", *map(str, inputs), url=db_url, user="root", env=env)
    assert finished.code == 0, finished.err
    items, referenced = _referenced(db_url)
    assert items == PHOTOS + SINGLES and len(referenced) == PHOTOS + SINGLES
    # Every media row's copy is there, and nothing else: no orphan, no half-made copy.
    assert _copies(store) == referenced
    assert not any(path.name.endswith(".partial") for path in store.rglob("*"))


def test_copies_left_by_a_killed_ingest_elsewhere_are_removed_by_media_seal_once_old_and_nothing_else(
    db_url: str, tmp_path: Path
) -> None:
    incoming, store = tmp_path / "incoming", tmp_path / "share"
    _photos(incoming)
    store.mkdir()
    env = system_file(tmp_path, store)
    _killed_at_first_copy(db_url, incoming, env, store)
    left = _copies(store)
    items, referenced = _referenced(db_url)
    orphans = left - referenced
    assert orphans  # the kill landed between a copy and its commit
    # As if the ingest had run on another workstation: this one has no journal of it.
    shutil.rmtree(Path(os.environ["VEIL_DATA_DIR"]) / "store-journal")

    finished = veil("--json", "ingest", "--quiet", str(incoming), url=db_url, user="root", env=env)
    assert finished.code == 0, finished.err
    items, referenced = _referenced(db_url)
    assert items == PHOTOS and len(referenced) == PHOTOS and referenced <= _copies(store)
    assert orphans <= _copies(store)  # the ingest itself does not walk the store

    # Young, they may be a colleague's ingest on its way in: kept.
    young = veil("--json", "media", "seal", "--quiet", url=db_url, user="root", env=env)
    assert young.code == 0, young.err
    assert young.json["orphans_removed"] == 0 and orphans <= _copies(store)

    a_day = ORPHAN_AGE_S + 60
    folder = next(iter(referenced)).parent
    foreign = {folder / "notes.txt", folder / ("e" * 32 + ".veil.bak"), store / ("f" * 32 + ".veil")}
    for path in foreign:
        path.write_text("not Veil's\n", encoding="utf-8")
    _age(_copies(store) | foreign, a_day)
    swept = veil("--json", "media", "seal", "--quiet", url=db_url, user="root", env=env)
    assert swept.code == 0, swept.err
    assert swept.json["orphans_removed"] == len(orphans)
    assert _copies(store) - {folder / "notes.txt", folder / ("e" * 32 + ".veil.bak")} == referenced
    assert all(path.exists() for path in foreign)
    again = veil("--json", "media", "seal", "--quiet", url=db_url, user="root", env=env)
    assert again.code == 0 and again.json["orphans_removed"] == 0


def test_a_watch_killed_mid_copy_leaves_no_orphan_once_a_watch_starts_again(db_url: str, tmp_path: Path) -> None:
    drop, store, empty = tmp_path / "drop", tmp_path / "share", tmp_path / "empty"
    _photos(drop)
    store.mkdir()
    empty.mkdir()
    env = system_file(tmp_path, store)
    watching = [str(VEIL), "--db", db_url, "ingest", "--watch", "--interval", "0.1", "--as", "root"]

    first = subprocess.Popen(
        [*watching, str(drop)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **env},
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + WAIT_S
        while not _copies(store):  # a bounded poll: the moment is a copy made
            assert first.poll() is None and time.monotonic() < deadline, "no copy made"
            time.sleep(0.005)
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=WAIT_S)
    _, referenced = _referenced(db_url)
    assert _copies(store) - referenced

    # A watch started again (here on another folder) begins by removing what the killed one left.
    again = subprocess.Popen(
        [*watching, str(empty)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **env}, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + WAIT_S
        while _copies(store) != referenced:
            assert again.poll() is None and time.monotonic() < deadline, "the orphans stayed"
            time.sleep(0.01)
    finally:
        os.killpg(again.pid, signal.SIGINT)
        _, err = again.communicate(timeout=WAIT_S)
    assert again.returncode == 0, err
    assert not any(path.name.endswith(".partial") for path in store.rglob("*"))
