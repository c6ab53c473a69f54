"""Decision events as rows for export (JSONL or CSV), oldest first.

A row is :meth:`DecisionInfo.as_dict <desktop.domain.review.DecisionInfo.as_dict>`,
the same fields, named the same, as ``veil show --json`` gives a decision.
"""

from __future__ import annotations

import csv
import json
from dataclasses import fields
from typing import TYPE_CHECKING, Any, TextIO

from sqlalchemy import select

from db.models import Decision, User
from desktop.core.review.decisions import decision_info
from desktop.domain.people import Actor, Permission
from desktop.domain.review import DecisionInfo

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime

    from db.session import Database

COLUMNS = tuple(field.name for field in fields(DecisionInfo))


def decision_rows(
    database: Database, actor: Actor, *, since: datetime | None = None, until: datetime | None = None
) -> Iterator[dict[str, Any]]:
    """One row per decision event, including undos and overrides.

    The role is checked now, not when the rows are first read, so a refused
    export never creates or truncates its output file.
    """
    actor.require(Permission.AUDIT)
    return _rows(database, since, until)


def _rows(database: Database, since: datetime | None, until: datetime | None) -> Iterator[dict[str, Any]]:
    query = select(Decision, User.name).join(User, User.id == Decision.reviewer_id)
    if since is not None:
        query = query.where(Decision.decided_at >= since)
    if until is not None:
        query = query.where(Decision.decided_at < until)
    query = query.order_by(Decision.decided_at, Decision.item_id, Decision.item_seq).execution_options(yield_per=1000)
    with database.read() as session:
        for decision, reviewer in session.execute(query):
            yield decision_info(decision, reviewer).as_dict()


def write_jsonl(rows: Iterator[dict[str, Any]], out: TextIO) -> int:
    count = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(rows: Iterator[dict[str, Any]], out: TextIO) -> int:
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        # Labels are joined with ";" so a spreadsheet keeps them in one cell.
        writer.writerow({**row, "labels": ";".join(row["labels"])})
        count += 1
    return count
