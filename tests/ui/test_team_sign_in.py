"""The window on a team database: PostgreSQL asks for the login's password,
the window asks the person, and they work as the login they connected as."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QInputDialog

from desktop import config
from desktop.ui.review_window import ReviewWindow
from tests.support.team import PASSWORD, Team, make_team

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from tests.conftest import PgDatabases

WAIT = 15_000


@pytest.fixture(scope="module")
def team(pg_databases: PgDatabases) -> Team:
    return make_team(pg_databases)


def _window_without_password(qtbot: QtBot, team: Team, monkeypatch: pytest.MonkeyPatch) -> ReviewWindow:
    """The window on the moderator's team URL, no password found by libpq, opening."""
    monkeypatch.setenv("VEIL_DB_URL", team.without_password("moderator"))
    monkeypatch.setenv("PGPASSWORD", "")
    window = ReviewWindow(config.load())
    qtbot.addWidget(window)
    window.show()
    window.open_database()
    return window


def _answer(qtbot: QtBot, window: ReviewWindow, password: str) -> QInputDialog:
    qtbot.waitUntil(lambda: getattr(window, "password_dialog", None) is not None, timeout=WAIT)
    dialog: QInputDialog = window.password_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT)
    dialog.setTextValue(password)
    return dialog


def test_the_window_asks_for_the_database_password(qtbot: QtBot, team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    window = _window_without_password(qtbot, team, monkeypatch)
    first = _answer(qtbot, window, "not-the-password")
    assert "asks for your password" in first.labelText()
    first.accept()
    # Refused: asked again, saying so.
    qtbot.waitUntil(lambda: window.password_dialog is not first and window.password_dialog.isVisible(), timeout=WAIT)
    second = _answer(qtbot, window, PASSWORD)
    assert "not accepted" in second.labelText()
    with qtbot.waitSignal(window.opened, timeout=WAIT):
        second.accept()
    assert window.windowTitle().startswith(f"{team.names['moderator']} (moderator)")
    window.close()


def test_cancelling_says_the_database_cannot_be_opened(
    qtbot: QtBot, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = _window_without_password(qtbot, team, monkeypatch)
    dialog = _answer(qtbot, window, "")
    buttons = dialog.findChild(QDialogButtonBox)
    assert buttons is not None
    with qtbot.waitSignal(window.open_failed, timeout=WAIT):
        buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
    assert "cannot open its database" in window.empty.text()
    window.close()
