"""The review window's menus and keys: every action in a menu, with its shortcut shown there and in its tooltip."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

from desktop.domain.review import Action

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtWidgets import QMainWindow, QMenu

    from desktop.ui.review_window import ReviewWindow


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


def review_actions(window: ReviewWindow) -> dict[str, QAction]:
    """The File, Review, View and Help menus and the keys without a menu entry, by name."""
    actions: dict[str, QAction] = {}
    panel, grid, controller = window.decision_panel, window.grid, window.controller
    Key = QKeySequence.StandardKey  # noqa: N806 - a short alias for the table below
    # menu, name, text, shortcut, what it does, slot
    table: list[tuple[str, str, str, str | QKeySequence.StandardKey, str, Callable[[], object]]] = [
        ("&File", "import", "&Import…", "Ctrl+I", "Add files, folders, manifests or Telegram exports",
         window.show_import),
        ("&File", "demo", "Load &demo feed", "", "Add the bundled demo feed to the queue", window.load_demo),
        ("&File", "settings", "&Settings…", "Ctrl+,", "Blur, greyscale, reminders, theme, database",
         window.show_settings),
        ("&File", "refresh", "&Refresh", Key.Refresh, "Read the queue again", window.refresh),
        ("&File", "quit", "&Quit", Key.Quit, "Close Veil", window.close),
        ("&Review", "approve", "&Approve", "A", "Approve the item", lambda: panel.request(Action.APPROVE)),
        ("&Review", "warn", "Approve with &warning", "W", "Approve with warning labels: tick them (1-9)",
         lambda: panel.request(Action.WARN)),
        ("&Review", "remove", "Re&move", "X", "Remove the item, with a reason",
         lambda: panel.request(Action.REMOVE)),
        ("&Review", "escalate", "&Escalate", "E", "Send the item to a supervisor, with a reason",
         lambda: panel.request(Action.ESCALATE)),
        ("&Review", "skip", "&Skip", "S", "Pass the item on; it will not come back to you", controller.skip),
        ("&Review", "undo", "&Undo last decision", "U", "Withdraw your last decision, within the grace period",
         controller.undo),
        ("&Review", "note", "&Note", "N", "Write a note to go with the decision", panel.focus_note),
        ("&Review", "suggestion", "Apply the near-duplicate's decision", "Y",
         "Decide as was decided on the near-duplicate", controller.apply_suggestion),
        ("&Review", "bulk", "Approve selected &quiet items", "Shift+A",
         "Approve the selected items that have no media, no markers and severity S0", window.approve_selected),
        ("&Review", "second_review", "Blind second &review", "Ctrl+2",
         "Decide sampled items again without seeing the first decision; again to return to the queue",
         window.toggle_second_review),
        ("&Review", "feedback", "My &feedback…", "Ctrl+F",
         "Your decisions that a supervisor overrode, with their reasons", window.show_feedback),
        ("&Review", "next", "&Next item", "J", "The next item in the list", lambda: window.step_item(+1)),
        ("&Review", "previous", "&Previous item", "K", "The previous item in the list", lambda: window.step_item(-1)),
        ("&View", "reveal", "&Reveal", "R", "The medium under the mouse unblurred, in greyscale; again to blur",
         grid.toggle_reveal),
        ("&View", "reveal_all", "Reveal &all media", "Shift+R", "All the item's media unblurred; again to blur",
         grid.reveal_all),
        ("&View", "colour", "&Colour", "C", "Colour on or off (greyscale is the default)", grid.toggle_colour),
        ("&View", "stronger", "&Stronger blur", "[", "One step towards opaque", lambda: grid.step_level(-1)),
        ("&View", "lighter", "&Lighter blur", "]", "One step towards clear", lambda: grid.step_level(+1)),
        ("&Help", "shortcuts", "&Keyboard shortcuts", "?", "Every shortcut on one sheet", window.show_shortcuts),
    ]  # fmt: skip
    menus: dict[str, QMenu] = {}
    for menu_name, name, text, keys, tip, slot in table:
        menu = menus.get(menu_name) or menus.setdefault(menu_name, window.menuBar().addMenu(menu_name))
        actions[name] = menu_action(window, menu, text, keys, tip, slot)
    # Keys without a menu entry of their own: arrows as J/K, number keys for labels.
    hidden: list[tuple[str, str, Callable[[], None]]] = [
        ("next2", "Down", lambda: window.step_item(+1)),
        ("previous2", "Up", lambda: window.step_item(-1)),
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
