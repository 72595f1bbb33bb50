"""editors run an election: themes with names, old slugs, archiving, evidence
corrections and withdrawals, ruling corrections

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 04:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The names of the themes in use before themes had their own table (they were
# labels in the code); any other slug gets its words as its name.
KNOWN_THEMES = {
    "video-surveillance": ("Vidéosurveillance", "Video surveillance"),
    "transparence": ("Transparence", "Transparency"),
    "police-predictive": ("Police prédictive", "Predictive policing"),
    "climat": ("Climat", "Climate"),
    "logement": ("Logement", "Housing"),
    "ecole": ("École", "Schools"),
    "culture": ("Culture", "Culture"),
    "sport": ("Sport", "Sport"),
    "democratie-locale": ("Démocratie locale", "Local democracy"),
}


def upgrade() -> None:
    theme = op.create_table(
        "theme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("name_fr", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("name_en", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_theme_slug"), "theme", ["slug"], unique=True)
    op.create_table(
        "slugredirect",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("old_slug", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "scope_id", "old_slug"),
    )
    op.create_table(
        "evidencecorrection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["evidence_id"], ["evidence.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_evidencecorrection_evidence_id"), "evidencecorrection", ["evidence_id"]
    )
    for table in ("election", "candidate", "pledge"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("archived_at", models.db.UTCDateTime(timezone=True), nullable=True)
            )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "withdrawal_reason",
                sqlmodel.sql.sqltypes.AutoString(),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column("withdrawn_at", models.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("corrected_at", models.db.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("statuschange", schema=None) as batch_op:
        batch_op.add_column(sa.Column("corrects_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "correction_reason",
                sqlmodel.sql.sqltypes.AutoString(),
                nullable=False,
                server_default="",
            )
        )
    # A unique index, not a constraint, and no foreign key: SQLite can then drop
    # the column in place on downgrade (recreating a table that others reference
    # fails with foreign keys on). The domain checks that the corrected entry exists.
    op.create_index(
        "ix_statuschange_corrects_id", "statuschange", ["corrects_id"], unique=True
    )

    # Every theme already used by a pledge gets its row, named with its accents.
    connection = op.get_bind()
    slugs = [
        row[0]
        for row in connection.execute(
            sa.text("SELECT DISTINCT theme FROM pledge WHERE theme <> '' ORDER BY theme")
        )
    ]
    if slugs:
        now = models.db.utc_now()
        op.bulk_insert(
            theme,
            [
                {
                    "slug": slug,
                    "name_fr": KNOWN_THEMES.get(slug, (slug.replace("-", " ").capitalize(), ""))[0],
                    "name_en": KNOWN_THEMES.get(slug, ("", ""))[1],
                    "created_at": now,
                }
                for slug in slugs
            ],
        )


def downgrade() -> None:
    # Withdrawn evidence had no state before: it goes back to published, its
    # withdrawal kept only in the audit log.
    op.execute("UPDATE evidence SET state = 'published' WHERE state = 'withdrawn'")
    # Plain DROP COLUMN (SQLite 3.35+ does it in place): a batch would recreate
    # tables that other tables reference.
    op.drop_index("ix_statuschange_corrects_id", table_name="statuschange")
    op.drop_column("statuschange", "correction_reason")
    op.drop_column("statuschange", "corrects_id")
    op.drop_column("evidence", "corrected_at")
    op.drop_column("evidence", "withdrawn_at")
    op.drop_column("evidence", "withdrawal_reason")
    for table in ("pledge", "candidate", "election"):
        op.drop_column(table, "archived_at")
    op.drop_index(op.f("ix_evidencecorrection_evidence_id"), table_name="evidencecorrection")
    op.drop_table("evidencecorrection")
    op.drop_table("slugredirect")
    op.drop_index(op.f("ix_theme_slug"), table_name="theme")
    op.drop_table("theme")
