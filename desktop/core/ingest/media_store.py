"""The media store: a folder every workstation can reach, where ingest keeps
its own sealed copy of each original.

Without one, an item's media is referenced where it was found (a file on one
workstation's disk, which its colleagues cannot open). With ``media_store``
set (usually by IT, in the system settings file, to a network share), ingest
seals each file it reads into the store (:mod:`desktop.core.media.sealed`,
under the medium's own key, which only the database holds) and the item
refers to that copy: ``<store>/<2 hex>/<32 random hex>.veil``.

The name is random, not the content's SHA-256: a content hash as a file
name would let anyone browsing the share confirm that a known picture is
there without any key. So content is no longer de-duplicated in the store:
every medium has its own file and its own key, even when the same bytes
come in twice (the database still knows them for the same by their hash).
"""

from __future__ import annotations

import re
import secrets
import sys
import tempfile
from typing import TYPE_CHECKING

from desktop.core.media.sealed import seal_file, seal_to_file
from desktop.domain.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

SUFFIX = ".veil"
# A copy the store made before copies were sealed: <2 hex>/<sha256>[.ext].
_PLAIN_NAME = re.compile(r"(?P<digest>[0-9a-f]{64})(\.[a-z0-9]{1,8})?")
_SEALED_NAME = re.compile(r"[0-9a-f]{32}\.veil")
# A sealed copy on its way in, as :func:`keep` names it until it is whole.
_PARTIAL_NAME = re.compile(r"\.(?P<name>[0-9a-f]{32})\.partial")


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


def keep(
    original: Path,
    sha256: str,
    store: Path,
    key: bytes,
    noted: Callable[[Path], None] | None = None,
    *,
    data: bytes | None = None,
) -> Path:
    """A new sealed copy of ``original`` (whose content hashes to ``sha256``) in the store.

    ``noted`` is given the copy's final path before anything is written
    (the copy journal, :mod:`desktop.core.ingest.journal`). ``data``: the
    content of ``original`` as the caller read and hashed it, sealed
    instead of reading the file again.

    Sealed beside its final name, checked against ``sha256`` while it is
    read and renamed into place, so another workstation never sees half a
    file or a file that changed while it was read. Folders and files take
    the store's own permissions (not the importer's umask), so every
    colleague the store lets in can add to a folder and read a copy (which
    only a key from the database opens). Raises OSError when the copy
    cannot be made.
    """
    name = secrets.token_hex(16)
    folder = store / name[:2]
    target = folder / f"{name}{SUFFIX}"
    if noted is not None:
        noted(target)
    try:
        folder.mkdir()
    except FileExistsError:
        pass  # made by an earlier copy, or by a colleague's just now
    else:
        _like_store(folder, store, directory=True)
    partial = partial_of(target)
    try:
        sealed = seal_file(original, partial, key) if data is None else seal_to_file(data, partial, key)
        if sealed != sha256:
            raise OSError(f"{original.name} changed while it was being copied")
        _like_store(partial, store, directory=False)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def partial_of(copy: Path) -> Path:
    """Where :func:`keep` writes the sealed copy ``copy`` until it is whole."""
    return copy.with_name(f".{copy.name.removesuffix(SUFFIX)}.partial")


def in_store(path: Path, store: Path) -> bool:
    """Whether ``path`` is a copy directly in one of the store's folders."""
    folder = path.parent.parent
    if folder == store:
        return True
    try:  # the same share under another name (a link)
        return folder.resolve() == store.resolve()
    except OSError:
        return False


def sealed_copy(path: Path, store: Path) -> bool:
    """Whether ``path`` names a sealed copy of this store (one :func:`keep` made)."""
    return in_store(path, store) and _SEALED_NAME.fullmatch(path.name) is not None


def copy_or_partial(path: Path, store: Path) -> str | None:
    """The name of the sealed copy ``path`` is or was becoming (``<32 hex>.veil``), if it is one of :func:`keep`'s."""
    if not in_store(path, store):
        return None
    if _SEALED_NAME.fullmatch(path.name):
        return path.name
    partial = _PARTIAL_NAME.fullmatch(path.name)
    return None if partial is None else f"{partial['name']}{SUFFIX}"


def plain_copy_digest(path: Path, store: Path) -> str | None:
    """The SHA-256 a plain copy of the old store was kept under, if ``path`` is one."""
    found = _PLAIN_NAME.fullmatch(path.name)
    if found is None or not in_store(path, store) or path.parent.name != found["digest"][:2]:
        return None
    return found["digest"]


def discard(path: Path, store: Path) -> None:
    """Remove a sealed copy no row refers to (its item was a duplicate, or
    its chunk was not stored). Anything else is left alone."""
    if sealed_copy(path, store):
        path.unlink(missing_ok=True)


def _like_store(path: Path, store: Path, *, directory: bool) -> None:
    if sys.platform == "win32":  # the share's ACLs decide there
        return
    mode = store.stat().st_mode & 0o7777
    path.chmod(mode if directory else mode & 0o666)
