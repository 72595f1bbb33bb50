"""Blueprint "embed" (/embed): the partner widget, framable by other sites (issue 5).

Never touches the session: no cookie, no `Vary: Cookie`, no CSRF token, its own
layout (embed/base.html, not the site's). views.security lets these routes be
framed (frame-ancestors from EMBED_ALLOWED_ORIGINS). Responses are public and
cached by a strong ETag computed from one primary-key read, so a revalidation
costs one query and renders nothing. Every link opens our full page in a new tab.

Also the site's own pages' ways to embed and be embedded: the "Intégrer" block's
snippets (embed_snippets) and the <head> links every public page carries to its
Atom feeds and to oEmbed (alternate_links).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask.globals import request_ctx
from flask_babel import force_locale, gettext
from markupsafe import Markup, escape

from pledges.archiving import is_gone
from pledges.widgets import WidgetPledge, get_candidate_widget, get_pledge_widget
from views import request_locale
from views.database import db_session
from views.labels import status_line_maker, today
from views.page_cache import WIDGET, serve_public
from views.request_locale import locale_code
from views.urls import absolute_path, absolute_url, id_link_maker, path_for, site_root

bp = Blueprint("embed", __name__)


@bp.before_request
def use_null_session() -> None:
    """Give the request a null session: nothing can read a visitor's session or set a cookie.

    Extensions peek at the session on every response (Flask-Login's remember-me
    check), which would add `Vary: Cookie` and split every shared cache by
    cookie. A null session is never saved, so neither header can appear.
    """
    # Flask 3.1 keeps the opened session in `_session` (`session` is a read-only
    # property that marks it accessed); tests/views/test_embed.py checks the effect.
    request_ctx._session = current_app.session_interface.make_null_session(current_app)


THEMES = ("light", "dark")
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
# Partners' pages and CDNs may keep the widget five minutes, and serve a stale
# copy for an hour while they revalidate in the background (views.page_cache.WIDGET).
CACHE_CONTROL = WIDGET.cache_control
# Default iframe sizes (the script snippet then follows the content's height).
FRAME_WIDTH = 400
FRAME_HEIGHTS = {"candidate": 520, "pledge": 300}


@dataclass(frozen=True)
class WidgetOptions:
    lang: str
    theme: str
    compact: bool

    def as_args(self) -> dict[str, str]:
        """The non-default options as query arguments (for links and snippets)."""
        args = {}
        if self.lang != current_app.config["BABEL_DEFAULT_LOCALE"]:
            args["lang"] = self.lang
        if self.theme != THEMES[0]:
            args["theme"] = self.theme
        if self.compact:
            args["compact"] = "1"
        return args


def read_options() -> WidgetOptions:
    """Options from the query string; unknown values fall back to the defaults.

    The language comes from `?lang=` only, never Accept-Language: one URL gives
    one answer, so shared caches need no `Vary` and the partner chooses.
    """
    lang = request.args.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        lang = current_app.config["BABEL_DEFAULT_LOCALE"]
    theme = request.args.get("theme", THEMES[0])
    if theme not in THEMES:
        theme = THEMES[0]
    compact = request.args.get("compact", "").strip().lower() in TRUE_WORDS
    return WidgetOptions(lang=lang, theme=theme, compact=compact)


def site_url(endpoint: str, **values: object) -> str:
    """An absolute URL on our site (SITE_URL): widget links leave the partner's page."""
    values.setdefault("lang", None)
    return absolute_url(endpoint, **values)


def _key(kind: str, ident: tuple, options: WidgetOptions) -> tuple:
    site = current_app.config["SITE_URL"]
    return (kind, *ident, options.lang, options.theme, options.compact, today(), site)


def _pledge_links(root: str, lang: str | None) -> Callable[[int], str]:
    """Absolute links to pledge pages, by id, for one widget."""
    path = id_link_maker("public.pledge", "pledge_id", lang=lang)
    return lambda pledge_id: root + path(pledge_id)


