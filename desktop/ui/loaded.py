"""What the review window shows of an item, read and decoded off the UI thread,
and what it needs once someone signs in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtGui import QImage

if TYPE_CHECKING:
    from desktop.domain.care import Day
    from desktop.domain.people import Actor
    from desktop.domain.queue import Facets
    from desktop.domain.review import ItemView, Next, Replayed, Shown
    from desktop.domain.taxonomy import ActionInfo, LabelInfo, ReasonInfo


@dataclass(frozen=True)
class Loaded:
    """An item read for showing, its stored (blurred) previews decoded on the worker:
    the UI thread only paints them."""

    shown: Shown
    images: dict[int, QImage] = field(default_factory=dict)

    @property
    def view(self) -> ItemView:
        return self.shown.view

    @property
    def previews(self) -> dict[int, bytes]:
        return self.shown.previews


@dataclass(frozen=True)
class Opened:
    """What the window needs once someone is signed in."""

    actor: Actor
    where: str
    labels: list[LabelInfo]
    reasons: dict[str, list[ReasonInfo]]
    actions: list[ActionInfo]
    facets: Facets
    day: Day
    replayed: Replayed  # what the outbox held, saved at start


def start_of_today() -> datetime:
    """Local midnight, in UTC: "today" is the reviewer's day, not UTC's."""
    local = datetime.now().astimezone()
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def loaded(shown: Shown) -> Loaded:
    """Decode an item's previews (on a worker: QImage is safe off the UI thread)."""
    return Loaded(shown, {media_id: QImage.fromData(jpeg) for media_id, jpeg in shown.previews.items()})


def loaded_next(moved: Next, ahead: dict[int, Loaded]) -> Loaded | None:
    """The item a step moved on to: as read by the step, or as read ahead."""
    if moved.shown is not None:
        return loaded(moved.shown)
    if moved.claim is not None:
        return ahead[moved.claim.item_id]
    return None
