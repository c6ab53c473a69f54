"""The decision on the item in front of the reviewer: action, labels, reason, note.

Built for the keyboard. The window maps A, W, X, E to :meth:`DecisionPanel.request`,
1-9 to :meth:`DecisionPanel.toggle_label` and N to :meth:`DecisionPanel.focus_note`;
the panel checks a request by the rule the service checks it by
(:func:`desktop.domain.taxonomy.decision_problem`, from the taxonomy's
actions) and says in one line what is missing instead of sending something
the service would refuse.

The fast paths:

- A: approve (no labels ticked).
- 1, 3, W: tick labels 1 and 3, approve with those warnings.
- X, 2, Enter (or X, 2, X): remove for the second reason. X opens the reason
  list with the focus in it and nothing chosen, so a stray Enter sends
  nothing; a digit or an arrow chooses, Enter (or the action's key) sends,
  Esc closes the list. E does the same for escalations.
- N, type, Esc: a note; Esc gives the keys back to the window.

The panel never sends while the window says a decision is being saved
(``set_pending(True)``) or the item is not the reviewer's to decide; the
window owns the pending state and ends it with ``set_pending(False)`` or by
showing the next item.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QFocusEvent, QFont, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.review import ACTION_NAMES, Action, DecisionRequest
from desktop.domain.taxonomy import Lack, decision_problem
from desktop.ui.item_panel import local_time

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from desktop.domain.review import DecisionInfo, ItemView
    from desktop.domain.taxonomy import ActionInfo, LabelInfo, ReasonInfo

NUMBERED = 9  # labels and reasons 1-9 have a key; any after that are picked by mouse or arrows
NOTE_LINES = 3
_REASON_CODE_ROLE = Qt.ItemDataRole.UserRole + 1
_KEYS = {
    Action.APPROVE: "A",
    Action.WARN: "W",
    Action.REMOVE: "X",
    Action.ESCALATE: "E",
}
_TOOLTIPS = {
    Action.APPROVE: "Approve: fine as it is, no warning. Takes no labels.",
    Action.WARN: "Approve with warning labels: tick at least one label (1-9) first.",
    Action.REMOVE: "Remove: choose a reason (1-9, then Enter). Ticked labels are recorded with it.",
    Action.ESCALATE: "Escalate to a supervisor: choose a reason (1-9, then Enter).",
}


def _digit(event: QKeyEvent) -> int | None:
    """1-9 for a plain digit key (main row or keypad), else None."""
    plain = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier == Qt.KeyboardModifier.NoModifier
    key = event.key()
    if plain and Qt.Key.Key_1.value <= key <= Qt.Key.Key_9.value:
        return key - Qt.Key.Key_0.value
    return None


def _is_enter(event: QKeyEvent) -> bool:
    return event.key() in (Qt.Key.Key_Return.value, Qt.Key.Key_Enter.value)


# Keys that move within a list; the window maps Up and Down to the next and
# previous item, which must not happen while the reviewer picks a reason.
_MOVES = frozenset(
    key.value
    for key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)
)


class _ReasonList(QListWidget):
    """Reasons, picked by digit or arrows and sent with Enter."""

    # Enter on the list, or a double click on a reason
    confirmed = Signal()
    # Esc on the list
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # Long reason names wrap: a reviewer reads the whole reason, never half of it.
        self.setWordWrap(True)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.itemDoubleClicked.connect(self._on_item_double_clicked)

    def event(self, event: QEvent) -> bool:
        # The window maps digits to labels, arrows to items and may map Esc;
        # while the list has the focus those keys choose a reason instead.
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and (
                _digit(event) is not None
                or _is_enter(event)
                or event.key() == Qt.Key.Key_Escape.value
                or event.key() in _MOVES
            )
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        digit = _digit(event)
        if digit is not None:
            if digit <= min(self.count(), NUMBERED):
                self.setCurrentRow(digit - 1)
            event.accept()
        elif _is_enter(event):
            event.accept()
            self.confirmed.emit()
        elif event.key() == Qt.Key.Key_Escape.value:
            event.accept()
            self.cancelled.emit()
        else:
            super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        if not self.selectedItems():
            # Qt makes the first row current on focus, so Down would skip it;
            # with no current row the first key the reviewer presses decides.
            self.selectionModel().setCurrentIndex(QModelIndex(), QItemSelectionModel.SelectionFlag.NoUpdate)

    def chosen(self) -> str | None:
        items = self.selectedItems()
        return str(items[0].data(_REASON_CODE_ROLE)) if items else None

    @Slot(QListWidgetItem)
    def _on_item_double_clicked(self, _item: QListWidgetItem) -> None:
        self.confirmed.emit()


class _LabelBox(QCheckBox):
    """A label's checkbox: Up and Down move to the neighbouring label, Space ticks."""

    # -1 or +1: the reviewer pressed Up or Down here
    step_requested = Signal(int)

    def event(self, event: QEvent) -> bool:
        # Up and Down are the window's previous and next item; on a label they
        # move between labels, where W with nothing ticked puts the focus.
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Up.value, Qt.Key.Key_Down.value)
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Up.value, Qt.Key.Key_Down.value):
            event.accept()
            self.step_requested.emit(-1 if event.key() == Qt.Key.Key_Up.value else 1)
            return
        super().keyPressEvent(event)


