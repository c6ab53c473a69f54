"""Ingest inputs by path: decide the format, read, enrich, store, report.

Every reader yields :class:`ItemDraft` or :class:`IngestError`. Drafts are
enriched in chunks (media files hashed, on all cores when there are many;
markers detected; language guessed; severity set) and each chunk is stored
and committed on its own: a crash loses at most the chunk in flight, and
running the same ingest again adds only what is missing.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import multiprocessing
import os
import re
import signal
import stat
import tempfile
import threading
from collections import deque
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError

from desktop.core.clock import now as clock_now
from desktop.core.ingest.checks import checked, note
from desktop.core.ingest.folder import read_folder, read_media_file
from desktop.core.ingest.journal import journal_folder, sweep
from desktop.core.ingest.manifest import csv_delimiter, read_csv, read_jsonl
from desktop.core.ingest.media_store import check_store, discard
from desktop.core.ingest.store import SourceCache, store
from desktop.core.ingest.telegram import looks_like_telegram, read_telegram
from desktop.core.ingest.text import looks_like_text, read_text
from desktop.core.ingest.workers import fingerprint_medium, ready, start_worker
from desktop.core.media.hashes import identify
from desktop.core.media.originals import file_uri_path, not_regular
from desktop.core.people import team_settings
from desktop.core.text import language
from desktop.core.text.markers import MarkerEngine
from desktop.domain.ingest import FORMATS as FORMATS  # the import dialog offers them
from desktop.domain.ingest import IngestError, IngestReport, ItemDraft, MediaRef, NotStored
from desktop.domain.previews import DEFAULTS, PreviewSettings

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from db.session import Database
    from desktop.domain.clock import Clock

CHUNK = 500
_HEAD = 64 * 1024
# The most a pipe or device is copied before it is read: an input this long
# belongs in a file, and a stream that never ends must not fill the disk.
MAX_STREAM = 2 << 30
# What storing a value the database or its driver cannot take raises (SQLite's
# driver raises OverflowError itself for an integer past 64 bits).
_REFUSED = (SQLAlchemyError, UnicodeError, ValueError, OverflowError)
# Below this many files in a chunk, starting worker processes costs more than it saves.
_POOL_THRESHOLD = 8
# Media files in a chunk: few enough that storing one chunk overlaps with the
# workers hashing the next ones (one transaction a chunk), and enough that a
# chunk's transaction costs little beside its files.
MEDIA_CHUNK = 16
# Chunks being enriched while the one before is stored: enough queued files
# that no worker waits for this process.
_IN_FLIGHT = 3
# A media file's work in a worker: its path, its row so far, the blur strength, the settings, the store, the journal.
_Job = tuple[Path, MediaRef, str, PreviewSettings, Path | None, Path | None]
# "[" then "{": a JSON array of records, however it is laid out.
_ARRAY_OF_RECORDS = re.compile(r"\[\s*\{")


def detect_format(path: Path) -> str | None:
    """The format of ``path`` judged by its content; None if Veil cannot read it."""
    if path.is_dir():
        export = path / "result.json"
        if export.is_file() and looks_like_telegram(_head(export)):
            return "telegram"
        return "folder"
    head = _head(path)
    if not head.strip():
        return None
    if looks_like_telegram(head):
        return "telegram"
    body = _head_text(head).lstrip("\ufeff \t\r\n")
    if body.startswith("{"):
        try:
            record = json.loads(body.split("\n", 1)[0])
        except (ValueError, RecursionError):  # RecursionError: absurdly nested JSON
            return None
        return "jsonl" if isinstance(record, dict) else None
    if _ARRAY_OF_RECORDS.match(body):
        return "jsonl"  # a JSON array of records: the JSONL reader reads its elements
    if identify(path).media_type != "unknown":
        return "media"
    if looks_like_text(head):
        if csv_delimiter(body.split("\n", 1)[0]) is not None:
            return "csv"
        return "text"
    return None


def _head_text(head: bytes) -> str:
    """The first bytes of a file as text, by its byte order mark (UTF-16) or as UTF-8."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head[: len(head) // 2 * 2].decode("utf-16", errors="replace")
    return head.decode("utf-8-sig", errors="replace")


