"""Polling: which feeds are due, claiming one with a lease, and what a fetch does to its schedule.

The network step (`fetch_feed`) touches no database, so no lock or transaction
is held while waiting on a news site. The caller runs, per feed: claim → commit
→ fetch → record → commit (one transaction per feed). Write functions flush and
never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from sqlalchemy import and_, nulls_first, or_, update
from sqlmodel import Session, col, func, select

from models import Feed, FeedItem
from models.enums import FeedStatus
from pledges.audit import Actor, log_change
from pledges.errors import DomainError
from pledges.feed_parsing import FeedParseError, ParsedFeed, parse
from pledges.feeds import AddressGuard, FetchResult, fetch
from pledges.ingest import IngestReport, ingest
from pledges.matching import KeywordIndex

MAX_BACKOFF = timedelta(days=1)
DEFAULT_LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class ClaimedFeed:
    """What the network step needs, detached from the session."""

    id: int
    url: str
    etag: str | None
    last_modified: str | None


@dataclass
class FetchOutcome:
    status: str  # "ok", "not_modified", "gone", "error"
    error: str = ""
    result: FetchResult | None = None
    parsed: ParsedFeed | None = None


@dataclass
class FeedRunReport:
    feed_id: int
    status: str
    error: str = ""
    ingest: IngestReport = field(default_factory=IngestReport)
    url_changed_to: str | None = None


def add_feed(
    session: Session,
    url: str,
    *,
    guard: AddressGuard,
    name: str = "",
    interval_minutes: int = 60,
    actor: Actor,
    now: datetime,
) -> Feed:
    """Register a feed, refusing non-http(s) URLs and hosts with non-public addresses."""
    url = url.strip()
    guard.check_url(url)
    if interval_minutes < 1:
        raise DomainError("the interval must be at least one minute")
    if session.exec(select(Feed.id).where(Feed.url == url)).first() is not None:
        raise DomainError(f"this feed is already registered: {url}")
    feed = Feed(
        url=url,
        name=name.strip()[:200],
        interval_minutes=interval_minutes,
        next_fetch_at=now,
        created_at=now,
    )
    session.add(feed)
    session.flush()
    log_change(
        session,
        actor=actor,
        action="feed.added",
        object_type="feed",
        object_id=feed.id,
        after={"url": url, "name": feed.name, "interval_minutes": interval_minutes},
        now=now,
    )
    session.flush()
    return feed


def _due(now: datetime, ignore_schedule: bool) -> list:
    conditions = [
        col(Feed.active).is_(True),
        or_(col(Feed.lease_expires_at).is_(None), col(Feed.lease_expires_at) < now),
    ]
    if not ignore_schedule:
        conditions.append(or_(col(Feed.next_fetch_at).is_(None), col(Feed.next_fetch_at) <= now))
    return conditions


def list_due_feeds(session: Session, *, now: datetime) -> list[Feed]:
    """Active feeds whose next fetch time has come and that no live lease holds."""
    return list(
        session.exec(
            select(Feed)
            .where(*_due(now, False))
            .order_by(nulls_first(col(Feed.next_fetch_at)), Feed.id)
        ).all()
    )


def count_items(session: Session) -> dict[int, int]:
    """Stored items per feed id (one grouped query)."""
    rows = session.exec(select(FeedItem.feed_id, func.count()).group_by(FeedItem.feed_id)).all()
    return dict(rows)


def claim_next_feed(
    session: Session,
    *,
    owner: str,
    now: datetime,
    lease: timedelta = DEFAULT_LEASE,
    ignore_schedule: bool = False,
    skip_ids: frozenset[int] | set[int] = frozenset(),
) -> ClaimedFeed | None:
    """Claim one due feed for `owner` until now + lease; None when nothing is left. Flushes.

    PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED, so concurrent pollers never
    wait on each other nor take the same feed; the lease (committed by the
    caller) keeps it theirs while they fetch without a transaction open. SQLite:
    one conditional UPDATE, which SQLite serialises, so a second poller on the
    same file waits for the lock and then takes another feed or none.
    A lease that expires (its poller died) makes the feed claimable again.
    """
    conditions = _due(now, ignore_schedule)
    if skip_ids:
        conditions.append(col(Feed.id).not_in(sorted(skip_ids)))
    order = (nulls_first(col(Feed.next_fetch_at)), col(Feed.id))
    expires = now + lease
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        feed_id = session.exec(
            select(Feed.id)
            .where(*conditions)
            .order_by(*order)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if feed_id is None:
            return None
        session.exec(
            update(Feed)
            .where(col(Feed.id) == feed_id)
            .values(lease_owner=owner, lease_expires_at=expires)
        )
    else:
        candidate = select(Feed.id).where(*conditions).order_by(*order).limit(1).scalar_subquery()
        claimed = session.exec(
            update(Feed)
            .where(col(Feed.id) == candidate, and_(*conditions))
            .values(lease_owner=owner, lease_expires_at=expires)
        )
        if claimed.rowcount != 1:
            return None
        feed_id = session.exec(
            select(Feed.id).where(Feed.lease_owner == owner, Feed.lease_expires_at == expires)
        ).first()
        if feed_id is None:
            return None
    session.flush()
    feed = session.get(Feed, feed_id, populate_existing=True)
    assert feed is not None
    return ClaimedFeed(id=feed_id, url=feed.url, etag=feed.etag, last_modified=feed.last_modified)


def fetch_feed(
    claimed: ClaimedFeed,
    client: httpx.Client,
    *,
    guard: AddressGuard,
    max_bytes: int,
    deadline_seconds: float,
) -> FetchOutcome:
    """Fetch and parse one feed (conditional GET; a 304 is not parsed). No database access."""
    try:
        result = fetch(
            claimed.url,
            client,
            guard=guard,
            etag=claimed.etag,
            last_modified=claimed.last_modified,
            max_bytes=max_bytes,
            deadline_seconds=deadline_seconds,
        )
    except DomainError as exc:
        return FetchOutcome("error", error=exc.message)
    if result.status_code == 304:
        return FetchOutcome("not_modified", result=result)
    if result.status_code == 410:
        return FetchOutcome("gone", error="HTTP 410 Gone: feed deactivated", result=result)
    if result.status_code != 200:
        reason = httpx.codes.get_reason_phrase(result.status_code)
        return FetchOutcome(
            "error", error=f"HTTP {result.status_code} {reason}".strip(), result=result
        )
    try:
        parsed = parse(result.content, result.headers)
    except FeedParseError as exc:
        return FetchOutcome("error", error=exc.message, result=result)
    return FetchOutcome("ok", result=result, parsed=parsed)


def record_outcome(
    session: Session,
    claimed: ClaimedFeed,
    outcome: FetchOutcome,
    *,
    owner: str,
    index: KeywordIndex,
    now: datetime,
    actor: Actor = "feeds",
) -> FeedRunReport:
    """Store new items, update validators and schedule, release the lease. Flushes."""
    feed = _count_fetch(session, claimed.id, now)
    if feed is None:  # deleted while we were fetching
        return FeedRunReport(claimed.id, "error", error="feed deleted during the fetch")
    report = FeedRunReport(feed.id, outcome.status, error=outcome.error)  # type: ignore[arg-type]
    result = outcome.result
    if result is not None and result.permanent_url:
        report.url_changed_to = _follow_permanent_redirect(
            session, feed, result.permanent_url, actor=actor, now=now
        )
    if outcome.status == "ok" and outcome.parsed is not None and result is not None:
        report.ingest = ingest(session, feed, outcome.parsed, index=index, now=now, actor=actor)
        feed.etag = result.headers.get("etag", "")[:500] or None
        feed.last_modified = result.headers.get("last-modified", "")[:200] or None
        _succeeded(feed, FeedStatus.OK, now, warning=outcome.parsed.warning)
    elif outcome.status == "not_modified":
        _succeeded(feed, FeedStatus.NOT_MODIFIED, now)
    elif outcome.status == "gone":
        feed.active = False
        feed.next_fetch_at = None
        _failed(feed, outcome.error, now)
        log_change(
            session,
            actor=actor,
            action="feed.deactivated",
            object_type="feed",
            object_id=feed.id,
            after={"reason": outcome.error},
            now=now,
        )
    else:
        _failed(feed, outcome.error or "unknown error", now)
    _release(feed, owner)
    session.add(feed)
    session.flush()
    return report


def record_failure(
    session: Session, feed_id: int, error: str, *, owner: str, now: datetime
) -> None:
    """After an unexpected failure (its transaction rolled back): count the error, back off."""
    feed = _count_fetch(session, feed_id, now)
    if feed is None:
        return
    _failed(feed, error, now)
    _release(feed, owner)
    session.add(feed)
    session.flush()


def _count_fetch(session: Session, feed_id: int, now: datetime) -> Feed | None:
    # A write first: on SQLite the transaction then holds the write lock (waiting
    # its turn) before reading, instead of failing to upgrade a stale read snapshot.
    session.exec(
        update(Feed)
        .where(col(Feed.id) == feed_id)
        .values(fetch_count=col(Feed.fetch_count) + 1, last_fetched_at=now)
    )
    return session.get(Feed, feed_id, populate_existing=True)


def next_fetch_after_error(interval_minutes: int, error_count: int, now: datetime) -> datetime:
    """Exponential backoff: the interval, doubled per further consecutive error, up to a day."""
    interval = timedelta(minutes=max(1, interval_minutes))
    delay = interval * (2 ** min(max(error_count - 1, 0), 16))
    return now + max(interval, min(delay, MAX_BACKOFF))


def _succeeded(feed: Feed, status: FeedStatus, now: datetime, warning: str = "") -> None:
    feed.last_status = status
    feed.last_error = warning  # a recoverable problem is recorded, not counted as an error
    feed.error_count = 0
    feed.next_fetch_at = now + timedelta(minutes=max(1, feed.interval_minutes))


def _failed(feed: Feed, error: str, now: datetime) -> None:
    feed.last_status = FeedStatus.ERROR
    feed.last_error = error[:2000]
    feed.error_count += 1
    if feed.active:
        feed.next_fetch_at = next_fetch_after_error(feed.interval_minutes, feed.error_count, now)


def _release(feed: Feed, owner: str) -> None:
    if feed.lease_owner == owner:
        feed.lease_owner = None
        feed.lease_expires_at = None


def _follow_permanent_redirect(
    session: Session, feed: Feed, new_url: str, *, actor: Actor, now: datetime
) -> str | None:
    if new_url == feed.url or len(new_url) > 2000:
        return None
    taken = session.exec(select(Feed.id).where(Feed.url == new_url, Feed.id != feed.id)).first()
    if taken is not None:
        return None  # another feed already has that address; keep ours rather than collide
    old = feed.url
    feed.url = new_url
    log_change(
        session,
        actor=actor,
        action="feed.url_changed",
        object_type="feed",
        object_id=feed.id,
        before={"url": old},
        after={"url": new_url},
        now=now,
    )
    return new_url


def list_feeds(session: Session) -> list[tuple[Feed, int]]:
    """Every feed with its number of stored items (two queries)."""
    feeds = session.exec(select(Feed).order_by(Feed.id)).all()
    counts = count_items(session)
    return [(feed, counts.get(feed.id, 0)) for feed in feeds]  # type: ignore[arg-type]
