"""Structured logs: one JSON line per request with the id returned in X-Request-ID, and
nothing personal in any line (no address, email, cookie, user agent, query string)."""

from __future__ import annotations

import json
import logging
import re

import pytest

from app import create_app
from tests.factories import make_pledge
from views.logging import NoAccessLines, configure_logging

EMAIL = "someone.private@example.org"
AGENT = "AgentSmith/9.9 (private browser)"


def log_lines(capsys) -> list[dict]:
    lines = []
    for line in capsys.readouterr().err.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def request_lines(capsys) -> list[dict]:
    return [line for line in log_lines(capsys) if line.get("event") == "request"]


def test_a_request_logs_one_json_line_holding_the_id_returned_in_the_header(
    client, app_session, capsys
):
    pledge = make_pledge(app_session)
    app_session.commit()
    capsys.readouterr()
    response = client.get(f"/pledges/{pledge.id}")
    assert response.status_code == 200
    [line] = request_lines(capsys)
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["method"] == "GET"
    assert line["endpoint"] == "public.pledge"
    assert line["rule"] == "/pledges/<int:pledge_id>"  # the route, not the path asked
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert isinstance(line["pid"], int)
    assert line["level"] == "info"


def test_every_request_gets_its_own_id(client, capsys):
    first = client.get("/").headers["X-Request-ID"]
    second = client.get("/").headers["X-Request-ID"]
    assert first != second
    assert [line["request_id"] for line in request_lines(capsys)][-2:] == [first, second]


def test_no_address_email_cookie_agent_or_query_reaches_the_log(client, auth, capsys):
    auth.create(email=EMAIL)
    capsys.readouterr()
    environ = {"REMOTE_ADDR": "203.0.113.77", "HTTP_USER_AGENT": AGENT}
    client.get(f"/?q={EMAIL}&email={EMAIL}&utm_source=tracker", environ_overrides=environ)
    client.get(f"/auth/reset/a-reset-token-0123?email={EMAIL}", environ_overrides=environ)
    client.post(
        "/auth/forgot",
        data={"email": EMAIL, "csrf_token": auth.login_token()},
        environ_overrides=environ,
    )
    login = client.post(
        "/auth/login",
        data={"email": EMAIL, "password": "wrong password", "csrf_token": auth.login_token()},
        environ_overrides=environ,
    )
    assert login.status_code == 401
    auth.login(EMAIL)  # now logged in: a session cookie travels with the next request
    cookie = client.get_cookie("session")
    assert cookie is not None
    client.get(f"/admin/?email={EMAIL}", environ_overrides=environ)
    err = capsys.readouterr().err
    assert '"event": "request"' in err
    for private in (
        EMAIL,
        "203.0.113.77",
        "127.0.0.1",
        AGENT,
        "utm_source",
        "a-reset-token-0123",
        cookie.value,
    ):
        assert private not in err
    assert "@" not in err


@pytest.mark.parametrize(
    "forged",
    [
        "x" * 65,
        "short",
        "abc\ndef-ghijkl",
        "abcdefgh\r\nX-Admin: 1",
        "idé-ntifiant-12345",
        "a b c d e f g h",
    ],
)
def test_a_forged_request_id_is_replaced(client, capsys, forged):
    response = client.get("/", environ_overrides={"HTTP_X_REQUEST_ID": forged})
    returned = response.headers["X-Request-ID"]
    assert returned != forged
    assert re.fullmatch(r"[0-9a-f]{32}", returned)
    [line] = request_lines(capsys)
    assert line["request_id"] == returned


def test_a_proxys_safe_request_id_is_kept(client, capsys):
    given = "3f2b6c1e-9d4a-4b1e-8f55-0a6c2d9e7b11"
    response = client.get("/", headers={"X-Request-ID": given})
    assert response.headers["X-Request-ID"] == given
    assert request_lines(capsys)[-1]["request_id"] == given


@pytest.fixture
def app_overrides() -> dict:
    # Let the 500 handler answer instead of the test client re-raising the error.
    return {"PROPAGATE_EXCEPTIONS": False}


