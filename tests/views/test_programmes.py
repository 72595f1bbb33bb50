"""The programme pages: register by upload or URL, choose a passage, make a pledge from it;
the public pledge page cites it and the public text page highlights it. Editors only."""

import io
import re

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from models import Pledge, ProgrammePassage
from models.db import utc_now
from models.enums import Role
from pledges import programmes
from tests.archive_pages import article_html, pdf_bytes
from tests.factories import make_candidate
from tests.pledges.feed_server import Reply, serving

PAGES = [
    "Sete pour tous : notre programme.",
    "Nous rendrons les bus gratuits le dimanche.\nNous planterons mille arbres.",
]


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.fixture
def candidate(app_session):
    made = make_candidate(app_session, name="Émilie Dupré")
    app_session.commit()
    return made


def _upload(client, token, candidate, body, name="programme.pdf", lang=""):
    return client.post(
        f"/admin/candidates/{candidate.id}/programmes/upload{lang}",
        data={
            "upload-csrf_token": token,
            "upload-file": (io.BytesIO(body), name),
            "upload-title": "",
        },
        content_type="multipart/form-data",
    )


@pytest.fixture
def programme(auth, client, candidate, app_session):
    auth.login_as(Role.EDITOR)
    response = _upload(client, auth.csrf_token(), candidate, pdf_bytes(PAGES))
    assert response.status_code == 302, response.get_data(as_text=True)
    programme_id = int(response.headers["Location"].rsplit("/", 1)[1])
    found = programmes.get_programme(app_session, programme_id)
    assert found is not None
    return found


def _choice(client, programme, page=2):
    """The picker's fields for the first paragraph of `page`, as a browser without JS sends."""
    soup = _soup(client.get(f"/admin/programmes/{programme.id}?page={page}"))
    form = soup.select_one("form#passage-form")
    first = form.select_one("ol.paragraphs li")
    return {
        "page": form.find("input", attrs={"name": "page"})["value"],
        "sha256": form.find("input", attrs={"name": "sha256"})["value"],
        "start": first.find("input", attrs={"name": "start"})["value"],
        "end": first.find("input", attrs={"name": "end"})["value"],
    }


def test_only_editors_reach_the_programme_pages(auth, client, candidate):
    urls = [
        f"/admin/candidates/{candidate.id}/programmes",
        "/admin/programmes/1",
        "/admin/programmes/1/pledges/new?page=1&start=0&end=3&sha256=" + "0" * 64,
    ]
    for url in urls:
        assert client.get(url).status_code in {302, 401, 403}
    auth.login_as(Role.VOLUNTEER)
    for url in urls:
        assert client.get(url).status_code == 403
    token = auth.csrf_token()
    response = _upload(client, token, candidate, pdf_bytes(PAGES))
    assert response.status_code == 403


def test_candidate_page_links_both_programme_features(auth, client, candidate):
    auth.login_as(Role.EDITOR)
    election = _soup(client.get(f"/admin/elections/{candidate.election_id}"))
    assert election.find("a", href=f"/admin/candidates/{candidate.id}/programmes")
    page = _soup(client.get(f"/admin/candidates/{candidate.id}/programmes"))
    assert page.find("a", href="/admin/import/programme")
    assert page.find("form", enctype="multipart/form-data")
    assert "Aucun programme archivé." in page.text


def test_a_pledge_made_from_a_passage_without_javascript(auth, client, programme, app_session):
    found, snapshot = programme
    page = _soup(client.get(f"/admin/candidates/{found.candidate_id}/programmes"))
    assert page.find("a", href=f"/admin/programmes/{found.id}")
    choice = _choice(client, found)
    assert choice["sha256"] == snapshot.sha256
    chosen = client.get(f"/admin/programmes/{found.id}/pledges/new", query_string=choice)
    assert chosen.status_code == 200
    quote = chosen_quote = _soup(chosen).select_one("figure.passage blockquote").text.strip()
    assert quote == "Nous rendrons les bus gratuits le dimanche."
    form = _soup(chosen).select_one("form.work-form")
    assert form.find("textarea", attrs={"name": "quote"}) is None  # never editable
    assert form.find("select", attrs={"name": "candidate"}) is None  # the programme's
    data = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    data.update(title="Bus gratuits le dimanche", quote="a forged quote", body="")
    saved = client.post(f"/admin/programmes/{found.id}/pledges/new", data=data)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    pledge = app_session.exec(
        select(Pledge).where(Pledge.title == "Bus gratuits le dimanche")
    ).one()
    assert pledge.quote == chosen_quote  # the archive's text, not the browser's
    assert pledge.candidate_id == found.candidate_id
    anchor = app_session.get(ProgrammePassage, pledge.id)
    assert (anchor.page, anchor.sha256) == (2, snapshot.sha256)
    assert (anchor.start, anchor.end) == (int(choice["start"]), int(choice["end"]))

    listed = _soup(client.get(f"/admin/programmes/{found.id}"))
    assert listed.find("a", href=f"/admin/pledges/{pledge.id}")

    auth.logout()
    public = _soup(client.get(f"/pledges/{pledge.id}"))
    source = public.select_one("p.source-passage")
    assert " ".join(source.text.split()) == "Source : programme de Émilie Dupré, p. 2"
    href = source.a["href"]
    assert href == f"/programmes/{found.id}?page=2&pledge={pledge.id}#passage"
    text_page = client.get(href.split("#")[0])
    assert text_page.status_code == 200
    assert text_page.headers.get("Set-Cookie") is None
    mark = _soup(text_page).select_one("mark#passage")
    assert mark.text == chosen_quote
    english = _soup(client.get(f"/pledges/{pledge.id}?lang=en")).select_one("p.source-passage")
    assert " ".join(english.text.split()) == "Source: Émilie Dupré's programme, p. 2"


