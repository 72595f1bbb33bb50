"""Fetching feeds over HTTP with limits and an SSRF guard; no parsing and no database here.

`fetch()` returns the body bytes, the response headers, the final URL and whether
the redirects were permanent. Every address we connect to is public (unless
`allow_private`, for development and tests): checked on every redirect hop before
the request, and again on the very address the socket connects to, so a DNS
answer that changes between the check and the connection cannot smuggle us into
the private network (issue 3).
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import ipaddress
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from pledges.errors import FeedFetchError, FeedTooLarge, UnsafeFeedURL

Resolver = Callable[[str, int], list[str]]

MAX_REDIRECTS = 5
REDIRECT_CODES = {301, 302, 303, 307, 308}
PERMANENT_CODES = {301, 308}
SUCCESS_CODES = {200, 304}  # the only answers after which a permanent redirect is followed
# Only the codings we decode ourselves, with a bound on the output (gzip bombs).
ACCEPT_ENCODING = "gzip, deflate"


__all__ = ["FeedFetchError", "FeedTooLarge", "UnsafeFeedURL"]  # re-exported for callers


# getaddrinfo has no timeout of its own, and a lookup the system cannot answer may block
# for many seconds per name server: each lookup runs on a thread of its own (a daemon:
# one that hangs never holds up the process's exit), and a fetch waits for it no longer
# than its deadline (DNS_TIMEOUT outside a fetch). At most MAX_LOOKUPS run at once:
# past that, a lookup waits for a slot within the same time. A lookup cut short is a
# timeout (temporary), never "no such host": a link check must not call a live link
# dead because a name server was slow.
MAX_LOOKUPS = 4
DNS_TIMEOUT = 10.0
_lookup_slots = threading.BoundedSemaphore(MAX_LOOKUPS)


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the host name resolves to (IPv4 and IPv6), within the running
    fetch's deadline."""
    deadline = _Deadline.running()
    wait = deadline.bound(DNS_TIMEOUT) if deadline is not None else DNS_TIMEOUT
    ends = time.monotonic() + wait
    if not _lookup_slots.acquire(timeout=wait):
        raise _lookup_timeout(host, wait, deadline)
    answer: dict[str, Any] = {}
    done = threading.Event()

    def lookup() -> None:
        try:
            answer["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except BaseException as exc:  # handed to the waiting thread
            answer["error"] = exc
        finally:
            _lookup_slots.release()
            done.set()

    threading.Thread(target=lookup, name="dns-lookup", daemon=True).start()
    if not done.wait(max(ends - time.monotonic(), 0.0)):
        raise _lookup_timeout(host, wait, deadline)
    error = answer.get("error")
    if isinstance(error, (socket.gaierror, UnicodeError)):
        raise FeedFetchError(
            f"cannot resolve host {host!r}: {error}", code="feed_host_unresolved", field="url"
        ) from error
    if error is not None:
        raise error
    # Stream sockets over IPv4/IPv6: the sockaddr's first item is the address text.
    return list(dict.fromkeys(str(info[4][0]) for info in answer["infos"]))


def _lookup_timeout(host: str, wait: float, deadline: _Deadline | None) -> FeedFetchError:
    if deadline is not None and deadline.bound(None) <= 0:
        return _deadline_error(deadline.seconds)
    return FeedFetchError(
        f"no answer for host {host!r} within {wait:g}s", code="feed_timeout", field="url"
    )


def is_public_address(address: str) -> bool:
    """True only for a globally routable unicast address.

    Loopback, private, link-local, multicast, reserved, unspecified and shared
    (CGNAT) addresses are refused, and so are IPv6 forms that embed one of them
    (IPv4-mapped ::ffff:a.b.c.d, 6to4 2002::/16, NAT64 64:ff9b::/96, Teredo).
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = [ip.ipv4_mapped, ip.sixtofour]
        if ip.teredo:
            embedded.append(ip.teredo[1])
        if ip in ipaddress.ip_network("64:ff9b::/96"):
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if any(v4 is not None and not is_public_address(str(v4)) for v4 in embedded):
            return False
        if ip.ipv4_mapped is not None:
            return True  # its embedded IPv4 address was just judged public
    bad = (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.ip_network("100.64.0.0/10"))
    )
    return ip.is_global and not bad


@dataclass(frozen=True)
class AddressGuard:
    """The address policy shared by the URL checks and the connecting transport."""

    allow_private: bool = False
    resolver: Resolver | None = None  # None: system_resolver, looked up at call time

    def resolve(self, host: str, port: int) -> list[str]:
        try:
            return [str(ipaddress.ip_address(host.strip("[]")))]  # a literal needs no lookup
        except ValueError:
            pass
        resolver = self.resolver or system_resolver
        addresses = resolver(host, port)
        if not addresses:
            raise FeedFetchError(
                f"host {host!r} has no address", code="feed_host_unresolved", field="url"
            )
        return addresses

    def checked_addresses(self, host: str, port: int) -> list[str]:
        """The host's addresses, refusing the lot if any of them is not public."""
        addresses = self.resolve(host, port)
        if not self.allow_private:
            for address in addresses:
                if not is_public_address(address):
                    raise UnsafeFeedURL(
                        f"refused: {host} resolves to a non-public address ({address})",
                        code="feed_url_private_address",
                        field="url",
                    )
        return addresses

    def check_url(self, url: str) -> str:
        """The URL if it is http(s) with a host whose addresses are all allowed."""
        try:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise UnsafeFeedURL(
                f"refused: not a valid URL ({exc})", code="feed_url_invalid", field="url"
            ) from exc
        if parts.scheme not in {"http", "https"}:
            raise UnsafeFeedURL(
                "refused: only http and https feed URLs are allowed, "
                f"not {parts.scheme or 'none'!r}",
                code="feed_url_scheme",
                field="url",
            )
        if not parts.hostname:
            raise UnsafeFeedURL(
                "refused: the URL has no host", code="feed_url_invalid", field="url"
            )
        if parts.username or parts.password:
            raise UnsafeFeedURL(
                "refused: credentials in feed URLs are not allowed",
                code="feed_url_credentials",
                field="url",
            )
        self.checked_addresses(parts.hostname, port)
        return url


class GuardedBackend(httpcore.NetworkBackend):
    """Resolves once, checks, and connects to that very address (no second DNS lookup).

    Its streams report their socket to the fetch's running deadline (`_Deadline`), so
    that the deadline can cut a connection in any phase: connecting, TLS, headers, body.
    """

    def __init__(self, guard: AddressGuard) -> None:
        self.guard = guard
        self.inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self.guard.checked_addresses(host, port)
        deadline = _Deadline.running()
        last_error: Exception | None = None
        for address in addresses:
            if deadline is not None:
                if deadline.fired:
                    raise httpcore.ConnectTimeout("the fetch's deadline has passed")
                timeout = deadline.bound(timeout)  # one address after another, not each
            try:
                # The literal IP is passed on, so the inner backend does no lookup;
                # TLS still verifies the certificate against the original host name.
                stream = self.inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
                continue
            return _WatchedStream(stream)
        assert last_error is not None
        raise last_error

    def connect_unix_socket(self, *args: object, **kwargs: object) -> httpcore.NetworkStream:
        raise UnsafeFeedURL(
            "refused: unix sockets are not feed addresses", code="feed_url_invalid", field="url"
        )

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


class _WatchedStream(httpcore.NetworkStream):
    """A connection that puts its socket under the running fetch's deadline before any
    read or write (a pooled connection is reused by later fetches: each watches it)."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self.inner = inner
        self._watched_by: _Deadline | None = None
        self._watch()  # a new connection: before the TLS handshake and the request

    def _watch(self) -> None:
        deadline = _Deadline.running()
        if deadline is not None and deadline is not self._watched_by:
            self._watched_by = deadline
            deadline.watch(self.inner.get_extra_info("socket"))

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self._watch()
        return self.inner.read(max_bytes, timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._watch()
        self.inner.write(buffer, timeout)

    def close(self) -> None:
        self.inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        self._watch()
        return _WatchedStream(self.inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport, with its connection pool built on GuardedBackend."""

    def __init__(self, guard: AddressGuard) -> None:
        super().__init__(
            trust_env=False
        )  # no proxy from the environment: it would bypass the guard
        # httpx does not expose network_backend; rebuilding its pool is the documented
        # httpcore way to choose one (httpcore.ConnectionPool(network_backend=...)).
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            network_backend=GuardedBackend(guard),
        )


