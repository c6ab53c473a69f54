"""The item after the one shown, made ready while the reviewer looks at this one.

In the pending queue the reviewer holds two items: the one shown and the
one after it (a second lease, :meth:`desktop.app.reviewing.Reviewing.hold_ahead`),
so nobody else is shown it while it is read and its previews decoded, on
the reader, before the key is pressed. The decision key's one transaction
records the decision, resumes the item held ahead and holds the one after
it (:meth:`~desktop.app.reviewing.Reviewing.decide_and_next`); the window
then only sets widgets. Steps that do not hold one ahead (the first item,
a pick from the list, a skip, an undo) leave it to :meth:`ReadAhead.fetch`,
run once the new item is painted. The item held ahead is given back when
the window closes or leaves the pending queue; after a crash its lease runs out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.domain.errors import Unavailable
from desktop.ui.loaded import loaded
from desktop.ui.workers import DbOp

if TYPE_CHECKING:
    from collections.abc import Callable

    from desktop.app.veil import Veil
    from desktop.ui.loaded import Loaded
    from desktop.ui.workers import DbWorker


class ReadAhead:
    def __init__(self, writer: DbWorker, reader: DbWorker, on_unavailable: Callable[[Exception], None]) -> None:
        self._writer = writer
        self._reader = reader
        self._on_unavailable = on_unavailable
        self.held: int | None = None  # the item held ahead, as far as the window knows
        self.items: dict[int, Loaded] = {}  # read and decoded ahead, by item id
        self._holding = False  # a hold_ahead is on the writer

    def moved(self, shown: Loaded | None, held: int | None) -> None:
        """A step showed ``shown`` and holds ``held`` ahead (None: none it knows of)."""
        if shown is not None:
            self.items.pop(shown.view.id, None)
        self.held = held

    def fetch(self, veil: Veil, shown: int) -> None:
        """Hold the item after ``shown`` (unless one is held) and read it."""
        held = self.held
        if held is not None:
            self._read(veil, held)
            return
        if self._holding:
            return
        self._holding = True

        def holding(item_id: int | None) -> None:
            self._holding = False
            if self.held is None and item_id is not None and item_id != shown:
                self.held = item_id
                self._read(veil, item_id)

        def failed(error: Exception) -> None:
            self._holding = False
            self._failed(error)

        DbOp(self._writer, lambda: veil.review.hold_ahead(shown).value).success(holding).failure(failed).run()

    def _read(self, veil: Veil, item_id: int) -> None:
        if item_id in self.items:
            return
        self.items = {}  # one item ahead: what was read for another is stale

        def work() -> Loaded:
            return loaded(veil.review.read(item_id))

        def arrived(found: Loaded) -> None:
            if found.view.id == self.held:
                self.items[found.view.id] = found

        DbOp(self._reader, work).success(arrived).failure(self._failed).run()

    def renew(self, veil: Veil) -> None:
        """Extend the lease on the item held ahead, with the one shown."""
        held = self.held
        if held is None:
            return

        def lost(error: Exception) -> None:
            if isinstance(error, Unavailable):
                self._on_unavailable(error)
            elif self.held == held:
                self.forget()  # decided or taken meanwhile: the next step holds another

        DbOp(self._writer, lambda: veil.review.renew(held)).failure(lost).run()

    def give_back(self, veil: Veil | None) -> None:
        """Leaving the pending queue or closing: the item held ahead goes back to the queue."""
        held = self.held
        self.forget()
        if veil is not None and held is not None:
            DbOp(self._writer, lambda: veil.review.release_if_held(held)).failure(self._failed).run()

    def forget(self) -> None:
        self.held = None
        self.items = {}

    def _failed(self, error: Exception) -> None:
        if isinstance(error, Unavailable):
            self._on_unavailable(error)
