"""The site's health as operators read it: database reachable, schema at the migrations'
head, and how long ago the feed poller last finished a round. No data, no Flask.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from models import Heartbeat

POLLER = "poller"


def record_heartbeat(session: Session, name: str, *, now: datetime) -> None:
    """Say that the worker `name` is alive at `now` (one row per worker, overwritten)."""
    beat = session.get(Heartbeat, name)
    if beat is None:
        session.add(Heartbeat(name=name, beat_at=now))
    else:
        beat.beat_at = now
        session.add(beat)
    session.flush()


@dataclass(frozen=True)
class Health:
    database: bool
    schema_revision: str | None
    poller_beat_at: datetime | None

    def at_head(self, head: str) -> bool:
        return self.schema_revision == head

    def poller_age_seconds(self, now: datetime) -> int | None:
        if self.poller_beat_at is None:
            return None
        return max(0, int((now - self.poller_beat_at).total_seconds()))


MIGRATIONS = Path(__file__).resolve().parents[1] / "models" / "migrations"


@cache
def head_revision() -> str | None:
    """The newest migration shipped with this code (read once per process)."""
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def check_health(engine: Engine) -> Health:
    """Read the three facts in one short connection; a database that fails says so."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            # Alembic's own table: absent on a database built without migrations.
            revision = MigrationContext.configure(connection).get_current_revision()
            beat_at = _poller_beat(connection)
    except SQLAlchemyError:
        return Health(database=False, schema_revision=None, poller_beat_at=None)
    return Health(database=True, schema_revision=revision, poller_beat_at=beat_at)


def _poller_beat(connection: Connection) -> datetime | None:
    with Session(bind=connection) as session:
        beat = session.get(Heartbeat, POLLER)
        return beat.beat_at if beat is not None else None