def _no_cookies() -> http.cookiejar.CookieJar:
    """A cookie jar that keeps nothing: no fetch ever sends back a cookie it was given."""
    return http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))


def make_client(
    guard: AddressGuard,
    *,
    user_agent: str,
    connect_timeout: float = 10.0,
    read_timeout: float = 20.0,
) -> httpx.Client:
    """An httpx client whose every connection goes through the guard; redirects are ours."""
    return httpx.Client(
        transport=GuardedTransport(guard),
        follow_redirects=False,
        trust_env=False,
        cookies=_no_cookies(),
        timeout=httpx.Timeout(connect=connect_timeout, read=read_timeout, write=10.0, pool=5.0),
        headers={
            "User-Agent": user_agent,
            "Accept-Encoding": ACCEPT_ENCODING,
            "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, "
            "text/xml;q=0.9, */*;q=0.5",
        },
    )


def user_agent_for(project_url: str) -> str:
    """The User-Agent naming the project and where to read about it."""
    return f"PledgeTracker-FeedPoller/1.0 (+{project_url})"


@dataclass
class FetchResult:
    url: str  # the URL asked for
    final_url: str  # after redirects
    status_code: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    content: bytes = b""  # decompressed body (empty unless 200)
    permanent_url: str | None = None  # set when every redirect on the way was permanent
    # What the archive's WARC records (pledges.archive): the request as sent, the
    # status line and headers as received (names in their case and order) and,
    # with keep_raw, the body as received (still compressed if it came so).
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    raw_headers: list[tuple[str, str]] = field(default_factory=list)
    http_version: str = "HTTP/1.1"
    reason_phrase: str = ""
    raw_content: bytes = b""

    @property
    def not_modified(self) -> bool:
        return self.status_code == 304


