"""The sign-in dialog on real databases, driven by the keyboard, offscreen.

Users, passwords and disabled accounts are made through the services in
``desktop.core.people.users``, as an admin would make them with ``veil users``;
the dialog reads them and checks passwords on its own thread.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop.core.people import users
from desktop.domain.people import Role
from desktop.ui.sign_in import SignInDialog
from tests.support.factories import add_user, admin

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from pytestqt.qtbot import QtBot

    from desktop.app.veil import Veil
    from desktop.core.workspace import Workspace
    from desktop.domain.people import Actor

WAIT = 15_000
PASSWORD = "correct horse battery"


@pytest.fixture
def open_dialog(qtbot: QtBot, veil: Veil) -> Iterator[Callable[[str], SignInDialog]]:
    made: list[SignInDialog] = []

    def make(suggested: str) -> SignInDialog:
        dialog = SignInDialog(veil, suggested)
        qtbot.addWidget(dialog)
        with qtbot.waitSignal(dialog.users_listed, timeout=WAIT):
            dialog.show()
        qtbot.waitExposed(dialog)
        dialog.activateWindow()
        made.append(dialog)
        return dialog

    yield make
    for dialog in made:
        dialog.close()
    assert not [t.name for t in threading.enumerate() if t.name.startswith("veil-sign-in")]


def _type(text: str) -> None:
    target = QApplication.focusWidget()
    assert target is not None
    QTest.keyClicks(target, text)


def _press_enter() -> None:
    """Enter, to whatever has the focus, as the reviewer presses it."""
    target = QApplication.focusWidget()
    assert target is not None
    QTest.keyClick(target, Qt.Key.Key_Return)


def _refused(qtbot: QtBot, dialog: SignInDialog) -> str:
    """Press Enter; wait for the refusal and for the users the dialog reads again after it."""
    reasons: list[str] = []
    dialog.refused.connect(reasons.append)
    with qtbot.waitSignals([dialog.refused, dialog.users_listed], timeout=WAIT):
        _press_enter()
    dialog.refused.disconnect(reasons.append)
    assert len(reasons) == 1
    return reasons[0]


def test_a_user_without_a_password_signs_in_with_enter(
    qtbot: QtBot, workspace: Workspace, veil: Veil, open_dialog: Callable[[str], SignInDialog]
) -> None:
    admin(workspace)
    add_user(workspace, "ani")
    dialog = open_dialog("ani")

    assert dialog.user_box.currentText() == "ani"
    assert not dialog.password_edit.isEnabled()
    assert QApplication.focusWidget() is dialog.user_box
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT):
        _press_enter()

    assert dialog.actor is not None
    assert (dialog.actor.name, dialog.actor.role) == ("ani", Role.MODERATOR)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert veil.actor == dialog.actor  # the Veil works as them from now on


def test_a_password_is_required_and_checked(
    qtbot: QtBot, workspace: Workspace, veil: Veil, open_dialog: Callable[[str], SignInDialog]
) -> None:
    boss = admin(workspace)
    add_user(workspace, "ani", Role.SUPERVISOR)
    with workspace.db.write() as session:
        users.set_password(session, boss, "ani", PASSWORD, workspace.clock())
    dialog = open_dialog("ani")

    assert dialog.password_edit.isEnabled()
    assert QApplication.focusWidget() is dialog.password_edit
    _type("tr0ub4dor&3")
    reason = _refused(qtbot, dialog)

    assert reason == "Wrong password for 'ani'"
    assert dialog.message_label.text() == reason and dialog.message_label.isVisible()
    assert (dialog.isVisible(), dialog.actor) == (True, None)  # a tuple: mypy keeps actor's type for below
    assert veil.actor is None
    assert dialog.password_edit.text() == ""
    assert QApplication.focusWidget() is dialog.password_edit

    _type(PASSWORD)
    with qtbot.waitSignal(dialog.signed_in, timeout=WAIT) as signed_in:
        _press_enter()

    signed: Actor = signed_in.args[0]
    assert (signed.name, signed.role) == ("ani", Role.SUPERVISOR)
    assert dialog.actor == signed
    assert not dialog.isVisible()


def test_disabled_users_are_not_offered_and_refused_when_typed(
    qtbot: QtBot, workspace: Workspace, open_dialog: Callable[[str], SignInDialog]
) -> None:
    boss = admin(workspace)
    add_user(workspace, "ani")
    add_user(workspace, "gone")
    with workspace.db.write() as session:
        users.set_disabled(session, boss, "gone", True, workspace.clock())
    dialog = open_dialog("ani")

    offered = [dialog.user_box.itemText(n) for n in range(dialog.user_box.count())]
    assert offered == ["ani", "root-admin"]

    dialog.user_box.setEditText("gone")
    dialog.user_box.setFocus()
    assert _refused(qtbot, dialog) == "User 'gone' is disabled"
    assert dialog.isVisible() and dialog.actor is None


def test_an_unknown_name_is_refused_with_the_reason(
    qtbot: QtBot, workspace: Workspace, open_dialog: Callable[[str], SignInDialog]
) -> None:
    admin(workspace)
    dialog = open_dialog("nobody")

    assert dialog.hint_label.text() == "Not a user of this database: an admin adds users."
    reason = _refused(qtbot, dialog)

    assert reason == "Unknown user 'nobody' (an admin adds users with: veil users add NAME --role ROLE)"
    assert dialog.isVisible() and dialog.actor is None
    # The name is selected, so typing replaces it.
    assert QApplication.focusWidget() is dialog.user_box
    _type("root-admin")
    assert dialog.user_box.currentText() == "root-admin"
    assert not dialog.message_label.isVisible()


def test_the_first_person_on_an_empty_database_becomes_its_admin(
    qtbot: QtBot, workspace: Workspace, open_dialog: Callable[[str], SignInDialog]
) -> None:
    dialog = open_dialog("ani")

    assert dialog.user_box.count() == 0
    assert dialog.hint_label.text() == "No users yet: ani will be the first user (becomes admin)."
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT):
        _press_enter()

    assert dialog.actor is not None
    assert (dialog.actor.name, dialog.actor.role) == ("ani", Role.ADMIN)
    with workspace.db.read() as session:
        assert [(u.name, u.role) for u in users.list_users(session)] == [("ani", Role.ADMIN)]
