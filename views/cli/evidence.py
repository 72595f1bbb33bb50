"""`evidence archive|check-links`: archived copies of cited pages and link checks (cron, or
the poller: `ArchiveRounds` archives after every round, `DailyLinkChecks` checks once a day).

Thin wrappers over pledges.archive, which owns one transaction per page.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlmodel import Session

from models.db import utc_now
from pledges.archive import ArchiveSettings
from pledges.archive.jobs import JobReport, reopen, run_archiver, run_enqueue
from pledges.archive.links import CheckReport, check_links
from pledges.feeds.polling import poller_name
from views.database import get_engine
from views.error_messages import archive_reason
from views.labels import link_status_label

evidence = AppGroup("evidence", help="Evidence: archived copies of cited pages, link checks.")

EXIT_UNKNOWN_ID = 2
# On demand, every item is enqueued (MAX_ENQUEUE per transaction), up to this bound.
MAX_ENQUEUE_ROUNDS = 10_000
# What the poller gives archiving and link checks per round, in seconds, so
# feeds keep being read on time; what is left waits for the next round.
ARCHIVE_SECONDS_PER_ROUND = 60.0
LINK_CHECK_SECONDS_PER_DAY = 1800.0


def _echo_job(report: JobReport) -> None:
    item = report.evidence_id
    if report.outcome == "archived":
        line = _("preuve %(id)s : archivée (copie %(copy)s)", id=item, copy=report.snapshot_id)
    elif report.outcome == "retry":
        line = _(
            "preuve %(id)s : nouvel essai plus tard (%(reason)s)",
            id=item,
            reason=archive_reason(report.code),
        )
    elif report.outcome == "lost":
        line = _("preuve %(id)s : reprise par un autre processus", id=item)
    else:
        line = _(
            "preuve %(id)s : non archivée (%(reason)s)", id=item, reason=archive_reason(report.code)
        )
    click.echo(line)


def _echo_check(report: CheckReport) -> None:
    status = link_status_label(report.status)
    click.echo(
        _(
            "preuve %(id)s : %(status)s (%(detail)s) %(url)s",
            id=report.evidence_id,
            status=status,
            detail=report.detail,
            url=report.url,
        )
    )


@evidence.command("archive")
@click.option(
    "--missing",
    is_flag=True,
    help="Every item without an archived copy, now (refused and failed ones tried again).",
)
@click.option("--id", "evidence_id", type=click.IntRange(min=1), help="This item, now.")
def archive_command(missing: bool, evidence_id: int | None) -> None:
    """Archive cited pages: due ones, every missing one, or one item (then exit)."""
    settings = ArchiveSettings.from_config(current_app.config)
    engine = get_engine()
    now = utc_now()
    run_enqueue(engine, now=now, evidence_id=evidence_id, rounds=MAX_ENQUEUE_ROUNDS)
    with Session(engine) as session:
        reopened = reopen(session, now=now, evidence_id=evidence_id, unarchived=missing)
        session.commit()
    if evidence_id is not None and not reopened:
        click.echo(
            _("Erreur : aucune preuve soumise ou publiée n'a le numéro %(id)s.", id=evidence_id),
            err=True,
        )
        sys.exit(EXIT_UNKNOWN_ID)
    counts = {"archived": 0, "refused": 0, "failed": 0, "retry": 0, "lost": 0}
    for report in run_archiver(
        engine,
        settings,
        owner=poller_name(),
        ignore_schedule=missing or evidence_id is not None,
        only_evidence=[evidence_id] if evidence_id is not None else None,
    ):
        _echo_job(report)
        counts[report.outcome] += 1
    click.echo(
        _(
            "%(archived)s archivée(s), %(refused)s refusée(s), %(failed)s en échec, "
            "%(retry)s à réessayer.",
            archived=counts["archived"],
            refused=counts["refused"],
            failed=counts["failed"],
            retry=counts["retry"],
        )
    )


@evidence.command("check-links")
@click.option("--all", "check_all", is_flag=True, help="Ignore the schedule: check every link.")
def check_links_command(check_all: bool) -> None:
    """Check cited links (ok, moved, gone, changed), politely, then exit (for cron)."""
    settings = ArchiveSettings.from_config(current_app.config)
    count = 0
    for report in check_links(get_engine(), settings, check_all=check_all):
        _echo_check(report)
        count += 1
    click.echo(_("%(count)s lien(s) vérifié(s).", count=count))


def register(app: Flask) -> None:
    app.cli.add_command(evidence)


class ArchiveRounds:
    """A `sleep` for pledges.feeds.polling.watch that first archives what is due.

    Within ARCHIVE_SECONDS_PER_ROUND; when jobs are left, the sleep is cut short
    so the next round comes soon. A failure is logged and never stops the poller.
    """

    def __init__(
        self,
        app: Flask,
        sleep: Callable[[float], None] = time.sleep,
        budget: float = ARCHIVE_SECONDS_PER_ROUND,
    ) -> None:
        self.app = app
        self.sleep = sleep
        self.budget = budget
        self.owner = poller_name()

    def __call__(self, seconds: float) -> None:
        left_over = False
        try:
            settings = ArchiveSettings.from_config(self.app.config)
            engine = self.app.extensions["db_engine"]
            run_enqueue(engine, now=utc_now())
            started = time.monotonic()
            for report in run_archiver(engine, settings, owner=self.owner, max_seconds=self.budget):
                self.app.logger.info("archive: evidence %s %s", report.evidence_id, report.outcome)
            left_over = time.monotonic() - started > self.budget
        except Exception:  # the database or the disk: the next round tries again
            self.app.logger.exception("archiving failed")
        self.sleep(min(seconds, 1.0) if left_over else seconds)


class DailyLinkChecks:
    """A `sleep` for watch that checks the due links once a day (like DailyDigests)."""

    def __init__(
        self,
        app: Flask,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = utc_now,
        budget: float = LINK_CHECK_SECONDS_PER_DAY,
    ) -> None:
        self.app = app
        self.sleep = sleep
        self.clock = clock
        self.budget = budget
        self.done_on: date | None = None

    def __call__(self, seconds: float) -> None:
        local = self.clock().astimezone(ZoneInfo(self.app.config["SITE_TIMEZONE"]))
        if self.done_on != local.date():
            self.done_on = local.date()
            try:
                settings = ArchiveSettings.from_config(self.app.config)
                count = sum(
                    1
                    for _report in check_links(
                        self.app.extensions["db_engine"], settings, max_seconds=self.budget
                    )
                )
                self.app.logger.info("link checks: %s checked", count)
            except Exception:  # tomorrow's round tries again
                self.app.logger.exception("link checks failed")
        self.sleep(seconds)
