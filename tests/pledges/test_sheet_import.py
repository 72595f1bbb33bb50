"""Spreadsheets and pasted programmes (issue 10): French files, XLSX, themes by name, previews.

What French spreadsheets save must import: `;` separators, Windows-1252, French
headers in any order, dd/mm/yyyy dates, themes written as names; new candidates
are created by name; a bad file imports nothing and names row and column.
"""

import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func
from sqlmodel import Session, select

from models import AuditEntry, Candidate, Pledge, Theme
from pledges.demo import load_demo
from pledges.errors import InvalidImport
from pledges.importing import MAX_ROWS, import_csv, import_data, import_sheet, plan_sheet
from pledges.themes import theme_names
from tests.factories import make_candidate, make_election, make_pledge

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

FRENCH_CSV = (
    "Échéance;Titre;candidat;THÈME;date;mots-clés;texte\r\n"
    "31/12/2026;Créer 50 km de pistes cyclables;Liste Verte;Transports en commun;"
    "03/05/2020;vélo, pistes cyclables;Des pistes protégées.\r\n"
    ";Des cantines bio;Liste Verte;école;2020-05-04;;\r\n"
    ";Rénover les écoles;Marseille Avant;École;;;\r\n"
)


def count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def pledge_titled(session: Session, title: str) -> Pledge:
    return session.exec(select(Pledge).where(Pledge.title == title)).one()


@pytest.fixture
def election(session):
    election = make_election(session, slug="m2026", name="Municipales 2026")
    make_candidate(session, election, slug="avant", name="Marseille Avant")
    session.commit()
    return election


def test_semicolon_windows_1252_csv_with_french_headers_and_french_dates(session, election):
    raw = FRENCH_CSV.encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the file really is Windows-1252
    summary = import_sheet(session, raw, kind="csv", election_slug="m2026", now=NOW)
    session.commit()
    assert summary.counts["pledges"] == {"created": 3}
    assert summary.counts["candidates"] == {"created": 1}
    bikes = pledge_titled(session, "Créer 50 km de pistes cyclables")
    assert (bikes.made_on, bikes.deadline) == (date(2020, 5, 3), date(2026, 12, 31))
    assert bikes.keywords_include == ["vélo", "pistes cyclables"]
    assert bikes.body == "Des pistes protégées."
    assert bikes.slug == "creer-50-km-de-pistes-cyclables"
    # A new candidate by name, with a derived slug; an existing one found by its name.
    green = session.exec(select(Candidate).where(Candidate.name == "Liste Verte")).one()
    assert (green.slug, green.election_id, bikes.candidate_id) == (
        "liste-verte",
        election.id,
        green.id,
    )
    schools = pledge_titled(session, "Rénover les écoles")
    assert session.get(Candidate, schools.candidate_id).slug == "avant"
    # Themes given as names keep their accents; "école" and "École" are one theme.
    assert bikes.theme == "transports-en-commun"
    assert pledge_titled(session, "Des cantines bio").theme == schools.theme == "ecole"
    names = theme_names(session)
    assert names["transports-en-commun"][0] == "Transports en commun"
    assert names["ecole"][0] == "école"
    # Created objects are audited; importing the same file again changes nothing.
    audit = count(session, AuditEntry)
    assert audit == 4
    again = import_sheet(session, raw, kind="csv", election_slug="m2026", now=NOW)
    session.commit()
    assert not again.changed
    assert (count(session, Pledge), count(session, AuditEntry)) == (3, audit)


def test_utf8_with_bom_and_commas(session, election):
    text = "\ufefftitle,candidate,theme,made_on\nUn titre,Marseille Avant,Climat,2020-01-02\n"
    import_sheet(session, text.encode("utf-8"), kind="csv", election_slug="m2026", now=NOW)
    pledge = pledge_titled(session, "Un titre")
    assert (pledge.theme, pledge.made_on) == ("climat", date(2020, 1, 2))


