"""The queue list: its filter, its rows (keyed for keyset paging) and the values the filters offer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from desktop.domain.review import ItemStatus

# The list shows this much of an item's text; the item pane shows all of it.
EXCERPT = 240


@dataclass(frozen=True)
class QueueFilter:
    status: ItemStatus = ItemStatus.PENDING
    marker: str | None = None  # a marker code: "21+", "cue:corpse"
    label: str | None = None  # a label of the decision in force
    source: str | None = None  # a source's name
    language: str | None = None  # an ISO 639-1 code


# priority, received_at, id: where a page ends and the next begins.
PageKey = tuple[int, datetime, int]


@dataclass(frozen=True)
class QueueRow:
    id: int
    severity: int
    markers: tuple[str, ...]
    source: str
    received_at: datetime
    media: int
    language: str | None
    claimed_by: str | None  # whoever holds a live lease
    excerpt: str
    key: PageKey


@dataclass(frozen=True)
class Facets:
    """What the filters can offer: the values present in the database."""

    sources: list[str]
    languages: list[str]
    markers: list[str]
    labels: list[str]
