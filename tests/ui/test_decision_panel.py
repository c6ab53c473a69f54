"""The decision panel driven from the keyboard, as a moderator drives it.

The panel sits in a host window that maps keys the way the review window
does (window-wide shortcuts: A W X E, 1-9, N, Up and Down for the next
item), so each test presses real keys and sees which of the two, the panel
or the window, gets them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QKeySequence, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QHBoxLayout, QWidget

from desktop.core.taxonomy import load_file
from desktop.domain.review import Action, DecisionInfo, DecisionRequest, ItemStatus, ItemView
from desktop.domain.taxonomy import LabelInfo
from desktop.ui.decision_panel import DecisionPanel
from desktop.ui.item_panel import local_time
from desktop.ui.theme import apply_theme, colours
from tests.ui.test_theme import restored_look

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from pytestqt.qtbot import QtBot

TAXONOMY = load_file()
LABELS = TAXONOMY.labels
REASONS = {kind: [r for r in TAXONOMY.reasons if r.kind == kind] for kind in ("remove", "escalate")}
ACTIONS = TAXONOMY.actions
AT = datetime(2026, 11, 20, 9, 14, tzinfo=UTC)


def make_view(**changes: Any) -> ItemView:
    fields: dict[str, Any] = {
        "id": 42,
        "source": "live-blog",
        "external_id": "42",
        "text": "Azerbaijani Soldier Corpse +21",
        "language": "en",
        "author": None,
        "author_name": None,
        "published_at": None,
        "received_at": AT,
        "severity": 3,
        "status": ItemStatus.PENDING,
        "claimed_by": "ani",
        "lease_expires_at": AT + timedelta(minutes=10),
        "media_withheld": False,
        "duplicate_of": None,
    }
    fields.update(changes)
    return ItemView(**fields)


def decision(
    did: str, action: Action, minutes: int, *, who: str = "ani", labels: tuple[str, ...] = (), **more: Any
) -> DecisionInfo:
    fields: dict[str, Any] = {
        "id": did,
        "item_id": 42,
        "action": action,
        "labels": list(labels),
        "reason": None,
        "note": None,
        "reviewer": who,
        "decided_at": AT + timedelta(minutes=minutes),
        "round": 1,
        "overrides": None,
        "undoes": None,
    }
    fields.update(more)
    return DecisionInfo(**fields)


class Host(QWidget):
    """A window with the review window's key map around a decision panel."""

    def __init__(self) -> None:
        super().__init__()
        self.panel = DecisionPanel()
        self.panel.set_taxonomy(LABELS, REASONS, ACTIONS)
        self.moves: list[int] = []  # Up/Down reached the window: the item would change
        layout = QHBoxLayout(self)
        layout.addWidget(self.panel)
        panel = self.panel
        keys: list[tuple[str, Callable[[], None]]] = [
            ("A", lambda: panel.request(Action.APPROVE)),
            ("W", lambda: panel.request(Action.WARN)),
            ("X", lambda: panel.request(Action.REMOVE)),
            ("E", lambda: panel.request(Action.ESCALATE)),
            ("N", panel.focus_note),
            ("Up", lambda: self.moves.append(-1)),
            ("Down", lambda: self.moves.append(+1)),
            # QAction.triggered passes `checked` first; it must not land in `n`.
            *[(str(n), lambda _checked=False, n=n: panel.toggle_label(n)) for n in range(1, 10)],
        ]
        for key, slot in keys:
            action = QAction(self)
            action.setShortcut(QKeySequence(key))
            action.triggered.connect(slot)
            self.addAction(action)


@pytest.fixture
def host(qtbot: QtBot) -> Host:
    window = Host()
    qtbot.addWidget(window)
    window.resize(460, 900)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.panel.show_item(make_view(), can_decide=True)
    return window


@pytest.fixture
def panel(host: Host) -> DecisionPanel:
    return host.panel


class Decisions:
    """What the panel sent."""

    def __init__(self, panel: DecisionPanel) -> None:
        self.sent: list[DecisionRequest] = []
        panel.decided.connect(self.sent.append)


@pytest.fixture
def sent(panel: DecisionPanel) -> Decisions:
    return Decisions(panel)


