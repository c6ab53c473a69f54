"""The ``veil`` command: argparse over the application layer, the same one the window calls.

Results go to stdout (as JSON with ``--json``); messages and errors go to
stderr. Exit codes: 0 ok, 1 finished but some inputs failed, 2 usage,
permission or configuration error, 3 integrity failure.

Importing this package loads nothing but Veil's version, and each command
loads what it needs when it runs: the database libraries when it opens the
database, the image libraries for an ingest, Qt only for ``veil gui`` and a
PDF. So ``veil --version`` answers at once, and every command but the
window's runs on a machine with no screen.
"""

from __future__ import annotations

import os
import sys
import warnings

from desktop import __version__

# Not typing.TYPE_CHECKING: importing typing would cost ``veil --version`` a few milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments == ["--version"]:
        # What the parser would print, without building it (that imports every command).
        print(f"veil {__version__}")
        return 0

    import logging

    from desktop import logs
    from desktop.cli.context import Context
    from desktop.cli.gui import tell_in_a_window, window_was_asked_for
    from desktop.cli.output import say
    from desktop.cli.parser import build_parser
    from desktop.domain.errors import VeilError

    # Pillow notes what it skipped in odd files (bad TIFF tags, invalid APNG
    # chunks); the image is judged on its own, the notes only alarm people.
    # Bombs are refused by a header check before decoding, so its warning too
    # (matched by its text: naming its class would load Pillow for every command).
    warnings.filterwarnings("ignore", category=UserWarning, module="PIL")
    warnings.filterwarnings("ignore", message=".*decompression bomb", category=RuntimeWarning, module="PIL")
    args = build_parser().parse_args(arguments)
    log_file = logs.set_up(stderr_level=logging.WARNING)
    for flag in ("db", "json"):
        if not hasattr(args, flag):
            setattr(args, flag, None if flag == "db" else False)
    ctx: Context | None = None
    try:
        ctx = Context(args)
        code: int = args.handler(args, ctx)
    except VeilError as err:
        say(f"veil: error: {err}")
        if window_was_asked_for(args):
            tell_in_a_window(str(err))
        return err.exit_code
    except KeyboardInterrupt:
        say("veil: interrupted")
        return 130
    except BrokenPipeError:
        # The reader went away (``veil queue | head``): not an error. Point
        # stdout at devnull so the interpreter's final flush stays quiet
        # (the recipe in Python's signal module docs).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as err:
        # A bug or an unforeseen driver error: one line for the person, the
        # traceback in the log file (and printed on request).
        command = getattr(args, "command", None) or "gui"
        logging.getLogger("veil").error("unexpected error in veil %s", command, exc_info=err)
        if os.environ.get("VEIL_DEBUG"):
            raise
        first = (str(err).strip().splitlines() or [""])[0]
        where = f"details in {log_file}; " if log_file else ""
        say(f"veil: error: {type(err).__name__}: {first} ({where}set VEIL_DEBUG=1 to print them)")
        return 2
    finally:
        if ctx is not None:
            ctx.close()
    return code
