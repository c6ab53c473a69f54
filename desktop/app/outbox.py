"""Decisions and exposure recorded while the database did not answer, kept on disk until it does.

A decision carries its own id (a UUID made when the reviewer pressed the
key), and so does an exposure (made when it ended), so sending either again
after an unanswered attempt is safe: the service finds the row the first
attempt wrote and does nothing. The outbox is a JSON-lines file in the
user's data folder, appended to and synced before the window shows the
record as pending, so closing the window, or a crash, loses nothing: the
next start sends what is left, in the order it was kept. Like the
database, the file is readable by its owner only.

A line is a decision unless its ``kind`` says ``"exposure"``: decisions are
written as they always were, so files from earlier versions read as they
are, and an earlier version reading a newer file skips what it does not know.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from db import private_files
from desktop.domain.review import Pending, PendingDecision, PendingExposure

if TYPE_CHECKING:
    from pathlib import Path

EXPOSURE = "exposure"

# The window keeps exposure on its writer thread while the same outbox is
# replayed there or written from the window's thread: one lock for every
# read-and-rewrite, so a line added meanwhile is never lost.
_LOCK = threading.Lock()


class Outbox:
    def __init__(self, path: Path) -> None:
        self.path = path

    def add(self, pending: Pending) -> None:
        with _LOCK:
            # Owner-only, as the database they wait for: a folder or file made here is 0700 or 0600.
            private_files.make_folder(self.path.parent)
            private_files.create_file(self.path)
            with self.path.open("a", encoding="utf-8") as file:
                file.write(_line(pending))
                file.flush()
                os.fsync(file.fileno())

    def remove(self, key: str) -> None:
        """Forget the decision or exposure whose id is ``key`` (it is saved, or has nothing left to save)."""
        with _LOCK:
            kept = [p for p in self._read() if p.key != key]
            if not kept:
                self.path.unlink(missing_ok=True)
                return
            temporary = self.path.with_name(self.path.name + ".new")
            # A fresh file, so the one replacing the outbox is owner-only even if
            # a crash left an older, laxer one behind.
            temporary.unlink(missing_ok=True)
            private_files.create_file(temporary)
            temporary.write_text("".join(_line(p) for p in kept), encoding="utf-8")
            temporary.replace(self.path)

    def pending(self, *, database: str, reviewer: str) -> list[Pending]:
        """What ``reviewer`` decided or saw on ``database`` that is not saved yet, oldest first."""
        with _LOCK:
            return [p for p in self._read() if p.database == database and p.reviewer == reviewer]

    def decisions(self, *, database: str, reviewer: str) -> list[PendingDecision]:
        """The pending decisions alone, oldest first."""
        return [p for p in self.pending(database=database, reviewer=reviewer) if isinstance(p, PendingDecision)]

    def _read(self) -> list[Pending]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        found: list[Pending] = []
        for line in lines:
            try:
                found.append(_parse(json.loads(line)))
            except (ValueError, TypeError, KeyError, AttributeError):
                continue  # a line cut short by a crash mid-write: what it held was never shown as kept
        return found


def _line(pending: Pending) -> str:
    if isinstance(pending, PendingExposure):
        fields: dict[str, Any] = {"kind": EXPOSURE, **asdict(pending)}
        fields["started_at"] = pending.started_at.isoformat()
    else:
        fields = asdict(pending)
    return json.dumps(fields, ensure_ascii=False) + "\n"


def _parse(fields: dict[str, Any]) -> Pending:
    kind = fields.pop("kind", None)
    if kind == EXPOSURE:
        started_at = datetime.fromisoformat(fields.pop("started_at"))
        if started_at.tzinfo is None:
            raise ValueError("an exposure's start must say its time zone")
        return PendingExposure(started_at=started_at, **fields)
    if kind is not None:
        raise ValueError(f"unknown kind {kind!r}")  # a newer version's: skipped like a line cut short
    return PendingDecision(**fields)
