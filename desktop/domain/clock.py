"""The clock every layer is handed, so tests can move time.

Which time a use case compares leases and ages with is the core's to say
(:func:`desktop.core.clock.now`: the database server's on PostgreSQL).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def __call__(self) -> datetime: ...


def system_clock() -> datetime:
    return datetime.now(UTC)
