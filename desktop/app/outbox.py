"""Decisions made while the database did not answer, kept on disk until it does.

A decision carries its own id (a UUID made when the reviewer pressed the
key), so sending it again after an unanswered attempt is safe: the service
finds the row the first attempt wrote and does nothing. The outbox is a
JSON-lines file in the user's data folder, appended to and synced before
the window shows the decision as pending, so closing the window, or a
crash, loses nothing: the next start sends what is left. Like the database,
the file is readable by its owner only.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from typing import TYPE_CHECKING

from db import private_files
from desktop.domain.review import PendingDecision

if TYPE_CHECKING:
    from pathlib import Path


class Outbox:
    def __init__(self, path: Path) -> None:
        self.path = path

    def add(self, decision: PendingDecision) -> None:
        # Owner-only, as the database they wait for: a folder or file made here is 0700 or 0600.
        private_files.make_folder(self.path.parent)
        private_files.create_file(self.path)
        with self.path.open("a", encoding="utf-8") as file:
            file.write(json.dumps(asdict(decision), ensure_ascii=False) + "\n")
            file.flush()
            os.fsync(file.fileno())

    def remove(self, decision_id: str) -> None:
        kept = [d for d in self._read() if d.decision_id != decision_id]
        if not kept:
            self.path.unlink(missing_ok=True)
            return
        temporary = self.path.with_name(self.path.name + ".new")
        # A fresh file, so the one replacing the outbox is owner-only even if
        # a crash left an older, laxer one behind.
        temporary.unlink(missing_ok=True)
        private_files.create_file(temporary)
        temporary.write_text("".join(json.dumps(asdict(d), ensure_ascii=False) + "\n" for d in kept), encoding="utf-8")
        temporary.replace(self.path)

    def pending(self, *, database: str, reviewer: str) -> list[PendingDecision]:
        """What ``reviewer`` decided on ``database`` that is not saved yet, oldest first."""
        return [d for d in self._read() if d.database == database and d.reviewer == reviewer]

    def _read(self) -> list[PendingDecision]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        found = []
        for line in lines:
            try:
                found.append(PendingDecision(**json.loads(line)))
            except (ValueError, TypeError):
                continue  # a line cut short by a crash mid-write: its decision was never shown as kept
        return found