def pledge_items(
    pledges: Iterable[WidgetPledge], today: date, link: Callable[[int], str]
) -> Markup:
    """The candidate widget's list items: each pledge's title, linked to its page (in a
    new tab: the widget sits on a partner's page), and its status line. Up to a hundred
    rows per widget, so written here rather than in a template loop."""
    status_line = status_line_maker(today)
    items = [
        f'    <li>\n      <a href="{escape(link(pledge.id))}" target="_blank" rel="noopener">'
        f"{escape(pledge.title)}</a>\n      {status_line(pledge)}\n    </li>"
        for pledge in pledges
    ]
    return Markup("\n".join(items))  # noqa: S704  (every value escaped)


@bp.get("/candidates/<election>/<candidate>")
def candidate(election: str, candidate: str) -> Response:
    """A candidate's counts and (unless compact) pledge list with statuses."""
    options = read_options()

    def render() -> str:
        widget = get_candidate_widget(
            db_session(), election, candidate, today=today(), with_pledges=not options.compact
        )
        if widget is None:
            abort(404)
        if is_gone(widget.candidate):
            abort(410)
        lang, root = _page_lang(options), site_root()
        with force_locale(options.lang):
            return render_template(
                "embed/candidate.html",
                widget=widget,
                options=options,
                page_url=site_url(
                    "public.candidate", election=election, candidate=candidate, lang=lang
                ),
                # Up to a hundred links: the site's root, language and route read once.
                pledge_items=pledge_items(widget.pledges, today(), _pledge_links(root, lang)),
            )

    return serve_public(_key("candidate", (election, candidate), options), render, "text/html")


@bp.get("/pledges/<int:pledge_id>")
def pledge(pledge_id: int) -> Response:
    """One pledge: its status with date, deadline, and the latest published evidence."""
    options = read_options()

    def render() -> str:
        widget = get_pledge_widget(db_session(), pledge_id)
        if widget is None:
            abort(404)
        if is_gone(widget.pledge):
            abort(410)
        with force_locale(options.lang):
            return render_template(
                "embed/pledge.html",
                widget=widget,
                options=options,
                today=today(),
                page_url=site_url("public.pledge", pledge_id=pledge_id, lang=_page_lang(options)),
            )

    return serve_public(_key("pledge", (pledge_id,), options), render, "text/html")


def _page_lang(options: WidgetOptions) -> str | None:
    """Our full pages in the widget's language (French, the default, needs no parameter)."""
    return options.lang if options.lang != current_app.config["BABEL_DEFAULT_LOCALE"] else None


@bp.errorhandler(404)
def not_found(_error: Exception) -> tuple[str, int]:
    """A bare page: the site's 404 would bring its layout (and its session) into the frame."""
    return render_template("embed/404.html"), 404


@bp.errorhandler(410)
def gone(_error: Exception) -> tuple[str, int]:
    """Archived: a bare page in the widget's language, like the 404."""
    options = read_options()
    with force_locale(options.lang):
        return render_template("embed/410.html", options=options), 410


# ---------------------------------------------------------------- snippets (pages, oEmbed)


@dataclass(frozen=True)
class Snippets:
    src: str  # the iframe's URL
    title: str
    iframe: str
    script: str
    kind: str


class EmbeddedPledge(Protocol):
    """What a pledge snippet reads (an ORM row or a template's object alike)."""

    @property
    def id(self) -> int | None: ...
    @property
    def title(self) -> str: ...


class EmbeddedCandidate(Protocol):
    @property
    def slug(self) -> str: ...
    @property
    def name(self) -> str: ...


class EmbeddedElection(Protocol):
    @property
    def slug(self) -> str: ...


def embed_snippets(
    *,
    candidate: EmbeddedCandidate | None = None,
    election: EmbeddedElection | None = None,
    pledge: EmbeddedPledge | None = None,
    lang: str | None = None,
    width: int | None = None,
    height: int | None = None,
) -> Snippets:
    """The two ways to embed a candidate or a pledge: a plain iframe, and our script's div.

    Takes ORM objects or anything with `.slug` / `.id` (templates pass theirs). Pages
    show the same snippets to every visitor: each is written once per worker for its
    values, the language, the site's address and root (`_snippets`).
    """
    if pledge is not None:
        subject: tuple[Any, ...] = ("pledge", pledge.id, pledge.title)
    elif candidate is not None and election is not None:
        subject = ("candidate", election.slug, candidate.slug, candidate.name)
    else:
        raise TypeError("embed_snippets needs a pledge, or a candidate and its election")
    config = current_app.config
    return _snippets(
        subject,
        lang,
        width,
        height,
        (locale_code(), site_root(), config["BABEL_DEFAULT_LOCALE"], request.script_root),
    )


