"""Fail a test on a log record of WARNING or above it did not say it expects.

qutebrowser's pattern: a handler on the root logger keeps every record of
WARNING and above while the test runs; at its end, each record must be
matched by a declaration, and each declaration by a record. A test declares
what it provokes with ``@pytest.mark.expected_log("desktop.ui.crash", "ERROR")``
(a logger and its children, that level and above) or, from inside the test,
with the ``expect_log`` fixture. A warning nobody expected is a bug to fix
or a record the test must name; an expected record that never came means
the test no longer tests what it says.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass


@dataclass(frozen=True)
class Expected:
    logger: str
    level: int

    def matches(self, record: logging.LogRecord) -> bool:
        named = record.name == self.logger or record.name.startswith(self.logger + ".")
        return named and record.levelno >= self.level


def level_of(level: int | str) -> int:
    if isinstance(level, int):
        return level
    number = logging.getLevelName(level.upper())
    if not isinstance(number, int):
        raise ValueError(f"not a logging level: {level!r}")
    return number


class LogGuard(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.expected: list[Expected] = []
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def expect(self, logger: str, level: int | str) -> None:
        self.expected.append(Expected(logger, level_of(level)))

    def problems(self) -> list[str]:
        """What went wrong: records nobody expected, expectations no record met."""
        records = list(self.records)  # a worker thread may still log
        unexpected = [r for r in records if not any(e.matches(r) for e in self.expected)]
        missing = [e for e in self.expected if not any(e.matches(r) for r in records)]
        return [
            *(f"unexpected log record: {r.levelname} {r.name}: {r.getMessage()}" for r in unexpected),
            *(f"expected a log record of {logging.getLevelName(e.level)} or above from {e.logger}; none came"
              for e in missing),
        ]  # fmt: skip
