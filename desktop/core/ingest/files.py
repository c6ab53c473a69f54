"""Ingest files by path: pick the reader, store what it reads, report the rest."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from desktop.core.ingest import IngestError, IngestReport, ItemDraft
from desktop.core.ingest.manifest import read_jsonl
from desktop.core.ingest.store import store
from desktop.core.resources import resource

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime
    from pathlib import Path

    from db.session import Database

FORMATS = ("auto", "jsonl")


def detect_format(path: Path) -> str | None:
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return "jsonl"
    return None


def ingest_files(
    database: Database,
    paths: Iterable[Path],
    *,
    actor: str,
    now: datetime,
    fmt: str = "auto",
    source: str | None = None,
    report: IngestReport | None = None,
) -> IngestReport:
    """Read each file and store its items, one transaction per file."""
    report = report or IngestReport()
    for path in paths:
        if not path.is_file():
            report.errors.append(IngestError(str(path), "no such file"))
            continue
        kind = detect_format(path) if fmt == "auto" else fmt
        if kind != "jsonl":
            report.errors.append(IngestError(str(path), "unknown format (this build reads JSONL manifests)"))
            continue
        drafts: list[ItemDraft] = []
        for entry in read_jsonl(path):
            if isinstance(entry, IngestError):
                report.errors.append(entry)
            else:
                drafts.append(entry)
        counts = (report.items_added, report.items_duplicate, report.media_added)
        try:
            with database.write() as session:
                store(session, drafts, source=source or path.stem, kind=kind, actor=actor, now=now, report=report)
        except SQLAlchemyError as err:
            # The file's transaction rolled back: none of its items went in.
            report.items_added, report.items_duplicate, report.media_added = counts
            first = str(getattr(err, "orig", None) or err).strip().splitlines()[0]
            report.errors.append(IngestError(str(path), f"not stored: {first}"))
    return report


def load_demo(database: Database, *, actor: str, now: datetime) -> IngestReport:
    """The bundled demo feed, so a new installation has something to review."""
    return ingest_files(database, [resource("demo", "demo-feed.jsonl")], actor=actor, now=now, source="demo")
