"""An editor archives a candidate's PDF programme and makes a pledge from one of its passages.

In French with JavaScript (the PDF uploaded; the passage selected with the mouse across two
paragraphs) and in English without JavaScript (the PDF registered by its URL, served from
127.0.0.1; the passage chosen with the "start" and "end" radio buttons). The public pledge
page then cites "programme de …, p. 2", linking to the archived text with the passage
highlighted. axe checks every new page in the JavaScript run (axe itself runs as a script,
which the run without JavaScript cannot execute).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from sqlmodel import select

from models import Candidate, Pledge, ProgrammePassage
from models.enums import Role
from pledges import accounts, programmes
from pledges.archive import ArchiveSettings
from tests.archive_pages import pdf_bytes
from tests.browser.test_content_editing import EDITOR, login, save, serious_violations
from tests.browser.test_html_validity import run_vnu, token
from tests.factories import make_candidate, make_election
from tests.pledges.feed_server import Reply, serving

PAGES = [
    "Sète Demain : le programme municipal 2026.",
    "Nous rendrons les bus gratuits le dimanche.\nNous planterons mille arbres.\n"
    "Nous ouvrirons les cantines le samedi.",
    "Conclusion : votez pour nous.",
]


@pytest.fixture
def live_overrides(tmp_path):
    # The English test registers its programme by URL from 127.0.0.1 (dev/test allowance).
    return {"ARCHIVE_DIR": str(tmp_path / "archive"), "FEEDS_ALLOW_PRIVATE": True}


@pytest.fixture
def candidate_id(live_server):
    with live_server.session() as s:
        accounts.create_user(
            s, email=EDITOR[0], role=Role.EDITOR, password=EDITOR[1],
            display_name="Éditrice", actor="test",
        )  # fmt: skip
        election = make_election(s, slug="sete-2026", name="Municipales de Sète")
        candidate = make_candidate(s, election, slug="sete-demain", name="Sète Demain")
        s.flush()
        return candidate.id


def _anchored_pledge(live_server) -> tuple[Pledge, ProgrammePassage]:
    with live_server.session() as s:
        pledge = s.exec(select(Pledge)).one()
        anchor = s.get(ProgrammePassage, pledge.id)
        assert anchor is not None
        return pledge, anchor


def test_french_with_javascript(live_server, candidate_id, new_context, recorder, tmp_path):
    base = live_server.url
    page = new_context(locale="fr-FR").new_page()
    login(page, base)
    page.goto(f"{base}/admin/elections")
    page.get_by_role("link", name="Municipales de Sète").click()
    page.get_by_role("link", name="Programmes").click()
    assert serious_violations(page) == []
    programme_pdf = tmp_path / "programme-sete.pdf"
    programme_pdf.write_bytes(pdf_bytes(PAGES, title="Programme 2026"))
    page.get_by_label("Fichier PDF ou HTML").set_input_files(programme_pdf)
    save(page, "Envoyer et archiver")
    assert (
        "Programme archivé." in page.locator(".flashes, .flash, [role=status]").first.inner_text()
    )
    assert "Page 1 sur 3" in page.content()
    assert serious_violations(page) == []

    page.get_by_label("Page", exact=True).select_option("2")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_load_state()
    assert "Page 2 sur 3" in page.content()
    # Select from the start of the first paragraph to the end of the second with the mouse.
    page.locator("#paragraph-1").evaluate("element => element.scrollIntoView()")
    first = page.locator("#paragraph-1 .paragraph-text").bounding_box()
    second = page.locator("#paragraph-2 .paragraph-text").bounding_box()
    page.mouse.move(first["x"] + 1, first["y"] + first["height"] / 2)
    page.mouse.down()
    page.mouse.move(second["x"] + second["width"] / 2, second["y"] + second["height"] / 2, steps=5)
    page.mouse.move(second["x"] + second["width"] - 1, second["y"] + second["height"] / 2, steps=5)
    page.mouse.up()
    summary = page.locator("#passage-selection")
    summary.wait_for(state="visible")
    assert "mille arbres" in page.locator("#selection-text").inner_text()
    assert serious_violations(page) == []
    page.get_by_role("button", name="Créer un engagement avec ce passage").click()
    page.wait_for_load_state()
    quote = page.locator("figure.passage blockquote").inner_text()
    assert quote.startswith("Nous rendrons les bus gratuits le dimanche.")
    assert quote.endswith("Nous planterons mille arbres.")
    assert serious_violations(page) == []
    page.get_by_label("Titre").fill("Bus gratuits le dimanche et mille arbres")
    save(page, "Enregistrer")
    pledge, anchor = _anchored_pledge(live_server)
    # The quote keeps the archived text's line break (the blockquote shows it as a space).
    assert (
        pledge.quote == "Nous rendrons les bus gratuits le dimanche.\nNous planterons mille arbres."
    )
    assert anchor.page == 2

    page.goto(f"{base}/admin/programmes/{anchor.programme_id}")
    assert page.get_by_role("link", name="Bus gratuits le dimanche et mille arbres").count() == 1

    public = new_context(locale="fr-FR").new_page()
    public.goto(f"{base}/pledges/{pledge.id}")
    source = public.locator("p.source-passage")
    assert " ".join(source.inner_text().split()) == "Source : programme de Sète Demain, p. 2"
    assert serious_violations(public) == []
    source.get_by_role("link").click()
    public.wait_for_load_state()
    assert public.url.endswith("#passage")
    assert public.locator("mark#passage").inner_text() == pledge.quote
    assert serious_violations(public) == []
    assert recorder.console_errors == []


def test_english_without_javascript(live_server, candidate_id, new_context):
    base = live_server.url
    page = new_context(locale="en-US", java_script_enabled=False).new_page()
    login(page, base)
    with serving() as server:
        server.routes["/programme.pdf"] = Reply(
            body=pdf_bytes(PAGES), headers={"Content-Type": "application/pdf"}
        )
        page.goto(f"{base}/admin/candidates/{candidate_id}/programmes?lang=en")
        page.get_by_label("Programme's address (URL)").fill(server.url("/programme.pdf"))
        page.get_by_label("Document name").first.fill("Municipal programme 2026")
        save(page, "Archive")
    assert "Programme archived." in page.content()
    page.get_by_role("link", name="Next page").first.click()
    page.wait_for_load_state()
    assert "Page 2 of 3" in page.content()
    # Without JavaScript: the paragraph where it starts, the paragraph where it ends.
    page.get_by_role("radio", name="start at paragraph 2", exact=True).check()
    page.get_by_role("radio", name="end at paragraph 2", exact=True).check()
    page.get_by_role("button", name="Make a pledge from this passage").click()
    page.wait_for_load_state()
    assert page.locator("figure.passage blockquote").inner_text() == "Nous planterons mille arbres."
    page.locator("[name=title]").fill("A thousand trees")
    save(page, "Save")
    pledge, anchor = _anchored_pledge(live_server)
    assert pledge.quote == "Nous planterons mille arbres."
    assert anchor.page == 2

    page.goto(f"{base}/pledges/{pledge.id}?lang=en")
    source = page.locator("p.source-passage")
    assert " ".join(source.inner_text().split()) == "Source: Sète Demain's programme, p. 2"
    source.get_by_role("link").click()
    page.wait_for_load_state()
    assert page.locator("mark#passage").inner_text() == "Nous planterons mille arbres."


def test_programme_pages_are_valid_html(live_server, candidate_id, tmp_path):
    """The Nu Html Checker finds no error on the new pages, forms with errors included."""
    with live_server.session() as s:
        candidate = s.get(Candidate, candidate_id)
        made = programmes.register_upload(
            s, candidate, pdf_bytes(PAGES), ArchiveSettings.from_config(live_server.app.config),
            filename="programme.pdf", max_bytes=1024 * 1024, actor="test",
        )  # fmt: skip
        programme, snapshot = programmes.get_programme(s, made.id)
        first = programmes.paragraphs(programmes.page_texts(snapshot)[1])[0]
        passage = programmes.read_passage(
            programme, snapshot, page=2, start=first.start, end=first.end, sha256=snapshot.sha256
        )
        pledge = programmes.create_pledge_from_passage(s, passage, title="Bus", actor="test")
        programme_id, pledge_id, sha256 = programme.id, pledge.id, snapshot.sha256
    client = live_server.app.test_client()
    login_path = "/auth/login"
    data = {"email": EDITOR[0], "password": EDITOR[1], "csrf_token": token(client, login_path)}
    assert client.post(login_path, data=data).status_code == 302
    choice = f"page=2&start={first.start}&end={first.end}&sha256={sha256}"
    new_pledge = f"/admin/programmes/{programme_id}/pledges/new"
    pages = {
        "candidate-programmes": (f"/admin/candidates/{candidate_id}/programmes", 200),
        "candidate-programmes-en": (f"/admin/candidates/{candidate_id}/programmes?lang=en", 200),
        "programme": (f"/admin/programmes/{programme_id}", 200),
        "programme-page-2-en": (f"/admin/programmes/{programme_id}?page=2&lang=en", 200),
        "new-pledge": (f"{new_pledge}?{choice}", 200),
        "passage-refused": (f"{new_pledge}?page=2&start=0&end=99999&sha256={sha256}", 422),
        "public-programme": (f"/programmes/{programme_id}?page=2&pledge={pledge_id}", 200),
        "public-programme-en": (f"/programmes/{programme_id}?lang=en", 200),
        "public-pledge": (f"/pledges/{pledge_id}", 200),
    }
    folder = tmp_path / "pages"
    folder.mkdir()
    files = []
    for name, (path, status) in pages.items():
        response = client.get(path)
        assert response.status_code == status, path
        files.append(folder / f"{name}.html")
        files[-1].write_text(response.get_data(as_text=True), encoding="utf-8")
    # Forms showing their errors.
    programmes_path = f"/admin/candidates/{candidate_id}/programmes"
    csrf = token(client, programmes_path)
    for name, path, form in [
        ("by-url-errors", programmes_path, {"by-url-csrf_token": csrf, "by-url-url": ""}),
        ("upload-errors", f"{programmes_path}/upload", {"upload-csrf_token": csrf}),
        ("new-pledge-errors", new_pledge, {"csrf_token": csrf, **dict(parse_qsl(choice))}),
    ]:
        response = client.post(path, data=form)
        assert response.status_code == 422, path
        files.append(folder / f"{name}.html")
        files[-1].write_text(response.get_data(as_text=True), encoding="utf-8")
        assert 'class="errors"' in files[-1].read_text(encoding="utf-8"), path
    errors = run_vnu(files)
    problems = [
        f"{Path(m.get('url', '?')).name}:{m.get('lastLine', '?')}: {m.get('message')}"
        f" [{m.get('extract', '').strip()}]"
        for m in errors
    ]
    assert not problems, "\n".join(problems)
