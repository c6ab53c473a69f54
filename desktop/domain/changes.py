"""What an operation changed, so each view refreshes only what it shows (Anki's ``OpChanges``).

Every write of the application layer returns an :class:`Outcome`: its value
and its :class:`Changes`. The window hands the changes to every open view;
the command line ignores them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Changes:
    # Items whose status, holder, decisions or media changed.
    items: frozenset[int] = frozenset()
    # Items came into or left a queue: lists and counts are stale.
    queue: bool = False
    # Decisions or audit events were added: logs, reports and histories are stale.
    history: bool = False
    # Exposure or reminders were recorded: the day's care figures are stale.
    care: bool = False
    taxonomy: bool = False
    users: bool = False
    team_settings: bool = False

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            items=self.items | other.items,
            queue=self.queue or other.queue,
            history=self.history or other.history,
            care=self.care or other.care,
            taxonomy=self.taxonomy or other.taxonomy,
            users=self.users or other.users,
            team_settings=self.team_settings or other.team_settings,
        )

    def __bool__(self) -> bool:
        return self != NOTHING


NOTHING = Changes()


def of_items(*item_ids: int | None, queue: bool = False, history: bool = True) -> Changes:
    """Changes to some items (the usual result of a review step)."""
    return Changes(items=frozenset(i for i in item_ids if i is not None), queue=queue, history=history)


@dataclass(frozen=True)
class Outcome(Generic[T]):
    value: T
    changes: Changes = field(default=NOTHING)
