"""The schema, as typed SQLAlchemy 2 models.

Events (decisions, audit rows, exposure records) are append-only: the
services add rows and never rewrite them. ``item`` carries a projection of
its events (status, claim, current decision) so the queue is one index seek.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from desktop.domain.people import Role
from desktop.domain.review import Action, ItemStatus

if TYPE_CHECKING:
    import enum

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    SQLite has no time zones and hands back naive values; this type refuses
    naive input and always returns aware UTC, so comparisons never mix kinds.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {  # noqa: RUF012 - SQLAlchemy's own hook
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
    }


def _enum(cls: type[enum.StrEnum], name: str) -> Enum:
    # Stored as plain strings with a named CHECK constraint: a new value is a
    # batch migration on SQLite, never an ALTER TYPE dance on PostgreSQL.
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    # scrypt, with its parameters and salt (see desktop.core.people.users); None: no password.
    # Deferred: on a team database nobody may read it (PostgreSQL checks passwords there).
    password_hash: Mapped[str | None] = mapped_column(String(200), deferred=True)


class Source(Base):
    __tablename__ = "source"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]


class Item(Base):
    __tablename__ = "item"
    __table_args__ = (
        UniqueConstraint("source_id", "external_id", name="uq_item_identity"),
        # "Next item to review": equality on status, then the review order.
        # The claim/skip filters are checked along this index, so the first
        # free row is found without sorting, however long the queue.
        Index("ix_item_queue", "status", "priority", "received_at", "id"),
        Index("ix_item_holder", "claimed_by", "status"),  # "the item I hold"
        CheckConstraint("severity BETWEEN 0 AND 3", name="severity_range"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"))
    external_id: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str | None] = mapped_column(String(16))
    author: Mapped[str | None] = mapped_column(String(200))  # handle or account
    author_name: Mapped[str | None] = mapped_column(String(200))  # display name
    published_at: Mapped[datetime | None]
    received_at: Mapped[datetime]
    # 0 none, 1 mild, 2 graphic, 3 extreme. ``priority`` is its negation so
    # one ascending index serves "most severe first, then oldest".
    severity: Mapped[int] = mapped_column(default=0)
    priority: Mapped[int] = mapped_column(default=0)
    status: Mapped[ItemStatus] = mapped_column(_enum(ItemStatus, "item_status"))
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    lease_expires_at: Mapped[datetime | None]
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("item.id"))
    # Media of an item escalated as suspected CSAM is never shown to anyone.
    media_withheld: Mapped[bool] = mapped_column(Boolean, default=False)
    # The decision in force: the newest decision or override not undone.
    current_decision_id: Mapped[str | None] = mapped_column(String(36))


class Media(Base):
    __tablename__ = "media"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    uri: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    phash: Mapped[str | None] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(32))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    width: Mapped[int | None]
    height: Mapped[int | None]
    duration_s: Mapped[float | None] = mapped_column(Float)
    frames: Mapped[int | None]  # of an animation; of a video's storyboard
    codec: Mapped[str | None] = mapped_column(String(32))
    preview: Mapped[bytes | None] = mapped_column(LargeBinary)
    error: Mapped[str | None] = mapped_column(Text)


class MediaKey(Base):
    """The key a medium's sealed preview and store copy open with (see
    :mod:`desktop.core.media.sealed`).

    Apart from ``media`` so that the database can release keys only to the
    roles that may see a medium: on PostgreSQL, row-level security hides
    the keys of withheld media from every workstation role, while their
    ``media`` rows stay readable for the queue and the reports.
    """

    __tablename__ = "media_key"

    media_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("media.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[bytes] = mapped_column(LargeBinary)


class MediaBand(Base):
    """One 16-bit slice of an image's PDQ hash, for finding near-duplicates.

    Two hashes within 15 bits of each other share at least one of their 16
    slices exactly (pigeonhole), so an index seek per slice finds every such
    candidate among millions; the exact distance is then checked in code.
    """

    __tablename__ = "media_band"
    __table_args__ = (Index("ix_media_band_lookup", "band", "value"),)

    media_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("media.id", ondelete="CASCADE"), primary_key=True
    )
    band: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int]


class TeamSetting(Base):
    """A setting the supervisors hold for the whole team, with who set it."""

    __tablename__ = "team_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"value": ...}
    set_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    set_at: Mapped[datetime]


class Marker(Base):
    __tablename__ = "marker"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    matched_text: Mapped[str] = mapped_column(String(200))
    span_start: Mapped[int]
    span_end: Mapped[int]
    rule: Mapped[str] = mapped_column(String(64))
    severity: Mapped[int]
    language: Mapped[str | None] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16), default="explicit")  # explicit | weak | cue


class Label(Base):
    """A warning label of the taxonomy, described the way Bluesky describes its own."""

    __tablename__ = "label"

    code: Mapped[str] = mapped_column(String(48), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    default_setting: Mapped[str] = mapped_column(String(8))  # hide | warn | ignore
    blurs: Mapped[str] = mapped_column(String(8))  # media | content | none
    severity: Mapped[str] = mapped_column(String(8))  # alert | inform | none
    age_gate: Mapped[int | None]  # 18 or 21
    equivalents: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # True for labels such as "newsworthy" that qualify another, never alone.
    accompanies_only: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Reason(Base):
    """Reason codes a removal or an escalation must give."""

    __tablename__ = "reason"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # remove | escalate
    code: Mapped[str] = mapped_column(String(48), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    # Escalation reasons that withhold all media from everyone (suspected CSAM).
    withholds_media: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Decision(Base):
    """One decision event. Never updated: undo and override are new rows."""

    __tablename__ = "decision"
    __table_args__ = (
        Index("ix_decision_reviewer_decided", "reviewer_id", "decided_at"),
        UniqueConstraint("item_id", "item_seq", name="uq_decision_item_seq"),
    )

    # Made by the caller, so a retried write finds its own row and stops.
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    # 1, 2, 3... per item: the order of an item's history, even when two
    # events share a timestamp, and a guard against two writers at once.
    item_seq: Mapped[int]
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[Action] = mapped_column(_enum(Action, "action"))
    labels: Mapped[list[str]] = mapped_column(default=list)
    reason_code: Mapped[str | None] = mapped_column(String(48))
    note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(index=True)
    round: Mapped[int] = mapped_column(default=1)
    # The item's status before this event, so an undo restores it exactly.
    status_before: Mapped[ItemStatus] = mapped_column(_enum(ItemStatus, "status_before"))
    # The decision a supervisor's override replaces, or that an undo withdraws.
    overrides: Mapped[str | None] = mapped_column(ForeignKey("decision.id"))
    undoes: Mapped[str | None] = mapped_column(ForeignKey("decision.id"))


class Skip(Base):
    """An item a reviewer passed on; not offered to them again until cleared."""

    __tablename__ = "skip"

    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    skipped_at: Mapped[datetime]


class Exposure(Base):
    """Who revealed what, for how long: the record of what a reviewer saw."""

    __tablename__ = "exposure"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    media_id: Mapped[int | None] = mapped_column(ForeignKey("media.id"))
    mode: Mapped[str] = mapped_column(String(16))  # reveal | peek
    started_at: Mapped[datetime]
    seconds: Mapped[float] = mapped_column(Float)
    # The workstation's id for the record (a UUID), so one sent again from
    # its outbox is saved once; None for rows older than revision 0007.
    client_id: Mapped[str | None] = mapped_column(String(36), index=True, unique=True)


class AuditEvent(Base):
    """One link of the hash chain. The database refuses UPDATE and DELETE here."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(48), index=True)
    item_id: Mapped[int | None] = mapped_column(index=True)
    # The decision a decision/undo/override event records, so verification
    # can match every decision row to the event that vouches for it.
    ref: Mapped[str | None] = mapped_column(String(36), index=True)
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class QaTask(Base):
    """A primary decision sampled for a blind second review, and its progress.

    A work list, not an event: claims come and go on it like on ``item``.
    The events are the sampling and the second decision (a ``decision`` row
    with round 2), both in the audit chain.
    """

    __tablename__ = "qa_task"
    __table_args__ = (
        # "Next open task": second_decision_id IS NULL, oldest sample first.
        Index("ix_qa_task_open", "second_decision_id", "sampled_at", "id"),
        CheckConstraint("rate > 0 AND rate <= 1", name="rate_range"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    # One task per primary decision: sampling never picks a decision twice.
    primary_decision_id: Mapped[str] = mapped_column(ForeignKey("decision.id"), unique=True)
    # Who made the primary decision: never offered to them for the second review.
    moderator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    sampled_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    sampled_at: Mapped[datetime]
    # What drew this sample, so a supervisor can draw it again.
    seed: Mapped[int] = mapped_column(BigInteger)
    rate: Mapped[float] = mapped_column(Float)
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    lease_expires_at: Mapped[datetime | None]
    second_decision_id: Mapped[str | None] = mapped_column(ForeignKey("decision.id"), unique=True)
