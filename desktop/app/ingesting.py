"""Ingest: files, folders, manifests and exports into the queue; a watched folder; the demo feed."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from desktop.core.resources import resource
from desktop.domain.changes import Changes, Outcome
from desktop.domain.errors import UsageError
from desktop.domain.ingest import IngestReport, NotStored, SealReport
from desktop.domain.previews import DEFAULTS

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterable
    from pathlib import Path

    from desktop.app.context import Context


class Ingesting:
    def __init__(self, context: Context) -> None:
        self._c = context

    def files(
        self,
        paths: Iterable[Path],
        *,
        fmt: str = "auto",
        source: str | None = None,
        workers: int | None = None,
        progress: Callable[[IngestReport], None] | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> Outcome[IngestReport]:
        """Read each input and store its items, a chunk at a time (what is
        stored stays when ``stop`` says so or one input fails)."""
        # Images, video and hashes load only to ingest.
        from desktop.core.ingest.files import ingest_files

        report = ingest_files(
            self._c.db, paths, actor=self._c.who().name, clock=self._c.clock, fmt=fmt, source=source, progress=progress,
            preview=self._c.preview or DEFAULTS, workers=workers, media_store=self._c.media_store,
            journal=self._c.store_journal, stop=stop,
        )  # fmt: skip
        return Outcome(report, _changes(report))

    def demo(self) -> Outcome[IngestReport]:
        """The bundled demo feed, so a new installation has something to review."""
        return self.files([resource("demo", "demo-feed.jsonl")], source="demo")

    def watch(
        self, root: Path, *, source: str | None = None, workers: int | None = None, interval: float = 1.0
    ) -> Generator[tuple[list[Path], Outcome[IngestReport]], None, None]:
        """Keep taking what is dropped below ``root`` once it stops changing, in
        every format ``veil ingest`` reads (see :mod:`desktop.core.ingest.watch`),
        a batch at a time, until the caller stops iterating. Each look's small
        files come first in one batch, then each big one in a batch of its own.
        What the database did not store is offered again at the next look."""
        if not root.is_dir():
            raise UsageError("--watch takes one folder")
        from desktop.core.ingest.files import ingest_entries, journaled, sweep_left_copies
        from desktop.core.ingest.watch import REFUSED, FolderWatch, batches, read_unit

        watch = FolderWatch(root)
        enricher = journaled(
            self._c.db, preview=self._c.preview or DEFAULTS, workers=workers, media_store=self._c.media_store,
            journal=self._c.store_journal,
        )  # fmt: skip
        sweep_left_copies(self._c.db, enricher)
        try:
            with enricher:
                while True:
                    for batch in batches(watch.poll()):
                        report = IngestReport()
                        done = []
                        for unit in batch:
                            errors = len(report.errors)
                            ingest_entries(
                                self._c.db, read_unit(root, unit), where=unit.path,
                                kind="folder" if unit.kind in ("media", REFUSED) else unit.kind,
                                source=source or root.name, actor=self._c.who().name, clock=self._c.clock,
                                report=report, enricher=enricher,
                            )  # fmt: skip
                            # Offered again only when the database failed as a whole; items refused
                            # for what they hold were named once and would be refused again.
                            if not any(isinstance(error, NotStored) for error in report.errors[errors:]):
                                done.append(unit)
                        watch.taken(done)
                        yield [unit.path for unit in batch], Outcome(report, _changes(report))
                    time.sleep(interval)
        finally:
            # The caller stopped iterating, or Ctrl+C: the workers are gone, their journals free.
            sweep_left_copies(self._c.db, enricher)

    def seal(
        self,
        *,
        limit: int | None = None,
        progress: Callable[[SealReport], None] | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> Outcome[SealReport]:
        """Seal the media stored before media were sealed (admins): each gets
        a key, its preview is sealed, and a plain copy in the media store is
        sealed to a new name and then removed. Resumable: stopped (by
        ``stop``, after ``limit`` media, or by a crash), a second run carries on."""
        from desktop.core.ingest.sealing import seal_plain_media

        actor = self._c.who()
        sealed = 0

        def counting(report: SealReport) -> None:
            nonlocal sealed
            sealed = report.media_sealed + len(report.errors) + report.skipped
            if progress is not None:
                progress(report)

        def should_stop() -> bool:
            return (limit is not None and sealed >= limit) or (stop is not None and stop())

        report = seal_plain_media(
            self._c.db, actor, store=self._c.media_store, clock=self._c.clock, progress=counting, stop=should_stop
        )
        return Outcome(report, Changes(history=True))


def _changes(report: IngestReport) -> Changes:
    return Changes(queue=report.items_added > 0, history=report.items_added > 0)
