"""Fixtures: databases (SQLite; PostgreSQL too with TEST_DATABASE_URL), app, client, runner."""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, SQLModel

import models  # noqa: F401  (every table in the metadata)
from app import create_app
from models.data_version import track_data_version
from models.db import make_engine
from pledges import accounts


def _worker_database(url: str | None) -> str | None:
    """Under pytest-xdist (`make test` runs two workers), each worker gets its own
    PostgreSQL database beside TEST_DATABASE_URL's, created if missing: workers never
    share rows or truncate each other's tables."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists.first() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


LOCAL_NAMES = frozenset({"", "localhost", "localhost.localdomain", "ip6-localhost"})


def _local_host(host: object) -> bool:
    """None, an IP literal, or a name of this machine: what a test may look up."""
    if host is None:
        return True
    name = (host.decode() if isinstance(host, bytes) else str(host)).strip("[]").lower()
    try:
        ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return name in LOCAL_NAMES or name.endswith(".localhost")
    return True


PUBLIC_LOOKUPS: list[str] = []  # names a test tried to resolve (refused)


@pytest.fixture(scope="session", autouse=True)
def _no_public_dns() -> Iterator[None]:
    """Tests never reach the internet, nor even ask a DNS server: socket.getaddrinfo
    refuses any name but localhost's (prove a refusal with a fake resolver instead)."""
    real = socket.getaddrinfo

    def local_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _local_host(host):
            PUBLIC_LOOKUPS.append(repr(host))
            raise socket.gaierror(socket.EAI_NONAME, f"tests resolve no public name ({host!r})")
        return real(host, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket, "getaddrinfo", local_only)
        yield


@pytest.fixture(autouse=True)
def _no_public_lookup_in_this_test(_no_public_dns: None) -> Iterator[None]:
    """A test that tried a public name fails, even if the refusal looked like a missing
    host to it: the lookup would have left the machine."""
    PUBLIC_LOOKUPS.clear()
    yield
    tried, PUBLIC_LOOKUPS[:] = list(PUBLIC_LOOKUPS), []
    if tried:
        pytest.fail(f"looked up public host names: {', '.join(sorted(set(tried)))}")


PG_URL = _worker_database(os.environ.get("TEST_DATABASE_URL"))
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(scope="session")
def _pg_engine() -> Iterator[Engine | None]:
    """One PostgreSQL schema per test run, rebuilt from the models."""
    if not PG_URL:
        yield None
        return
    engine = make_engine(PG_URL)
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


def _truncate(engine: Engine) -> None:
    """Empty the tables the last test touched (rows left, or a sequence advanced), ids
    restarted: as if fresh, without truncating all ~30 tables for every test (slow)."""
    tables = [t.name for t in SQLModel.metadata.sorted_tables]
    probes = " UNION ALL ".join(
        f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in tables
    )
    with engine.begin() as conn:
        used = {row[0] for row in conn.execute(text(probes))}
        advanced = conn.execute(
            text("SELECT sequencename FROM pg_sequences WHERE last_value IS NOT NULL")
        )
        used |= {name.removesuffix("_id_seq") for (name,) in advanced} & set(tables)
        if used:
            names = ", ".join(f'"{name}"' for name in tables if name in used)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> str:
    """The schema built once; each SQLite test gets a copy of the file (create_all per
    test costs ~50 ms)."""
    path = tmp_path_factory.mktemp("template") / "schema.db"
    engine = make_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    engine.dispose()  # checkpoints the WAL: the file alone holds the schema
    return str(path)


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path, _pg_engine) -> Iterator[str]:
    """A database with the full schema, empty at the start of every test."""
    if request.param == "sqlite":
        target = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), target)
        yield f"sqlite:///{target}"
    else:
        _truncate(_pg_engine)
        yield PG_URL


@pytest.fixture
def scratch_database_url(database_url, tmp_path) -> Iterator[str]:
    """A second, empty database of the same kind (no table at all), dropped afterwards."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    name = f"scratch_{uuid.uuid4().hex[:12]}"
    admin = make_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def engine(database_url) -> Iterator[Engine]:
    """The test database's engine; public writes in its sessions are counted, as in the app."""
    track_data_version()
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine) -> Iterator[Session]:
    """A bare session for domain tests: no app, no request."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def cheap_hasher() -> Iterator[None]:
    """argon2 with minimal cost: the suite logs in hundreds of times (production keeps defaults)."""
    previous = accounts.use_hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    yield
    accounts.use_hasher(previous)


@pytest.fixture
def app_overrides() -> dict:
    """Override in a test module to change the app's configuration."""
    return {}


@pytest.fixture
def app(database_url, app_overrides, tmp_path):
    config = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "ARCHIVE_DIR": str(tmp_path / "archive"),
    }
    config.update(app_overrides)
    app = create_app(config)
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def app_session(app) -> Iterator[Session]:
    """A session on the app's own engine, for arranging data before requests."""
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        yield session


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def reset(self) -> None:
        self.statements.clear()


@pytest.fixture
def count_queries(app) -> Iterator[QueryCounter]:
    """Counts SQL statements sent through the app's engine (N+1 guard)."""
    counter = QueryCounter()
    engine = app.extensions["db_engine"]

    def _before(conn, cursor, statement, parameters, context, executemany):
        counter.statements.append(statement)

    event.listen(engine, "before_cursor_execute", _before)
    yield counter
    event.remove(engine, "before_cursor_execute", _before)