def fetch(
    url: str,
    client: httpx.Client,
    *,
    guard: AddressGuard,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = 5 * 1024 * 1024,
    deadline_seconds: float = 60.0,
    max_redirects: int = MAX_REDIRECTS,
    extra_headers: Mapping[str, str] | None = None,
    keep_raw: bool = False,
) -> FetchResult:
    """GET a feed: conditional, redirects followed by hand (each hop checked), body bounded.

    Raises UnsafeFeedURL for a refused address or scheme, FeedFetchError for
    timeouts, the deadline, too many redirects and bodies past `max_bytes`. Any
    HTTP status is returned; only a 200 carries a body. `permanent_url` is set
    only when the final answer is a success (200 or 304): a 301 to an error page
    must not rewrite the feed's address. `extra_headers` are sent on every hop;
    `keep_raw` also keeps the body as received in `raw_content`.
    """
    started = time.monotonic()
    headers: dict[str, str] = dict(extra_headers or {})
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current = url
    all_permanent = True
    seen: set[str] = set()
    # One deadline for the whole fetch: connections, headers and bodies of every hop.
    with _Deadline(deadline_seconds) as deadline:
        for _hop in range(max_redirects + 1):
            guard.check_url(current)
            seen.add(current)
            if deadline_seconds - (time.monotonic() - started) <= 0 or deadline.fired:
                raise _deadline_error(deadline_seconds)
            result = _get_once(
                current, client, headers, max_bytes, started, deadline, keep_raw=keep_raw
            )
            if result.status_code in REDIRECT_CODES and "location" in result.headers:
                all_permanent = all_permanent and result.status_code in PERMANENT_CODES
                target = urljoin(current, result.headers["location"].strip())
                if target in seen:
                    raise FeedFetchError(f"redirect loop at {target}", code="feed_redirects")
                current = target
                continue
            result.url = url
            if current != url and all_permanent and result.status_code in SUCCESS_CODES:
                result.permanent_url = current
            return result
    raise FeedFetchError(f"more than {max_redirects} redirects", code="feed_redirects")


