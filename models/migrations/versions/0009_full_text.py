"""full-text search index: PostgreSQL tsvector (French, unaccent, GIN) or SQLite FTS5,
kept by triggers, filled from the rows already there

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 07:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

from models.full_text import create_full_text, drop_full_text

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The statements live in models.full_text, which the tests' create_all uses too, so that
# both make the same objects. A later change to them comes with its own revision that
# calls drop_full_text and create_full_text again.
def upgrade() -> None:
    create_full_text(op.get_bind())


def downgrade() -> None:
    drop_full_text(op.get_bind())
