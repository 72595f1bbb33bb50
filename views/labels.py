"""Words and dates shown to people: labels of stored values, dates in words, the day that counts.

French is the source language; the catalogue translates. Templates reach these
through the globals registered by views.templating. Times are stored in UTC and
shown in the site's zone (SITE_TIMEZONE), which is also the zone of "today".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.dates import get_datetime_format, get_timezone_location
from flask import current_app, g, has_app_context, request, url_for
from flask_babel import format_date, format_time, get_locale, gettext, lazy_gettext
from markupsafe import Markup, escape

from models.db import utc_now
from models.enums import EvidenceKind, PledgeStatus, Stance
from pledges.themes import theme_names
from views import request_locale
from views.database import db_session, read_per_version
from views.request_locale import locale_code
from views.urls import path_for

# Labels of stored enum values, in French (the source language), translated by
# the catalogue.
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

# A cited link's last check (pledges.archive.links); the stored values are the API's.
LINK_STATUS_LABELS = {
    "ok": lazy_gettext("en ligne"),
    "moved": lazy_gettext("déplacé"),
    "gone": lazy_gettext("lien mort"),
    "changed": lazy_gettext("modifié"),
}


# Fallback names of the themes the demo data uses, for a theme slug that the
# theme table does not name (data older than the table); any other slug is
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
    """A date in words; French writes the first of the month "1er" ("1er avril 2022").

    An instant (datetime) is first put in the site's zone, so "1er" follows the local day.
    """
    if isinstance(value, datetime):
        value = value.astimezone(site_zone())
    return _long_date(value.year, value.month, value.day, _date_language())


def _date_language() -> str:
    """The current language's code; Babel's French outside an app context (a script)."""
    return locale_code() if has_app_context() else "fr"


# A page shows tens of dates, mostly the same few hundred across the site: each
# (day, language) is formatted by Babel once per worker. Keyed by the language's code,
# a string: a babel Locale hashes and compares in Python, on every lookup.
# Bounded: entries are tiny.
@lru_cache(maxsize=8192)
def _long_date(year: int, month: int, day: int, code: str) -> str:
    text = babel_format_date(date(year, month, day), "long", locale=code)
    if day == 1 and code == "fr" and text.startswith("1 "):
        return "1er " + text[2:]
    return text


def theme_label(theme: str) -> str:
    """A theme's name in the reader's language: its English name when set, else French."""
    names = _theme_names()
    found = names.get(theme)
    if found is not None:  # the usual case, first
        name_fr, name_en = found
        return name_en if name_en and locale_code() == "en" else name_fr
    return _theme_fallback(theme, locale_code())


@lru_cache(maxsize=1024)
def _theme_fallback(theme: str, _locale: str) -> str:
    """The name of a theme the table does not name: the demo's label, else its words."""
    label = THEME_LABELS.get(theme)
    return (
        str(label) if label is not None else theme.replace("-", " ").replace("_", " ").capitalize()
    )


def _theme_names() -> dict[str, tuple[str, str]]:
    """Every theme's names, read once per request (one statement, tens of rows), and
    on public answers once per data version."""
    names = g.get("theme_names")
    if names is None:
        names = read_per_version("theme_names", lambda: theme_names(db_session()))
        g.theme_names = names
    return names


def status_label(status: PledgeStatus | str) -> str:
    return _label("status", PledgeStatus(status), locale_code())


# The labels' tables, by name (for _label's cache key).
_LABELS: dict[str, Mapping[Any, Any]] = {
    "status": STATUS_LABELS,
    "kind": KIND_LABELS,
    "stance": STANCE_LABELS,
    "link": LINK_STATUS_LABELS,
}


@lru_cache(maxsize=256)
def _label(table: str, key: object, _locale: str) -> str:
    """A label in a language, translated once per worker (a list shows the same few
    labels on every row; the catalogue never changes while the worker runs)."""
    return str(_LABELS[table][key])


def status_badge(status: PledgeStatus | str) -> Markup:
    """A status as its icon and its word (`_macros.html` status_badge): the same three
    snippets on every row of a list, so each is built once per language and site root."""
    return _badge(PledgeStatus(status).value, locale_code(), request.script_root)


def overdue_mark() -> Markup:
    """The "deadline passed" mark shown beside a pending status."""
    return _badge("overdue", locale_code(), request.script_root)


def date_html(value: date | None) -> Markup:
    """A date in words in a <time> element (templates' `date`); nothing for no date.

    Pages repeat the same days: each (day, language) is written once per worker. An
    instant (datetime) is written in the site's zone by long_date, uncached.
    """
    if not value:
        return Markup("")
    if isinstance(value, datetime):
        return DATE.format(iso=value.isoformat(), day=long_date(value))
    return _date_html(value, _date_language())


@lru_cache(maxsize=8192)
def _date_html(value: date, _code: str) -> Markup:
    return DATE.format(iso=value.isoformat(), day=long_date(value))


