"""`flask backup FILE` and `flask restore FILE`, on SQLite and PostgreSQL.

The proof that a backup is whole: restored into an empty database, `export`
writes the very same bytes as before.
"""

from __future__ import annotations

from sqlmodel import SQLModel

from app import create_app
from models.db import make_engine


def _runner_for(url: str):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url})
    return app, app.test_cli_runner()


def test_backup_then_restore_into_an_empty_database_exports_the_same_bytes(
    runner, tmp_path, scratch_database_url
):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    before = tmp_path / "before.json"
    assert runner.invoke(args=["export", str(before)]).exit_code == 0
    backup = tmp_path / "site.backup"
    result = runner.invoke(args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    assert backup.stat().st_size > 0

    app, other = _runner_for(scratch_database_url)
    try:
        result = other.invoke(args=["restore", str(backup)])
        assert result.exit_code == 0, result.output
        after = tmp_path / "after.json"
        assert other.invoke(args=["export", str(after)]).exit_code == 0
    finally:
        app.extensions["db_engine"].dispose()
    assert after.read_bytes() == before.read_bytes()
    assert b"moratoire" in after.read_bytes().lower()


def test_restore_into_an_empty_migrated_database_works(runner, tmp_path, scratch_database_url):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    backup = tmp_path / "site.backup"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    engine = make_engine(scratch_database_url)
    SQLModel.metadata.create_all(engine)  # tables present, no rows: still empty
    engine.dispose()
    app, other = _runner_for(scratch_database_url)
    try:
        result = other.invoke(args=["restore", str(backup)])
        assert result.exit_code == 0, result.output
    finally:
        app.extensions["db_engine"].dispose()


def test_restore_refuses_a_database_that_holds_data(runner, tmp_path):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    backup = tmp_path / "site.backup"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    before = tmp_path / "before.json"
    runner.invoke(args=["export", str(before)])
    result = runner.invoke(args=["restore", str(backup)])
    assert result.exit_code == 1
    assert "vide" in result.output or "empty" in result.output
    after = tmp_path / "after.json"
    runner.invoke(args=["export", str(after)])
    assert after.read_bytes() == before.read_bytes()


def test_restore_refuses_a_file_that_is_not_a_backup(runner, tmp_path):
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a backup at all")
    result = runner.invoke(args=["restore", str(junk)])
    assert result.exit_code == 1
    assert "junk.backup" in result.output
