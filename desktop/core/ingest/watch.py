"""A watched folder: new files are taken once they have stopped growing.

Polling, not OS file events: it works the same on every platform and on
network shares, where events are unreliable, and a file still being copied
is recognised by its size and time changing between two looks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.core.ingest.folder import SIDECARS, media_files

if TYPE_CHECKING:
    from pathlib import Path


class FolderWatch:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._seen: dict[Path, tuple[int, int]] = {}
        self._taken: set[Path] = set()

    def poll(self) -> list[Path]:
        """Files that look the same as at the previous poll and were not taken yet.

        A caption sidecar goes with its media file, not on its own.
        """
        current: dict[Path, tuple[int, int]] = {}
        for path in media_files(self.root):
            try:
                stat = path.stat()
            except OSError:
                continue  # gone between listing and looking
            current[path] = (stat.st_size, stat.st_mtime_ns)
        ready = [
            path
            for path, shape in current.items()
            if path not in self._taken and self._seen.get(path) == shape and shape[0] > 0
        ]
        self._seen = current
        stems = {(p.parent, p.stem) for p in current if p.suffix.lower() not in SIDECARS}
        ready = [p for p in ready if not (p.suffix.lower() in SIDECARS and (p.parent, p.stem) in stems)]
        return sorted(ready)

    def taken(self, paths: list[Path]) -> None:
        """Mark files as ingested; until then a later poll offers them again."""
        self._taken.update(paths)