@lru_cache(maxsize=1024)
def _snippets(
    subject: tuple[Any, ...],
    lang: str | None,
    width: int | None,
    height: int | None,
    _context: tuple[str, ...],
) -> Snippets:
    # `_context` names what the snippets also depend on; the helpers read it again.
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    args = {"lang": lang} if lang and lang != default else {}
    if subject[0] == "pledge":
        _, pledge_id, pledge_title = subject
        kind, path = "pledge", f"pledges/{pledge_id}"
        src = site_url("embed.pledge", pledge_id=pledge_id, **args)
        title = gettext("Engagement : %(title)s", title=pledge_title)
    else:
        _, election_slug, candidate_slug, name = subject
        kind, path = "candidate", f"candidates/{election_slug}/{candidate_slug}"
        src = site_url("embed.candidate", election=election_slug, candidate=candidate_slug, **args)
        title = gettext("Engagements de %(name)s", name=name)
    width = width or FRAME_WIDTH
    height = height or FRAME_HEIGHTS[kind]
    frame_title = gettext("Suivi des engagements — %(title)s", title=title)
    # Attributes only (no style): the partner's CSP may forbid inline styles.
    iframe = Markup(
        '<iframe src="{src}" title="{title}" width="{width}" height="{height}" '
        'loading="lazy" frameborder="0"></iframe>'
    ).format(src=src, title=frame_title, width=width, height=height)
    script_src = absolute_url("static", filename="embed.js")
    data_lang = Markup(' data-lang="{}"').format(args["lang"]) if args else ""
    script = Markup(
        '<div data-pledge-tracker="{path}" data-title="{title}"{data_lang}></div>\n'
        '<script async src="{script_src}"></script>'
    ).format(path=path, title=frame_title, data_lang=data_lang, script_src=script_src)
    return Snippets(src=src, title=frame_title, iframe=str(iframe), script=str(script), kind=kind)


def oembed_href(page_url: str) -> str:
    """Our oEmbed endpoint for one of our pages (for the discovery <link>)."""
    query = urlencode({"url": page_url, "format": "json"})
    return absolute_url("badges.oembed", lang=None) + "?" + query


def alternate_links(
    *,
    pledge: EmbeddedPledge | None = None,
    candidate: EmbeddedCandidate | None = None,
    election: EmbeddedElection | None = None,
) -> Markup:
    """The <head> links of a public page (templates' `alternate_links`): the Atom feeds
    of its scope (a pledge, a candidate in an election, an election, else the whole
    site) and, on a pledge's, candidate's or election's page, oEmbed discovery."""
    links = []
    feed_args: dict[str, Any]
    if pledge is not None:
        feed_endpoint, feed_args = "api.pledge_feed", {"pledge_id": pledge.id}
    elif candidate is not None and election is not None:
        feed_endpoint = "api.candidate_feed"
        feed_args = {"election": election.slug, "candidate": candidate.slug}
    elif election is not None:
        feed_endpoint, feed_args = "api.election_feed", {"election": election.slug}
    else:
        feed_endpoint, feed_args = "api.site_feed", {}
    if feed_endpoint != "api.site_feed":
        href = escape(oembed_href(canonical_page_url()))
        links.append(
            f'<link rel="alternate" type="application/json+oembed" href="{href}" title="oEmbed">'
        )
    titles = {
        "status-changes": request_locale.gettext("Changements de statut (Atom)"),
        "evidence": request_locale.gettext("Nouvelles preuves publiées (Atom)"),
    }
    for kind, title in titles.items():
        href = escape(path_for(feed_endpoint, kind=kind, **feed_args))
        links.append(
            f'<link rel="alternate" type="application/atom+xml" href="{href}"'
            f' title="{escape(title)}">'
        )
    return Markup("\n".join(links))  # noqa: S704  (every value escaped)


def canonical_page_url() -> str:
    """This page's URL on SITE_URL, keeping only the language (what oEmbed consumers get)."""
    url = absolute_path(request.path)
    lang = request.args.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        url += "?" + urlencode({"lang": lang})
    return url