@contextlib.contextmanager
def _readable_twice(path: Path, fmt: str) -> Iterator[Path | IngestError]:
    """``path``, or when it is this process's standard input (``/dev/stdin``,
    a pipe or a device, which can be read only once), a copy of it: format
    detection and the reader both read from the start. The copy is refused
    past MAX_STREAM, and an input whose first bytes are no format Veil reads
    (or not text, for a text format) is refused before the rest is read
    (``/dev/zero`` never ends). Any other FIFO, device or socket is refused
    unopened."""
    try:
        regular = path.is_dir() or stat.S_ISREG(path.stat().st_mode)
    except OSError as err:
        yield IngestError(str(path), f"cannot read: {err.strerror or err}")
        return
    if regular:
        yield path
        return
    if not _is_own_stdin(path):
        # A FIFO nobody writes to would block the open for ever, a device may never end.
        yield IngestError(str(path), f"{not_regular(path)}; only standard input is read from a pipe or device")
        return
    with tempfile.TemporaryDirectory(prefix="veil-ingest-") as folder:
        copy = Path(folder) / path.name
        try:
            with path.open("rb") as source, copy.open("wb") as target:
                target.write(source.read(_HEAD))
                target.flush()
                if fmt == "auto" and detect_format(copy) is None:
                    yield IngestError(str(path), "not a format Veil reads (text, JSONL, CSV, Telegram, media)")
                    return
                if fmt in ("text", "jsonl", "csv") and not looks_like_text(_head(copy)):
                    # /dev/zero on standard input: judged by its first bytes, not its first 2 GiB.
                    yield IngestError(str(path), f"does not start as text; not read as {fmt}")
                    return
                copied = target.tell()
                while block := source.read(1 << 20):
                    copied += len(block)
                    if copied > MAX_STREAM:
                        yield IngestError(
                            str(path), f"longer than {MAX_STREAM >> 30} GiB from a pipe or device; save it to a file"
                        )
                        return
                    target.write(block)
        except OSError as err:
            yield IngestError(str(path), f"cannot read: {err.strerror or err}")
            return
        yield copy


def _is_own_stdin(path: Path) -> bool:
    """Whether ``path`` (``/dev/stdin``, ``/proc/self/fd/0``) is this process's standard input."""
    try:
        named, own = path.stat(), os.fstat(0)
    except OSError:
        return False
    return (named.st_dev, named.st_ino) == (own.st_dev, own.st_ino)


def _named(entries: Iterable[ItemDraft | IngestError], copy: Path, path: Path) -> Iterator[ItemDraft | IngestError]:
    """``entries`` read from ``copy``, naming ``path`` as the errors' file."""
    before, after = str(copy), str(path)
    for entry in entries:
        if isinstance(entry, IngestError):
            yield replace(entry, path=entry.path.replace(before, after, 1))
        elif entry.origin is not None:
            yield replace(entry, origin=(entry.origin[0].replace(before, after, 1), entry.origin[1]))
        else:
            yield entry


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(_HEAD)
    except OSError:
        return b""


def read(path: Path, fmt: str) -> Iterator[ItemDraft | IngestError]:
    if fmt == "text":
        return read_text(path)
    if fmt == "jsonl":
        return read_jsonl(path)
    if fmt == "csv":
        return read_csv(path)
    if fmt == "telegram":
        return read_telegram(path)
    if fmt == "folder":
        return read_folder(path)
    if fmt == "media":
        return read_media_file(path.parent, path)
    raise ValueError(f"unknown format {fmt!r}")