def _deadline_error(deadline_seconds: float) -> FeedFetchError:
    return FeedFetchError(f"deadline of {deadline_seconds:g}s exceeded", code="feed_deadline")


class _Deadline:
    """One fetch's total time limit, every redirect hop included: when it passes, every
    socket the fetch uses is shut down, which wakes a blocking connect, TLS handshake,
    header or body read at once, whatever it is waiting for.

    A read timeout bounds each wait, not their sum: a server that trickles a header line
    or a byte just before every timeout would hold us for many of them (finding 18, and
    the same with headers). The guarded backend's streams report their socket to the
    deadline running on their thread (httpx's sync client does all I/O on the caller's
    thread); each is watched through a duplicate of its file descriptor, which also
    covers the TLS handshake (the plain socket object is detached then) and is never
    reused for another file while we hold it.
    """

    _local = threading.local()

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.fired = False
        self._ends = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._done = False
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True
        self._outer: _Deadline | None = None

    @classmethod
    def running(cls) -> _Deadline | None:
        deadline: _Deadline | None = getattr(cls._local, "deadline", None)
        return deadline

    def bound(self, timeout: float | None) -> float:
        """A wait no longer than the time left."""
        left = max(self._ends - time.monotonic(), 0.0)
        return left if timeout is None else min(timeout, left)

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            if self._done:
                return
            try:
                watched = socket.fromfd(sock.fileno(), sock.family, sock.type)
            except OSError:
                return  # already closed: nothing to wait on
            self._sockets.append(watched)
            if self.fired:
                self._shut(watched)

    def _fire(self) -> None:
        with self._lock:
            if self._done:  # the fetch ended: its sockets may serve the next one
                return
            self.fired = True
            for watched in self._sockets:
                self._shut(watched)

    @staticmethod
    def _shut(watched: socket.socket) -> None:
        with contextlib.suppress(OSError):
            watched.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Deadline:
        self._outer = self.running()
        self._local.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()
        with self._lock:
            self._done = True
            for watched in self._sockets:
                watched.close()  # our duplicate only: the connection stays as it is
            self._sockets.clear()
        self._local.deadline = self._outer


def _get_once(
    url: str,
    client: httpx.Client,
    headers: Mapping[str, str],
    max_bytes: int,
    started: float,
    deadline: _Deadline,
    *,
    keep_raw: bool = False,
) -> FetchResult:
    deadline_seconds = deadline.seconds
    remaining = max(0.1, deadline_seconds - (time.monotonic() - started))
    timeout = client.timeout
    # No single wait may outlast the feed's total deadline (which also cuts their sum).
    per_request = httpx.Timeout(
        connect=min(timeout.connect or remaining, remaining),
        read=min(timeout.read or remaining, remaining),
        write=min(timeout.write or remaining, remaining),
        pool=min(timeout.pool or remaining, remaining),
    )
    try:
        with client.stream("GET", url, headers=dict(headers), timeout=per_request) as response:
            result = FetchResult(
                url=url,
                final_url=url,
                status_code=response.status_code,
                headers={k.lower(): v for k, v in response.headers.items()},
                request_headers=_text_pairs(response.request.headers.raw),
                raw_headers=_text_pairs(response.headers.raw),
                http_version=response.http_version,
                reason_phrase=response.reason_phrase,
            )
            if response.status_code == 200:
                raw = bytearray() if keep_raw else None
                result.content = _read_bounded(
                    response, max_bytes, started, deadline_seconds, raw=raw
                )
                result.raw_content = bytes(raw or b"")
                if deadline.fired:  # the body may look complete when the socket was shut
                    raise _deadline_error(deadline_seconds)
            return result
    except httpx.TimeoutException as exc:
        if deadline.fired:
            raise _deadline_error(deadline_seconds) from exc
        raise FeedFetchError(
            f"timed out ({type(exc).__name__}) fetching {url}", code="feed_timeout"
        ) from exc
    except httpx.HTTPError as exc:
        if deadline.fired:
            raise _deadline_error(deadline_seconds) from exc
        raise FeedFetchError(
            f"HTTP error fetching {url}: {str(exc) or type(exc).__name__}", code="feed_fetch_failed"
        ) from exc


