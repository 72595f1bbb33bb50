"""Rendered-output cache and HTTP validators for anonymous GET pages and API answers.

A page is stored under (path, sorted query string, locale, htmx flags, date,
data version). The data version (models.db.get_data_version) changes on every
write to public data, so a write invalidates every entry at once and costs one
primary-key read per request to check. The same key gives the ETag, so browsers
and CDNs revalidate with a 304 that renders nothing.

Only requests without a session cookie are cached or marked public: logged-in
content is never stored here nor shared with anyone else.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Flask, Response, current_app, make_response, request
from flask_babel import get_locale

from models.db import get_data_version
from views.common import db_session, is_anonymous_request, today

# Every request header that changes the response. htmx sends HX-Request on both
# fragment swaps and history restores, so the latter must be named too, or a
# browser cache could answer a history restore with a bare fragment.
VARY = (
    "HX-Request",
    "HX-Target",
    "HX-Boosted",
    "HX-History-Restore-Request",
    "Accept-Language",
    "Cookie",
)
PUBLIC_MAX_AGE = 60
# Response headers worth replaying from the cache (security headers are added
# again on every response by views.security).
KEPT_HEADERS = ("Content-Type", "Access-Control-Allow-Origin", "Link", "Content-Disposition")
# Memory bounds per worker: any query string makes a new key, so entries are
# bounded in bytes as well as in number, and large bodies (CSV exports) are
# never stored: their ETag still spares the rendering on revalidation.
MAX_ENTRY_BYTES = 512 * 1024
MAX_TOTAL_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class CachedResponse:
    body: bytes
    status: int
    headers: tuple[tuple[str, str], ...]


class PageCache:
    """A thread-safe LRU of rendered responses, bounded by entry count."""

    def __init__(self, size: int, max_bytes: int = MAX_TOTAL_BYTES) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[tuple, CachedResponse] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> CachedResponse | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: CachedResponse) -> None:
        if self.size <= 0 or len(entry.body) > MAX_ENTRY_BYTES:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self.bytes -= len(previous.body)
            self._entries[key] = entry
            self.bytes += len(entry.body)
            while len(self._entries) > self.size or self.bytes > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self.bytes -= len(evicted.body)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


def init_page_cache(app: Flask) -> PageCache:
    cache = app.extensions.get("page_cache")
    if cache is None:
        cache = PageCache(int(app.config.get("PAGE_CACHE_SIZE", 0)))
        app.extensions["page_cache"] = cache
    return cache


def page_key() -> tuple[Any, ...]:
    """Everything a cached anonymous response depends on."""
    htmx = request.htmx
    return (
        request.path,
        tuple(sorted(request.args.items(multi=True))),
        str(get_locale()),
        bool(htmx),
        htmx.target or "",
        htmx.boosted,
        htmx.history_restore_request,
        today().isoformat(),  # "overdue" changes at midnight without any write
        get_data_version(db_session()),
    )


def revalidates(etag: str) -> bool:
    """If-None-Match names this ETag. "*" is not enough: it would answer 304 for
    pages that do not exist, before the view could say 404."""
    return not request.if_none_match.star_tag and request.if_none_match.contains_weak(etag)


def etag_for(key: tuple[Any, ...]) -> str:
    return hashlib.sha256(repr(key).encode()).hexdigest()[:32]


def _add_vary(response: Response) -> None:
    for header in VARY:
        response.vary.add(header)


def cached_page(view: Callable[..., Any]) -> Callable[..., Response]:
    """Serve anonymous GETs from the cache, answer If-None-Match with 304, mark them public."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        if request.method not in {"GET", "HEAD"} or not is_anonymous_request():
            response = make_response(view(*args, **kwargs))
            _add_vary(response)
            # Someone logged in: their page is theirs alone.
            response.headers["Cache-Control"] = "private, no-cache"
            return response

        key = page_key()
        etag = etag_for(key)
        if revalidates(etag):
            response = Response(status=304)
        else:
            cache = init_page_cache(current_app)
            entry = cache.get(key)
            if entry is not None:
                response = Response(entry.body, status=entry.status, headers=list(entry.headers))
            else:
                response = make_response(view(*args, **kwargs))
                if response.status_code == 200 and "Set-Cookie" not in response.headers:
                    response.direct_passthrough = False
                    kept = tuple(
                        (name, response.headers[name])
                        for name in KEPT_HEADERS
                        if name in response.headers
                    )
                    cache.put(key, CachedResponse(response.get_data(), 200, kept))
        if response.status_code in {200, 304}:
            response.set_etag(etag, weak=True)
            response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
        _add_vary(response)
        return response

    return wrapper
