"""Volunteer review of feed suggestions: the queue, accepting one as evidence, dismissing one.

Accepting turns the news item into *submitted* evidence (origin feed_item) that
an editor then moderates. No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from models import Candidate, Evidence, Feed, FeedItem, Pledge, Suggestion, User
from models.db import utc_now
from models.enums import Origin, Stance, SuggestionState
from pledges.audit import Actor, log_change
from pledges.errors import DomainError
from pledges.evidence import submit_evidence


class ReviewError(DomainError):
    code = "already_reviewed"


@dataclass(frozen=True)
class SuggestionRow:
    suggestion: Suggestion
    item: FeedItem
    feed: Feed
    pledge: Pledge
    candidate: Candidate

    @property
    def item_date(self) -> datetime:
        return self.item.published_at or self.item.first_seen_at

    @property
    def outlet(self) -> str:
        return outlet_of(self.feed, self.item)


def outlet_of(feed: Feed, item: FeedItem) -> str:
    """The feed's name, else the item's host name."""
    return feed.name or urlsplit(item.link or feed.url).hostname or feed.url


def _query():
    return (
        select(Suggestion, FeedItem, Feed, Pledge, Candidate)
        .join(FeedItem, col(FeedItem.id) == Suggestion.feed_item_id)
        .join(Feed, col(Feed.id) == FeedItem.feed_id)
        .join(Pledge, col(Pledge.id) == Suggestion.pledge_id)
        .join(Candidate, col(Candidate.id) == Pledge.candidate_id)
    )


def _newest_first():
    item_date = func.coalesce(FeedItem.published_at, FeedItem.first_seen_at)
    return (item_date.desc(), col(Suggestion.id).desc())


def list_suggestions(
    session: Session,
    *,
    pledge_id: int | None = None,
    state: SuggestionState = SuggestionState.NEW,
    page: int = 1,
    per_page: int = 20,
) -> list[SuggestionRow]:
    """Suggestions in `state`, newest news first, optionally for one pledge (one query)."""
    query = _query().where(Suggestion.state == state)
    if pledge_id is not None:
        query = query.where(Suggestion.pledge_id == pledge_id)
    query = query.order_by(*_newest_first()).offset((page - 1) * per_page).limit(per_page)
    return [SuggestionRow(*row) for row in session.exec(query).all()]


def count_suggestions(
    session: Session, *, pledge_id: int | None = None, state: SuggestionState = SuggestionState.NEW
) -> int:
    query = select(func.count()).select_from(Suggestion).where(Suggestion.state == state)
    if pledge_id is not None:
        query = query.where(Suggestion.pledge_id == pledge_id)
    return int(session.exec(query).one())


def list_pledges_with_suggestions(session: Session) -> list[tuple[Pledge, Candidate, int]]:
    """Pledges that have new suggestions, with their count (for the queue's filter)."""
    rows = session.exec(
        select(Pledge, Candidate, func.count(col(Suggestion.id)))
        .join(Suggestion, col(Suggestion.pledge_id) == Pledge.id)
        .join(Candidate, col(Candidate.id) == Pledge.candidate_id)
        .where(Suggestion.state == SuggestionState.NEW)
        .group_by(col(Pledge.id), col(Candidate.id))
        .order_by(col(Candidate.name), col(Pledge.title))
    ).all()
    return [(p, c, int(n)) for p, c, n in rows]


def get_suggestion(session: Session, suggestion_id: int) -> SuggestionRow | None:
    row = session.exec(_query().where(Suggestion.id == suggestion_id)).first()
    return SuggestionRow(*row) if row else None


def _claim(
    session: Session, suggestion: Suggestion, to: SuggestionState, actor: Actor, now: datetime
) -> None:
    """Move a *new* suggestion to `to` in one conditional UPDATE (two reviewers: one wins)."""
    claimed = session.execute(
        update(Suggestion)
        .where(col(Suggestion.id) == suggestion.id, col(Suggestion.state) == SuggestionState.NEW)
        .values(
            state=to,
            reviewed_at=now,
            reviewed_by_id=actor.id if isinstance(actor, User) else None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise ReviewError("Someone has already reviewed this suggestion.")
    suggestion.state = to
    suggestion.reviewed_at = now
    suggestion.reviewed_by_id = actor.id if isinstance(actor, User) else None


def accept_suggestion(
    session: Session,
    row: SuggestionRow,
    *,
    stance: Stance | str,
    quote: str = "",
    note: str = "",
    actor: Actor,
    now: datetime | None = None,
) -> Evidence:
    """The news item is evidence (kept / broken / context): submit it for moderation.

    Raises DuplicateEvidence when its link is already cited for the pledge (the
    suggestion then stays new, so it can be dismissed).
    """
    now = now or utc_now()
    if row.suggestion.state != SuggestionState.NEW:
        raise ReviewError("Someone has already reviewed this suggestion.")
    evidence = submit_evidence(
        session,
        row.pledge,
        url=row.item.link,
        outlet=row.outlet,
        published_on=row.item_date.date(),
        stance=Stance(stance),
        title=row.item.title,
        quote=quote,
        note=note,
        actor=actor,
        origin=Origin.FEED_ITEM,
        feed_item_id=row.item.id,
        now=now,
    )
    _claim(session, row.suggestion, SuggestionState.ACCEPTED, actor, now)
    log_change(
        session,
        actor=actor,
        action="suggestion.accept",
        object_type="suggestion",
        object_id=row.suggestion.id,
        pledge_id=row.pledge.id,
        before={"state": SuggestionState.NEW.value},
        after={"state": SuggestionState.ACCEPTED.value, "evidence_id": evidence.id},
        now=now,
    )
    session.flush()
    return evidence


def dismiss_suggestion(
    session: Session, row: SuggestionRow, *, actor: Actor, now: datetime | None = None
) -> None:
    """Not relevant: the suggestion leaves the queue, nothing else changes."""
    now = now or utc_now()
    if row.suggestion.state != SuggestionState.NEW:
        raise ReviewError("Someone has already reviewed this suggestion.")
    _claim(session, row.suggestion, SuggestionState.DISMISSED, actor, now)
    log_change(
        session,
        actor=actor,
        action="suggestion.dismiss",
        object_type="suggestion",
        object_id=row.suggestion.id,
        pledge_id=row.pledge.id,
        before={"state": SuggestionState.NEW.value},
        after={"state": SuggestionState.DISMISSED.value},
        now=now,
    )
    session.flush()
