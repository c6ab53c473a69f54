"""Two reviewers never hold the same item: 8 workers, own connections, >= 2,000 claims."""

from __future__ import annotations

import threading
from collections import Counter
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from db.models import Decision, Item
from db.session import Database
from desktop.core.review.service import ReviewService
from desktop.domain.people import Role
from desktop.domain.review import Action, ItemStatus
from tests.support.factories import add_items, add_user

if TYPE_CHECKING:
    from desktop.core.workspace import Workspace
    from desktop.domain.people import Actor

WORKERS = 8
ITEMS = 2000


def test_eight_workers_never_share_an_item(workspace: Workspace, db_url: str) -> None:
    ids = add_items(workspace, ITEMS)
    reviewers = [add_user(workspace, f"worker{n}", Role.MODERATOR) for n in range(WORKERS)]
    claimed: dict[str, list[int]] = {r.name: [] for r in reviewers}
    failures: list[BaseException] = []
    start = threading.Barrier(WORKERS)

    def work(actor: Actor) -> None:
        # Each worker has its own engine, so its own connection, as each
        # workstation would.
        database = Database(db_url, busy_timeout_ms=60_000)
        service = ReviewService(database)
        try:
            start.wait()
            while True:
                claim = service.claim_next(actor)
                if claim is None:
                    return
                claimed[actor.name].append(claim.item_id)
                service.decide(actor, claim.item_id, Action.APPROVE)
        except BaseException as err:  # noqa: BLE001 - any failure is reported by the main thread
            failures.append(err)
        finally:
            database.dispose()

    threads = [threading.Thread(target=work, args=(r,)) for r in reviewers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)

    assert not failures, failures[:3]
    everything = [item for items in claimed.values() for item in items]
    doubles = [item for item, n in Counter(everything).items() if n > 1]
    assert doubles == []
    assert sorted(everything) == sorted(ids)  # none lost
    assert sum(1 for items in claimed.values() if items) >= 2  # it really ran in parallel
    with workspace.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == ITEMS
        pending = session.scalar(select(func.count()).select_from(Item).where(Item.status != ItemStatus.DECIDED))
    assert pending == 0
