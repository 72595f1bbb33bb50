"""archived snapshots, archive jobs and link checks (filled by the archiving work)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 07:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.db

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _when() -> models.db.UTCDateTime:
    return models.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.Column("url", _text(2000), nullable=False),
        sa.Column("final_url", _text(2000), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("content_type", _text(200), nullable=False),
        sa.Column("retrieved_at", _when(), nullable=False),
        sa.Column("sha256", _text(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("warc_path", _text(200), nullable=False),
        sa.Column("title", _text(500), nullable=False),
        sa.Column("author", _text(300), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["evidence_id"], ["evidence.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_snapshot_evidence_at", "snapshot", ["evidence_id", "retrieved_at"])
    op.create_index(op.f("ix_snapshot_sha256"), "snapshot", ["sha256"])
    op.create_table(
        "archivejob",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.Column("url", _text(2000), nullable=False),
        sa.Column("host", _text(255), nullable=False),
        sa.Column("state", _text(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _when(), nullable=False),
        sa.Column("lease_owner", _text(200), nullable=True),
        sa.Column("lease_expires_at", _when(), nullable=True),
        sa.Column("reason_code", _text(32), nullable=False),
        sa.Column("reason", _text(500), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("finished_at", _when(), nullable=True),
        sa.ForeignKeyConstraint(["evidence_id"], ["evidence.id"]),
        sa.ForeignKeyConstraint(["snapshot_id"], ["snapshot.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_archivejob_due", "archivejob", ["state", "next_attempt_at", "id"])
    op.create_index(
        op.f("ix_archivejob_evidence_id"), "archivejob", ["evidence_id"], unique=True
    )
    op.create_index(op.f("ix_archivejob_host"), "archivejob", ["host"])
    op.create_table(
        "linkcheck",
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("status", _text(16), nullable=True),
        sa.Column("checked_at", _when(), nullable=True),
        sa.Column("next_check_at", _when(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("moved_to", _text(2000), nullable=False),
        sa.Column("changed_at", _when(), nullable=True),
        sa.Column("etag", _text(500), nullable=True),
        sa.Column("last_modified", _text(200), nullable=True),
        sa.Column("message", _text(500), nullable=False),
        sa.ForeignKeyConstraint(["evidence_id"], ["evidence.id"]),
        sa.PrimaryKeyConstraint("evidence_id"),
    )
    op.create_index(op.f("ix_linkcheck_next_check_at"), "linkcheck", ["next_check_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_linkcheck_next_check_at"), table_name="linkcheck")
    op.drop_table("linkcheck")
    op.drop_index(op.f("ix_archivejob_host"), table_name="archivejob")
    op.drop_index(op.f("ix_archivejob_evidence_id"), table_name="archivejob")
    op.drop_index("ix_archivejob_due", table_name="archivejob")
    op.drop_table("archivejob")
    op.drop_index(op.f("ix_snapshot_sha256"), table_name="snapshot")
    op.drop_index("ix_snapshot_evidence_at", table_name="snapshot")
    op.drop_table("snapshot")
