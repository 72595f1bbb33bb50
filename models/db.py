"""Database engine, UTC time and the UTC column type; nothing here knows about Flask."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Column, DateTime, Table, event
from sqlalchemy import Enum as SAEnum
from sqlalchemy.engine import Engine
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel, create_engine

from models.full_text import register_sqlite_functions

# Ids are PostgreSQL `integer` columns: larger values can name no row.
MAX_DB_ID = 2**31 - 1


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC (never a naive local time)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC and always returns them aware.

    SQLite has no time zones and hands back naive values; PostgreSQL keeps them.
    Refusing naive input here means a local time can never slip in unnoticed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store UTC-aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the settings each backend needs (SQLite: foreign keys, WAL)."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
    else:
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets the site read while a CLI import or the feed poller writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # The full-text triggers call it on every write to pledges, evidence, candidates.
    register_sqlite_functions(dbapi_connection)


def enum_column(enum_cls: type, *, nullable: bool = False, index: bool = False) -> Column:
    """A VARCHAR column holding the enum's *values* ("kept"), not its names.

    SQLAlchemy's default stores member names and makes a native PostgreSQL
    type; plain text keeps the database readable and migrations simple.
    """
    return Column(
        SAEnum(
            enum_cls,
            native_enum=False,
            create_constraint=False,
            length=32,
            values_callable=lambda members: [m.value for m in members],
        ),
        nullable=nullable,
        index=index,
    )


def rel(attribute: object) -> QueryableAttribute[Any]:
    """A relationship attribute of a table class, typed for loader options such as selectinload.

    SQLModel annotates `Pledge.candidate` with what an *instance* holds (a Candidate),
    so a type checker refuses it where SQLAlchemy wants the class attribute. This
    checks at run time what the annotation cannot say, in one place instead of a
    type-ignore comment on every query. Columns use `sqlmodel.col()` for the same reason.
    """
    if not isinstance(attribute, QueryableAttribute):
        raise TypeError(f"not a mapped attribute: {attribute!r}")
    return attribute


class _Row(Protocol):
    @property
    def id(self) -> int | None: ...


def id_of(row: _Row) -> int:
    """The primary key of a row that has been flushed (tables declare `id: int | None`
    because a new row has none until the database gives it one)."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: flush it first")
    return row.id


def table_of(model: type[SQLModel]) -> Table:
    """The Table behind a table class (SQLModel sets `__table__` without declaring it)."""
    table = vars(model).get("__table__")
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not a table class")
    return table
