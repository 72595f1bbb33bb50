"""/healthz: database, migrations at head, poller heartbeat age; JSON, no-store, no data."""

from __future__ import annotations

from datetime import timedelta

from alembic import command
from alembic.config import Config

from app import create_app
from models.db import utc_now
from pledges.health import POLLER, record_heartbeat

KEYS = {"status", "database", "migrations_at_head", "poller_heartbeat_age_seconds"}


def _migrated_app(url: str):
    config = Config("alembic.ini")
    config.attributes["database_url"] = url
    command.upgrade(config, "head")
    return create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url})


def test_a_migrated_database_is_healthy_and_the_answer_holds_no_data(scratch_database_url):
    app = _migrated_app(scratch_database_url)
    try:
        response = app.test_client().get("/healthz")
    finally:
        app.extensions["db_engine"].dispose()
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "database": True,
        "migrations_at_head": True,
        "poller_heartbeat_age_seconds": None,
    }
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers.getlist("Set-Cookie") == []


def test_a_schema_behind_the_migrations_is_unavailable(client):
    # The test database is built from the models, without Alembic: no revision at all.
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert set(body) == KEYS
    assert (body["status"], body["database"], body["migrations_at_head"]) == (
        "unavailable",
        True,
        False,
    )


def test_the_pollers_heartbeat_age_is_reported(client, app_session):
    record_heartbeat(app_session, POLLER, now=utc_now() - timedelta(seconds=90))
    app_session.commit()
    age = client.get("/healthz").get_json()["poller_heartbeat_age_seconds"]
    assert 90 <= age < 120


def test_a_poller_round_from_cron_beats(runner, client):
    assert client.get("/healthz").get_json()["poller_heartbeat_age_seconds"] is None
    result = runner.invoke(args=["feeds", "fetch"])
    assert result.exit_code == 0, result.output
    assert client.get("/healthz").get_json()["poller_heartbeat_age_seconds"] < 60


def test_a_database_that_does_not_answer_is_unavailable(tmp_path):
    url = f"sqlite:///{tmp_path / 'missing-folder' / 'site.db'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url})
    response = app.test_client().get("/healthz")
    app.extensions["db_engine"].dispose()
    assert response.status_code == 503
    assert response.get_json()["database"] is False
