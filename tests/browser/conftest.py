"""Browser fixtures: a live server on a free 127.0.0.1 port and Debian's Chromium via Playwright.

Every page records its network requests; a test fails if any went to a host other
than the live server (no third-party request from any page).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlmodel import Session, SQLModel
from werkzeug.serving import make_server

from app import create_app
from models.db import make_engine

CHROMIUM = "/usr/bin/chromium"
# Without these, Chromium phones home at start-up (and this machine has no network).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--metrics-recording-only",
]


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    app: object
    engine: object
    threads: list = field(default_factory=list)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Arrange data: a session on the server's database, committed on exit."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield session
            session.commit()


@contextmanager
def serve(app, port: int | None = None) -> Iterator[str]:
    """Serve a WSGI app on 127.0.0.1 in a thread; yields its base URL."""
    port = port or free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture(autouse=True)
def _cheap_passwords(cheap_hasher):
    """Every browser test hashes passwords cheaply (tests/conftest.py)."""


@pytest.fixture
def live_overrides() -> dict:
    """Override in a test module to change the live app's configuration."""
    return {}


@pytest.fixture
def live_server(tmp_path, live_overrides) -> Iterator[LiveServer]:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    config = {
        "TESTING": True,
        "DATABASE_URL": url,
        "SECRET_KEY": "browser-test-key",
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    config.update(live_overrides)
    app = create_app(config)
    with serve(app) as base:
        app.config["SITE_URL"] = base
        yield LiveServer(url=base, app=app, engine=engine)
    app.extensions["db_engine"].dispose()
    engine.dispose()


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def chromium(playwright_instance):
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@dataclass
class PageRecorder:
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def _open_context(chromium, recorder: PageRecorder, **kwargs):
    context = chromium.new_context(**kwargs)
    context.on("request", lambda req: recorder.requests.append(req.url))

    def on_page(page):
        page.on(
            "console",
            lambda msg: recorder.console_errors.append(msg.text) if msg.type == "error" else None,
        )

        def on_dialog(dialog):
            recorder.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)

    context.on("page", on_page)
    return context


@pytest.fixture
def recorder() -> PageRecorder:
    return PageRecorder()


@pytest.fixture
def new_context(chromium, recorder) -> Iterator[Callable]:
    """Factory for extra browser contexts (e.g. JavaScript disabled, another user)."""
    contexts = []

    def make(**kwargs):
        ctx = _open_context(chromium, recorder, **kwargs)
        contexts.append(ctx)
        return ctx

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def page(new_context, recorder, live_server):
    context = new_context(locale="fr-FR")
    page = context.new_page()
    yield page
    assert_only_loopback(recorder.requests)


def assert_only_loopback(urls: list[str]) -> None:
    """No request may leave the machine: every URL is 127.0.0.1 (or data:/about:/blob:)."""
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in {"data", "about", "blob"}:
            continue
        assert parts.hostname == "127.0.0.1", f"request to another host: {url}"
