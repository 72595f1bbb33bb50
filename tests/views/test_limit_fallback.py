"""Login limits when the limiter's storage (Redis) is unreachable: still limited, in this
process's memory, never a 500; the storage is used again once it answers."""

from __future__ import annotations

import socket

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
