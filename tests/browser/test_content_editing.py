"""Editors create an election, two candidates and a pledge with a new theme, in the browser.

In French with JavaScript (the body's preview updates as it is typed, htmx) and
in English without JavaScript (the "Preview" button re-renders the form); then
a candidate's slug is renamed and its old public address leads to the new one.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from models import Pledge
from models.enums import Role
from pledges import accounts

EDITOR = ("editrice@example.org", "mot de passe éditrice")
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.fixture
def editor(live_server):
    with live_server.session() as s:
        accounts.create_user(
            s, email=EDITOR[0], role=Role.EDITOR, password=EDITOR[1],
            display_name="Éditrice", actor="test",
        )  # fmt: skip


def login(page, base):
    page.goto(f"{base}/auth/login")
    page.locator("input[name=email]").fill(EDITOR[0])
    page.locator("input[name=password]").fill(EDITOR[1])
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()


def save(page, name):
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    return [v["id"] for v in found if v["impact"] in {"serious", "critical"}]


def test_french_with_javascript(live_server, editor, new_context, recorder):
    base = live_server.url
    page = new_context(locale="fr-FR").new_page()
    login(page, base)
    page.goto(f"{base}/admin/elections")
    page.get_by_role("link", name="Nouvelle élection").click()
    page.get_by_label("Nom").fill("Municipales de Sète")
    page.get_by_label("Territoire").fill("Sète")
    page.get_by_label("Date").fill("2026-03-15")
    save(page, "Enregistrer")
    assert page.locator("h1").inner_text().startswith("Municipales de Sète")
    election_page = page.url
    for name in ("Émilie Dupré", "Sète Demain"):
        page.get_by_role("link", name="Nouvelle candidature").first.click()
        page.get_by_label("Nom", exact=True).fill(name)
        page.get_by_label("Liste ou parti").fill(name)
        save(page, "Enregistrer")
    assert page.url == election_page
    assert serious_violations(page) == []
    # The list name equal to the name is shown once.
    assert page.locator("h2", has_text="Émilie Dupré").inner_text() == "Émilie Dupré"

    page.get_by_role("link", name="Nouvel engagement").first.click()
    page.get_by_label("Candidat·e").select_option(label="Sète Demain")
    page.get_by_label("Titre").fill("Bus gratuits le dimanche")
    page.get_by_label("Texte (Markdown)").press_sequentially("Des bus **gratuits**")
    # htmx renders the preview while typing, without leaving the page.
    page.locator("#preview strong", has_text="gratuits").wait_for()
    page.get_by_label("Ou un nouveau thème").fill("Transports en commun")
    page.get_by_label("Mots-clés à rechercher").fill("bus\ngratuité")
    assert serious_violations(page) == []
    save(page, "Enregistrer")
    assert page.locator(".flash, [role=status], .flashes").first.inner_text()

    # The theme, created from its name, gets its English name from the themes page.
    page.goto(f"{base}/admin/themes")
    assert serious_violations(page) == []
    page.get_by_role("link", name="Modifier Transports en commun").click()
    page.get_by_label("Nom en anglais").fill("Public transport")
    save(page, "Enregistrer")
    page.goto(f"{base}/themes/transports-en-commun?lang=en")
    assert "Public transport" in page.locator("h1").inner_text()
    page.goto(f"{base}/themes/transports-en-commun")
    assert "Transports en commun" in page.locator("h1").inner_text()
    assert page.get_by_text("Bus gratuits le dimanche").count() == 1

    # Rename Émilie's slug; her old address leads to the new one.
    page.goto(election_page)
    page.locator("section", has_text="Émilie Dupré").get_by_role(
        "link", name="Modifier la candidature"
    ).click()
    page.get_by_label("Identifiant dans les adresses (slug)").fill("emilie-dupre-2026")
    save(page, "Enregistrer")
    page.goto(f"{base}/elections/municipales-de-sete/emilie-dupre")
    assert page.url == f"{base}/elections/municipales-de-sete/emilie-dupre-2026"
    assert "Émilie Dupré" in page.locator("h1").inner_text()
    assert recorder.console_errors == []


def test_english_without_javascript(live_server, editor, new_context):
    base = live_server.url
    page = new_context(locale="en-US", java_script_enabled=False).new_page()
    login(page, base)
    page.goto(f"{base}/admin/elections?lang=en")
    page.get_by_role("link", name="New election").click()
    page.locator("[name=name]").fill("Sète local elections")
    page.locator("[name=territory]").fill("Sète")
    page.locator("[name=date]").fill("2026-03-15")
    page.locator("[name=slug]").fill("sete-2026")
    save(page, "Save")
    election_page = page.url
    for name in ("Alex Martin", "Sète Tomorrow"):
        page.get_by_role("link", name="New candidate").first.click()
        page.locator("[name=name]").fill(name)
        save(page, "Save")
    assert page.url == election_page

    page.get_by_role("link", name="New pledge").first.click()
    page.locator("[name=candidate]").select_option(label="Alex Martin")
    page.locator("[name=title]").fill("Free buses on Sundays")
    page.locator("[name=body]").fill("Buses *free* on Sundays")
    page.locator("[name=new_theme]").fill("Transports en commun")
    save(page, "Preview")  # no JavaScript: the form comes back with the preview
    assert page.locator("#preview em").inner_text() == "free"
    assert page.locator("[name=title]").input_value() == "Free buses on Sundays"
    with live_server.session() as s:
        assert s.exec(select(Pledge)).first() is None
    save(page, "Save")
    with live_server.session() as s:
        pledge = s.exec(select(Pledge)).one()
        assert pledge.theme == "transports-en-commun"

    page.goto(election_page)
    page.locator("section", has_text="Alex Martin").get_by_role(
        "link", name="Edit candidate"
    ).click()
    page.locator("[name=slug]").fill("alex-martin-2026")
    save(page, "Save")
    response = page.goto(f"{base}/elections/sete-2026/alex-martin?lang=en")
    assert page.url == f"{base}/elections/sete-2026/alex-martin-2026?lang=en"
    assert response.status == 200
    assert "Free buses on Sundays" in page.content()
