"""Editors create and edit elections, candidates, pledges and themes; old slugs answer 301."""

from datetime import date

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from models import Candidate, Election, Pledge, Theme
from models.enums import Role
from pledges import content
from tests.factories import make_candidate, make_election, make_pledge


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _form_values(response) -> dict[str, str]:
    soup = _soup(response)
    data = {
        i["name"]: i.get("value", "")
        for i in soup.select("form.work-form input")
        if i.get("name") and i.get("type") != "checkbox"
    }
    data.update({t["name"]: t.text.lstrip("\n") for t in soup.select("form.work-form textarea")})
    for select_ in soup.select("form.work-form select"):
        chosen = select_.find("option", selected=True)
        data[select_["name"]] = chosen["value"] if chosen else ""
    return data


def test_elections_page_offers_creation_not_import(auth, client, app_session):
    auth.login_as(Role.EDITOR)
    page = _soup(client.get("/admin/elections"))
    assert page.find("a", href="/admin/elections/new").text == "Nouvelle élection"
    assert "utilisez l'import" not in page.text
    nav = page.select_one("nav.work-nav")
    assert nav.find("a", href="/admin/themes")


def test_create_election_candidates_and_pledge(auth, client, app_session):
    auth.login_as(Role.EDITOR)
    token = auth.csrf_token()
    assert client.get("/admin/elections/new").status_code == 200
    bad = client.post(
        "/admin/elections/new",
        data={"csrf_token": token, "name": "", "territory": "Sète", "date": "x", "slug": "A B"},
    )
    assert bad.status_code == 422
    assert _soup(bad).find(id="name-errors")
    created = client.post(
        "/admin/elections/new",
        data={"csrf_token": token, "name": "Municipales de Sète", "territory": "Sète",
              "date": "2026-03-15", "slug": ""},
    )  # fmt: skip
    election = app_session.exec(select(Election)).one()
    assert election.slug == "municipales-de-sete"
    assert created.headers["Location"] == f"/admin/elections/{election.id}"
    bad_slug = client.post(
        "/admin/elections/new",
        data={"csrf_token": token, "name": "Autre", "territory": "Sète",
              "date": "2026-03-15", "slug": "Pas Un Slug"},
    )  # fmt: skip
    assert bad_slug.status_code == 422
    assert "lettres minuscules" in _soup(bad_slug).find(id="slug-errors").text
    taken = client.post(
        "/admin/elections/new",
        data={"csrf_token": token, "name": "Municipales de Sète", "territory": "Sète",
              "date": "2026-03-15"},
    )  # fmt: skip
    assert taken.status_code == 422

    for name, list_name in [("Émilie Dupré", "Émilie Dupré"), ("Sète Demain", "")]:
        response = client.post(
            f"/admin/elections/{election.id}/candidates/new",
            data={"csrf_token": token, "name": name, "list_name": list_name, "slug": ""},
        )
        assert response.status_code == 302
    duplicate = client.post(
        f"/admin/elections/{election.id}/candidates/new",
        data={"csrf_token": token, "name": "Emilie Dupre"},
    )
    assert duplicate.status_code == 422
    assert "Une autre candidature" in _soup(duplicate).find(id="slug-errors").text
    page = _soup(client.get(f"/admin/elections/{election.id}"))
    # The list name equal to the name is shown once.
    heading = page.find(id=f"candidate-{app_session.exec(select(Candidate.id)).first()}").h2
    assert heading.text.count("Émilie Dupré") == 1

    emilie = app_session.exec(select(Candidate).where(Candidate.slug == "emilie-dupre")).one()
    form = client.get(f"/admin/elections/{election.id}/pledges/new?candidate={emilie.id}")
    assert _form_values(form)["candidate"] == str(emilie.id)
    pledge_data = {
        "csrf_token": token, "candidate": str(emilie.id), "title": "Bus gratuits",
        "body": "Des bus **gratuits**.", "theme": "", "new_theme": "Transports en commun",
        "keywords_include": "bus\ngratuité", "deadline": "2027-01-01",
    }  # fmt: skip
    preview = client.post(
        f"/admin/elections/{election.id}/pledges/new", data={**pledge_data, "preview": "1"}
    )
    assert preview.status_code == 200
    assert "<strong>gratuits</strong>" in str(_soup(preview).find(id="preview"))
    assert _soup(preview).find("input", {"name": "title"})["value"] == "Bus gratuits"
    assert app_session.exec(select(Pledge)).first() is None  # a preview saves nothing
    stranger = make_candidate(app_session)
    app_session.commit()
    wrong = client.post(
        f"/admin/elections/{election.id}/pledges/new",
        data={**pledge_data, "candidate": str(stranger.id)},
    )
    assert wrong.status_code == 422  # a candidate of another election is not a choice
    saved = client.post(f"/admin/elections/{election.id}/pledges/new", data=pledge_data)
    assert saved.status_code == 302
    pledge = app_session.exec(select(Pledge)).one()
    assert (pledge.candidate_id, pledge.theme) == (emilie.id, "transports-en-commun")
    assert pledge.keywords_include == ["bus", "gratuité"]
    # The theme picker now offers it by name.
    form = _soup(client.get(f"/admin/pledges/{pledge.id}/edit"))
    option = form.find("select", {"name": "theme"}).find("option", selected=True)
    assert (option["value"], option.text) == ("transports-en-commun", "Transports en commun")


