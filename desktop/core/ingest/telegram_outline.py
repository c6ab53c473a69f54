"""The shape of a Telegram export, from one pass that builds no values.

A ``result.json`` is read twice as a stream (see :mod:`json_stream`): this
first pass finds the chats, their own fields (``name``, ``type``, ``id``)
wherever they stand, and where each chat's messages are; the second builds
one message at a time. The chat's fields may follow its messages, so they
must be known before the first message is read.

ijson names a place by its keys, and every array element ``item``: all the
chats of ``chats.list`` share ``chats.list.item.messages.item``. The values
at that place come in file order; the first pass counts them chat by chat
(:class:`Run`), so the second knows whose each one is, and skips those that
are no chat's messages (a member named ``item`` of some object, an earlier
duplicate of a ``messages`` key: ``json.loads`` keeps the last).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from desktop.core.ingest.json_stream import MAX_DEPTH, NotJson, TooDeep, events, items

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

SECTIONS = ("chats", "left_chats")
FIELDS = ("name", "type", "id")
_SCALARS = ("null", "boolean", "integer", "double", "number", "string")
_OPEN = ("start_map", "start_array")
_PLACES = (*SECTIONS, "list", "item", "messages")


class Container:
    """A chat field that is an object or a list: never a usable name or id."""


CONTAINER = Container()


@dataclass
class ChatShape:
    fields: dict[str, Any] = field(default_factory=dict)
    kind: str = ""  # the event that started the chat's value: "start_map" for a chat
    messages_kind: str = ""  # the same for its (last) "messages" member
    messages_serial: int = 0


@dataclass
class Run:
    """``count`` values in a row at one place, all of one container."""

    chat: int  # the serial of the chat's value
    messages: int  # the serial of the container they are in
    count: int


@dataclass
class _Section:
    kind: str
    serial: int
    list_kind: str = ""
    list_serial: int = 0
    chats: list[int] = field(default_factory=list)


@dataclass
class Outline:
    root: str = ""
    keys: set[str] = field(default_factory=set)
    sections: dict[str, _Section] = field(default_factory=dict)
    chats: dict[int, ChatShape] = field(default_factory=dict)
    runs: dict[str, list[Run]] = field(default_factory=dict)

    def note(self, keys: list[Any], serials: list[int], serial: int, event: str, value: Any) -> None:
        """A value starting at ``keys`` (depth up to 5): remember what the reader needs of it."""
        depth = len(keys)
        if depth == 0:
            self.root = event
            self.chats[serial] = ChatShape(kind=event)
            return
        top = keys[0]
        if not isinstance(top, str):
            return
        for key in keys[:5]:
            if isinstance(key, str) and "." in key and key.split(".", 1)[0] in _PLACES:
                # ijson joins keys with '.': this key would pass for a place it is not.
                raise NotJson(f"the key {key[:40]!r} holds a '.'; not a Telegram export's")
        section = self.sections.get(top)
        if depth == 1:
            self.keys.add(top)
            self._member(serials[0], top, event, value, serial)
            if top in SECTIONS:
                self.sections[top] = _Section(event, serial)
        elif depth == 2 and top == "messages":
            self._run("messages.item", keys[1], serials[0], serials[1])
        elif section is None or keys[1] != "list":
            return
        elif depth == 2 and serials[1] == section.serial:
            section.list_kind, section.list_serial, section.chats = event, serial, []
        elif depth == 3 and serials[2] == section.list_serial and isinstance(keys[2], int):
            section.chats.append(serial)
            self.chats[serial] = ChatShape(kind=event)
        elif depth == 4 and isinstance(keys[3], str):
            self._member(serials[3], keys[3], event, value, serial)
        elif depth == 5 and keys[3] == "messages" and (isinstance(keys[2], int) or keys[2] == "item"):
            self._run(f"{top}.list.item.messages.item", keys[4], serials[3], serials[4])

    def _member(self, chat_serial: int, key: str, event: str, value: Any, serial: int) -> None:
        chat = self.chats.get(chat_serial)
        if chat is None:
            return
        if key in FIELDS:
            chat.fields[key] = value if event in _SCALARS else CONTAINER
        elif key == "messages":
            chat.messages_kind, chat.messages_serial = event, serial

    def _run(self, prefix: str, key: Any, chat: int, container: int) -> None:
        if not (isinstance(key, int) or key == "item"):
            return  # ijson names this place otherwise: it never reaches the reader
        runs = self.runs.setdefault(prefix, [])
        if runs and runs[-1].messages == container:
            runs[-1].count += 1
        else:
            runs.append(Run(chat, container, 1))

    def is_chat(self, serial: int) -> bool:
        chat = self.chats.get(serial)
        return chat is not None and chat.kind == "start_map" and chat.messages_kind == "start_array"


def outline(path: Path) -> Outline:
    """The shape of the JSON file at ``path``; raises NotJson or TooDeep.

    Every token passes through here, so the loop does as little as it can:
    keys are followed only where a chat's own places can be (two levels
    deep, five under ``chats``); below that only the depth is counted.
    """
    found = Outline()
    depth = 0  # containers open
    keys: list[Any] = []  # per followed container: its current key, or an array's current index
    serials: list[int] = []
    serial = 0
    for event, value in events(path):
        followed = depth == len(keys)
        if event == "map_key":
            if followed:
                keys[-1] = value
            continue
        if event == "end_map" or event == "end_array":
            if followed:
                keys.pop()
                serials.pop()
            depth -= 1
            continue
        if followed:
            if keys and isinstance(keys[-1], int):
                keys[-1] += 1
            serial += 1
            found.note(keys, serials, serial, event, value)
            if event in _OPEN and (depth < 2 or (depth < 5 and keys[0] in SECTIONS)):
                keys.append(-1 if event == "start_array" else None)
                serials.append(serial)
        if event == "start_map" or event == "start_array":
            depth += 1
            if depth > MAX_DEPTH:
                raise TooDeep(f"nested deeper than {MAX_DEPTH} levels")
    return found


class Messages:
    """The values at one place of the file, handed out chat by chat."""

    def __init__(self, path: Path, prefix: str, runs: list[Run]) -> None:
        self._path, self._prefix = path, prefix
        self._runs = deque(runs)
        self._labels = {(run.chat, run.messages) for run in runs}
        self._values: Iterator[Any] | None = None

    def of(self, chat: ChatShape, chat_serial: int) -> Iterator[Any]:
        """``chat``'s messages, in order; the values before them are skipped."""
        if (chat_serial, chat.messages_serial) not in self._labels:
            return  # an empty list: nothing of the file is its
        while self._runs:
            run = self._runs.popleft()
            mine = run.chat == chat_serial and run.messages == chat.messages_serial
            for _ in range(run.count):
                value = self._next()
                if mine:
                    yield value
            if mine:
                return

    def _next(self) -> Any:
        if self._values is None:
            self._values = items(self._path, self._prefix)
        try:
            return next(self._values)
        except StopIteration:
            raise NotJson("the file changed while it was read") from None

    def close(self) -> None:
        if self._values is not None and hasattr(self._values, "close"):
            self._values.close()
