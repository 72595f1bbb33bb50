"""`feeds add|fetch|list|items|suggestions|watch`: thin wrappers over pledges/ that commit.

The poll loop lives here because it is the transaction boundary: per feed, the
claim is committed, the network fetch runs with no transaction open, and the
result is stored and committed on its own, so one broken feed loses nothing of
the others (issue 3).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models import Feed
from models.db import utc_now
from pledges.errors import DomainError
from pledges.feeds import AddressGuard, make_client, user_agent_for
from pledges.ingest import build_keyword_index, list_feed_items, list_suggestions
from pledges.matching import KeywordIndex
from pledges.polling import (
    ClaimedFeed,
    FeedRunReport,
    FetchOutcome,
    add_feed,
    claim_next_feed,
    fetch_feed,
    list_feeds,
    record_failure,
    record_outcome,
)
from views.database import get_engine

feeds = AppGroup("feeds", help="News feeds: register, poll, and read items and suggestions.")

EXIT_REFUSED_URL = 2


@dataclass(frozen=True)
class PollSettings:
    allow_private: bool = False
    max_bytes: int = 5 * 1024 * 1024
    user_agent: str = "PledgeTracker-FeedPoller/1.0"
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    deadline_seconds: float = 60.0
    lease: timedelta = timedelta(minutes=10)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> PollSettings:
        # Timeouts are plain config keys (not environment settings): tests shorten them.
        return cls(
            allow_private=bool(config["FEEDS_ALLOW_PRIVATE"]),
            max_bytes=int(config["FEEDS_MAX_BYTES"]),
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
                outcome = FetchOutcome("error", error=f"unexpected error: {exc!r}"[:500])
            yield _store(engine, claimed, outcome, owner=owner, index=index, clock=clock)


def _store(
    engine: Engine,
    claimed: ClaimedFeed,
    outcome: FetchOutcome,
    *,
    owner: str,
    index: KeywordIndex,
    clock: Callable[[], datetime],
) -> FeedRunReport:
    with Session(engine, expire_on_commit=False) as session:
        try:
            report = record_outcome(
                session, claimed, outcome, owner=owner, index=index, now=clock()
            )
            session.commit()
            return report
        except Exception as exc:  # rolled back: record the failure alone, then go on
            session.rollback()
            error = f"could not store the fetched items: {exc!r}"[:500]
            record_failure(session, claimed.id, error, owner=owner, now=clock())
            session.commit()
            return FeedRunReport(claimed.id, "error", error=error)


def _echo_report(report: FeedRunReport) -> None:
    if report.status == "ok":
        line = _(
            "flux %(id)s : ok, %(new)s nouvel(s) article(s), %(dup)s déjà vu(s), "
            "%(sugg)s suggestion(s)",
            id=report.feed_id,
            new=report.ingest.new_items,
            dup=report.ingest.duplicates,
            sugg=report.ingest.suggestions,
        )
    elif report.status == "not_modified":
        line = _("flux %(id)s : inchangé (304)", id=report.feed_id)
    else:
        line = _("flux %(id)s : erreur : %(error)s", id=report.feed_id, error=report.error)
    if report.url_changed_to:
        line += " " + _("(adresse mise à jour : %(url)s)", url=report.url_changed_to)
    click.echo(line)


def _iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, or None."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _dump(rows: list[dict[str, Any]]) -> None:
    click.echo(json.dumps(rows, ensure_ascii=False, indent=2))


@feeds.command("add")
@click.argument("url")
@click.option("--name", default="", help="Name shown to editors.")
@click.option(
    "--interval",
    "interval",
    type=click.IntRange(min=1),
    default=60,
    show_default=True,
    help="Minutes between fetches.",
)
def add_command(url: str, name: str, interval: int) -> None:
    """Register a news feed (http/https, public address only)."""
    settings = PollSettings.from_config(current_app.config)
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            feed = add_feed(
                session,
                url,
                guard=settings.guard,
                name=name,
                interval_minutes=interval,
                actor="cli",
                now=utc_now(),
            )
        except DomainError as exc:
            click.echo(_("Erreur : %(message)s", message=exc.message), err=True)
            sys.exit(EXIT_REFUSED_URL)
        session.commit()
        click.echo(_("Flux %(id)s ajouté : %(url)s", id=feed.id, url=feed.url))


@feeds.command("fetch")
@click.option("--all", "fetch_all", is_flag=True, help="Ignore the schedule: fetch every feed.")
def fetch_command(fetch_all: bool) -> None:
    """Fetch every feed that is due, once, then exit (for cron or a systemd timer)."""
    settings = PollSettings.from_config(current_app.config)
    count = 0
    for report in run_poller(
        get_engine(), settings, owner=poller_name(), ignore_schedule=fetch_all
    ):
        _echo_report(report)
        count += 1
    click.echo(_("%(count)s flux traité(s).", count=count))


@feeds.command("watch")
@click.option(
    "--max-sleep",
    type=click.FloatRange(min=0.01),
    default=60.0,
    show_default=True,
    help="Longest wait between two looks at the schedule, in seconds.",
)
@click.option("--cycles", type=int, default=0, hidden=True, help="Stop after N cycles (tests).")
def watch_command(max_sleep: float, cycles: int) -> None:
    """A long-running loop that fetches feeds as they fall due."""
    settings = PollSettings.from_config(current_app.config)
    engine = get_engine()
    owner = poller_name()
    done_cycles = 0
    try:
        while True:
            for report in run_poller(engine, settings, owner=owner):
                _echo_report(report)
            done_cycles += 1
            if cycles and done_cycles >= cycles:
                return
            time.sleep(_seconds_until_next(engine, max_sleep))
    except KeyboardInterrupt:
        click.echo(_("Arrêt."))


def _seconds_until_next(engine: Engine, max_sleep: float) -> float:
    with Session(engine) as session:
        upcoming = session.exec(
            select(Feed.next_fetch_at)
            .where(Feed.active, col(Feed.next_fetch_at).is_not(None))
            .order_by(col(Feed.next_fetch_at))
            .limit(1)
        ).first()
    if upcoming is None:
        return max_sleep
    wait = (upcoming - utc_now()).total_seconds()
    return min(max(wait, 0.01), max_sleep)


@feeds.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_command(as_json: bool) -> None:
    """Feeds with their last status, errors and next fetch."""
    with Session(get_engine()) as session:
        rows = [
            {
                "id": feed.id,
                "url": feed.url,
                "name": feed.name,
                "items": items,
                "last_fetched_at": _iso(feed.last_fetched_at),
                "last_status": feed.last_status.value if feed.last_status else None,
                "last_error": feed.last_error,
                "error_count": feed.error_count,
                "next_fetch_at": _iso(feed.next_fetch_at),
            }
            for feed, items in list_feeds(session)
        ]
    if as_json:
        _dump(rows)
        return
    for row in rows:
        status = row["last_status"] or _("jamais récupéré")
        click.echo(f"{row['id']:>4}  {status:<13} {row['items']:>6}  {row['url']}")
        if row["last_error"]:
            click.echo(f"      {row['last_error']}")


@feeds.command("items")
@click.argument("feed_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def items_command(feed_id: int, as_json: bool) -> None:
    """The items stored for a feed."""
    with Session(get_engine()) as session:
        if session.get(Feed, feed_id) is None:
            raise click.ClickException(_("Aucun flux n°%(id)s.", id=feed_id))
        rows = [
            {
                "guid": item.guid,
                "link": item.link,
                "title": item.title,
                "published_at": _iso(item.published_at),
                "summary_html": item.summary_html,
            }
            for item in list_feed_items(session, feed_id)
        ]
    if as_json:
        _dump(rows)
        return
    for row in rows:
        click.echo(f"{row['published_at'] or '-':<21} {row['title']}  {row['link']}")


@feeds.command("suggestions")
@click.option("--pledge", "pledge_id", type=int, default=None, help="Only this pledge.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def suggestions_command(pledge_id: int | None, as_json: bool) -> None:
    """News items matched to pledges."""
    with Session(get_engine()) as session:
        rows: list[dict[str, Any]] = [
            {
                "pledge_id": suggestion.pledge_id,
                "item_link": item.link,
                "item_title": item.title,
                "published_at": _iso(item.published_at),
                "matched_terms": list(suggestion.matched_terms),
                "state": suggestion.state.value,
            }
            for suggestion, item in list_suggestions(session, pledge_id=pledge_id)
        ]
    if as_json:
        _dump(rows)
        return
    for row in rows:
        terms = ", ".join(row["matched_terms"])
        click.echo(f"#{row['pledge_id']:<5} [{row['state']}] {row['item_title']} ({terms})")


def register(app: Flask) -> None:
    app.cli.add_command(feeds)