def test_live_preview_fragment(auth, client, app_session):
    auth.login_as(Role.EDITOR)
    response = client.post(
        "/admin/pledges/preview",
        data={"csrf_token": auth.csrf_token(), "body": "*vite* <script>alert(1)</script>"},
        headers={"HX-Request": "true", "HX-Target": "preview"},
    )
    assert response.status_code == 200
    fragment = _soup(response)
    assert fragment.find(id="preview").find("em").text == "vite"
    assert not fragment.find("script")


def test_edit_pledge_moves_it_within_its_election(auth, client, app_session):
    election = make_election(app_session)
    a, b = make_candidate(app_session, election), make_candidate(app_session, election)
    pledge = make_pledge(app_session, a, theme="")
    app_session.commit()
    auth.login_as(Role.EDITOR)
    data = _form_values(client.get(f"/admin/pledges/{pledge.id}/edit"))
    data["candidate"] = str(b.id)
    data["new_theme"] = "Vie associative"
    assert client.post(f"/admin/pledges/{pledge.id}/edit", data=data).status_code == 302
    app_session.expire_all()
    moved = app_session.get(Pledge, pledge.id)
    assert (moved.candidate_id, moved.theme, moved.version) == (b.id, "vie-associative", 3)


def test_themes_list_create_edit_and_redirect(auth, client, app_session):
    pledge = make_pledge(app_session, theme="")
    app_session.commit()
    auth.login_as(Role.EDITOR)
    token = auth.csrf_token()
    assert (
        client.post("/admin/themes/new", data={"csrf_token": token, "name_fr": ""}).status_code
        == 422
    )
    response = client.post(
        "/admin/themes/new",
        data={"csrf_token": token, "name_fr": "Sécurité", "name_en": "Safety", "slug": ""},
    )
    assert response.status_code == 302
    theme = app_session.exec(select(Theme)).one()
    assert theme.slug == "securite"
    pledge.theme = "securite"
    app_session.add(pledge)
    app_session.commit()
    listing = _soup(client.get("/admin/themes"))
    assert listing.find("th", string="Sécurité")
    data = _form_values(client.get(f"/admin/themes/{theme.id}/edit"))
    data.update(name_fr="Sécurité publique", slug="")
    assert client.post(f"/admin/themes/{theme.id}/edit", data=data).status_code == 302
    app_session.expire_all()
    assert app_session.get(Pledge, pledge.id).theme == "securite-publique"
    auth.logout()
    old = client.get("/themes/securite?lang=en")
    assert old.status_code == 301
    assert old.headers["Location"] == "/themes/securite-publique?lang=en"
    page = _soup(client.get("/themes/securite-publique?lang=en"))
    assert "Safety" in page.h1.text  # the English name, for an English reader
    assert "Sécurité publique" in _soup(client.get("/themes/securite-publique")).h1.text


