"""A supervisor overrides the decision in force on one item, and says why.

The dialog shows the decision in force, offers the new decision with what
it needs (what the taxonomy's actions require, checked by the rule the
service checks: :func:`desktop.domain.taxonomy.decision_problem`) and a
reason in words, which the reviewer whose decision it was will read.
"Override" stays disabled until all of that is given, and the line under
the form says what is still missing. The override is saved
by ``veil.supervision.override`` on the dialog's own thread, with an id made
when the dialog opens, so sending again after an error can never record it
twice. Errors from the service are shown in the dialog, which stays open.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.review import DECISIONS, Action
from desktop.domain.taxonomy import Lack, Requires, decision_problem, requirement
from desktop.ui.decision_words import Names, action_name, decision_text, when
from desktop.ui.workers import DbOp, DbWorker

if TYPE_CHECKING:
    from desktop.app.veil import Veil
    from desktop.domain.audit import OverrideContext
    from desktop.domain.review import DecisionInfo
    from desktop.domain.taxonomy import ActionInfo, LabelInfo

_CODE_ROLE = Qt.ItemDataRole.UserRole + 1


class OverrideDialog(QDialog):
    # desktop.domain.review.DecisionInfo: the override, saved
    overridden = Signal(object)
    # the decision in force and the labels and reasons have arrived
    loaded = Signal()
    # str: an error shown in the dialog (the service refused, or the database)
    failed = Signal(str)

    def __init__(self, veil: Veil, item_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._veil = veil
        self._item_id = item_id
        self._worker = DbWorker(self, name="veil-override")
        self._context: OverrideContext | None = None
        self._labels: list[LabelInfo] = []
        self._actions: list[ActionInfo] = []
        self._saving = False
        # Made once: a retry after an error is the same override, never a second one.
        self._override_id = str(uuid.uuid4())
        self.setWindowTitle(f"Override the decision on item {item_id}")
        self.setMinimumWidth(560)
        self._build()
        self._connect_signals()
        self._update()
        # From the event loop, not here: a quick answer (a refusal) can come back
        # within DbOp.run(), before whoever made the dialog has connected its signals.
        QTimer.singleShot(0, self, self._load)

    # -- building -------------------------------------------------------

    def _build(self) -> None:
        self.in_force_label = QLabel("Loading the decision in force…")
        self.in_force_label.setWordWrap(True)
        self.in_force_label.setTextFormat(Qt.TextFormat.PlainText)
        self.excerpt_label = QLabel()
        self.excerpt_label.setWordWrap(True)
        # Plain text: the item's words are untrusted input.
        self.excerpt_label.setTextFormat(Qt.TextFormat.PlainText)
        self.excerpt_label.setEnabled(False)

        choice_box = QGroupBox("New decision")
        choices = QGridLayout(choice_box)
        self.action_group = QButtonGroup(self)
        self.action_buttons: dict[Action, QRadioButton] = {}
        for n, action in enumerate(DECISIONS):
            button = QRadioButton(action_name(action))
            self.action_group.addButton(button, n)
            self.action_buttons[action] = button
            choices.addWidget(button, n // 2, n % 2)

        self.labels_box = QGroupBox("Warning labels")
        labels_layout = QVBoxLayout(self.labels_box)
        self.labels_list = QListWidget()
        self.labels_list.setMinimumHeight(self.labels_list.fontMetrics().lineSpacing() * 8)
        labels_layout.addWidget(self.labels_list)
        self.reason_box = QGroupBox("Reason")
        reason_layout = QVBoxLayout(self.reason_box)
        self.reason_combo = QComboBox()
        reason_layout.addWidget(self.reason_combo)

        self.why_edit = QPlainTextEdit()
        self.why_edit.setPlaceholderText(
            "Why the decision changes (required). The reviewer whose decision this was will read it."
        )
        self.why_edit.setTabChangesFocus(True)
        line = self.why_edit.fontMetrics().lineSpacing()
        self.why_edit.setFixedHeight(line * 4 + 2 * self.why_edit.frameWidth() + 8)

        self.hint_label = QLabel()
        self.hint_label.setWordWrap(True)
        self.hint_label.setEnabled(False)
        self.error_label = QLabel()
        self.error_label.setObjectName("decisionHint")  # the theme's amber
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert isinstance(ok, QPushButton)
        self.ok_button = ok
        self.ok_button.setText("Override")

        layout = QVBoxLayout(self)
        layout.addWidget(self.in_force_label)
        layout.addWidget(self.excerpt_label)
        layout.addWidget(choice_box)
        layout.addWidget(self.labels_box, 1)
        layout.addWidget(self.reason_box)
        layout.addWidget(QLabel("Why"))
        layout.addWidget(self.why_edit)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.labels_box.hide()
        self.reason_box.hide()

    def _connect_signals(self) -> None:
        self.action_group.buttonToggled.connect(self._on_action_group_button_toggled)
        self.labels_list.itemChanged.connect(self._on_labels_list_item_changed)
        self.reason_combo.currentIndexChanged.connect(self._on_reason_combo_current_index_changed)
        self.why_edit.textChanged.connect(self._on_why_edit_text_changed)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    # -- loading --------------------------------------------------------

    def _load(self) -> None:
        veil, item_id = self._veil, self._item_id

        def work() -> tuple[OverrideContext, list[ActionInfo]]:
            return veil.supervision.override_context(item_id), veil.taxonomy.actions()

        DbOp(self._worker, work).success(self._on_loaded).failure(self._on_failed).run()

    def _on_loaded(self, loaded: tuple[OverrideContext, list[ActionInfo]]) -> None:
        context, self._actions = loaded
        self._context = context
        names = Names.of(context.labels, context.reasons)
        current = context.in_force
        if current is None:
            self.in_force_label.setText(f"Item {context.item_id} has no decision in force to override.")
        else:
            said = decision_text(current.action, current.labels, current.reason, names)
            lines = [f"In force: {said}", f"by {current.reviewer}, {when(current.decided_at)}"]
            if current.round > 1:
                lines[1] += f" (second review, round {current.round})"
            if current.note:
                lines.append(f"Note: {current.note}")
            self.in_force_label.setText("\n".join(lines))
        self.excerpt_label.setText(context.excerpt)
        self._labels = list(context.labels)
        self.labels_list.blockSignals(True)
        self.labels_list.clear()
        for label in self._labels:
            item = QListWidgetItem(label.name)
            item.setData(_CODE_ROLE, label.code)
            item.setToolTip(label.description or label.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if current and label.code in current.labels else Qt.CheckState.Unchecked
            )
            self.labels_list.addItem(item)
        self.labels_list.blockSignals(False)
        self._update()
        self.loaded.emit()

    # -- the form -------------------------------------------------------

    def chosen_action(self) -> Action | None:
        button = self.action_group.checkedButton()
        return next((action for action, b in self.action_buttons.items() if b is button), None)

    def ticked_labels(self) -> list[str]:
        return [
            str(self.labels_list.item(n).data(_CODE_ROLE))
            for n in range(self.labels_list.count())
            if self.labels_list.item(n).checkState() == Qt.CheckState.Checked
        ]

    def chosen_reason(self) -> str | None:
        data = self.reason_combo.currentData()
        return str(data) if data else None

    def missing(self) -> str | None:
        """What must still be given before the override can be sent; None: nothing."""
        context = self._context
        if context is None:
            return "Loading…"
        if context.in_force is None:
            return "There is no decision in force to override."
        action = self.chosen_action()
        if action is None:
            return "Choose the new decision."
        labels = self._labels_for(action)
        problem = decision_problem(action, labels, self._reason_for(action), self._actions)
        if problem is not None:
            if problem.lack is Lack.LABEL_MISSING:
                return "Tick at least one warning label."
            if problem.lack is Lack.CONTENT_LABEL_MISSING:
                names = ", ".join(label.name for label in labels)
                return f"{names} only goes with another label: tick the one that describes the content."
            if problem.lack is Lack.REASON_MISSING:
                return f"Choose a reason to {action.value}."
            return problem.message
        if not self.why_edit.toPlainText().strip():
            return "Say why the decision changes."
        return None

    def _requires(self, action: Action | None) -> Requires | None:
        return requirement(action, self._actions) if action is not None and self._actions else None

    def _labels_for(self, action: Action) -> list[LabelInfo]:
        """The ticked labels, when ``action`` takes labels (the list is shown only then)."""
        if self._requires(action) is not Requires.LABEL:
            return []
        ticked = set(self.ticked_labels())
        return [label for label in self._labels if label.code in ticked]

    def _reason_for(self, action: Action) -> str | None:
        """The reason chosen, when ``action`` takes one (the list is shown only then)."""
        return self.chosen_reason() if self._requires(action) is Requires.REASON else None

    def _update(self) -> None:
        requires = self._requires(self.chosen_action())
        self.labels_box.setVisible(requires is Requires.LABEL)
        self.reason_box.setVisible(requires is Requires.REASON)
        missing = self.missing()
        self.hint_label.setText(missing or "")
        self.hint_label.setVisible(bool(missing))
        self.ok_button.setEnabled(missing is None and not self._saving)
        for button in self.action_buttons.values():
            button.setEnabled(not self._saving)

    def _fill_reasons(self, action: Action) -> None:
        context = self._context
        kind = action.value  # reasons are kept by the kind of action they give a reason for
        self.reason_combo.blockSignals(True)
        self.reason_combo.clear()
        if self._requires(action) is Requires.REASON and context is not None:
            self.reason_combo.addItem(f"Choose a reason to {kind}…", None)
            for reason in context.reasons.get(kind, []):
                withheld = " — withholds media" if reason.withholds_media else ""
                self.reason_combo.addItem(f"{reason.name}{withheld}", reason.code)
                self.reason_combo.setItemData(
                    self.reason_combo.count() - 1, reason.description or reason.name, Qt.ItemDataRole.ToolTipRole
                )
            current = context.in_force
            if current is not None and current.action == action and current.reason:
                found = self.reason_combo.findData(current.reason)
                self.reason_combo.setCurrentIndex(max(0, found))
        self.reason_combo.blockSignals(False)

    # -- sending --------------------------------------------------------

    def _send(self) -> None:
        action = self.chosen_action()
        if self.missing() is not None or action is None or self._saving:
            return
        labels = [label.code for label in self._labels_for(action)]
        reason = self._reason_for(action)
        why = self.why_edit.toPlainText().strip()
        veil, item_id, override_id = self._veil, self._item_id, self._override_id

        def work() -> DecisionInfo:
            return veil.supervision.override(
                item_id, action, why=why, labels=labels, reason=reason, override_id=override_id
            ).value

        self._saving = True
        self.error_label.hide()
        self._update()
        self.hint_label.setText("Saving…")
        self.hint_label.show()
        DbOp(self._worker, work).success(self._on_saved).failure(self._on_failed).run()

    def _on_saved(self, decision: DecisionInfo) -> None:
        self._saving = False
        self.overridden.emit(decision)
        self.accept()

    def _on_failed(self, error: Exception) -> None:
        self._saving = False
        message = str(error) or type(error).__name__
        self.error_label.setText(message)
        self.error_label.show()
        self._update()
        self.failed.emit(message)

    # -- slots ----------------------------------------------------------

    @Slot(QAbstractButton, bool)
    def _on_action_group_button_toggled(self, _button: QAbstractButton, checked: bool) -> None:
        if checked:
            action = self.chosen_action()
            if action is not None:
                self._fill_reasons(action)
            self._update()

    @Slot(QListWidgetItem)
    def _on_labels_list_item_changed(self, _item: QListWidgetItem) -> None:
        self._update()

    @Slot(int)
    def _on_reason_combo_current_index_changed(self, _index: int) -> None:
        self._update()

    @Slot()
    def _on_why_edit_text_changed(self) -> None:
        self._update()

    @Slot()
    def _on_buttons_accepted(self) -> None:
        self._send()

    def done(self, result: int) -> None:
        """Close; an override being saved is finished first, so no thread outlives the dialog."""
        self._worker.shutdown()
        super().done(result)