class Enricher:
    """Adds what readers do not know: file hashes, markers, language, severity."""

    def __init__(
        self,
        engine: MarkerEngine | None = None,
        *,
        parallel: bool = True,
        preview: PreviewSettings = DEFAULTS,
        workers: int | None = None,
        media_store: Path | None = None,
        journal: Path | None = None,
    ) -> None:
        """``journal``: the local folder of the copy journals (see
        :mod:`desktop.core.ingest.journal`, :func:`journaled`); None keeps none."""
        if workers is not None and workers < 1:
            raise ValueError("workers must be at least 1")
        self.engine = engine or MarkerEngine.load()
        self.parallel = parallel
        self.preview = preview
        # Checked once here, so a missing share is one clear error before
        # anything is read rather than an error on every file.
        self.media_store = check_store(media_store) if media_store is not None else None
        self.journal = journal
        self.workers = workers or os.cpu_count() or 1
        self._pool: Executor | None = None
        self._chunks = 0

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def reset(self) -> None:
        """Forget a pool whose worker died (a decoder crash): the next chunk gets a new one."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Enricher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _executor(self) -> Executor:
        if self._pool is None:
            # spawn, not fork: the window runs this beside Qt's threads.
            context = multiprocessing.get_context("spawn")
            # Workers end with this process, even when it is killed.
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context, initializer=start_worker)
        return self._pool

    def start(self) -> None:
        """Start the worker processes now, before anything is read: they
        import their libraries while this process reads and stores."""
        if not self.parallel or self._pool is not None:
            return
        with _quiet_children():
            pool = self._executor()
            # A pool starts a process per task waiting, up to its size.
            for _ in range(self.workers):
                pool.submit(ready)

    def submit(self, drafts: list[ItemDraft]) -> Future[list[ItemDraft]]:
        """Enrich ``drafts``: their media each in a worker process, a long
        input's text in one.

        Decoding, hashing and sealing a medium is the work of an ingest of
        pictures: each file goes to a worker on its own, which reads it and
        sends back its row, while this process stores the chunk before.
        Text (markers, language, hashes) costs about what storing does; in
        a worker it overlaps with storing too. The first chunk of text is
        done here, and a few media files when no worker runs yet: a short
        input never pays for starting processes.
        """
        self._chunks += 1
        if self.parallel and (media := _local_media(drafts)) and (self._pool is not None or media >= _POOL_THRESHOLD):
            # Text first, here: the item's severity decides how strongly its media is blurred.
            texts = [self._text(draft) for draft in drafts]
            jobs = self._jobs(texts)
            with _quiet_children():
                try:
                    parts = [self._executor().submit(fingerprint_medium, *job) for _, job in jobs]
                except BrokenProcessPool:
                    self.reset()
                    parts = [self._executor().submit(fingerprint_medium, *job) for _, job in jobs]
            return _gathered(parts, partial(_with_media, texts, [where for where, _ in jobs]))
        if self.parallel and self._chunks > 1:
            with _quiet_children():
                try:
                    return self._executor().submit(
                        _enrich_in_worker, drafts, self.preview, self.media_store, self.journal
                    )
                except BrokenProcessPool:
                    self.reset()
                    return self._executor().submit(
                        _enrich_in_worker, drafts, self.preview, self.media_store, self.journal
                    )
        done: Future[list[ItemDraft]] = Future()
        try:
            done.set_result(self.enrich(drafts))
        except Exception as err:  # noqa: BLE001 - handed to the caller through the future
            done.set_exception(err)
        return done

    def enrich(self, drafts: list[ItemDraft]) -> list[ItemDraft]:
        """``drafts`` enriched in this process, their media too."""
        # Text first: the item's severity decides how strongly its media is blurred.
        texts = [self._text(draft) for draft in drafts]
        jobs = self._jobs(texts)
        return _with_media(texts, [where for where, _ in jobs], [fingerprint_medium(*job) for _, job in jobs])

    def _jobs(self, texts: list[ItemDraft]) -> list[tuple[tuple[int, int], _Job]]:
        """Each local media file of ``texts`` to hash, by (draft, medium), with its arguments."""
        return [
            (
                (n, m),
                (
                    path,
                    ref,
                    "strong" if draft.severity == 3 else "default",
                    self.preview,
                    self.media_store,
                    self.journal,
                ),
            )
            for n, draft in enumerate(texts)
            for m, ref in enumerate(draft.media)
            if _to_hash(ref) and (path := file_uri_path(ref.uri)) is not None
        ]

    def _text(self, draft: ItemDraft) -> ItemDraft:
        text = draft.text.replace("\x00", "\ufffd")  # PostgreSQL text cannot hold NUL
        detected = self.engine.detect(text)
        given = {(mk.code, mk.span) for mk in detected}
        markers = tuple(detected) + tuple(mk for mk in draft.markers if (mk.code, mk.span) not in given)
        has_media = any(ref.media_type != "link" or _is_media_link(ref.uri) for ref in draft.media)
        severity = draft.severity
        if severity is None:
            severity = self.engine.item_severity(markers, has_media=has_media)
        return replace(
            draft,
            text=text,
            markers=markers,
            severity=severity,
            language=draft.language or language.detect(text),
        )


def journaled(
    database: Database,
    *,
    preview: PreviewSettings = DEFAULTS,
    workers: int | None = None,
    media_store: Path | None = None,
    journal: Path | None = None,
) -> Enricher:
    """An enricher for ingesting into ``database`` whose copies into the media
    store are journaled below ``journal`` (a local folder; None: not journaled)."""
    enricher = Enricher(preview=preview, workers=workers, media_store=media_store)
    if journal is not None and enricher.media_store is not None:
        enricher.journal = journal_folder(journal, database, enricher.media_store)
    return enricher


def sweep_left_copies(database: Database, enricher: Enricher) -> None:
    """Remove the store copies that ingests into ``database`` which died left behind
    (see :mod:`desktop.core.ingest.journal`); at the start and the end of every ingest."""
    if enricher.media_store is not None and enricher.journal is not None:
        sweep(database, enricher.media_store, enricher.journal)


@contextlib.contextmanager
def _quiet_children() -> Iterator[None]:
    """Worker processes started in here begin with Ctrl+C ignored, a
    disposition a new process keeps: their initializer runs only after
    their imports, a second or more in which a Ctrl+C would print a
    worker's traceback. Only the main thread may set it (elsewhere the
    initializer alone does); the caller ignores Ctrl+C only while they start."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def _to_hash(ref: MediaRef) -> bool:
    return not ref.missing and ref.sha256 is None


