"""Where a key press's time goes in the review loop: named time stamps, for the benchmark.

Off until a benchmark calls :meth:`Stages.start`; a mark is then one
append of ``(name, time.perf_counter())`` (atomic in CPython, so the
writer thread and the UI thread mark the same list). The loop marks, in
order: ``submitted`` (the UI thread handed the decision to the writer),
``tx_begun``, ``written`` (decision recorded and the following item
claimed), ``read`` (an item's view and previews read, when it was not
read ahead), ``committed``, ``decoded`` (previews decoded, when not decoded
ahead), ``received`` (the result is back on the UI thread), ``laid_out``
(the widgets are set) and ``painted`` (a media tile of the new item has
finished painting).
"""

from __future__ import annotations

import time


class Stages:
    def __init__(self) -> None:
        self._marks: list[tuple[str, float]] | None = None

    def start(self) -> None:
        """Record marks from now on."""
        self._marks = []

    def mark(self, name: str) -> None:
        if self._marks is not None:
            self._marks.append((name, time.perf_counter()))

    def take(self) -> list[tuple[str, float]]:
        """The marks so far, and a clean slate."""
        marks, self._marks = self._marks or [], ([] if self._marks is not None else None)
        return marks


STAGES = Stages()
