"""Telegram Desktop exports (JSON): one chat, or a whole account.

Two shapes of ``result.json`` are read:

* "Export chat history": the root is the chat (``name``, ``type``, ``id``,
  ``messages``);
* "Export Telegram data": the root holds ``chats.list`` (and ``left_chats.list``),
  each entry a chat of the same shape; the account's other sections are ignored.

Every chat is its own source, ``telegram:<space><id>`` (``telegram:channel1234``),
so a renamed channel stays the same source. Each message of type ``message``
becomes one item, ``external_id`` ``<chat id>:<message id>``; service messages
(joins, pins, calls) are skipped, and so is a message with neither text nor media.

Who: ``author`` is the account (``from_id``, "user5555"), ``author_name`` the
display name (``from``). A forward names its origin in ``author_name``
("Ann (forwarded from Channel)"); the text stays the publisher's own, so the
same post forwarded into several chats has one content hash.

Media paths are relative to the export folder. One that leaves it (``../``, an
absolute path, a symlink pointing out) is never referenced: the message becomes
an item without it and an error names the path. Only ``result.json`` is opened
(read as a stream, see :mod:`telegram_outline`); media files are only looked
up, and one that is not a regular file (a FIFO, a device) is never opened. A file the export left out ("(File not
included...)") or that is not on disk is a media reference marked missing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any

from desktop.core.ingest.json_stream import NotJson, TooDeep
from desktop.core.ingest.telegram_outline import SECTIONS, Messages, Outline, outline
from desktop.core.media.originals import not_regular
from desktop.domain.ingest import IngestError, ItemDraft, MediaRef

if TYPE_CHECKING:
    from collections.abc import Iterator

# How Telegram Desktop's own ``media_type`` values map to Veil's MEDIA_TYPES.
FILE_TYPES = {
    "video_file": "video",
    "video_message": "video",  # round video notes
    "animation": "animation",
    "voice_message": "voice",
    "audio_file": "audio",
    "sticker": "sticker",
}

# The id space a chat type's id lives in, as Telegram itself writes ``from_id``:
# a user, a basic group and a channel may share a number.
ID_SPACES = {
    "personal_chat": "user",
    "bot_chat": "user",
    "saved_messages": "user",
    "private_group": "chat",
    "private_supergroup": "channel",
    "public_supergroup": "channel",
    "private_channel": "channel",
    "public_channel": "channel",
}

# The database's columns are this wide.
LIMIT = 200

# Links Telegram left unmarked in plain text; marked ones come from entities.
_URL = re.compile(r"(?:https?://|(?<![\w./@])t\.me/)[^\s<>\"']+", re.IGNORECASE)
# JSON may spell lone surrogates and NULs; neither survives UTF-8 or PostgreSQL.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _clean(text: str) -> str:
    return _UNSTORABLE.sub("\ufffd", text)


def _short(text: str) -> str:
    text = _clean(text)
    return text if len(text) <= LIMIT else text[: LIMIT - 1] + "…"


def _is_id(value: Any) -> bool:
    return isinstance(value, int | str) and not isinstance(value, bool) and str(value) != ""


@dataclass(frozen=True)
class _Chat:
    key: str  # in external ids: the chat's id, else its name, else its place in the file
    label: str  # in error messages
    source: str
    root: Path  # the export folder, resolved
    file: str  # result.json, for error rows


# --- detection ---------------------------------------------------------------


@dataclass(frozen=True)
class _Cut:
    """A value the head of the file ends inside; ``pos`` is where it starts."""

    pos: int


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _members(text: str, pos: int) -> dict[str, Any]:
    """The members of the object at ``pos`` as far as ``text`` holds them.

    A large export is cut off somewhere in the middle; the keys before the
    cut still say what the file is.
    """
    decoder = json.JSONDecoder()
    found: dict[str, Any] = {}
    pos = _skip(text, pos)
    if not text.startswith("{", pos):
        return found
    pos += 1
    while True:
        pos = _skip(text, pos)
        if pos >= len(text) or text[pos] != '"':
            return found
        try:
            key, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            return found
        pos = _skip(text, pos)
        if not text.startswith(":", pos):
            return found
        pos = _skip(text, pos + 1)
        try:
            value, pos = decoder.raw_decode(text, pos)
        except (json.JSONDecodeError, RecursionError):
            found[key] = _Cut(pos)
            return found
        found[key] = value
        pos = _skip(text, pos)
        if not text.startswith(",", pos):
            return found
        pos += 1


def _first_element(text: str, pos: int) -> Any:
    pos = _skip(text, pos)
    if not text.startswith("[", pos):
        return None
    pos = _skip(text, pos + 1)
    try:
        return json.JSONDecoder().raw_decode(text, pos)[0]
    except (json.JSONDecodeError, RecursionError):
        return _members(text, pos)


def _is_list(value: Any, text: str) -> bool:
    return isinstance(value, list) or (isinstance(value, _Cut) and text.startswith("[", value.pos))


def looks_like_telegram(head: bytes) -> bool:
    """Whether ``head``, the first bytes of a file, starts a Telegram Desktop JSON export."""
    try:
        text = head.decode(json.detect_encoding(head), errors="replace").lstrip("\ufeff")
    except LookupError:
        return False
    root = _members(text, 0)
    chats = root.get("chats")
    if isinstance(chats, dict):
        return isinstance(chats.get("list"), list)
    if isinstance(chats, _Cut):
        return _is_list(_members(text, chats.pos).get("list"), text)
    personal = root.get("personal_information")
    if isinstance(personal, dict | _Cut) and "chats" not in root:
        # A whole-account export with a long contact list may not reach its chats in the head.
        info = personal if isinstance(personal, dict) else _members(text, personal.pos)
        return "user_id" in info
    messages = root.get("messages")
    if not _is_list(messages, text):
        return False
    if _is_id(root.get("id")) and isinstance(root.get("type"), str):
        return True
    first = messages[0] if isinstance(messages, list) and messages else None
    if isinstance(messages, _Cut):
        first = _first_element(text, messages.pos)
    return isinstance(first, dict) and first.get("type") in ("message", "service") and "date" in first


# --- reading -----------------------------------------------------------------


def read_telegram(path: Path) -> Iterator[ItemDraft | IngestError]:
    """Items of ``path``, a ``result.json`` or the folder that holds one.

    The file is read as a stream, twice (:mod:`telegram_outline`): memory
    follows the largest message, not the export.
    """
    result = path / "result.json" if path.is_dir() else path
    where = str(result)
    refused = not_regular(result)
    if refused:
        yield IngestError(where, f"cannot read the export: {refused}")
        return
    try:
        shape = outline(result)
    except OSError as err:
        yield IngestError(where, f"cannot read the export: {err.strerror or err}")
        return
    except NotJson as err:
        yield IngestError(where, str(err))
        return
    except TooDeep as err:
        yield IngestError(where, f"not a Telegram export: the JSON is nested too deeply ({err})")
        return
    root = result.parent.resolve()
    streams: dict[str, Messages] = {}
    try:
        for entry in _chats(shape, where):
            if isinstance(entry, IngestError):
                yield entry
                continue
            place, prefix, serial = entry
            if prefix not in streams:
                streams[prefix] = Messages(result, prefix, shape.runs.get(prefix, []))
            chat = shape.chats[serial]
            yield from _read_chat(chat.fields, streams[prefix].of(chat, serial), place, root, where)
    except OSError as err:
        yield IngestError(where, f"reading stopped: {err.strerror or err}")
    except NotJson as err:
        yield IngestError(where, f"reading stopped: {err}")
    finally:
        for stream in streams.values():
            stream.close()


def _chats(shape: Outline, where: str) -> Iterator[tuple[str, str, int] | IngestError]:
    """Each chat as (its place, where its messages are, its serial), or an error."""
    if shape.root != "start_map":
        yield IngestError(where, "not a Telegram export: the JSON is not an object")
        return
    if "chats" not in shape.keys:
        root = min(shape.chats)  # the root's own serial comes first
        if shape.is_chat(root):
            yield "chat", "messages.item", root
        elif "personal_information" in shape.keys:
            yield IngestError(where, "the export holds no chats (export it again with chats selected)")
        else:
            yield IngestError(
                where, "not a Telegram export: neither 'messages' (one chat) nor 'chats' (a whole account) found"
            )
        return
    found = False
    for name in SECTIONS:
        section = shape.sections.get(name)
        if section is None:
            continue
        if section.kind != "start_map" or section.list_kind != "start_array":
            yield IngestError(where, f"'{name}.list' is missing or not a list")
            continue
        for index, serial in enumerate(section.chats):
            place = f"{name}.list[{index}]"
            if shape.is_chat(serial):
                found = True
                yield place, f"{name}.list.item.messages.item", serial
            else:
                yield IngestError(where, f"{place}: not a chat with a list of messages")
    chats = shape.sections["chats"]
    if not found and chats.kind == "start_map" and chats.list_kind == "start_array" and not chats.chats:
        yield IngestError(where, "the export holds no chats (export it again with chats selected)")


def _chat(fields: dict[str, Any], place: str, root: Path, where: str) -> _Chat:
    name = fields.get("name")
    name = _clean(name) if isinstance(name, str) and name.strip() else None
    chat_id = fields.get("id")
    if _is_id(chat_id):
        key = str(chat_id)
        space = ID_SPACES.get(str(fields.get("type")), "")
        source = f"telegram:{space}{key}"
        label = f"chat {name!r} (id {key})" if name else f"chat {key}"
    else:
        key = name or place
        source = f"telegram:{key}"
        label = f"chat {name!r}" if name else place
    return _Chat(key=_short(key), label=label, source=_short(source), root=root, file=where)


def _read_chat(
    fields: dict[str, Any], messages: Iterator[Any], place: str, root: Path, where: str
) -> Iterator[ItemDraft | IngestError]:
    chat = _chat(fields, place, root, where)
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            yield IngestError(where, f"{chat.label}, message #{index}: not an object")
            continue
        number = message.get("id")
        name = f"message {number}" if _is_id(number) else f"message #{index}"
        try:
            entries = _message(message, chat, name)
        except (ValueError, TypeError) as err:
            yield IngestError(where, f"{chat.label}, {name}: {err}")
            continue
        yield from entries


def _message(message: dict[str, Any], chat: _Chat, name: str) -> list[ItemDraft | IngestError]:
    kind = message.get("type")
    if kind == "service":
        return []
    if kind != "message":
        raise ValueError(f"unknown message type {kind!r}")
    number = message.get("id")
    if not _is_id(number):
        raise ValueError("no message id")
    external_id = f"{chat.key}:{number}"
    if len(external_id) > LIMIT:
        raise ValueError(f"the message id is longer than {LIMIT} characters")

    entities = message.get("text_entities")
    text, links = _flatten(entities if isinstance(entities, list) else message.get("text"), "text")
    extra = [*_poll(message.get("poll")), *_poll(message.get("todo_list"))]
    text = _clean("\n".join(part for part in (text, *extra) if part))

    errors: list[IngestError] = []
    media: list[MediaRef] = []
    has_media = False
    for field in ("photo", "file"):
        value = message.get(field)
        if value is None:
            continue
        has_media = True
        ref = _media(field, value, message, chat, str(number), name)
        if isinstance(ref, IngestError):
            errors.append(ref)
        else:
            media.append(ref)
    seen = {ref.uri for ref in media}
    for link in links:
        uri = _clean(link)
        if uri not in seen:
            seen.add(uri)
            media.append(MediaRef(uri=uri, media_type="link"))

    if not text.strip() and not has_media:
        return [*errors]
    author, author_name = _who(message)
    draft = ItemDraft(
        text=text,
        external_id=external_id,
        author=author,
        author_name=author_name,
        published_at=_when(message),
        media=tuple(media),
        source=chat.source,
        origin=(chat.file, f"{chat.label}, {name}"),
    )
    return [draft, *errors]


def _flatten(value: Any, what: str) -> tuple[str, list[str]]:
    """Plain text of a string or an entity list, and the links it holds."""
    if value is None:
        return "", []
    if isinstance(value, str):
        return value, _urls(value)
    if not isinstance(value, list):
        raise ValueError(f"{what!r} is neither a string nor a list")
    parts: list[str] = []
    links: list[str] = []
    for part in value:
        if isinstance(part, str):
            parts.append(part)
            links += _urls(part)
            continue
        if not isinstance(part, dict):
            raise ValueError(f"{what!r} holds an entry that is neither a string nor an object")
        text = part.get("text", "")
        if not isinstance(text, str):
            raise ValueError(f"{what!r} holds an entity whose text is not a string")
        parts.append(text)
        kind = part.get("type")
        if kind == "link" and text.strip():
            links.append(_absolute(text.strip()))
        elif kind == "text_link" and isinstance(part.get("href"), str) and part["href"].strip():
            links.append(_absolute(part["href"].strip()))
        elif kind == "plain":
            links += _urls(text)
    return "".join(parts), links


def _urls(text: str) -> list[str]:
    return [_absolute(match.group().rstrip(".,;:!?)]}\u00bb\u201d\u2019")) for match in _URL.finditer(text)]


def _absolute(url: str) -> str:
    # Telegram marks "t.me/x" and "example.org/a" as links without a scheme.
    if "://" in url or url.lower().startswith(("mailto:", "tg:", "tel:")):
        return url
    return "https://" + url


def _poll(value: Any) -> list[str]:
    """A poll's (or to-do list's) question and answers: words the sender chose."""
    if not isinstance(value, dict):
        return []
    lines = [_flatten(value.get("question", value.get("title")), "question")[0]]
    for answer in value.get("answers") or ():
        if isinstance(answer, dict):
            lines.append(_flatten(answer.get("text"), "answer")[0])
    return [line for line in lines if line]


def _who(message: dict[str, Any]) -> tuple[str | None, str | None]:
    sender = message.get("from")
    sender = sender if isinstance(sender, str) and sender.strip() else None
    account = message.get("from_id")
    author = _short(str(account)) if _is_id(account) else None
    forwarded = message.get("forwarded_from")
    if isinstance(forwarded, str) and forwarded.strip():
        origin = f"forwarded from {forwarded.strip()}"
        sender = f"{sender} ({origin})" if sender else origin
    return author, None if sender is None else _short(sender)


def _when(message: dict[str, Any]) -> datetime | None:
    # ``date_unixtime`` is exact; ``date`` is the exporting machine's wall clock,
    # whose zone the file does not say, so it is taken as UTC like manifest times.
    stamp = message.get("date_unixtime")
    if isinstance(stamp, int | str) and _is_id(stamp):
        try:
            return datetime.fromtimestamp(int(stamp), tz=UTC)
        except (ValueError, OverflowError, OSError):
            pass
    local = message.get("date")
    if isinstance(local, str):
        try:
            parsed = datetime.fromisoformat(local)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _media_type(field: str, message: dict[str, Any]) -> str:
    if field == "photo":
        return "image"
    declared = message.get("media_type")
    if isinstance(declared, str) and declared in FILE_TYPES:
        return FILE_TYPES[declared]
    mime = message.get("mime_type")
    major = mime.split("/", 1)[0] if isinstance(mime, str) else ""
    return {"image": "image", "video": "video", "audio": "audio"}.get(major, "file")


def _media(
    field: str, value: Any, message: dict[str, Any], chat: _Chat, number: str, name: str
) -> MediaRef | IngestError:
    media_type = _media_type(field, message)
    if not isinstance(value, str):
        return IngestError(chat.file, f"{chat.label}, {name}: {field!r} is not a path")
    declared = message.get("media_type")
    what = declared if field == "file" and isinstance(declared, str) and declared else field
    # "(File not included. ...)", "(File unavailable, ...)", "(File exceeds maximum size. ...)"
    if not value.strip() or (value.startswith("(") and value.endswith(")") and "/" not in value):
        return MediaRef(uri=_clean(f"telegram-missing:{chat.key}:{number}:{what}"), media_type=media_type, missing=True)
    shown = repr(value if len(value) <= LIMIT else value[:LIMIT] + "…")
    try:
        target = _inside(chat.root, value)
    except (OSError, RuntimeError, ValueError) as err:
        return IngestError(chat.file, f"{chat.label}, {name}: {field} path {shown} cannot be resolved ({err})")
    if target is None:
        return IngestError(
            chat.file, f"{chat.label}, {name}: {field} path {shown} points outside the export folder; not referenced"
        )
    try:
        target.stat()
    except OSError:
        return MediaRef(uri=target.as_uri(), media_type=media_type, missing=True)
    # A FIFO or a device is refused by name when it is fingerprinted, unopened.
    return MediaRef(uri=target.as_uri(), media_type=media_type)


def _inside(root: Path, value: str) -> Path | None:
    """``value`` resolved under ``root``, or None when it leads out of it."""
    # An export written on Windows may use backslashes; on Windows they are separators.
    relative = value.replace("\\", "/")
    windows = PureWindowsPath(value)
    if PurePosixPath(relative).is_absolute() or windows.drive or windows.root:
        return None
    target = (root / relative).resolve()
    return target if target.is_relative_to(root) else None
