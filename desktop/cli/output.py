"""What several commands print the same way."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

    from desktop.domain.review import ItemView

Report = TypeVar("Report")


def say(message: str) -> None:
    """A message for the person: stderr, so that stdout stays the result."""
    print(message, file=sys.stderr)


def print_item(view: ItemView) -> None:
    """An item as ``veil show`` and ``veil qa next`` print it (its history aside)."""
    status = "second review" if view.blind else view.status.value
    print(f"item {view.id}  [{status}]  severity {view.severity}  source {view.source}")
    if view.author:
        print(f"author: {view.author}")
    if view.published_at:
        print(f"published: {view.published_at.isoformat()}")
    if view.claimed_by:
        print(f"held by {view.claimed_by} until {view.lease_expires_at}")
    print()
    print(view.text)
    print()
    for marker in view.markers:
        print(f"marker {marker['code']}: {marker['text']!r} ({marker['rule']}, severity {marker['severity']})")
    if view.media_withheld:
        print("media withheld (suspected CSAM escalation): never displayed")
    else:
        for m in view.media:
            state = m.as_dict()["preview"]
            print(f"media {m.id}: {m.media_type} {m.uri} preview:{state}" + (f" error: {m.error}" if m.error else ""))


class ProgressLine(Generic[Report]):
    """A line on stderr every second or so while a long run goes on (one
    line rewritten in a terminal, a line each in a log); ``describe`` makes
    it from the report so far and the seconds since the start."""

    def __init__(self, describe: Callable[[Report, float], str], *, enabled: bool) -> None:
        self.describe = describe
        self.enabled = enabled
        self.started = time.monotonic()
        self.last = self.started
        self.shown = False

    def __call__(self, report: Report) -> None:
        now = time.monotonic()
        if not self.enabled or now - self.last < 1.0:
            return
        self.last = now
        end = "\r" if sys.stderr.isatty() else "\n"
        print(self.describe(report, now - self.started), end=end, file=sys.stderr, flush=True)
        self.shown = True

    def done(self) -> None:
        if self.shown and sys.stderr.isatty():
            print(file=sys.stderr)