def _local_media(drafts: list[ItemDraft]) -> int:
    """How many of ``drafts``' media are files to hash."""
    return sum(1 for draft in drafts for ref in draft.media if _to_hash(ref) and file_uri_path(ref.uri) is not None)


def _with_media(texts: list[ItemDraft], where: list[tuple[int, int]], refs: list[MediaRef]) -> list[ItemDraft]:
    """``texts`` with the media at ``where`` (draft, medium) replaced by ``refs``."""
    done = dict(zip(where, refs, strict=True))
    return [
        replace(draft, media=tuple(done.get((n, m), ref) for m, ref in enumerate(draft.media)))
        for n, draft in enumerate(texts)
    ]


def _gathered(
    parts: list[Future[MediaRef]], finish: Callable[[list[MediaRef]], list[ItemDraft]]
) -> Future[list[ItemDraft]]:
    """One future for a chunk whose media went to the workers one by one: done
    when the last is, with ``finish`` of their results (or the first failure)."""
    whole: Future[list[ItemDraft]] = Future()
    left = [len(parts)]
    lock = threading.Lock()

    def one_done(_part: Future[MediaRef]) -> None:
        with lock:  # called in the pool's own thread, or here for a part already done
            left[0] -= 1
            if left[0]:
                return
        try:
            whole.set_result(finish([part.result() for part in parts]))
        except Exception as err:  # noqa: BLE001 - a worker's failure (a crash: BrokenProcessPool) is the chunk's
            whole.set_exception(err)

    for part in parts:
        part.add_done_callback(one_done)
    return whole


@cache
def _worker_enricher(preview: PreviewSettings, store: Path | None, journal: Path | None) -> Enricher:
    return Enricher(parallel=False, preview=preview, media_store=store, journal=journal)


def _enrich_in_worker(
    drafts: list[ItemDraft], preview: PreviewSettings, store: Path | None, journal: Path | None
) -> list[ItemDraft]:
    return _worker_enricher(preview, store, journal).enrich(drafts)


