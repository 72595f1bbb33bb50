"""axe-core on every public page: no serious or critical violation (WCAG 2.1 AA rules)."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.test_scoreboard import arrange_site

AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
}


def public_paths(ids: dict) -> list[str]:
    return [
        "/",
        "/?lang=en",
        f"/elections/{ids['election']}?status=broken",
        f"/elections/{ids['election']}?sort=kept&lang=en",
        "/pledges/?q=cam%C3%A9ras",
        "/themes/",
        "/themes/video-surveillance",
        f"/elections/{ids['election']}/alice",
        f"/pledges/{ids['broken']}",
        f"/pledges/{ids['kept']}?lang=en",
        "/pledges/999999",
    ]


@pytest.fixture(scope="module")
def axe():
    return Axe()


def test_no_serious_or_critical_violation_on_public_pages(page, live_server, axe):
    ids = arrange_site(live_server)
    problems = []
    for path in public_paths(ids):
        page.goto(live_server.url + path)
        results = axe.run(page, options=AXE_OPTIONS)
        for violation in results.response["violations"]:
            if violation["impact"] in {"serious", "critical"}:
                targets = [node["target"] for node in violation["nodes"]][:3]
                problems.append(f"{path}: {violation['id']} ({violation['impact']}) {targets}")
    assert problems == []


def test_after_an_htmx_swap_the_page_stays_accessible(page, live_server, axe):
    arrange_site(live_server)
    page.goto(live_server.url + "/elections/ville-2020")
    page.select_option("#filter-status", "kept")
    page.wait_for_url("**status=kept**")
    page.wait_for_function("document.querySelectorAll('#pledge-list li').length === 1")
    violations = axe.run(page, options=AXE_OPTIONS).response["violations"]
    assert [v["id"] for v in violations if v["impact"] in {"serious", "critical"}] == []


def test_keyboard_skip_link_and_visible_focus(page, live_server):
    arrange_site(live_server)
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
