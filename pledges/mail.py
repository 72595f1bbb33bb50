"""Daily digests: who gets which news (the domain side of mail; views/mail.py renders and sends).

- a volunteer learns which of their submissions were published or rejected (with
  the reason) since their last digest;
- an editor or admin learns how many submissions wait for review (and the oldest few).

A person gets at most one digest a day (`last_digest_at`, compared with the
start of the site's day, which the caller passes in), none after unsubscribing,
and none when there is nothing to say. Every list is bounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, func, select

from models import Evidence, Pledge, User
from models.db import utc_now
from models.enums import EvidenceState, Role

MAX_ITEMS = 50  # news items per digest (the rest: "and N more", on the site)
BATCH = 200  # accounts read per query when walking every recipient
FIRST_DIGEST_WINDOW = timedelta(days=1)  # what a first digest looks back over


@dataclass(frozen=True)
class ReviewedItem:
    evidence: Evidence
    pledge: Pledge


@dataclass
class Digest:
    user: User
    since: datetime
    reviewed: list[ReviewedItem] = field(default_factory=list)  # published or rejected
    waiting_count: int = 0  # editors: submissions waiting for review
    waiting: list[ReviewedItem] = field(default_factory=list)  # the oldest few

    @property
    def empty(self) -> bool:
        return not self.reviewed and not self.waiting_count


def is_due(user: User, *, day_start: datetime) -> bool:
    """Whether `user` should get today's digest (active, subscribed, none yet today)."""
    if not user.active or user.digest_opt_out:
        return False
    return user.last_digest_at is None or user.last_digest_at < day_start


def due_recipients(session: Session, *, day_start: datetime) -> Iterator[User]:
    """Every account due a digest, in batches of BATCH (bounded memory)."""
    last_id = 0
    while True:
        batch = list(
            session.exec(
                select(User)
                .where(
                    col(User.id) > last_id,
                    col(User.active).is_(True),
                    col(User.digest_opt_out).is_(False),
                )
                .order_by(col(User.id))
                .limit(BATCH)
            )
        )
        if not batch:
            return
        for user in batch:
            if is_due(user, day_start=day_start):
                yield user
        last_id = batch[-1].id or last_id


def build_digest(session: Session, user: User, *, now: datetime | None = None) -> Digest:
    """What `user` should hear about now (may be empty)."""
    now = now or utc_now()
    since = user.last_digest_at or (now - FIRST_DIGEST_WINDOW)
    digest = Digest(user=user, since=since)
    reviewed = session.exec(
        select(Evidence, Pledge)
        .join(Pledge, col(Pledge.id) == Evidence.pledge_id)
        .where(
            Evidence.submitted_by_id == user.id,
            col(Evidence.state).in_([EvidenceState.PUBLISHED, EvidenceState.REJECTED]),
            col(Evidence.reviewed_at) > since,
            col(Evidence.reviewed_at) <= now,
        )
        .order_by(col(Evidence.reviewed_at), col(Evidence.id))
        .limit(MAX_ITEMS)
    ).all()
    digest.reviewed = [ReviewedItem(e, p) for e, p in reviewed]
    if Role(user.role).at_least(Role.EDITOR):
        digest.waiting_count = session.exec(
            select(func.count())
            .select_from(Evidence)
            .where(Evidence.state == EvidenceState.SUBMITTED)
        ).one()
        if digest.waiting_count:
            waiting = session.exec(
                select(Evidence, Pledge)
                .join(Pledge, col(Pledge.id) == Evidence.pledge_id)
                .where(Evidence.state == EvidenceState.SUBMITTED)
                .order_by(col(Evidence.created_at), col(Evidence.id))
                .limit(10)
            ).all()
            digest.waiting = [ReviewedItem(e, p) for e, p in waiting]
    return digest


def claim_digest(session: Session, user: User, *, day_start: datetime, now: datetime) -> bool:
    """Take today's digest of `user` for this sender; False when another sender has it.

    One conditional UPDATE, committed by the caller before mailing: pollers on two
    machines running the day's round together never both win a person, so nobody is
    mailed twice (a second UPDATE waits for the first's commit, then finds the row
    no longer due).
    """
    claimed = session.exec(
        update(User)
        .where(
            col(User.id) == user.id,
            or_(col(User.last_digest_at).is_(None), col(User.last_digest_at) < day_start),
        )
        .values(last_digest_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    set_committed_value(user, "last_digest_at", now)  # the session's copy, left clean
    return True


def release_digest(
    session: Session, user: User, *, previous: datetime | None, claimed_at: datetime
) -> None:
    """Give back a claim whose mail was not sent (no server): the next round tries again."""
    session.exec(
        update(User)
        .where(col(User.id) == user.id, col(User.last_digest_at) == claimed_at)
        .values(last_digest_at=previous)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(user, "last_digest_at", previous)