def _discard_unstored(enriched: list[ItemDraft], stored: list[ItemDraft], media_store: Path) -> None:
    """Remove the store copies of drafts that were not stored (duplicates,
    a chunk rolled back): no row refers to them, and no key opens them."""
    kept = {ref.uri for draft in stored for ref in draft.media}
    for draft in enriched:
        for ref in draft.media:
            if ref.uri not in kept and (where := file_uri_path(ref.uri)) is not None:
                # A copy left behind holds nothing readable without its key, which was never stored.
                with contextlib.suppress(OSError):
                    discard(where, media_store)


def _unreachable(err: Exception) -> bool:
    """Whether the database failed as a whole (gone, locked, restarting), not over what an item holds."""
    return isinstance(err, OperationalError | InterfaceError) or (
        isinstance(err, DBAPIError) and err.connection_invalidated
    )


def _first_line(err: Exception) -> str:
    return (str(getattr(err, "orig", None) or err).strip().splitlines() or [type(err).__name__])[0]


def _is_media_link(uri: str) -> bool:
    return "pic.twitter.com/" in uri or "/photo/" in uri or "/video/" in uri


def ingest_files(
    database: Database,
    paths: Iterable[Path],
    *,
    actor: str,
    clock: Clock,
    fmt: str = "auto",
    source: str | None = None,
    report: IngestReport | None = None,
    progress: Callable[[IngestReport], None] | None = None,
    enricher: Enricher | None = None,
    preview: PreviewSettings = DEFAULTS,
    workers: int | None = None,
    media_store: Path | None = None,
    journal: Path | None = None,
    stop: Callable[[], bool] | None = None,
) -> IngestReport:
    """Read each input and store its items, committing every chunk.

    ``workers``: processes making previews and hashes (default: one per core).
    ``media_store``: a folder to copy each original into (see
    :mod:`desktop.core.ingest.media_store`); None refers to files where they are.
    ``journal``: a local folder for the journals of the copies made (see
    :mod:`desktop.core.ingest.journal`); None keeps none.
    ``stop``: asked between chunks; once it says True, the chunks already
    stored stay, nothing more is read, and the report says it was stopped.
    """
    report = report or IngestReport()
    own = enricher is None
    enricher = enricher or journaled(
        database, preview=preview, workers=workers, media_store=media_store, journal=journal
    )
    sources = SourceCache()
    sweep_left_copies(database, enricher)
    try:
        for path in paths:
            if stop is not None and stop():
                report.stopped = True
                break
            if not path.exists():
                report.errors.append(IngestError(str(path), "no such file or folder"))
                continue
            name = source or (path.name if path.is_dir() else path.stem)
            with _readable_twice(path, fmt) as copy:
                if isinstance(copy, IngestError):
                    report.errors.append(copy)
                    continue
                kind = detect_format(copy) if fmt == "auto" else fmt
                if kind is None:
                    report.errors.append(
                        IngestError(str(path), "not a format Veil reads (text, JSONL, CSV, Telegram, media)")
                    )
                    continue
                entries = read(copy, kind) if copy == path else _named(read(copy, kind), copy, path)
                ingest_entries(
                    database, entries, where=path, kind=kind, source=name, actor=actor, clock=clock,
                    report=report, enricher=enricher, sources=sources, progress=progress, stop=stop,
                )  # fmt: skip
    finally:
        if own:
            enricher.close()
    # Once this ingest's own workers are gone, what their journals list is either stored or left over.
    sweep_left_copies(database, enricher)
    return report


