"""The real review window in a process of its own, worked by key presses, for tests that kill it.

``python -m tests.support.review_driver DB_URL USER PRESSES``: opens the
window offscreen on ``DB_URL`` as ``USER`` (whose settings and outbox are
where ``VEIL_DATA_DIR`` says), presses the approve key on each item shown,
up to ``PRESSES`` times, and prints one line per event, flushed at once:

- ``SHOWN <item id>``: an item is on screen (``SHOWN 0``: the queue is empty);
- ``SAVED <decision id>``: the window reports the decision saved;
- ``KEPT <decision id>``: the window reports it pending (kept in the outbox);
- ``FAILED <text>``: the database could not be opened.

A test reads these lines and kills the process when it chooses; the window
never quits by itself.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop import config
from desktop.ui.review_window import ReviewWindow


def say(*words: object) -> None:
    print(*words, flush=True)


def main(url: str, user: str, presses: int) -> int:
    os.environ["VEIL_DB_URL"], os.environ["VEIL_USER"] = url, user
    app = QApplication.instance() or QApplication([])
    window = ReviewWindow(config.load())
    left = presses

    def approve() -> None:
        nonlocal left
        if left > 0 and window.current is not None and not window.controller.busy:
            left -= 1
            target = QApplication.focusWidget() or window
            QTest.keyClick(target, Qt.Key.Key_A)  # as the reviewer types it

    def shown(item_id: int) -> None:
        say("SHOWN", item_id)
        if item_id:
            QTimer.singleShot(0, approve)

    def pending(is_pending: bool, retrying: bool) -> None:
        held = window.controller.pending
        if is_pending and retrying and held is not None:
            say("KEPT", held.decision_id)

    window.item_shown.connect(shown)
    window.decision_saved.connect(lambda decision_id: say("SAVED", decision_id))
    window.controller.pending_changed.connect(pending)
    window.open_failed.connect(lambda text: say("FAILED", text))
    window.show()
    window.activateWindow()
    window.open_database()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
