"""A watched folder: what is dropped in is taken once it has stopped changing.

Polling, not OS file events: it works the same on every platform and on
network shares, where events are unreliable, and a file still being copied
is recognised by its size and time changing between two looks.

The watch takes every format ``veil ingest`` reads, each as one *unit*
handed to the same reader:

- A Telegram Desktop export: a folder whose ``result.json`` reads as one.
  It is *complete*, and taken, when ``result.json`` and every other file
  below the folder (so every media file the export names that is there)
  look the same at two looks in a row. Whether a file the export names is
  still to come or was left out of the export cannot be told from the
  folder: one missing then is reported missing, as by ``veil ingest``, and
  the export is offered again when it arrives (see below).
- A JSONL or CSV manifest, once it and every file it names that is in the
  folder are still. The files it names are its items' media and are never
  also taken as items of their own: dropping a manifest with its images
  gives the manifest's items, not one more item per image. Drop the
  manifest with or before its media; a file already taken on its own
  before the manifest naming it appeared stays an item of its own.
- A live-blog text feed.
- An image or video, with its caption sidecar (same stem, ``.txt`` or
  ``.json``) if there is one.

Anything else is named once, as refused: a file in no format Veil reads,
and what is not a regular file (a FIFO, socket or device, a link to
nothing), which is judged by ``stat`` and never opened. An empty file is
waited for: a file being created is empty first. A caption is known by the
media file beside it: one that arrives well before its media file is read
as a text feed of its own.

A unit taken is offered again once one of its files has changed and is
still again (a writer that paused, so a half-written file was taken). Items
are deduplicated by id and content, so reading a manifest, feed or export
again adds only what is new. A media file's id is its name, so its new
content comes in under the name and a version number (``photo.jpg;1``):
the same content is still recognised by its hash and not stored twice.
"""

from __future__ import annotations

import csv
import json
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.core.ingest.files import detect_format, read
from desktop.core.ingest.folder import SIDECARS, read_media_file
from desktop.core.media.originals import file_kind, file_uri_path
from desktop.domain.ingest import IngestError, ItemDraft

if TYPE_CHECKING:
    from collections.abc import Iterator

# (file type bits, size, modification time in ns): a change in any is a change.
Shape = tuple[int, int, int]
REFUSED = "refused"
# A unit this large is read in a batch of its own, after the smaller ones
# dropped with it, so a big video never keeps a photo waiting.
BIG_UNIT = 64 << 20
_UNREADABLE = "not a format Veil reads (text, JSONL, CSV, Telegram, media)"
_HTML_EXPORT = "a Telegram export made as HTML: Veil reads the JSON export (machine-readable format)"
_EXPORT_NAMES = ("ChatExport", "DataExport")


@dataclass(frozen=True)
class Unit:
    """One thing to take: ``path`` read as ``kind`` (a reader's format), or refused for ``error``."""

    path: Path
    kind: str
    files: tuple[tuple[Path, Shape], ...]  # what makes it up, as it was when offered
    error: str | None = None
    version: int = 0  # how many times it was taken before (in other shapes)

    @property
    def size(self) -> int:
        return sum(shape[1] for _, shape in self.files)


