"""Enter a programme quickly (issue 10), in Chromium: paste, preview, confirm, see it public.

An election exists (created through the domain's import); an editor pastes a
spreadsheet selection (tab-separated, with a candidate column) that creates two
candidates and eight pledges, checks the preview table, confirms, and finds the
pledges on the public candidate pages: in French with JavaScript (htmx swaps
the preview in place), in English without JavaScript (plain form posts).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import func, select

from models import Candidate, Election, Pledge
from models.enums import Role
from pledges import accounts
from pledges.importing import import_data
from tests.browser.conftest import assert_only_loopback

EDITOR = ("editrice@example.org", "mot de passe éditrice")
PLEDGES = {
    "Liste Verte": [
        "Planter 10 000 arbres", "Des cantines bio", "Des pistes cyclables protégées",
        "Un budget participatif",
    ],
    "Marseille Avant": [
        "Rénover les écoles", "Des bus la nuit", "Un centre de santé par quartier",
        "Ouvrir les piscines l'été",
    ],
}  # fmt: skip
THEMES = ["Climat", "École", "Transports en commun", "Démocratie locale"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def programme() -> str:
    lines = ["candidat\ttitre\tthème\tdate"]
    for name, titles in PLEDGES.items():
        for index, title in enumerate(titles):
            lines.append(f"{name}\t{title}\t{THEMES[index]}\t0{index + 1}/03/2020")
    return "\n".join(lines) + "\n"


@pytest.fixture
def election(live_server):
    with live_server.session() as s:
        import_data(
            s,
            {"elections": [{"slug": "municipales-2026", "name": "Municipales 2026",
                            "territory": "Marseille", "date": "2026-03-15"}]},
        )  # fmt: skip
        accounts.create_user(
            s, email=EDITOR[0], role=Role.EDITOR, password=EDITOR[1],
            display_name="Éditrice", actor="test",
        )  # fmt: skip
    return "municipales-2026"


@pytest.mark.parametrize(
    ("locale", "javascript", "words"),
    [
        ("fr-FR", True, {"preview": "Prévisualiser", "confirm": "Importer ces 8 engagements",
                         "new": "(nouvelle)", "done": "Import terminé."}),
        ("en-US", False, {"preview": "Preview", "confirm": "Import these 8 pledges",
                          "new": "(new)", "done": "Import complete."}),
    ],
)  # fmt: skip
def test_paste_a_programme_preview_confirm_and_see_it_public(
    live_server, election, new_context, recorder, locale, javascript, words
):
    from axe_playwright_python.sync_playwright import Axe

    base = live_server.url
    page = new_context(locale=locale, java_script_enabled=javascript).new_page()
    page.goto(f"{base}/auth/login")
    page.fill("input[name=email]", EDITOR[0])
    page.fill("input[name=password]", EDITOR[1])
    page.click("form.work-form button[type=submit]")
    page.wait_for_url(f"{base}/admin/")

    page.goto(f"{base}/admin/import/programme")
    page.select_option("select#election", label="Municipales 2026")
    page.fill("textarea#text", programme())
    if javascript:
        page.evaluate("window.__notReloaded = true")
    page.get_by_role("button", name=words["preview"], exact=True).click()
    rows = page.locator("table.programme-preview tbody tr")
    rows.first.wait_for()
    assert rows.count() == 8
    new_candidates = page.locator("table.programme-preview tbody td:nth-child(2) em")
    assert new_candidates.all_inner_texts() == [words["new"]] * 8
    assert "Planter 10 000 arbres" in rows.first.inner_text()
    if javascript:  # htmx swapped the preview into the same page
        assert page.evaluate("window.__notReloaded") is True
    with live_server.session() as s:
        assert s.exec(select(func.count()).select_from(Pledge)).one() == 0
    if javascript:  # axe-core runs in the page: only where scripts run
        violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
        assert [v["id"] for v in violations if v["impact"] in {"serious", "critical"}] == []

    page.get_by_role("button", name=words["confirm"]).click()
    page.wait_for_url(f"{base}/admin/import/programme*")
    page.locator(".flash, [role=status], .flashes").first.wait_for()
    assert words["done"] in page.content()

    with live_server.session() as s:
        candidates = {c.name: c.slug for c in s.exec(select(Candidate))}
        assert set(candidates) == set(PLEDGES)
        assert s.exec(select(func.count()).select_from(Pledge)).one() == 8
    for name, titles in PLEDGES.items():
        response = page.goto(f"{base}/elections/{election}/{candidates[name]}")
        assert response is not None
        assert response.status == 200
        text = page.content()
        for title in titles:
            assert title.replace("'", "&#39;") in text or title in text
    assert recorder.console_errors == []
    assert_only_loopback(recorder.requests)


def test_import_pages_are_valid_html(live_server, election, tmp_path):
    """The paste page (empty, with a preview showing problems) and the upload page, by vnu."""
    from tests.browser.test_html_validity import run_vnu
    from tests.views.conftest import token_from

    client = live_server.app.test_client()
    html = client.get("/auth/login").get_data(as_text=True)
    data = {"email": EDITOR[0], "password": EDITOR[1], "csrf_token": token_from(html)}
    assert client.post("/auth/login", data=data).status_code == 302
    token = token_from(client.get("/admin/import/programme").get_data(as_text=True))
    with live_server.session() as s:
        election_id = str(s.exec(select(Election.id)).one())
    posted = {
        "csrf_token": token, "election": election_id, "action": "preview",
        "text": "candidat\ttitre\tdate\nListe\tUn\t31/02/2020\nListe\t\t\n",
    }  # fmt: skip
    pages = {
        "programme": client.get("/admin/import/programme"),
        "programme-preview": client.post("/admin/import/programme", data=posted),
        "upload": client.get("/admin/import?lang=en"),
        "upload-errors": client.post("/admin/import", data={"csrf_token": token}),
    }
    assert pages["programme-preview"].status_code == 422
    files = []
    for name, response in pages.items():
        files.append(tmp_path / f"{name}.html")
        files[-1].write_text(response.get_data(as_text=True), encoding="utf-8")
    assert "programme-preview" in files[1].read_text(encoding="utf-8")
    problems = [f"{Path(m.get('url', '?')).name}: {m.get('message')}" for m in run_vnu(files)]
    assert problems == []
