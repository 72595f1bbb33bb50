"""feeds keep the stable code of their last error (shown translated)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 02:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing errors get the generic code: their English text stays for the logs.
    with op.batch_alter_table("feed", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "last_error_code",
                sqlmodel.sql.sqltypes.AutoString(length=64),
                nullable=False,
                server_default="",
            )
        )
    op.execute(
        "UPDATE feed SET last_error_code = 'feed_fetch_failed' "
        "WHERE last_status = 'error' AND last_error <> ''"
    )


def downgrade() -> None:
    with op.batch_alter_table("feed", schema=None) as batch_op:
        batch_op.drop_column("last_error_code")
