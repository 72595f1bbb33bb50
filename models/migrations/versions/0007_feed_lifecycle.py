"""feeds: soft delete, fetch history, pledges' keyword fingerprints for catch-up matching

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feed", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("deleted_at", models.db.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "feedfetch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("message", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("new_items", sa.Integer(), nullable=False),
        sa.Column("alternates", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["feed_id"], ["feed.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_feedfetch_feed_at", "feedfetch", ["feed_id", "at"], unique=False)
    op.create_table(
        "pledgematch",
        sa.Column("pledge_id", sa.Integer(), nullable=False),
        sa.Column("keywords_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("matched_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pledge_id"),
    )


def downgrade() -> None:
    op.drop_table("pledgematch")
    op.drop_index("ix_feedfetch_feed_at", table_name="feedfetch")
    op.drop_table("feedfetch")
    with op.batch_alter_table("feed", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
