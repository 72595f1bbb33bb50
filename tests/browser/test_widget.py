"""The widget on a partner site: two origins, iframes sized to their content, no cookies.

A "partner" page on another 127.0.0.1 port pastes our script snippet for a candidate
and a pledge, plus a plain iframe snippet; a third origin's frame tries to resize
the widgets with forged messages.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_only_loopback, serve
from tests.views.partner_data import seed

TOLERANCE = 3  # pixels


def html_app(pages: dict[str, str]):
    """A tiny WSGI app serving fixed HTML pages (the partner's site, the foreign site)."""

    def app(environ, start_response):
        body = pages.get(environ["PATH_INFO"])
        if body is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body.encode()]

    return app


# A hostile frame: posts "make it huge" messages to its parent, in our message format.
FOREIGN_PAGE = """<!doctype html><title>foreign</title><link rel="icon" href="data:,"><p>foreign</p>
<script>
var n = 0;
var timer = setInterval(function () {
  window.parent.postMessage({type: "pledge-tracker:height", height: 4321}, "*");
  if (++n > 20) { clearInterval(timer); document.title = "done"; }
}, 50);
</script>"""


def partner_page(ours: str, foreign: str, pledge_id: int) -> str:
    return f"""<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Partenaire</title>
<link rel="icon" href="data:,">
<style>body {{ margin: 0; }} .col {{ width: 300px; }}</style></head><body>
<div class="col">
  <div data-pledge-tracker="candidates/marseille-2020/liste-alpha"
       data-title="Engagements de la Liste Alpha"></div>
  <div data-pledge-tracker="pledges/{pledge_id}" data-title="Un engagement"></div>
  <iframe id="plain" src="{ours}/embed/pledges/{pledge_id}" title="Plain" width="300" height="123"
          frameborder="0"></iframe>
</div>
<iframe id="foreign" src="{foreign}/foreign" title="foreign" width="50" height="50"></iframe>
<script async src="{ours}/static/embed.js"></script>
</body></html>"""


@pytest.fixture
def partner(live_server):
    with live_server.session() as session:
        data = seed(session)
    pages = {"/foreign": FOREIGN_PAGE}
    with serve(html_app({"/foreign": FOREIGN_PAGE})) as foreign, serve(html_app(pages)) as site:
        pages["/"] = partner_page(live_server.url, foreign, data.kept.id)
        yield site, data


def frame_heights(page, frame_element):
    """(height of the iframe element, height of the document inside it)."""
    outer = frame_element.evaluate("f => f.getBoundingClientRect().height")
    inner = frame_element.content_frame().evaluate(
        "() => document.documentElement.getBoundingClientRect().height"
    )
    return outer, inner


def widget_frames(page):
    frames = page.query_selector_all("iframe[src*='/embed/']:not(#plain)")
    assert len(frames) == 2
    return frames


def wait_for_match(page, frame_element):
    """Poll until the iframe's height equals its content's (the postMessage round trip)."""
    for _ in range(50):
        outer, inner = frame_heights(page, frame_element)
        if abs(outer - inner) <= TOLERANCE:
            return outer, inner
        page.wait_for_timeout(100)
    raise AssertionError(f"iframe height {outer} never matched its content {inner}")


def test_partner_page_embeds_candidate_and_pledge(new_context, recorder, partner, live_server):
    site, data = partner
    context = new_context(locale="fr-FR", viewport={"width": 800, "height": 900})
    page = context.new_page()
    page.goto(site + "/")
    page.wait_for_selector("iframe[src*='/embed/candidates/']")
    candidate_frame, pledge_frame = widget_frames(page)

    # The divs became titled iframes pointing at our origin.
    assert candidate_frame.get_attribute("title") == "Engagements de la Liste Alpha"
    assert candidate_frame.get_attribute("src").startswith(live_server.url + "/embed/candidates/")
    assert pledge_frame.get_attribute("src") == f"{live_server.url}/embed/pledges/{data.kept.id}"
    assert page.query_selector("div[data-pledge-tracker]") is None

    # They render our content, readable at 300px (no horizontal scrolling).
    candidate = candidate_frame.content_frame()
    candidate.wait_for_selector(".widget-pledges li")
    assert candidate.locator("h1").inner_text() == "Liste Alpha <b>&</b>"
    assert candidate.locator(".widget-pledges li").count() == 3
    pledge = pledge_frame.content_frame()
    pledge.wait_for_selector(".widget-status")
    assert "Tenu" in pledge.locator(".widget-status").inner_text()
    for frame in (candidate, pledge):
        assert frame.evaluate("document.documentElement.scrollWidth <= innerWidth")

    # Heights follow the content, and differ (so they were really set by messages).
    candidate_outer, _ = wait_for_match(page, candidate_frame)
    pledge_outer, _ = wait_for_match(page, pledge_frame)
    assert candidate_outer != pledge_outer
    assert candidate_outer > 300

    # The foreign frame's forged messages were ignored...
    page.frame_locator("#foreign").locator("p").wait_for()
    page.wait_for_timeout(1500)  # the foreign frame posts for about a second
    for frame in (candidate_frame, pledge_frame):
        outer, inner = frame_heights(page, frame)
        assert outer != 4321
        assert abs(outer - inner) <= TOLERANCE
    # ...and so were our own widget's messages from an iframe the script did not create.
    plain = page.query_selector("#plain")
    plain.content_frame().wait_for_selector(".widget-status")
    plain.evaluate("f => { f.src = f.src + '?theme=dark'; }")  # it posts its height again
    plain.content_frame().wait_for_selector("html.theme-dark .widget-status")
    page.wait_for_timeout(500)
    assert plain.evaluate("f => f.getBoundingClientRect().height") == 123
    for frame in (candidate_frame, pledge_frame):
        outer, inner = frame_heights(page, frame)
        assert abs(outer - inner) <= TOLERANCE  # not resized by the plain iframe's message

    # The partner switches the candidate widget to English, then to compact: the height follows.
    candidate_frame.evaluate("f => { f.src = f.src + '?lang=en'; }")
    english = page.wait_for_selector("iframe[src*='lang=en']")
    english.content_frame().wait_for_selector("html[lang='en'] .widget-pledges li")
    wait_for_match(page, english)
    english.evaluate("f => { f.src = f.src + '&compact=1'; }")
    compact = page.wait_for_selector("iframe[src*='compact=1']")
    compact.content_frame().wait_for_selector("html.compact .widget-more")
    compact_outer, _ = wait_for_match(page, compact)
    assert compact_outer < candidate_outer - 50

    # No cookie in either origin, no console error, nothing but 127.0.0.1.
    assert context.cookies() == []
    assert recorder.console_errors == []
    assert_only_loopback(recorder.requests)
    assert any(url.startswith(site) for url in recorder.requests)
    assert any(url.startswith(live_server.url + "/embed/") for url in recorder.requests)


def test_links_open_the_full_page_in_a_new_tab(new_context, recorder, partner, live_server):
    site, data = partner
    context = new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(site + "/")
    frame = page.wait_for_selector("iframe[src*='/embed/pledges/']").content_frame()
    link = frame.wait_for_selector("h1 a")
    with context.expect_page() as new_tab:
        link.click()
    opened = new_tab.value
    opened.wait_for_load_state()
    assert opened.url == f"{live_server.url}/pledges/{data.kept.id}"
    assert page.url == site + "/"  # the partner's page stays where it was
    assert context.cookies() == []
    assert recorder.console_errors == []