def press(qtbot: QtBot, *keys: str) -> None:
    """Type ``keys`` into whatever has the focus, as the reviewer would."""
    for key in keys:
        # Keys go to the focused widget, or to the window when nothing in it has the focus.
        target = QApplication.focusWidget() or QApplication.activeWindow()
        assert target is not None, f"no window to press {key!r} in"
        QTest.keySequence(target, QKeySequence(key))


def ticked(panel: DecisionPanel) -> list[int]:
    return [n for n, box in enumerate(panel.label_boxes, start=1) if box.isChecked()]


# --- the taxonomy ----------------------------------------------------------------------


def test_labels_are_numbered_with_descriptions(panel: DecisionPanel) -> None:
    assert len(panel.label_boxes) == len(LABELS) == 15
    texts = [box.text() for box in panel.label_boxes]
    assert texts[0] == "1  Graphic violence"
    assert texts[8] == f"9  {LABELS[8].name}"
    assert texts[9] == f"   {LABELS[9].name}"  # no key after 9
    assert panel.label_boxes[0].toolTip().startswith(LABELS[0].description)
    assert "Key: 1" in panel.label_boxes[0].toolTip()
    newsworthy = panel.label_boxes[-1]
    assert "Newsworthy" in newsworthy.text()
    assert "Only goes with another label" in newsworthy.toolTip()


def test_inactive_labels_are_left_out(panel: DecisionPanel) -> None:
    retired = LabelInfo("old-label", "Old label", "", "warn", "media", "none", None, active=False)
    panel.set_taxonomy([retired, *LABELS[:3]], REASONS, ACTIONS)
    assert [box.text() for box in panel.label_boxes] == [f"{n}  {label.name}" for n, label in enumerate(LABELS[:3], 1)]


def test_an_ampersand_in_a_label_name_is_shown(panel: DecisionPanel) -> None:
    label = LabelInfo("sex-violence", "Sex & violence", "", "warn", "media", "none", None)
    panel.set_taxonomy([label], REASONS, ACTIONS)
    # "&&" is how a button shows one "&" instead of making a mnemonic of it.
    assert panel.label_boxes[0].text() == "1  Sex && violence"


def test_buttons_carry_their_keys(panel: DecisionPanel) -> None:
    assert [b.text() for b in panel.buttons.values()] == [
        "Approve (A)",
        "Approve with warning (W)",
        "Remove (X)",
        "Escalate (E)",
    ]
    for button in panel.buttons.values():
        assert button.toolTip()
        assert button.focusPolicy() == Qt.FocusPolicy.NoFocus


# --- approve and warn ------------------------------------------------------------------


def test_a_approves(qtbot: QtBot, panel: DecisionPanel, sent: Decisions) -> None:
    press(qtbot, "A")
    assert sent.sent == [DecisionRequest(Action.APPROVE, (), None, None)]


def test_approve_with_labels_ticked_is_refused_with_a_hint(qtbot: QtBot, panel: DecisionPanel, sent: Decisions) -> None:
    press(qtbot, "2", "A")
    assert sent.sent == []
    assert panel.hint_label.text() == "Untick the labels or press W"
    press(qtbot, "2")  # unticked: the hint no longer holds
    assert panel.hint_label.text() == ""
    press(qtbot, "A")
    assert sent.sent == [DecisionRequest(Action.APPROVE, (), None, None)]


def test_number_keys_toggle_labels_and_w_sends_them(qtbot: QtBot, panel: DecisionPanel, sent: Decisions) -> None:
    press(qtbot, "1", "3", "5", "5", "W")
    assert ticked(panel) == [1, 3]
    assert sent.sent == [DecisionRequest(Action.WARN, ("graphic-violence", "killing-on-camera"), None, None)]


def test_w_without_labels_points_at_them(qtbot: QtBot, panel: DecisionPanel, sent: Decisions) -> None:
    press(qtbot, "W")
    assert sent.sent == []
    assert "Tick at least one label" in panel.hint_label.text()
    assert panel.label_boxes[0].hasFocus()
    # From there: Space ticks, Down moves between labels (not to the next item), W sends.
    press(qtbot, "Down", "Down", "Space", "Up", "W")
    assert host_moves(panel) == []
    assert ticked(panel) == [3]
    assert sent.sent == [DecisionRequest(Action.WARN, ("killing-on-camera",), None, None)]


