"""Volunteer review of feed suggestions: the queue (by suggestion, or by article with
list_articles), accepting one as evidence, dismissing one, deciding several at once
(review_in_bulk), undoing a dismissal.

Accepting turns the news item into *submitted* evidence (origin feed_item) that
an editor then moderates. The queue's order is one, documented on
`list_suggestions`, and its cost does not grow with its length: pages follow a
(date, id) key along an index, counts stop at a cap. No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, and_, exists, func, or_, update
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from models import Candidate, Evidence, Feed, FeedItem, Pledge, Suggestion, User
from models.db import MAX_DB_ID, utc_now
from models.enums import Origin, Role, Stance, SuggestionState
from pledges.archiving import archived_pledge_ids, visible_pledges
from pledges.audit import Actor, AuditAction, log_change
from pledges.errors import DomainError, ReviewError
from pledges.evidence import submit_evidence

__all__ = ["ReviewError"]  # re-exported for callers

# Counts past this are shown as "1 000+": counting further would read the whole queue.
COUNT_CAP = 1000
ALREADY_REVIEWED = "Someone has already reviewed this suggestion."


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

    @property
    def key(self) -> QueueKey:
        """Where the page after this row starts."""
        return QueueKey(self.suggestion.item_date, self.suggestion.id or 0)


@dataclass(frozen=True)
class QueueKey:
    """A position in the queue: the item date and suggestion id of the last row seen."""

    item_date: datetime
    id: int

    def __str__(self) -> str:
        return f"{self.item_date.isoformat()}~{self.id}"

    @classmethod
    def parse(cls, text: str | None) -> QueueKey | None:
        """The key written by str(); None for anything else (the queue then starts over)."""
        if not text or "~" not in text:
            return None
        date_text, _sep, id_text = text.rpartition("~")
        # Only what str() writes: ASCII digits for an id the database can hold, and
        # an aware date that converts to UTC (year 1 at +14:00 does not).
        if not (id_text.isascii() and id_text.isdigit()) or len(id_text) > 10:
            return None
        suggestion_id = int(id_text)
        if suggestion_id > MAX_DB_ID:
            return None
        try:
            item_date = datetime.fromisoformat(date_text)
            if item_date.tzinfo is None:
                return None
            item_date = item_date.astimezone(UTC)
        except (ValueError, OverflowError):
            return None
        return cls(item_date, suggestion_id)


class Count(int):
    """A count that stops at a cap: exact unless `capped` (then the true number is larger)."""

    capped: bool

    def __new__(cls, value: int, capped: bool = False) -> Count:
        count = super().__new__(cls, value)
        count.capped = capped
        return count


def outlet_of(feed: Feed, item: FeedItem) -> str:
    """The feed's name, else the item's host name."""
    return feed.name or urlsplit(item.link or feed.url).hostname or feed.url


# One entity per SuggestionRow field, in its order.
QueueRows = Select[Suggestion, FeedItem, Feed, Pledge, Candidate]


def _query() -> QueueRows:
    # What select() builds for several entities; sqlmodel's select() declares
    # its types for at most four, so the statement is built directly.
    rows: QueueRows = Select(Suggestion, FeedItem, Feed, Pledge, Candidate)
    return (
        rows.join(FeedItem, col(FeedItem.id) == Suggestion.feed_item_id)
        .join(Feed, col(Feed.id) == FeedItem.feed_id)
        .join(Pledge, col(Pledge.id) == Suggestion.pledge_id)
        .join(Candidate, col(Candidate.id) == Pledge.candidate_id)
    )


def list_suggestions(
    session: Session,
    *,
    pledge_id: int | None = None,
    state: SuggestionState | None = SuggestionState.NEW,
    after: QueueKey | None = None,
    limit: int | None = 20,
) -> list[SuggestionRow]:
    """Suggestions in `state` (None: all), optionally for one pledge; one query.

    The order, the only one (volunteer queue, CLI): newest news first, that is
    by the item's date (published, else first seen) descending, then by
    suggestion id descending. `after` continues from a row's `key`, so a page
    costs the same wherever it is in the queue (ix_suggestion_queue,
    ix_suggestion_pledge_queue).
    """
    query = list_suggestions_query(pledge_id=pledge_id, state=state, after=after, limit=limit)
    return [SuggestionRow(*row) for row in session.exec(query).all()]


def list_suggestions_query(
    *,
    pledge_id: int | None = None,
    state: SuggestionState | None = SuggestionState.NEW,
    after: QueueKey | None = None,
    limit: int | None = 20,
) -> QueueRows:
    """The statement behind list_suggestions (tests read its query plan)."""
    query = _query()
    if state is not None:
        query = query.where(Suggestion.state == state)
    if pledge_id is not None:
        query = query.where(Suggestion.pledge_id == pledge_id)
    if after is not None:
        query = query.where(
            or_(
                col(Suggestion.item_date) < after.item_date,
                and_(col(Suggestion.item_date) == after.item_date, col(Suggestion.id) < after.id),
            )
        )
    query = query.order_by(col(Suggestion.item_date).desc(), col(Suggestion.id).desc())
    if limit:
        query = query.limit(limit)
    return query


def count_suggestions(
    session: Session,
    *,
    pledge_id: int | None = None,
    state: SuggestionState = SuggestionState.NEW,
    cap: int = COUNT_CAP,
) -> Count:
    """How many suggestions are in `state`, counting no further than `cap` (one query)."""
    rows = select(col(Suggestion.id)).where(
        Suggestion.state == state, col(Suggestion.pledge_id).not_in(archived_pledge_ids())
    )
    if pledge_id is not None:
        rows = rows.where(Suggestion.pledge_id == pledge_id)
    found = int(
        session.exec(select(func.count()).select_from(rows.limit(cap + 1).subquery())).one()
    )
    return Count(min(found, cap), capped=found > cap)


def list_pledges_with_suggestions(
    session: Session, *, cap: int = COUNT_CAP
) -> list[tuple[Pledge, Candidate, Count]]:
    """Pledges that have new suggestions, with their capped count (the queue's filter).

    One query whose cost follows the number of pledges, not of suggestions: an
    index probe per pledge, and counts that stop at `cap`.
    """
    new_for_pledge = (
        select(col(Suggestion.id))
        .where(Suggestion.pledge_id == Pledge.id, Suggestion.state == SuggestionState.NEW)
        .correlate(Pledge)
    )
    counted = (
        select(func.count()).select_from(new_for_pledge.limit(cap + 1).subquery()).scalar_subquery()
    )
    rows = session.exec(
        select(Pledge, Candidate, counted)
        .join(Candidate, col(Candidate.id) == Pledge.candidate_id)
        .where(exists(new_for_pledge), visible_pledges())
        .order_by(col(Candidate.name), col(Pledge.title))
    ).all()
    return [(p, c, Count(min(int(n), cap), capped=int(n) > cap)) for p, c, n in rows]


def get_suggestion(session: Session, suggestion_id: int) -> SuggestionRow | None:
    row = session.exec(_query().where(Suggestion.id == suggestion_id)).first()
    return SuggestionRow(*row) if row else None


def _claim(
    session: Session,
    row: SuggestionRow,
    to: SuggestionState,
    action: AuditAction,
    *,
    actor: Actor,
    now: datetime,
    after: dict[str, Any] | None = None,
) -> None:
    """Move a *new* suggestion to `to` in one conditional UPDATE (two reviewers: one wins),
    and log the decision; flushes."""
    suggestion = row.suggestion
    claimed = session.exec(
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
        raise ReviewError(ALREADY_REVIEWED, code="already_reviewed")
    suggestion.state = to
    suggestion.reviewed_at = now
    suggestion.reviewed_by_id = actor.id if isinstance(actor, User) else None
    log_change(
        session,
        actor=actor,
        action=action,
        object_type="suggestion",
        object_id=suggestion.id,
        pledge_id=row.pledge.id,
        before={"state": SuggestionState.NEW.value},
        after={"state": to.value, **(after or {})},
        now=now,
    )
    session.flush()


def accept_suggestion(
    session: Session,
    row: SuggestionRow,
    *,
    stance: Stance | str,
    quote: str = "",
    note: str = "",
    actor: Actor,
    zone: tzinfo,
    now: datetime | None = None,
) -> Evidence:
    """The news item is evidence (kept / broken / context): submit it for moderation.

    The evidence is dated by the item's instant in the site's `zone`: an item
    published at 00:30 +0100 on 1 January is a 1 January article in Paris,
    though it is still 31 December in UTC.

    Raises DuplicateEvidence when its link is already cited for the pledge (the
    suggestion then stays new, so it can be dismissed).
    """
    now = now or utc_now()
    if row.suggestion.state != SuggestionState.NEW:
        raise ReviewError(ALREADY_REVIEWED, code="already_reviewed")
    evidence = submit_evidence(
        session,
        row.pledge,
        url=row.item.link,
        outlet=row.outlet,
        published_on=row.item_date.astimezone(zone).date(),
        stance=Stance(stance),
        title=row.item.title,
        quote=quote,
        note=note,
        actor=actor,
        origin=Origin.FEED_ITEM,
        feed_item_id=row.item.id,
        zone=zone,
        now=now,
    )
    _claim(
        session, row, SuggestionState.ACCEPTED, AuditAction.SUGGESTION_ACCEPT,
        actor=actor, now=now, after={"evidence_id": evidence.id},
    )  # fmt: skip
    return evidence


def dismiss_suggestion(
    session: Session, row: SuggestionRow, *, actor: Actor, now: datetime | None = None
) -> None:
    """Not relevant: the suggestion leaves the queue, nothing else changes."""
    now = now or utc_now()
    if row.suggestion.state != SuggestionState.NEW:
        raise ReviewError(ALREADY_REVIEWED, code="already_reviewed")
    _claim(
        session, row, SuggestionState.DISMISSED, AuditAction.SUGGESTION_DISMISS,
        actor=actor, now=now,
    )  # fmt: skip


# The dismissed suggestions a reviewer is shown to undo: the latest ones only.
DISMISSED_LIMIT = 50


def may_restore(row: SuggestionRow, actor: Actor) -> bool:
    """Who may undo a dismissal: the volunteer who dismissed it, any editor or admin."""
    if not isinstance(actor, User):
        return True  # the command line and tests act for the site
    if actor.role.at_least(Role.EDITOR):
        return True
    return row.suggestion.reviewed_by_id == actor.id


def list_dismissed(
    session: Session, *, actor: Actor, limit: int = DISMISSED_LIMIT
) -> list[SuggestionRow]:
    """The dismissals `actor` may undo, the most recently dismissed first (one query, bounded).

    A volunteer sees their own; editors and admins see everyone's.
    """
    query = _query().where(Suggestion.state == SuggestionState.DISMISSED)
    if isinstance(actor, User) and not actor.role.at_least(Role.EDITOR):
        query = query.where(Suggestion.reviewed_by_id == actor.id)
    query = query.order_by(col(Suggestion.reviewed_at).desc(), col(Suggestion.id).desc())
    return [SuggestionRow(*row) for row in session.exec(query.limit(limit)).all()]


def restore_suggestion(
    session: Session, row: SuggestionRow, *, actor: Actor, now: datetime | None = None
) -> None:
    """Undo "not relevant": the suggestion goes back to the queue as new; audited.

    Only a dismissed suggestion comes back (an accepted one became evidence,
    which moderation handles), in one conditional UPDATE so that two undos do
    not both log. Its review fields are cleared: it waits for a review again.
    """
    now = now or utc_now()
    suggestion = row.suggestion
    if suggestion.state != SuggestionState.DISMISSED:
        raise ReviewError("Only a dismissed suggestion can be put back.", code="not_dismissed")
    if not may_restore(row, actor):
        raise ReviewError(
            "Only whoever dismissed it, or an editor, can put it back.", code="not_your_dismissal"
        )
    before = {
        "state": SuggestionState.DISMISSED.value,
        "reviewed_by_id": suggestion.reviewed_by_id,
    }
    restored = session.exec(
        update(Suggestion)
        .where(
            col(Suggestion.id) == suggestion.id,
            col(Suggestion.state) == SuggestionState.DISMISSED,
        )
        .values(state=SuggestionState.NEW, reviewed_at=None, reviewed_by_id=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if restored != 1:
        raise ReviewError("Only a dismissed suggestion can be put back.", code="not_dismissed")
    suggestion.state = SuggestionState.NEW
    suggestion.reviewed_at = None
    suggestion.reviewed_by_id = None
    log_change(
        session,
        actor=actor,
        action=AuditAction.SUGGESTION_RESTORE,
        object_type="suggestion",
        object_id=suggestion.id,
        pledge_id=row.pledge.id,
        before=before,
        after={"state": SuggestionState.NEW.value},
        now=now,
    )
    session.flush()


# --- The queue by article, and decisions in bulk -----------------------------------------

# At most this many pledges on one article's card (the rest: "and N more", reached by filtering).
PLEDGES_PER_CARD = 10
# At most this many suggestions decided by one bulk request.
MAX_BULK = 100


@dataclass(frozen=True)
class ArticleCard:
    """One news item of the queue with the new suggestions it matched (at most a bound)."""

    rows: list[SuggestionRow]
    # How many of its new suggestions (under the same filter) are not in `rows`.
    hidden: int = 0

    @property
    def item(self) -> FeedItem:
        return self.rows[0].item

    @property
    def outlet(self) -> str:
        return self.rows[0].outlet

    @property
    def item_date(self) -> datetime:
        return self.rows[0].item_date

    @property
    def key(self) -> QueueKey:
        """Where the page after this card starts: its (date, feed item id)."""
        return QueueKey(self.rows[0].suggestion.item_date, self.item.id or 0)


def list_articles(
    session: Session,
    *,
    pledge_id: int | None = None,
    after: QueueKey | None = None,
    limit: int = 20,
    per_card: int = PLEDGES_PER_CARD,
) -> list[ArticleCard]:
    """Articles with new suggestions, newest news first, each with its new suggestions.

    Same order as list_suggestions, by article: the item's date descending,
    then the feed item id descending; `after` continues from a card's `key`
    (here the id is the feed item's). Two queries, both bounded: at most
    `limit` articles, at most `per_card` suggestions each (by pledge title,
    then id); the card says how many more it has.
    """
    new: list[ColumnElement[bool]] = [
        col(Suggestion.state) == SuggestionState.NEW,
        # Archived pledges leave the queue (their suggestions stay, for a restore).
        col(Suggestion.pledge_id).not_in(archived_pledge_ids()),
    ]
    if pledge_id is not None:
        new.append(col(Suggestion.pledge_id) == pledge_id)
    articles = (
        select(col(Suggestion.feed_item_id), col(Suggestion.item_date))
        .where(*new)
        .group_by(col(Suggestion.feed_item_id), col(Suggestion.item_date))
    )
    if after is not None:
        articles = articles.where(
            or_(
                col(Suggestion.item_date) < after.item_date,
                and_(
                    col(Suggestion.item_date) == after.item_date,
                    col(Suggestion.feed_item_id) < after.id,
                ),
            )
        )
    articles = articles.order_by(
        col(Suggestion.item_date).desc(), col(Suggestion.feed_item_id).desc()
    ).limit(max(1, min(limit, 200)))
    item_ids = [item_id for item_id, _date in session.exec(articles).all()]
    if not item_ids:
        return []
    ranked = (
        select(
            col(Suggestion.id).label("sid"),
            func.row_number()
            .over(
                partition_by=col(Suggestion.feed_item_id),
                order_by=(col(Pledge.title), col(Suggestion.id)),
            )
            .label("rank"),
            func.count().over(partition_by=col(Suggestion.feed_item_id)).label("total"),
        )
        .join(Pledge, col(Pledge.id) == Suggestion.pledge_id)
        .where(*new, col(Suggestion.feed_item_id).in_(item_ids))
        .subquery()
    )
    kept = session.exec(
        select(ranked.c.sid, ranked.c.total).where(ranked.c.rank <= max(1, per_card))
    ).all()
    totals = {int(sid): int(total) for sid, total in kept}
    rows = [
        SuggestionRow(*row)
        for row in session.exec(
            _query()
            .where(col(Suggestion.id).in_(list(totals)))
            .order_by(col(Pledge.title), col(Suggestion.id))
        ).all()
    ]
    by_item: dict[int, list[SuggestionRow]] = {}
    for row in rows:
        by_item.setdefault(row.item.id or 0, []).append(row)
    cards = []
    for item_id in item_ids:
        found = by_item.get(item_id)
        if found:
            total = totals[found[0].suggestion.id or 0]
            cards.append(ArticleCard(found, hidden=max(0, total - len(found))))
    return cards


@dataclass
class BulkOutcome:
    """What a bulk decision did: the suggestions decided, those skipped and why."""

    done: list[int]
    # Already decided by someone else (or gone): left as they are.
    skipped: list[int]
    # Refused by the domain (e.g. a duplicate link): id → the error, left new.
    refused: dict[int, DomainError]


def review_in_bulk(
    session: Session,
    suggestion_ids: list[int],
    *,
    accept: bool,
    actor: Actor,
    zone: tzinfo,
    stance: Stance | str = Stance.CONTEXT,
    now: datetime | None = None,
) -> BulkOutcome:
    """Accept (as `stance` evidence) or dismiss several suggestions, each through
    accept_suggestion / dismiss_suggestion (so each is audited), in the caller's
    transaction.

    At most MAX_BULK ids, at least one (ReviewError bulk_empty / bulk_too_many).
    A suggestion no longer new (someone else decided it) is skipped, and so is
    one lost to a concurrent reviewer; a refusal (duplicate link) leaves that
    one new and the others decided. One query to read them all.
    """
    ids = list(dict.fromkeys(suggestion_ids))
    if not ids:
        raise ReviewError("Select at least one suggestion.", code="bulk_empty")
    if len(ids) > MAX_BULK:
        raise ReviewError(f"At most {MAX_BULK} suggestions at once.", code="bulk_too_many")
    now = now or utc_now()
    found = {
        row[0].id: SuggestionRow(*row)
        for row in session.exec(_query().where(col(Suggestion.id).in_(ids))).all()
    }
    outcome = BulkOutcome(done=[], skipped=[], refused={})
    for suggestion_id in ids:
        row = found.get(suggestion_id)
        if row is None or row.suggestion.state != SuggestionState.NEW:
            outcome.skipped.append(suggestion_id)
            continue
        try:
            with session.begin_nested():
                if accept:
                    accept_suggestion(session, row, stance=stance, actor=actor, zone=zone, now=now)
                else:
                    dismiss_suggestion(session, row, actor=actor, now=now)
        except ReviewError as exc:
            if exc.code == "already_reviewed":
                outcome.skipped.append(suggestion_id)
            else:
                outcome.refused[suggestion_id] = exc
        except DomainError as exc:
            outcome.refused[suggestion_id] = exc
        else:
            outcome.done.append(suggestion_id)
    return outcome
