"""Archive a pledge and get 410 from its page, widget, badge and API; remove the demo data and
see only the real election on the home page. French with JavaScript, English without."""

from __future__ import annotations

from datetime import date

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlmodel import select

from models import Candidate, Election, Pledge
from models.enums import Role
from pledges import accounts
from pledges.demo import load_demo
from tests.browser.conftest import assert_only_loopback
from tests.browser.test_html_validity import html_problems

ADMIN = ("admin@example.org", "mot de passe admin")
REAL_ELECTION = "Municipales 2026 à Ville-Réelle"
DEMO_ELECTION = "Élections municipales 2020 à Marseille"
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
}
LABELS = {
    "fr": {
        "login": ("Adresse e-mail", "Mot de passe", "Se connecter"),
        "archive": "Archiver",
        "archived": "Archivé",
        "gone_page": "Page archivée",
        "gone_widget": "a été archivé",
        "remove_demo": "Retirer les données de démonstration",
        "removed": "Données de démonstration retirées",
        "restore": "Restaurer",
        "demo_link": "Données de démonstration",
    },
    "en": {
        "login": ("Email address", "Password", "Log in"),
        "archive": "Archive",
        "archived": "Archived",
        "gone_page": "Archived page",
        "gone_widget": "was archived",
        "remove_demo": "Remove the demonstration data",
        "removed": "Demonstration data removed",
        "restore": "Restore",
        "demo_link": "Demonstration data",
    },
}


@pytest.fixture
def site(live_server):
    """The Marseille demo, a real election with one pledge, and an admin."""
    with live_server.session() as s:
        load_demo(s)
        election = Election(
            slug="ville-2026", name=REAL_ELECTION, territory="Ville-Réelle", date=date(2026, 3, 15)
        )
        s.add(election)
        s.flush()
        candidate = Candidate(election_id=election.id, slug="liste-reelle", name="Liste Réelle")
        s.add(candidate)
        s.flush()
        title = "Rénover les écoles"
        pledge = Pledge(
            election_id=election.id,
            candidate_id=candidate.id,
            slug="ecoles",
            title=title,
        )
        s.add(pledge)
        s.flush()
        accounts.create_user(
            s, email=ADMIN[0], password=ADMIN[1], role=Role.ADMIN, display_name="Admin", actor="t"
        )
        target = s.exec(
            select(Pledge).join(Election).where(Election.is_demo).order_by(Pledge.id)
        ).first()
        return {"target": target.id, "target_title": target.title, "real": pledge.id}


def login(page, base, words):
    email, password, button = words["login"]
    page.goto(f"{base}/auth/login")
    page.get_by_label(email).fill(ADMIN[0])
    page.get_by_label(password, exact=True).fill(ADMIN[1])
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()


def check_accessible(page, axe, label, problems):
    if axe is None:  # axe-core runs as a script: only where JavaScript runs (same markup)
        return
    for violation in axe.run(page, options=AXE_OPTIONS).response["violations"]:
        if violation["impact"] in {"serious", "critical"}:
            targets = [node["target"] for node in violation["nodes"]][:3]
            problems.append(f"{label}: {violation['id']} {targets}")


@pytest.mark.parametrize(
    ("lang", "javascript"), [("fr", True), ("en", False)], ids=["fr-js", "en-nojs"]
)
def test_archive_a_pledge_then_unload_the_demo(
    live_server, site, new_context, recorder, tmp_path, lang, javascript
):
    base, words = live_server.url, LABELS[lang]
    axe = Axe() if javascript else None
    problems: list[str] = []
    pages: dict[str, str] = {}
    context = new_context(
        locale="fr-FR" if lang == "fr" else "en-GB", java_script_enabled=javascript
    )
    page = context.new_page()
    login(page, base, words)
    target = site["target"]

    # Archive from the pledge's workspace, through the confirmation page.
    page.goto(f"{base}/admin/pledges/{target}")
    page.get_by_role("link", name=words["archive"], exact=True).click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/admin/archives/pledge/{target}/archive")
    check_accessible(page, axe, "confirm", problems)
    pages["confirm"] = page.content()
    page.get_by_role("button", name=words["archive"], exact=True).click()
    page.wait_for_url("**/admin/archives")
    assert words["archived"] in page.locator(".flashes").inner_text()
    assert site["target_title"] in page.locator("main").inner_text()
    assert page.get_by_role("button", name=words["restore"]).count() == 1
    check_accessible(page, axe, "archives", problems)
    pages["archives"] = page.content()

    # Gone for the public: page, widget, badge and API, in a fresh anonymous context.
    visitor = new_context(
        locale="fr-FR" if lang == "fr" else "en-GB", java_script_enabled=javascript
    ).new_page()
    response = visitor.goto(f"{base}/pledges/{target}")
    assert response.status == 410
    assert visitor.get_by_role("heading", level=1).inner_text() == words["gone_page"]
    check_accessible(visitor, axe, "410 page", problems)
    pages["gone"] = visitor.content()
    response = visitor.goto(f"{base}/embed/pledges/{target}?lang={lang}")
    assert response.status == 410
    assert words["gone_widget"] in visitor.locator("main").inner_text()
    pages["widget"] = visitor.content()
    badge = visitor.request.get(f"{base}/badge/pledges/{target}.svg?lang={lang}")
    assert badge.status == 410
    assert badge.headers["content-type"].startswith("image/svg+xml")
    api = visitor.request.get(f"{base}/api/v1/pledges/{target}")
    assert api.status == 410
    assert api.json()["error"] == "gone"
    listed = visitor.request.get(f"{base}/api/v1/pledges?per_page=100").json()["items"]
    assert target not in [item["id"] for item in listed]

    # Remove the demonstration data from the admin page.
    page.goto(f"{base}/admin/")
    page.get_by_role("link", name=words["demo_link"]).click()
    page.wait_for_load_state()
    assert DEMO_ELECTION in page.locator("main").inner_text()
    check_accessible(page, axe, "demo", problems)
    pages["demo"] = page.content()
    page.get_by_role("button", name=words["remove_demo"]).click()
    page.wait_for_load_state()
    assert words["removed"] in page.locator(".flashes").inner_text()

    # Only the real election remains on the home page; no demo notice any more.
    visitor.goto(f"{base}/")
    home = visitor.locator("main").inner_text()
    assert REAL_ELECTION in home
    assert DEMO_ELECTION not in home
    assert visitor.locator(".demo-notice").count() == 0
    assert visitor.goto(f"{base}/pledges/{site['real']}").status == 200
    assert visitor.goto(f"{base}/pledges/{target}").status == 404

    assert problems == []
    assert html_problems(pages, tmp_path) == []
    assert_only_loopback(recorder.requests)
    # The 410 and 404 answers asked for above are logged by Chromium; nothing else may be.
    assert [e for e in recorder.console_errors if not e.startswith("Failed to load resource")] == []
