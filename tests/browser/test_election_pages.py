"""In Chromium: home → an election's board → sort by share kept → next page of candidates,
then the editors' audit log filtered; in French with JavaScript, in English without."""

from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

from models.enums import PledgeStatus, Role
from pledges import accounts, editing
from tests.browser.conftest import assert_only_loopback
from tests.browser.test_accessibility import AXE_OPTIONS
from tests.factories import make_candidate, make_election, make_pledge

PASSWORD = "mot de passe éditrice"


def arrange(live_server) -> dict:
    """25 candidates; "Zélie" keeps every pledge, so sorting by share kept puts her first.
    An editor who renamed a pledge (one audit entry among the import's)."""
    with live_server.session() as s:
        make_election(s, slug="ville-2014", name="Municipales 2014", date=date(2014, 3, 30))
        election = make_election(s, slug="ville-2020", name="Municipales 2020", is_demo=True)
        for n in range(24):
            candidate = make_candidate(s, election, slug=f"c{n:02d}", name=f"Candidat {n:02d}")
            make_pledge(s, candidate, title=f"Promesse {n:02d}")
        zelie = make_candidate(s, election, slug="zelie", name="Zélie Tenace")
        make_pledge(s, zelie, title="Promesse tenue", status=PledgeStatus.KEPT)
        pledge = make_pledge(s, zelie, title="Ancien titre", status=PledgeStatus.KEPT)
        editor = accounts.create_user(
            s,
            email="editrice@example.org",
            role=Role.EDITOR,
            password=PASSWORD,
            display_name="Éditrice Une",
            actor="test",
        )
        s.flush()
        editing.update_pledge(
            s,
            pledge,
            expected_version=pledge.version,
            title="Nouveau titre",
            body=pledge.body,
            theme=pledge.theme,
            made_on=date(2020, 3, 1),
            source_url="",
            quote="",
            deadline=None,
            keywords_include=[],
            keywords_exclude=[],
            actor=editor,
            now=datetime(2024, 5, 2, 10, 0, tzinfo=UTC),
        )
    return {"editor": editor.email}


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    return [v["id"] for v in violations if v["impact"] in {"serious", "critical"}]


def board_names(page) -> list[str]:
    return page.locator("#candidate-board tbody th a").all_inner_texts()


def login(page, base, email, *, english=False):
    page.goto(f"{base}/auth/login" + ("?lang=en" if english else ""))
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("form button[type=submit]").first.click()


def test_home_board_sort_and_pages_in_french_with_javascript(page, live_server, recorder):
    people = arrange(live_server)
    base = live_server.url
    page.goto(base + "/")
    items = page.locator("li.election-item h3").all_inner_texts()
    assert items == ["Municipales 2020", "Municipales 2014"]
    assert "Tenu : 2" in " ".join(page.locator("li.election-item").first.inner_text().split())
    page.click("text=Municipales 2020")
    page.wait_for_url("**/elections/ville-2020")
    assert board_names(page)[0] == "Candidat 00"
    assert len(board_names(page)) == 20
    assert serious_violations(page) == []
    page.evaluate("window.__noReload = 'still here'")

    page.click(".sort-links >> text=part d'engagements tenus")
    page.wait_for_url("**sort=kept**")
    page.wait_for_function(
        "document.querySelector('#candidate-board tbody th a').textContent === 'Zélie Tenace'"
    )
    assert page.locator(".sort-links a[aria-current=true]").inner_text() == (
        "part d'engagements tenus"
    )
    page.click("#candidate-board nav.pagination a[rel=next]")
    page.wait_for_url("**cpage=2**")
    page.wait_for_function("document.querySelectorAll('#candidate-board tbody tr').length === 5")
    assert board_names(page) == [f"Candidat {n:02d}" for n in range(19, 24)]
    assert parse_qs(urlsplit(page.url).query) == {"sort": ["kept"], "cpage": ["2"]}
    assert page.evaluate("window.__noReload") == "still here", "a full page load"
    assert serious_violations(page) == []  # after the swap of <main>
    # The pledge filters keep the sort and narrow the list; the board follows.
    page.select_option("#filter-status", "kept")
    page.wait_for_url("**status=kept**")
    page.wait_for_function("document.querySelectorAll('#pledge-list li').length === 2")
    assert parse_qs(urlsplit(page.url).query)["sort"] == ["kept"]
    assert recorder.console_errors == []

    # The editors' audit log, filtered by action.
    login(page, base, people["editor"])
    page.goto(base + "/admin/audit")
    page.select_option("#audit-action", "pledge.update")
    page.wait_for_url("**action=pledge.update**")
    page.wait_for_function(
        "document.querySelectorAll('#audit-results .audit-sentence').length === 1"
    )
    entry = " ".join(page.locator("#audit-results tbody tr").inner_text().split())
    assert "a modifié l'engagement « Nouveau titre »" in entry
    assert "Ancien titre → Nouveau titre" in entry
    assert "(vide) → 1er mars 2020" in entry
    assert "True" not in entry
    assert "None" not in entry
    assert serious_violations(page) == []
    page.goto(base + "/admin/pledges")
    page.select_option("#search-status", "kept")
    page.wait_for_url("**status=kept**")
    page.wait_for_function("document.querySelectorAll('#search-results tbody th').length === 2")
    assert serious_violations(page) == []


def test_home_board_sort_and_pages_in_english_without_javascript(
    new_context, live_server, recorder
):
    people = arrange(live_server)
    base = live_server.url
    context = new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.goto(base + "/?lang=en")
    assert "Kept: 2" in " ".join(page.locator("li.election-item").first.inner_text().split())
    with page.expect_navigation():
        page.click("text=Municipales 2020")
    assert page.locator("html").get_attribute("lang") == "en"
    with page.expect_navigation():
        page.click(".sort-links >> text=share of pledges kept")
    assert board_names(page)[0] == "Zélie Tenace"
    with page.expect_navigation():
        page.click("#candidate-board nav.pagination a[rel=next]")
    query = parse_qs(urlsplit(page.url).query)
    assert query["sort"] == ["kept"]
    assert query["cpage"] == ["2"]
    assert query["lang"] == ["en"]
    assert board_names(page) == [f"Candidat {n:02d}" for n in range(19, 24)]
    assert context.cookies() == []

    login(page, base, people["editor"], english=True)
    page.goto(base + "/admin/audit?lang=en")
    page.select_option("#audit-action", "pledge.update")
    page.fill("#audit-from", "2024-05-01")
    page.fill("#audit-to", "2024-05-31")
    with page.expect_navigation():
        page.click("#audit-filters button[type=submit]")
    assert parse_qs(urlsplit(page.url).query)["action"] == ["pledge.update"]
    sentences = page.locator("#audit-results .audit-sentence").all_inner_texts()
    assert len(sentences) == 1
    assert "edited the pledge “Nouveau titre”" in sentences[0]
    entry = " ".join(page.locator("#audit-results tbody tr").inner_text().split())
    assert "(empty) → March 1, 2020" in entry
    assert_only_loopback(recorder.requests)
