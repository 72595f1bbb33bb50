"""pledge: drop search_text (issue 12)

A folded copy of each pledge's title and body, for a LIKE search. The full-text
index (0011: pledge_search on PostgreSQL, pledge_fts on SQLite), kept by the database
itself, replaced that search; nothing read the column since, every write still
filled it. Below 0015 the column comes back, filled from title and body as it was
(folded: lower case, no accents, by this code's fold: the one those revisions used),
for the code of those revisions. Dropping a column in place needs SQLite 3.35 or
later (the app needs it already: RETURNING).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.full_text import fold

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Rows filled per statement on the way down.
BATCH = 500


def upgrade() -> None:
    # SQLite (3.35 and later) and PostgreSQL drop a column in place: no copy of the
    # table, whose full-text triggers stay as they are.
    op.execute("ALTER TABLE pledge DROP COLUMN search_text")


def downgrade() -> None:
    op.add_column(
        "pledge", sa.Column("search_text", sa.String(), nullable=False, server_default="")
    )
    pledge = sa.table(
        "pledge",
        sa.column("id", sa.Integer),
        sa.column("title", sa.String),
        sa.column("body", sa.String),
        sa.column("search_text", sa.String),
    )
    conn = op.get_bind()
    fill = (
        pledge.update()
        .where(pledge.c.id == sa.bindparam("key"))
        .values(search_text=sa.bindparam("folded"))
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(pledge.c.id, pledge.c.title, pledge.c.body)
            .where(pledge.c.id > last)
            .order_by(pledge.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        conn.execute(fill, [{"key": i, "folded": fold(f"{t}\n{b}")} for i, t, b in rows])
        last = rows[-1][0]
    # 0001 made the column without a default. PostgreSQL drops it in place; SQLite
    # would copy the table (and lose its full-text triggers) for a default no code reads.
    if conn.dialect.name == "postgresql":
        op.alter_column("pledge", "search_text", server_default=None)
