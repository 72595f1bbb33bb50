"""`flask import`, `flask export`, `flask demo load|generate` through the CLI runner.

Commands speak the site's first language (French unless LANGUAGES says otherwise).
"""

import json
from pathlib import Path

import pytest
from babel.numbers import format_decimal
from sqlalchemy import func
from sqlmodel import select

from models import AuditEntry, Candidate, Election, Evidence, Pledge
from pledges.importing import MAX_COUNTED, MAX_PROBLEMS
from tests.factories import make_candidate, make_election

DATA = Path(__file__).resolve().parents[1] / "data" / "import"


def count(session, table) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(table)).one()


def test_import_prints_a_summary_and_a_second_run_changes_nothing(runner, app_session):
    result = runner.invoke(args=["import", str(DATA / "valid.json")])
    assert result.exit_code == 0, result.output
    assert "Engagements — créations : 3, mises à jour : 0, sans changement : 0" in result.output
    assert "Preuves — créations : 3" in result.output
    assert count(app_session, Pledge) == 3
    audit = count(app_session, AuditEntry)

    again = runner.invoke(args=["import", str(DATA / "valid.json")])
    assert again.exit_code == 0, again.output
    assert "Engagements — créations : 0, mises à jour : 0, sans changement : 3" in again.output
    assert "Rien n'a changé." in again.output
    assert count(app_session, AuditEntry) == audit


def test_a_bad_file_is_reported_per_record_and_field_and_exits_1(runner, app_session):
    result = runner.invoke(args=["import", str(DATA / "invalid.json")])
    assert result.exit_code == 1
    assert "Rien n'a été importé : 15 problèmes." in result.stderr
    assert "elections[0].date: n'est pas une date AAAA-MM-JJ" in result.stderr
    assert (
        "elections[0].candidates[0].pledges[0].made_on: n'est pas une date AAAA-MM-JJ"
        in result.stderr
    )
    assert (
        "elections[0].candidates[0].pledges[0].history[0].cites: "
        "un verdict « rompu » doit citer une preuve publiée" in result.stderr
    )
    assert count(app_session, Election) == 0
    assert count(app_session, AuditEntry) == 0


def test_unreadable_json_is_a_clear_error(runner, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"elections": [', encoding="utf-8")
    result = runner.invoke(args=["import", str(broken)])
    assert result.exit_code == 1
    assert "JSON invalide (ligne 1" in result.output


def test_csv_needs_an_election(runner):
    result = runner.invoke(args=["import", str(DATA / "valid.csv")])
    assert result.exit_code == 2
    assert "Un import CSV ou XLSX demande --election SLUG." in result.output


def test_csv_import_into_an_existing_candidate(runner, app_session):
    election = make_election(app_session, slug="ville-fictive-2020")
    make_candidate(app_session, election, slug="liste-a")
    app_session.commit()
    args = ["import", str(DATA / "valid.csv"), "--election", "ville-fictive-2020"]
    result = runner.invoke(args=[*args, "--candidate", "liste-a"])
    assert result.exit_code == 0, result.output
    assert "Engagements — créations : 2" in result.output
    assert count(app_session, Pledge) == 2

    bad = runner.invoke(args=[*args, "--candidate", "inconnue"])
    assert bad.exit_code == 1
    assert "--candidate: aucune candidature « inconnue » dans cette élection" in bad.stderr


def test_csv_problems_name_lines(runner, app_session):
    election = make_election(app_session, slug="ville-fictive-2020")
    make_candidate(app_session, election, slug="liste-a")
    app_session.commit()
    result = runner.invoke(
        args=[
            "import", str(DATA / "invalid.csv"), "--election", "ville-fictive-2020",
            "--candidate", "liste-a",
        ]
    )  # fmt: skip
    assert result.exit_code == 1
    assert "ligne 3, date: « 2020-5-3 » n'est pas une date (jj/mm/aaaa ou aaaa-mm-jj)" in (
        result.stderr
    )
    assert (
        "ligne 4, slug: slug d'engagement « ok-slug » en double dans cette élection"
        in result.stderr
    )
    assert count(app_session, Pledge) == 0


def test_import_help_documents_the_csv_columns():
    from click.testing import CliRunner

    from app import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})
    result = CliRunner().invoke(app.cli, ["import", "--help"])
    assert result.exit_code == 0
    assert "keywords_include, keywords_exclude" in result.output
    assert 'separated by "|"' in result.output


