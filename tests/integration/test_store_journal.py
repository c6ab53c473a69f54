"""The copy journal's sweep: a journal whose process still runs (its lock held)
is left alone with its copies; once that process is gone, the copies it
listed that no media row refers to go, with their half-made ``.partial``,
and nothing else it lists: not a referenced copy, not a file of another name,
not a file outside the store. A journal folder that cannot be made does not
stop an ingest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PIL import Image
from sqlalchemy import select

from db.models import Media
from desktop.core.ingest.files import ingest_files
from desktop.core.ingest.journal import sweep
from desktop.core.ingest.media_store import partial_of
from desktop.core.media.originals import file_uri_path

if TYPE_CHECKING:
    from desktop.core.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
# A process holding its journal (as an ingest's would) until its standard input closes.
HOLDER = """
import sys
from pathlib import Path
from desktop.core.ingest.journal import own_journal
journal = own_journal(Path(sys.argv[1]))
assert journal is not None
for listed in sys.argv[2:]:
    journal.note(Path(listed))
print("held", flush=True)
sys.stdin.read()
"""


def _photo(folder: Path) -> Path:
    folder.mkdir()
    Image.new("RGB", (90, 60), (10, 120, 200)).save(folder / "p.png")
    return folder


def test_a_journal_is_swept_only_once_its_process_is_gone(workspace: Workspace, tmp_path: Path) -> None:
    store, journals = tmp_path / "share", tmp_path / "journals"
    store.mkdir()
    report = ingest_files(
        workspace.db, [_photo(tmp_path / "drop")], actor="root", clock=workspace.clock, media_store=store
    )
    assert report.errors == [] and report.media_added == 1
    with workspace.db.read() as session:
        stored = file_uri_path(session.scalars(select(Media.uri)).one())
    assert stored is not None and stored.exists()

    left = store / "ab" / ("ab" + "0" * 30 + ".veil")
    left.parent.mkdir()
    left.write_bytes(b"sealed, never committed")
    half = partial_of(left.with_name("ab" + "1" * 30 + ".veil"))
    half.write_bytes(b"half a copy")
    foreign = [store / "ab" / "notes.txt", tmp_path / ("cd" + "0" * 30 + ".veil")]
    for path in foreign:
        path.write_text("not the store's\n", encoding="utf-8")
    listed = [stored, left, half.with_name("ab" + "1" * 30 + ".veil"), *foreign]

    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(journals), *map(str, listed)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
    ) as holder:  # fmt: skip
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline() == "held\n"
        assert sweep(workspace.db, store, journals) == 0  # its ingest may still commit them
        assert left.exists() and half.exists() and len(list(journals.glob("*.journal"))) == 1
        holder.stdin.close()
        assert holder.wait(timeout=60) == 0

    assert sweep(workspace.db, store, journals) == 2
    assert not left.exists() and not half.exists()
    assert stored.exists() and all(path.exists() for path in foreign)
    assert list(journals.glob("*.journal")) == []


@pytest.mark.expected_log("desktop.core.ingest.journal", "WARNING")
def test_a_journal_folder_that_cannot_be_made_does_not_stop_an_ingest(workspace: Workspace, tmp_path: Path) -> None:
    store, blocker = tmp_path / "share", tmp_path / "data"
    store.mkdir()
    blocker.write_text("a file where the data folder should be\n", encoding="utf-8")
    report = ingest_files(
        workspace.db, [_photo(tmp_path / "drop")], actor="root", clock=workspace.clock, media_store=store,
        journal=blocker / "store-journal",
    )  # fmt: skip
    assert report.errors == [] and report.media_added == 1
    assert len([path for path in store.glob("??/*") if path.is_file()]) == 1
