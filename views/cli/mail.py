"""`mail send-digests`: today's daily digests (for cron; the poller runs it once a day too)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlmodel import Session

from models.db import utc_now
from views.database import get_engine
from views.mail import mail_enabled, send_digests

mail = AppGroup("mail", help="Outgoing mail: daily digests.")


def run_digests(app: Flask) -> tuple[int, int]:
    """Send today's digests inside a request context (views.urls builds links on SITE_URL)."""
    with app.test_request_context("/"):
        if not mail_enabled():
            return 0, 0
        with Session(get_engine(), expire_on_commit=False) as session:
            return send_digests(session)


@mail.command("send-digests")
def send_digests_command() -> None:
    """Send today's digests; at most one per person and day (safe to run hourly)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the real app
    if not app.config.get("MAIL_URL"):
        click.echo(_("MAIL_URL n'est pas défini : aucun courriel envoyé."))
        return
    sent, checked = run_digests(app)
    click.echo(
        ngettext("%(num)d récapitulatif envoyé", "%(num)d récapitulatifs envoyés", sent)
        + ", "
        + ngettext("%(num)d compte examiné.", "%(num)d comptes examinés.", checked)
    )


def register(app: Flask) -> None:
    app.cli.add_command(mail)


# The poller sends the day's digests at its first round from this local hour on.
DIGEST_HOUR = 7


class DailyDigests:
    """A `sleep` for pledges.feeds.polling.watch that first sends the day's digests, once.

    Once a day per process (and once per person and day whatever runs it, since
    send_digests records it); a mail failure is logged and never stops the poller.
    """

    def __init__(
        self,
        app: Flask,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.app = app
        self.sleep = sleep
        self.clock = clock
        self.done_on: date | None = None

    def __call__(self, seconds: float) -> None:
        if self.app.config.get("MAIL_URL"):
            local = self.clock().astimezone(ZoneInfo(self.app.config["SITE_TIMEZONE"]))
            if local.hour >= DIGEST_HOUR and self.done_on != local.date():
                self.done_on = local.date()
                try:
                    sent, _checked = run_digests(self.app)
                    self.app.logger.info("digests: %s sent", sent)
                except Exception:  # SMTP down, etc.: tomorrow's round tries again
                    self.app.logger.exception("digests could not be sent")
        self.sleep(seconds)
