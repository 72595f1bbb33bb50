"""Without JavaScript: filters are a plain GET form, pagination plain links; no cookie."""

from tests.browser.conftest import assert_only_loopback
from tests.browser.test_scoreboard import ScoreboardPage, arrange_site


def test_filters_and_pagination_without_javascript(new_context, live_server, recorder):
    arrange_site(live_server)
    live_server.app.config["PAGE_SIZE"] = 1
    context = new_context(java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    board = ScoreboardPage(page, live_server.url)
    board.open()

    page.select_option("#filter-status", "pending")
    with page.expect_navigation():
        page.click("form#filters button[type=submit]")
    assert board.query()["status"] == ["pending"]
    assert page.locator("#pledge-list .total").inner_text().strip() == "(2 engagements)"
    first = board.titles()

    with page.expect_navigation():
        page.click("#pledge-list a[rel=next]")
    assert board.query()["page"] == ["2"]
    assert board.query()["status"] == ["pending"]
    assert board.titles() != first
    assert len(board.titles()) == 1

    page.fill("#filter-q", "VIDEO")
    page.select_option("#filter-status", "")
    with page.expect_navigation():
        page.click("form#filters button[type=submit]")
    assert board.titles() == ["Moratoire sur la vidéosurveillance"]
    assert context.cookies() == []
    assert_only_loopback(recorder.requests)


def test_language_switch_without_javascript(new_context, live_server, recorder):
    arrange_site(live_server)
    page = new_context(java_script_enabled=False).new_page()
    page.goto(f"{live_server.url}/elections/ville-2020?status=broken")
    with page.expect_navigation():
        page.click(".language-switch a[hreflang=en]")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#pledge-list .status").inner_text().strip() == "Broken"
    assert "status=broken" in page.url
    assert_only_loopback(recorder.requests)
