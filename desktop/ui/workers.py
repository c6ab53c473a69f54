"""Work off the UI thread, results back on it.

A worker is a small thread pool: an operation is a plain function run
there; its result or error comes back to the UI thread through a queued
signal, where the caller's callback runs. Callbacks never run on the
worker, and the worker never touches a widget. The window has three: one
thread that writes (claims, decisions: one at a time, in order), one that
reads (queue pages, counts, prefetching the next item) so a slow count
never delays a decision, and one for pictures (decoding originals for a
reveal).
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from PySide6.QtCore import QObject, Qt, Signal, Slot

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")
log = logging.getLogger(__name__)


class DbWorker(QObject):
    # (callback, value): a finished operation's callback and what it gets
    finished = Signal(object, object)

    def __init__(self, parent: QObject | None = None, *, name: str = "veil-db", threads: int = 1) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=name)
        self._closed = False
        # Queued even when the operation finished before run() returned (the
        # done-callback then runs on the UI thread at once): a callback always
        # runs on a later turn of the event loop, after the caller's set-up.
        self.finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)

    def submit(
        self, fn: Callable[[], T], on_success: Callable[[T], None], on_failure: Callable[[Exception], None]
    ) -> None:
        if self._closed:
            return

        def done(future: Future[T]) -> None:
            # Runs on the worker thread: hand over to the UI thread by signal.
            error = future.exception()
            if error is None:
                self.finished.emit(on_success, future.result())
            elif isinstance(error, Exception):
                self.finished.emit(on_failure, error)

        self._pool.submit(fn).add_done_callback(done)

    @Slot(object, object)
    def _on_finished(self, callback: Callable[[Any], None], value: Any) -> None:
        if not self._closed:
            callback(value)

    def shutdown(self) -> None:
        """Finish queued work (a decision in flight is saved), then stop."""
        self._closed = True
        self._pool.shutdown(wait=True)


class DbOp(Generic[T]):
    """``DbOp(worker, fn).success(cb).failure(cb).run()``."""

    def __init__(self, worker: DbWorker, fn: Callable[[], T]) -> None:
        self._worker = worker
        self._fn = fn
        self._success: Callable[[T], None] = lambda _value: None
        self._failure: Callable[[Exception], None] = self._log_failure

    def success(self, callback: Callable[[T], None]) -> DbOp[T]:
        self._success = callback
        return self

    def failure(self, callback: Callable[[Exception], None]) -> DbOp[T]:
        self._failure = callback
        return self

    def run(self) -> None:
        self._worker.submit(self._fn, self._success, self._failure)

    @staticmethod
    def _log_failure(error: Exception) -> None:
        log.error("database operation failed: %s", error)
