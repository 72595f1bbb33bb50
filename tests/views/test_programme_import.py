"""Issue 10's imports through the web and the CLI: paste a programme, upload sheets, templates."""

import io
import json
import re

from bs4 import BeautifulSoup
from openpyxl import Workbook, load_workbook
from sqlalchemy import func
from sqlmodel import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from models import Candidate, Election, Pledge
from models.enums import Role
from pledges.themes import theme_names
from tests.factories import make_candidate, make_election

PROGRAMME = (
    "candidat\ttitre\tthème\tdate\n"
    "Liste Verte\tDes arbres dans chaque rue\tClimat\t01/04/2020\n"
    "Liste Verte\tDes bus gratuits\tTransports en commun\t\n"
    "Marseille Avant\tRénover les écoles\tÉcole\t\n"
)


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def _setup(app_session):
    election = make_election(app_session, slug="m2026", name="Municipales 2026")
    other = make_election(app_session, slug="autre", name="Autre élection")
    avant = make_candidate(app_session, election, slug="avant", name="Marseille Avant")
    stranger = make_candidate(app_session, other, slug="ailleurs", name="Ailleurs")
    app_session.commit()
    return election, avant, stranger


def _paste(auth, client, election, text, *, action="preview", url="/admin/import/programme",
           headers=None, **fields):  # fmt: skip
    data = {
        "csrf_token": auth.csrf_token(), "election": str(election.id), "text": text,
        "action": action, **fields,
    }  # fmt: skip
    return client.post(url, data=data, headers=headers or {})


def test_paste_preview_then_confirm_creates_candidates_and_pledges(auth, client, app_session):
    auth.login_as(Role.EDITOR)
    election, _avant, _ = _setup(app_session)
    page = _soup(client.get("/admin/import/programme"))
    options = [o.text for o in page.find("select", id="election").find_all("option")]
    assert set(options[1:]) == {"Municipales 2026", "Autre élection"}  # by name, never a slug
    groups = [g["label"] for g in page.find("select", id="candidate").find_all("optgroup")]
    assert set(groups) == {"Municipales 2026", "Autre élection"}

    preview = _paste(auth, client, election, PROGRAMME)
    assert preview.status_code == 200
    table = _soup(preview).find("table", class_="programme-preview")
    rows = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in table.tbody("tr")]
    assert [r[:3] for r in rows] == [
        ["2", "Liste Verte (nouvelle)", "Des arbres dans chaque rue"],
        ["3", "Liste Verte (nouvelle)", "Des bus gratuits"],
        ["4", "Marseille Avant", "Rénover les écoles"],
    ]
    assert rows[0][4] == "1er avril 2020"
    assert count(app_session, Pledge) == 0  # a preview writes nothing
    assert _soup(preview).find("button", attrs={"value": "confirm"}) is not None

    done = _paste(auth, client, election, PROGRAMME, action="confirm")
    assert done.status_code == 302
    flashed = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Import terminé." in flashed
    assert "Engagements — créations : 3" in flashed
    assert count(app_session, Pledge) == 3
    green = app_session.exec(select(Candidate).where(Candidate.name == "Liste Verte")).one()
    assert green.election_id == election.id
    assert theme_names(app_session)["transports-en-commun"][0] == "Transports en commun"


def test_paste_of_lines_for_a_new_candidate_by_name_with_htmx(auth, client, app_session):
    auth.login_as(Role.EDITOR)
    election, _, _ = _setup(app_session)
    htmx = {"HX-Request": "true"}
    text = "Premier engagement\nSecond engagement\n"
    preview = _paste(auth, client, election, text, new_candidate="Liste Bleue", headers=htmx)
    assert preview.status_code == 200
    assert _soup(preview).find(id="programme-work") is not None
    done = _paste(
        auth, client, election, text, action="confirm", new_candidate="Liste Bleue", headers=htmx
    )
    assert (done.status_code, done.headers["HX-Redirect"]) == (200, "/admin/import/programme")
    blue = app_session.exec(select(Candidate).where(Candidate.name == "Liste Bleue")).one()
    titles = app_session.exec(select(Pledge.title).where(Pledge.candidate_id == blue.id)).all()
    assert sorted(titles) == ["Premier engagement", "Second engagement"]


