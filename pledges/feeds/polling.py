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
from sqlalchemy import nulls_first, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from models import Feed, FeedFetch, FeedItem, Suggestion
from models.db import id_of, utc_now
from models.enums import FeedStatus, SuggestionState
from pledges.audit import Actor, AuditAction, log_change
from pledges.errors import DomainError, FeedError
from pledges.feeds.discovery import find_alternates, looks_like_html
from pledges.feeds.fetch import AddressGuard, FetchResult, fetch, make_client, user_agent_for
from pledges.feeds.ingest import DEFAULT_MAX_ITEMS, IngestReport, build_keyword_index, ingest
from pledges.feeds.matching import KeywordIndex
from pledges.feeds.parsing import FeedParseError, ParsedFeed, parse
from pledges.feeds.rematch import PLEDGES_PER_ROUND, CatchUpReport, catch_up
from pledges.health import POLLER, record_heartbeat
from pledges.leases import claim_one
from pledges.links import MAX_URL_LENGTH, clean_url, url_problem

MAX_BACKOFF = timedelta(days=1)
DEFAULT_LEASE = timedelta(minutes=10)
FETCH_HISTORY = 20  # fetch outcomes kept per feed (FeedFetch), for the feed's page

# What a fetch came to, as the feed page shows it (FeedFetch.outcome).
OK, UNCHANGED, WARNING, ERROR = "ok", "unchanged", "warning", "error"
# Warning codes: the fetch worked, but something is worth an editor's look.
FEED_TRUNCATED = "feed_truncated"  # the document was cut: entries lost
FEED_NO_ITEMS = "feed_no_items"  # a valid feed listing nothing
FEED_MALFORMED = "feed_malformed"  # read by the tolerant parser
FEED_ITEMS_DEFERRED = "feed_items_deferred"  # more new items than FEEDS_MAX_ITEMS


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
    # Feeds advertised by the web page given instead of a feed.
    alternates: list[dict[str, str]] = field(default_factory=list)


@dataclass
class FeedRunReport:
    feed_id: int
    status: str
    error: str = ""
    ingest: IngestReport = field(default_factory=IngestReport)
    url_changed_to: str | None = None
    outcome: str = ""  # ok, unchanged, warning, error (as recorded in FeedFetch)
    code: str = ""  # the error or warning code, when there is one
    alternates: list[dict[str, str]] = field(default_factory=list)


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
    existing = session.exec(select(Feed).where(Feed.url == url)).first()
    if existing is not None and existing.deleted_at is not None:
        return _revive(session, existing, name, interval_minutes, actor=actor, now=now)
    if existing is not None:
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


def _revive(
    session: Session, feed: Feed, name: str, interval_minutes: int, *, actor: Actor, now: datetime
) -> Feed:
    """A deleted feed added again: shown and read again, its stored items still there."""
    feed.deleted_at = None
    feed.active = True
    feed.name = name.strip()[:200] or feed.name
    feed.interval_minutes = interval_minutes
    feed.next_fetch_at = now
    session.add(feed)
    session.flush()
    log_change(
        session,
        actor=actor,
        action=AuditAction.FEED_ADDED,
        object_type="feed",
        object_id=feed.id,
        after={"url": feed.url, "name": feed.name, "interval_minutes": interval_minutes},
        now=now,
    )
    session.flush()
    return feed


def pause_feed(session: Session, feed: Feed, *, actor: Actor, now: datetime) -> bool:
    """Stop reading a feed (its items and suggestions stay); False when already paused."""
    if not feed.active:
        return False
    feed.active = False
    session.add(feed)
    log_change(
        session,
        actor=actor,
        action=AuditAction.FEED_PAUSED,
        object_type="feed",
        object_id=feed.id,
        now=now,
    )
    session.flush()
    return True


def resume_feed(session: Session, feed: Feed, *, actor: Actor, now: datetime) -> bool:
    """Read a paused feed again, from the next poller round on; False when it was active."""
    if feed.active:
        return False
    feed.active = True
    feed.error_count = 0
    feed.next_fetch_at = now
    session.add(feed)
    log_change(
        session,
        actor=actor,
        action=AuditAction.FEED_RESUMED,
        object_type="feed",
        object_id=feed.id,
        now=now,
    )
    session.flush()
    return True


