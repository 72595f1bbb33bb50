"""Login limits when the limiter's storage (Redis) is unreachable: still limited, in this
process's memory, never a 500; the storage is used again once it answers."""

from __future__ import annotations

import socket
from functools import partial

import pytest
from limits.storage import MemoryStorage

from tests.views.conftest import PASSWORD


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket closes


@pytest.fixture
def app_overrides() -> dict:
    return {"RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{_closed_port()}/0"}


def test_with_redis_down_logins_are_still_limited_per_process(app, auth, caplog):
    user = auth.create()
    statuses = [auth.login(user.email, "wrong password").status_code for _ in range(7)]
    assert statuses == [401] * 5 + [429, 429]
    assert auth.login(user.email, PASSWORD).status_code == 429
    assert "rate-limit storage unreachable" in caplog.text
    assert app.extensions["limit_counters"].down_since is not None


def test_a_login_succeeds_with_redis_down(auth):
    user = auth.create()
    assert auth.login(user.email).status_code == 302


def test_the_storage_is_tried_again_after_a_while(app, auth, monkeypatch):
    counters = app.extensions["limit_counters"]
    user = auth.create()
    assert auth.login(user.email, "wrong password").status_code == 401
    assert counters.down_since is not None
    # The storage comes back (a memory one stands for the restarted Redis).
    revived = MemoryStorage()
    monkeypatch.setattr(counters.flask_limiter.limiter, "storage", revived)
    counters.down_since -= counters.RECHECK_SECONDS
    assert auth.login(user.email, "wrong password").status_code == 401
    assert counters.down_since is None
    assert revived.storage  # counted in the storage again


def test_the_limiter_runs_nothing_on_requests_it_does_not_count(app, client):
    """Only explicit hits (views.auth) count: Flask-Limiter's per-request hooks (a check
    before every request, headers after, a context release) are not installed."""
    limiter = app.extensions["login_limiter"]
    hooks = [
        *app.before_request_funcs.get(None, []),
        *app.after_request_funcs.get(None, []),
        *app.teardown_request_funcs.get(None, []),
    ]
    owners = [getattr(hook, "__self__", None) for hook in hooks]
    owners += [hook.args[0] for hook in hooks if isinstance(hook, partial) and hook.args]
    assert limiter not in owners
    assert limiter in app.extensions["limiter"]  # still initialised: its storage counts logins
    assert client.get("/").status_code == 200