def ingest_entries(
    database: Database,
    entries: Iterable[ItemDraft | IngestError],
    *,
    where: Path,
    kind: str,
    source: str,
    actor: str,
    clock: Clock,
    report: IngestReport,
    enricher: Enricher,
    sources: SourceCache | None = None,
    progress: Callable[[IngestReport], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> None:
    """Store what one reader yields, a chunk per transaction.

    A chunk is CHUNK items, or fewer holding MEDIA_CHUNK media files. Up to
    _IN_FLIGHT chunks are being enriched while the one before is stored.
    """
    path = where
    sources = sources or SourceCache()
    with database.read() as session:
        auto_apply = team_settings.auto_apply_actor(session)
    chunk: list[ItemDraft] = []
    media = 0  # the chunk's media files
    in_flight: deque[tuple[int, Future[list[ItemDraft]]]] = deque()

    def store_together(drafts: list[ItemDraft], stored: list[ItemDraft]) -> None:
        with database.write() as session:
            # Each chunk's arrival time is its own transaction's (the server's on PostgreSQL).
            store(
                session, drafts, source=source, kind=kind, actor=actor, now=clock_now(session, clock),
                report=report, sources=sources, auto_apply=auto_apply, stored=stored,
            )  # fmt: skip

    def store_alone(draft: ItemDraft, stored: list[ItemDraft]) -> None:
        counts = (report.items_added, report.items_duplicate, report.media_added)
        named_media, said = len(report.media_errors), len(report.errors)
        mine: list[ItemDraft] = []
        try:
            store_together([draft], mine)
        except _REFUSED as err:
            report.items_added, report.items_duplicate, report.media_added = counts
            del report.media_errors[named_media:]  # its media were not stored either
            del report.errors[said:]  # nor was what storing it said
            sources.ids.clear()
            named = note(draft, path, f"not stored: {_first_line(err)}")
            report.errors.append(NotStored(named.path, named.error) if _unreachable(err) else named)
            return
        stored.extend(mine)

    def store_next() -> None:
        size, future = in_flight.popleft()
        counts = (report.items_added, report.items_duplicate, report.media_added)
        named_media, said = len(report.media_errors), len(report.errors)
        try:
            enriched = future.result()
        except BrokenProcessPool:
            # Not reset here: a later chunk may be on new workers already, which a
            # reset would stop; the next submit() replaces a pool that broke.
            report.errors.append(NotStored(str(path), f"{size} item(s) not stored: a worker crashed; run again"))
            return
        except Exception as err:  # noqa: BLE001 - a worker's failure costs its chunk, not the ingest
            report.errors.append(IngestError(str(path), f"{size} item(s) not read: {type(err).__name__}: {err}"))
            return
        stored: list[ItemDraft] = []
        try:
            store_together(enriched, stored)
        except _REFUSED as err:
            # The chunk's transaction rolled back: none of its items went in.
            stored = []
            report.items_added, report.items_duplicate, report.media_added = counts
            del report.media_errors[named_media:]  # their media were not stored either
            del report.errors[said:]  # each item says it again below, stored alone
            sources.ids.clear()  # a source created in the lost transaction is gone too
            if _unreachable(err):
                report.errors.append(NotStored(str(path), f"{size} item(s) not stored: {_first_line(err)}"))
            else:
                # One bad item must not cost the others: each goes in on its own,
                # and only those the database still refuses are reported, by name.
                for draft in enriched:
                    store_alone(draft, stored)
        if enricher.media_store is not None:
            _discard_unstored(enriched, stored, enricher.media_store)
        if progress is not None:
            progress(report)

    try:
        for entry in entries:
            if isinstance(entry, IngestError):
                report.errors.append(entry)
                continue
            entry, notes = checked(entry)
            report.errors.extend(note(entry, path, problem) for problem in notes)
            chunk.append(entry)
            media += _local_media([entry])
            if media >= _POOL_THRESHOLD:
                enricher.start()  # an input of many files: workers start while the rest of the chunk is read
            if len(chunk) >= CHUNK or media >= MEDIA_CHUNK:
                in_flight.append((len(chunk), enricher.submit(chunk)))
                chunk, media = [], 0
                while len(in_flight) > _IN_FLIGHT:
                    store_next()
                if stop is not None and stop():
                    report.stopped = True  # what was read is stored below; the rest waits for the next run
                    break
    except Exception as err:  # noqa: BLE001 - a reader's failure ends that input, never the ingest
        report.errors.append(IngestError(str(path), f"reading stopped: {type(err).__name__}: {err}"))
    if chunk:
        in_flight.append((len(chunk), enricher.submit(chunk)))
    while in_flight:
        store_next()
