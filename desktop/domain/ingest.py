"""Drafts that readers make of their inputs, and the report of an ingest.

Every reader, whatever its format, yields the same drafts, so storing,
de-duplication and the report are written once.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime


# What ``veil ingest --format`` and the import dialog offer; auto: decided by each input's content.
FORMATS = ("auto", "text", "jsonl", "csv", "telegram", "folder")
MEDIA_TYPES = ("image", "video", "animation", "audio", "voice", "sticker", "file", "link", "unknown")


@dataclass(frozen=True)
class MediaRef:
    uri: str
    media_type: str = "unknown"  # one of MEDIA_TYPES
    missing: bool = False  # referenced by the input but not present in it
    # Filled in by desktop.core.media.hashes when the file is read:
    sha256: str | None = None
    phash: str | None = None  # PDQ, 64 hex digits
    size_bytes: int | None = None
    width: int | None = None
    height: int | None = None
    error: str | None = None  # why the file could not be read or decoded
    # The blurred JPEG (a storyboard for videos), sealed under ``key`` once enriched.
    preview: bytes | None = None
    # The medium's own random key (desktop.core.media.sealed), made with its
    # preview; stored in ``media_key`` only, never beside the media row.
    key: bytes | None = field(default=None, repr=False)
    frames: int | None = None
    duration_s: float | None = None
    codec: str | None = None
    # The URI the input gave, once ``uri`` names the media store's copy: a
    # report names the file the person pointed at, not Veil's copy of it.
    given_uri: str | None = None


@dataclass(frozen=True)
class MarkerDraft:
    code: str  # normalised: "21+", "nsfw", "cw", "cue:corpse"
    matched_text: str  # as the publisher wrote it: "+21"
    span: tuple[int, int]  # [start, end) in the item's original text
    rule: str  # the rule's id in resources/markers.toml
    severity: int  # 0-3
    language: str | None = None
    kind: str = "explicit"  # explicit | weak | cue


@dataclass(frozen=True)
class ItemDraft:
    text: str
    external_id: str | None = None
    author: str | None = None  # the handle or account, "@candanga_anon"
    author_name: str | None = None  # the display name, "Anoncandanga V"
    published_at: datetime | None = None
    language: str | None = None
    media: tuple[MediaRef, ...] = ()
    markers: tuple[MarkerDraft, ...] = ()
    severity: int | None = None  # None: the highest marker severity
    source: str | None = None  # None: the source named for the whole input
    # Where the reader found it, as an error about it names it: (the error's
    # path, the place in it: "line 12", "Chat, message 7"). Not part of the
    # item's identity, only of what is said about it.
    origin: tuple[str, str] | None = field(default=None, compare=False)

    @property
    def content_hash(self) -> str:
        """SHA-256 of the normalised text and the media: the same photo under
        another name is the same content, so a file's own hash stands for it
        once known."""
        text = " ".join(unicodedata.normalize("NFC", self.text).split())
        parts = [text, *sorted(m.sha256 or m.uri for m in self.media)]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()

    @property
    def effective_severity(self) -> int:
        if self.severity is not None:
            return max(0, min(3, self.severity))
        return max((max(0, min(3, m.severity)) for m in self.markers), default=0)


@dataclass
class IngestError:
    path: str
    error: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "error": self.error}


@dataclass(frozen=True)
class MediaError:
    """A medium that was stored but cannot be shown: unreadable, not
    previewable, missing, refused. Its item is kept; the report names it."""

    path: str  # the file's path as the input gave it (a URI when it is not a local file)
    item: int | None  # the stored item's id; None when the item itself was not stored
    error: str  # one line

    def as_dict(self) -> dict[str, str | int | None]:
        return {"path": self.path, "item": self.item, "error": self.error}


@dataclass
class NotStored(IngestError):
    """The database did not store these items for a reason of its own (it was
    unreachable, a worker crashed): running the same input again may store
    them, unlike items refused for what they hold."""


@dataclass
class RepeatedId(IngestError):
    """An item whose source and id are stored already, with other content
    (text or media): the stored item is kept as it is, and the new content
    is not stored. An exact repeat is a duplicate, counted and not named."""


@dataclass
class IngestReport:
    items_added: int = 0
    items_duplicate: int = 0
    media_added: int = 0
    errors: list[IngestError] = field(default_factory=list)
    # Stored media that cannot be shown, once each (duplicates skipped are not stored, so not named).
    media_errors: list[MediaError] = field(default_factory=list)
    stopped: bool = False  # asked to stop before the end: run again to take the rest

    def as_dict(self) -> dict[str, object]:
        return {
            "items_added": self.items_added,
            "items_duplicate": self.items_duplicate,
            "media_added": self.media_added,
            "errors": [e.as_dict() for e in self.errors],
            "media_errors": [e.as_dict() for e in self.media_errors],
        }


@dataclass
class SealReport:
    """What sealing a database's plain media did (``veil media seal``)."""

    media_sealed: int = 0  # given a key, their preview (and store copy) sealed
    copies_sealed: int = 0  # plain store copies sealed to a new name
    copies_removed: int = 0  # plain store copies deleted once nothing referred to them
    orphans_removed: int = 0  # sealed copies no row referred to (an ingest killed before its commit)
    skipped: int = 0  # sealed already, but their key is not visible here (withheld media)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (media id, why it stays plain)
    stopped: bool = False  # asked to stop before the end: run again to take the rest

    def as_dict(self) -> dict[str, object]:
        return {
            "media_sealed": self.media_sealed,
            "copies_sealed": self.copies_sealed,
            "copies_removed": self.copies_removed,
            "orphans_removed": self.orphans_removed,
            "skipped": self.skipped,
            "errors": [{"media": media_id, "error": error} for media_id, error in self.errors],
            "stopped": self.stopped,
        }
