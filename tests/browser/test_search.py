"""A visitor searches in Chromium: results as one types (htmx) or with the plain GET form
(no JavaScript), most relevant first, the words found highlighted, accessible, in French
and English."""

from axe_playwright_python.sync_playwright import Axe

from tests.browser.test_accessibility import AXE_OPTIONS
from tests.browser.test_scoreboard import ScoreboardPage, arrange_site


def marks(page) -> list[str]:
    return page.locator("#pledge-list p.snippet mark").all_inner_texts()


def test_search_as_one_types_with_highlighted_snippets(page, live_server, recorder):
    arrange_site(live_server)
    page.goto(f"{live_server.url}/pledges/")
    board = ScoreboardPage(page, live_server.url)
    board.mark_window()
    page.locator("#filter-q").press_sequentially("caméras")
    page.wait_for_url("**q=cam%C3%A9ras**")
    page.wait_for_function("document.querySelectorAll('#pledge-list li').length === 2")
    assert sorted(board.titles()) == [
        "Audit des caméras publié",
        "Moratoire sur la vidéosurveillance",
    ]
    assert marks(page) == ["caméra"]  # the body's "nouvelle caméra", the word marked
    assert "Les plus pertinents d’abord." in page.locator("#pledge-list").inner_text()
    assert board.window_survived()
    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    assert [v["id"] for v in violations if v["impact"] in {"serious", "critical"}] == []
    assert recorder.console_errors == []


def test_search_without_javascript_in_english(new_context, live_server):
    arrange_site(live_server)
    page = new_context(java_script_enabled=False, locale="en-GB").new_page()
    page.goto(f"{live_server.url}/pledges/?lang=en")
    page.fill("#filter-q", "deliberation")
    with page.expect_navigation():
        page.click("form#filters button[type=submit]")
    board = ScoreboardPage(page, live_server.url)
    assert board.titles() == ["Moratoire sur la vidéosurveillance"]
    assert page.locator("#pledge-list .snippet-source").inner_text() == "In published evidence:"
    assert marks(page) == ["Délibération"]
    assert "Most relevant first." in page.locator("#pledge-list").inner_text()
