"""Whole-database backup and restore: PostgreSQL through pg_dump/pg_restore, SQLite
through its online backup API. A restore never overwrites data: it refuses a
database that holds any row of ours. No Flask here; the CLI calls these.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import URL, Engine, make_url
from sqlmodel import SQLModel

from models.db import make_engine
from pledges.errors import DomainError

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"
# Generous, but bounded: a dump of this site takes seconds; a hung server must not
# keep a cron job alive forever.
COMMAND_TIMEOUT_SECONDS = 3600


class BackupError(DomainError):
    """A backup or restore could not be made; nothing was changed."""


def backup_database(url: str, target: Path) -> None:
    """Write a consistent copy of the whole database at `url` to `target`."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _sqlite_copy(_sqlite_path(parsed), target)
    elif parsed.get_backend_name() == "postgresql":
        options = ["--format=custom", "--no-owner", "--no-privileges", f"--file={target}"]
        _run_pg("pg_dump", parsed, options)
    else:
        raise BackupError(
            f"unsupported database: {parsed.get_backend_name()}", code="backup_backend"
        )


def restore_database(url: str, source: Path) -> None:
    """Load the backup `source` into the database at `url`, which must hold no row of ours."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    magic = _read_magic(source)
    expected = SQLITE_MAGIC if backend == "sqlite" else PG_CUSTOM_MAGIC
    if not magic.startswith(expected):
        raise BackupError(
            f"{source} is not a {backend} backup made by `backup`", code="backup_wrong_format"
        )
    engine = make_engine(url)
    try:
        if not is_empty(engine):
            raise BackupError(
                "the database already holds data: restore only into an empty database",
                code="restore_not_empty",
            )
    finally:
        engine.dispose()
    if backend == "sqlite":
        _sqlite_copy(source, _sqlite_path(parsed))
    else:
        # --clean drops the empty tables a migration may have made; the check above
        # guarantees they hold nothing.
        options = ["--no-owner", "--no-privileges", "--clean", "--if-exists"]
        options += ["--single-transaction", "--exit-on-error", str(source)]
        _run_pg("pg_restore", parsed, options)


def is_empty(engine: Engine) -> bool:
    """True when none of our tables exists or holds a row (alembic's own table aside)."""
    existing = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in existing:
                continue
            if connection.execute(select(func.count()).select_from(table)).scalar_one():
                return False
    return True


def _read_magic(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_MAGIC))
    except OSError as error:
        raise BackupError(f"{path}: {error.strerror}", code="backup_unreadable") from None


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up", code="backup_backend")
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path) -> None:
    # The online backup API copies page by page under SQLite's own locks, so the
    # site may keep serving (and the poller writing) while it runs.
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{source}: {error}", code="backup_failed") from None
    finally:
        src.close()


def _run_pg(program: str, url: URL, arguments: list[str]) -> None:
    executable = shutil.which(program)
    if executable is None:
        hint = "apt-get install postgresql-client"
        raise BackupError(f"{program} is not installed ({hint})", code="backup_tool_missing")
    # The password travels in the environment, never on a command line that
    # `ps` shows to every user of the machine.
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    conninfo = url.set(drivername="postgresql", password=None).render_as_string()
    try:
        completed = subprocess.run(  # noqa: S603 (fixed program, arguments are ours)
            [executable, f"--dbname={conninfo}", *arguments],
            env=env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BackupError(f"{program} took too long", code="backup_failed") from None
    if completed.returncode != 0:
        detail = completed.stderr.strip().splitlines()[-1:] or ["no message"]
        raise BackupError(f"{program} failed: {detail[0]}", code="backup_failed")
