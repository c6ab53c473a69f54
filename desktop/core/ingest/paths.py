"""Paths an input names, kept inside the folder the input came from."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


class Escapes(ValueError):
    """A path that leads out of its input's folder."""


def inside(root: Path, named: str) -> Path:
    """``named`` (relative to ``root``) as a real path inside ``root``.

    Refused, before anything is read: absolute paths, ``..`` that climbs
    out, and symbolic links whose target lies outside.
    """
    if not named or named.startswith(("/", "\\")) or (len(named) > 1 and named[1] == ":"):
        raise Escapes(f"absolute path {named!r} refused: media paths are relative to the input's folder")
    base = root.resolve()
    try:
        target = (base / named).resolve()
    # ValueError: a NUL byte. A symbolic link loop is an OSError from Python
    # 3.13 on, a RuntimeError before it.
    except (OSError, ValueError, RuntimeError) as err:
        raise Escapes(f"path {named!r} refused: {err}") from None
    if target != base and base not in target.parents:
        raise Escapes(f"path {named!r} leads outside {base} and was not read")
    return target
