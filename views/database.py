"""The database of a Flask app: one engine per app, one session per request (or CLI context)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import Flask, abort, current_app, g
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.db import make_engine

T = TypeVar("T")


def init_db(app: Flask) -> None:
    """One engine per app; a session per request, closed on teardown."""
    app.extensions["db_engine"] = make_engine(app.config["DATABASE_URL"])
    app.teardown_appcontext(_close_session)


def get_engine() -> Engine:
    return current_app.extensions["db_engine"]


def db_session() -> Session:
    """The session of this request (or CLI app context), created on first use."""
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


def get_or_404(model: type[T], ident: int) -> T:
    """The row of `model` with this id in the request's session, or a 404."""
    found = db_session().get(model, ident)
    if found is None:
        abort(404)
    return found


def snapshot_session() -> Session:
    """The request's session, reading one snapshot of the database from its next statement on.

    Public answers read the data version first and are keyed (cache, ETag,
    X-Data-Version) by it: on PostgreSQL a REPEATABLE READ transaction makes
    everything rendered afterwards belong to that same version, even when a
    ruling commits meanwhile (READ COMMITTED would let the page show a newer
    status under the older version's key). Read-only, so it never meets a
    serialisation failure. SQLite has one writer at a time and keeps its default.
    """
    session = db_session()
    if not session.in_transaction() and get_engine().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    return session


def public_data_version(version: int) -> int:
    """Note the data version this public answer shows (read first, in its snapshot:
    views.page_cache); what `read_per_version` keeps is keyed by it."""
    g.public_data_version = version
    return version


# At most this many values kept per app, the least recently used going first.
PER_VERSION_KEPT = 512


class _PerVersion:
    """read_per_version's store: name → (version, value), least recently used first."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values: OrderedDict[Hashable, tuple[int, object]] = OrderedDict()


def read_per_version(name: Hashable, load: Callable[[], T]) -> T:
    """`load()` once per data version for the whole app, on public answers.

    For what every public answer of a kind reads alike, whoever asks: the small
    tables (theme names, a site setting) and the counts over a whole election or
    list (pledges.scoreboard's `remember`), the same for every page number,
    language and visitor. The data version changes on every write the public can
    see (models.data_version), so a value read at a version holds until the next
    one: after a write, the first answer in each worker loads it again. Only public
    answers noted their version (anonymous GETs, which write nothing): elsewhere,
    and before the version is read, `load()` is called each time. A value is loaded
    after the version is read, so it is never older than the version it is kept
    under. `name` says what the value is and every argument it depends on; kept
    values must not change (numbers, tuples, frozen records). Visitors choose some
    names (a filter's value): past PER_VERSION_KEPT, the least recently used go, so
    they cannot push out what every page reads.
    """
    version = g.get("public_data_version")
    if version is None:
        return load()
    store: _PerVersion = current_app.extensions.setdefault("per_version", _PerVersion())
    with store.lock:
        found = store.values.get(name)
        if found is not None and found[0] == version:
            store.values.move_to_end(name)
            return found[1]  # type: ignore[return-value]  # stored by this function, as T
    value = load()
    with store.lock:
        store.values[name] = (version, value)
        store.values.move_to_end(name)
        while len(store.values) > PER_VERSION_KEPT:
            store.values.popitem(last=False)
    return value


def _close_session(_exc: BaseException | None) -> None:
    """End the request's session: whatever was not committed is rolled back, here only.

    Views commit on success and never roll back themselves: a refused write
    (a DomainError shown as a form error, or an unhandled exception) leaves
    its uncommitted changes to this rollback.

    `close()` is that rollback: it rolls the connection's transaction back (the
    same statements as `rollback()` then `close()`) without first restoring the
    session's objects, which it then discards anyway; every public answer, the
    304s included, ends here.
    """
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
