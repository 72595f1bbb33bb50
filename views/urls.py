"""URL building: absolute links for partner sites and mail, language links.

Links that leave the visitor's page (API `url` fields, Atom, oEmbed, embed
snippets, invitation links) are built on SITE_URL, never on the request's host:
a request's Host header is chosen by whoever sends it. This is the only view
module that reads SITE_URL (tests/views/test_urls.py checks it).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, request, url_for
from flask.globals import _cv_app, _cv_request, request_ctx
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BuildError

from views.request_locale import gettext, locale_code

# Characters that no part of a URL escapes (RFC 3986 unreserved): a value made only of
# them reads the same in a path segment and in a query string.
_PLAIN = re.compile(r"[A-Za-z0-9._~-]*\Z").match
# Stand-ins for the values while a pattern is built: digits for integer routes
# (int converters refuse anything else), letters for the others; neither occurs in
# our routes' own text.
_INT_STAND_IN = 918_273_640
_TEXT_STAND_IN = "qzvqzv{}qzvqzv"


# What path_for keeps, per app (app.extensions["path_for"]) for the life of the
# process: patterns and whole URLs. Keys hold the endpoint, the argument names (and
# types, or values), and everything else url_for's answer depends on inside a
# request: the script root and the visitor's `?lang=` (views.extensions adds it to
# every link). Bounded: each is emptied when full.
KEPT_AT_MOST = 2048
# Values longer than this are never kept whole (a visitor's search words, say).
_KEPT_VALUE_LENGTH = 120


def path_for(endpoint: str, **values: Any) -> str:
    """`url_for(endpoint, **values)`, without the routing map on every call.

    Building a URL through the routing map costs about as much as rendering the
    row it sits in, and a page has dozens. The first call for an endpoint and
    argument names builds the URL once with stand-in values and keeps it, split
    around them, for the rest of the process; each call then puts its own values
    in. Values a URL could escape (anything but unreserved characters, ints and
    None: a static file's "css/site.css") are looked up whole: the URL url_for
    gave for these very values. Everything url_for adds (script root, `?lang=`)
    is in what is kept, and part of its key. url_for's own options (`_external`...),
    other types of value and calls outside a request go through url_for itself.
    Templates call it as `url_for` (views.templating).
    """
    ctx = _cv_request.get(None)
    found = _shape(ctx, endpoint, values) if ctx is not None else None
    if ctx is None or found is None:  # outside a request, or url_for's own options
        return url_for(endpoint, **values)
    shape, plain = found
    kept = ctx.app.extensions.get("path_for")
    if kept is None:
        kept = ctx.app.extensions.setdefault("path_for", ({}, {}))
    patterns, urls = kept
    if plain:
        key = tuple(shape)
        pieces = patterns.get(key)
        if pieces is None:
            pieces = _keep(patterns, key, _pattern(endpoint, values))
        if pieces:
            # Even places hold text, odd places the name of the value that goes there.
            return "".join(
                [
                    piece if index % 2 == 0 else str(values[piece])
                    for index, piece in enumerate(pieces)
                ]
            )
    for value in values.values():
        if not _is_short(value):
            return url_for(endpoint, **values)
    whole = (*shape, *values.values())
    url = urls.get(whole)
    if url is None:  # url_for's errors are raised, never kept
        url = _keep(urls, whole, url_for(endpoint, **values))
    return url


# A stand-in id no real row will have: link_maker finds where the id goes by it.
_STAND_IN_ID = 987_654_321_987


def id_link_maker(endpoint: str, name: str, **values: Any) -> Callable[[int], str]:
    """For a list of links that differ only in one id (`name`, a non-negative int): a
    function of the id giving what `path_for(endpoint, name=id, **values)` gives, the
    URL built once for the whole list (a widget's twenty pledge links) instead of per
    link. Falls back to path_for per link when the stand-in id is not found exactly once
    in the URL."""
    sample = path_for(endpoint, **{name: _STAND_IN_ID}, **values)
    marker = str(_STAND_IN_ID)
    if sample.count(marker) != 1:
        return lambda ident: path_for(endpoint, **{name: ident}, **values)
    before, _marker, after = sample.partition(marker)

    def link(ident: Any) -> str:  # an int from a row; anything else goes through path_for
        if not isinstance(ident, int) or isinstance(ident, bool) or ident < 0:
            return path_for(endpoint, **{name: ident}, **values)
        return f"{before}{ident}{after}"

    return link


def _shape(ctx: Any, endpoint: str, values: dict[str, Any]) -> tuple[list[Any], bool] | None:
    """What url_for's answer depends on inside a request (only the app's url_defaults,
    views.extensions, reads the request: `?lang=`), then each argument's name and type;
    and whether every value is plain. None for a call with url_for's own options
    (`_external`, `_anchor`...). One loop: it runs for every link of every page."""
    shape: list[Any] = [endpoint, ctx.request.script_root, _cv_app.get().g.get("explicit_lang")]
    if endpoint[:1] == ".":  # relative to the request's blueprint
        shape.append(ctx.request.blueprint)
    plain = True
    for name, value in values.items():
        if name[:1] == "_":
            return None
        shape += (name, type(value))
        if plain and not _is_plain(value):
            plain = False
    return shape, plain


def _keep(kept: dict[tuple[Any, ...], Any], key: tuple[Any, ...], value: Any) -> Any:
    if len(kept) >= KEPT_AT_MOST:
        kept.clear()
    kept[key] = value
    return value


def _is_short(value: Any) -> bool:
    """A value whose URL may be kept whole: None, an int or a bool, a short string."""
    if value is None or isinstance(value, int):
        return True
    return isinstance(value, str) and len(value) <= _KEPT_VALUE_LENGTH


def _is_plain(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, bool):  # an int, but url_for writes it as a word
        return False
    if isinstance(value, int):
        return value >= 0
    return isinstance(value, str) and bool(_PLAIN(value)) and value != ""


def _pattern(endpoint: str, values: dict[str, Any]) -> list[str]:
    """The URL built for stand-in values, split into text and value names (alternating,
    text first and last); empty (url_for on each call) when a route's converter refuses
    a stand-in, or a stand-in is missing or repeated in the URL."""
    stand_ins: dict[str, Any] = {}
    for index, (name, value) in enumerate(values.items()):
        if value is None:
            stand_ins[name] = None
        elif isinstance(value, int):
            stand_ins[name] = _INT_STAND_IN + index
        else:
            stand_ins[name] = _TEXT_STAND_IN.format(index)
    try:
        built = url_for(endpoint, **stand_ins)
    except (ValueError, BuildError):
        return []  # a converter that checks values (`any(...)`): url_for each time
    places = []
    for name, stand_in in stand_ins.items():
        if stand_in is None:
            continue
        text = str(stand_in)
        if built.count(text) != 1:
            return []
        places.append((built.index(text), len(text), name))
    pieces: list[str] = []
    done = 0
    for start, length, name in sorted(places):
        pieces += [built[done:start], name]
        done = start + length
    return [*pieces, built[done:]]


def site_root() -> str:
    """SITE_URL without its trailing slash (this request's host only if SITE_URL is empty)."""
    return (current_app.config.get("SITE_URL") or request.host_url).rstrip("/")


def absolute_path(path: str) -> str:
    """An absolute URL for a path of this site (e.g. `request.full_path`)."""
    return site_root() + path


def absolute_url(endpoint: str, **values: Any) -> str:
    """`url_for(endpoint, **values)` on SITE_URL. Pass `lang=None` to leave out the
    visitor's `?lang=` (added to every url_for by views.extensions otherwise)."""
    return absolute_path(path_for(endpoint, **values))


# Link names the representations use, and the routes they point to.
ENDPOINTS = {
    "election": ("public.election", "election"),
    "api_election": ("api.election", "election"),
    "candidate": ("public.candidate", None),
    "api_candidate": ("api.candidate", None),
    "pledge": ("public.pledge", "pledge_id"),
    "api_pledge": ("api.pledge", "pledge_id"),
    # An evidence item's archived copy: its text page and its WARC file.
    "snapshot_text": ("archives.snapshot", None),
    "snapshot_warc": ("archives.warc", None),
}


def open_data_url(kind: str, **values: Any) -> str:
    """Absolute URL for the representations' link names ("pledge", "api_candidate", ...)."""
    endpoint, rename = ENDPOINTS[kind]
    if rename == "pledge_id":
        values = {"pledge_id": values["id"]}
    return absolute_url(endpoint, lang=None, **values)


def site_authority() -> str:
    """The host name of SITE_URL, as written in permanent ids (Atom tag: URIs)."""
    return urlsplit(current_app.config["SITE_URL"]).hostname or "localhost"


# The query arguments a page reads (filters, search, pagination), and so the only
# ones a language link carries over. Anything else is dropped: url_for takes
# "endpoint", "_external", "_method" or a route's own variable ("pledge_id")
# as instructions, so a visitor's `?endpoint=x` must never reach it.
KEPT_QUERY_ARGS = (
    "election",
    "candidate",
    "theme",
    "status",
    "overdue",
    "q",
    "page",
    "sort",
    "cpage",
    "pledge",
    "after",
)


def lang_url(code: str) -> str:
    """The current page in another language (the choice travels in the URL, never a cookie)."""
    args = {k: v for k, v in request.args.items(multi=False) if k in KEPT_QUERY_ARGS}
    endpoint, view_args = request.endpoint, request.view_args
    if request.url_rule is not None and request.method != "GET":
        # A failed POST (422) stays on its URL: switch language there too when that
        # URL also answers GET (the page, or a redirect back to it), never to a 405.
        endpoint, view_args = _get_route(request.path)
    if request.url_rule is not None and endpoint:
        # The route's own values win over any query argument of the same name.
        # Any: spread into url_for, whose own keywords (_external...) have other types.
        values: dict[str, Any] = dict(args)
        values.update(view_args or {})
        values["lang"] = code
        return path_for(endpoint, **values)  # twice per page, one per language
    return url_for("public.index", lang=code)


# The site's languages as the switch names them: each in its own language.
LANGUAGE_NAMES = (("fr", "Français"), ("en", "English"))


def language_switch() -> Markup:
    """The header's language links (templates' `language_switch`): plain links carrying
    ?lang= (no cookie, no JavaScript), the current language marked. Every page has it,
    so it is written here rather than as an included template."""
    current, items = locale_code(), []
    for code, name in LANGUAGE_NAMES:
        mark = ' aria-current="true"' if code == current else ""
        items.append(
            f'  <li><a href="{escape(lang_url(code))}" lang="{code}" hreflang="{code}"{mark}>'
            f"{name}</a></li>"
        )
    label = escape(gettext("Langue"))
    # Every value escaped; the names and codes are ours.
    return Markup(  # noqa: S704
        f'<ul class="language-switch" aria-label="{label}">\n' + "\n".join(items) + "\n</ul>"
    )


def _get_route(path: str) -> tuple[str | None, dict[str, Any] | None]:
    """The endpoint and values a GET of `path` would reach, or (None, None)."""
    adapter = request_ctx.url_adapter
    if adapter is None:
        return None, None
    try:
        endpoint, values = adapter.match(path, method="GET")
    except HTTPException:  # 404, 405, or a redirect: no GET page here
        return None, None
    return str(endpoint), dict(values)
