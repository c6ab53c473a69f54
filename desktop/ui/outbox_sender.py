"""Sending what the database did not take, and asking it again while it is away.

What a reviewer decided or saw while the database did not answer waits in
the outbox on disk (:mod:`desktop.app.outbox`). This object sends it, in the
order it was kept, on the review loop's writer, and while the database is
away asks it something small on the reader, less and less often (2 s, 4 s,
… up to 30 s): its answer ends the outage. What to try when the time comes
(the outbox, a decision the window holds, a probe) is the review loop's
choice, told by :attr:`OutboxSender.retry_due`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.domain.errors import Unavailable
from desktop.domain.review import PendingDecision, PendingExposure, Replayed
from desktop.ui.workers import DbOp

if TYPE_CHECKING:
    from desktop.app.outbox import Outbox
    from desktop.app.veil import Veil
    from desktop.domain.changes import Outcome
    from desktop.ui.workers import DbWorker

RETRY_FIRST_S = 2.0
RETRY_MOST_S = 30.0


class OutboxSender(QObject):
    # The outbox was sent: what it changed (a Changes).
    replayed = Signal(object)
    # The database answered a probe: items waiting in the pending queue.
    answered = Signal(int)
    # The database did not answer, or cannot be written (the Unavailable error, saying which).
    silent = Signal(object)
    # Something other than silence went wrong (a one-line reason).
    failed = Signal(str)
    # Time to try again: the review loop chooses what.
    retry_due = Signal()
    # Exposure the database did not take is kept in the outbox (until it answers).
    exposure_kept = Signal()

    def __init__(self, outbox: Outbox, writer: DbWorker, reader: DbWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.outbox = outbox
        self.writer, self.reader = writer, reader
        self.veil: Veil | None = None
        self.reviewer: str | None = None
        self.replaying = False
        self._retry_s = RETRY_FIRST_S
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.retry_due)

    # -- what waits -----------------------------------------------------------

    def waiting(self) -> list[PendingDecision | PendingExposure]:
        """What the signed-in person decided or saw on this database that is not saved yet."""
        veil, reviewer = self.veil, self.reviewer
        if veil is None or reviewer is None:
            return []
        return self.outbox.pending(database=veil.where, reviewer=reviewer)

    def exposure_waiting(self) -> bool:
        return any(isinstance(p, PendingExposure) for p in self.waiting())

    def reveal_waiting_s(self) -> float:
        """Seconds of reveals and peeks that wait in the outbox: seen, not saved yet."""
        return sum(p.seconds for p in self.waiting() if isinstance(p, PendingExposure) and p.mode != "view")

    def holds(self, decision_id: str) -> bool:
        return any(p.key == decision_id for p in self.waiting())

    def keep(self, pending: PendingDecision) -> bool:
        """The decision on disk (once): from here on, closing the window loses
        nothing. False when the outbox's disk refuses too (often the database's
        own, full): the window then holds the decision alone, tries again, and
        says that closing it now would lose it."""
        kept = self.outbox.pending(database=pending.database, reviewer=pending.reviewer)
        if pending.decision_id not in {p.key for p in kept}:
            try:
                self.outbox.add(pending)
            except OSError:
                return False
        return True

    def record_exposure(self, exposure: PendingExposure) -> None:
        """Save what the reviewer saw, or keep it in the outbox if the database does not take it."""
        veil, outbox = self.veil, self.outbox
        if veil is None:
            return

        def work() -> Unavailable | None:
            try:
                veil.review.keep_exposure(exposure)
            except Unavailable as error:
                # Kept on the writer's thread, so it is on disk before any
                # replay queued after it reads the outbox.
                outbox.add(exposure)
                return error
            return None

        def done(error: Unavailable | None) -> None:
            if error is not None:
                self.silent.emit(error)
                self.exposure_kept.emit()

        DbOp(self.writer, work).success(done).failure(lambda error: self.failed.emit(f"Error: {error}")).run()

    # -- trying again ---------------------------------------------------------

    def later(self) -> None:
        """Try again after the current pause, and pause longer next time."""
        self._timer.start(int(self._retry_s * 1000))
        self._retry_s = min(RETRY_MOST_S, self._retry_s * 2)

    def later_unless_due(self) -> None:
        if not self._timer.isActive():
            self._timer.start(int(self._retry_s * 1000))

    def answered_again(self) -> None:
        """The database answers: the next outage starts with a short pause."""
        self._retry_s = RETRY_FIRST_S

    def stop(self) -> None:
        self._timer.stop()

    def replay(self) -> None:
        """Send the outbox, in order, on the writer (decisions and exposure alike)."""
        veil, outbox = self.veil, self.outbox
        if veil is None or self.replaying:
            return
        self.replaying = True
        DbOp(self.writer, lambda: veil.review.replay(outbox)).success(self._on_replayed).failure(
            self._on_replay_failed
        ).run()

    def _on_replayed(self, outcome: Outcome[Replayed]) -> None:
        self.replaying = False
        self.answered_again()
        self.replayed.emit(outcome.changes)

    def _on_replay_failed(self, error: Exception) -> None:
        self.replaying = False
        if isinstance(error, Unavailable):
            self.silent.emit(error)
            self.later()
            return
        self.failed.emit(f"Error: {error}")

    def probe(self) -> None:
        """Ask the database something small: its answer ends the outage (and
        reads again what failed meanwhile), its silence asks again later."""
        veil = self.veil
        if veil is None:
            return

        def answered(pending: int) -> None:
            self.answered_again()
            self.answered.emit(pending)

        def silent(error: Exception) -> None:
            if not isinstance(error, Unavailable):
                self.failed.emit(f"Error: {error}")
                return
            self.later()

        DbOp(self.reader, veil.review.count).success(answered).failure(silent).run()
