"""Ingest throughput: 100,000 generated text items into SQLite.

Run: ``.venv/bin/python -m tests.perf.bench_ingest [--items N] [--format text|jsonl]``.

Prints items/s (goal: >= 5,000/s), the peak memory of the process, and a
baseline measured in the same run: the time to merely read and split the
same file into drafts, so the ratio shows what markers, language, storing
and committing cost on top of reading.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import tempfile
import time
from pathlib import Path

from desktop.core.ingest.files import detect_format, ingest_files, read
from desktop.core.workspace import open_workspace

PHRASES = (
    "Rescue teams reached the collapsed building in the north of the city",
    "The ministry published aerial images of the front line",
    "Residents report heavy shelling overnight; at least three people were wounded",
    "+21 Footage shows the aftermath of the strike on the market",
    "Officials said the bridge would reopen next week after repairs",
    "18+ Photos from the hospital show injured civilians",
    "Evacuación de civiles heridos bajo fuego, imágenes fuertes",
    "Внимание! шок-контент: кадры с места обстрела",
    "The weather service expects +21 °C in the capital tomorrow",
    "Talks resumed in the afternoon with no breakthrough reported",
)


def generate(path: Path, items: int, fmt: str) -> None:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8") as out:
        for n in range(items):
            text = f"{rng.choice(PHRASES)} (report {n}). {rng.choice(PHRASES)}."
            if fmt == "jsonl":
                out.write(json.dumps({"id": n, "text": text}, ensure_ascii=False) + "\n")
            else:
                out.write(f"{n // 60 % 24:02d}:{n % 60:02d} • {text}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--format", choices=["text", "jsonl"], default="text")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="veil-bench-"))
    try:
        feed = folder / f"feed-2026-11-20.{'jsonl' if args.format == 'jsonl' else 'txt'}"
        generate(feed, args.items, args.format)
        kind = detect_format(feed)
        assert kind == args.format, kind

        begun = time.perf_counter()
        drafts = sum(1 for _ in read(feed, args.format))
        read_s = time.perf_counter() - begun
        assert drafts == args.items, drafts

        ws = open_workspace(f"sqlite:///{folder / 'bench.sqlite3'}")
        try:
            before_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            begun = time.perf_counter()
            report = ingest_files(ws.db, [feed], actor="bench", clock=ws.clock)
            ingest_s = time.perf_counter() - begun
            peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        finally:
            ws.close()
        assert report.items_added == args.items, report.as_dict()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    rate = args.items / ingest_s
    print(f"{args.items:,} {args.format} items into SQLite")
    print(
        f"ingest:   {ingest_s:6.2f} s  {rate:8,.0f} items/s  (goal >= 5,000/s: {'met' if rate >= 5000 else 'NOT met'})"
    )
    print(f"baseline: {read_s:6.2f} s  {args.items / read_s:8,.0f} items/s  (reading and splitting only)")
    print(f"ratio ingest/read time: {ingest_s / read_s:.1f}")
    print(f"peak memory: {peak_rss / 1024:.0f} MiB (before ingest: {before_rss / 1024:.0f} MiB)")


if __name__ == "__main__":
    main()
