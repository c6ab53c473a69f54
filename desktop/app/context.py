"""What every area of the application layer shares."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from db.session import describe
from desktop.core.clock import now as clock_now
from desktop.domain.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime
    from pathlib import Path

    from sqlalchemy.orm import Session

    from db.session import Database
    from desktop.core.review.service import ReviewService
    from desktop.core.workspace import Workspace
    from desktop.domain.clock import Clock
    from desktop.domain.people import Actor
    from desktop.domain.previews import PreviewSettings


@dataclass
class Context:
    """The open workspace, the signed-in person and the ingest settings."""

    workspace: Workspace
    preview: PreviewSettings | None = None  # None: the defaults
    media_store: Path | None = None
    store_journal: Path | None = None  # a local folder (see desktop.core.ingest.journal); None: none kept
    actor: Actor | None = None

    @property
    def db(self) -> Database:
        return self.workspace.db

    @property
    def clock(self) -> Clock:
        return self.workspace.clock

    @property
    def review(self) -> ReviewService:
        return self.workspace.review

    def where(self) -> str:
        """The database as shown to people (no password)."""
        return describe(self.db.url)

    def who(self) -> Actor:
        """The signed-in person, or a clear refusal."""
        if self.actor is None:
            raise UsageError("nobody is signed in")
        return self.actor

    @contextmanager
    def write(self) -> Iterator[tuple[Session, datetime]]:
        """A write transaction and the time by which it measures leases and ages."""
        with self.db.write() as session:
            yield session, clock_now(session, self.clock)

    @contextmanager
    def read(self) -> Iterator[tuple[Session, datetime]]:
        with self.db.read() as session:
            yield session, clock_now(session, self.clock)
