"""Reading the request: ids from text, and whether htmx asks for a fragment or the page."""

from __future__ import annotations

# flask.request itself, cast by htmx_flask to its request class (which has `.htmx`).
from htmx_flask import request

from models.db import MAX_DB_ID


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
