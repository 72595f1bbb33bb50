"""The Alembic migrations build exactly the schema the models describe, and every
revision goes up, down and up again, with data, on SQLite and PostgreSQL."""

import json

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import Session, SQLModel

import models  # noqa: F401
from models.db import make_engine
from pledges.demo import load_demo
from pledges.open_data.dump import dump_published


def _config(url: str) -> Config:
    config = Config("alembic.ini")
    config.attributes["database_url"] = url
    return config


def _diff(url: str) -> list:
    engine = make_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    engine.dispose()
    return diff


def _export(url: str) -> str:
    engine = make_engine(url)
    with Session(engine) as session:
        data = dump_published(session)
    engine.dispose()
    return json.dumps(data, sort_keys=True)


def test_upgrade_head_matches_models(scratch_database_url):
    command.upgrade(_config(scratch_database_url), "head")
    assert _diff(scratch_database_url) == []


def test_every_revision_goes_up_down_and_up_again(scratch_database_url):
    url = scratch_database_url
    config = _config(url)
    revisions = [r.revision for r in ScriptDirectory.from_config(config).walk_revisions()]
    revisions.reverse()  # base first

    # The first revision creates the tables: up, down to nothing, up again, empty.
    command.upgrade(config, revisions[0])
    command.downgrade(config, "base")
    command.upgrade(config, "head")

    engine = make_engine(url)
    with Session(engine) as session:
        load_demo(session, if_empty=False)
        session.commit()
    engine.dispose()
    before = _export(url)

    # Every later revision, newest first: down below it and up again keeps the data.
    for revision in reversed(revisions[1:]):
        command.downgrade(config, f"{revision}-1")
        command.upgrade(config, "head")
        assert _export(url) == before, revision
    assert _diff(url) == []


def test_rendered_html_is_backfilled(scratch_database_url):
    """0010 renders the Markdown of the rows that existed before it, as writes now do."""
    from sqlalchemy import text

    from pledges.text import render_markdown

    url = scratch_database_url
    config = _config(url)
    command.upgrade(config, "head")
    engine = make_engine(url)
    with Session(engine) as session:
        load_demo(session, if_empty=False)
        session.commit()
    command.downgrade(config, "0009")
    command.upgrade(config, "head")
    checked = 0
    with engine.connect() as conn:
        for table, source, target in (
            ("pledge", "body", "body_html"),
            ("evidence", "note", "note_html"),
            ("statuschange", "rationale", "rationale_html"),
        ):
            rows = conn.execute(text(f"SELECT {source}, {target} FROM {table}")).all()  # noqa: S608
            assert any(source_text for source_text, _ in rows), table
            for source_text, html in rows:
                assert html == str(render_markdown(source_text))
                checked += 1
    engine.dispose()
    assert checked
