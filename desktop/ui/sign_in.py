"""Signing in: who is reviewing, checked against the database's users.

The list of users and the check itself run on the dialog's own thread
(``veil-sign-in``): a password check costs scrypt's ~50 ms on purpose, and a
database on the network may be slow to answer; the dialog stays responsive
either way. Disabled users are not offered; typing one's name gets the
service's refusal, as the command line would.

A database without users has no one who could add the first: the person
who signs in first becomes its admin, and the dialog says so before they do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import VeilError
from desktop.ui.theme import colours, current_theme
from desktop.ui.workers import DbOp, DbWorker

if TYPE_CHECKING:
    from desktop.app.veil import Veil
    from desktop.domain.people import Actor, UserInfo


def _sentence(text: str) -> str:
    """The services' one-line reasons start in lower case, to follow "error: "; here they stand alone."""
    return text[:1].upper() + text[1:] if text else text


def _reason(error: Exception) -> str:
    if isinstance(error, VeilError):
        return _sentence(str(error))
    cause = getattr(error, "orig", None) or error
    first = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {first}" if first else type(cause).__name__


class SignInDialog(QDialog):
    # The enabled users' names, as offered in the list (list[str]; empty: no users yet).
    users_listed = Signal(object)
    # The person signed in (Actor), just before the dialog accepts.
    signed_in = Signal(object)
    # A refusal or failure, in the one line the dialog shows (str).
    refused = Signal(str)

    def __init__(self, veil: Veil, suggested: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.veil = veil
        self.suggested = suggested
        self.actor: Actor | None = None
        self._users: dict[str, UserInfo] = {}  # enabled users by name
        self._listed = False
        self._busy = False
        self._worker: DbWorker | None = DbWorker(self, name="veil-sign-in")
        self._build()
        self._connect_signals()
        self._update()
        self._list_users()

    # == building =============================================================

    def _build(self) -> None:
        self.setWindowTitle("Sign in to Veil")
        # Wide enough for the hints on one line: wrapped labels make Qt guess the height short.
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 60)
        where = QLabel(f"Database: {self.veil.where}")
        where.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.user_box = QComboBox()
        self.user_box.setEditable(True)
        # Enter signs in; it must not also add what was typed to the list.
        self.user_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.user_box.setEditText(self.suggested)
        self.user_box.setMinimumContentsLength(20)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.hint_label = QLabel("Reading the users…")
        self.hint_label.setWordWrap(True)
        self.hint_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.message_label = QLabel()
        self.message_label.setObjectName("signInMessage")
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        pal = self.message_label.palette()
        pal.setColor(QPalette.ColorRole.WindowText, QColor(colours(current_theme()).warning_text))
        self.message_label.setPalette(pal)
        self.message_label.hide()

        form = QFormLayout()
        form.addRow("User:", self.user_box)
        form.addRow("Password:", self.password_edit)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        # Only Sign in answers Enter: an auto-default Cancel that got the focus would take it.
        cancel.setAutoDefault(False)
        self.sign_in_button = QPushButton("Sign in")
        self.sign_in_button.setDefault(True)  # Enter in either field signs in
        # Not AcceptRole: the dialog accepts only once the check on the worker has passed.
        self.buttons.addButton(self.sign_in_button, QDialogButtonBox.ButtonRole.ActionRole)

        layout = QVBoxLayout(self)
        layout.addWidget(where)
        layout.addLayout(form)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.message_label)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.user_box.currentTextChanged.connect(self._on_user_box_current_text_changed)
        self.sign_in_button.clicked.connect(self.sign_in)
        self.buttons.rejected.connect(self.reject)

    # == users ================================================================

    def _list_users(self) -> None:
        veil = self.veil

        def work() -> list[UserInfo]:
            return [user for user in veil.people.list() if not user.disabled]

        if self._worker is not None:
            DbOp(self._worker, work).success(self._on_users_listed).failure(self._on_list_failed).run()

    def _on_users_listed(self, listed: list[UserInfo]) -> None:
        first = not self._listed
        self._users = {user.name: user for user in listed}
        self._listed = True
        names = list(self._users)
        if names != [self.user_box.itemText(n) for n in range(self.user_box.count())]:
            self._refill(names)
        self._update()
        if first:  # a list read again after a refusal leaves the focus where the refusal put it
            (self.password_edit if self.password_edit.isEnabled() else self.user_box).setFocus()
        self.users_listed.emit(names)

    def _refill(self, names: list[str]) -> None:
        """New names in the list, keeping what is typed (and selected, so typing still replaces it)."""
        editor = self.user_box.lineEdit()
        typed = self.user_box.currentText()
        whole = editor is not None and bool(typed) and editor.selectedText() == typed
        self.user_box.blockSignals(True)  # refilling is not the reviewer choosing
        self.user_box.clear()
        self.user_box.addItems(names)
        self.user_box.setEditText(typed)
        self.user_box.blockSignals(False)
        if whole and editor is not None:
            editor.selectAll()

    def _on_list_failed(self, error: Exception) -> None:
        self._show_message(f"Cannot read the users: {_reason(error)}")
        self.hint_label.setText("")

    @Slot(str)
    def _on_user_box_current_text_changed(self, _text: str) -> None:
        self.message_label.hide()
        self._update()

    def _chosen(self) -> str:
        return self.user_box.currentText().strip()

    def _update(self) -> None:
        name = self._chosen()
        known = self._users.get(name)
        self.password_edit.setEnabled(known is not None and known.has_password)
        if not self.password_edit.isEnabled():
            self.password_edit.clear()
        # Read-only, not disabled, while a check runs: a disabled field would pass the focus on.
        self.password_edit.setReadOnly(self._busy)
        editor = self.user_box.lineEdit()
        if editor is not None:
            editor.setReadOnly(self._busy)
        self.sign_in_button.setEnabled(self._listed and bool(name) and not self._busy)
        if not self._listed:
            return
        if not self._users:
            self.hint_label.setText(f"No users yet: {name or 'you'} will be the first user (becomes admin).")
        elif known is None:
            self.hint_label.setText("Not a user of this database: an admin adds users.")
        elif known.has_password:
            self.hint_label.setText(f"{known.name} ({known.role.value}) signs in with a password.")
        else:
            self.hint_label.setText(f"{known.name} ({known.role.value}) has no password.")

    # == signing in ===========================================================

    @Slot()
    def sign_in(self) -> None:
        """Check the chosen user and password on the worker; on success the Veil
        works as them from then on, and the dialog accepts."""
        name = self._chosen()
        if self._busy or not self._listed or not name or self._worker is None:
            return
        password = self.password_edit.text() if self.password_edit.isEnabled() else None
        veil = self.veil
        self._busy = True
        self.message_label.hide()
        self._update()

        def work() -> Actor:
            return veil.sign_in(name, password or None)

        DbOp(self._worker, work).success(self._on_signed_in).failure(self._on_sign_in_failed).run()

    def _on_signed_in(self, actor: Actor) -> None:
        self._busy = False
        self.actor = actor
        self.signed_in.emit(actor)
        self.accept()

    def _on_sign_in_failed(self, error: Exception) -> None:
        self._busy = False
        self.password_edit.clear()
        self._update()
        self._show_message(_reason(error))
        if self.password_edit.isEnabled():
            self.password_edit.setFocus()
        else:
            self.user_box.setFocus()
            editor = self.user_box.lineEdit()
            if editor is not None:  # always there: the box is editable
                editor.selectAll()
        # Users change while the dialog is open (an admin adds one, sets a password): read them again.
        self._list_users()

    def _show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self.message_label.show()
        self.refused.emit(text)

    # == closing ==============================================================

    def done(self, result: int) -> None:
        if self._worker is not None:
            self._worker.shutdown()  # a check in flight finishes; its answer is no longer wanted
            self._worker = None
        super().done(result)


def ask_database_password(parent: QWidget, where: str, refused: bool) -> QInputDialog:
    """A dialog asking for the password of the PostgreSQL login a team database
    wants (opened, not run: the caller connects to its signals)."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle("Sign in to the team database")
    first = "That password was not accepted. " if refused else ""
    dialog.setLabelText(f"{first}The team database asks for your password.\n\n{_sentence(where)}")
    dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
    dialog.setOkButtonText("Sign in")
    return dialog
