"""What a media file may be before Veil reads it, judged by ``stat`` alone.

Checked once, where every input's media are hashed (the enricher), so a
folder, a manifest, a Telegram export and a watched folder refuse alike.
Reading a file is what costs: a 10 GiB file takes a minute to hash and as
long again to copy into the media store, and would hold up every file
queued behind it; a FIFO would block the read for good.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.core.media.originals import file_kind

if TYPE_CHECKING:
    from pathlib import Path

# Larger than any photo, and than a long video in a format a reviewer can
# play; past it a file is named, not hashed, copied or previewed.
MAX_MEDIA_BYTES = 4 << 30


def refusal(path: Path) -> tuple[int | None, str | None]:
    """The file's size, and why it is not to be read (None: it may be)."""
    try:
        info = path.stat()
    except OSError as err:
        return None, f"cannot read: {err.strerror or err}"
    kind = file_kind(info.st_mode)
    if kind is not None:
        return None, f"refused unopened: {kind}, not a regular file"
    if info.st_size > MAX_MEDIA_BYTES:
        return info.st_size, f"larger than {MAX_MEDIA_BYTES >> 30} GiB, the most Veil reads of one media file"
    return info.st_size, None
