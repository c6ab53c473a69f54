"""Where a medium's original is: the local file its URI names.

Originals are referenced by URI (``file://`` for files on this machine or a
share), kept byte for byte where ingest found them or in the media store.
"""

from __future__ import annotations

import stat
import sys
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname


def file_uri_path(uri: str) -> Path | None:
    """The local path of a ``file://`` URI, else None.

    On Windows a URI with a host is a network share (``file://server/share/x``
    is ``\\\\server\\share\\x``), where a media store often lives.
    """
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    if parsed.netloc in ("", "localhost"):
        return Path(url2pathname(parsed.path))
    if sys.platform == "win32":
        return Path(url2pathname(f"//{parsed.netloc}{parsed.path}"))
    return None


def not_regular(path: Path) -> str | None:
    """Why ``path`` must not be opened as a file, or None when it may be.

    A FIFO with no writer blocks whoever opens it, and a device or a FIFO
    may never end. ``stat`` follows symlinks and opens nothing; a path that
    cannot be looked up is for the caller's own open to report.
    """
    try:
        mode = path.stat().st_mode
    except (OSError, ValueError):
        return None
    kind = file_kind(mode)
    return None if kind is None else f"refused unopened: {kind}, not a regular file"


def file_kind(mode: int) -> str | None:
    """What a ``stat`` mode says a path is, when it is not a regular file (None when it is)."""
    if stat.S_ISREG(mode):
        return None
    kinds = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"),
             (stat.S_ISLNK, "a symbolic link that leads nowhere"))  # fmt: skip
    return next((name for test, name in kinds if test(mode)), "not a file")
