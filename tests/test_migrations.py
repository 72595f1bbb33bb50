"""The Alembic migrations build exactly the schema the models describe, and every
revision goes up, down and up again, with data, on SQLite and PostgreSQL."""

import json
from datetime import date

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlmodel import Session, SQLModel

import models  # noqa: F401
from models.db import make_engine
from models.full_text import is_model_table
from pledges.demo import load_demo
from pledges.open_data.dump import dump_published


def _config(url: str) -> Config:
    config = Config("alembic.ini")
    config.attributes["database_url"] = url
    return config


def _diff(url: str) -> list:
    """What differs from the models; the full-text index, which no model describes, is
    compared with create_all's by test_full_text_index_is_create_alls."""
    engine = make_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": is_model_table})
        diff = compare_metadata(context, SQLModel.metadata)
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


def _full_text_objects(url: str) -> list:
    """Every object of the full-text index, as the database describes it."""
    engine = make_engine(url)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            queries = [
                "SELECT type, name, tbl_name, sql FROM sqlite_master"
                " WHERE name LIKE 'pledge_fts%' ORDER BY name"
            ]
        else:
            queries = [
                "SELECT tgname, tgrelid::regclass::text, pg_get_triggerdef(oid) FROM pg_trigger"
                " WHERE NOT tgisinternal ORDER BY tgname",
                "SELECT proname, pg_get_functiondef(oid) FROM pg_proc"
                " WHERE proname LIKE 'pledge_search%' ORDER BY proname",
                "SELECT maptokentype, mapseqno, mapdict::regdictionary::text"
                " FROM pg_ts_config_map JOIN pg_ts_config ON pg_ts_config.oid = mapcfg"
                " WHERE cfgname = 'pledge_search_fr' ORDER BY 1, 2",
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'pledge_search'"
                " ORDER BY indexname",
                "SELECT column_name, data_type, is_nullable FROM information_schema.columns"
                " WHERE table_name = 'pledge_search' ORDER BY column_name",
                "SELECT conname, pg_get_constraintdef(pg_constraint.oid) FROM pg_constraint"
                " JOIN pg_class ON pg_class.oid = conrelid"
                " WHERE relname = 'pledge_search' ORDER BY conname",
            ]
        objects = [[tuple(row) for row in conn.execute(text(q))] for q in queries]
    engine.dispose()
    return objects


def _count_matches(url: str, q: str) -> int:
    from pledges.scoreboard import PledgeFilters, list_pledges

    engine = make_engine(url)
    with Session(engine) as session:
        total = list_pledges(session, PledgeFilters(q=q), today=date(2026, 1, 1)).total
    engine.dispose()
    return total


def test_full_text_index_is_create_alls_and_survives_down_and_up(
    database_url, scratch_database_url
):
    # database_url's schema comes from create_all, the scratch database's from Alembic.
    config = _config(scratch_database_url)
    command.upgrade(config, "head")
    objects = _full_text_objects(scratch_database_url)
    assert all(objects)
    assert objects == _full_text_objects(database_url)
    engine = make_engine(scratch_database_url)
    with Session(engine) as session:
        load_demo(session, if_empty=False)
        session.commit()
    engine.dispose()
    found = _count_matches(scratch_database_url, "vidéosurveillance")
    assert found > 0
    command.downgrade(config, "0008")
    assert not any(_full_text_objects(scratch_database_url))
    command.upgrade(config, "head")  # the index is filled from the rows already there
    assert _count_matches(scratch_database_url, "vidéosurveillance") == found


def test_board_index_replaces_the_visible_index(scratch_database_url):
    """0013: ix_pledge_board's columns in their order (the board's counts read the index
    alone, by election, theme and status), and ix_pledge_visible gone; downgrading below
    0013 brings the old index back."""
    from sqlalchemy import inspect

    config = _config(scratch_database_url)
    revisions = [r.revision for r in ScriptDirectory.from_config(config).walk_revisions()]
    assert "0013" in revisions  # covered by test_every_revision_goes_up_down_and_up_again

    def pledge_indexes() -> dict[str, list[str]]:
        engine = make_engine(scratch_database_url)
        try:
            return {i["name"]: i["column_names"] for i in inspect(engine).get_indexes("pledge")}
        finally:
            engine.dispose()

    command.upgrade(config, "head")
    indexes = pledge_indexes()
    assert indexes["ix_pledge_board"] == [
        "election_id",
        "theme",
        "status",
        "deadline",
        "archived_at",
        "candidate_id",
    ]
    assert "ix_pledge_visible" not in indexes
    command.downgrade(config, "0012")
    indexes = pledge_indexes()
    assert indexes["ix_pledge_visible"] == ["archived_at", "candidate_id", "election_id"]
    assert "ix_pledge_board" not in indexes
    command.upgrade(config, "head")
    assert pledge_indexes()["ix_pledge_board"][0] == "election_id"


def test_evidence_count_index_replaces_the_pledge_index(scratch_database_url):
    """0014: the published-evidence counts read ix_evidence_pledge_state (pledge_id, state)
    alone; ix_evidence_pledge_id is gone, and back below 0014."""
    from sqlalchemy import inspect

    config = _config(scratch_database_url)

    def evidence_indexes() -> dict[str, list[str]]:
        engine = make_engine(scratch_database_url)
        try:
            return {i["name"]: i["column_names"] for i in inspect(engine).get_indexes("evidence")}
        finally:
            engine.dispose()

    command.upgrade(config, "head")
    indexes = evidence_indexes()
    assert indexes["ix_evidence_pledge_state"] == ["pledge_id", "state"]
    assert "ix_evidence_pledge_id" not in indexes
    command.downgrade(config, "0013")
    indexes = evidence_indexes()
    assert indexes["ix_evidence_pledge_id"] == ["pledge_id"]
    assert "ix_evidence_pledge_state" not in indexes
    command.upgrade(config, "head")
    assert evidence_indexes()["ix_evidence_pledge_state"] == ["pledge_id", "state"]


def test_search_text_is_dropped_and_comes_back_filled(scratch_database_url):
    """0015: pledge.search_text is gone (the full-text index replaced it) and the
    pledge table keeps its full-text triggers; below 0015 the column is back, filled
    as the code of those revisions filled it."""
    from sqlalchemy import inspect

    from models.full_text import fold

    config = _config(scratch_database_url)
    command.upgrade(config, "head")
    engine = make_engine(scratch_database_url)
    try:
        with Session(engine) as session:
            load_demo(session, if_empty=False)
            session.commit()
        assert "search_text" not in {c["name"] for c in inspect(engine).get_columns("pledge")}
        command.downgrade(config, "0014")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT title, body, search_text FROM pledge")).all()
        assert rows
        assert all(stored == fold(f"{title}\n{body}") for title, body, stored in rows)
        command.upgrade(config, "head")
        with Session(engine) as session:
            from pledges.pledge_search import PledgeSearch, search_pledges

            found = search_pledges(session, PledgeSearch(q="moratoire"), today=date.today())
            assert found.total >= 1  # the index still follows the pledges
            pledge_id = found.items[0].pledge.id
            session.execute(
                text("UPDATE pledge SET title = 'Zeppelins municipaux' WHERE id = :id"),
                {"id": pledge_id},
            )
            session.commit()
            again = search_pledges(session, PledgeSearch(q="zeppelins"), today=date.today())
            assert [row.pledge.id for row in again.items] == [pledge_id]
    finally:
        engine.dispose()
