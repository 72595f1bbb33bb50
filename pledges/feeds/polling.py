"""Polling: which feeds are due, claiming one with a lease, what a fetch does to its schedule,
and the poll loop itself (`run_poller` once, `watch` forever).

The network step (`fetch_feed`) touches no database, so no lock or transaction
is held while waiting on a news site. The loop is the transaction boundary: per
feed, claim → commit → fetch (no transaction open) → record → commit, so one
broken feed loses nothing of the others. The other write functions flush and
never commit. The CLI only parses arguments and calls the loop.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import and_, nulls_first, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from models import Feed, FeedItem
from models.db import id_of, utc_now
from models.enums import FeedStatus
from pledges.audit import Actor, AuditAction, log_change
from pledges.errors import DomainError, FeedError
from pledges.feeds.fetch import AddressGuard, FetchResult, fetch, make_client, user_agent_for
from pledges.feeds.ingest import DEFAULT_MAX_ITEMS, IngestReport, build_keyword_index, ingest
from pledges.feeds.matching import KeywordIndex
from pledges.feeds.parsing import FeedParseError, ParsedFeed, parse
from pledges.health import POLLER, record_heartbeat
from pledges.links import MAX_URL_LENGTH, clean_url, url_problem

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
    error: str = ""  # English, for logs and `feeds list --json`
    error_code: str = ""  # stable: views show it translated (views.error_messages)
    result: FetchResult | None = None
    parsed: ParsedFeed | None = None


@dataclass
class FeedRunReport:
    feed_id: int
    status: str
    error: str = ""
    ingest: IngestReport = field(default_factory=IngestReport)
    url_changed_to: str | None = None


def feed_url(raw: str) -> str:
    """The address a feed is stored and compared under: cleaned as evidence links are
    (scheme and host lower-cased, tracking parameters dropped), so `HTTP://Host/rss` and
    `http://host/rss` are one feed; its length is checked once cleaned."""
    url = clean_url(raw)
    if url_problem(url) == "url_too_long":
        raise FeedError(
            f"the feed URL is longer than {MAX_URL_LENGTH} characters",
            code="feed_url_too_long",
            field="url",
        )
    return url


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
    url = feed_url(url)
    guard.check_url(url)
    if interval_minutes < 1:
        raise FeedError(
            "the interval must be at least one minute",
            code="feed_interval_too_small",
            field="interval_minutes",
        )
    if session.exec(select(Feed.id).where(Feed.url == url)).first() is not None:
        raise FeedError(f"this feed is already registered: {url}", code="feed_taken", field="url")
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
        action=AuditAction.FEED_ADDED,
        object_type="feed",
        object_id=feed.id,
        after={"url": url, "name": feed.name, "interval_minutes": interval_minutes},
        now=now,
    )
    session.flush()
    return feed


def _due(now: datetime, ignore_schedule: bool) -> list[Any]:
    conditions = [
        col(Feed.active).is_(True),
        or_(col(Feed.lease_expires_at).is_(None), col(Feed.lease_expires_at) < now),
    ]
    if not ignore_schedule:
        conditions.append(or_(col(Feed.next_fetch_at).is_(None), col(Feed.next_fetch_at) <= now))
    return conditions


def count_items(session: Session) -> dict[int, int]:
    """Stored items per feed id (one grouped query)."""
    rows = session.exec(
        select(col(FeedItem.feed_id), func.count()).group_by(col(FeedItem.feed_id))
    ).all()
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
        return FetchOutcome("error", error=exc.message, error_code=exc.code)
    if result.status_code == 304:
        return FetchOutcome("not_modified", result=result)
    if result.status_code == 410:
        return FetchOutcome(
            "gone", error="HTTP 410 Gone: feed deactivated", error_code="feed_gone", result=result
        )
    if result.status_code != 200:
        reason = httpx.codes.get_reason_phrase(result.status_code)
        return FetchOutcome(
            "error",
            error=f"HTTP {result.status_code} {reason}".strip(),
            error_code="feed_http_error",
            result=result,
        )
    try:
        parsed = parse(result.content, result.headers)
    except FeedParseError as exc:
        return FetchOutcome("error", error=exc.message, error_code=exc.code, result=result)
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
    max_items: int = DEFAULT_MAX_ITEMS,
) -> FeedRunReport:
    """Store new items, update validators and schedule, release the lease. Flushes.

    A permanent redirect moves the feed's address only when the fetch succeeded
    (200 or 304): a 301 towards an error page changes nothing (finding 9).
    """
    feed = _count_fetch(session, claimed.id, now)
    if feed is None:  # deleted while we were fetching
        return FeedRunReport(claimed.id, "error", error="feed deleted during the fetch")
    report = FeedRunReport(id_of(feed), outcome.status, error=outcome.error)
    result = outcome.result
    succeeded = outcome.status in {"ok", "not_modified"}
    if succeeded and result is not None and result.permanent_url:
        report.url_changed_to = _follow_permanent_redirect(
            session, feed, result.permanent_url, actor=actor, now=now
        )
    if outcome.status == "ok" and outcome.parsed is not None and result is not None:
        report.ingest = ingest(
            session, feed, outcome.parsed, index=index, now=now, actor=actor, max_items=max_items
        )
        feed.etag = result.headers.get("etag", "")[:500] or None
        feed.last_modified = result.headers.get("last-modified", "")[:200] or None
        _succeeded(feed, FeedStatus.OK, now, warning=outcome.parsed.warning)
    elif outcome.status == "not_modified":
        _succeeded(feed, FeedStatus.NOT_MODIFIED, now)
    elif outcome.status == "gone":
        feed.active = False
        feed.next_fetch_at = None
        _failed(feed, outcome.error, outcome.error_code, now)
        log_change(
            session,
            actor=actor,
            action=AuditAction.FEED_DEACTIVATED,
            object_type="feed",
            object_id=feed.id,
            after={"reason": outcome.error},
            now=now,
        )
    else:
        _failed(feed, outcome.error or "unknown error", outcome.error_code, now)
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
    _failed(feed, error, "feed_store_failed", now)
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
    feed.last_error_code = ""
    feed.error_count = 0
    feed.next_fetch_at = now + timedelta(minutes=max(1, feed.interval_minutes))


def _failed(feed: Feed, error: str, code: str, now: datetime) -> None:
    feed.last_status = FeedStatus.ERROR
    feed.last_error = error[:2000]
    feed.last_error_code = code or "feed_fetch_failed"
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
        action=AuditAction.FEED_URL_CHANGED,
        object_type="feed",
        object_id=feed.id,
        before={"url": old},
        after={"url": new_url},
        now=now,
    )
    return new_url


def list_feeds(session: Session) -> list[tuple[Feed, int]]:
    """Every feed with its number of stored items (two queries)."""
    feeds = session.exec(select(Feed).order_by(col(Feed.id))).all()
    counts = count_items(session)
    return [(feed, counts.get(id_of(feed), 0)) for feed in feeds]


@dataclass(frozen=True)
class PollSettings:
    """What the poll loop needs from the configuration."""

    allow_private: bool = False
    max_bytes: int = 5 * 1024 * 1024
    max_items: int = DEFAULT_MAX_ITEMS
    user_agent: str = "PledgeTracker-FeedPoller/1.0"
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    deadline_seconds: float = 60.0
    lease: timedelta = DEFAULT_LEASE

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> PollSettings:
        """From the app's configuration (a mapping: no Flask needed here)."""
        # Every key has its one default in app.ENV_SETTINGS.
        return cls(
            allow_private=bool(config["FEEDS_ALLOW_PRIVATE"]),
            max_bytes=int(config["FEEDS_MAX_BYTES"]),
            max_items=int(config["FEEDS_MAX_ITEMS"]),
            user_agent=user_agent_for(config["PROJECT_URL"]),
            connect_timeout=float(config["FEEDS_CONNECT_TIMEOUT"]),
            read_timeout=float(config["FEEDS_READ_TIMEOUT"]),
            deadline_seconds=float(config["FEEDS_DEADLINE_SECONDS"]),
            lease=timedelta(seconds=float(config["FEEDS_LEASE_SECONDS"])),
        )

    @property
    def guard(self) -> AddressGuard:
        return AddressGuard(allow_private=self.allow_private)


