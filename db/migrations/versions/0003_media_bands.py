"""near-duplicate lookup by PDQ hash slices; team settings; media frames and codec

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "media_band",
        sa.Column("media_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("band", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["media_id"], ["media.id"], name=op.f("fk_media_band_media_id_media"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("media_id", "band", name=op.f("pk_media_band")),
    )
    with op.batch_alter_table("media_band", schema=None) as batch_op:
        batch_op.create_index("ix_media_band_lookup", ["band", "value"], unique=False)
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.add_column(sa.Column("frames", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("codec", sa.String(length=32), nullable=True))
    op.create_table(
        "team_setting",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["set_by"], ["user_account.id"], name=op.f("fk_team_setting_set_by_user_account")),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_team_setting")),
    )


def downgrade() -> None:
    op.drop_table("team_setting")
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.drop_column("codec")
        batch_op.drop_column("frames")
    with op.batch_alter_table("media_band", schema=None) as batch_op:
        batch_op.drop_index("ix_media_band_lookup")
    op.drop_table("media_band")
