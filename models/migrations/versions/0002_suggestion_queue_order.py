"""suggestion queue order: the item's date on each suggestion, indexed with the state

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("suggestion", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("item_date", models.db.UTCDateTime(timezone=True), nullable=True)
        )
    # Existing suggestions take their item's date (published, else first seen).
    op.execute(
        "UPDATE suggestion SET item_date = (SELECT COALESCE(feeditem.published_at, "
        "feeditem.first_seen_at) FROM feeditem WHERE feeditem.id = suggestion.feed_item_id)"
    )
    with op.batch_alter_table("suggestion", schema=None) as batch_op:
        batch_op.alter_column(
            "item_date", existing_type=models.db.UTCDateTime(timezone=True), nullable=False
        )
        batch_op.create_index("ix_suggestion_queue", ["state", "item_date", "id"], unique=False)
        batch_op.create_index(
            "ix_suggestion_pledge_queue", ["pledge_id", "state", "item_date", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("suggestion", schema=None) as batch_op:
        batch_op.drop_index("ix_suggestion_pledge_queue")
        batch_op.drop_index("ix_suggestion_queue")
        batch_op.drop_column("item_date")