def test_a_500_logs_its_traceback_with_the_request_id_and_no_path_or_email(app, capsys):
    def explode(token: str) -> str:
        raise RuntimeError(f"failed for {EMAIL}")

    app.add_url_rule("/boom/<token>", "boom", explode)
    capsys.readouterr()
    response = app.test_client().get("/boom/secret-reset-token-42?email=x")
    assert response.status_code == 500
    lines = log_lines(capsys)
    [error] = [line for line in lines if line["level"] == "error"]
    assert error["request_id"] == response.headers["X-Request-ID"]
    assert error["event"] == "unhandled exception"
    assert error["rule"] == "/boom/<token>"
    assert "RuntimeError: failed for [email]" in error["exception"]
    assert "Traceback" in error["exception"]
    [request] = [line for line in lines if line.get("event") == "request"]
    assert request["status"] == 500
    assert request["request_id"] == error["request_id"]
    text = json.dumps(lines)
    assert "secret-reset-token-42" not in text
    assert EMAIL not in text


def test_lines_outside_a_request_carry_the_runs_id(app, capsys):
    with app.app_context():
        app.logger.warning("digest refused for %s", EMAIL)
        app.logger.warning("second line")
    first, second = log_lines(capsys)
    assert first["event"] == "digest refused for [email]"
    assert first["request_id"] == second["request_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", first["request_id"])


def test_console_format_and_an_unknown_format(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'console.db'}"
    try:
        app = create_app(
            {"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url, "LOG_FORMAT": "console"}
        )
        with app.app_context():
            app.logger.warning("readable line")
        err = capsys.readouterr().err
        assert "readable line" in err
        assert not err.lstrip().startswith("{")
        with pytest.raises(RuntimeError, match="LOG_FORMAT"):
            create_app(
                {"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url, "LOG_FORMAT": "xml"}
            )
    finally:
        configure_logging("json")  # the process-wide formatter, back as the other tests expect


def test_the_development_servers_access_lines_are_dropped(app):
    # werkzeug's request line: the visitor's address and the raw path and query.
    access = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '203.0.113.9 - - [02/Dec/2026 08:00:00] "GET /auth/reset/tok?e=a%40b.fr HTTP/1.1" 200 -',
        (),
        None,
    )
    banner = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, " * Running on http://127.0.0.1:5000", (), None
    )
    assert any(isinstance(f, NoAccessLines) for f in logging.getLogger("werkzeug").filters)
    assert not NoAccessLines().filter(access)
    assert NoAccessLines().filter(banner)


def test_request_lines_follow_the_format_and_the_standard_librarys_level(tmp_path, capsys):
    """The request line is written by structlog directly (views.logging): it still follows
    LOG_FORMAT, carries the same keys as every other line, and a level set on its
    standard-library logger (`pledges.requests`) still silences it."""
    from views.logging import REQUEST_LOGGER

    url = f"sqlite:///{tmp_path / 'lines.db'}"
    requests = logging.getLogger(REQUEST_LOGGER)
    try:
        app = create_app(
            {"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url, "LOG_FORMAT": "console"}
        )
        capsys.readouterr()
        app.test_client().get("/healthz")
        err = capsys.readouterr().err
        assert "request" in err
        assert "health.healthz" in err
        assert not err.lstrip().startswith("{")

        app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url})
        capsys.readouterr()
        app.test_client().get("/healthz")
        with app.app_context():
            app.logger.warning("another line")
        lines = log_lines(capsys)
        [request_line] = [line for line in lines if line["event"] == "request"]
        [other] = [line for line in lines if line["event"] == "another line"]
        assert list(request_line)[-6:] == [
            "event",
            "level",
            "logger",
            "timestamp",
            "request_id",
            "pid",
        ]
        assert list(other) == ["event", "level", "logger", "timestamp", "request_id", "pid"]
        assert request_line["logger"] == REQUEST_LOGGER

        requests.setLevel(logging.WARNING)
        app.test_client().get("/healthz")
        assert request_lines(capsys) == []
    finally:
        requests.setLevel(logging.INFO)
        configure_logging("json")


def test_a_stderr_that_cannot_be_written_loses_the_line_not_the_answer(app, monkeypatch):
    """A broken pipe (the log reader restarting), a closed stream or none at all: the
    request line is lost, the page is still served."""
    import io
    import sys

    class Broken(io.StringIO):
        def write(self, _text):
            raise BrokenPipeError

    closed = io.StringIO()
    closed.close()
    client = app.test_client()
    for stream in (Broken(), closed, None):
        monkeypatch.setattr(sys, "stderr", stream)
        for path in ("/static/css/site.css", "/"):
            response = client.get(path)
            response.close()
            assert response.status_code == 200, (stream, path)