def delete_feed(session: Session, feed: Feed, *, actor: Actor, now: datetime) -> int:
    """Delete a feed: hidden and never read again; its items are kept (evidence cites them).

    Its suggestions still waiting for review leave the volunteers' queue (they
    were never evidence); accepted and dismissed ones stay as the record of a
    decision. Returns how many waiting suggestions were withdrawn.
    """
    items = select(FeedItem.id).where(FeedItem.feed_id == feed.id).scalar_subquery()
    waiting = session.exec(
        select(Suggestion).where(
            col(Suggestion.feed_item_id).in_(items), Suggestion.state == SuggestionState.NEW
        )
    ).all()
    for suggestion in waiting:
        session.delete(suggestion)
    feed.deleted_at = now
    feed.active = False
    feed.next_fetch_at = None
    feed.lease_owner = None
    feed.lease_expires_at = None
    session.add(feed)
    log_change(
        session,
        actor=actor,
        action=AuditAction.FEED_DELETED,
        object_type="feed",
        object_id=feed.id,
        before={"url": feed.url, "name": feed.name},
        after={"withdrawn_suggestions": len(waiting)},
        now=now,
    )
    session.flush()
    return len(waiting)


def get_feed(session: Session, feed_id: int) -> Feed | None:
    """A feed that is not deleted."""
    feed = session.get(Feed, feed_id)
    return feed if feed is not None and feed.deleted_at is None else None


def list_fetches(session: Session, feed_id: int) -> list[FeedFetch]:
    """A feed's last fetch outcomes, newest first (at most FETCH_HISTORY)."""
    return list(
        session.exec(
            select(FeedFetch)
            .where(FeedFetch.feed_id == feed_id)
            .order_by(col(FeedFetch.at).desc(), col(FeedFetch.id).desc())
            .limit(FETCH_HISTORY)
        ).all()
    )


def _due(now: datetime, ignore_schedule: bool) -> list[Any]:
    conditions = [
        col(Feed.active).is_(True),
        col(Feed.deleted_at).is_(None),
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
    only_id: int | None = None,
) -> ClaimedFeed | None:
    """Claim one due feed for `owner` until now + lease; None when nothing is left. Flushes.

    pledges.leases.claim_one: SKIP LOCKED on PostgreSQL, one conditional UPDATE
    on SQLite; the lease (committed by the caller) keeps the feed this poller's
    while it fetches. A lease that expires (its poller died) makes the feed
    claimable again.
    """
    conditions = _due(now, ignore_schedule)
    if skip_ids:
        conditions.append(col(Feed.id).not_in(sorted(skip_ids)))
    if only_id is not None:
        conditions.append(col(Feed.id) == only_id)
    feed_id = claim_one(
        session,
        Feed,
        conditions=conditions,
        order=(nulls_first(col(Feed.next_fetch_at)), col(Feed.id)),
        owner=owner,
        expires=now + lease,
    )
    if feed_id is None:
        return None
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
        outcome = FetchOutcome("error", error=exc.message, error_code=exc.code, result=result)
        if exc.code == "feed_not_a_feed" and looks_like_html(
            result.content, result.headers.get("content-type", "")
        ):
            outcome.alternates = find_alternates(result.content, result.url or claimed.url)
            outcome.error_code = "feed_is_a_page"
        return outcome
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
    if feed is None or feed.deleted_at is not None:  # deleted while we were fetching
        return FeedRunReport(claimed.id, "error", error="feed deleted during the fetch")
    report = FeedRunReport(
        id_of(feed), outcome.status, error=outcome.error, alternates=outcome.alternates
    )
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
        code, message = _warning(outcome.parsed, report.ingest)
        _succeeded(feed, FeedStatus.OK, now, warning=message, warning_code=code)
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
    report.outcome, report.code = outcome_of(feed)
    _remember(session, feed, report, now)
    session.flush()
    return report


def outcome_of(feed: Feed) -> tuple[str, str]:
    """(ok | unchanged | warning | error, code) of the feed's last fetch; ("", "") if never."""
    if feed.last_status is None:
        return "", ""
    if feed.last_status == FeedStatus.ERROR:
        return ERROR, feed.last_error_code or "feed_fetch_failed"
    if feed.last_error_code:
        return WARNING, feed.last_error_code
    if feed.last_status == FeedStatus.NOT_MODIFIED:
        return UNCHANGED, ""
    return OK, ""


def _warning(parsed: ParsedFeed, ingested: IngestReport) -> tuple[str, str]:
    """The warning code and English detail of a successful fetch, ("", "") when all was well."""
    if parsed.dropped:
        return FEED_TRUNCATED, f"document cut: {parsed.dropped} entry left out. {parsed.warning}"
    if not parsed.entries:
        return FEED_NO_ITEMS, parsed.warning or "the feed lists no entry"
    if parsed.warning:
        return FEED_MALFORMED, parsed.warning
    if ingested.over_limit:
        return FEED_ITEMS_DEFERRED, f"{ingested.over_limit} new entries left for a later fetch"
    return "", ""


