"""Request-scoped database session and the page-or-fragment decision shared by views."""

from __future__ import annotations

from datetime import date

from flask import Flask, current_app, g, request, url_for
from flask_babel import format_date, get_locale, lazy_gettext
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.db import MAX_DB_ID, make_engine, utc_now
from models.enums import EvidenceKind, PledgeStatus, Stance
from pledges.text import render_markdown


def init_db(app: Flask) -> None:
    """One engine per app; a session per request, closed on teardown."""
    app.extensions["db_engine"] = make_engine(app.config["DATABASE_URL"])
    app.teardown_appcontext(_close_session)


def get_engine() -> Engine:
    return current_app.extensions["db_engine"]


def db_session() -> Session:
    """The session of this request (or CLI app context), created on first use."""
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    """End the request's session: whatever was not committed is rolled back, here only.

    Views commit on success and never roll back themselves: a refused write
    (a DomainError shown as a form error, or an unhandled exception) leaves
    its uncommitted changes to this rollback.
    """
    session = g.pop("db_session", None)
    if session is None:
        return
    try:
        session.rollback()
    finally:
        session.close()


def parse_id(raw: str | None) -> int | None:
    """A positive database id from text, else None.

    Only ASCII digits: str.isdigit() also accepts "²", which int() refuses.
    """
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if 0 < value <= MAX_DB_ID else None


def wants_fragment(target: str) -> bool:
    """True when htmx asks for the element `target` alone.

    Boosted requests and history restores want the whole page, so a
    back-button after a cache miss or a reload never shows a bare fragment.
    """
    htmx = request.htmx
    return bool(
        htmx and htmx.target == target and not htmx.boosted and not htmx.history_restore_request
    )


# Labels of stored enum values, in French (the source language), translated by
# the catalogue. Templates call them through the globals registered below.
STATUS_LABELS = {
    PledgeStatus.KEPT: lazy_gettext("Tenu"),
    PledgeStatus.BROKEN: lazy_gettext("Rompu"),
    PledgeStatus.PENDING: lazy_gettext("En attente"),
}
KIND_LABELS = {
    EvidenceKind.COUNCIL_DELIBERATION: lazy_gettext("délibération du conseil municipal"),
    EvidenceKind.MUNICIPAL_ORDER: lazy_gettext("arrêté municipal"),
    EvidenceKind.BUDGET_LINE: lazy_gettext("ligne budgétaire"),
    EvidenceKind.PUBLIC_CONTRACT: lazy_gettext("marché public"),
    EvidenceKind.COUNCIL_VOTE: lazy_gettext("vote du conseil"),
    EvidenceKind.OFFICIAL_STATEMENT: lazy_gettext("déclaration officielle"),
    EvidenceKind.PRESS_ARTICLE: lazy_gettext("article de presse"),
    EvidenceKind.FIELD_OBSERVATION: lazy_gettext("observation de terrain"),
}
STANCE_LABELS = {
    Stance.KEPT: lazy_gettext("va dans le sens d'un engagement tenu"),
    Stance.BROKEN: lazy_gettext("va dans le sens d'un engagement rompu"),
    Stance.CONTEXT: lazy_gettext("contexte"),
}


# Names of the themes the demo data and most lists use; any other theme slug is
# shown as words ("mobilite-douce" → "Mobilite douce").
THEME_LABELS = {
    "video-surveillance": lazy_gettext("Vidéosurveillance"),
    "transparence": lazy_gettext("Transparence"),
    "police-predictive": lazy_gettext("Police prédictive"),
    "climat": lazy_gettext("Climat"),
    "logement": lazy_gettext("Logement"),
    "ecole": lazy_gettext("École"),
    "culture": lazy_gettext("Culture"),
    "sport": lazy_gettext("Sport"),
    "democratie-locale": lazy_gettext("Démocratie locale"),
}


def long_date(value: date) -> str:
    """A date in words; French writes the first of the month "1er" ("1er avril 2022")."""
    text = format_date(value, "long")
    if value.day == 1 and str(get_locale()) == "fr" and text.startswith("1 "):
        return "1er " + text[2:]
    return text


def theme_label(theme: str) -> str:
    label = THEME_LABELS.get(theme)
    return str(label) if label else theme.replace("-", " ").replace("_", " ").capitalize()


def status_label(status: PledgeStatus | str) -> str:
    return str(STATUS_LABELS[PledgeStatus(status)])


def kind_label(kind: EvidenceKind | str) -> str:
    return str(KIND_LABELS[EvidenceKind(kind)])


def stance_label(stance: Stance | str) -> str:
    return str(STANCE_LABELS[Stance(stance)])


def today() -> date:
    """The date that decides "overdue" (UTC, like every stored time)."""
    return utc_now().date()


def is_anonymous_request() -> bool:
    """No session (or remember-me) cookie: the request comes from an anonymous visitor.

    Anonymous visitors never get a cookie, so a request without one cannot be
    logged in, and its response may be shared (page cache, public HTTP caching).
    """
    names = {
        current_app.config["SESSION_COOKIE_NAME"],
        current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token"),
    }
    return not any(name in request.cookies for name in names)


def lang_url(code: str) -> str:
    """The current page in another language (the choice travels in the URL, never a cookie)."""
    args = {k: v for k, v in request.args.items(multi=False) if k != "lang"}
    if request.url_rule is not None and request.endpoint and request.method == "GET":
        values = dict(request.view_args or {})
        values.update(args)
        values["lang"] = code
        return url_for(request.endpoint, **values)
    return url_for("public.scoreboard", lang=code)


def colon() -> str:
    """A label's colon as each language writes it: "Tenu\u00a0: 3" but "Kept: 3"."""
    return "\u00a0:" if str(get_locale()) == "fr" else ":"


def register_template_helpers(app: Flask) -> None:
    """Labels and URL helpers shared by every template (public pages, widget, admin)."""
    app.add_template_global(status_label)
    app.add_template_global(theme_label)
    app.add_template_filter(long_date)
    app.add_template_global(kind_label)
    app.add_template_global(stance_label)
    app.add_template_global(lang_url)
    app.add_template_global(today)
    app.add_template_global(get_locale)
    app.add_template_global(colon)
    app.add_template_filter(render_markdown, "markdown")
