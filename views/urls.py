"""URL building: absolute links for partner sites and mail, language links.

Links that leave the visitor's page (API `url` fields, Atom, oEmbed, embed
snippets, invitation links) are built on SITE_URL, never on the request's host:
a request's Host header is chosen by whoever sends it. This is the only view
module that reads SITE_URL (tests/views/test_urls.py checks it).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, request, url_for
from flask.globals import request_ctx
from werkzeug.exceptions import HTTPException


def site_root() -> str:
    """SITE_URL without its trailing slash (this request's host only if SITE_URL is empty)."""
    return (current_app.config.get("SITE_URL") or request.host_url).rstrip("/")


def absolute_path(path: str) -> str:
    """An absolute URL for a path of this site (e.g. `request.full_path`)."""
    return site_root() + path


def absolute_url(endpoint: str, **values: Any) -> str:
    """`url_for(endpoint, **values)` on SITE_URL. Pass `lang=None` to leave out the
    visitor's `?lang=` (added to every url_for by views.extensions otherwise)."""
    return absolute_path(url_for(endpoint, **values))


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
        return url_for(endpoint, **values)
    return url_for("public.index", lang=code)


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