def test_a_mouse_selection_spanning_paragraphs_posts_the_same_fields(auth, client, programme):
    found, snapshot = programme
    text = programmes.page_texts(snapshot)[1]
    start = text.index("bus gratuits")
    end = text.index("mille") + len("mille")
    chosen = client.get(
        f"/admin/programmes/{found.id}/pledges/new",
        query_string={"page": 2, "start": start, "end": end, "sha256": snapshot.sha256},
    )
    assert chosen.status_code == 200
    quote = _soup(chosen).select_one("figure.passage blockquote").text
    assert quote == text[start:end]


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"start": "9999"}, 422, "Ce passage n'est pas dans la page"),
        ({"start": "x"}, 422, "Ce passage n'est pas dans la page"),
        ({"start": ""}, 422, "Ce passage n'est pas dans la page"),
        ({"page": "7"}, 422, "Cette page n'existe pas dans le programme."),
        ({"sha256": "a" * 64}, 422, "La copie archivée n'est pas celle"),
        ({"sha256": "not-a-hash"}, 400, None),
    ],
)
def test_bad_choices_are_refused(auth, client, programme, app_session, changes, status, message):
    found, _snapshot = programme
    data = {**_choice(client, found), **changes}
    shown = client.get(f"/admin/programmes/{found.id}/pledges/new", query_string=data)
    assert shown.status_code == status
    saved = client.post(
        f"/admin/programmes/{found.id}/pledges/new",
        data={**data, "title": "Titre", "csrf_token": auth.csrf_token()},
    )
    assert saved.status_code == status
    if message:
        assert message in _soup(shown).text
        assert _soup(shown).find("a", href=f"/admin/programmes/{found.id}")
    assert app_session.exec(select(Pledge)).all() == []


def test_pledge_form_errors_keep_the_passage(auth, client, programme, app_session):
    found, _snapshot = programme
    data = {**_choice(client, found), "title": "", "csrf_token": auth.csrf_token()}
    response = client.post(f"/admin/programmes/{found.id}/pledges/new", data=data)
    assert response.status_code == 422
    soup = _soup(response)
    assert "Nous rendrons les bus gratuits" in soup.select_one("figure.passage").text
    assert soup.find("input", attrs={"name": "start"})["value"] == data["start"]


