"""The review loop at 1,000,000 items: key press to the next item on screen.

Run: ``.venv/bin/python -m tests.perf.bench_review_loop [--items N] [--decisions N]``.

Fills an SQLite file by bulk insert (ingest speed is measured elsewhere) in
the shape ingest writes, with a stored blurred preview on every item the
loop will reach, then runs the real review window offscreen in a fresh
process and presses A (approve) ``--decisions`` times, timing each press to
the moment the next item and its preview have been shown (the window's
``item_shown``, emitted after the event loop has handled the paint). Also:
start-up (window created to the first item shown) and the process's peak
resident memory. The same loop at 1,000 items in the same run is the
baseline the ratios are taken against: machines here are noisy.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageFilter
from sqlalchemy import insert

from db.models import Item, Marker, Media, Source
from desktop.core.workspace import open_workspace
from desktop.domain.review import ItemStatus

BATCH = 20_000
TARGETS = {"p95_ms": 50.0, "startup_s": 2.0, "rss_mb": 400.0}


def preview_jpeg() -> bytes:
    """A blurred 512x384 preview, the size ingest stores."""
    image = Image.effect_mandelbrot((512, 384), (-2.0, -1.2, 1.0, 1.2), 80).convert("RGB")
    out = io.BytesIO()
    image.filter(ImageFilter.GaussianBlur(11)).save(out, format="JPEG", quality=80)
    return out.getvalue()


def fill(url: str, items: int, with_media: int) -> None:
    """``items`` pending items; the first ``with_media`` in review order get a medium with a preview."""
    ws = open_workspace(url)
    jpeg = preview_jpeg()
    try:
        start = datetime(2026, 1, 1, tzinfo=UTC)
        with ws.db.write() as session:
            session.add(Source(id=1, name="bench", kind="bench", created_at=start))
        for first in range(0, items, BATCH):
            rows = [
                {
                    "id": n + 1,
                    "source_id": 1,
                    "external_id": f"e{n}",
                    "text": f"Item {n}: +21 footage from the front line, several wounded. " * 3,
                    "received_at": start + timedelta(seconds=n),
                    "severity": n % 4,
                    "priority": -(n % 4),
                    "status": ItemStatus.PENDING,
                    "content_hash": f"{n:064x}",
                    "media_withheld": False,
                    "language": "en",
                }
                for n in range(first, min(items, first + BATCH))
            ]
            markers = [
                {"item_id": r["id"], "code": "21+", "matched_text": "+21", "span_start": 11 + len(str(r["id"])),
                 "span_end": 14 + len(str(r["id"])), "rule": "age-21", "severity": 3, "kind": "explicit"}
                for r in rows if r["severity"] == 3
            ]  # fmt: skip
            with ws.db.write() as session:
                session.execute(insert(Item), rows)
                if markers:
                    session.execute(insert(Marker), markers)
        # Review order is most severe first, then oldest: items 3, 7, 11, ...
        first_ids = [n + 1 for n in range(3, items, 4)][:with_media]
        media = [
            {"item_id": item_id, "uri": f"file:///bench/{item_id}.jpg", "media_type": "image", "size_bytes": 4_000_000,
             "width": 4000, "height": 3000, "sha256": f"{item_id:064x}", "preview": jpeg, "frames": 1}
            for item_id in first_ids
        ]  # fmt: skip
        with ws.db.write() as session:
            if media:
                session.execute(insert(Media), media)
    finally:
        ws.close()


def child(url: str, decisions: int) -> dict[str, Any]:
    """Runs in its own process: the window, offscreen, driven by key presses."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ["VEIL_DB_URL"] = url
    os.environ["VEIL_USER"] = "bench"
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from desktop import config
    from desktop.ui.app import make_application
    from desktop.ui.review_window import ReviewWindow
    from desktop.ui.theme import apply_theme

    app = make_application([])
    settings = config.load()
    apply_theme(app, settings.values.theme, settings.values.font_size_pt)
    shown: list[tuple[float, int]] = []

    def wait_for_item(timeout_ms: int = 30_000) -> int:
        loop = QEventLoop()
        count = len(shown)
        QTimer.singleShot(timeout_ms, loop.quit)
        while len(shown) == count:
            loop.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
        return shown[-1][1]

    begun = time.perf_counter()
    window = ReviewWindow(settings)
    window.item_shown.connect(lambda item: shown.append((time.perf_counter(), item)))
    window.resize(1440, 900)
    window.show()
    window.open_database()
    first = wait_for_item()
    startup = shown[-1][0] - begun
    assert first, "the queue was empty"
    with_preview = bool(window.current and window.current.previews)

    latencies = []
    for _ in range(decisions):
        target = QApplication.focusWidget() or window
        pressed = time.perf_counter()
        QTest.keyClick(target, Qt.Key.Key_A)
        item = wait_for_item()
        latencies.append((shown[-1][0] - pressed) * 1000)
        assert item, "ran out of items"
    window.close()
    status = Path("/proc/self/status").read_text()
    rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")) / 1024
    ordered = sorted(latencies)
    return {
        "startup_s": startup,
        "p50_ms": statistics.median(latencies),
        "p95_ms": ordered[int(len(ordered) * 0.95) - 1],
        "max_ms": ordered[-1],
        "rss_mb": rss,
        "with_preview": with_preview,
    }


def measure(folder: Path, items: int, decisions: int) -> dict[str, Any]:
    url = f"sqlite:///{folder / f'review-{items}.sqlite3'}"
    begun = time.perf_counter()
    fill(url, items, with_media=decisions + 50)
    filled = time.perf_counter() - begun
    done = subprocess.run(
        [sys.executable, "-m", "tests.perf.bench_review_loop", "--child", url, "--decisions", str(decisions)],
        capture_output=True, text=True, check=False, env={**os.environ, "VEIL_DATA_DIR": str(folder / "data")},
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"the window process failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["fill_s"] = filled
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--baseline-items", type=int, default=1_000)
    parser.add_argument("--decisions", type=int, default=200)
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.decisions)))
        return
    with tempfile.TemporaryDirectory(prefix="veil-bench-review-") as tmp:
        folder = Path(tmp)
        print(f"load average at the start: {os.getloadavg()[0]:.2f}")
        rows = [(n, measure(folder, n, args.decisions)) for n in (args.baseline_items, args.items)]
    print(f"{'items':>10} {'fill s':>7} {'start s':>8} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'RSS MB':>7}")
    for n, r in rows:
        print(
            f"{n:>10,} {r['fill_s']:7.1f} {r['startup_s']:8.2f} {r['p50_ms']:7.1f} {r['p95_ms']:7.1f} "
            f"{r['max_ms']:7.1f} {r['rss_mb']:7.0f}"
        )
    (_, small), (_, large) = rows
    print(
        f"ratios {args.items:,} / {args.baseline_items:,}: p50 x{large['p50_ms'] / small['p50_ms']:.2f}, "
        f"p95 x{large['p95_ms'] / small['p95_ms']:.2f}, start-up x{large['startup_s'] / small['startup_s']:.2f}"
    )
    for key, target in TARGETS.items():
        verdict = "met" if large[key] < target else "NOT met"
        print(f"target {key} < {target:g} at {args.items:,} items: {large[key]:.2f} — {verdict}")
    print(f"previews on the items decided: {large['with_preview']}; load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