def test_paste_problems_name_row_and_column_in_french_and_in_english(auth, client, app_session):
    auth.login_as(Role.EDITOR)
    election, avant, _ = _setup(app_session)
    text = "titre\téchéance\nBon\t31/02/2026\n\t01/01/2026\n"
    french = _paste(auth, client, election, text, candidate=str(avant.id), action="confirm")
    assert french.status_code == 422
    report = _soup(french).find(class_="import-report")
    cells = [[td.text for td in tr("td")] for tr in report.tbody("tr")]
    assert cells == [
        ["ligne 2", "échéance", "« 31/02/2026 » n'est pas une date (jj/mm/aaaa ou aaaa-mm-jj)"],
        ["ligne 3", "titre", "manquant"],
    ]
    row_problems = _soup(french).find("table", class_="programme-preview").find_all("li")
    assert [li.text for li in row_problems][1] == "titre : manquant"
    assert _soup(french).find("button", attrs={"value": "confirm"}) is None

    english = _paste(
        auth, client, election, text, candidate=str(avant.id), url="/admin/import/programme?lang=en"
    )
    report = _soup(english).find(class_="import-report")
    cells = [[td.text for td in tr("td")] for tr in report.tbody("tr")]
    assert cells == [
        ["line 2", "deadline", "“31/02/2026” is not a date (dd/mm/yyyy or yyyy-mm-dd)"],
        ["line 3", "title", "missing"],
    ]
    assert count(app_session, Pledge) == 0
    # No command-line option on a web page (the CSRF token's timestamp may hold "--").
    pages = french.get_data(as_text=True) + english.get_data(as_text=True)
    assert re.search(r"--(election|candidate|format)\b", pages) is None


def test_paste_target_problems_are_on_the_form_fields(auth, client, app_session):
    auth.login_as(Role.EDITOR)
    election, avant, stranger = _setup(app_session)
    wrong = _paste(auth, client, election, "Un", candidate=str(stranger.id))
    assert wrong.status_code == 422
    assert "n'est pas de l'élection choisie" in _soup(wrong).find(id="candidate-errors").text
    both = _paste(auth, client, election, "Un", candidate=str(avant.id), new_candidate="Autre")
    assert both.status_code == 422
    assert _soup(both).find(id="new_candidate-errors") is not None
    nobody = _paste(auth, client, election, "Un")
    assert nobody.status_code == 422
    assert "colonne « candidat »" in _soup(nobody).find(id="candidate-errors").text
    assert count(app_session, Pledge) == 0


def _upload(auth, client, raw, name, url="/admin/import", **fields):
    boundary, body = encode_multipart(
        MultiDict(
            {"csrf_token": auth.csrf_token(), "file": FileStorage(io.BytesIO(raw), name), **fields}
        )
    )
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_upload_of_a_french_windows_1252_csv(auth, client, app_session):
    auth.login_as(Role.EDITOR)
    election, _, _ = _setup(app_session)
    raw = (
        "Titre;Candidat;Thème;Date;Échéance\r\n"
        "Créer des pistes cyclables;Liste Verte;Vélo;03/05/2020;31/12/2026\r\n"
    ).encode("cp1252")
    done = _upload(auth, client, raw, "programme.csv", election=str(election.id))
    assert done.status_code == 302
    pledge = app_session.exec(select(Pledge)).one()
    assert (pledge.title, pledge.theme, str(pledge.deadline)) == (
        "Créer des pistes cyclables", "velo", "2026-12-31",
    )  # fmt: skip


