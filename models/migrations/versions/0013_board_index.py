"""pledge: ix_pledge_board covers the board's counts and replaces ix_pledge_visible (issue 12)

An election board's totals by theme and status read the index alone; lists ordered
by id scan by id again, where SQLite walked ix_pledge_visible (archived_at first)
and sorted every visible pledge for one page.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 10:45:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BOARD = ["election_id", "theme", "status", "deadline", "archived_at", "candidate_id"]
VISIBLE = ["archived_at", "candidate_id", "election_id"]


def upgrade() -> None:
    op.create_index("ix_pledge_board", "pledge", BOARD)
    op.drop_index("ix_pledge_visible", table_name="pledge")


def downgrade() -> None:
    op.create_index("ix_pledge_visible", "pledge", VISIBLE)
    op.drop_index("ix_pledge_board", table_name="pledge")
