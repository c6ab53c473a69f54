"""What the window does with an exception nothing caught (a bug in a slot).

Qt calls :data:`sys.excepthook` and carries on; by default the traceback
goes to a terminal a window started from a desktop menu does not have. Here
it goes to the log file, and a box says that something went wrong and
where the details are. The window stays open: a decision being saved is
already in the outbox (see ``desktop.app.outbox``) and is sent again.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

if TYPE_CHECKING:
    from pathlib import Path
    from types import TracebackType

log = logging.getLogger(__name__)


class CrashReporter:
    """Installed as :data:`sys.excepthook` while the window runs."""

    def __init__(self, log_file: Path | None) -> None:
        self.log_file = log_file
        self.box: QMessageBox | None = None
        self.caught = 0

    def install(self) -> None:
        sys.excepthook = self

    def __call__(self, kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            QApplication.quit()
            return
        self.caught += 1
        log.error("unexpected error in the window", exc_info=(kind, error, trace))
        if self.box is not None and self.box.isVisible():
            return  # one box at a time; every error is in the log
        where = f"The details are in {self.log_file}." if self.log_file else "The log could not be written."
        self.box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Something went wrong in Veil",
            f"{type(error).__name__}: {(str(error).strip().splitlines() or [''])[0]}",
            QMessageBox.StandardButton.Ok,
            QApplication.activeWindow(),
        )
        self.box.setInformativeText(
            f"Your decisions so far are saved; a decision being saved is kept and sent again. {where} "
            "If it happens again, send that file to whoever looks after Veil: it holds ids, never item texts."
        )
        self.box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.box.open()
