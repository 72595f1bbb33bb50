"""Fetching a page to archive, with the feeds' guarded fetcher; a refusal is a value.

Same SSRF rules (every hop and the socket's address checked), redirects followed
by hand and re-checked, size and time limits, no cookies; FEEDS_ALLOW_PRIVATE
(development and tests only) lets it reach 127.0.0.1 as it does for feeds.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from pledges.errors import FeedFetchError, UnsafeFeedURL
from pledges.feeds.fetch import AddressGuard, FetchResult, Resolver, fetch, make_client

ACCEPT = "text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.8,*/*;q=0.5"

# Why a page was not archived (views/error_messages.py says it in words). The
# temporary ones are tried again with backoff; the others end the job at once.
REFUSAL_CODES = (
    "http_403",  # 401, 403, 451: the publisher refuses us
    "paywall",  # 402, or schema.org isAccessibleForFree: false
    "noarchive",  # robots meta or X-Robots-Tag noarchive/none
    "not_found",  # 404, 410
    "http_error",  # another 4xx, or a redirect without a usable target
    "too_large",
    "timeout",
    "unsafe_url",  # not http(s), or an address we never connect to
    "dns_failure",  # no such host
    "unreachable",  # connection refused or reset
    "server_error",  # 5xx
    "rate_limited",  # 429
    "redirects",  # too many, or a loop
    "bad_encoding",
    "store_failed",  # fetched, but the copy could not be stored (tried again, then failed)
)
TEMPORARY_CODES = frozenset(
    {"timeout", "dns_failure", "unreachable", "server_error", "rate_limited"}
)
_FETCH_ERROR_CODES = {
    "feed_timeout": "timeout",
    "feed_deadline": "timeout",
    "feed_too_large": "too_large",
    "feed_host_unresolved": "dns_failure",
    "feed_redirects": "redirects",
    "feed_bad_encoding": "bad_encoding",
    "feed_fetch_failed": "unreachable",
}


@dataclass(frozen=True)
class ArchiveSettings:
    """What archiving and link checks need from the configuration."""

    archive_dir: Path
    allow_private: bool = False
    max_bytes: int = 16 * 1024 * 1024
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    deadline_seconds: float = 60.0
    user_agent: str = "PledgeTracker-Archiver/1.0"
    max_attempts: int = 5
    retry_base: timedelta = timedelta(minutes=5)
    lease: timedelta = timedelta(minutes=10)
    host_delay: float = 1.0  # seconds between two link checks on one host
    change_threshold: float = 0.2  # share of words that differ for "changed"
    check_interval: timedelta = timedelta(days=1)
    fsync: bool = True  # each WARC reaches the disk before its row is committed
    resolver: Resolver | None = None  # None: the system's (tests pass a fake one)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ArchiveSettings:
        """From the app's configuration (a mapping: no Flask here); defaults live in
        app.ENV_SETTINGS, and the app fills ARCHIVE_DIR in (instance/archive)."""
        return cls(
            archive_dir=Path(config["ARCHIVE_DIR"]),
            allow_private=bool(config["FEEDS_ALLOW_PRIVATE"]),
            max_bytes=int(config["ARCHIVE_MAX_BYTES"]),
            connect_timeout=float(config["FEEDS_CONNECT_TIMEOUT"]),
            read_timeout=float(config["FEEDS_READ_TIMEOUT"]),
            deadline_seconds=float(config["ARCHIVE_DEADLINE_SECONDS"]),
            user_agent=f"PledgeTracker-Archiver/1.0 (+{config['PROJECT_URL']})",
            max_attempts=int(config["ARCHIVE_MAX_ATTEMPTS"]),
            host_delay=float(config["LINKCHECK_HOST_DELAY"]),
            change_threshold=float(config["LINKCHECK_CHANGE_THRESHOLD"]),
            fsync=bool(config["ARCHIVE_FSYNC"]),
        )

    @property
    def guard(self) -> AddressGuard:
        return AddressGuard(allow_private=self.allow_private, resolver=self.resolver)

    def client(self) -> httpx.Client:
        """A guarded client (close it, or use it in a with block); one per worker."""
        return make_client(
            self.guard,
            user_agent=self.user_agent,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
        )

    def client_or(self, client: httpx.Client | None) -> AbstractContextManager[httpx.Client]:
        """`with settings.client_or(client) as http:` the caller's client, else a new one
        closed at the end of the block."""
        return nullcontext(client) if client is not None else self.client()


@dataclass(frozen=True)
class Refusal:
    """Why a URL was not archived: a stable code and an English technical message."""

    code: str
    message: str = ""
    http_status: int | None = None
    final_url: str = ""

    @property
    def temporary(self) -> bool:
        return self.code in TEMPORARY_CODES


def get(
    url: str,
    client: httpx.Client,
    settings: ArchiveSettings,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
) -> FetchResult | Refusal:
    """GET url through the guard; a Refusal for what the fetcher refuses or fails at."""
    try:
        return fetch(
            url,
            client,
            guard=settings.guard,
            etag=etag,
            last_modified=last_modified,
            max_bytes=settings.max_bytes,
            deadline_seconds=settings.deadline_seconds,
            extra_headers={"Accept": ACCEPT},
            keep_raw=True,
        )
    except UnsafeFeedURL as exc:
        return Refusal("unsafe_url", str(exc))
    except FeedFetchError as exc:
        return Refusal(_FETCH_ERROR_CODES.get(exc.code, "unreachable"), str(exc))


def refusal_for_status(result: FetchResult) -> Refusal | None:
    """The refusal an HTTP status means, or None for a 200 we can archive."""
    status = result.status_code
    if status == 200:
        return None
    code = {401: "http_403", 403: "http_403", 451: "http_403", 402: "paywall", 429: "rate_limited"}
    if status in code:
        reason = code[status]
    elif status in {404, 410}:
        reason = "not_found"
    elif status >= 500:
        reason = "server_error"
    else:
        reason = "http_error"
    return Refusal(reason, f"HTTP {status}", http_status=status, final_url=result.final_url)


def host_of(url: str) -> str:
    """The URL's host name, lower-case ("" when it has none)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
