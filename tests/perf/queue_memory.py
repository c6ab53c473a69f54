"""The queue list's memory after scrolling through 1,000,000 items, against the same at 1,000.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.perf.queue_memory [--items N] [--steps N]``.

Fills an SQLite file by bulk insert (:func:`tests.perf.bench_review_loop.fill`),
then opens the real review window offscreen in a fresh process and drags
the queue list's scroll bar to its maximum in ``--steps`` steps, waiting
after each until the rows in sight are loaded. Reports the process's
resident memory after opening (the baseline of the same process), its peak
(``VmHWM``) and what it holds at the end (``VmRSS``), the time to scroll,
and the longest the event loop went without a turn while scrolling (a
frozen window would show there). The same run at 1,000 items is the
baseline the ratios are taken against.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.perf.bench_review_loop import fill
from tests.perf.table import record

GOAL_MB = 300.0


def memory() -> dict[str, float]:
    """This process's resident memory now and at its peak, in MB."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return {name: int(fields[name].split()[0]) / 1024 for name in ("VmRSS", "VmHWM")}


def child(url: str, steps: int) -> dict[str, Any]:
    """Runs in its own process: the window, offscreen, its list scrolled to the end."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ["VEIL_DB_URL"] = url
    os.environ["VEIL_USER"] = "bench"
    from PySide6.QtCore import QEventLoop, QTimer

    from desktop import config
    from desktop.ui.app import make_application
    from desktop.ui.queue_model import ItemIdRole
    from desktop.ui.review_window import ReviewWindow
    from desktop.ui.theme import apply_theme

    app = make_application([])
    settings = config.load()
    apply_theme(app, settings.values.theme, settings.values.font_size_pt)
    loop = QEventLoop()

    def wait(done: Any, what: str, timeout_s: float = 60.0) -> None:
        deadline = time.perf_counter() + timeout_s
        while not done():
            if time.perf_counter() > deadline:
                raise SystemExit(f"timed out waiting for {what}")
            loop.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)

    begun = time.perf_counter()
    window = ReviewWindow(settings)
    shown: list[int] = []
    window.item_shown.connect(shown.append)
    window.resize(1440, 900)
    window.show()
    window.open_database()
    gc.freeze()  # as desktop.ui.app.run does
    model, table = window.model, window.queue.table
    wait(lambda: shown and model.rowCount() > 0, "the first item and the list")
    opened_s = time.perf_counter() - begun
    opened = memory()

    def in_sight() -> range:
        top = max(0, table.rowAt(0))
        bottom = table.rowAt(table.viewport().height() - 1)
        return range(top, (model.rowCount() - 1 if bottom < 0 else bottom) + 1)

    def loaded() -> bool:
        return all(model.is_loaded(row) for row in in_sight())

    # The event loop's longest time without a turn while scrolling: a timer that asks for every turn.
    gaps = [0.0]
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps[0] = max(gaps[0], now - last[0])
        last[0] = now

    ticker = QTimer()
    ticker.setInterval(0)
    ticker.timeout.connect(tick)
    bar = table.verticalScrollBar()
    started = time.perf_counter()
    last[0] = started
    ticker.start()
    for step in range(1, steps + 1):
        bar.setValue(round(bar.maximum() * step / steps))
        wait(loaded, f"the rows in sight at step {step}")
    ticker.stop()
    scrolled_s = time.perf_counter() - started
    last_row = model.data(model.index(model.rowCount() - 1, 0), ItemIdRole)
    end = memory()
    window.close()
    return {
        "rows": model.rowCount(),
        "last_item": last_row,
        "opened_s": opened_s,
        "opened_mb": opened["VmRSS"],
        "peak_mb": end["VmHWM"],
        "final_mb": end["VmRSS"],
        "scroll_s": scrolled_s,
        "stall_ms": gaps[0] * 1000,
    }


def measure(folder: Path, items: int, steps: int) -> dict[str, Any]:
    url = f"sqlite:///{folder / f'queue-{items}.sqlite3'}"
    fill(url, items, with_media=0)
    done = subprocess.run(
        [sys.executable, "-m", "tests.perf.queue_memory", "--child", url, "--steps", str(steps)],
        capture_output=True, text=True, check=False, env={**os.environ, "VEIL_DATA_DIR": str(folder / "data")},
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"the window process failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if result["rows"] != items:
        raise SystemExit(f"the list shows {result['rows']:,} rows of {items:,}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--baseline-items", type=int, default=1_000)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.steps)))
        return
    with tempfile.TemporaryDirectory(prefix="veil-bench-queue-") as tmp:
        folder = Path(tmp)
        print(f"load average at the start: {os.getloadavg()[0]:.2f}")
        rows = [(n, measure(folder, n, args.steps)) for n in (args.baseline_items, args.items)]
    print(
        f"{'items':>10} {'open s':>7} {'opened MB':>10} {'peak MB':>8} {'final MB':>9} {'scroll s':>9} {'stall ms':>9}"
    )
    for n, r in rows:
        print(
            f"{n:>10,} {r['opened_s']:7.2f} {r['opened_mb']:10.0f} {r['peak_mb']:8.0f} {r['final_mb']:9.0f} "
            f"{r['scroll_s']:9.2f} {r['stall_ms']:9.0f}"
        )
    (_, small), (_, large) = rows
    print(
        f"ratios {args.items:,} / {args.baseline_items:,}: peak x{large['peak_mb'] / small['peak_mb']:.2f}, "
        f"final x{large['final_mb'] / small['final_mb']:.2f}, scroll x{large['scroll_s'] / small['scroll_s']:.2f}"
    )
    verdict = "met" if large["peak_mb"] <= GOAL_MB else "NOT met"
    print(f"target peak RSS <= {GOAL_MB:g} MB at {args.items:,} items: {large['peak_mb']:.0f} MB — {verdict}")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    label = f"queue list scrolled to the end, {args.items:,} items"
    baseline = f"{args.baseline_items:,} items"
    for what, key, goal in (("peak RSS", "peak_mb", GOAL_MB), ("final RSS", "final_mb", GOAL_MB)):
        record(f"{label}: {what}", large[key], "MB", goal=goal, baseline=small[key], baseline_what=baseline)
    record(f"{label}: time to scroll", large["scroll_s"], "s", baseline=small["scroll_s"], baseline_what=baseline)


if __name__ == "__main__":
    main()