class FolderWatch:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._seen: dict[Path, Shape] = {}
        self._taken: dict[Path, tuple[tuple[Path, Shape], ...]] = {}
        self._versions: dict[Path, int] = {}
        # What a file was judged to be, and what a manifest names, kept while the file is unchanged.
        self._kinds: dict[Path, tuple[Shape, str | None]] = {}
        self._claims: dict[Path, tuple[Shape, frozenset[Path]]] = {}

    def poll(self) -> list[Unit]:
        """The units whose files all look as at the previous poll and were not taken in that shape."""
        current = self._look()
        still = {path for path, shape in current.items() if self._seen.get(path) == shape}
        self._seen = current
        units, held = self._exports(current, still)
        loose = {p: s for p, s in current.items() if not any(p.is_relative_to(folder) for folder in held)}
        media_stems = {(p.parent, p.stem) for p in loose if p.suffix.lower() not in SIDECARS}
        by_stem: dict[tuple[Path, str], list[Path]] = {}
        for path in loose:
            by_stem.setdefault((path.parent, path.stem), []).append(path)
        files: list[tuple[Path, str | None]] = []
        for path, shape in loose.items():
            what = file_kind(shape[0])
            if what is not None:
                units.append(Unit(path, REFUSED, ((path, shape),), f"not read: {what}"))
            elif shape[1] > 0 and path in still:  # an empty file is one being created
                if path.suffix.lower() in SIDECARS and (path.parent, path.stem) in media_stems:
                    continue  # a caption: it goes with its media file
                files.append((path, self._kind(path, shape)))
        judged = dict(files)
        media = [path for path in loose if judged.get(path, "media") == "media"]  # or still being written
        claims: dict[Path, frozenset[Path]] = {}
        for path, kind in files:
            # Only a manifest with (maybe) media files below its folder is read for their names.
            if kind in ("jsonl", "csv") and any(m.is_relative_to(path.parent) for m in media):
                claims[path] = self._named_by(path, kind, loose[path])
        claimed = frozenset().union(*claims.values())
        for path, kind in files:
            if kind is None:
                units.append(Unit(path, REFUSED, ((path, loose[path]),), _UNREADABLE))
            elif kind == "media":
                if path not in claimed:
                    captions = [p for p in by_stem[path.parent, path.stem] if p != path]
                    units.append(Unit(path, kind, tuple((p, loose[p]) for p in [path, *captions])))
            else:
                named = sorted(claims.get(path, frozenset()) & loose.keys())
                units.append(Unit(path, kind, tuple((p, loose[p]) for p in [path, *named])))
        ready = [
            replace(unit, version=self._versions.get(unit.path, 0))
            for unit in units
            if all(path in still for path, _ in unit.files) and self._taken.get(unit.path) != unit.files
        ]
        return sorted(ready, key=lambda unit: unit.path)

    def _exports(self, current: dict[Path, Shape], still: set[Path]) -> tuple[list[Unit], list[Path]]:
        """Telegram exports (complete or not) and the folders they are in.

        A folder is an export when its ``result.json`` reads as one, and one
        in the making while its ``result.json`` is still being written, or
        is not there yet in a folder Telegram Desktop names an export
        (``ChatExport_…``, ``DataExport_…``: it writes ``result.json`` last).
        Nothing in such a folder is taken on its own. An export made as
        HTML, not JSON, is named as refused once it is still.
        """
        candidates = {p.parent for p in current if p.name == "result.json"}
        candidates |= {
            folder
            for p in current
            for folder in p.parents
            if folder.is_relative_to(self.root) and folder.name.startswith(_EXPORT_NAMES)
        }
        units: list[Unit] = []
        held: list[Path] = []
        for folder in sorted(candidates, key=lambda f: len(f.parts)):  # outermost first
            if any(folder.is_relative_to(outer) for outer in held):
                continue
            export = folder / "result.json"
            shape = current.get(export)
            inside = tuple((p, s) for p, s in current.items() if p.is_relative_to(folder))
            if shape is not None and export in still and stat.S_ISREG(shape[0]) and shape[1] > 0:
                if self._kind(export, shape) != "telegram":
                    continue  # a file of that name that is no export: the folder's files are loose
                units.append(Unit(folder, "telegram", inside))
            elif shape is None and (folder / "messages.html") in current:
                units.append(Unit(folder, REFUSED, inside, _HTML_EXPORT))
            held.append(folder)
        return units, held

    def taken(self, units: list[Unit]) -> None:
        """Mark units as read in the shape they were offered; until then a later poll offers them again."""
        for unit in units:
            self._versions[unit.path] = unit.version + 1
            self._taken[unit.path] = unit.files

    def _look(self) -> dict[Path, Shape]:
        """Every entry below the root but folders and hidden ones, by ``stat``: nothing is opened."""
        found: dict[Path, Shape] = {}
        for path in sorted(self.root.rglob("*")):
            if any(part.startswith(".") for part in path.relative_to(self.root).parts):
                continue
            try:
                info = path.stat()
            except OSError:
                try:
                    info = path.lstat()  # a link to nothing, or in a loop: named, as a file that is not regular
                except OSError:
                    continue  # gone between listing and looking
            if stat.S_ISDIR(info.st_mode):
                continue
            found[path] = (stat.S_IFMT(info.st_mode), info.st_size, info.st_mtime_ns)
        return found

    def _kind(self, path: Path, shape: Shape) -> str | None:
        """The format ``veil ingest`` would read ``path`` as (a Telegram ``result.json``: "telegram")."""
        known = self._kinds.get(path)
        if known is None or known[0] != shape:
            known = (shape, detect_format(path))
            self._kinds[path] = known
        return known[1]

    def _named_by(self, manifest: Path, kind: str, shape: Shape) -> frozenset[Path]:
        """The files ``manifest`` names as media (read once per shape of the manifest)."""
        known = self._claims.get(manifest)
        if known is None or known[0] != shape:
            known = (shape, _media_names(manifest, kind))
            self._claims[manifest] = known
        return known[1]


def _media_names(manifest: Path, kind: str) -> frozenset[Path]:
    """The files a JSONL or CSV manifest names in its ``media`` field, by that
    field alone: the reader, which checks each path on disk, costs a hundred
    times as much, and this runs in the look, before any file is taken."""
    names: list[str] = []
    try:
        if kind == "jsonl":
            with manifest.open("rb") as handle:
                for line in handle:
                    if b'"media"' in line:
                        names += _listed(line)
        else:
            with manifest.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
                names += (part for row in csv.DictReader(handle) for part in str(row.get("media") or "").split("|"))
    except (OSError, csv.Error):
        pass  # the names read so far; the reader names what is wrong with the file
    found: set[Path] = set()
    for name in filter(None, (name.strip() for name in names)):
        local = file_uri_path(name) if name.startswith("file://") else manifest.parent / name
        if local is not None:
            found.add(Path(os.path.normpath(local)))  # as the look lists it: "./a.png" and "a.png" are one file
    return frozenset(found)


def _listed(line: bytes) -> list[str]:
    try:
        record = json.loads(line)
    except (ValueError, RecursionError):
        return []
    media = record.get("media") if isinstance(record, dict) else None
    return [media] if isinstance(media, str) else [str(name) for name in media] if isinstance(media, list) else []


def read_unit(root: Path, unit: Unit) -> Iterator[ItemDraft | IngestError]:
    """What the reader for ``unit``'s format yields from it."""
    if unit.error is not None:
        yield IngestError(str(unit.path), unit.error)
        return
    if unit.kind != "media":
        yield from read(unit.path, unit.kind)
        return
    for entry in read_media_file(root, unit.path):
        if unit.version and isinstance(entry, ItemDraft) and entry.external_id:
            entry = replace(entry, external_id=f"{entry.external_id};{unit.version}")
        yield entry


def batches(units: list[Unit]) -> Iterator[list[Unit]]:
    """``units`` in the order to read them: the small ones together, smallest
    first, then each big one alone, smallest first."""
    ordered = sorted(units, key=lambda unit: unit.size)
    small = [unit for unit in ordered if unit.size < BIG_UNIT]
    if small:
        yield small
    for unit in ordered[len(small) :]:
        yield [unit]
