"""The time by which the services compare leases and ages.

Leases and ages are compared with :func:`now` inside the transaction that
compares them. On PostgreSQL with a workstation's own clock that is the
server's time: workstations' clocks drift, and a fast one would see others'
live leases as expired. SQLite lives on one machine, whose clock is the only
one. A test's clock (any other callable) stands in for the server too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from desktop.domain.clock import Clock, system_clock

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def is_wall_clock(clock: Clock) -> bool:
    """A workstation's own clock (the system's, or one that says it is one),
    which PostgreSQL's time overrules."""
    return clock is system_clock or bool(getattr(clock, "wall", False))


def now(session: Session, clock: Clock) -> datetime:
    """The time to measure leases and ages by, in ``session``'s transaction."""
    if is_wall_clock(clock) and session.get_bind().dialect.name == "postgresql":
        server_time: datetime | None = session.scalar(select(func.now()))
        assert server_time is not None
        return server_time.astimezone(UTC)
    return clock()
