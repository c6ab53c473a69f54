"""exposure client ids: a record kept in the outbox is saved once, however often it is sent

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10

One nullable column and its unique index. Rows recorded before this
revision keep no id (NULLs never clash); a workstation names each exposure
it measures, so one replayed from its outbox after a crash mid-replay finds
the row its first attempt wrote. ``ADD COLUMN`` and ``CREATE INDEX`` leave
the table in place on SQLite as on PostgreSQL, so its grants and policies
stay as they are.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("exposure", sa.Column("client_id", sa.String(length=36), nullable=True))
    op.create_index(op.f("ix_exposure_client_id"), "exposure", ["client_id"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_exposure_client_id"), table_name="exposure")
    # SQLite (3.35 and later) drops a column in place; the index on it went first.
    op.drop_column("exposure", "client_id")
