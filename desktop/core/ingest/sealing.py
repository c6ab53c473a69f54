"""Sealing what was stored before media were sealed (``veil media seal``).

Every medium without a key gets one; its preview is sealed with it, and an
original kept as a plain copy in the media store (``<2 hex>/<sha256>.ext``,
the old store's names) is sealed to a new random name beside it. The key
row, the sealed preview and the new URI go in in one transaction per
medium, so an interrupted run leaves each medium wholly old or wholly new
and a second run carries on where the first stopped. A sealed copy made
for a medium whose transaction never committed is left behind unreadable
(its key was never stored).

A plain copy is deleted only after that commit, and only when no other
media row still refers to it: the old store kept the same content once for
every item that had it. Copies whose media were all sealed but which a
crash kept from being deleted are swept at the end of a complete run.

A medium whose preview or copy is sealed already but whose key is not
visible (PostgreSQL hides the keys of withheld media) is left as it is.

A complete run also removes the sealed copies (and half-made ones) that no
media row refers to, left by an ingest killed between making a copy and its
commit: only files of the store's own naming, and only once they are older
than any ingest still on its way in, on any workstation, could be.
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from db.models import Base, Media, MediaKey
from desktop.core import audit
from desktop.core.clock import now as clock_now
from desktop.core.ingest.media_store import SUFFIX, copy_or_partial, discard, keep, plain_copy_digest, sealed_copy
from desktop.core.media.originals import file_uri_path
from desktop.core.media.sealed import MAGIC, is_sealed, new_key, seal_bytes
from desktop.domain.ingest import SealReport
from desktop.domain.people import Permission

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from db.session import Database
    from desktop.domain.clock import Clock
    from desktop.domain.people import Actor

_MEDIA, _KEY = Base.metadata.tables["media"], Base.metadata.tables["media_key"]
BATCH = 100
# A copy no row refers to may be a colleague's ingest whose chunk has not
# committed yet; a day is far longer than any chunk takes.
ORPHAN_AGE_S = 24 * 3600


def seal_plain_media(
    database: Database,
    actor: Actor,
    *,
    store: Path | None,
    clock: Clock,
    progress: Callable[[SealReport], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> SealReport:
    """Seal every medium stored in plain (admins); see the module's docstring.

    ``store``: the configured media store, whose plain copies are sealed
    (None: previews only; originals elsewhere are the users' own files and
    stay as they are). ``stop`` is asked before each medium: once it says
    True, what was sealed stays and the report says it was stopped.
    """
    actor.require(Permission.SEAL_MEDIA)
    report = SealReport()
    after = 0
    while not report.stopped:
        with database.read() as session:
            rows = session.execute(
                select(Media.id, Media.preview, Media.uri, Media.sha256)
                .outerjoin(MediaKey, MediaKey.media_id == Media.id)
                .where(MediaKey.media_id.is_(None), Media.id > after)
                .order_by(Media.id)
                .limit(BATCH)
            ).all()
        if not rows:
            break
        for media_id, preview, uri, sha256 in rows:
            if stop is not None and stop():
                report.stopped = True
                break
            after = media_id
            _seal_one(database, report, media_id, preview, uri, sha256, store)
            if progress is not None:
                progress(report)
    if not report.stopped and store is not None:
        _sweep(database, store, report)
        _sweep_orphans(database, store, report)
    with database.write() as session:
        audit.append(
            session,
            kind="media.seal",
            actor=actor.name,
            at=clock_now(session, clock),
            payload={**report.as_dict(), "errors": len(report.errors)},
        )
    return report


def _seal_one(
    database: Database,
    report: SealReport,
    media_id: int,
    preview: bytes | None,
    uri: str,
    sha256: str | None,
    store: Path | None,
) -> None:
    path = file_uri_path(uri)
    if (preview is not None and is_sealed(preview)) or (store is not None and path and sealed_copy(path, store)):
        report.skipped += 1  # sealed already; its key is not ours to see
        return
    key = new_key()
    plain = path if store is not None and path is not None and plain_copy_digest(path, store) else None
    copy: Path | None = None
    if plain is not None and store is not None:
        digest = sha256 or plain_copy_digest(plain, store)
        assert digest is not None
        try:
            if not _starts_plain(plain):
                raise OSError("it starts like a sealed file but has the old store's name")
            copy = keep(plain, digest, store, key)
        except OSError as err:
            report.errors.append((media_id, f"the store copy {plain} was not sealed: {err.strerror or err}"))
            return
    values: dict[str, object] = {"preview": None if preview is None else seal_bytes(preview, key)}
    if copy is not None:
        values["uri"] = copy.as_uri()
    try:
        with database.write() as session:
            connection = session.connection()
            connection.execute(insert(_KEY).values(media_id=media_id, key=key))
            # Only the row as it was read: a colleague's run that sealed it meanwhile wins.
            changed = connection.execute(
                update(_MEDIA).where(_MEDIA.c.id == media_id, _MEDIA.c.uri == uri).values(**values)
            ).rowcount
            if changed != 1:
                raise _Gone
    except (_Gone, SQLAlchemyError) as err:
        if copy is not None and store is not None:
            with contextlib.suppress(OSError):
                discard(copy, store)
        if not isinstance(err, _Gone):
            first = (str(getattr(err, "orig", None) or err).strip().splitlines() or [type(err).__name__])[0]
            report.errors.append((media_id, f"not sealed: {first}"))
        return
    report.media_sealed += 1
    if copy is not None and plain is not None:
        report.copies_sealed += 1
        if _remove_if_unreferenced(database, plain, sha256):
            report.copies_removed += 1


class _Gone(Exception):
    """The medium changed or went while it was being sealed."""


def _starts_plain(path: Path) -> bool:
    with path.open("rb") as handle:
        return not is_sealed(handle.read(len(MAGIC)))


def _remove_if_unreferenced(database: Database, plain: Path, sha256: str | None) -> bool:
    """Delete the plain copy at ``plain`` unless a media row still refers to it."""
    same = [_MEDIA.c.uri == plain.as_uri()]
    if sha256 is not None:
        same.append(_MEDIA.c.sha256 == sha256)
    with database.read() as session:
        uris = session.scalars(select(_MEDIA.c.uri).where(or_(*same))).all()
    if any(_same_file(file_uri_path(uri), plain) for uri in uris):
        return False
    try:
        plain.unlink()
    except FileNotFoundError:
        return False
    except OSError:
        return False  # left for the sweep of a later run
    return True


def _same_file(path: Path | None, other: Path) -> bool:
    if path is None:
        return False
    if path == other:
        return True
    try:
        return path.resolve() == other.resolve()
    except OSError:
        return False


def _sweep(database: Database, store: Path, report: SealReport) -> None:
    """Plain copies whose media were all sealed, left by a run that ended
    between a medium's commit and the copy's deletion."""
    for folder in store.iterdir():
        if not folder.is_dir() or len(folder.name) != 2:
            continue
        for path in folder.iterdir():
            digest = plain_copy_digest(path, store)
            if digest is None or not path.is_file():
                continue
            with database.read() as session:
                sealed_any = session.scalar(
                    select(_MEDIA.c.id).join(_KEY, _KEY.c.media_id == _MEDIA.c.id).where(_MEDIA.c.sha256 == digest)
                )
            # Only copies of content that was sealed: a copy no row knows at
            # all may be a colleague's ingest still on its way in.
            if sealed_any is not None and _remove_if_unreferenced(database, path, digest):
                report.copies_removed += 1


def _sweep_orphans(database: Database, store: Path, report: SealReport) -> None:
    """Sealed copies no media row refers to, older than :data:`ORPHAN_AGE_S`:
    removed. One query per store folder (its names are random, so a name is
    the copy's identity, whatever the store is called on this workstation)."""
    oldest = time.time() - ORPHAN_AGE_S
    for folder in sorted(store.iterdir()):
        if not folder.is_dir() or len(folder.name) != 2:
            continue
        old: list[tuple[Path, str]] = []
        for path in folder.iterdir():
            name = copy_or_partial(path, store)
            with contextlib.suppress(OSError):  # gone meanwhile: nothing to do
                if name is not None and path.is_file() and path.stat().st_mtime < oldest:
                    old.append((path, name))
        if not old:
            continue
        with database.read() as session:
            uris = session.scalars(select(_MEDIA.c.uri).where(_MEDIA.c.uri.like(f"%/{folder.name}/%{SUFFIX}")))
            referenced = {uri.rsplit("/", 1)[-1] for uri in uris}
        for path, name in old:
            if name not in referenced:
                path.unlink(missing_ok=True)
                report.orphans_removed += 1
