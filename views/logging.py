"""Structured logs (structlog): one JSON line per request, each line with a request id.

What a line holds is chosen, never copied from the request: the route's rule and
endpoint (not the path nor the query string, which can carry a reset token, an
invitation or an email address), the method, the status, the duration, the
request id and the worker's pid. Never the visitor's address, a cookie, a header
or the user agent. Every other log line (Flask's 500s with their traceback, the
CLI's and the poller's) goes through the same formatter, gets the request id (or,
outside a request, one id per command run) and has any email address masked.

The request id comes from `X-Request-ID` when a proxy sends a short safe token
(so its logs and ours can be joined), is generated otherwise, and is returned in
the response's `X-Request-ID`. LOG_FORMAT chooses JSON (default) or console lines.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
import uuid
from collections.abc import MutableMapping
from typing import Any

import structlog
from flask import Flask, Response, has_request_context, request
from flask.logging import default_handler

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy's id may look like (nginx's $request_id, a UUID): ASCII letters,
# digits, dot, dash, underscore, 8 to 64 of them. Anything else (a newline that
# would forge a log line, a megabyte, non-ASCII) is replaced by our own.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
LOG_FORMATS = ("json", "console")
REQUEST_LOGGER = "pledges.requests"
# Keys no line may carry, whoever passed them.
PRIVATE_KEYS = frozenset(
    {"email", "ip", "remote_addr", "user_agent", "cookie", "cookies", "headers", "query", "form"}
)
# An email address anywhere in a message or a traceback (an exception may quote one).
EMAIL = re.compile(r"[^\s@<>()\[\]\"',;:]+@[^\s@<>()\[\]\"',;:]+\.[A-Za-z]{2,}")
_ENVIRON_ID = "pledges.request_id"
_ENVIRON_START = "pledges.request_start"
_run_id: tuple[int, str] | None = None


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id() -> str:
    """This request's id, chosen once (in the WSGI environ: one per request, whatever `g` is)."""
    environ = request.environ
    if _ENVIRON_ID not in environ:
        asked = request.headers.get(REQUEST_ID_HEADER, "")
        environ[_ENVIRON_ID] = asked if SAFE_REQUEST_ID.fullmatch(asked) else new_request_id()
    return environ[_ENVIRON_ID]


def run_id() -> str:
    """Outside a request (CLI commands, the poller, a worker starting): one id per process."""
    global _run_id
    if _run_id is None or _run_id[0] != os.getpid():  # a forked worker gets its own
        _run_id = (os.getpid(), new_request_id())
    return _run_id[1]


def _add_ids(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> Any:
    event.setdefault("request_id", request_id() if has_request_context() else run_id())
    event.setdefault("pid", os.getpid())
    # Flask logs a 500 as "Exception on <raw path> [METHOD]": the path may hold a token.
    if has_request_context() and event.get("event") == (
        f"Exception on {request.path} [{request.method}]"
    ):
        event["event"] = "unhandled exception"
        event.update(_route())
    return event


def _scrub(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> Any:
    for key in PRIVATE_KEYS & event.keys():
        del event[key]
    for key, value in event.items():
        if isinstance(value, str) and "@" in value:
            event[key] = EMAIL.sub("[email]", value)
    return event


def _route() -> dict[str, Any]:
    rule = request.url_rule
    return {
        "method": request.method,
        "endpoint": request.endpoint,
        "rule": rule.rule if rule is not None else None,  # None: no route matched (404)
    }


class NoAccessLines(logging.Filter):
    """Drops the development server's access lines (werkzeug's "<address> - - [date]
    "GET <path and query>" status"): the address is the visitor's and the query may hold
    a token; our own request line replaces them. Its other lines (the address served) stay."""

    def filter(self, record: logging.LogRecord) -> bool:
        return " - - [" not in str(record.msg)


class _StderrHandler(logging.StreamHandler):
    """Writes to the sys.stderr of the moment (tests and the CLI runner swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # a read-only stream, looked up at each write
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_ids,
    ]


class _StderrLines:
    """The request line's end: one line written to the sys.stderr of the moment.

    A stderr that cannot be written (a log reader restarting: broken pipe; closed;
    none at all) loses the line, never the answer: as the standard library's
    StreamHandler, which wrote it before, never lets a write error reach the request.
    """

    def info(self, line: str) -> None:
        try:
            stream = sys.stderr
            stream.write(line + "\n")
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass


def _request_logger_name(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> Any:
    event["logger"] = REQUEST_LOGGER
    return event


# The request line's logger, set by configure_logging (its renderer follows LOG_FORMAT).
_request_log: Any = None


def configure_logging(log_format: str) -> None:
    """Route structlog and the standard library's loggers through one formatter (per process)."""
    if log_format not in LOG_FORMATS:
        raise RuntimeError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}: {log_format!r}")
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*_shared_processors(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _scrub,
            renderer,
        ],
    )
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, _StderrHandler)), None)
    if handler is None:
        handler = _StderrHandler()
        root.addHandler(handler)
    handler.setFormatter(formatter)  # the last app's LOG_FORMAT wins (one per process)
    # The request line, written on every answer, goes through structlog alone: the same
    # keys in the same order as a line through the standard library, without its
    # LogRecord, caller lookup and formatter (a third of a static file's answer time).
    global _request_log
    _request_log = structlog.wrap_logger(
        _StderrLines(),
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            _request_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _add_ids,
            _scrub,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
    )
    logging.getLogger(REQUEST_LOGGER).setLevel(logging.INFO)
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, NoAccessLines) for f in werkzeug.filters):
        werkzeug.addFilter(NoAccessLines())


def init_logging(app: Flask) -> None:
    """Configure the logs, and log every request once, with its id in the answer's header."""
    configure_logging(app.config["LOG_FORMAT"])
    app.logger.removeHandler(default_handler)  # ours, on the root logger, formats everything
    if not app.debug:
        app.logger.setLevel(logging.INFO)
    requests = logging.getLogger(REQUEST_LOGGER)

    @app.before_request
    def _start() -> None:
        request.environ[_ENVIRON_START] = time.perf_counter()

    @app.after_request
    def _log_request(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = request_id()
        started = request.environ.get(_ENVIRON_START, time.perf_counter())
        if not requests.isEnabledFor(logging.INFO):  # silenced by the standard library
            return response
        _request_log.info(
            "request",
            **_route(),
            status=response.status_code,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
        )
        return response
