"""URL building: absolute links for partner sites and mail, language links."""

from __future__ import annotations

from flask import request, url_for

# The query arguments a page reads (filters, search, pagination), and so the only
# ones a language link carries over. Anything else is dropped: url_for takes
# "endpoint", "_external", "_method" or a route's own variable ("pledge_id")
# as instructions, so a visitor's `?endpoint=x` must never reach it.
KEPT_QUERY_ARGS = ("election", "candidate", "theme", "status", "overdue", "q", "page", "pledge")


def lang_url(code: str) -> str:
    """The current page in another language (the choice travels in the URL, never a cookie)."""
    args = {k: v for k, v in request.args.items(multi=False) if k in KEPT_QUERY_ARGS}
    if request.url_rule is not None and request.endpoint and request.method == "GET":
        values: dict[str, object] = dict(request.view_args or {})
        values.update(args)
        values["lang"] = code
        return url_for(request.endpoint, **values)
    return url_for("public.scoreboard", lang=code)
