"""blind second review: tasks sampled from primary decisions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26

A new table only: the second decisions themselves are ``decision`` rows
with round 2, so the append-only event tables are not rebuilt (and keep
their triggers).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "qa_task",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("primary_decision_id", sa.String(length=36), nullable=False),
        sa.Column("moderator_id", sa.Integer(), nullable=False),
        sa.Column("sampled_by", sa.Integer(), nullable=False),
        sa.Column("sampled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.Column("claimed_by", sa.Integer(), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("second_decision_id", sa.String(length=36), nullable=True),
        sa.CheckConstraint("rate > 0 AND rate <= 1", name=op.f("ck_qa_task_rate_range")),
        sa.ForeignKeyConstraint(["claimed_by"], ["user_account.id"], name=op.f("fk_qa_task_claimed_by_user_account")),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_qa_task_item_id_item")),
        sa.ForeignKeyConstraint(
            ["moderator_id"], ["user_account.id"], name=op.f("fk_qa_task_moderator_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["primary_decision_id"], ["decision.id"], name=op.f("fk_qa_task_primary_decision_id_decision")
        ),
        sa.ForeignKeyConstraint(["sampled_by"], ["user_account.id"], name=op.f("fk_qa_task_sampled_by_user_account")),
        sa.ForeignKeyConstraint(
            ["second_decision_id"], ["decision.id"], name=op.f("fk_qa_task_second_decision_id_decision")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_task")),
        sa.UniqueConstraint("primary_decision_id", name=op.f("uq_qa_task_primary_decision_id")),
        sa.UniqueConstraint("second_decision_id", name=op.f("uq_qa_task_second_decision_id")),
    )
    with op.batch_alter_table("qa_task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_qa_task_item_id"), ["item_id"], unique=False)
        batch_op.create_index("ix_qa_task_open", ["second_decision_id", "sampled_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("qa_task", schema=None) as batch_op:
        batch_op.drop_index("ix_qa_task_open")
        batch_op.drop_index(batch_op.f("ix_qa_task_item_id"))
    op.drop_table("qa_task")