def test_theme_label_falls_back_to_french_then_slug(app, app_session):
    from flask_babel import force_locale

    from views.labels import theme_label

    content.create_theme(app_session, name_fr="Écologie", actor="t")
    app_session.commit()
    with app.test_request_context("/"), force_locale("en"):
        assert theme_label("ecologie") == "Écologie"
        assert theme_label("mobilite-douce") == "Mobilite douce"


@pytest.fixture
def renamed(app_session):
    """An election and a candidate whose slugs were both changed."""
    election = make_election(app_session, slug="vieille-election", date=date(2020, 6, 28))
    candidate = make_candidate(app_session, election, slug="vieux-nom", name="Liste A")
    pledge = make_pledge(app_session, candidate)
    app_session.commit()
    from pledges import editing

    editing.update_election(
        app_session, election,
        expected_fingerprint=editing.fingerprint(election, editing.ELECTION_FIELDS),
        name=election.name, territory=election.territory, date=election.date,
        slug="nouvelle-election", actor="t",
    )  # fmt: skip
    editing.update_candidate(
        app_session, candidate, expected_version=1, name="Liste A", list_name="",
        elected=False, office="", slug="nouveau-nom", actor="t",
    )  # fmt: skip
    app_session.commit()
    return pledge


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/elections/vieille-election/vieux-nom?page=1",
         "/elections/nouvelle-election/nouveau-nom?page=1"),
        ("/elections/nouvelle-election/vieux-nom", "/elections/nouvelle-election/nouveau-nom"),
        ("/api/v1/elections/vieille-election", "/api/v1/elections/nouvelle-election"),
        ("/api/v1/candidates/vieille-election/vieux-nom",
         "/api/v1/candidates/nouvelle-election/nouveau-nom"),
        ("/api/v1/feeds/elections/vieille-election/status-changes.atom",
         "/api/v1/feeds/elections/nouvelle-election/status-changes.atom"),
        ("/api/v1/feeds/candidates/vieille-election/vieux-nom/evidence.atom",
         "/api/v1/feeds/candidates/nouvelle-election/nouveau-nom/evidence.atom"),
        ("/embed/candidates/vieille-election/vieux-nom?lang=en&compact=1",
         "/embed/candidates/nouvelle-election/nouveau-nom?lang=en&compact=1"),
        ("/badge/candidates/vieille-election/vieux-nom.svg?lang=en",
         "/badge/candidates/nouvelle-election/nouveau-nom.svg?lang=en"),
    ],
)  # fmt: skip
def test_old_slugs_answer_301_everywhere(client, renamed, old, new):
    response = client.get(old)
    assert response.status_code == 301, old
    assert response.headers["Location"] == new
    assert "Set-Cookie" not in response.headers
    assert "Content-Security-Policy" in response.headers
    assert client.get(new).status_code == 200
    if old.startswith("/api/"):
        assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_unknown_slugs_still_404(client, renamed):
    assert client.get("/elections/nouvelle-election/personne").status_code == 404
    assert client.get("/api/v1/elections/jamais").status_code == 404
    assert client.get("/themes/jamais").status_code == 404


def test_edit_candidate_slug_from_the_form(auth, client, app_session):
    candidate = make_candidate(app_session, name="Liste A", slug="liste-a")
    make_pledge(app_session, candidate)
    app_session.commit()
    auth.login_as(Role.EDITOR)
    data = _form_values(client.get(f"/admin/candidates/{candidate.id}/edit"))
    assert data["slug"] == "liste-a"
    bad = client.post(f"/admin/candidates/{candidate.id}/edit", data={**data, "slug": "É"})
    assert bad.status_code == 422
    data["slug"] = "liste-a-renommee"
    assert client.post(f"/admin/candidates/{candidate.id}/edit", data=data).status_code == 302
    auth.logout()
    election = app_session.get(Election, candidate.election_id).slug
    response = client.get(f"/elections/{election}/liste-a")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/elections/{election}/liste-a-renommee"
