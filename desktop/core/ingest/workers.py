"""What an ingest's worker processes run: one media file's hashes, sealed preview and store copy.

Each worker reads, hashes, decodes and seals its own file and sends back
only the medium's row (a few kilobytes: the sealed preview, the hashes,
the key); the caller just stores it. A worker imports only the media
libraries, not the database's nor the readers' (this module is all a
pool worker loads unless it is handed a chunk of text), so a pool starts
in a fraction of a second.
"""

from __future__ import annotations

import atexit
import os
import signal
from dataclasses import replace
from typing import TYPE_CHECKING

from desktop.core.ingest.journal import own_journal
from desktop.core.ingest.media_limits import refusal
from desktop.core.ingest.media_store import keep
from desktop.core.media.hashes import fingerprint, read_whole
from desktop.core.media.isolation import end_with_caller, quiet_warnings
from desktop.core.media.sealed import new_key, seal_bytes

if TYPE_CHECKING:
    from pathlib import Path

    from desktop.domain.ingest import MediaRef
    from desktop.domain.previews import PreviewSettings


def fingerprint_medium(
    path: Path, ref: MediaRef, strength: str, settings: PreviewSettings, store: Path | None, journal: Path | None
) -> MediaRef:
    """``ref`` with its file's hashes, its preview sealed under a new key of its
    own, and, with a ``store``, the file sealed into the store (named in
    ``journal`` first). Never raises for a bad file: its ``error`` says why."""
    size, refused = refusal(path)
    if refused is not None:
        return replace(ref, size_bytes=size, error=refused)
    try:
        # Read once, here: hashed, decoded and sealed into the store from the same bytes.
        data = read_whole(path, ref, size or 0)
    except OSError as err:
        return replace(ref, error=f"cannot read: {err.strerror or err}")
    ref = fingerprint(path, ref, strength=strength, settings=settings, data=data)
    # The medium's own key, made here with its preview: the preview leaves
    # this process sealed, and the database keeps the key apart from it.
    key = new_key()
    ref = replace(ref, key=key, preview=None if ref.preview is None else seal_bytes(ref.preview, key))
    if store is None or ref.sha256 is None:
        return ref
    # This process's own journal: each pool worker keeps one, and so does the caller when it copies.
    noted = None if journal is None or (own := own_journal(journal)) is None else own.note
    try:
        copy = keep(path, ref.sha256, store, key, noted, data=data)
    except OSError as err:
        # The item still comes in, referring to the file where it was found.
        return replace(ref, error=f"not copied into the media store: {err.strerror or err}")
    return replace(ref, uri=copy.as_uri(), given_uri=ref.uri)


def start_worker() -> None:
    """Set up a pool worker: Ctrl+C in a terminal reaches every process in
    its group, and only the caller answers it (it stops the pool); a worker
    that raised KeyboardInterrupt would print its traceback mid-task."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    quiet_warnings()
    end_with_caller()
    # A worker's last act, once the pool is shut down and its own clean-up
    # ran: it holds nothing to flush, and the interpreter's teardown of the
    # image libraries takes longer than a chunk of files (measured 0.6 s),
    # which the ingest would wait for.
    atexit.register(os._exit, 0)


def ready() -> None:
    """A task that does nothing: submitted once per worker, it starts the pool's processes before any file is read."""
