"""Ingest of 12 MP JPEGs: ``veil ingest --workers 2`` against ``--workers 1``, and against the decode floor.

Run: ``.venv/bin/python -m tests.perf.bench_ingest_workers [--images N] [--rounds R] [--no-store]``.

Makes N distinct 4000x3000 JPEGs (a colour gradient under grain, 3-4 MB
each, like a camera's) once, in a folder kept in the temporary directory for
the next run, then times the whole command ``veil ingest FOLDER --workers W``
as a subprocess (start-up, workers, reading, SHA-256, PDQ, previews, sealing
into a media store, storing), each run into a new SQLite database and a new
media store. Runs alternate 1, 2, 1, 2... (R of each) and the medians are
compared: the machine is shared, and a run of one kind after the other would
put any change of load on one side.

The baseline, measured in the same run: the decode floor, the time to merely
read one of the JPEGs, hash it (SHA-256) and decode it at preview size with
Pillow's draft mode (see tests/perf/bench_previews.py), in this process on
one core. Goals (issue 16): 2 workers at least x1.8 the speed of 1; 1 worker
at most 1.3 times the floor per image.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from desktop.domain.previews import PREVIEW_EDGE
from tests.perf.table import record

WIDTH, HEIGHT = 4000, 3000
GRAIN = 14  # +-levels of uniform grain: with quality 90, about 3.3 MB a picture
SPEEDUP_GOAL = 1.8
FLOOR_GOAL = 1.3


def images(count: int) -> Path:
    """A folder of ``count`` distinct 12 MP JPEGs, made once and kept for the next run."""
    pool = Path(tempfile.gettempdir()) / "veil-bench-12mp"
    pool.mkdir(exist_ok=True)
    missing = [n for n in range(count) if not (pool / f"p{n:04d}.jpg").exists()]
    if missing:
        begun = time.perf_counter()
        rng = np.random.default_rng(16)
        # One field of grain, each picture a different window of it over its own gradient.
        grain = rng.integers(-GRAIN, GRAIN + 1, (HEIGHT + 256, WIDTH + 256, 3), dtype=np.int16)
        for n in missing:
            own = np.random.default_rng(n)
            corners = own.integers(20, 236, (3, 4, 3), dtype=np.uint8)
            field = Image.fromarray(corners).resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR)
            dy, dx = (int(v) for v in own.integers(0, 256, 2))
            pixels = np.asarray(field, dtype=np.int16) + grain[dy : dy + HEIGHT, dx : dx + WIDTH]
            partial = pool / f".p{n:04d}.jpg"
            Image.fromarray(pixels.clip(0, 255).astype(np.uint8)).save(partial, quality=90)
            partial.replace(pool / f"p{n:04d}.jpg")
        print(f"made {len(missing)} 12 MP JPEGs in {time.perf_counter() - begun:.0f} s ({pool})")
    # The set ingested: links to the first ``count`` of the pool.
    folder = pool / f"set-{count}"
    if not folder.is_dir() or len(list(folder.iterdir())) != count:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        for n in range(count):
            os.link(pool / f"p{n:04d}.jpg", folder / f"p{n:04d}.jpg")
    return folder


def floor_ms(paths: list[Path]) -> tuple[float, float]:
    """The median milliseconds to read, hash and decode one JPEG at preview size (draft mode):
    wall time, and this process's CPU time (which a loaded machine changes least)."""
    times, cpu = [], []
    for path in paths:
        begun, begun_cpu = time.perf_counter(), time.process_time()
        data = path.read_bytes()
        hashlib.sha256(data).hexdigest()
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            scale = PREVIEW_EDGE / max(width, height)
            image.draft("RGB", (round(width * scale), round(height * scale)))
            image.load()
        times.append(time.perf_counter() - begun)
        cpu.append(time.process_time() - begun_cpu)
    return statistics.median(times) * 1000, statistics.median(cpu) * 1000


