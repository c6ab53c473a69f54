"""The media store: a folder every workstation can reach, where ingest keeps
its own copy of each original.

Without one, an item's media is referenced where it was found (a file on one
workstation's disk, which its colleagues cannot open). With ``media_store``
set (usually by IT, in the system settings file, to a network share), ingest
copies each file it reads into the store under its SHA-256, and the item
refers to that copy. The same content is kept once however often, and under
whatever name, it comes in.
"""

from __future__ import annotations

import hashlib
import re
import sys
import tempfile
import uuid
from typing import TYPE_CHECKING

from desktop.domain.errors import UsageError

if TYPE_CHECKING:
    from pathlib import Path

_CHUNK = 1 << 20
_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")


def check_store(folder: Path) -> Path:
    """``folder`` made absolute, once it is shown to be a folder this user can write in.

    Tried by writing, not by asking: permission bits say little on Windows
    and on network shares that map users.
    """
    if not folder.is_dir():
        raise UsageError(f"the media store {folder} is not a folder (setting media_store)")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as err:
        raise UsageError(
            f"the media store {folder} cannot be written to by this user ({err.strerror or err}; setting media_store)"
        ) from None
    # Not resolved: a link such as /srv/veil-media is the name every
    # workstation shares, whatever it points at on each.
    return folder.absolute()


def keep(original: Path, sha256: str, store: Path) -> Path:
    """The store's copy of ``original``, whose content hashes to ``sha256``.

    Copied beside its final name, checked against ``sha256`` and renamed into
    place, so another workstation never sees half a file or a file that
    changed while it was read; a copy already there is kept. Folders and
    files take the store's own permissions (not the importer's umask), so
    every colleague the store lets in can add to a folder and read a copy.
    Raises OSError when the copy cannot be made.
    """
    folder = store / sha256[:2]
    if (existing := _kept_copy(folder, sha256, original.stat().st_size)) is not None:
        return existing
    suffix = original.suffix.lower() if _SUFFIX.fullmatch(original.suffix.lower()) else ""
    target = folder / f"{sha256}{suffix}"
    try:
        folder.mkdir()
    except FileExistsError:
        pass  # made by an earlier copy, or by a colleague's just now
    else:
        _like_store(folder, store, directory=True)
    partial = folder / f".{sha256}.{uuid.uuid4().hex}.partial"
    try:
        digest = hashlib.sha256()
        with original.open("rb") as source, partial.open("wb") as copy:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                copy.write(chunk)
        if digest.hexdigest() != sha256:
            raise OSError(f"{original.name} changed while it was being copied")
        _like_store(partial, store, directory=False)
        try:
            partial.replace(target)
        except OSError:
            # Another workstation's copy landed first and is open (Windows
            # will not replace an open file): that copy will do.
            if (existing := _kept_copy(folder, sha256, original.stat().st_size)) is None:
                raise
            return existing
    finally:
        partial.unlink(missing_ok=True)
    return target


def _kept_copy(folder: Path, sha256: str, size: int) -> Path | None:
    """A finished copy of this content, whatever suffix it was kept under."""
    if not folder.is_dir():
        return None
    for path in folder.glob(f"{sha256}*"):
        if path.is_file() and path.stat().st_size == size:
            return path
    return None


def _like_store(path: Path, store: Path, *, directory: bool) -> None:
    if sys.platform == "win32":  # the share's ACLs decide there
        return
    mode = store.stat().st_mode & 0o7777
    path.chmod(mode if directory else mode & 0o666)
