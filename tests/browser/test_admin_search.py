"""An editor searches the pledges in Chromium (/admin/pledges): results as one types
(htmx) or with the plain GET form (no JavaScript), the words found highlighted under
each title, from the body or a published evidence item, in French and English."""

from models.enums import EvidenceState, Role
from pledges import accounts
from tests.browser.test_election_pages import PASSWORD, login, serious_violations
from tests.factories import make_candidate, make_election, make_evidence, make_pledge


def arrange(live_server) -> str:
    with live_server.session() as s:
        election = make_election(s, slug="ville-2020", name="Municipales 2020", is_demo=True)
        candidate = make_candidate(s, election, slug="liste-a", name="Liste A")
        make_pledge(s, candidate, title="Pistes cyclables", body="Des vélos partout en ville.")
        audit = make_pledge(s, candidate, title="Audit public", body="Publier l'audit.")
        make_evidence(
            s,
            audit,
            state=EvidenceState.PUBLISHED,
            title="Conseil municipal",
            quote="La délibération a été votée en séance.",
        )
        make_pledge(s, candidate, title="Écoles rénovées", body="Toutes les écoles.")
        editor = accounts.create_user(
            s,
            email="editrice@example.org",
            role=Role.EDITOR,
            password=PASSWORD,
            display_name="Éditrice Une",
            actor="test",
        )
    return editor.email


def titles(page) -> list[str]:
    return page.locator("#search-results tbody th > a").all_inner_texts()


def marks(page) -> list[str]:
    return page.locator("#search-results .snippet mark").all_inner_texts()


def test_editor_search_as_one_types_with_snippets(page, live_server, recorder):
    email = arrange(live_server)
    login(page, live_server.url, email)
    page.goto(live_server.url + "/admin/pledges")
    page.evaluate("window.__noReload = 'still here'")
    page.locator("#search-q").press_sequentially("velos")
    page.wait_for_url("**q=velos**")
    page.wait_for_function("document.querySelectorAll('#search-results tbody tr').length === 1")
    assert titles(page) == ["Pistes cyclables"]
    assert marks(page) == ["vélos"]
    page.locator("#search-q").fill("")
    page.locator("#search-q").press_sequentially("délibération")
    page.wait_for_url("**q=d%C3%A9lib%C3%A9ration**")
    page.wait_for_function(
        "document.querySelector('#search-results tbody th > a')?.textContent === 'Audit public'"
    )
    assert page.locator("#search-results .snippet-source").inner_text() == (
        "Dans une preuve publiée :"
    )
    assert marks(page) == ["délibération"]
    assert page.evaluate("window.__noReload") == "still here", "a full page load"
    assert serious_violations(page) == []
    assert recorder.console_errors == []


def test_editor_search_without_javascript_in_english(new_context, live_server):
    email = arrange(live_server)
    page = new_context(java_script_enabled=False, locale="en-GB").new_page()
    login(page, live_server.url, email, english=True)
    page.goto(live_server.url + "/admin/pledges?lang=en")
    page.fill("#search-q", "deliberation")
    with page.expect_navigation():
        page.locator("form#pledge-search button[type=submit]").click()
    assert titles(page) == ["Audit public"]
    assert page.locator("#search-results .snippet-source").inner_text() == (
        "In published evidence:"
    )
    assert marks(page) == ["délibération"]
