"""The Qt binding Veil ships with keeps Python's reference counts.

PySide6 6.12.0 dropped a reference to ``True`` on every ``emit()`` from
Python; on Python 3.11 the interpreter aborts once the count reaches zero
("bool_dealloc"), which a long shift's signals reach. pyproject.toml keeps
that release out; this test fails if a binding with the bug comes back.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Sender(QObject):
    sent = Signal(object, object)


def test_emitting_leaves_the_count_of_true_alone() -> None:
    sender = _Sender()
    received: list[object] = []
    sender.sent.connect(lambda first, _second: received.append(first))
    before = sys.getrefcount(True)
    for number in range(2000):
        sender.sent.emit(number, None)
    assert len(received) == 2000
    assert abs(sys.getrefcount(True) - before) < 50
