"""Start the window: ``veil`` or ``veil gui``."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop import __version__, logs
from desktop.core.resources import resource
from desktop.ui.crash import CrashReporter
from desktop.ui.review_window import ReviewWindow
from desktop.ui.theme import apply_theme

if TYPE_CHECKING:
    from desktop.config import Settings


def make_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("Veil")
    app.setApplicationDisplayName("Veil")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("veil")
    app.setWindowIcon(QIcon(str(resource("icons", "veil.svg"))))
    return app


def startup_error_box(message: str) -> QMessageBox:
    """The box that says why the window cannot open (a broken settings file,
    a locked setting given on the command line): started from a menu, Veil
    has no terminal to print to."""
    make_application()
    box = QMessageBox(QMessageBox.Icon.Critical, "Veil cannot start", message, QMessageBox.StandardButton.Close)
    box.setInformativeText("If the message names the system settings file, tell whoever looks after this computer.")
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # to copy into a ticket
    return box


def run(settings: Settings, *, screenshot: str | None = None, size: tuple[int, int] | None = None) -> int:
    app = make_application()
    reporter = CrashReporter(logs.set_up())
    reporter.install()
    apply_theme(app, settings.values.theme, settings.values.font_size_pt)
    window = ReviewWindow(settings)
    reporter.keep_last_decision = window.controller.keep_last_decision
    if size is not None:
        window.resize(*size)
    window.show()
    failures: list[str] = []
    if screenshot:
        target = Path(screenshot)

        def capture(_item: int = 0) -> None:
            # Once more round the event loop: the previews paint after the item shows.
            # quit() too: a dialog still open (sign-in) would keep the application running.
            QTimer.singleShot(50, lambda: (window.grab().save(str(target)), window.close(), app.quit()))

        def fail(message: str) -> None:
            failures.append(message)
            capture()

        window.item_shown.connect(capture)
        window.open_failed.connect(fail)
        # Nobody to sign in as: the picture shows the sign-in dialog, and the run says why.
        window.sign_in_shown.connect(lambda: fail("no user to sign in as: give --as USER (or VEIL_USER)"))
    window.open_database()
    # What start-up made (Qt's wrappers, the database's mappings, the
    # taxonomy) lives as long as the window: kept out of the collector's
    # full passes, which otherwise walk it all while a reviewer waits on a
    # key (pauses of 100-250 ms seen when scrolling a million items).
    gc.freeze()
    code = app.exec()
    if screenshot and failures:
        print(f"veil: error: {failures[0]}", file=sys.stderr)  # noqa: T201
        return 2
    return code