def test_xlsx_with_date_cells_and_text_dates(session, election):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Titre", "Candidat", "Thème", "Date", "Échéance", "Mots-clés"])
    sheet.append(["Vidéosurveillance : un moratoire", "Liste Verte", "Vidéosurveillance",
                  datetime(2020, 3, 1), "30/06/2026", "caméras, moratoire"])  # fmt: skip
    sheet.append([None, None, None, None, None, None])  # an empty row is skipped
    sheet.append(["Budget participatif", "Marseille Avant", None, date(2020, 3, 2), None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    summary = import_sheet(session, buffer.getvalue(), kind="xlsx", election_slug="m2026", now=NOW)
    assert summary.counts["pledges"] == {"created": 2}
    moratorium = pledge_titled(session, "Vidéosurveillance : un moratoire")
    assert (moratorium.made_on, moratorium.deadline) == (date(2020, 3, 1), date(2026, 6, 30))
    assert moratorium.theme == "videosurveillance"
    assert theme_names(session)["videosurveillance"][0] == "Vidéosurveillance"
    assert moratorium.keywords_include == ["caméras", "moratoire"]


def test_a_bad_xlsx_names_row_and_column_and_imports_nothing(session, election):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["titre", "échéance", "candidat"])
    sheet.append(["Bon", "31/02/2026", "Liste Verte"])
    sheet.append([None, "2026-01-01", "Liste Verte"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(InvalidImport) as error:
        import_sheet(session, buffer.getvalue(), kind="xlsx", election_slug="m2026", now=NOW)
    assert [(p.record, p.field, p.code) for p in error.value.problems] == [
        ("line 2", "deadline", "bad_sheet_date"),
        ("line 3", "title", "missing"),
    ]
    assert (count(session, Pledge), count(session, Candidate)) == (0, 1)


def test_unreadable_files_are_problems_not_crashes(session, election):
    with pytest.raises(InvalidImport) as error:
        import_sheet(session, b"PK\x03\x04 not a zip", kind="xlsx", election_slug="m2026")
    assert [p.code for p in error.value.problems] == ["unreadable_xlsx"]
    with pytest.raises(InvalidImport) as error:
        import_sheet(session, b"titre\n\x81\x8d\n", kind="csv", election_slug="m2026")
    assert [p.code for p in error.value.problems] == ["not_text"]
    with pytest.raises(InvalidImport) as error:
        import_sheet(session, b"titre;candidat;titre;couleur\n", kind="csv", election_slug="m2026")
    assert {p.code for p in error.value.problems} == {"unknown_column", "repeated_column"}
    too_many = "titre\n" + "x\n" * (MAX_ROWS + 1)
    with pytest.raises(InvalidImport) as error:
        import_sheet(session, too_many, kind="csv", election_slug="m2026", candidate_slug="avant")
    assert [p.code for p in error.value.problems] == ["too_many_rows"]


def test_rows_need_a_candidate_from_the_file_or_the_caller(session, election):
    with pytest.raises(InvalidImport) as error:
        import_sheet(session, "titre\nUn engagement\n", kind="csv", election_slug="m2026")
    assert [(p.record, p.field, p.code) for p in error.value.problems] == [
        ("", "candidate", "candidate_needed")
    ]
    summary = import_sheet(
        session, "titre\nUn engagement\n", kind="csv", election_slug="m2026",
        candidate_slug="avant", now=NOW,
    )  # fmt: skip
    assert summary.counts["pledges"] == {"created": 1}
    with pytest.raises(InvalidImport) as error:
        import_sheet(session, "titre;candidat\nSans liste;\n", kind="csv", election_slug="m2026")
    assert [(p.record, p.field, p.code) for p in error.value.problems] == [
        ("line 2", "candidate", "missing")
    ]


def test_pledge_slugs_are_derived_unique_per_election_and_titles_match_on_reimport(
    session, election
):
    avant = session.exec(select(Candidate)).one()
    make_pledge(session, avant, slug="budget-participatif", title="Autre chose")
    session.commit()
    text = "titre\nBudget participatif\nbudget  PARTICIPATIF\n"
    with pytest.raises(InvalidImport) as error:  # the same title twice for one candidate
        import_sheet(session, text, kind="paste", election_slug="m2026", candidate_slug="avant")
    assert [(p.record, p.code) for p in error.value.problems] == [("line 3", "duplicate_title")]
    text = "Budget participatif\nBudget des écoles\n"
    import_sheet(session, text, kind="paste", election_slug="m2026", candidate_slug="avant")
    assert pledge_titled(session, "Budget participatif").slug == "budget-participatif-2"
    # A pasted body changes only the columns it has: the first title matches, a new one is added.
    plan = plan_sheet(
        session, "Budget participatif\nLogement\n", kind="paste", election_slug="m2026",
        candidate_slug="avant",
    )  # fmt: skip
    assert plan.error is None
    assert [(r.slug, r.pledge_new) for r in plan.rows] == [
        ("budget-participatif-2", False),
        ("logement", True),
    ]


def test_a_paste_with_a_header_and_tabs_previews_without_writing(session, election):
    text = (
        "candidat\ttitre\tthème\tdate\n"
        "Liste Verte\tDes arbres\tClimat\t01/04/2020\n"
        "Marseille Avant\tDes bus\tTransports en commun\t\n"
    )
    plan = plan_sheet(session, text, kind="paste", election_slug="m2026", now=NOW)
    assert plan.error is None
    assert [(r.record, r.candidate, r.candidate_new, r.theme, r.theme_new) for r in plan.rows] == [
        ("line 2", "Liste Verte", True, "Climat", True),
        ("line 3", "Marseille Avant", False, "Transports en commun", True),
    ]
    assert plan.rows[0].made_on == date(2020, 4, 1)
    session.rollback()
    assert (count(session, Pledge), count(session, Candidate), count(session, Theme)) == (0, 1, 0)


def test_a_paste_with_a_new_candidate_name_and_problems_per_row(session, election):
    plan = plan_sheet(
        session, "Un\n\n" + "x" * 501 + "\nTrois", kind="paste", election_slug="m2026",
        candidate_name="Liste Bleue",
    )  # fmt: skip
    assert [r.record for r in plan.rows] == ["line 1", "line 3", "line 4"]
    assert all(r.candidate == "Liste Bleue" and r.candidate_new for r in plan.rows)
    assert [(p.record, p.field, p.code) for p in plan.problems] == [("line 3", "title", "too_long")]


def test_legacy_csv_columns_still_import(session, election):
    text = "slug,title,theme,keywords_include\nvelo,Vélo,climat,vélo|bike\n"
    import_csv(session, text, election_slug="m2026", candidate_slug="avant", now=NOW)
    pledge = pledge_titled(session, "Vélo")
    assert (pledge.slug, pledge.keywords_include) == ("velo", ["vélo", "bike"])


def test_json_themes_are_names_or_slugs(session):
    data = {"elections": [{
        "slug": "e", "name": "E", "territory": "T", "date": "2020-01-01",
        "candidates": [{"slug": "c", "name": "C", "pledges": [
            {"slug": "a", "title": "A", "theme": "école"},
            {"slug": "b", "title": "B", "theme": "Transports en commun"},
            {"slug": "d", "title": "D", "theme": "ecole"},
        ]}],
    }]}  # fmt: skip
    import_data(session, data, now=NOW)
    themes = {p.slug: p.theme for p in session.exec(select(Pledge))}
    assert themes == {"a": "ecole", "b": "transports-en-commun", "d": "ecole"}
    assert theme_names(session)["transports-en-commun"] == ("Transports en commun", "")
    assert not import_data(session, data, now=NOW).changed
    data["elections"][0]["candidates"][0]["pledges"][0]["theme"] = "!!!"
    with pytest.raises(InvalidImport) as error:
        import_data(session, data, now=NOW)
    assert [p.code for p in error.value.problems] == ["theme_no_letter"]


def test_the_demo_themes_get_their_accented_names(session):
    load_demo(session, now=NOW)
    names = theme_names(session)
    assert names["video-surveillance"] == ("Vidéosurveillance", "Video surveillance")
    assert names["democratie-locale"] == ("Démocratie locale", "Local democracy")
    used = {p.theme for p in session.exec(select(Pledge))} - {""}
    assert used <= set(names)


def test_the_xlsx_reader_is_bounded_in_columns(session, election):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["titre", "candidat"] + [None] * 100 + ["ignoré"])
    sheet.append(["Un", "Liste Verte"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert load_workbook(io.BytesIO(buffer.getvalue())).active.max_column == 103
    summary = import_sheet(session, buffer.getvalue(), kind="xlsx", election_slug="m2026")
    assert summary.counts["pledges"] == {"created": 1}


def test_a_selection_without_header_reads_columns_in_the_documented_order(session, election):
    text = "Des arbres\tDans chaque rue.\tClimat\t02/03/2020\n"
    plan = plan_sheet(session, text, kind="paste", election_slug="m2026", candidate_slug="avant")
    assert plan.error is None
    assert [(r.title, r.theme, r.made_on) for r in plan.rows] == [
        ("Des arbres", "Climat", date(2020, 3, 2))
    ]
    assert plan.sheet_rows[0].pledge.body == "Dans chaque rue."
    header_only = plan_sheet(
        session, "titre\n\n", kind="paste", election_slug="m2026", candidate_slug="avant"
    )
    assert [p.code for p in header_only.problems] == ["empty_sheet"]
