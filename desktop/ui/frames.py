"""Work that waits until the frame being drawn is on screen.

Qt posts a widget's repaint (``UpdateRequest``) at low priority, after
every normal posted event and queued signal: a zero timer or a queued call
made while the next item's widgets are set runs *before* they are painted.
:class:`AfterPaint` posts its calls at that same low priority, after the
repaint already asked for, so what can wait (the list catching up, counts,
reading ahead, recording what was seen) never delays the new item's frame.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt

if TYPE_CHECKING:
    from collections.abc import Callable

_RUN = QEvent.Type(QEvent.registerEventType())


class AfterPaint(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._calls: deque[Callable[[], None]] = deque()

    def __call__(self, call: Callable[[], None]) -> None:
        """Run ``call`` on this thread once the repaints asked for so far are done."""
        self._calls.append(call)
        QCoreApplication.postEvent(self, QEvent(_RUN), Qt.EventPriority.LowEventPriority.value)

    def flush(self) -> None:
        """Run what waits now (closing: nothing waits on a frame that will not come)."""
        while self._calls:
            self._calls.popleft()()

    def event(self, event: QEvent) -> bool:
        if event.type() == _RUN:
            if self._calls:  # flushed already: its event comes late and finds nothing
                self._calls.popleft()()
            return True
        return super().event(event)
