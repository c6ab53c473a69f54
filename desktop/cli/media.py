"""``veil media``: the media themselves (sealing what was stored before media were sealed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.cli.output import ProgressLine, say

if TYPE_CHECKING:
    import argparse

    from desktop.cli.context import Context
    from desktop.domain.ingest import SealReport


def seal(args: argparse.Namespace, ctx: Context) -> int:
    veil = ctx.signed_in()
    progress: ProgressLine[SealReport] = ProgressLine(
        lambda report, _seconds: (
            f"seal: {report.media_sealed:,} media sealed, {report.copies_removed:,} store copies removed, "
            f"{len(report.errors):,} errors"
        ),
        enabled=not args.quiet,
    )
    report = veil.ingest.seal(limit=args.limit, progress=progress).value
    progress.done()

    def human() -> None:
        say(f"sealed {report.media_sealed} media, {report.copies_removed} store copies removed")
        if report.orphans_removed:
            say(f"{report.orphans_removed} store copies no item referred to removed (left by an interrupted ingest)")
        if report.skipped:
            say(f"{report.skipped} media sealed already, their keys withheld from you: left as they are")
        for media_id, error in report.errors:
            say(f"error: media {media_id}: {error}")
        if report.stopped:
            say("stopped before the end: run `veil media seal` again to carry on")

    ctx.emit(report.as_dict(), human)
    return 1 if report.errors else 0
