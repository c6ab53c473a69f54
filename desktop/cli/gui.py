"""The window, and the error box when the window cannot open.

The only module of the command line that imports Qt, and only inside these
functions, so every other command runs on a machine with no screen.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from desktop.domain.errors import UsageError

if TYPE_CHECKING:
    import argparse

    from desktop.cli.context import Context


def open_window(args: argparse.Namespace, ctx: Context) -> int:
    headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM"))
    if sys.platform.startswith("linux") and headless:
        # Qt would abort with a message about xcb plugins that helps no one.
        raise UsageError(
            "no screen to open the window on (DISPLAY is not set); the command line works without one: veil --help"
        )
    from desktop.ui.app import run

    return run(ctx.settings, screenshot=args.screenshot, size=args.size)


def window_was_asked_for(args: argparse.Namespace) -> bool:
    """``veil gui`` that failed before its window opened, with a screen to
    say so on: from a desktop menu nobody reads stderr. Not for screenshots
    or the offscreen platform, where a dialog would wait for nobody."""
    if getattr(args, "command", None) not in (None, "gui") or getattr(args, "screenshot", None):
        return False
    if os.environ.get("QT_QPA_PLATFORM", "").startswith(("offscreen", "minimal")):
        return False
    # X11 (XWayland under Wayland): the installed program carries Qt's xcb
    # plugin only, and Qt aborts the process where it cannot load one.
    return not sys.platform.startswith("linux") or bool(os.environ.get("DISPLAY"))


def tell_in_a_window(message: str) -> None:
    try:
        from desktop.ui.app import startup_error_box

        startup_error_box(message).exec()
    except Exception:  # noqa: BLE001 - the message is on stderr already; a second failure must not hide it
        return