def ingest_s(folder: Path, workers: int, scratch: Path, *, store: bool) -> tuple[float, float]:
    """Seconds the whole ``veil ingest --workers N FOLDER`` takes, into a new database (and store),
    and the CPU seconds it and its workers spent (what a loaded machine changes least)."""
    run = scratch / f"run-{time.monotonic_ns()}"
    run.mkdir()
    env = {
        **os.environ,
        "VEIL_CONFIG": str(run / "user.toml"),  # nobody's own settings
        "VEIL_DATA_DIR": str(run / "data"),
        "VEIL_LOG_DIR": str(run / "logs"),
    }
    settings = run / "system.toml"
    if store:
        (run / "store").mkdir()
        settings.write_text(f'media_store = "{run / "store"}"\n', encoding="utf-8")
    else:
        settings.write_text("", encoding="utf-8")
    env["VEIL_SYSTEM_CONFIG"] = str(settings)
    veil = Path(sys.executable).with_name("veil")
    command = [str(veil), "--db", f"sqlite:///{run / 'veil.sqlite3'}", "ingest", "--as", "bench", "--json"]
    command += ["--quiet", "--workers", str(workers), str(folder)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    begun = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - begun
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if done.returncode != 0:
        raise SystemExit(f"veil ingest failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    report = json.loads(done.stdout)
    count = len(list(folder.iterdir()))
    if report["media_added"] != count or report["media_errors"]:
        raise SystemExit(f"veil ingest stored {report['media_added']} of {count} images: {report['media_errors'][:3]}")
    shutil.rmtree(run, ignore_errors=True)
    return elapsed, cpu


def load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each worker count, alternating")
    parser.add_argument("--no-store", action="store_true", help="no media store: media referred to where they are")
    args = parser.parse_args()
    folder = images(args.images)
    paths = sorted(folder.iterdir())
    size = sum(path.stat().st_size for path in paths) / len(paths) / 1e6
    store = not args.no_store
    print(f"{len(paths)} JPEGs {WIDTH}x{HEIGHT}, {size:.1f} MB each; {os.cpu_count()} CPUs; media store: {store}")
    print(f"load average at the start: {load()}")

    floor_ms(paths[:3])  # warm-up: imports, the page cache
    floors, floors_cpu = [], []
    times: dict[int, list[float]] = {1: [], 2: []}
    cpus: dict[int, list[float]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory(prefix="veil-bench-ingest-") as scratch:
        for _ in range(args.rounds):
            for workers in (1, 2):
                wall, cpu_ms = floor_ms(paths[:20])
                floors.append(wall)
                floors_cpu.append(cpu_ms)
                seconds, cpu = ingest_s(folder, workers, Path(scratch), store=store)
                times[workers].append(seconds)
                cpus[workers].append(cpu)
                print(f"  --workers {workers}: {seconds:6.2f} s, {cpu:6.2f} CPU s  (load {load()})")
    floor, floor_cpu = statistics.median(floors), statistics.median(floors_cpu)
    one, two = statistics.median(times[1]), statistics.median(times[2])
    speedup = one / two
    per_image = one / len(paths) * 1000
    print(
        f"decode floor (read + SHA-256 + draft decode at preview size, one core): {floor:.1f} ms per image"
        f" ({floor_cpu:.1f} ms of CPU)"
    )
    print(f"--workers 1: {one:6.2f} s  {per_image:6.1f} ms per image  x{per_image / floor:.2f} the floor")
    print(f"--workers 2: {two:6.2f} s  {two / len(paths) * 1000:6.1f} ms per image")
    cpu_one, cpu_two = statistics.median(cpus[1]), statistics.median(cpus[2])
    print(
        f"CPU seconds, the command and its workers: {cpu_one:.2f} with 1 worker, {cpu_two:.2f} with 2"
        f" ({cpu_one / len(paths) * 1000:.1f} ms per image, x{cpu_one / len(paths) / floor_cpu * 1000:.2f}"
        " the floor's CPU)"
    )
    met = "met" if speedup >= SPEEDUP_GOAL else "NOT met"
    print(f"speed-up 2 workers / 1: x{speedup:.2f} (goal >= x{SPEEDUP_GOAL}: {met})")
    ratio = per_image / floor
    met = "met" if ratio <= FLOOR_GOAL else "NOT met"
    print(f"1 worker per image / floor: x{ratio:.2f} (goal <= x{FLOOR_GOAL}: {met})")
    print(f"medians of {args.rounds} alternating runs each; load average at the end: {load()}")
    record(
        f"ingest {len(paths)} 12 MP JPEGs, --workers 2 speed-up",
        speedup,
        "x",
        goal=SPEEDUP_GOAL,
        higher_is_better=True,
    )
    record(
        f"ingest {len(paths)} 12 MP JPEGs, --workers 2",
        two,
        "s",
        baseline=one,
        baseline_what="--workers 1",
    )
    record(
        "ingest --workers 1, per 12 MP JPEG",
        per_image,
        "ms",
        goal=FLOOR_GOAL * floor,
        baseline=floor,
        baseline_what="decode floor: read, hash, draft decode",
    )


if __name__ == "__main__":
    main()
