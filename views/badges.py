"""Blueprint "badges" (/): SVG status badges and the oEmbed endpoint, for partner sites (issue 5).

Like the widget, nothing here touches the session (no cookie, no `Vary: Cookie`)
and answers are public and validated by a strong ETag from the data version.
Badges are images: frame-ancestors does not apply to <img>, so they keep the
site's default headers, plus a Cross-Origin-Resource-Policy that lets any page
show them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Blueprint, Response, abort, current_app, jsonify, request
from flask_babel import force_locale, gettext, ngettext
from werkzeug.exceptions import HTTPException, NotFound

from models import Candidate, Pledge
from pledges.archiving import is_gone
from pledges.badges import NEUTRAL, counts_badge, render_badge, status_badge
from pledges.scoreboard import count_statuses, get_candidate
from pledges.widgets import can_exist
from views.api import allow_any_origin
from views.database import db_session
from views.embed import (
    FRAME_HEIGHTS,
    FRAME_WIDTH,
    embed_snippets,
    read_options,
    use_null_session,
)
from views.labels import status_label, today
from views.page_cache import serve_public
from views.query import parse_id
from views.urls import absolute_path, site_root

bp = Blueprint("badges", __name__)
bp.before_request(use_null_session)  # cookie-free and cacheable, as the widget

SVG = "image/svg+xml"
MIN_FRAME = (200, 120)  # narrower or shorter than this, the widget is unreadable


def _badge_response(key: tuple[object, ...], render: Callable[[], str | Response]) -> Response:
    response = serve_public(key, render, SVG)
    # An image for Markdown pages and newsletters: any site may show it.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/badge/pledges/<int:pledge_id>.svg")
def pledge_badge(pledge_id: int) -> Response:
    """ "Engagement | ✓ Tenu": the pledge's current status, in words and symbol."""
    options = read_options()

    def render() -> str | Response:
        found = db_session().get(Pledge, pledge_id) if can_exist(pledge_id) else None
        if found is None:
            abort(404)
        if is_gone(found):
            return _gone_badge(gettext("engagement"), options.lang)
        with force_locale(options.lang):
            return status_badge(gettext("engagement"), found.status, status_label(found.status))

    return _badge_response(("badge-pledge", pledge_id, options.lang, today()), render)


@bp.get("/badge/candidates/<election>/<candidate>.svg")
def candidate_badge(election: str, candidate: str) -> Response:
    """ "<name> | 3 tenus · 1 rompu · 5 en attente"."""
    options = read_options()

    def render() -> str | Response:
        session = db_session()
        found = (
            get_candidate(session, election, candidate) if can_exist(election, candidate) else None
        )
        if found is None:
            abort(404)
        if is_gone(found):
            return _gone_badge(found.name, options.lang)
        counts = count_statuses(session, found, today=today())
        with force_locale(options.lang):
            message = " · ".join(
                (
                    "✓ " + ngettext("%(num)d tenu", "%(num)d tenus", counts.kept),
                    "✗ " + ngettext("%(num)d rompu", "%(num)d rompus", counts.broken),
                    "… " + ngettext("%(num)d en attente", "%(num)d en attente", counts.pending),
                )
            )
        return counts_badge(found.name, message)

    return _badge_response(("badge-candidate", election, candidate, options.lang, today()), render)


def _gone_badge(label: str, lang: str) -> Response:
    """410 Gone, with a grey "archivé" badge: an <img> on a partner's page still reads right."""
    with force_locale(lang):
        body = render_badge(label, gettext("archivé"), NEUTRAL)
    response = Response(body, status=410, mimetype=SVG)
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.errorhandler(404)
def not_found(_error: Exception) -> tuple[str, int, dict[str, str]]:
    # Plain text: the site's 404 page would read the session to draw its header.
    return "Not found", 404, {"Content-Type": "text/plain; charset=utf-8"}


# ---------------------------------------------------------------- oEmbed


def _positive(name: str) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    value = parse_id(raw)
    if value is None:
        abort(400, f"{name}: expected a positive integer")
    return value


def resolve_page(url: str) -> tuple[str, Mapping[str, Any], str | None]:
    """(kind, route values, lang) of one of our candidate/pledge pages or widgets; 404 otherwise."""
    site = urlsplit(site_root())
    try:
        parts = urlsplit(url)
    except ValueError:
        raise NotFound() from None
    if (parts.scheme, parts.netloc) != (site.scheme, site.netloc):
        raise NotFound()
    adapter = current_app.url_map.bind(site.netloc, url_scheme=site.scheme)
    try:
        endpoint, values = adapter.match(parts.path, method="GET")
    except HTTPException:
        raise NotFound() from None
    lang = parse_qs(parts.query).get("lang", [None])[0]
    if endpoint in {"public.candidate", "embed.candidate"}:
        return "candidate", values, lang
    if endpoint in {"public.pledge", "embed.pledge"}:
        return "pledge", values, lang
    raise NotFound()


@bp.get("/oembed")
def oembed() -> Response:
    """oEmbed 1.0 for our candidate and pledge pages: type "rich", html = the iframe snippet."""
    fmt = request.args.get("format", "json")
    if fmt != "json":
        # The spec's answer for a format we do not produce.
        abort(501)
    url = request.args.get("url", "").strip()
    if not url:
        abort(400, "url is required")
    max_width, max_height = _positive("maxwidth"), _positive("maxheight")
    kind, values, lang = resolve_page(url)
    session = db_session()
    if not can_exist(*values.values()):
        raise NotFound()
    pledge: Pledge | None = None
    candidate: Candidate | None = None
    if kind == "pledge":
        pledge = session.get(Pledge, values["pledge_id"])
        if pledge is None:
            raise NotFound()
        if is_gone(pledge):
            abort(410)
        title = pledge.title
    else:
        candidate = get_candidate(session, values["election"], values["candidate"])
        if candidate is None:
            raise NotFound()
        if is_gone(candidate):
            abort(410)
        title = candidate.name
    if lang not in current_app.config["LANGUAGES"]:
        lang = None
    width = min(FRAME_WIDTH, max_width) if max_width else FRAME_WIDTH
    height = min(FRAME_HEIGHTS[kind], max_height) if max_height else FRAME_HEIGHTS[kind]
    if width < MIN_FRAME[0] or height < MIN_FRAME[1]:
        # oEmbed: no representation fits within the asked maximum.
        raise NotFound()
    with force_locale(lang or current_app.config["BABEL_DEFAULT_LOCALE"]):
        snippets = embed_snippets(
            lang=lang,
            width=width,
            height=height,
            pledge=pledge,
            candidate=candidate,
            election=candidate.election if candidate is not None else None,
        )
        provider = gettext("Suivi des engagements")
    response = jsonify(
        {
            "version": "1.0",
            "type": "rich",
            "title": title,
            "provider_name": provider,
            "provider_url": absolute_path("/"),
            "cache_age": 300,
            "html": snippets.iframe,
            "width": width,
            "height": height,
        }
    )
    response.headers["Cache-Control"] = "public, max-age=300"
    # Public metadata: consumers may fetch it from a browser.
    return allow_any_origin(response)


@bp.errorhandler(400)
@bp.errorhandler(410)
@bp.errorhandler(501)
def plain_error(error: HTTPException) -> tuple[str, int, dict[str, str]]:
    return (
        error.description or error.name,
        error.code or 400,
        {"Content-Type": "text/plain; charset=utf-8"},
    )