def poller_name() -> str:
    """Unique per process and run, readable in Feed.lease_owner."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def run_poller(
    engine: Engine,
    settings: PollSettings,
    *,
    owner: str,
    ignore_schedule: bool = False,
    clock: Callable[[], datetime] = utc_now,
) -> Iterator[FeedRunReport]:
    """Fetch every due feed once (all active ones with ignore_schedule), one transaction each."""
    with Session(engine, expire_on_commit=False) as session:
        index = build_keyword_index(session)
    guard = settings.guard
    done: set[int] = set()
    with make_client(
        guard,
        user_agent=settings.user_agent,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
    ) as client:
        while True:
            with Session(engine, expire_on_commit=False) as session:
                claimed = claim_next_feed(
                    session,
                    owner=owner,
                    now=clock(),
                    lease=settings.lease,
                    ignore_schedule=ignore_schedule,
                    skip_ids=done,
                )
                session.commit()
            if claimed is None:
                return
            done.add(claimed.id)
            try:
                outcome = fetch_feed(
                    claimed,
                    client,
                    guard=guard,
                    max_bytes=settings.max_bytes,
                    deadline_seconds=settings.deadline_seconds,
                )
            except Exception as exc:  # one broken feed never stops the others
                outcome = FetchOutcome(
                    "error",
                    error=f"unexpected error: {exc!r}"[:500],
                    error_code="feed_fetch_failed",
                )
            yield _store(engine, claimed, outcome, settings, owner=owner, index=index, clock=clock)


def _store(
    engine: Engine,
    claimed: ClaimedFeed,
    outcome: FetchOutcome,
    settings: PollSettings,
    *,
    owner: str,
    index: KeywordIndex,
    clock: Callable[[], datetime],
) -> FeedRunReport:
    with Session(engine, expire_on_commit=False) as session:
        try:
            report = record_outcome(
                session,
                claimed,
                outcome,
                owner=owner,
                index=index,
                now=clock(),
                max_items=settings.max_items,
            )
            session.commit()
            return report
        except Exception as exc:  # rolled back: record the failure alone, then go on
            session.rollback()
            error = f"could not store the fetched items: {exc!r}"[:500]
            record_failure(session, claimed.id, error, owner=owner, now=clock())
            session.commit()
            return FeedRunReport(claimed.id, "error", error=error)


def watch(
    engine: Engine,
    settings: PollSettings,
    *,
    on_report: Callable[[FeedRunReport], None],
    max_sleep: float = 60.0,
    cycles: int = 0,
    owner: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Fetch feeds as they fall due, forever (or for `cycles` rounds); reports go to on_report."""
    owner = owner or poller_name()
    done_cycles = 0
    while True:
        for report in run_poller(engine, settings, owner=owner):
            on_report(report)
        beat(engine)
        done_cycles += 1
        if cycles and done_cycles >= cycles:
            return
        sleep(seconds_until_next(engine, max_sleep, now=utc_now()))


def beat(engine: Engine) -> None:
    """The poller finished a round: /healthz reports how long ago."""
    with Session(engine) as session:
        record_heartbeat(session, POLLER, now=utc_now())
        session.commit()


def seconds_until_next(engine: Engine, max_sleep: float, *, now: datetime) -> float:
    """How long until the next feed falls due, between 0.01 s and max_sleep."""
    with Session(engine) as session:
        upcoming = session.exec(
            select(Feed.next_fetch_at)
            .where(col(Feed.active).is_(True), col(Feed.next_fetch_at).is_not(None))
            .order_by(col(Feed.next_fetch_at))
            .limit(1)
        ).first()
    if upcoming is None:
        return max_sleep
    wait = (upcoming - now).total_seconds()
    return min(max(wait, 0.01), max_sleep)
