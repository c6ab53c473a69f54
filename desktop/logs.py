"""One logging set-up for the window and the command line.

Records go to a rotating file in the user's log folder (``veil.log``, a
few megabytes kept), which is where a window started from a desktop menu
leaves its trace; the command line also shows WARNING and above on stderr.

What a record may hold: item, media and decision ids, counts, error
classes and the services' one-line reasons. Never an item's text, a media
file's name or path, or a preview: a log is read by people who were not
meant to see the material, and is sent along with bug reports.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from typing import TYPE_CHECKING

from desktop import config

if TYPE_CHECKING:
    from pathlib import Path

FILE_NAME = "veil.log"
_MAX_BYTES = 2 * 1024 * 1024
_KEPT = 3
_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"
# Marks the handlers this module added, so a second set-up replaces them.
_OURS = "veil"
# Veil's own loggers. The terminal shows only their records: a library's
# (Pillow's note on a damaged file, which the ingest report names in Veil's
# own words) goes to the file alone.
_OWN_LOGGERS = frozenset({"desktop", "db", "veil"})


def log_file() -> Path:
    return config.log_dir() / FILE_NAME


def set_up(*, stderr_level: int | None = None) -> Path | None:
    """Send Veil's records to the log file (and, with ``stderr_level``, to stderr).

    Returns the log file, or None when its folder cannot be made (a
    read-only home): Veil works on without a file rather than not at all.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _OURS, False)]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(logging.INFO)
    # Python's warnings (Pillow's on a damaged header) become records of
    # "py.warnings": in the file, not on the terminal (not Veil's own logger).
    logging.captureWarnings(True)
    target: Path | None = log_file()
    try:
        assert target is not None
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not target.exists():
            # Private to its user, like the database: ids are still names of people's work.
            os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o600))
        to_file: logging.Handler = logging.handlers.RotatingFileHandler(
            target, maxBytes=_MAX_BYTES, backupCount=_KEPT, encoding="utf-8"
        )
        to_file.setFormatter(logging.Formatter(_FORMAT))
        _add(root, to_file)
    except OSError:
        target = None
    if stderr_level is not None:
        to_stderr = logging.StreamHandler(sys.stderr)
        to_stderr.setLevel(stderr_level)
        to_stderr.setFormatter(logging.Formatter("veil: %(levelname)s: %(message)s"))
        # A traceback goes to the file only: the terminal gets the one-line reason.
        to_stderr.addFilter(lambda record: not record.exc_info and _is_veils(record))
        _add(root, to_stderr)
    return target


def _is_veils(record: logging.LogRecord) -> bool:
    return record.name.split(".", 1)[0] in _OWN_LOGGERS


def _add(root: logging.Logger, handler: logging.Handler) -> None:
    setattr(handler, _OURS, True)
    root.addHandler(handler)
