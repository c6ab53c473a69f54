"""What several commands print the same way."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop.domain.review import ItemView


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
