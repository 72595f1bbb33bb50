"""Claiming one due row with a lease, for workers that may run side by side (feed
pollers, archivers). No Flask.

PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED, so concurrent workers never wait on
each other nor take the same row; the lease (committed by the caller) keeps it
theirs while they work without a transaction open. SQLite: one conditional
UPDATE, which SQLite serialises, so a second worker on the same file waits for
the lock and then takes another row or none. A lease that expires (its worker
died) makes the row claimable again, when the caller's conditions say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, text, update
from sqlmodel import Session, col, select


def claim_one(
    session: Session,
    model: Any,
    *,
    conditions: Sequence[ColumnElement[bool]],
    order: Sequence[Any],
    owner: str,
    expires: datetime,
) -> int | None:
    """The id of the first row of `model` meeting `conditions` in `order`, now leased
    to `owner` until `expires`; None when there is none. Flushes.

    `model` has `id`, `lease_owner` and `lease_expires_at` columns.
    """
    row_id = col(model.id)
    lease = {"lease_owner": owner, "lease_expires_at": expires}
    if session.get_bind().dialect.name == "postgresql":
        # A lease need not survive a crash (the row is claimable again once it
        # expires), so this transaction's commit does not wait for the WAL flush.
        session.connection().execute(text("SET LOCAL synchronous_commit TO OFF"))
        found = session.exec(
            select(row_id)
            .where(*conditions)
            .order_by(*order)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if found is None:
            return None
        session.exec(update(model).where(row_id == found).values(**lease))
    else:
        candidate = select(row_id).where(*conditions).order_by(*order).limit(1).scalar_subquery()
        claimed = session.exec(
            update(model).where(row_id == candidate, and_(*conditions)).values(**lease)
        )
        if claimed.rowcount != 1:
            return None
        found = session.exec(
            select(row_id).where(
                col(model.lease_owner) == owner, col(model.lease_expires_at) == expires
            )
        ).first()
        if found is None:
            return None
    session.flush()
    return int(found)
