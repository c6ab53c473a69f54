"""The media store: a folder every workstation can reach, where ingest keeps
its own copy of each original.

Without one, an item's media is referenced where it was found (a file on one
workstation's disk, which its colleagues cannot open). With ``media_store``
set (usually by IT, in the system settings file, to a network share), ingest
copies each file it reads into the store under its SHA-256, and the item
refers to that copy. The same content is kept once however often it comes in.
"""

from __future__ import annotations

import os
import shutil
import uuid
from typing import TYPE_CHECKING

from desktop.core.errors import UsageError

if TYPE_CHECKING:
    from pathlib import Path


def check_store(folder: Path) -> Path:
    """``folder`` resolved, once it is shown to be a folder this user can write in."""
    if not folder.is_dir():
        raise UsageError(f"the media store {folder} is not a folder (setting media_store)")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"the media store {folder} cannot be written to by this user (setting media_store)")
    return folder.resolve()


def keep(original: Path, sha256: str, store: Path) -> Path:
    """The store's copy of ``original`` (whose content hashes to ``sha256``).

    Copied beside its final name and renamed into place, so another
    workstation never sees half a file; a copy already there is kept.
    Raises OSError when the copy cannot be made.
    """
    suffix = original.suffix.lower() if len(original.suffix) <= 8 else ""
    target = store / sha256[:2] / f"{sha256}{suffix}"
    if target.is_file() and target.stat().st_size == original.stat().st_size:
        return target
    target.parent.mkdir(exist_ok=True)
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.partial")
    try:
        shutil.copyfile(original, partial)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target