def _remember(session: Session, feed: Feed, report: FeedRunReport, now: datetime) -> None:
    """Add this fetch to the feed's history, keeping the last FETCH_HISTORY."""
    session.add(
        FeedFetch(
            feed_id=id_of(feed),
            at=now,
            outcome=report.outcome,
            code=report.code,
            message=(feed.last_error or "")[:2000],
            new_items=report.ingest.new_items,
            alternates=report.alternates,
        )
    )
    session.flush()
    old = session.exec(
        select(FeedFetch.id)
        .where(FeedFetch.feed_id == feed.id)
        .order_by(col(FeedFetch.at).desc(), col(FeedFetch.id).desc())
        .offset(FETCH_HISTORY)
    ).all()
    if old:
        for fetch_row in session.exec(select(FeedFetch).where(col(FeedFetch.id).in_(old))).all():
            session.delete(fetch_row)


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
    _remember(
        session, feed, FeedRunReport(feed_id, "error", outcome=ERROR, code="feed_store_failed"), now
    )
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


def _succeeded(
    feed: Feed, status: FeedStatus, now: datetime, warning: str = "", warning_code: str = ""
) -> None:
    feed.last_status = status
    feed.last_error = warning  # a recoverable problem is recorded, not counted as an error
    feed.last_error_code = warning_code  # with last_status OK: a warning, not an error
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
    """Every feed not deleted, with its number of stored items (two queries)."""
    feeds = session.exec(
        select(Feed).where(col(Feed.deleted_at).is_(None)).order_by(col(Feed.id))
    ).all()
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
    rematch_days: int = 365

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
            rematch_days=int(config["FEEDS_REMATCH_DAYS"]),
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
    only_id: int | None = None,
) -> Iterator[FeedRunReport]:
    """Fetch every due feed once (all active ones with ignore_schedule), one transaction each.

    With only_id, that one feed now, whatever its schedule (the admin's "read now")."""
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
                    ignore_schedule=ignore_schedule or only_id is not None,
                    skip_ids=done,
                    only_id=only_id,
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
    on_catch_up: Callable[[CatchUpReport], None] | None = None,
) -> None:
    """Fetch feeds as they fall due, forever (or for `cycles` rounds); reports go to on_report."""
    owner = owner or poller_name()
    done_cycles = 0
    while True:
        caught_up = run_catch_up(engine, settings)
        if on_catch_up is not None and caught_up.pledges:
            on_catch_up(caught_up)
        for report in run_poller(engine, settings, owner=owner):
            on_report(report)
        beat(engine)
        done_cycles += 1
        if cycles and done_cycles >= cycles:
            return
        wait = seconds_until_next(engine, max_sleep, now=utc_now())
        if len(caught_up.pledges) >= PLEDGES_PER_ROUND:
            wait = min(wait, 1.0)  # more pledges wait for their catch-up: come back soon
        sleep(wait)


def run_catch_up(
    engine: Engine, settings: PollSettings, *, clock: Callable[[], datetime] = utc_now
) -> CatchUpReport:
    """One bounded catch-up batch in its own transaction (pledges.feeds.rematch.catch_up).

    Two pollers racing on one pledge: the second's insert collides on the
    (item, pledge) unique key and rolls back; its next round finds nothing to do.
    """
    with Session(engine, expire_on_commit=False) as session:
        try:
            report = catch_up(session, now=clock(), days=settings.rematch_days)
            session.commit()
        except IntegrityError:
            session.rollback()
            return CatchUpReport()
    return report


def read_feed_now(
    engine: Engine, settings: PollSettings, feed_id: int, *, owner: str | None = None
) -> FeedRunReport | None:
    """Fetch one feed at once (within the fetch deadline, same address guard), as the
    poller would; None when it cannot be claimed (paused, deleted, or being read)."""
    reports = list(run_poller(engine, settings, owner=owner or poller_name(), only_id=feed_id))
    return reports[0] if reports else None


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
            .where(
                col(Feed.active).is_(True),
                col(Feed.deleted_at).is_(None),
                col(Feed.next_fetch_at).is_not(None),
            )
            .order_by(col(Feed.next_fetch_at))
            .limit(1)
        ).first()
    if upcoming is None:
        return max_sleep
    wait = (upcoming - now).total_seconds()
    return min(max(wait, 0.01), max_sleep)
