"""Telegram Desktop exports: the real whole-account exports, a single chat made here, and hostile input."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from PIL import Image

from desktop.core.ingest.telegram import looks_like_telegram, read_telegram
from desktop.domain.ingest import IngestError, ItemDraft, MediaRef
from tests.conftest import CORPUS as SHARED_CORPUS

if TYPE_CHECKING:
    from pathlib import Path

CORPUS = SHARED_CORPUS / "real" / "telegram"
NOT_INCLUDED = "(File not included. Change data exporting settings to download.)"


def read(path: Path) -> tuple[dict[str, ItemDraft], list[IngestError]]:
    drafts: dict[str, ItemDraft] = {}
    errors: list[IngestError] = []
    for entry in read_telegram(path):
        if isinstance(entry, IngestError):
            errors.append(entry)
        else:
            assert entry.external_id is not None and entry.external_id not in drafts
            drafts[entry.external_id] = entry
    return drafts, errors


def kinds(draft: ItemDraft) -> list[tuple[str, bool]]:
    return [(m.media_type, m.missing) for m in draft.media]


# --- the real exports ----------------------------------------------------------

# Counted by hand in each result.json: messages of type "message", less those with
# neither text nor media (2020-01's first chat has two shared contacts, one vCard
# contact and a live location).
EXPECTED = {
    "2020-01": {
        "telegram:chat8123123123": 22,  # 31 entries: 5 service, 4 contact/location
        "telegram:user9777777777": 10,  # 12 entries: 2 service (phone calls)
        "telegram:user4321012345": 5,  # a chat whose name is null
        "telegram:user9333333333": 1,  # 2 entries: 1 service (history cleared)
    },
    "2023-10_audio-video": {"telegram:channel123123123": 4},
    # The fixture says its public channel "should be skipped": that is its original
    # loader's rule. Public channels are what Veil's moderators watch, so it is read.
    "2025-12": {"telegram:chat123123123": 3, "telegram:channel123456789": 1},
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_exports_give_one_item_per_message_per_chat(name: str) -> None:
    drafts, errors = read(CORPUS / name)
    assert errors == []
    assert Counter(d.source for d in drafts.values()) == EXPECTED[name]
    # The file itself names the same export as its folder does.
    again, _ = read(CORPUS / name / "result.json")
    assert again == drafts


def test_service_and_empty_messages_are_skipped() -> None:
    drafts, _ = read(CORPUS / "2020-01")
    for service in (4720, 4721, 4722, 4740, 4756, 40149, 40163, 91190):
        assert not any(key.endswith(f":{service}") for key in drafts)
    for contact_or_location in (74752, 103927, 129125, 129455):
        assert f"8123123123:{contact_or_location}" not in drafts
    later, _ = read(CORPUS / "2025-12")
    assert sorted(later) == ["123123123:11112", "123123123:11113", "123123123:11115", "123456789:11111000"]


def test_entity_lists_are_flattened_and_their_links_recorded() -> None:
    drafts, _ = read(CORPUS / "2020-01")
    volvo = drafts["8123123123:10415"]
    url = "http://cs5.pikabu.ru/post_img/big/2015/12/04/5/1449210847155432089.jpg"
    assert volvo.text == f"девиз Вольво:\n{url}гыгы"
    assert volvo.media == (MediaRef(uri=url, media_type="link"),)

    styled = drafts["8123123123:31325"].text
    assert styled.endswith("Дата 19901231.bold textitalic textstrikethrough text")

    comic = drafts["8123123123:71032"]
    assert comic.text.startswith("У DC вышла новая серия комикса «Часы Судного дня» про Супермэна с участием Пыни.")
    # A text_link shows its words and records its target.
    assert kinds(comic) == [("image", True), ("link", False)]
    assert comic.media[1].uri == "https://readcomiconline.to/Comic/Doomsday-Clock/Issue-8?id=145162#1"

    gillette = drafts["8123123123:78768"]
    assert [m.uri for m in gillette.media] == [
        "http://youtube.com/watch?v=koPmuEyP3a0",
        "https://www.urbandictionary.com/define.php?term=Soy%20Boy",
        "https://2ch.hk/b/res/189725761.html",  # written without a scheme
    ]
    assert "#мояборьба" in gillette.text and "{" not in gillette.text

    assert [m.uri for m in drafts["8123123123:27100"].media] == ["https://t.me/joinchat/AAAAAEEdc-qGaxT9dUYbjw"]
    # A mention is not a link.
    assert [m.uri for m in drafts["8123123123:62613"].media] == ["https://telegra.ph/file/702d087b6dc3cb5aec7f2.jpg"]

    newer, _ = read(CORPUS / "2023-10_audio-video")
    assert newer["123123123:11112"].text == "Audio file (full) message"  # from text_entities


def test_media_are_typed_and_resolved_in_the_export_folder() -> None:
    root = (CORPUS / "2020-01").resolve()
    drafts, _ = read(CORPUS / "2020-01")
    expected = {
        "8123123123:4725": ("image", "chats/chat_01/group_photo_2.jpg"),
        "8123123123:4744": ("sticker", "chats/chat_01/stickers/sticker.webp"),
        "8123123123:10355": ("voice", "chats/chat_01/voice_messages/test.mp3"),
        "9777777777:32616": ("sticker", "chats/chat_01/stickers/sticker (100).webp"),
        "9777777777:124133": ("sticker", "chats/chat_02/stickers/sticker (8).webp"),
    }
    for key, (media_type, relative) in expected.items():
        assert drafts[key].media == (MediaRef(uri=(root / relative).as_uri(), media_type=media_type),)
    every_uri = [m.uri for d in drafts.values() for m in d.media]
    assert not any("_thumb" in uri for uri in every_uri)  # thumbnails are not the media


def test_files_left_out_of_the_export_are_recorded_as_missing() -> None:
    drafts, _ = read(CORPUS / "2020-01")
    assert drafts["8123123123:10699"].media == (
        MediaRef(uri="telegram-missing:8123123123:10699:animation", media_type="animation", missing=True),
    )
    assert kinds(drafts["8123123123:38952"]) == [("video", True)]  # a round video message
    assert kinds(drafts["8123123123:39115"]) == [("video", True)]
    assert drafts["9777777777:33500"].media == (
        MediaRef(uri="telegram-missing:9777777777:33500:photo", media_type="image", missing=True),
    )
    assert kinds(drafts["9777777777:124030"]) == [("file", True)]  # a PDF with no media_type
    # A photo left out does not cost the caption.
    assert drafts["8123123123:39125"].text == "Всех с наступающим!🐶🍾🎄"

    later, _ = read(CORPUS / "2025-12")
    assert later["123123123:11115"].media == (
        MediaRef(uri="telegram-missing:123123123:11115:file", media_type="file", missing=True),
    )

    # Named, inside the folder, but not there: referenced, and marked missing.
    folder = (CORPUS / "2023-10_audio-video").resolve()
    newer, _ = read(folder)
    assert newer["123123123:11111"].media == (
        MediaRef(uri=(folder / "audio_file.mp3").as_uri(), media_type="audio", missing=True),
    )
    assert kinds(newer["123123123:21112"]) == [("video", True)]


def test_authors_and_forwards() -> None:
    drafts, _ = read(CORPUS / "2020-01")
    forwarded = drafts["8123123123:39125"]
    assert forwarded.author == "11111111"
    assert forwarded.author_name == "Aaaaa Aaaaaaaaaaa (forwarded from Hearthstone Channel)"
    assert drafts["8123123123:39740"].author_name == "Aaaaa Aaaaaaaaaaa"
    nameless = drafts["4321012345:24712"]
    assert (nameless.author, nameless.author_name) == ("32507588", None)

    newer, _ = read(CORPUS / "2023-10_audio-video")
    assert (newer["123123123:11111"].author, newer["123123123:11111"].author_name) == ("user5555555555", None)
    later, _ = read(CORPUS / "2025-12")
    self_forward = later["123123123:11112"]
    assert self_forward.author == "channel123123123"
    assert self_forward.author_name == "Dummy Private Group (forwarded from This Should Not Matter)"
    assert self_forward.text == "Forward from self with id"


def test_unixtime_is_preferred_to_the_local_date() -> None:
    newer, _ = read(CORPUS / "2023-10_audio-video")
    # "date" says 13:51:11: the exporting machine's clock, five hours ahead of UTC.
    assert newer["123123123:11111"].published_at == datetime(2018, 7, 22, 8, 51, 11, tzinfo=UTC)
    older, _ = read(CORPUS / "2020-01")
    # Without a unixtime the local date is all there is; it is read as UTC.
    assert older["8123123123:4730"].published_at == datetime(2016, 11, 9, 0, 36, 45, tzinfo=UTC)


def test_polls_and_todo_lists_are_text() -> None:
    drafts, _ = read(CORPUS / "2020-01")
    poll = drafts["8123123123:132894"].text.splitlines()
    assert poll[0] == "Вечерний Мудозвон – это..." and "Просто лирический герой" in poll
    later, _ = read(CORPUS / "2025-12")
    assert later["123123123:11113"].text == "testing\npoint 1\npoint 2\npoint 3"


# --- a single chat, made here --------------------------------------------------


def single_chat(folder: Path, messages: list[Any], **chat: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    header = {"name": "Frontline News", "type": "public_channel", "id": 1500600700}
    result = folder / "result.json"
    result.write_text(json.dumps({**header, **chat, "messages": messages}, ensure_ascii=False), encoding="utf-8")
    return result


def message(number: int, text: Any = "", **fields: Any) -> dict[str, Any]:
    return {
        "id": number,
        "type": "message",
        "date": "2024-03-01T12:00:00",
        "date_unixtime": str(1709294400 + number),
        "from": "Frontline News",
        "from_id": "channel1500600700",
        "text": text,
        **fields,
    }


def test_a_single_chat_export(tmp_path: Path) -> None:
    folder = tmp_path / "ChatExport_2024-03-01"
    (folder / "photos").mkdir(parents=True)
    Image.new("RGB", (4, 3), (200, 30, 30)).save(folder / "photos" / "photo_1@01-03-2024_12-00-01.png")
    messages = [
        {"id": 1, "type": "service", "date": "2024-03-01T11:59:00", "action": "create_channel", "text": ""},
        message(
            2,
            [
                {"type": "bold", "text": "+18"},
                " Aftermath of the strike, ",
                {"type": "link", "text": "t.me/frontline/2"},
            ],
            photo="photos/photo_1@01-03-2024_12-00-01.png",
            width=4,
            height=3,
        ),
        "not a message",
        message(4, "Footage from the scene", file="video_files/clip.mp4", media_type="video_file"),
        message(5, "", file=NOT_INCLUDED, thumbnail=NOT_INCLUDED, media_type="voice_message"),
        message(6, ""),
        message(7, 21),
        message(8, "Reposted", forwarded_from="Wire Desk", text_entities=[{"type": "plain", "text": "Reposted"}]),
    ]
    result = single_chat(folder, messages)
    drafts, errors = read(folder)

    assert sorted(drafts, key=lambda key: int(key.split(":")[1])) == [
        "1500600700:2",
        "1500600700:4",
        "1500600700:5",
        "1500600700:8",
    ]
    assert {d.source for d in drafts.values()} == {"telegram:channel1500600700"}
    photo = drafts["1500600700:2"]
    assert photo.text == "+18 Aftermath of the strike, t.me/frontline/2"
    png = (folder / "photos" / "photo_1@01-03-2024_12-00-01.png").resolve()
    assert photo.media == (
        MediaRef(uri=png.as_uri(), media_type="image"),
        MediaRef(uri="https://t.me/frontline/2", media_type="link"),
    )
    assert photo.published_at == datetime(2024, 3, 1, 12, 0, 2, tzinfo=UTC)
    assert photo.author == "channel1500600700" and photo.author_name == "Frontline News"
    assert kinds(drafts["1500600700:4"]) == [("video", True)]  # not on disk
    assert drafts["1500600700:5"].media == (
        MediaRef(uri="telegram-missing:1500600700:5:voice_message", media_type="voice", missing=True),
    )
    assert drafts["1500600700:8"].author_name == "Frontline News (forwarded from Wire Desk)"

    assert [e.path for e in errors] == [str(result), str(result)]
    assert "message #2: not an object" in errors[0].error
    assert "message 7" in errors[1].error and "'text'" in errors[1].error


def test_links_in_plain_text_are_recorded(tmp_path: Path) -> None:
    single_chat(tmp_path, [message(1, "Video (18+): https://t.me/frontline/9. Mirror at t.me/mirror/1, not @t.me/x")])
    drafts, errors = read(tmp_path)
    assert errors == []
    assert [m.uri for m in drafts["1500600700:1"].media] == ["https://t.me/frontline/9", "https://t.me/mirror/1"]


def test_a_chat_without_an_id_is_named_for_its_name(tmp_path: Path) -> None:
    single_chat(tmp_path, [message(1, "hello")], id=None, name="Saved")
    drafts, _ = read(tmp_path)
    assert list(drafts) == ["Saved:1"] and drafts["Saved:1"].source == "telegram:Saved"


# --- paths that leave the export folder -----------------------------------------


def test_media_paths_escaping_the_export_folder_are_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    Image.new("L", (2, 2), 0).save(outside / "secret.png")
    folder = tmp_path / "export"
    (folder / "photos").mkdir(parents=True)
    (folder / "photos" / "out.png").symlink_to(outside / "secret.png")
    (folder / "photos" / "up").symlink_to(outside, target_is_directory=True)
    Image.new("L", (2, 2), 0).save(folder / "photos" / "real.png")
    (folder / "photos" / "alias.png").symlink_to(folder / "photos" / "real.png")
    hostile = [
        "../../etc/passwd",
        "/etc/passwd",
        str(outside / "secret.png"),
        "photos/out.png",
        "photos/up/secret.png",
        "photos/../../outside/secret.png",
        "..\\outside\\secret.png",
        "C:\\Windows\\win.ini",
        "\\\\server\\share\\x.jpg",
    ]
    messages = [message(n, f"caption {n}", photo=p) for n, p in enumerate(hostile, start=1)]
    messages.append(message(50, "inside after all", photo="photos/../photos/alias.png"))
    messages.append(message(51, "", file="../outside/secret.png", media_type="video_file"))
    result = single_chat(folder, messages)

    drafts, errors = read(result)
    for n in range(1, len(hostile) + 1):
        assert drafts[f"1500600700:{n}"].text == f"caption {n}"
        assert drafts[f"1500600700:{n}"].media == ()
    # A symlink that stays inside is followed to its target.
    real = (folder / "photos" / "real.png").resolve()
    assert drafts["1500600700:50"].media == (MediaRef(uri=real.as_uri(), media_type="image"),)
    # A message whose only media was refused is kept: its error row says what it held.
    assert drafts["1500600700:51"].media == ()
    assert len(errors) == len(hostile) + 1
    for error, (n, raw) in zip(errors, [*enumerate(hostile, start=1), (51, "../outside/secret.png")], strict=True):
        assert error.path == str(result)
        assert f"message {n}:" in error.error and repr(raw) in error.error
        assert "outside the export folder" in error.error
    assert not any("secret" in m.uri or "passwd" in m.uri for d in drafts.values() for m in d.media)


def test_a_media_path_with_a_nul_byte_is_an_error_not_a_crash(tmp_path: Path) -> None:
    single_chat(tmp_path, [message(1, "caption", photo="photos/a\u0000.jpg"), message(2, "next")])
    drafts, errors = read(tmp_path)
    assert sorted(drafts) == ["1500600700:1", "1500600700:2"] and drafts["1500600700:1"].media == ()
    assert len(errors) == 1 and "message 1" in errors[0].error


def test_unstorable_characters_are_replaced(tmp_path: Path) -> None:
    result = tmp_path / "result.json"
    result.write_text(
        '{"name": "x", "type": "personal_chat", "id": 5, "messages": ['
        '{"id": 1, "type": "message", "date": "2024-01-01T00:00:00", "from": "A\\u0000",'
        ' "text": "bad \\ud800 and \\u0000"}'
        "]}",
        encoding="utf-8",
    )
    drafts, errors = read(result)
    assert errors == []
    draft = drafts["5:1"]
    assert draft.text == "bad \ufffd and \ufffd" and draft.author_name == "A\ufffd"
    assert len(draft.content_hash) == 64  # encodes as UTF-8


# --- bad files ------------------------------------------------------------------


def test_malformed_json_is_one_clear_error(tmp_path: Path) -> None:
    result = single_chat(tmp_path, [message(1, "hello")])
    result.write_bytes(result.read_bytes()[:-20])
    entries = list(read_telegram(tmp_path))
    assert len(entries) == 1 and isinstance(entries[0], IngestError)
    assert entries[0].path == str(result) and "not valid JSON (line 1)" in entries[0].error


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\xff\xfe\x00garbage\xc3", "not valid"),
        (b'[{"id": 1}]', "not an object"),
        (b'{"data": []}', "neither 'messages'"),
        (b'{"chats": {"list": 3}}', "'chats.list'"),
        (b'{"chats": {"about": "", "list": []}}', "holds no chats"),
        (b'{"personal_information": {"user_id": 1}, "contacts": {"list": []}}', "holds no chats"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_files_that_are_not_exports(tmp_path: Path, content: bytes, words: str) -> None:
    result = tmp_path / "result.json"
    result.write_bytes(content)
    entries = list(read_telegram(result))
    assert len(entries) == 1 and isinstance(entries[0], IngestError) and words in entries[0].error


def test_a_folder_without_result_json(tmp_path: Path) -> None:
    (entry,) = read_telegram(tmp_path)
    assert isinstance(entry, IngestError) and entry.path == str(tmp_path / "result.json")
    assert "cannot read" in entry.error


def test_a_bad_chat_does_not_stop_the_others(tmp_path: Path) -> None:
    good = {"name": "B", "type": "private_supergroup", "id": 77, "messages": [message(1, "kept")]}
    document = {"personal_information": {"user_id": 1}, "chats": {"list": ["nope", {"name": "A"}, good]}}
    document["left_chats"] = {"list": [{**good, "id": 78, "type": "private_group"}]}
    (tmp_path / "result.json").write_text(json.dumps(document), encoding="utf-8")
    drafts, errors = read(tmp_path)
    assert {key: d.source for key, d in drafts.items()} == {"77:1": "telegram:channel77", "78:1": "telegram:chat78"}
    assert [e.error for e in errors] == [
        "chats.list[0]: not a chat with a list of messages",
        "chats.list[1]: not a chat with a list of messages",
    ]


# --- detection by content -------------------------------------------------------


def head(path: Path, size: int = 64 * 1024) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_exports_are_recognised_whole_and_cut_short(name: str) -> None:
    result = CORPUS / name / "result.json"
    assert looks_like_telegram(head(result))
    assert looks_like_telegram(head(result, 1500))


def test_large_exports_are_recognised_from_their_head(tmp_path: Path) -> None:
    chat = single_chat(tmp_path / "one", [message(n, f"post {n} " * 20) for n in range(2000)])
    assert chat.stat().st_size > 256 * 1024
    assert looks_like_telegram(head(chat))
    assert looks_like_telegram(head(chat, 200))

    contacts = [{"first_name": f"N{n}", "phone_number": "+1 555 0100", "date": "2020-01-01"} for n in range(3000)]
    account = {
        "about": "Here is the data you requested.",
        "personal_information": {"user_id": 1, "first_name": "A"},
        "contacts": {"list": contacts},
        "chats": {"list": []},
    }
    whole = tmp_path / "account.json"
    whole.write_text(json.dumps(account, indent=1), encoding="utf-8")
    assert head(whole).count(b'"chats"') == 0  # the head ends among the contacts
    assert looks_like_telegram(head(whole))

    # Messages first, the chat's own keys after them.
    reordered = tmp_path / "reordered.json"
    reordered.write_text(json.dumps({"messages": [message(n, "x" * 100) for n in range(1000)], "id": 1}))
    assert looks_like_telegram(head(reordered))

    utf16 = json.dumps({"name": "x", "type": "personal_chat", "id": 1, "messages": []}).encode("utf-16")
    assert looks_like_telegram(utf16)


@pytest.mark.parametrize(
    "content",
    [
        b'{"id": 1, "text": "Wounded +21", "media": ["a.jpg"]}\n{"id": 2, "text": "b"}\n',  # JSONL manifest
        b"id,text,source,author\n1,hello,wire,desk\n",  # CSV
        b'{"data": {"messages": []}, "type": "feed"}',  # JSON of some other kind
        b'{"messages": [{"id": 1, "body": "hi"}]}',
        b'{"messages": "none", "id": 1, "type": "x"}',
        b'{"chats": ["a", "b"]}',
        b'[{"id": 1, "type": "message", "date": "2024-01-01"}]',
        b"",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "Живая лента: +18 кадры".encode(),
    ],
)
def test_other_files_are_not_taken_for_exports(content: bytes) -> None:
    assert not looks_like_telegram(content)
