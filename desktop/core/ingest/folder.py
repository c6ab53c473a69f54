"""Folders of downloaded media: each image or video is an item.

A sidecar with the same stem (``photo.txt``, or ``photo.json`` with a
``text``/``caption`` and optionally ``author``, ``published_at``, ``lang``)
is the item's caption, read only as far as an item holds (a longer one is
cut, and the cut named). What a file is, is decided by its content, not its
name. Every other file is reported by name; a symbolic link that leads out
of the folder is refused unread.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from desktop.core.ingest.checks import readable_name
from desktop.core.ingest.manifest import MAX_ITEM_CHARS, draft_from
from desktop.core.ingest.paths import Escapes, inside
from desktop.core.media.hashes import identify
from desktop.core.media.originals import not_regular
from desktop.domain.ingest import IngestError, ItemDraft, MediaRef

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path

SIDECARS = (".txt", ".json")
MAX_SIDECAR = 1 << 20  # a JSON caption: it cannot be cut, only refused
MAX_TEXT_BYTES = MAX_ITEM_CHARS * 4  # a .txt caption: UTF-8 spends up to 4 bytes a character


def media_files(root: Path) -> Iterator[Path]:
    """Every file below ``root`` in a stable order, hidden ones left out."""
    for path in sorted(root.rglob("*")):
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        if path.is_symlink() or not path.is_dir():
            yield path  # FIFOs and devices too: each is refused by name, unopened


def read_folder(root: Path, files: Iterable[Path] | None = None) -> Iterator[ItemDraft | IngestError]:
    """Items for ``files`` (default: every file below ``root``)."""
    chosen = list(files if files is not None else media_files(root))
    stems = {(p.parent, p.stem) for p in chosen if p.suffix.lower() not in SIDECARS}
    for path in chosen:
        if path.suffix.lower() in SIDECARS and (path.parent, path.stem) in stems:
            continue  # a caption; read with its media
        yield from read_media_file(root, path)


def read_media_file(root: Path, path: Path) -> Iterator[ItemDraft | IngestError]:
    relative = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
    # Errors and ids are text: a name whose bytes are not UTF-8 shows each such byte as \xNN.
    shown, name = readable_name(str(path)), readable_name(relative)
    try:
        real = inside(root, relative)
    except Escapes as err:
        yield IngestError(shown, readable_name(str(err)))
        return
    try:
        empty = real.stat().st_size == 0
    except OSError as err:  # a dangling link, or gone since the folder was listed
        yield IngestError(shown, f"cannot read: {err.strerror or err}")
        return
    refused = not_regular(real)
    if refused:
        yield IngestError(shown, refused)
        return
    if empty:
        yield IngestError(shown, "empty file (0 bytes)")
        return
    kind = identify(real)
    if kind.media_type == "unknown":
        yield IngestError(shown, "not an image or video Veil can read")
        return
    if name != relative:
        yield IngestError(shown, f"the file name is not valid UTF-8; the item's id is {name!r}")
    caption, error = _caption(root, path)
    if error:
        yield IngestError(shown, error)
    try:
        draft = draft_from({"text": "", **caption}, root)
    except (ValueError, TypeError, OverflowError) as err:
        # A caption's bad field costs the caption's fields, not the picture.
        yield IngestError(shown, f"caption fields not used: {err}")
        draft = draft_from({"text": str(caption.get("text", ""))}, root)
    yield ItemDraft(
        text=draft.text,
        external_id=name,
        author=draft.author,
        published_at=draft.published_at,
        language=draft.language,
        media=(MediaRef(uri=real.as_uri(), media_type=kind.media_type),),
        origin=(shown, name),
    )


def _caption(root: Path, media: Path) -> tuple[dict[str, Any], str | None]:
    for suffix in SIDECARS:
        for sidecar in (media.with_suffix(suffix), media.with_suffix(suffix.upper())):
            if not _present(sidecar):
                continue
            refused = not_regular(sidecar)
            if refused:
                return {}, f"caption {sidecar.name} not read: {refused}"
            # Never more than an item can hold: a 4 GiB sidecar costs what a long caption does.
            limit = MAX_TEXT_BYTES if suffix == ".txt" else MAX_SIDECAR
            try:
                inside(root, sidecar.relative_to(root).as_posix())
                with sidecar.open("rb") as handle:
                    data = handle.read(limit + 1)
            except (Escapes, OSError, ValueError) as err:
                return {}, f"caption {sidecar.name} not read: {err}"
            longer = len(data) > limit
            raw = data[:limit].decode("utf-8-sig", errors="replace")
            if suffix == ".txt":
                return _cut({"text": raw.strip()}, sidecar.name, longer=longer)
            if longer:
                return {}, f"caption {sidecar.name} not read: larger than {MAX_SIDECAR >> 20} MiB"
            try:
                fields = json.loads(raw)
            except (ValueError, RecursionError) as err:
                return {}, f"caption {sidecar.name} is not JSON: {type(err).__name__}"
            if not isinstance(fields, dict):
                return {}, f"caption {sidecar.name} is not a JSON object"
            text = fields.get("text", fields.get("caption", ""))
            keep = {k: fields[k] for k in ("author", "published_at", "lang") if k in fields}
            return _cut({"text": str(text), **keep}, sidecar.name, longer=False)
    return {}, None


def _present(path: Path) -> bool:
    """Whether anything is at ``path`` (a FIFO too: it is refused by name, not
    passed over); False, not an error, when its name is longer than the file
    system allows (a 255-byte photo name with ``.json`` for ``.png``): no such
    sidecar can exist."""
    try:
        return path.exists()
    except OSError:
        return False


def _cut(caption: dict[str, Any], name: str, *, longer: bool) -> tuple[dict[str, Any], str | None]:
    """``caption`` with its text cut to what an item holds, and a note when it was."""
    if not longer and len(caption["text"]) <= MAX_ITEM_CHARS:
        return caption, None
    return {**caption, "text": caption["text"][:MAX_ITEM_CHARS]}, f"caption {name} cut at {MAX_ITEM_CHARS:,} characters"
