"""``veil media seal``: a plain media store and plain previews, made the way
Veil made them before media were sealed, sealed a key per medium; resumable
after an interruption, and for admins only."""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PIL import Image
from sqlalchemy import select

from db.models import AuditEvent, Media, MediaKey
from db.session import Database
from desktop.app.veil import Veil
from desktop.core.ingest.store import store as store_drafts
from desktop.core.media.originals import file_uri_path
from desktop.core.media.previews import make_preview
from desktop.core.media.sealed import is_sealed
from desktop.domain.ingest import ItemDraft, MediaRef
from tests.e2e.test_cli import refused, veil
from tests.e2e.test_media_store import system_file

if TYPE_CHECKING:
    from pathlib import Path

WHEN = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def old_store(db_url: str, tmp_path: Path, store: Path) -> dict[str, bytes]:
    """Items as Veil stored them before sealing: each original copied into the
    store under its SHA-256 (the same content kept once, two items sharing
    one copy), a plain JPEG preview in ``media.preview``, no key; and one
    original left where it was found. Returns each item's text and the bytes
    of its original."""
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    originals: dict[str, bytes] = {}
    drafts = []
    for n in range(5):
        path = incoming / f"p{n}.png"
        Image.new("RGB", (80 + n, 60), (n * 40, 90, 160)).save(path)
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        (store / digest[:2]).mkdir(exist_ok=True)
        copy = store / digest[:2] / f"{digest}.png"
        shutil.copyfile(path, copy)
        uri = copy.as_uri()
        texts = [f"photo {n}", f"photo {n} again"] if n == 0 else [f"photo {n}"]
        for text in texts:
            drafts.append(ItemDraft(text=text, external_id=text, media=(_ref(path, uri, digest),)))
            originals[text] = data
    own = incoming / "own.png"
    Image.new("RGB", (50, 40), (1, 2, 3)).save(own)
    drafts.append(
        ItemDraft(
            text="own",
            external_id="own",
            media=(_ref(own, own.as_uri(), hashlib.sha256(own.read_bytes()).hexdigest()),),
        )
    )
    originals["own"] = own.read_bytes()
    veil("queue", url=db_url)  # the schema, made by Veil itself
    database = Database(db_url)
    try:
        with database.write() as session:
            store_drafts(session, drafts, source="wire", kind="folder", actor="root", now=WHEN)
    finally:
        database.dispose()
    return originals


def _ref(path: Path, uri: str, digest: str) -> MediaRef:
    preview = make_preview(path)
    return MediaRef(
        uri=uri, media_type="image", sha256=digest, size_bytes=path.stat().st_size,
        width=preview.width, height=preview.height, preview=preview.jpeg, frames=1,
    )  # fmt: skip


def rows(db_url: str) -> list[tuple[int, str, bytes | None, bytes | None]]:
    database = Database(db_url)
    try:
        with database.read() as session:
            return [
                (media_id, uri, preview, key)
                for media_id, uri, preview, key in session.execute(
                    select(Media.id, Media.uri, Media.preview, MediaKey.key)
                    .outerjoin(MediaKey, MediaKey.media_id == Media.id)
                    .order_by(Media.id)
                )
            ]
    finally:
        database.dispose()


def assert_each_wholly_old_or_new(db_url: str, store: Path) -> int:
    """Every medium is either old (no key, plain preview and copy) or new
    (a key, a sealed preview, a sealed copy): never half. Returns how many are new."""
    new = 0
    for media_id, uri, preview, key in rows(db_url):
        path = file_uri_path(uri)
        assert path is not None and path.is_file(), (media_id, uri)
        in_store = path.parent.parent == store.absolute()
        sealed = [preview is not None and is_sealed(preview), path.read_bytes().startswith(b"VEILSEAL")]
        if key is None:
            assert sealed == [False, False], media_id
        else:
            assert sealed == [True, in_store], media_id
            new += 1
    return new


def test_a_plain_store_is_sealed_resumably_and_only_by_an_admin(db_url: str, tmp_path: Path) -> None:
    store = tmp_path / "share"
    store.mkdir()
    env = system_file(tmp_path, store)
    originals = old_store(db_url, tmp_path, store)
    plain = sorted(path for path in store.rglob("*") if path.is_file())
    assert len(plain) == 5 and len(rows(db_url)) == 7
    assert veil("users", "add", "amira", "--role", "moderator", url=db_url, user="root").code == 0

    refused(veil("media", "seal", url=db_url, user="amira", env=env), 2, "may not seal the media store")
    assert assert_each_wholly_old_or_new(db_url, store) == 0

    first = veil("media", "seal", "--json", "--limit", "3", url=db_url, user="root", env=env)
    assert first.code == 0, first.err
    assert first.json["media_sealed"] == 3 and first.json["stopped"] is True
    assert assert_each_wholly_old_or_new(db_url, store) == 3
    # The copy the first two items share is still there for the second, until it is sealed too.
    assert first.json["copies_removed"] == 2 and sum(1 for path in plain if path.exists()) == 3

    rest = veil("media", "seal", url=db_url, user="root", env=env)
    assert rest.code == 0, rest.err
    assert "sealed 4 media, 3 store copies removed" in rest.err
    assert assert_each_wholly_old_or_new(db_url, store) == 7
    assert not any(path.exists() for path in plain)
    kept = sorted(path for path in store.rglob("*") if path.is_file())
    assert len(kept) == 6 and all(path.suffix == ".veil" for path in kept)
    assert not any(data in path.read_bytes() for path in kept for data in originals.values())

    # Each item still shows its preview and opens its original, unsealed as it is read.
    opened = Veil.open(db_url, media_store=store)
    try:
        opened.sign_in("root")
        for entry in opened.review.queue(limit=20):
            view = opened.review.show(entry.id)
            (media,) = view.media
            assert opened.review.preview(media.id).startswith(b"\xff\xd8")
            with opened.review.original(media.id) as stream:
                assert stream.read() == originals[view.text]
    finally:
        opened.close()

    # A plain copy whose deletion a crash prevented (its media sealed) goes at the next run.
    leftover = plain[0]
    leftover.write_bytes(next(data for data in originals.values() if hashlib.sha256(data).hexdigest() == leftover.stem))
    again = veil("media", "seal", "--json", url=db_url, user="root", env=env)
    assert again.code == 0, again.err
    assert again.json["media_sealed"] == 0 and again.json["copies_removed"] == 1 and not leftover.exists()

    database = Database(db_url)
    try:
        with database.read() as session:
            runs = session.scalars(select(AuditEvent.payload).where(AuditEvent.kind == "media.seal")).all()
    finally:
        database.dispose()
    assert len(runs) == 3  # one event per run that was allowed to start
    assert veil("audit", "verify", url=db_url, user="root").code == 0


def test_without_a_store_only_the_previews_are_sealed(db_url: str, tmp_path: Path) -> None:
    store = tmp_path / "old-share"  # the store the rows name, no longer configured
    store.mkdir()
    old_store(db_url, tmp_path, store)
    before = {path: path.read_bytes() for path in store.rglob("*") if path.is_file()}
    run = veil("media", "seal", "--json", url=db_url, user="root")
    assert run.code == 0, run.err
    assert run.json["media_sealed"] == 7 and run.json["copies_removed"] == 0
    assert {path: path.read_bytes() for path in store.rglob("*") if path.is_file()} == before
    assert all(key is not None and preview is not None and is_sealed(preview) for *_, preview, key in rows(db_url))
