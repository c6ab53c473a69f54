"""Media folders, CSV manifests, path escapes and format detection by content."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image

from desktop.core.ingest.files import detect_format
from desktop.core.ingest.folder import read_folder
from desktop.core.ingest.manifest import read_csv, read_jsonl
from desktop.core.ingest.watch import FolderWatch
from desktop.core.media.hashes import fingerprint
from desktop.domain.ingest import IngestError, ItemDraft
from tests.conftest import CORPUS

# The first bytes of an MP4 file: a 'ftyp' box of brand isom.
MP4_HEAD = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00" * 64


def _photo(path: Path, colour: tuple[int, int, int] = (180, 30, 30), size: tuple[int, int] = (320, 240)) -> Path:
    image = Image.new("RGB", size, colour)
    for x in range(0, size[0], 16):  # some structure, so PDQ has something to see
        for y in range(size[1]):
            image.putpixel((x, y), (10, 10, 10))
    image.save(path, format="PNG" if path.suffix.lower() == ".png" else "JPEG")
    return path


def entries(root: Path) -> tuple[list[ItemDraft], list[IngestError]]:
    found = list(read_folder(root))
    return [e for e in found if isinstance(e, ItemDraft)], [e for e in found if isinstance(e, IngestError)]


def test_folder_items_with_captions(tmp_path: Path) -> None:
    _photo(tmp_path / "a.jpg")
    (tmp_path / "a.txt").write_text("Wounded civilians at the station +18\n", encoding="utf-8")
    _photo(tmp_path / "b.png")
    (tmp_path / "b.json").write_text(json.dumps({"caption": "Aftermath", "author": "Desk", "lang": "en"}))
    (tmp_path / "clip.mp4").write_bytes(MP4_HEAD)
    frames = [Image.new("RGB", (32, 32), (n * 40, 0, 0)) for n in range(3)]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:])
    (tmp_path / ".hidden.jpg").write_bytes(b"ignored")

    drafts, errors = entries(tmp_path)

    assert errors == []
    by_id = {str(d.external_id): d for d in drafts}
    assert sorted(by_id) == ["a.jpg", "anim.gif", "b.png", "clip.mp4"]
    assert by_id["a.jpg"].text == "Wounded civilians at the station +18"
    assert by_id["b.png"].text == "Aftermath" and by_id["b.png"].author == "Desk"
    assert [m.media_type for m in by_id["clip.mp4"].media] == ["video"]
    assert [m.media_type for m in by_id["anim.gif"].media] == ["animation"]
    assert by_id["a.jpg"].media[0].uri == (tmp_path / "a.jpg").resolve().as_uri()


def test_type_is_decided_by_content_not_name(tmp_path: Path) -> None:
    _photo(tmp_path / "really-a-png.png")
    shutil.move(tmp_path / "really-a-png.png", tmp_path / "photo.jpg")
    (tmp_path / "notes.jpg").write_text("not a picture at all")
    (tmp_path / "empty.png").write_bytes(b"")
    drafts, errors = entries(tmp_path)
    assert [d.external_id for d in drafts] == ["photo.jpg"]
    assert sorted((Path(e.path).name, e.error) for e in errors) == [
        ("empty.png", "empty file (0 bytes)"),
        ("notes.jpg", "not an image or video Veil can read"),
    ]


def test_symlink_out_of_the_folder_is_refused_unread(tmp_path: Path) -> None:
    outside = _photo(tmp_path / "outside.jpg")
    root = tmp_path / "drop"
    root.mkdir()
    (root / "sneaky.jpg").symlink_to(outside)
    drafts, errors = entries(root)
    assert drafts == []
    (error,) = errors
    assert "leads outside" in error.error


def test_fingerprints_of_real_images(tmp_path: Path) -> None:
    from desktop.domain.ingest import MediaRef

    first = _photo(tmp_path / "one.jpg")
    again = tmp_path / "copy.jpg"
    shutil.copy(first, again)
    other = _photo(tmp_path / "two.png", colour=(20, 160, 40), size=(640, 480))
    refs = [fingerprint(p, MediaRef(uri=p.as_uri())) for p in (first, again, other)]
    assert refs[0].sha256 == refs[1].sha256 != refs[2].sha256
    assert refs[0].phash is not None and len(refs[0].phash) == 64
    assert (refs[2].width, refs[2].height, refs[2].media_type) == (640, 480, "image")
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes(first.read_bytes()[:300])
    cut = fingerprint(truncated, MediaRef(uri=truncated.as_uri()))
    assert cut.sha256 is not None and cut.phash is None and cut.error


def test_csv_manifest(tmp_path: Path) -> None:
    _photo(tmp_path / "p.jpg")
    manifest = tmp_path / "wire.csv"
    manifest.write_text(
        "id,text,source,author,published_at,lang,media,markers\n"
        '1,"Shelling, overnight +21",wire,Desk,2026-11-20T09:00:00Z,en,p.jpg,21+\n'
        "2,second,wire,,,,,\n"
        "3,too,many,fields,here,x,y,z,extra\n"
        "4,escape,wire,,,,../../etc/passwd,\n",
        encoding="utf-8",
    )
    found = list(read_csv(manifest))
    drafts = [e for e in found if isinstance(e, ItemDraft)]
    errors = [e for e in found if isinstance(e, IngestError)]
    assert [d.external_id for d in drafts] == ["1", "2", "4"]
    assert drafts[0].text == "Shelling, overnight +21" and drafts[0].source == "wire"
    assert [m.uri for m in drafts[0].media] == [(tmp_path / "p.jpg").resolve().as_uri()]
    assert drafts[2].media == ()  # the escaping path was refused, the item kept
    assert [(e.path.rsplit(":", 1)[1], e.error.split(":")[0]) for e in errors] == [("4", "line 4"), ("5", "line 5")]
    assert "leads outside" in errors[1].error


@pytest.mark.parametrize("named", ["../secret.jpg", "/etc/passwd", "sub/../../x.jpg"])
def test_manifest_paths_may_not_escape(tmp_path: Path, named: str) -> None:
    manifest = tmp_path / "m.jsonl"
    manifest.write_text(json.dumps({"id": 1, "text": "t", "media": [named]}) + "\n", encoding="utf-8")
    (draft, error) = list(read_jsonl(manifest))
    assert isinstance(draft, ItemDraft) and draft.media == ()
    assert isinstance(error, IngestError)
    assert "refused" in error.error or "leads outside" in error.error


def test_formats_are_detected_by_content(tmp_path: Path) -> None:
    cases = {
        "feed.dat": b'{"id": 1, "text": "a manifest without its extension"}\n',
        "posts.txt": b"id,text,author\n1,hello,me\n",
        "blog.jsonl": b"* a live blog, whatever its name says\n",
        "image.bin": None,
        "garbage.txt": bytes(range(256)) * 4,
        "empty.txt": b"",
    }
    for name, data in cases.items():
        if data is None:
            _photo(tmp_path / "tmp.png")
            shutil.move(tmp_path / "tmp.png", tmp_path / name)
        else:
            (tmp_path / name).write_bytes(data)
    telegram = CORPUS / "real" / "telegram" / "2025-12"
    renamed = tmp_path / "export.bin"
    shutil.copy(telegram / "result.json", renamed)
    assert {name: detect_format(tmp_path / name) for name in cases} == {
        "feed.dat": "jsonl",
        "posts.txt": "csv",
        "blog.jsonl": "text",
        "image.bin": "media",
        "garbage.txt": None,
        "empty.txt": None,
    }
    assert detect_format(renamed) == "telegram"
    assert detect_format(telegram) == "telegram"
    assert detect_format(tmp_path) == "folder"


def test_watch_takes_a_file_once_it_stops_growing(tmp_path: Path) -> None:
    watch = FolderWatch(tmp_path)
    growing = tmp_path / "clip.mp4"
    growing.write_bytes(MP4_HEAD)
    assert watch.poll() == []  # first sight: not yet known to be still
    with growing.open("ab") as out:
        out.write(b"\x00" * 1024)  # still being copied
    assert watch.poll() == []
    ready = watch.poll()
    assert [unit.path for unit in ready] == [growing]  # unchanged since the last look
    assert watch.poll() == ready  # offered again until it is marked taken
    watch.taken(ready)
    assert watch.poll() == []  # taken once
    _photo(tmp_path / "p.jpg")
    (tmp_path / "p.txt").write_text("caption")
    watch.poll()
    (photo,) = watch.poll()
    assert photo.path == tmp_path / "p.jpg"  # the caption travels with its photo
    assert [path for path, _ in photo.files] == [tmp_path / "p.jpg", tmp_path / "p.txt"]


def test_hostile_names_links_and_nesting_do_not_stop_the_folder(tmp_path: Path) -> None:
    _photo(tmp_path / "fine.jpg")
    odd = os.fsdecode(b"\xff-odd.jpg")  # a name that is not valid UTF-8
    _photo(tmp_path / odd)
    (tmp_path / "dangling.jpg").symlink_to(tmp_path / "gone.jpg")
    _photo(tmp_path / "nested.jpg")
    (tmp_path / "nested.json").write_text("[" * 100_000, encoding="utf-8")
    drafts, errors = entries(tmp_path)
    # The undecodable byte is shown as \xff: the id is text every database stores.
    assert sorted(str(d.external_id) for d in drafts) == sorted(["fine.jpg", "\\xff-odd.jpg", "nested.jpg"])
    reasons = {Path(e.path).name: e.error for e in errors}
    assert "not valid UTF-8" in reasons["\\xff-odd.jpg"]
    assert "leads outside" in reasons["dangling.jpg"] or "cannot read" in reasons["dangling.jpg"]
    assert "not JSON" in reasons["nested.jpg"]
    deep = tmp_path / "deep.jsonl"
    deep.write_text('{"a":' + "[" * 100_000 + "\n", encoding="utf-8")
    assert detect_format(deep) is None


def test_manifest_file_uris_must_stay_inside(tmp_path: Path) -> None:
    inner = _photo(tmp_path / "in.jpg")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.jpg"
    _photo(outside)
    manifest = tmp_path / "m.jsonl"
    manifest.write_text(json.dumps({"id": 1, "text": "t", "media": [inner.as_uri(), outside.as_uri()]}) + "\n")
    draft, error = list(read_jsonl(manifest))
    assert isinstance(draft, ItemDraft) and [m.uri for m in draft.media] == [inner.resolve().as_uri()]
    assert isinstance(error, IngestError) and "outside the manifest's folder" in error.error
    outside.unlink()
