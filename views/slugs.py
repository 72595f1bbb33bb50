"""Old slugs answer 301 to the new URL, forever, on every route that takes one.

Any route whose URL arguments include `election`, `candidate` or `theme` (public
pages, the API, Atom feeds, the widget, badges, and any added later) gets this
for free: when it answers 404 and one of those slugs was renamed
(pledges.content.current_slugs), the answer becomes a 301 to the same endpoint
with the new slugs, query string kept. Looking only after a 404 costs nothing
on the pages that exist, cached or not.
"""

from __future__ import annotations

from flask import Flask, Response, redirect, request, url_for

from pledges.content import current_slugs
from views.database import db_session

SLUG_ARGUMENTS = ("election", "candidate", "theme")
# Browsers and proxies keep a 301 as long as they like unless told: an hour,
# because an old slug taken later by another object stops redirecting.
REDIRECT_CACHE_CONTROL = "public, max-age=3600"


def redirect_old_slugs(response: Response) -> Response:
    """Turn a 404 on a renamed election, candidate or theme into a 301 to its new URL."""
    args = request.view_args
    if (
        response.status_code != 404
        or request.method not in {"GET", "HEAD"}
        or not args
        or request.endpoint is None
        or not any(isinstance(args.get(name), str) for name in SLUG_ARGUMENTS)
    ):
        return response
    slugs = {name: args[name] for name in SLUG_ARGUMENTS if isinstance(args.get(name), str)}
    renamed = current_slugs(db_session(), **slugs)
    if not renamed:
        return response
    # The query string is the request's own, as it came (url_for may add `lang`).
    location = url_for(request.endpoint, **{**args, **renamed}).split("?", 1)[0]
    if request.query_string:
        location += "?" + request.query_string.decode("latin-1")
    # The 404 answer becomes the 301 in place: the headers other hooks set on it
    # (security, CORS, no-store for someone logged in) stay, in any hook order.
    moved = redirect(location, code=301)
    response.status_code = 301
    response.headers["Location"] = moved.headers["Location"]
    response.set_data(moved.get_data())
    response.mimetype = "text/html"
    if "no-store" not in response.headers.get("Cache-Control", ""):
        response.headers["Cache-Control"] = REDIRECT_CACHE_CONTROL
    return response


def register(app: Flask) -> None:
    app.after_request(redirect_old_slugs)
