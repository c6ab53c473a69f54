"""What the window does with an exception nothing caught (a bug in a slot).

Qt calls :data:`sys.excepthook` and carries on; by default the traceback
goes to a terminal a window started from a desktop menu does not have. Here
it goes to the log file, and a box says that something went wrong and
where the details are. The window stays open. Before the box is shown,
the decision being made is made safe: one still in flight is put in the
outbox (see ``desktop.app.outbox``), where the next start finds it if this
one does not get to send it, and the box says which item it was and
whether it is saved or kept.
"""

from __future__ import annotations

import enum
import logging
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from types import TracebackType

log = logging.getLogger(__name__)


class Fate(enum.Enum):
    SAVED = "saved"  # in the database
    KEPT = "kept"  # in the outbox on disk: sent when the database answers, or at the next start
    NOT_KEPT = "not kept"  # the outbox could not be written either


@dataclass(frozen=True)
class LastDecision:
    """The session's last decision, as the crash box reports it."""

    item_id: int
    fate: Fate

    def sentence(self) -> str:
        if self.fate is Fate.SAVED:
            return f"Your last decision, on item {self.item_id}, is saved."
        if self.fate is Fate.KEPT:
            return (
                f"Your last decision, on item {self.item_id}, is kept and will be saved when the database "
                "answers, or when Veil next starts."
            )
        return f"Your last decision, on item {self.item_id}, could not be kept: please make it again."


class CrashReporter:
    """Installed as :data:`sys.excepthook` while the window runs."""

    def __init__(self, log_file: Path | None) -> None:
        self.log_file = log_file
        self.box: QMessageBox | None = None  # while one is shown
        self.caught = 0
        # Makes the decision being made safe and says where it is (the review loop's).
        self.keep_last_decision: Callable[[], LastDecision | None] = lambda: None
        self.last: LastDecision | None = None  # as the last box reported it

    def install(self) -> None:
        sys.excepthook = self

    def __call__(self, kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            QApplication.quit()
            return
        self.caught += 1
        log.error("unexpected error in the window", exc_info=(kind, error, trace))
        self.last = self.keep_last_decision()
        if self.last is not None:
            log.info("the last decision, on item %d, is %s", self.last.item_id, self.last.fate.value)
        if self.box is not None:
            return  # one box at a time; every error is in the log
        where = f"The details are in {self.log_file}." if self.log_file else "The log could not be written."
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Something went wrong in Veil",
            f"{type(error).__name__}: {(str(error).strip().splitlines() or [''])[0]}",
            QMessageBox.StandardButton.Ok,
            QApplication.activeWindow(),
        )
        decision = self.last.sentence() if self.last is not None else "No decision of yours was on its way."
        box.setInformativeText(
            f"{decision} {where} "
            "If it happens again, send that file to whoever looks after Veil: it holds ids, never item texts."
        )
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Gone once read, not kept hidden: the next error gets a box of its own.
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(self._on_box_finished)
        self.box = box
        box.open()

    def _on_box_finished(self, _result: int) -> None:
        self.box = None
