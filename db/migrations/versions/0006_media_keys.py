"""media keys: one random key per medium, apart from the media it opens

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

A new table only. Media ingested before this revision keep their plain
previews and store copies until an admin runs ``veil media seal``; the
readers take both.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "media_key",
        sa.Column("media_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["media_id"], ["media.id"], name=op.f("fk_media_key_media_id_media"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("media_id", name=op.f("pk_media_key")),
    )


def downgrade() -> None:
    # Sealed previews and copies cannot be read without their keys: going
    # below this revision loses them (take a backup first).
    op.drop_table("media_key")
