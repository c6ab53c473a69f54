"""The review window's menus and keys: every action in a menu, with its shortcut shown there and in its tooltip."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

from desktop.domain.review import Action

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from PySide6.QtWidgets import QMainWindow, QMenu

    from desktop.ui.decision_panel import DecisionPanel
    from desktop.ui.media_view import MediaGrid


def menu_action(
    window: QMainWindow,
    menu: QMenu,
    text: str,
    keys: str | QKeySequence.StandardKey,
    tip: str,
    slot: Callable[[], object],
) -> QAction:
    """An action in ``menu`` that works wherever the focus is in ``window``."""
    act = QAction(text, window)
    act.setShortcut(QKeySequence(keys))
    shown = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    act.setToolTip(f"{tip} ({shown})" if shown else tip)
    act.setStatusTip(tip)
    act.triggered.connect(slot)
    menu.addAction(act)
    window.addAction(act)
    return act


def review_actions(
    window: QMainWindow, panel: DecisionPanel, grid: MediaGrid, slots: Mapping[str, Callable[[], object]]
) -> dict[str, QAction]:
    """The File, Review, View and Help menus and the keys without a menu entry, by name; ``slots``
    are the window's own (import, demo, settings, refresh, quit, skip, undo, suggestion, bulk,
    second_review, feedback, next, previous, shortcuts)."""
    actions: dict[str, QAction] = {}
    Key = QKeySequence.StandardKey  # noqa: N806 - a short alias for the table below
    # menu, name, text, shortcut, what it does, slot
    table: list[tuple[str, str, str, str | QKeySequence.StandardKey, str, Callable[[], object]]] = [
        ("&File", "import", "&Import…", "Ctrl+I", "Add files, folders, manifests or Telegram exports",
         slots["import"]),
        ("&File", "demo", "Load &demo feed", "", "Add the bundled demo feed to the queue", slots["demo"]),
        ("&File", "settings", "&Settings…", "Ctrl+,", "Blur, greyscale, reminders, theme, database",
         slots["settings"]),
        ("&File", "refresh", "&Refresh", Key.Refresh, "Read the queue again", slots["refresh"]),
        ("&File", "quit", "&Quit", Key.Quit, "Close Veil", slots["quit"]),
        ("&Review", "approve", "&Approve", "A", "Approve the item", lambda: panel.request(Action.APPROVE)),
        ("&Review", "warn", "Approve with &warning", "W", "Approve with warning labels: tick them (1-9)",
         lambda: panel.request(Action.WARN)),
        ("&Review", "remove", "Re&move", "X", "Remove the item, with a reason",
         lambda: panel.request(Action.REMOVE)),
        ("&Review", "escalate", "&Escalate", "E", "Send the item to a supervisor, with a reason",
         lambda: panel.request(Action.ESCALATE)),
        ("&Review", "skip", "&Skip", "S", "Pass the item on; it will not come back to you", slots["skip"]),
        ("&Review", "undo", "&Undo last decision", "U", "Withdraw your last decision, within the grace period",
         slots["undo"]),
        ("&Review", "note", "&Note", "N", "Write a note to go with the decision", panel.focus_note),
        ("&Review", "suggestion", "Apply the near-duplicate's decision", "Y",
         "Decide as was decided on the near-duplicate", slots["suggestion"]),
        ("&Review", "bulk", "Approve selected &quiet items", "Shift+A",
         "Approve the selected items that have no media, no markers and severity S0", slots["bulk"]),
        ("&Review", "second_review", "Blind second &review", "Ctrl+2",
         "Decide sampled items again without seeing the first decision; again to return to the queue",
         slots["second_review"]),
        ("&Review", "feedback", "My &feedback…", "Ctrl+F",
         "Your decisions that a supervisor overrode, with their reasons", slots["feedback"]),
        ("&Review", "next", "&Next item", "J", "The next item in the list", slots["next"]),
        ("&Review", "previous", "&Previous item", "K", "The previous item in the list", slots["previous"]),
        ("&View", "reveal", "&Reveal", "R", "The medium under the mouse unblurred, in greyscale; again to blur",
         grid.toggle_reveal),
        ("&View", "reveal_all", "Reveal &all media", "Shift+R", "All the item's media unblurred; again to blur",
         grid.reveal_all),
        ("&View", "colour", "&Colour", "C", "Colour on or off (greyscale is the default)", grid.toggle_colour),
        ("&View", "stronger", "&Stronger blur", "[", "One step towards opaque", lambda: grid.step_level(-1)),
        ("&View", "lighter", "&Lighter blur", "]", "One step towards clear", lambda: grid.step_level(+1)),
        ("&Help", "shortcuts", "&Keyboard shortcuts", "?", "Every shortcut on one sheet", slots["shortcuts"]),
    ]  # fmt: skip
    menus: dict[str, QMenu] = {}
    for menu_name, name, text, keys, tip, slot in table:
        menu = menus.get(menu_name) or menus.setdefault(menu_name, window.menuBar().addMenu(menu_name))
        actions[name] = menu_action(window, menu, text, keys, tip, slot)
    # Keys without a menu entry of their own: arrows as J/K, number keys for labels.
    hidden: list[tuple[str, str, Callable[[], object]]] = [
        ("next2", "Down", slots["next"]),
        ("previous2", "Up", slots["previous"]),
        # triggered(checked) would fill n: the first parameter takes it instead.
        *[(f"label{n}", str(n), lambda _checked=False, n=n: panel.toggle_label(n)) for n in range(1, 10)],
    ]
    for name, keys, slot in hidden:
        act = QAction(window)
        act.setShortcut(QKeySequence(keys))
        act.triggered.connect(slot)
        window.addAction(act)
        actions[name] = act
    return actions
