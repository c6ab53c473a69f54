"""Big JSON read as a stream: the bytes the parser sees, and a Telegram export's outline."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING

import pytest

from desktop.core.ingest import json_stream
from desktop.core.ingest.json_stream import JsonBytes, NotJson, TooDeep, events, items
from desktop.core.ingest.telegram import read_telegram
from desktop.core.ingest.telegram_outline import outline
from desktop.domain.ingest import IngestError, ItemDraft

if TYPE_CHECKING:
    from pathlib import Path


def through(data: bytes, block: int, monkeypatch: pytest.MonkeyPatch) -> bytes:
    monkeypatch.setattr(json_stream, "_BLOCK", block)
    stream = JsonBytes(io.BytesIO(data))
    out = b""
    while chunk := stream.read(65536):
        out += chunk
    return out


@pytest.mark.parametrize("block", [1, 2, 5, 7, 13, 64 * 1024])
def test_lone_surrogates_are_rewritten_wherever_a_block_ends(block: int, monkeypatch: pytest.MonkeyPatch) -> None:
    text = r'{"a": "x \ud800 y \ud83d\ude00 z \udc00 \\ud800 \\\ud800 \uD83D"}'
    out = through(text.encode(), block, monkeypatch)
    assert json.loads(out) == {"a": "x \ufffd y \U0001f600 z \ufffd \\ud800 \\\ufffd \ufffd"}


def test_other_encodings_reach_the_parser_as_utf8(tmp_path: Path) -> None:
    document = {"name": "Канал", "messages": [1, 2]}
    for encoding, data in (
        ("utf-8-sig", json.dumps(document, ensure_ascii=False).encode("utf-8-sig")),
        ("utf-16", json.dumps(document, ensure_ascii=False).encode("utf-16")),
        ("utf-32-le", json.dumps(document, ensure_ascii=False).encode("utf-32-le")),
    ):
        path = tmp_path / f"{encoding}.json"
        path.write_bytes(data)
        assert list(items(path, "name")) == ["Канал"], encoding
        assert list(items(path, "messages.item")) == [1, 2], encoding


def test_errors_say_where_and_depth_is_bounded(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_bytes(b'{\n"a": [1,\n2,\n')
    with pytest.raises(NotJson, match=r"line"):
        list(events(broken))
    deep = tmp_path / "deep.json"
    deep.write_bytes(b"[" * 100_000 + b"]" * 100_000)  # ijson's prefixes would cost O(depth^2)
    with pytest.raises(TooDeep):
        outline(deep)


def message(number: int, text: str) -> dict[str, object]:
    return {"id": number, "type": "message", "date": "2024-01-01T00:00:00", "text": text}


def read(path: Path) -> tuple[list[ItemDraft], list[IngestError]]:
    entries = list(read_telegram(path))
    return [e for e in entries if isinstance(e, ItemDraft)], [e for e in entries if isinstance(e, IngestError)]


def test_a_chats_fields_after_its_messages_still_name_it(tmp_path: Path) -> None:
    result = tmp_path / "result.json"
    result.write_text(json.dumps({"messages": [message(1, "a"), message(2, "b")], "type": "public_channel", "id": 9}))
    drafts, errors = read(result)
    assert errors == []
    assert [(d.external_id, d.source) for d in drafts] == [("9:1", "telegram:channel9"), ("9:2", "telegram:channel9")]


def test_each_message_goes_to_its_own_chat(tmp_path: Path) -> None:
    """All chats' messages share one place in ijson's notation; the outline tells them apart."""
    chats = [
        {"name": "A", "type": "private_group", "id": 1, "messages": [message(1, "a1"), message(2, "a2")]},
        {"name": "none", "messages": {"item": message(7, "not a list's element")}},  # same ijson place
        {"name": "B", "type": "private_group", "id": 2, "messages": []},
        "not a chat",
        # A repeated key: json.loads keeps the last one, and so does the reader.
        {"id": 3, "type": "private_group", "messages": [message(8, "dropped")], "messages ": [], "name": "C"},
        {"id": 4, "type": "private_group", "name": "D", "messages": [message(3, "d3")]},
    ]
    raw = json.dumps({"chats": {"list": chats}})
    raw = raw.replace('"messages ": []', '"messages": [{"id": 5, "type": "message", "text": "c5"}]')
    (tmp_path / "result.json").write_text(raw)
    drafts, errors = read(tmp_path)
    assert [d.external_id for d in drafts] == ["1:1", "1:2", "3:5", "4:3"]
    assert [d.text for d in drafts] == ["a1", "a2", "c5", "d3"]
    assert [e.error for e in errors] == [
        "chats.list[1]: not a chat with a list of messages",
        "chats.list[3]: not a chat with a list of messages",
    ]


def test_a_key_that_passes_for_a_place_is_refused(tmp_path: Path) -> None:
    result = tmp_path / "result.json"
    result.write_text(json.dumps({"chats": {"list": [], "list.item": {"messages": [message(1, "x")]}}}))
    drafts, errors = read(result)
    assert drafts == [] and len(errors) == 1 and "'.'" in errors[0].error