def test_demo_load_and_if_empty(runner, app_session):
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "Élections — créations : 1" in result.output
    assert app_session.exec(select(Election.is_demo)).one() is True
    pledges = count(app_session, Pledge)
    assert pledges >= 12

    again = runner.invoke(args=["demo", "load", "--if-empty"])
    assert again.exit_code == 0
    assert "démonstration non chargée" in again.output
    assert count(app_session, Pledge) == pledges


def test_demo_generate(runner, app_session):
    result = runner.invoke(
        args=["demo", "generate", "--candidates", "3", "--pledges", "4", "--evidence", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "3 candidatures, 12 engagements, 24 preuves" in result.output
    assert count(app_session, Candidate) == 3
    assert count(app_session, Evidence) == 24

    duplicate = runner.invoke(
        args=["demo", "generate", "--candidates", "1", "--pledges", "1", "--evidence", "1"]
    )
    assert duplicate.exit_code == 1
    assert "existe déjà" in duplicate.output
    assert count(app_session, Candidate) == 3


def test_export_then_import_into_an_empty_site(runner, app, tmp_path):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    target = tmp_path / "dump.json"
    result = runner.invoke(args=["export", str(target)])
    assert result.exit_code == 0, result.output
    assert "1 élection(s), 14 engagement(s) écrits" in result.output
    dumped = json.loads(target.read_text(encoding="utf-8"))

    stdout = runner.invoke(args=["export", "-"])
    assert stdout.exit_code == 0
    assert json.loads(stdout.stdout) == dumped

    # A second, empty site (SQLite) rebuilt from the file.
    from click.testing import CliRunner

    from app import create_app

    other = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}"}
    )
    from sqlmodel import SQLModel

    SQLModel.metadata.create_all(other.extensions["db_engine"])
    other_runner = other.test_cli_runner()
    assert isinstance(other_runner, CliRunner)
    imported = other_runner.invoke(args=["import", str(target)])
    assert imported.exit_code == 0, imported.output
    again = other_runner.invoke(args=["export", "-"])
    assert json.loads(again.stdout) == dumped
    other.extensions["db_engine"].dispose()


@pytest.mark.parametrize("app_overrides", [{"LANGUAGES": ("en", "fr")}])
def test_problems_and_summary_follow_the_sites_first_language(runner, app_session):
    bad = runner.invoke(args=["import", str(DATA / "invalid.json")])
    assert bad.exit_code == 1
    assert "Nothing was imported: 15 problems." in bad.stderr
    assert "elections[0].date: not an ISO date (YYYY-MM-DD)" in bad.stderr
    assert "history[0].cites: a 'broken' verdict must cite published evidence" in bad.stderr
    good = runner.invoke(args=["import", str(DATA / "valid.json")])
    assert good.exit_code == 0, good.output
    assert "Pledges: 3 created, 0 updated, 0 unchanged" in good.output


def test_csv_target_problems_name_the_option_not_a_record(runner, app_session):
    election = make_election(app_session, slug="ville-fictive-2020", name="Ville-Fictive 2020")
    make_candidate(app_session, election, slug="liste-a")
    app_session.commit()
    result = runner.invoke(
        args=[
            "import", str(DATA / "valid.csv"), "--election", "Ville-Fictive 2020",
            "--candidate", "liste-a",
        ]
    )  # fmt: skip
    assert result.exit_code == 1
    assert (
        "  --election: « Ville-Fictive 2020 » est le nom d'une élection ; "
        "son slug est « ville-fictive-2020 »" in result.stderr
    )
    assert "options" not in result.stderr
    assert count(app_session, Pledge) == 0


def test_finding_3_cli_lists_100_problems_then_how_many_more(runner, app_session, tmp_path):
    huge = tmp_path / "huge.json"
    huge.write_text(json.dumps({"elections": [{}] * 10_000}), encoding="utf-8")
    result = runner.invoke(args=["import", str(huge)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f"Rien n'a été importé : {format_decimal(40_000, locale='fr')} problèmes."
    assert len(lines) == 1 + MAX_PROBLEMS + 1
    assert (
        lines[-1]
        == f"  … et {format_decimal(40_000 - MAX_PROBLEMS, locale='fr')} autres problèmes."
    )
    assert count(app_session, Election) == 0


def test_finding_3_cli_says_when_it_stopped_counting(runner, app_session, tmp_path):
    huge = tmp_path / "huge.json"
    huge.write_text(json.dumps({"elections": [{}] * MAX_COUNTED}), encoding="utf-8")
    result = runner.invoke(args=["import", str(huge)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Rien n'a été importé : au moins ")
    assert len(lines) == 1 + MAX_PROBLEMS + 1
    assert "la vérification s'est arrêtée là" in lines[-1]
