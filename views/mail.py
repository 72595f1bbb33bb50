"""Mail: SMTP settings from MAIL_URL, messages rendered from Jinja templates, sending.

Off by default (MAIL_URL empty): nothing is sent and every flow works without
it (invitation and reset links are then shown to an admin to hand over).
pledges.mail decides who gets which digest; this module renders and sends.

Every message has a plain-text and an HTML part, in the recipient's language,
with links made absolute on SITE_URL. No tracking: no pixel, no remote image,
no redirecting or tagged link.
"""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from datetime import datetime, time
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from flask import Flask, current_app, render_template
from flask_babel import force_locale
from flask_mailman import EmailMultiAlternatives, Mail
from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Session

from models import User
from models.db import utc_now
from pledges import mail as digests
from views.labels import site_zone
from views.urls import absolute_url, site_authority

mailer = Mail()
UNSUBSCRIBE_SALT = "digest-unsubscribe"
_TRUE = {"1", "true", "yes", "on"}


def parse_mail_url(url: str) -> dict[str, Any]:
    """Flask-Mailman settings from `smtp://user:pass@host:587?starttls=1` or `smtps://host`.

    smtp:// is plain SMTP (port 25 unless given), upgraded with STARTTLS when
    `?starttls=1`; smtps:// or `?ssl=1` is SMTP over TLS (port 465 unless given).
    """
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ValueError("MAIL_URL must look like smtp://user:password@host:587?starttls=1")
    query = {k: v[-1].lower() for k, v in parse_qs(parts.query).items()}
    ssl = parts.scheme == "smtps" or query.get("ssl") in _TRUE
    starttls = query.get("starttls") in _TRUE or query.get("tls") in _TRUE
    if ssl and starttls:
        raise ValueError("MAIL_URL: choose either TLS (smtps:// or ssl=1) or starttls=1")
    return {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": parts.hostname,
        "MAIL_PORT": parts.port or (465 if ssl else 25),
        "MAIL_USERNAME": unquote(parts.username) if parts.username else None,
        "MAIL_PASSWORD": unquote(parts.password) if parts.password else None,
        "MAIL_USE_SSL": ssl,
        "MAIL_USE_TLS": starttls,
        "MAIL_TIMEOUT": 15,  # seconds: a stuck server must not hold a request or the poller
    }


def init_mail(app: Flask) -> None:
    """Configure Flask-Mailman from MAIL_URL (refusing a malformed one at start-up)."""
    url = app.config.get("MAIL_URL") or ""
    if url:
        app.config.update(parse_mail_url(url))
    mailer.init_app(app)


def mail_enabled() -> bool:
    return bool(current_app.config.get("MAIL_URL"))


def _language(user: User | None, fallback: str = "fr") -> str:
    language = user.language if user is not None else fallback
    return language if language in current_app.config["LANGUAGES"] else "fr"


def send(
    to: str,
    *,
    template: str,
    language: str,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> bool:
    """Render mail/<template>.txt and .html in `language` and send; False when mail is off.

    The subject is the template's `subject` block (first line of mail/<template>.subject.txt).
    """
    if not mail_enabled():
        return False
    with force_locale(language):
        home = absolute_url("public.scoreboard", lang=language)
        context = {**context, "lang": language, "home": home}
        subject = render_template(f"mail/{template}.subject.txt", **context).strip()
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", **context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        from_email=current_app.config.get("MAIL_FROM") or f"noreply@{site_authority()}",
        body=text,
        to=[to],
        headers=dict(headers or {}),
    )
    message.attach_alternative(html, "text/html")
    connection = message.get_connection()
    try:
        message.send()
    finally:
        # The backend closes its connection only when sending succeeds: a refused
        # recipient would otherwise leave the SMTP socket open.
        connection.close()
    return True


def send_invitation(email: str, token: str, *, language: str, inviter: User | None) -> bool:
    link = absolute_url("auth.invitation", token=token, lang=language)
    return send(
        email,
        template="invitation",
        language=language,
        link=link,
        inviter=inviter.display_name if inviter is not None else "",
    )


def send_password_reset(user: User, token: str, *, by_admin: bool = False) -> bool:
    """The reset link; `by_admin`: an admin made it (valid a day, not asked by the person)."""
    language = _language(user)
    link = absolute_url("auth.reset_password", token=token, lang=language)
    return send(
        user.email, template="reset", language=language, link=link, user=user, by_admin=by_admin
    )


# --- Digests ---------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user: User) -> str:
    """A signed, permanent token naming the account (unsubscribing needs no login)."""
    return _serializer().dumps(user.id)


def unsubscribe_user_id(token: str) -> int | None:
    if not token or len(token) > 200:
        return None
    try:
        value = _serializer().loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) else None


def send_digest(digest: digests.Digest) -> bool:
    user = digest.user
    language = _language(user)
    unsubscribe = absolute_url("auth.unsubscribe", token=unsubscribe_token(user), lang=language)
    headers = {
        # RFC 2369 and RFC 8058: mail clients offer a one-click unsubscribe (a POST).
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return send(
        user.email,
        template="digest",
        language=language,
        headers=headers,
        digest=digest,
        unsubscribe=unsubscribe,
        contributions=absolute_url("volunteer.contributions", lang=language),
        moderation=absolute_url("admin.moderation", lang=language),
        pledge_url=lambda pledge_id: absolute_url(
            "public.pledge", pledge_id=pledge_id, lang=language
        ),
    )


def day_start(now: datetime) -> datetime:
    """The start of `now`'s day in the site's zone, as a UTC instant."""
    zone = site_zone()
    local = now.astimezone(zone)
    start = datetime.combine(local.date(), time(0), tzinfo=zone)
    return start.astimezone(now.tzinfo) if now.tzinfo else start


def send_digests(session: Session, *, now: datetime | None = None) -> tuple[int, int]:
    """Today's digests, once per person and day; returns (sent, checked).

    Each person is claimed and committed before their mail goes out, so a failure
    half-way sends nobody twice, and neither does a poller on another machine
    running the same round (it finds the person claimed and skips them).
    Nothing happens when mail is off (and no one is marked as done).
    """
    if not mail_enabled():
        return 0, 0
    now = now or utc_now()
    start = day_start(now)
    sent = checked = 0
    for user in digests.due_recipients(session, day_start=start):
        previous = user.last_digest_at
        digest = digests.build_digest(session, user, now=now)
        checked += 1
        won = digests.claim_digest(session, user, day_start=start, now=now)
        session.commit()
        if not won or digest.empty:
            continue
        try:
            send_digest(digest)
            sent += 1
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError):
            # This message was refused (a dead address...): logged, and the person
            # counts as done, so that one address never blocks everyone after it.
            current_app.logger.warning("digest refused for account %s", user.id)
        except Exception:
            # A server that cannot be reached stops the round: this person's claim
            # is given back (those not reached yet were never claimed), and the
            # next round tries again.
            digests.release_digest(session, user, previous=previous, claimed_at=now)
            session.commit()
            raise
    return sent, checked