class _NoteEdit(QPlainTextEdit):
    """A short note; Esc hands the keys back to the window."""

    # Esc in the note
    left = Signal()

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape.value
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape.value:
            event.accept()
            self.left.emit()
            return
        super().keyPressEvent(event)


class DecisionPanel(QWidget):
    # a DecisionRequest, checked as the service checks it
    decided = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._labels: list[LabelInfo] = []
        self._reasons: dict[str, list[ReasonInfo]] = {}
        self._actions: list[ActionInfo] = []
        self._view: ItemView | None = None
        self._can_decide = False
        self._pending = False
        self._reason_action: Action | None = None  # the action the open reason list is for
        # The panel itself holds the focus when nothing in it should, so the
        # window's single-key shortcuts keep working.
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self._build()
        self._connect_signals()
        self.show_item(None, can_decide=False)

    # -- building -------------------------------------------------------

    def _build(self) -> None:
        self.buttons: dict[Action, QPushButton] = {}
        buttons = QGridLayout()
        for n, action in enumerate(_KEYS):
            button = QPushButton(f"{ACTION_NAMES[action]} ({_KEYS[action]})")
            button.setToolTip(f"{_TOOLTIPS[action]} Key: {_KEYS[action]}")
            # Clicking must not move the focus: the keys stay with the window.
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.buttons[action] = button
            buttons.addWidget(button, n // 2, n % 2)

        self.labels_box = QGroupBox("Warning labels")
        self._labels_layout = QVBoxLayout(self.labels_box)
        self._labels_layout.setSpacing(2)
        self.label_boxes: list[_LabelBox] = []

        self.reason_box = QGroupBox()
        reason_layout = QVBoxLayout(self.reason_box)
        self.reason_list = _ReasonList()
        reason_layout.addWidget(self.reason_list)
        self.reason_box.hide()

        self.note_edit = _NoteEdit()
        self.note_edit.setPlaceholderText("Note (N), optional. Esc to leave the note.")
        self.note_edit.setTabChangesFocus(True)
        line = self.note_edit.fontMetrics().lineSpacing()
        self.note_edit.setFixedHeight(line * NOTE_LINES + 2 * self.note_edit.frameWidth() + 8)

        self.hint_label = QLabel()
        self.hint_label.setObjectName("decisionHint")
        self.hint_label.setWordWrap(True)
        self.hint_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # Room for a two-line hint kept free, so the labels below never jump
        # under the reviewer's eyes (or mouse) when one appears.
        self.hint_label.setMinimumHeight(2 * self.hint_label.fontMetrics().lineSpacing())
        self.status_label = QLabel()
        self.status_label.setObjectName("pendingStatus")
        bold = QFont(self.status_label.font())
        bold.setBold(True)
        self.status_label.setFont(bold)

        self.history_box = QGroupBox("History")
        history_layout = QVBoxLayout(self.history_box)
        self.history_empty = QLabel("No decisions yet")
        self.history_empty.setEnabled(False)
        self.history_list = QListWidget()
        self.history_list.setWordWrap(True)
        self.history_list.setSpacing(3)
        self.history_list.setAlternatingRowColors(True)
        self.history_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.history_list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.history_list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        history_layout.addWidget(self.history_empty)
        history_layout.addWidget(self.history_list, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        notices = QHBoxLayout()
        notices.addWidget(self.hint_label, 1)
        notices.addWidget(self.status_label, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(notices)
        layout.addWidget(self.labels_box)
        layout.addWidget(self.note_edit)
        # The reasons take the history's place while they are open: the panel
        # stays short enough for a laptop screen.
        layout.addWidget(self.reason_box, 1)
        layout.addWidget(self.history_box, 1)

    def _connect_signals(self) -> None:
        self.buttons[Action.APPROVE].clicked.connect(self._on_approve_button_clicked)
        self.buttons[Action.WARN].clicked.connect(self._on_warn_button_clicked)
        self.buttons[Action.REMOVE].clicked.connect(self._on_remove_button_clicked)
        self.buttons[Action.ESCALATE].clicked.connect(self._on_escalate_button_clicked)
        self.reason_list.confirmed.connect(self._on_reason_list_confirmed)
        self.reason_list.cancelled.connect(self._on_reason_list_cancelled)
        self.note_edit.left.connect(self._on_note_edit_left)

    # -- the taxonomy ---------------------------------------------------

    def set_taxonomy(
        self,
        labels: Sequence[LabelInfo],
        reasons: Mapping[str, Sequence[ReasonInfo]],
        actions: Sequence[ActionInfo],
    ) -> None:
        """The labels to offer (active ones, in this order), the reasons by kind ("remove", "escalate")
        and the actions with what each requires."""
        self._labels = [label for label in labels if label.active]
        self._reasons = {kind: list(found) for kind, found in reasons.items()}
        self._actions = list(actions)
        for box in self.label_boxes:
            self._labels_layout.removeWidget(box)
            box.deleteLater()
        self.label_boxes = []
        for n, label in enumerate(self._labels, start=1):
            key = str(n) if n <= NUMBERED else " "
            # "&" would otherwise mark a mnemonic and vanish from the name.
            box = _LabelBox(f"{key}  {label.name.replace('&', '&&')}")
            box.setToolTip(self._label_tooltip(label, n))
            box.toggled.connect(self._on_label_box_toggled)
            box.step_requested.connect(self._on_label_box_step_requested)
            self.label_boxes.append(box)
            self._labels_layout.addWidget(box)
        self._close_reasons()
        self._update_enabled()

    @staticmethod
    def _label_tooltip(label: LabelInfo, number: int) -> str:
        lines = [label.description or label.name]
        if label.accompanies_only:
            lines.append("Only goes with another label that describes the content.")
        if label.age_gate:
            lines.append(f"Age gate {label.age_gate}+.")
        if number <= NUMBERED:
            lines.append(f"Key: {number}")
        return "\n".join(lines)

    # -- the item -------------------------------------------------------

    def show_item(self, view: ItemView | None, *, can_decide: bool) -> None:
        """Show ``view``'s history and start a fresh decision on it; ends any pending state."""
        self._park_focus()
        self._view = view
        self._can_decide = view is not None and can_decide
        self._pending = False
        self.status_label.clear()
        self.hint_label.clear()
        for box in self.label_boxes:
            box.setChecked(False)
        self._close_reasons()
        self.note_edit.clear()
        self._fill_history(view.decisions if view else [])
        self._update_enabled()

    def set_pending(self, pending: bool, *, retrying: bool = False) -> None:
        """While a decision is saved (or waits to be retried) nothing more can be sent."""
        if pending:
            self._park_focus()
            self.hint_label.clear()  # the request it was about has been sent
        self._pending = pending
        if not pending:
            self.status_label.clear()
        else:
            self.status_label.setText("Pending — will retry" if retrying else "Saving…")
        self._update_enabled()

    @property
    def pending(self) -> bool:
        return self._pending

    def _ready(self) -> bool:
        return self._can_decide and not self._pending and self._view is not None

    def _escalated(self) -> bool:
        return self._view is not None and self._view.status.value == "escalated"

    def _update_enabled(self) -> None:
        ready = self._ready()
        for action, button in self.buttons.items():
            button.setEnabled(ready and not (action == Action.ESCALATE and self._escalated()))
        for box in self.label_boxes:
            box.setEnabled(ready)
        self.reason_list.setEnabled(ready)
        self.note_edit.setEnabled(ready)

    def _park_focus(self) -> None:
        """Take the focus from a child about to be hidden or disabled.

        Qt would pass it on to the next widget in the tab chain, which may be
        the note, where A or X would be typed instead of deciding.
        """
        focused = QApplication.focusWidget()
        if focused is not None and focused is not self and self.isAncestorOf(focused):
            self.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- the keyboard's entry points ------------------------------------

    def request(self, action: Action) -> None:
        """Decide ``action`` on the item shown, or say in the hint line what is missing."""
        if action not in _KEYS:
            raise ValueError(f"{action.value} is not a decision")
        if not self._ready() or not self._actions:
            return
        labels = self._ticked()
        reason = self.reason_list.chosen() if self._reason_action == action else None
        problem = decision_problem(action, labels, reason, self._actions)
        if problem is not None and problem.lack is Lack.CONTENT_LABEL_MISSING:
            names = ", ".join(label.name for label in labels)
            self._hint(f"{names} only goes with another label: tick the one that describes the content")
        elif action == Action.ESCALATE and self._escalated():
            self._hint("This item is already escalated")
        elif problem is None:
            note = self.note_edit.toPlainText().strip() or None
            self._send(DecisionRequest(action, tuple(label.code for label in labels), reason, note))
        elif problem.lack is Lack.LABELS_REFUSED:
            self._hint("Untick the labels or press W")
        elif problem.lack is Lack.LABEL_MISSING:
            self._hint("Tick at least one label (1-9), then press W again")
            self.focus_labels()
        elif problem.lack is Lack.REASON_MISSING:
            self._open_reasons(action)
        else:
            self._hint(problem.message)

    def toggle_label(self, number: int) -> None:
        """Tick or untick the ``number``-th label (1-9)."""
        if not self._ready() or not 1 <= number <= min(NUMBERED, len(self.label_boxes)):
            return
        self.label_boxes[number - 1].toggle()

    def focus_labels(self) -> None:
        if self.label_boxes and self._ready():
            self.label_boxes[0].setFocus(Qt.FocusReason.ShortcutFocusReason)

    def focus_note(self) -> None:
        if self._ready():
            self.note_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # -- helpers --------------------------------------------------------

    def _ticked(self) -> list[LabelInfo]:
        return [label for label, box in zip(self._labels, self.label_boxes, strict=True) if box.isChecked()]

    def _hint(self, text: str) -> None:
        self.hint_label.setText(text)

    def _send(self, decision: DecisionRequest) -> None:
        self.hint_label.clear()
        self.decided.emit(decision)

    def _open_reasons(self, action: Action) -> None:
        kind = action.value  # reasons are kept by the kind of action they give a reason for
        reasons = self._reasons.get(kind, [])
        if not reasons:
            self._hint(f"No {kind} reasons are set up; ask an admin (veil labels reasons)")
            return
        if self._reason_action != action:
            self.reason_list.clear()
            for n, reason in enumerate(reasons, start=1):
                key = str(n) if n <= NUMBERED else " "
                withheld = " — withholds media" if reason.withholds_media else ""
                item = QListWidgetItem(f"{key}  {reason.name}{withheld}")
                item.setData(_REASON_CODE_ROLE, reason.code)
                item.setToolTip(reason.description or reason.name)
                self.reason_list.addItem(item)
            self._reason_action = action
        self.reason_list.clearSelection()
        self.reason_list.selectionModel().setCurrentIndex(QModelIndex(), QItemSelectionModel.SelectionFlag.NoUpdate)
        self.reason_box.setTitle(f"Reason to {kind}")
        self.history_box.hide()
        self.reason_box.show()
        self.reason_list.setFocus(Qt.FocusReason.ShortcutFocusReason)
        last = min(len(reasons), NUMBERED)
        self._hint(f"Choose a reason to {kind}: 1-{last} or arrows, then Enter (Esc cancels)")

    def _close_reasons(self) -> None:
        self._park_focus()
        self._reason_action = None
        self.reason_list.clear()
        self.reason_box.hide()
        self.history_box.show()

    def _fill_history(self, decisions: Sequence[DecisionInfo]) -> None:
        self.history_list.clear()
        label_names = {label.code: label.name for label in self._labels}
        reason_names = {(kind, r.code): r.name for kind, found in self._reasons.items() for r in found}
        by_id = {d.id: d for d in decisions}
        undone_by: dict[str, DecisionInfo] = {}
        overridden_by: dict[str, DecisionInfo] = {}
        rows: list[QListWidgetItem] = []
        # Newest first, so each decision knows of the later ones that withdrew it.
        for decision in reversed(decisions):
            lines = [self._headline(decision, by_id, reason_names)]
            if decision.labels:
                lines.append("Labels: " + ", ".join(label_names.get(code, code) for code in decision.labels))
            if decision.note:
                lines.append(f"Note: {decision.note}")
            lines.append(f"{decision.reviewer} · {local_time(decision.decided_at)}")
            withdrawn = undone_by.get(decision.id) or overridden_by.get(decision.id)
            if withdrawn is not None:
                how = "Undone" if withdrawn.action == Action.UNDO else "Overridden"
                lines.append(f"{how} by {withdrawn.reviewer} · {local_time(withdrawn.decided_at)}")
            item = QListWidgetItem("\n".join(lines))
            if withdrawn is not None:
                font = QFont(item.font())
                font.setStrikeOut(True)
                item.setFont(font)
            rows.append(item)
            if decision.action == Action.UNDO and decision.undoes:
                undone_by[decision.undoes] = decision
            if decision.overrides:
                overridden_by[decision.overrides] = decision
        for item in reversed(rows):
            self.history_list.addItem(item)
        self.history_empty.setVisible(not decisions)
        self.history_list.setVisible(bool(decisions))

    @staticmethod
    def _headline(
        decision: DecisionInfo, by_id: Mapping[str, DecisionInfo], reason_names: Mapping[tuple[str, str], str]
    ) -> str:
        name = ACTION_NAMES.get(decision.action, decision.action.value)
        if decision.action == Action.UNDO:
            earlier = by_id.get(decision.undoes or "")
            return f"Undo of {ACTION_NAMES.get(earlier.action, '?')}" if earlier else "Undo"
        if decision.reason:
            name += f" — {reason_names.get((decision.action.value, decision.reason), decision.reason)}"
        if decision.overrides:
            earlier = by_id.get(decision.overrides)
            replaced = f"{earlier.reviewer}'s {ACTION_NAMES.get(earlier.action, '?')}" if earlier else "a decision"
            name += f" (overrides {replaced})"
        if decision.round > 1:
            name += f" · round {decision.round}"
        return name

    # -- slots ----------------------------------------------------------

    @Slot()
    def _on_approve_button_clicked(self) -> None:
        self.request(Action.APPROVE)

    @Slot()
    def _on_warn_button_clicked(self) -> None:
        self.request(Action.WARN)

    @Slot()
    def _on_remove_button_clicked(self) -> None:
        self.request(Action.REMOVE)

    @Slot()
    def _on_escalate_button_clicked(self) -> None:
        self.request(Action.ESCALATE)

    @Slot(bool)
    def _on_label_box_toggled(self, _checked: bool) -> None:
        self.hint_label.clear()  # whatever it said about the labels may no longer hold

    @Slot(int)
    def _on_label_box_step_requested(self, step: int) -> None:
        sender = self.sender()
        if not isinstance(sender, _LabelBox) or sender not in self.label_boxes:
            return
        at = (self.label_boxes.index(sender) + step) % len(self.label_boxes)
        self.label_boxes[at].setFocus(Qt.FocusReason.TabFocusReason)

    @Slot()
    def _on_reason_list_confirmed(self) -> None:
        action = self._reason_action
        if action is None:
            return
        if self.reason_list.chosen() is None:
            last = min(self.reason_list.count(), NUMBERED)
            self._hint(f"Choose a reason first: 1-{last} or arrows")
            return
        self.request(action)

    @Slot()
    def _on_reason_list_cancelled(self) -> None:
        self._close_reasons()
        self.hint_label.clear()

    @Slot()
    def _on_note_edit_left(self) -> None:
        self._park_focus()
