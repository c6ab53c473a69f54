"""``veil ingest``: files and folders into the queue, once or as a watched folder."""

from __future__ import annotations

import contextlib
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.cli.output import ProgressLine, say
from desktop.domain.errors import UsageError

if TYPE_CHECKING:
    import argparse

    from desktop.app.veil import Veil
    from desktop.cli.context import Context
    from desktop.domain.ingest import IngestReport


def ingest(args: argparse.Namespace, ctx: Context) -> int:
    veil = ctx.signed_in()
    if args.watch:
        return _watch(args, ctx, veil)
    progress: ProgressLine[IngestReport] = ProgressLine(
        lambda report, seconds: (
            f"ingest: {report.items_added:,} added, {report.items_duplicate:,} already present, "
            f"{len(report.errors):,} errors ({report.items_added / max(seconds, 1e-9):,.0f} items/s)"
        ),
        enabled=not args.quiet,
    )
    stored = (0, 0)  # items added and found present, as of the last chunk committed

    def step(report: IngestReport) -> None:
        nonlocal stored
        stored = (report.items_added, report.items_duplicate)  # called once each chunk is committed
        progress(report)

    try:
        report = veil.ingest.files(
            [Path(p) for p in args.paths], fmt=args.format, source=args.source, workers=args.workers, progress=step
        ).value
    except KeyboardInterrupt:
        # Ctrl+C: the chunk in hand rolled back and the workers stopped; what
        # was committed stays, and the same ingest run again adds the rest.
        progress.done()
        added, present = stored
        ctx.emit(
            {"items_added": added, "items_duplicate": present, "interrupted": True},
            lambda: say(f"interrupted: {added} items added, {present} already present; run again to take the rest"),
        )
        return 130
    progress.done()

    def human() -> None:
        say(
            f"{report.items_added} items added, {report.items_duplicate} already present, "
            f"{report.media_added} media ({len(report.media_errors)} could not be shown)"
        )
        for error in report.errors:
            say(f"error: {error.path}: {error.error}")
        for media in report.media_errors:
            item = "item not stored" if media.item is None else f"item {media.item}"
            say(f"media error: {media.path} ({item}): {media.error}")

    ctx.emit(report.as_dict(), human)
    # A medium nobody can see is as much a failure as an input not read: the item waits without it.
    return 1 if report.errors or report.media_errors else 0


def _watch(args: argparse.Namespace, ctx: Context, veil: Veil) -> int:
    if len(args.paths) != 1 or not Path(args.paths[0]).is_dir():
        raise UsageError("--watch takes one folder")
    root = Path(args.paths[0])
    say(f"watching {root} (Ctrl+C to stop)")
    batches = veil.ingest.watch(root, source=args.source, workers=args.workers, interval=args.interval)
    # closing(): the workers end with the watch, whichever side Ctrl+C interrupts.
    with contextlib.closing(batches):
        try:
            for ready, outcome in batches:
                report = outcome.value
                summary = (
                    f"{len(ready)} new file(s): {report.items_added} items added, {len(report.errors)} errors, "
                    f"{len(report.media_errors)} media could not be shown"
                )
                ctx.emit({**report.as_dict(), "files": [str(p) for p in ready]}, partial(say, summary))
                sys.stdout.flush()
        except KeyboardInterrupt:
            say("stopped watching")
    return 0
