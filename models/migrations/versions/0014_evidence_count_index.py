"""evidence: ix_evidence_pledge_state (pledge_id, state) replaces ix_evidence_pledge_id (issue 12)

Every public list counts each pledge's published evidence (a correlated count by
pledge and state): with both columns in the index the count reads the index alone,
where it fetched each evidence row (title, quote, note, rendered HTML) to test its
state. The old single-column index led with the same column and goes.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 14:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_evidence_pledge_state", "evidence", ["pledge_id", "state"])
    op.drop_index("ix_evidence_pledge_id", table_name="evidence")


def downgrade() -> None:
    op.create_index("ix_evidence_pledge_id", "evidence", ["pledge_id"])
    op.drop_index("ix_evidence_pledge_state", table_name="evidence")
