"""One table of every benchmark's figures, each beside its baseline from the same run.

Each benchmark calls :func:`record` for every figure it measures; when
``VEIL_BENCH_RESULTS`` names a file (``make bench`` sets it), the figure is
appended there as one JSON line. ``python -m tests.perf.table FILE`` then
prints them all as one table: the figure, its baseline (what it is and its
value), their ratio, the goal and whether it is met. Machines here are noisy,
so the ratio to a baseline measured in the same run is the figure to compare
across runs; the absolute value is what the goal is stated in.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path


def record(
    what: str,
    value: float,
    unit: str,
    *,
    goal: float | None = None,
    higher_is_better: bool = False,
    baseline: float | None = None,
    baseline_what: str = "",
) -> None:
    """Note one figure for the table (nothing happens unless ``VEIL_BENCH_RESULTS`` is set).

    ``goal`` is the bound the figure must meet: at most ``goal``, or at
    least it when ``higher_is_better``.
    """
    where = os.environ.get("VEIL_BENCH_RESULTS")
    if not where:
        return
    row = {
        "what": what,
        "value": value,
        "unit": unit,
        "goal": goal,
        "higher_is_better": higher_is_better,
        "baseline": baseline,
        "baseline_what": baseline_what,
    }
    with Path(where).open("a", encoding="utf-8") as out:
        out.write(json.dumps(row) + "\n")


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def render(rows: list[dict[str, object]]) -> str:
    header = ("figure", "value", "baseline (same run)", "ratio", "goal", "met")
    lines: list[tuple[str, ...]] = [header]
    for row in rows:
        value, unit = float(row["value"]), str(row["unit"])  # type: ignore[arg-type]
        baseline = row.get("baseline")
        goal = row.get("goal")
        higher = bool(row.get("higher_is_better"))
        if baseline is not None:
            base = f"{_number(float(baseline))} {unit} ({row['baseline_what']})"  # type: ignore[arg-type]
            ratio = f"x{value / float(baseline):.2f}" if float(baseline) else "-"  # type: ignore[arg-type]
        else:
            base, ratio = "-", "-"
        if goal is None:
            target, met = "-", "-"
        else:
            bound = float(goal)  # type: ignore[arg-type]
            target = f"{'>=' if higher else '<='} {_number(bound)} {unit}"
            met = "yes" if (value >= bound if higher else value <= bound) else "NO"
        lines.append((str(row["what"]), f"{_number(value)} {unit}", base, ratio, target, met))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for n, line in enumerate(lines):
        out.append("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
        if n == 0:
            out.append("  ".join("-" * width for width in widths))
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("results", type=Path, help="the JSON lines the benchmarks wrote")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.results.read_text(encoding="utf-8").splitlines() if line.strip()]
    print(f"load average now: {os.getloadavg()[0]:.2f}")
    print(render(rows))


if __name__ == "__main__":
    main()
