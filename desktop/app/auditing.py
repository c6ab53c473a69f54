"""The audit chain and the decision log: verify, export, check; the log's pages and an item's history.

Everything here reads the whole team's history, so everything needs the
audit permission (supervisors and admins), in the window and on the command
line alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.core import audit
from desktop.core.supervision import decision_log
from desktop.domain.people import Permission

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from desktop.app.context import Context
    from desktop.domain.audit import (
        ChainExport,
        ChainStatus,
        ExportCheck,
        ItemHistory,
        LogFacets,
        LogFilter,
        LogKey,
        LogPage,
        Verification,
    )


class Auditing:
    def __init__(self, context: Context) -> None:
        self._c = context

    def verify(self) -> Verification:
        """Walk the whole chain and every decision it records; name the first broken event."""
        return decision_log.verify_all(self._c.db, self._c.who())

    def export(self, target: Path) -> ChainExport:
        """The whole chain into a new JSONL file, ending with its head (a broken chain is not exported)."""
        return audit.export_chain_file(self._c.db, self._c.who(), target)

    def check(self, lines: Iterable[str]) -> ExportCheck:
        """Whether the database's chain still begins with an export's events, and verifies."""
        self._c.who().require(Permission.AUDIT)
        return audit.check_export(self._c.db, lines)

    def page(self, query: LogFilter, *, after: LogKey | None = None, limit: int = 200) -> LogPage:
        """One page of the decision log, newest first."""
        return decision_log.page(self._c.db, self._c.who(), query, after=after, limit=limit)

    def facets(self) -> LogFacets:
        return decision_log.facets(self._c.db, self._c.who())

    def names(self) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
        """Labels' and reasons' names, inactive ones included, for reading old
        decisions; unlike the rest of this area, anyone who reviews may read them."""
        return decision_log.names(self._c.db, self._c.who())

    def item_history(self, item_id: int) -> ItemHistory:
        return decision_log.item_history(self._c.db, self._c.who(), item_id)

    def chain_status(self, item_id: int) -> ChainStatus:
        """Whether each of an item's events is intact in the chain."""
        return decision_log.chain_status(self._c.db, self._c.who(), item_id)
