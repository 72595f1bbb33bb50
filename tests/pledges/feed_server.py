"""A tiny threaded HTTP server on 127.0.0.1 for feed tests: routes, delays, request log.

Tests never reach the internet: every feed they fetch is served from here.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FEEDS = Path(__file__).resolve().parents[1] / "data" / "feeds"


def sample(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # before the status line
    chunks: int = 1  # body split into this many writes...
    chunk_delay: float = 0.0  # ...with this pause between them
    content_length: bool = True


@dataclass
class Request:
    path: str
    headers: dict[str, str]


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Reply | Callable[[Request], Reply]] = {}
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        self.base = ""
        self.port = 0

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def hits(self, path: str) -> int:
        with self.lock:
            return sum(1 for r in self.requests if r.path == path)


def _handler(server_state: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, *args) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            request = Request(self.path, {k.lower(): v for k, v in self.headers.items()})
            with server_state.lock:
                server_state.requests.append(request)
            route = server_state.routes.get(self.path)
            reply = route(request) if callable(route) else route
            if reply is None:
                reply = Reply(404, b"not found")
            # The client may give up (timeouts, size limits): that is the test.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._send(reply)

        def _send(self, reply: Reply) -> None:
            if reply.delay:
                time.sleep(reply.delay)
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.content_length:
                self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            size = max(1, len(reply.body) // max(1, reply.chunks))
            for start in range(0, len(reply.body), size):
                self.wfile.write(reply.body[start : start + size])
                self.wfile.flush()
                if reply.chunk_delay:
                    time.sleep(reply.chunk_delay)

    return Handler


@contextmanager
def serving() -> Iterator[FeedServer]:
    state = FeedServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    state.base = f"http://127.0.0.1:{state.port}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def _answer_raw(
    conn: socket.socket, path: bytes, stop: threading.Event, lines: int, interval: float
) -> None:
    if path == b"/ok":
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    elif path == b"/redirect":
        conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: /trickle\r\nContent-Length: 0\r\n\r\n")
    else:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for _ in range(lines):
            if stop.is_set():
                return
            conn.sendall(b"X-A: b\r\n")
            time.sleep(interval)
        conn.sendall(b"Content-Length: 2\r\n\r\nok")


def _serve_raw(conn: socket.socket, stop: threading.Event, lines: int, interval: float) -> None:
    """Answers the requests of one keep-alive connection, one after the other."""
    with conn, contextlib.suppress(OSError):
        pending = b""
        while not stop.is_set():
            while b"\r\n\r\n" not in pending:
                data = conn.recv(65536)
                if not data:
                    return
                pending += data
            head, _, pending = pending.partition(b"\r\n\r\n")
            _answer_raw(conn, head.split(b" ", 2)[1], stop, lines, interval)


@contextmanager
def trickling_headers(interval: float = 0.3, lines: int = 40) -> Iterator[str]:
    """A raw HTTP/1.1 server on 127.0.0.1 (keep-alive) whose /trickle answer sends its
    status line, then one header line every `interval` seconds, each well inside a read
    timeout; /ok answers at once and /redirect sends to /trickle. Yields the base URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            args = (conn, stop, lines, interval)
            threading.Thread(target=_serve_raw, args=args, daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        listener.close()