def host_moves(panel: DecisionPanel) -> list[int]:
    host = panel.window()
    assert isinstance(host, Host)
    return host.moves


def test_a_label_that_only_accompanies_cannot_go_alone(qtbot: QtBot, panel: DecisionPanel, sent: Decisions) -> None:
    panel.label_boxes[-1].setChecked(True)  # Newsworthy: past 9, ticked by mouse
    press(qtbot, "W")
    assert sent.sent == []
    assert panel.hint_label.text().startswith("Newsworthy only goes with another label")
    press(qtbot, "1", "W")
    assert sent.sent == [DecisionRequest(Action.WARN, ("graphic-violence", "newsworthy"), None, None)]


def test_keys_past_the_labels_do_nothing(panel: DecisionPanel) -> None:
    panel.set_taxonomy(LABELS[:3], REASONS, ACTIONS)
    panel.show_item(make_view(), can_decide=True)
    panel.toggle_label(4)
    panel.toggle_label(0)
    assert ticked(panel) == []
    panel.set_taxonomy(LABELS, REASONS, ACTIONS)
    panel.toggle_label(10)
    assert ticked(panel) == []


# --- remove and escalate ---------------------------------------------------------------


def test_x_opens_the_reasons_and_a_digit_then_enter_removes(
    qtbot: QtBot, panel: DecisionPanel, sent: Decisions
) -> None:
    press(qtbot, "1", "X")
    assert sent.sent == []
    assert panel.reason_box.isVisible()
    assert not panel.history_box.isVisible()  # the reasons take its place
    assert panel.reason_box.title() == "Reason to remove"
    assert panel.reason_list.hasFocus()
    assert panel.reason_list.selectedItems() == []  # no default: a stray Enter sends nothing
    assert [panel.reason_list.item(n).text() for n in range(2)] == [
        "1  Gratuitous graphic content",
        "2  Illegal content",
    ]

    press(qtbot, "Enter")
    assert sent.sent == []
    assert panel.hint_label.text().startswith("Choose a reason first")

    press(qtbot, "3")  # picks the third reason; the window's "3" (a label) stays quiet
    assert ticked(panel) == [1]
    press(qtbot, "Return")
    assert sent.sent == [DecisionRequest(Action.REMOVE, ("graphic-violence",), "victim-dignity", None)]


def test_e_then_arrow_then_e_escalates(qtbot: QtBot, panel: DecisionPanel, sent: Decisions) -> None:
    press(qtbot, "E")
    assert panel.reason_box.title() == "Reason to escalate"
    press(qtbot, "Down")  # the first press picks the first reason
    assert host_moves(panel) == []  # and does not move to the next item
    press(qtbot, "Down", "Up", "E")
    first = REASONS["escalate"][0].code
    assert sent.sent == [DecisionRequest(Action.ESCALATE, (), first, None)]


