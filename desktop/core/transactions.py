"""A step of the core in the caller's transaction when it is given one, else in its own.

The application layer joins several steps into one transaction (a key press
records the decision, holds the next item and reads it before it commits);
the same steps called alone open their own.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.orm import Session

    from db.session import Database


@contextmanager
def writing(database: Database, into: Session | None) -> Iterator[Session]:
    if into is not None:
        yield into
        return
    with database.write() as session:
        yield session


@contextmanager
def reading(database: Database, into: Session | None) -> Iterator[Session]:
    if into is not None:
        yield into
        return
    with database.read() as session:
        yield session
