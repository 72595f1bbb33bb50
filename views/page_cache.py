"""Rendered-output cache and HTTP validators for public GET answers: one ETag path.

Two modes share it. Pages (`cached_page`): anonymous requests only, keyed by
(host, path, sorted query string, locale, htmx flags, date, data version), a
weak ETag and `Vary` on what changes them. Partner answers (`serve_public`: the
widget, badges, the dump): a key the caller names (resource and options), a
strong ETag, their own Cache-Control, no `Vary`, for every request alike since
they never read the session.

The data version (models.data_version) changes on every write the public can
see, so such a write invalidates every entry at once and costs one primary-key
read per request to check. The key gives the ETag, so browsers and CDNs
revalidate with a 304 that renders nothing.

Logged-in content is never stored here nor shared with anyone else.
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
from htmx_flask import request as htmx_request  # flask.request, typed with `.htmx`

from models.data_version import get_data_version
from pledges.widgets import FORMAT_VERSION
from views.database import public_data_version, snapshot_session
from views.extensions import is_anonymous_request
from views.labels import today
from views.request_locale import locale_code

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
DATA_VERSION_HEADER = "X-Data-Version"
PUBLIC_MAX_AGE = 60
PAGE_CACHE_CONTROL = f"public, max-age={PUBLIC_MAX_AGE}"
# Someone logged in: their page is theirs alone, and may carry their CSRF token
# and address, so no cache (the browser's back/forward cache included) keeps it.
PRIVATE_CACHE_CONTROL = "private, no-store"
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
        cache = PageCache(int(app.config["PAGE_CACHE_SIZE"]))
        app.extensions["page_cache"] = cache
    return cache


def page_key() -> tuple[Any, ...]:
    """Everything a cached anonymous page depends on.

    The host is part of it: url_for builds absolute links (`_external`, feeds)
    from the request's host, so one host's page must never answer another's
    (TRUSTED_HOSTS already refuses foreign hosts; this keeps the cache honest
    for the ones allowed).
    """
    htmx = htmx_request.htmx
    return (
        "page",
        request.host,
        request.script_root,  # every link starts with it: a site mounted under a prefix
        request.path,
        tuple(sorted(request.args.items(multi=True))),
        locale_code(),
        bool(htmx),
        htmx.target or "",
        htmx.boosted,
        htmx.history_restore_request,
        today().isoformat(),  # "overdue" changes at midnight without any write
        public_data_version(get_data_version(snapshot_session())),  # last: _answer reads it
    )


def revalidates(etag: str) -> bool:
    """If-None-Match names this ETag. "*" is not enough: it would answer 304 for
    pages that do not exist, before the view could say 404."""
    return not request.if_none_match.star_tag and request.if_none_match.contains_weak(etag)


def etag_for(key: tuple[Any, ...]) -> str:
    return hashlib.sha256(repr(key).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class CacheMode:
    """How answers of one kind are validated and may be kept by others."""

    weak_etag: bool
    cache_control: str
    vary: tuple[str, ...]


# Pages: the same URL differs by language header, htmx headers and login.
PAGE = CacheMode(weak_etag=True, cache_control=PAGE_CACHE_CONTROL, vary=VARY)
# Partner pages and CDNs may keep the widget and badges five minutes, and serve
# a stale copy for an hour while they revalidate in the background. One URL
# gives one answer (language from ?lang= only), so no Vary at all.
WIDGET = CacheMode(
    weak_etag=False, cache_control="public, max-age=300, stale-while-revalidate=3600", vary=()
)
# Open data (the dump): same for everyone, revalidated cheaply.
OPEN_DATA = CacheMode(weak_etag=False, cache_control=PAGE_CACHE_CONTROL, vary=())


def _answer(key: tuple[Any, ...], produce: Callable[[], Any], mode: CacheMode) -> Response:
    """The one ETag path: 304 before producing anything, else the stored entry, else produce.

    The key ends with the data version, also sent as X-Data-Version: a reader (a
    partner, the load drill) can tell which state of the data two answers show.
    """
    etag = etag_for(key)
    if revalidates(etag):
        response = Response(status=304)
    else:
        cache = init_page_cache(current_app)
        entry = cache.get(key)
        if entry is not None:
            response = Response(entry.body, status=entry.status, headers=list(entry.headers))
        else:
            response = make_response(produce())
            if response.status_code == 200 and "Set-Cookie" not in response.headers:
                response.direct_passthrough = False
                kept = tuple(
                    (name, response.headers[name])
                    for name in KEPT_HEADERS
                    if name in response.headers
                )
                cache.put(key, CachedResponse(response.get_data(), 200, kept))
    if response.status_code in {200, 304}:
        response.set_etag(etag, weak=mode.weak_etag)
        response.headers["Cache-Control"] = mode.cache_control
        response.headers[DATA_VERSION_HEADER] = str(key[-1])
    if mode.vary:
        # One update: each `response.vary` read parses the header anew, each add writes it back.
        response.vary.update(mode.vary)
    return response


def serve_public(
    key: tuple[Any, ...],
    render: Callable[[], str | bytes | Response],
    mimetype: str,
    mode: CacheMode = WIDGET,
) -> Response:
    """A public answer that reads no session: the widget, badges, open data.

    `key` names the resource and every option it depends on (language, theme,
    date, the site URL its links point to); the data version is added here, so
    If-None-Match is answered after one primary-key read, before anything is
    loaded or rendered.
    """

    def produce() -> Response:
        result = render()
        if isinstance(result, Response):
            return result
        return Response(result, mimetype=mimetype)

    # FORMAT_VERSION changes when the widget's markup does: partners' caches then
    # revalidate to the new format even though no data changed.
    version = public_data_version(get_data_version(snapshot_session()))
    full_key = ("public", FORMAT_VERSION, mimetype, *key, version)
    return _answer(full_key, produce, mode)


def cached_page(view: Callable[..., Any]) -> Callable[..., Response]:
    """Serve anonymous GETs from the cache, answer If-None-Match with 304, mark them public."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        if request.method not in {"GET", "HEAD"} or not is_anonymous_request():
            response = make_response(view(*args, **kwargs))
            response.vary.update(VARY)
            response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
            return response
        return _answer(page_key(), lambda: view(*args, **kwargs), PAGE)

    return wrapper
