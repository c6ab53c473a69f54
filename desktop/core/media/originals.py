"""Where a medium's original is: the local file its URI names.

Originals are referenced by URI (``file://`` for files on this machine or a
share), kept byte for byte where ingest found them or in the media store.
"""

from __future__ import annotations

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