def test_upload_of_a_bad_xlsx_reports_in_both_languages(auth, client, app_session):
    auth.login_as(Role.EDITOR)
    election, avant, _ = _setup(app_session)
    workbook = Workbook()
    workbook.active.append(["title", "made_on"])
    workbook.active.append(["Fine", "yesterday"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    fields = {"election": str(election.id), "candidate": str(avant.id)}
    french = _upload(auth, client, buffer.getvalue(), "p.xlsx", **fields)
    assert french.status_code == 422
    cells = [td.text for td in _soup(french).find(class_="import-report").tbody("td")]
    assert cells[:2] == ["ligne 2", "date"]
    english = _upload(
        auth, client, buffer.getvalue(), "p.xlsx", url="/admin/import?lang=en", **fields
    )
    cells = [td.text for td in _soup(english).find(class_="import-report").tbody("td")]
    assert cells[:2] == ["line 2", "made_on"]
    assert count(app_session, Pledge) == 0
    unknown = _upload(auth, client, b"x", "p.ods", **fields)
    assert unknown.status_code == 422


def test_the_upload_page_describes_the_format_and_links_the_templates(auth, client, app_session):
    auth.login_as(Role.EDITOR)
    page = _soup(client.get("/admin/import"))
    codes = [c.text for c in page.find(class_="import-format").find_all("code")]
    assert {"titre", "title", "échéance", "deadline", "mots-clés", "keywords"} <= set(codes)
    links = {a["href"] for a in page.find(class_="import-format").find_all("a")}
    assert {f"/admin/import/template.{ext}" for ext in ("csv", "xlsx", "json")} <= links


def test_templates_download_and_reimport_cleanly(auth, client, app_session):
    auth.login_as(Role.EDITOR)
    election, _, _ = _setup(app_session)
    for lang in ("fr", "en"):
        csv_file = client.get(f"/admin/import/template.csv?lang={lang}")
        assert csv_file.status_code == 200
        assert csv_file.headers["Content-Type"].startswith("text/csv")
        header = csv_file.get_data().decode("utf-8-sig").splitlines()[0]
        assert header.startswith("candidat;titre" if lang == "fr" else "candidate,title")
        xlsx_file = client.get(f"/admin/import/template.xlsx?lang={lang}")
        assert load_workbook(io.BytesIO(xlsx_file.get_data())).active["B1"].value in (
            "titre", "title",
        )  # fmt: skip
        for name, raw in (("t.csv", csv_file.get_data()), ("t.xlsx", xlsx_file.get_data())):
            done = _upload(auth, client, raw, name, election=str(election.id))
            assert done.status_code == 302, done.get_data(as_text=True)
    # French and English templates: two lists of two pledges, each created once.
    assert count(app_session, Pledge) == 4
    json_file = client.get("/admin/import/template.json")
    data = json.loads(json_file.get_data())
    for _ in range(2):
        assert _upload(auth, client, json_file.get_data(), "t.json").status_code == 302
    slug = data["elections"][0]["slug"]
    assert app_session.exec(select(Election).where(Election.slug == slug)).one()
    assert count(app_session, Pledge) == 6
    assert client.get("/admin/import/template.exe").status_code == 404


def test_cli_imports_csv_and_xlsx_files(runner, app_session, tmp_path):
    election = make_election(app_session, slug="m2026", name="Municipales 2026")
    make_candidate(app_session, election, slug="avant", name="Marseille Avant")
    app_session.commit()
    csv_path = tmp_path / "programme.csv"
    csv_path.write_bytes("titre;thème\nUn engagement;École\n".encode("cp1252"))
    result = runner.invoke(args=["import", str(csv_path), "--election", "m2026"])
    assert result.exit_code == 1
    assert "--candidate: aucune candidature : choisissez-en une" in result.stderr
    result = runner.invoke(
        args=["import", str(csv_path), "--election", "m2026", "--candidate", "avant"]
    )
    assert result.exit_code == 0, result.output
    assert "Engagements — créations : 1" in result.output

    workbook = Workbook()
    workbook.active.append(["Candidate", "Title", "Deadline"])
    workbook.active.append(["Liste Verte", "Plant trees", "31/12/2026"])
    workbook.active.append(["Liste Verte", "", "nope"])
    xlsx_path = tmp_path / "programme.xlsx"
    workbook.save(xlsx_path)
    bad = runner.invoke(args=["import", str(xlsx_path), "--election", "m2026"])
    assert bad.exit_code == 1
    assert "ligne 3, titre: manquant" in bad.stderr
    assert "ligne 3, échéance: « nope » n'est pas une date" in bad.stderr
    workbook.active.delete_rows(3)
    workbook.save(xlsx_path)
    good = runner.invoke(args=["import", str(xlsx_path), "--election", "m2026"])
    assert good.exit_code == 0, good.output
    assert "Candidatures — créations : 1" in good.output
    assert count(app_session, Pledge) == 2