def _text_pairs(raw: Iterable[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, value in raw]


def _read_bounded(
    response: httpx.Response,
    max_bytes: int,
    started: float,
    deadline_seconds: float,
    *,
    raw: bytearray | None = None,
) -> bytes:
    """The body, decompressed, refusing more than max_bytes raw or decompressed.

    We decode gzip/deflate ourselves with zlib's max_length, so a small
    compressed bomb never expands past the limit in memory, even inside one chunk.
    """
    declared = response.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
        raise FeedTooLarge(
            f"body too large: {declared} bytes declared, limit {max_bytes}", code="feed_too_large"
        )
    decoder = _decoder(response.headers.get("content-encoding", ""))
    raw_total = 0
    out = bytearray()
    for chunk in response.iter_raw():  # as received: no waiting to fill a buffer
        raw_total += len(chunk)
        if raw_total > max_bytes:
            raise FeedTooLarge(
                f"body too large: more than {max_bytes} bytes received", code="feed_too_large"
            )
        if time.monotonic() - started > deadline_seconds:
            raise _deadline_error(deadline_seconds)
        if raw is not None:
            raw += chunk
        out += decoder(chunk, max_bytes - len(out))
        if len(out) > max_bytes:
            raise FeedTooLarge(
                f"body too large: more than {max_bytes} bytes once decompressed",
                code="feed_too_large",
            )
    out += decoder(b"", max_bytes - len(out))
    if len(out) > max_bytes:
        raise FeedTooLarge(
            f"body too large: more than {max_bytes} bytes once decompressed", code="feed_too_large"
        )
    return bytes(out)


def _decoder(content_encoding: str) -> Callable[[bytes, int], bytes]:
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return lambda data, _room: data
    if len(codings) > 1 or codings[0] not in {"gzip", "x-gzip", "deflate"}:
        raise FeedFetchError(
            f"unsupported Content-Encoding {content_encoding!r}", code="feed_bad_encoding"
        )
    # gzip: header expected; deflate: zlib-wrapped or raw (servers send both).
    wbits = zlib.MAX_WBITS | 16 if codings[0] in {"gzip", "x-gzip"} else zlib.MAX_WBITS | 32
    z = zlib.decompressobj(wbits)
    raw_tried = codings[0] == "gzip"

    def decode(data: bytes, room: int) -> bytes:
        nonlocal z, raw_tried
        try:
            # room + 1 bytes at most: one byte past the limit is enough to refuse.
            result = z.decompress(z.unconsumed_tail + data, max(room, 0) + 1)
            if not data and not z.unconsumed_tail:
                result += z.flush()
        except zlib.error as exc:
            if not raw_tried and codings[0] == "deflate":
                raw_tried = True
                z = zlib.decompressobj(-zlib.MAX_WBITS)
                return decode(data, room)
            raise FeedFetchError(
                f"corrupt {codings[0]} body: {exc}", code="feed_bad_encoding"
            ) from exc
        return result

    return decode
