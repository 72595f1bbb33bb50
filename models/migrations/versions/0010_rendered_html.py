"""Markdown rendered once at write time (filled by the performance work)

Pledge bodies, evidence notes and ruling rationales get a column holding their
Markdown rendered and sanitised (pledges.text.render_markdown), kept in step by
every write from now on; existing rows are rendered here, in batches. And an
index covering the visibility test of every public pledge list (archived pledge,
candidate or election), so that counting visible pledges reads the index alone.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 07:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from pledges.text import render_markdown

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, Markdown column, rendered column)
RENDERED = (
    ("pledge", "body", "body_html"),
    ("evidence", "note", "note_html"),
    ("statuschange", "rationale", "rationale_html"),
)
BATCH = 500


def upgrade() -> None:
    connection = op.get_bind()
    for table, source, target in RENDERED:
        # A plain ADD COLUMN (no batch mode): SQLite adds it in place.
        op.add_column(
            table,
            sa.Column(target, sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""),
        )
        rows = sa.table(table, sa.column("id", sa.Integer), sa.column(source), sa.column(target))
        last = 0
        while True:
            # Keyset pages by id: bounded memory whatever the table's size.
            batch = connection.execute(
                sa.select(rows.c.id, rows.c[source])
                .where(rows.c.id > last, rows.c[source] != "")
                .order_by(rows.c.id)
                .limit(BATCH)
            ).all()
            if not batch:
                break
            connection.execute(
                rows.update().where(rows.c.id == sa.bindparam("row_id")),
                [{"row_id": id_, target: str(render_markdown(text))} for id_, text in batch],
            )
            last = batch[-1][0]
    op.create_index("ix_pledge_visible", "pledge", ["archived_at", "candidate_id", "election_id"])


def downgrade() -> None:
    op.drop_index("ix_pledge_visible", table_name="pledge")
    # Plain drop_column: batch mode would recreate tables that others reference.
    for table, _, target in reversed(RENDERED):
        op.drop_column(table, target)