def test_post_needs_the_csrf_token(auth, client, programme):
    found, _snapshot = programme
    response = client.post(
        f"/admin/programmes/{found.id}/pledges/new", data={**_choice(client, found), "title": "T"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("body", "french", "english"),
    [
        (b"PK\x03\x04zip", "ni un PDF ni une page HTML", "neither a PDF nor an HTML page"),
        (b"", "Le fichier est vide.", "The file is empty."),
        (b"%PDF-1.4 broken", "Aucun texte n'a pu être lu", "No text could be read"),
    ],
)
def test_bad_uploads_are_refused_in_words(auth, client, candidate, body, french, english):
    auth.login_as(Role.EDITOR)
    token = auth.csrf_token()
    response = _upload(client, token, candidate, body, name="x.pdf")
    assert response.status_code == 422
    assert french in _soup(response).text
    response = _upload(client, token, candidate, body, name="x.pdf", lang="?lang=en")
    assert english in _soup(response).text


@pytest.mark.parametrize("app_overrides", [{"MAX_UPLOAD_BYTES": 4096}])
def test_a_large_upload_is_refused(auth, client, candidate):
    auth.login_as(Role.EDITOR)
    response = _upload(client, auth.csrf_token(), candidate, pdf_bytes(PAGES * 40))
    assert response.status_code in {413, 422}


def test_archived_html_is_shown_as_escaped_text(auth, client, candidate, app_session):
    auth.login_as(Role.EDITOR)
    html = article_html(("Nous voulons &lt;script&gt;alert(1)&lt;/script&gt; partout.",))
    response = _upload(client, auth.csrf_token(), candidate, html, name="p.html")
    assert response.status_code == 302
    programme_id = int(response.headers["Location"].rsplit("/", 1)[1])
    auth.logout()
    page = client.get(f"/programmes/{programme_id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script>alert" not in body


@pytest.mark.parametrize("app_overrides", [{"FEEDS_ALLOW_PRIVATE": True}])
def test_register_by_url_from_loopback(auth, client, candidate, app_session):
    auth.login_as(Role.EDITOR)
    with serving() as server:
        server.routes["/p.pdf"] = Reply(
            body=pdf_bytes(PAGES), headers={"Content-Type": "application/pdf"}
        )
        server.routes["/gone"] = Reply(status=404)
        token = auth.csrf_token()
        ok = client.post(
            f"/admin/candidates/{candidate.id}/programmes",
            data={"by-url-csrf_token": token, "by-url-url": server.url("/p.pdf")},
        )
        gone = client.post(
            f"/admin/candidates/{candidate.id}/programmes",
            data={"by-url-csrf_token": token, "by-url-url": server.url("/gone")},
        )
    assert ok.status_code == 302
    assert gone.status_code == 422
    assert "Cette page n'existe pas (erreur 404 ou 410)." in _soup(gone).text
    programme_id = int(ok.headers["Location"].rsplit("/", 1)[1])
    _p, snapshot = programmes.get_programme(app_session, programme_id)
    assert snapshot.http_status == 200
    assert snapshot.page_count == 2


def test_loopback_is_refused_without_the_allowance(auth, client, candidate):
    auth.login_as(Role.EDITOR)
    response = client.post(
        f"/admin/candidates/{candidate.id}/programmes",
        data={"by-url-csrf_token": auth.csrf_token(), "by-url-url": "http://127.0.0.1:9/p.pdf"},
    )
    assert response.status_code == 422
    assert "seules les adresses publiques" in _soup(response).text


def test_public_text_pages_answer_404_and_410(auth, client, programme, app_session, candidate):
    found, _snapshot = programme
    auth.logout()
    assert client.get(f"/programmes/{found.id}?page=3").status_code == 404
    assert client.get(f"/programmes/{found.id + 1000}").status_code == 404
    assert client.get(f"/programmes/{found.id}?page=2").status_code == 200
    candidate.archived_at = utc_now()
    app_session.add(candidate)
    app_session.commit()
    assert client.get(f"/programmes/{found.id}").status_code == 410


def test_admin_page_picker_and_missing_pages(auth, client, programme):
    found, _snapshot = programme
    soup = _soup(client.get(f"/admin/programmes/{found.id}"))
    assert [o["value"] for o in soup.select("select#page-select option")] == ["1", "2"]
    assert soup.find("a", href=f"/admin/programmes/{found.id}?page=2")
    assert client.get(f"/admin/programmes/{found.id}?page=9").status_code == 404
    assert client.get(f"/admin/programmes/{found.id}?page=x").status_code == 404
    assert re.search(r"Page 1 sur 2", soup.text)


def test_an_anchored_pledge_keeps_its_quote_when_edited(auth, client, programme, app_session):
    found, _snapshot = programme
    chosen = client.get(
        f"/admin/programmes/{found.id}/pledges/new", query_string=_choice(client, found)
    )
    data = {i["name"]: i.get("value", "") for i in _soup(chosen).select("form input[type=hidden]")}
    data["title"] = "Bus gratuits"
    assert client.post(f"/admin/programmes/{found.id}/pledges/new", data=data).status_code == 302
    pledge = app_session.exec(select(Pledge)).one()
    edit = _soup(client.get(f"/admin/pledges/{pledge.id}/edit"))
    assert edit.find("textarea", attrs={"name": "quote"}) is None
    assert "ne se modifie pas" in edit.text
    values = {i["name"]: i.get("value", "") for i in edit.select("form.work-form input")}
    values.update(
        title="Bus gratuits le dimanche",
        quote="Une autre citation",
        candidate=str(pledge.candidate_id),
    )
    saved = client.post(f"/admin/pledges/{pledge.id}/edit", data=values)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    app_session.refresh(pledge)
    assert pledge.title == "Bus gratuits le dimanche"
    assert pledge.quote == "Nous rendrons les bus gratuits le dimanche."
