"""Request-scoped database session and the page-or-fragment decision shared by views."""

from __future__ import annotations

from flask import Flask, current_app, g, request
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.db import make_engine


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


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def wants_fragment(target: str) -> bool:
    """True when htmx asks for the element `target` alone.

    Boosted requests and history restores want the whole page, so a
    back-button after a cache miss or a reload never shows a bare fragment.
    """
    htmx = request.htmx
    return bool(
        htmx
        and htmx.target == target
        and not htmx.boosted
        and not htmx.history_restore_request
    )
