"""`feeds add|fetch|list|items|suggestions|watch`: thin wrappers over pledges.feeds that commit.

Commands parse their arguments and call pledges/; the poll loop itself, with its
one transaction per feed, is pledges.feeds.polling.run_poller and watch.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlmodel import Session

from models import Feed
from models.db import utc_now
from pledges.errors import DomainError
from pledges.feeds.ingest import list_feed_items
from pledges.feeds.polling import (
    FeedRunReport,
    PollSettings,
    add_feed,
    beat,
    list_feeds,
    poller_name,
    run_catch_up,
    run_poller,
    watch,
)
from pledges.feeds.rematch import CatchUpReport
from pledges.feeds.review import list_suggestions
from views.cli.evidence import ArchiveRounds, DailyLinkChecks
from views.cli.mail import DailyDigests
from views.database import get_engine
from views.error_messages import code_message

feeds = AppGroup("feeds", help="News feeds: register, poll, and read items and suggestions.")

EXIT_REFUSED_URL = 2


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
    if report.ingest.over_limit:
        line += " " + _(
            "(%(count)s article(s) au-delà de FEEDS_MAX_ITEMS, pour un prochain passage)",
            count=report.ingest.over_limit,
        )
    if report.url_changed_to:
        line += " " + _("(adresse mise à jour : %(url)s)", url=report.url_changed_to)
    click.echo(line)


def _echo_catch_up(report: CatchUpReport) -> None:
    click.echo(
        _(
            "rattrapage : %(pledges)s engagement(s) comparé(s) à %(items)s article(s) "
            "enregistré(s), %(sugg)s nouvelle(s) suggestion(s)",
            pledges=len(report.pledges),
            items=report.items_scanned,
            sugg=report.suggestions,
        )
    )


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
    caught_up = run_catch_up(get_engine(), settings)
    if caught_up.pledges:
        _echo_catch_up(caught_up)
    count = 0
    for report in run_poller(
        get_engine(), settings, owner=poller_name(), ignore_schedule=fetch_all
    ):
        _echo_report(report)
        count += 1
    beat(get_engine())  # /healthz: the poller's last round, from cron too
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
    try:
        # Daily digests ride on the poller (views/cli/mail.py): once a day, before a sleep;
        # so do archiving (after every round) and link checks (once a day), views/cli/evidence.py.
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        digests = ArchiveRounds(app, sleep=DailyLinkChecks(app, sleep=DailyDigests(app)))
        watch(
            get_engine(),
            settings,
            on_report=_echo_report,
            on_catch_up=_echo_catch_up,
            max_sleep=max_sleep,
            cycles=cycles,
            sleep=digests,
        )
    except KeyboardInterrupt:
        click.echo(_("Arrêt."))


@feeds.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_command(as_json: bool) -> None:
    """Feeds with their last status, errors and next fetch."""
    with Session(get_engine()) as session:
        listed = list_feeds(session)
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
            for feed, items in listed
        ]
    if as_json:
        _dump(rows)
        return
    # The text listing speaks the site's language; the JSON keeps its contracted fields.
    for (feed, _items), row in zip(listed, rows, strict=True):
        status = row["last_status"] or _("jamais récupéré")
        click.echo(f"{row['id']:>4}  {status:<13} {row['items']:>6}  {row['url']}")
        if code := feed.last_error_code:
            click.echo(f"      {code_message(code)}")
        elif row["last_error"]:  # a warning of a successful fetch (English, technical)
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
    """News items matched to pledges, in every state, in the volunteer queue's order."""
    with Session(get_engine()) as session:
        rows: list[dict[str, Any]] = [
            {
                "pledge_id": row.suggestion.pledge_id,
                "item_link": row.item.link,
                "item_title": row.item.title,
                "published_at": _iso(row.item.published_at),
                "matched_terms": list(row.suggestion.matched_terms),
                "state": row.suggestion.state.value,
            }
            for row in list_suggestions(session, pledge_id=pledge_id, state=None, limit=None)
        ]
    if as_json:
        _dump(rows)
        return
    for row in rows:
        terms = ", ".join(row["matched_terms"])
        click.echo(f"#{row['pledge_id']:<5} [{row['state']}] {row['item_title']} ({terms})")


def register(app: Flask) -> None:
    app.cli.add_command(feeds)