def test_a_double_click_on_a_reason_sends_it(qtbot: QtBot, panel: DecisionPanel, sent: Decisions) -> None:
    QTest.mouseClick(panel.buttons[Action.REMOVE], Qt.MouseButton.LeftButton)
    assert panel.reason_list.isVisible()
    item = panel.reason_list.item(1)
    point = panel.reason_list.visualItemRect(item).center()
    QTest.mouseClick(panel.reason_list.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    QTest.mouseDClick(panel.reason_list.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    assert sent.sent == [DecisionRequest(Action.REMOVE, (), "illegal", None)]


def test_esc_closes_the_reasons_and_gives_the_keys_back(qtbot: QtBot, panel: DecisionPanel, sent: Decisions) -> None:
    press(qtbot, "X", "2", "Escape")
    assert not panel.reason_box.isVisible()
    assert panel.history_box.isVisible()
    assert panel.hasFocus()  # not the note, where the next key would be typed
    press(qtbot, "2")
    assert ticked(panel) == [2]  # digits are labels again
    press(qtbot, "X")
    assert panel.reason_list.selectedItems() == []  # the earlier choice is gone
    assert sent.sent == []


def test_switching_from_remove_to_escalate_forgets_the_remove_reason(
    qtbot: QtBot, panel: DecisionPanel, sent: Decisions
) -> None:
    press(qtbot, "X", "1", "E")
    assert sent.sent == []
    assert panel.reason_box.title() == "Reason to escalate"
    assert panel.reason_list.selectedItems() == []
    assert panel.reason_list.item(0).text().startswith("1  Suspected child sexual abuse material")
    assert panel.reason_list.item(0).text().endswith("withholds media")


def test_an_escalated_item_cannot_be_escalated_again(qtbot: QtBot, panel: DecisionPanel, sent: Decisions) -> None:
    panel.show_item(make_view(status=ItemStatus.ESCALATED), can_decide=True)
    assert not panel.buttons[Action.ESCALATE].isEnabled()
    press(qtbot, "E")
    assert sent.sent == []
    assert panel.hint_label.text() == "This item is already escalated"
    press(qtbot, "A")  # a supervisor resolves it
    assert sent.sent == [DecisionRequest(Action.APPROVE, (), None, None)]


def test_no_reasons_of_a_kind_says_so(qtbot: QtBot, panel: DecisionPanel, sent: Decisions) -> None:
    panel.set_taxonomy(LABELS, {"remove": REASONS["remove"]}, ACTIONS)
    panel.show_item(make_view(), can_decide=True)
    press(qtbot, "E")
    assert sent.sent == []
    assert not panel.reason_box.isVisible()
    assert "No escalate reasons" in panel.hint_label.text()


def test_undo_is_not_a_decision_the_panel_sends(panel: DecisionPanel) -> None:
    with pytest.raises(ValueError, match="undo is not a decision"):
        panel.request(Action.UNDO)


# --- the note --------------------------------------------------------------------------


def test_n_types_a_note_that_goes_with_the_decision(qtbot: QtBot, panel: DecisionPanel, sent: Decisions) -> None:
    press(qtbot, "N")
    assert panel.note_edit.hasFocus()
    for key in "Aw X1":  # letters and digits are typed, not decided
        press(qtbot, key)
    assert panel.note_edit.toPlainText() == "aw x1"
    assert sent.sent == []
    assert ticked(panel) == []
    press(qtbot, "Escape", "A")
    assert sent.sent == [DecisionRequest(Action.APPROVE, (), None, "aw x1")]


def test_a_blank_note_is_no_note(qtbot: QtBot, panel: DecisionPanel, sent: Decisions) -> None:
    panel.note_edit.setPlainText("   \n ")
    press(qtbot, "A")
    assert sent.sent == [DecisionRequest(Action.APPROVE, (), None, None)]


# --- when nothing may be sent ----------------------------------------------------------


def test_pending_blocks_every_way_of_sending(qtbot: QtBot, panel: DecisionPanel, sent: Decisions) -> None:
    panel.set_pending(True)
    assert panel.status_label.text() == "Saving…"
    assert not any(button.isEnabled() for button in panel.buttons.values())
    assert not panel.label_boxes[0].isEnabled()
    press(qtbot, "A", "1", "W", "X")
    panel.request(Action.APPROVE)
    assert sent.sent == []
    assert ticked(panel) == []
    assert not panel.reason_box.isVisible()

    panel.set_pending(True, retrying=True)
    assert panel.status_label.text() == "Pending — will retry"
    panel.set_pending(False)
    assert panel.status_label.text() == ""
    press(qtbot, "A")
    assert sent.sent == [DecisionRequest(Action.APPROVE, (), None, None)]


def test_pending_takes_the_focus_out_of_the_reasons(qtbot: QtBot, panel: DecisionPanel) -> None:
    press(qtbot, "X", "1", "Return")
    panel.set_pending(True)
    focused = QApplication.focusWidget()
    # Not passed on to the note, where a key meant for the window would be typed.
    assert focused is panel


def test_cannot_decide_sends_nothing(qtbot: QtBot, panel: DecisionPanel, sent: Decisions) -> None:
    panel.show_item(make_view(claimed_by="vardan"), can_decide=False)
    press(qtbot, "A", "1", "W", "X")
    panel.request(Action.ESCALATE)
    assert sent.sent == []
    assert not any(button.isEnabled() for button in panel.buttons.values())
    panel.show_item(None, can_decide=True)  # no item: nothing to decide, whatever the caller says
    press(qtbot, "A")
    assert sent.sent == []


def test_show_item_starts_afresh(qtbot: QtBot, panel: DecisionPanel, sent: Decisions) -> None:
    press(qtbot, "1", "N")
    for key in "note":
        press(qtbot, key)
    press(qtbot, "Escape", "X", "2")
    panel.set_pending(True, retrying=True)

    panel.show_item(make_view(id=43), can_decide=True)

    assert ticked(panel) == []
    assert panel.note_edit.toPlainText() == ""
    assert not panel.reason_box.isVisible()
    assert panel.status_label.text() == ""
    assert panel.hint_label.text() == ""
    assert not panel.pending
    press(qtbot, "A")
    assert sent.sent == [DecisionRequest(Action.APPROVE, (), None, None)]


# --- history ---------------------------------------------------------------------------


def test_history_strikes_out_what_was_undone_or_overridden(panel: DecisionPanel) -> None:
    history = [
        decision("d1", Action.REMOVE, 0, labels=("graphic-violence",), reason="gratuitous", note="no news value"),
        decision("d2", Action.UNDO, 1, undoes="d1"),
        decision("d3", Action.WARN, 2, labels=("extreme-gore", "newsworthy")),
        decision("d4", Action.APPROVE, 30, who="supervisor", overrides="d3", note="text only"),
    ]
    panel.show_item(make_view(decisions=history), can_decide=True)

    rows = [panel.history_list.item(n) for n in range(panel.history_list.count())]
    assert [row.font().strikeOut() for row in rows] == [True, False, True, False]
    texts = [row.text().splitlines() for row in rows]
    assert texts[0] == [
        "Remove — Gratuitous graphic content",
        "Labels: Graphic violence",
        "Note: no news value",
        f"ani · {local_time(AT)}",
        f"Undone by ani · {local_time(AT + timedelta(minutes=1))}",
    ]
    assert texts[1][0] == "Undo of Remove"
    assert texts[2][:2] == ["Approve with warning", "Labels: Extreme gore (NSFL), Newsworthy"]
    assert texts[2][-1] == f"Overridden by supervisor · {local_time(AT + timedelta(minutes=30))}"
    assert texts[3][:2] == ["Approve (overrides ani's Approve with warning)", "Note: text only"]
    assert not panel.history_empty.isVisible()


def test_an_undo_before_the_decision_does_not_strike_it(panel: DecisionPanel) -> None:
    # Only a later undo withdraws a decision.
    history = [decision("d2", Action.UNDO, 0, undoes="d1"), decision("d1", Action.REMOVE, 1, reason="spam")]
    panel.show_item(make_view(decisions=history), can_decide=True)
    assert [panel.history_list.item(n).font().strikeOut() for n in range(2)] == [False, False]


def test_no_history_says_so(panel: DecisionPanel) -> None:
    panel.show_item(make_view(), can_decide=True)
    assert panel.history_list.count() == 0
    assert panel.history_empty.isVisible()
    assert panel.history_empty.text() == "No decisions yet"


# --- themes ----------------------------------------------------------------------------


@pytest.fixture
def app_look(qapp: QApplication) -> Iterator[QApplication]:
    with restored_look(qapp):
        yield qapp


@pytest.mark.parametrize("name", ["dark", "light"])
def test_rendered_in_each_theme(qtbot: QtBot, app_look: QApplication, name: str) -> None:
    apply_theme(app_look, name, 12)
    window = Host()
    qtbot.addWidget(window)
    window.resize(460, 900)
    window.panel.show_item(make_view(), can_decide=True)
    window.panel.toggle_label(1)
    window.panel.request(Action.APPROVE)  # refused, with the hint in amber
    window.show()
    qtbot.waitExposed(window)

    image = window.grab().toImage()
    theme = colours(name)
    assert image.pixelColor(window.width() - 3, window.height() - 3) == QColor(theme.window)
    hint = window.panel.hint_label
    assert hint.text() == "Untick the labels or press W"
    assert hint.palette().color(QPalette.ColorRole.WindowText) == QColor(theme.warning_text)