DATE = Markup('<time datetime="{iso}">{day}</time>')  # noqa: S704  (escaped values only)


class Linkable(Protocol):
    @property
    def slug(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def election(self) -> Any: ...


def candidate_link(candidate: Linkable) -> Markup:
    """A link to a candidate's page, named (templates' `candidate_link`; boards have one
    per row)."""
    href = path_for("public.candidate", election=candidate.election.slug, candidate=candidate.slug)
    # escape() and an f-string: Markup.format goes through string.Formatter, in Python.
    return Markup(f'<a href="{escape(href)}">{escape(candidate.name)}</a>')  # noqa: S704


class HasStatus(Protocol):
    @property
    def status(self) -> PledgeStatus: ...
    @property
    def status_since(self) -> date | None: ...
    def is_overdue(self, today: date) -> bool: ...


def status_line(pledge: HasStatus, today: date) -> Markup:
    """A pledge's status, the date it holds since and the overdue mark beside it, never
    instead of it (templates' `status_line`): lists repeat the same few lines, so each
    (status, date, overdue) is written once per language and script root."""
    return status_line_maker(today)(pledge)


def status_line_maker(today: date) -> Callable[[HasStatus], Markup]:
    """`status_line` for the rows of one list: the language and script root read once
    for the list, not per row (a widget has up to a hundred)."""
    locale, script_root = locale_code(), request.script_root

    def line(pledge: HasStatus) -> Markup:
        return _status_line(
            PledgeStatus(pledge.status).value,
            pledge.status_since,
            pledge.is_overdue(today),
            locale,
            script_root,
        )

    return line


@lru_cache(maxsize=4096)
def _status_line(
    status: str, since: date | None, overdue: bool, _locale: str, _script_root: str
) -> Markup:
    # The key names what the line depends on; the helpers read the language again.
    parts = [STATUS_LINE_START, status_badge(status)]
    if since:
        # A translation is markup, as Jinja's gettext treats it (never a visitor's text).
        words = Markup(gettext("depuis le"))  # noqa: S704
        parts.append(Markup(" ") + SINCE.format(words=words, day=date_html(since)))
    if overdue:
        parts += [Markup(" "), overdue_mark()]
    parts.append(STATUS_LINE_END)
    return Markup("").join(parts)


STATUS_LINE_START = Markup('<span class="status-line">')  # noqa: S704  (constants)
STATUS_LINE_END = Markup("</span>")  # noqa: S704
SINCE = Markup('<span class="since">{words} {day}</span>')  # noqa: S704


# Fixed markup; only escaped values (`Markup.format` escapes) go into it.
BADGE = Markup(  # noqa: S704  (a constant, no input)
    '<span class="{css}"><img class="status-icon" src="{icon}" alt="" width="16" height="16">'
    " {text}</span>"
)


@lru_cache(maxsize=64)
def _badge(name: str, _locale: str, _script_root: str) -> Markup:
    # The key names what the snippet depends on; url_for and gettext read them again.
    icon = url_for("static", filename=f"img/status-{name}.svg")
    if name == "overdue":
        return BADGE.format(css="overdue", icon=icon, text=gettext("Échéance dépassée"))
    return BADGE.format(css=f"status status-{name}", icon=icon, text=status_label(name))


def counts_bar(counts: StatusCounts) -> Markup:
    """The decorative bar of a row's counts (templates' `counts_bar`), hidden from
    assistive tech (the counts are in the text beside it): the same few shapes on every
    board, each drawn once per worker."""
    return _bar(int(counts.kept), int(counts.broken), int(counts.pending))


BAR = Markup(  # noqa: S704  (a constant, no input)
    '<svg class="bar" aria-hidden="true" focusable="false" viewBox="0 0 100 10"'
    ' preserveAspectRatio="none" width="160" height="14">{rects}</svg>'
)


@lru_cache(maxsize=4096)
def _bar(kept: int, broken: int, pending: int) -> Markup:
    # Shares as CandidateCounts.share computes them; SVG geometry attributes, not
    # style attributes, so the strict CSP holds. Integers and fixed words only.
    total = kept + broken + pending
    if not total:
        return BAR.format(
            rects=Markup('<rect class="bar-empty" x="0" y="0" width="100" height="10"/>')
        )  # noqa: S704
    rects, x = [], 0.0
    for status, number in (("kept", kept), ("broken", broken), ("pending", pending)):
        share = 100.0 * number / total
        if share > 0:
            rects.append(
                f'<rect class="bar-{status}" x="{x:.2f}" y="0" width="{share:.2f}" height="10"/>'
            )
        x += share
    return BAR.format(rects=Markup("".join(rects)))  # noqa: S704  (numbers and fixed words)


class StatusCounts(Protocol):
    kept: int
    broken: int
    pending: int
    overdue: int


def counts_text(counts: StatusCounts) -> Markup:
    """A row's counts in words: "Tenu : 3 · Rompu : 1 · En attente : 2 (dont en retard : 1)".

    Boards show one per candidate: the words and their markup are built once per
    language, and only the numbers (integers) are put in on each call.
    """
    line, overdue = _counts_words(locale_code())
    numbers = {"kept": int(counts.kept), "broken": int(counts.broken)}
    text = line.format(**numbers, pending=int(counts.pending))
    if counts.overdue:
        text += overdue % {"num": int(counts.overdue)}
    return Markup(text)  # noqa: S704  (escaped words and integers only)


@lru_cache(maxsize=8)
def _counts_words(_locale: str) -> tuple[str, str]:
    def word(text: str) -> str:
        # Escaped as a template would, then protected from str.format / %.
        return str(escape(text)).replace("{", "{{").replace("}", "}}")

    spans = [
        f'<span class="count count-{status}">{word(status_label(status))}{word(colon())}'
        f" {{{status}}}</span>"
        for status in ("kept", "broken", "pending")
    ]
    # The translation is markup-safe text with its %(num)d, as Jinja's gettext treats it.
    overdue = gettext("dont en retard : %(num)d")
    return " ·\n  ".join(spans), f' <span class="count count-overdue">({overdue})</span>'


def kind_label(kind: EvidenceKind | str) -> str:
    return _label("kind", EvidenceKind(kind), locale_code())


def stance_label(stance: Stance | str) -> str:
    return _label("stance", Stance(stance), locale_code())


class CitedEvidence(Protocol):
    @property
    def kind(self) -> EvidenceKind: ...
    @property
    def stance(self) -> Stance: ...
    @property
    def url(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def outlet(self) -> str: ...


def evidence_heading(evidence: CitedEvidence) -> Markup:
    """The first line of an evidence entry in a pledge's timeline (templates'
    `evidence_heading`): what it is, whose side it takes, and its link and outlet.
    A timeline has an entry per item: one call instead of eight in the template."""
    what = f"{escape(kind_label(evidence.kind))}, {escape(stance_label(evidence.stance))}"
    link = (
        f'<a href="{escape(evidence.url)}" rel="noopener noreferrer nofollow">'
        f"{escape(evidence.title or evidence.url)}</a>"
    )
    # Every value escaped; the rest is fixed markup.
    return Markup(  # noqa: S704
        f"<p><strong>{escape(request_locale.gettext('Preuve'))}</strong> ({what}){colon()}\n"
        f"          {link} — {escape(evidence.outlet)}</p>"
    )


def link_status_label(status: str | None) -> str:
    """A link check's verdict in words ("pas encore vérifié" before the first check)."""
    if status is None:
        return gettext("pas encore vérifié")
    if status not in LINK_STATUS_LABELS:
        return status
    return _label("link", status, locale_code())


def site_zone() -> ZoneInfo:
    """The site's time zone (SITE_TIMEZONE, checked at start; ZoneInfo caches each zone)."""
    return ZoneInfo(current_app.config["SITE_TIMEZONE"])


def today() -> date:
    """The date that decides "overdue" and "in the future": the site's, not UTC's."""
    return utc_now().astimezone(site_zone()).date()


def zone_name() -> str:
    """The zone as people say it: "heure de Paris", "Paris time"; "UTC" for UTC."""
    zone = site_zone()
    if zone.key in {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Universal", "Zulu", "Etc/Zulu"}:
        return "UTC"
    city = _city(zone.key, locale_code())
    # French elides "de" before a vowel: "heure d'Amsterdam".
    if locale_code() == "fr" and city and city[0].lower() in "aeiouyàâéèêîôû":
        return gettext("heure d’%(city)s", city=city)
    return gettext("heure de %(city)s", city=city)


@lru_cache(maxsize=64)
def _city(zone: str, locale: str) -> str:
    """The zone's city in a language: Babel walks its locale data for it (slow), once."""
    return get_timezone_location(ZoneInfo(zone), locale=locale, return_city=True)


def local_datetime(value: datetime) -> str:
    """A stored instant as the site's local date and time, its zone named.

    "1 janv. 2025, 00:30 (heure de Paris)", "Jan 1, 2025, 12:30 AM (Paris time)".
    """
    local = value.astimezone(site_zone())
    # The language's own way of joining a date and a time ("{1}, {0}" or "{1} {0}").
    # Babel declares a DateTimePattern; the locale data holds a plain str.
    pattern = str(get_datetime_format("medium", locale=get_locale()))
    when = pattern.format(
        format_time(local, "short", rebase=False), format_date(local, "medium", rebase=False)
    )
    return f"{when} ({zone_name()})"


def iso_instant(value: datetime) -> str:
    """An instant for <time datetime>: ISO 8601 with the site's offset.

    "2025-01-01T00:30:00+01:00": the same instant as the stored UTC time.
    """
    return value.astimezone(site_zone()).isoformat(timespec="seconds")


def colon() -> str:
    """A label's colon as each language writes it: "Tenu\u00a0: 3" but "Kept: 3"."""
    return "\u00a0:" if locale_code() == "fr" else ":"
