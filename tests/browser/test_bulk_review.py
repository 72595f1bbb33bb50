"""Bulk review in a browser: one card per article, several suggestions accepted at once.

In French with JavaScript (htmx: the list swaps, the counter updates out of band, the focus
moves to the next card and the live region says so), in English without JavaScript (PRG and
a flash), and the queue at 360 × 740: no horizontal scroll, 44 px tap targets.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from models import Evidence, Suggestion
from models.enums import Role
from pledges import accounts
from tests.browser.test_ruling_corrections import login
from tests.factories import make_pledge, make_suggestion

VOLUNTEER = ("benevole@example.org", "mot de passe bénévole")


@pytest.fixture
def queue(live_server):
    """Three articles, newest first; the newest matched two pledges."""
    with live_server.session() as s:
        cameras = make_pledge(s, title="Moratoire sur les caméras de surveillance en ville")
        bikes = make_pledge(s, title="Pistes cyclables sur tous les grands axes")
        newest = make_suggestion(
            s, cameras, title="Conseil municipal : caméras et pistes cyclables",
            published_at=datetime(2021, 10, 7, 8, 0, tzinfo=UTC),
            link="https://journal-fictif.example/un-titre-tres-long-sans-espace-" + "x" * 60,
        )  # fmt: skip
        s.add(
            Suggestion(
                feed_item_id=newest.feed_item_id, pledge_id=bikes.id,
                item_date=newest.item_date, matched_terms=["pistes"],
            )
        )  # fmt: skip
        middle = make_suggestion(
            s, bikes, title="Budget vélo", published_at=datetime(2021, 10, 6, tzinfo=UTC)
        )
        oldest = make_suggestion(
            s, cameras, title="Vieux article", published_at=datetime(2021, 10, 5, tzinfo=UTC)
        )
        accounts.create_user(
            s, email=VOLUNTEER[0], role=Role.VOLUNTEER, password=VOLUNTEER[1],
            display_name="Camille", actor="test",
        )  # fmt: skip
        s.flush()
        return {
            "newest_item": newest.feed_item_id,
            "middle_item": middle.feed_item_id,
            "oldest": oldest.id,
        }


def _evidence_count(live_server) -> int:
    with live_server.session() as s:
        return len(s.exec(select(Evidence)).all())


def test_bulk_accept_with_javascript_moves_focus_and_updates_counters(
    live_server, queue, new_context
):
    base = live_server.url
    page = new_context(locale="fr-FR").new_page()
    login(page, base, *VOLUNTEER)
    page.goto(f"{base}/volunteer/")
    assert page.locator("#queue-count").inner_text().strip() == "4 suggestions à relire"
    card = page.locator(f"#item-{queue['newest_item']}")
    assert card.locator("li.suggestion").count() == 2
    page.evaluate("window.__samePage = true")
    for box in card.locator("input.select-suggestion").all():
        box.check()
    page.get_by_role("button", name="Retenir la sélection").click()
    page.locator(f"#item-{queue['newest_item']}").wait_for(state="detached")
    page.wait_for_function(
        "document.querySelector('#queue-count').textContent.includes('2 suggestions')"
    )
    assert page.evaluate("window.__samePage") is True  # no page load
    assert "2 suggestions retenues" in page.locator("#queue-announce").inner_text()
    assert "2 restantes." in page.locator("#queue-announce").inner_text()
    # The focus is on the next card's first control.
    page.wait_for_function("document.activeElement && document.activeElement.id !== ''")
    focused = page.evaluate(
        "[document.activeElement.id, document.activeElement.closest('article').id]"
    )
    assert focused[1] == f"item-{queue['middle_item']}"
    assert focused[0].startswith("select-")
    # The filter's counts followed.
    options = page.locator("#pledge-filter option").all_inner_texts()
    assert any("(1)" in o for o in options)
    assert _evidence_count(live_server) == 2
    # One decision by its own button: the row changes in place, the counter follows.
    row = page.locator(f"#suggestion-{queue['oldest']}")
    row.get_by_role("button", name="Sans rapport").click()
    row.get_by_role("button", name="Annuler").wait_for()
    page.wait_for_function(
        "document.querySelector('#queue-count').textContent.includes('1 suggestion à relire')"
    )
    assert page.locator("#queue-announce").inner_text().strip() == (
        "Suggestion écartée. 1 restante."
    )


def test_bulk_accept_in_english_without_javascript(live_server, queue, new_context):
    base = live_server.url
    page = new_context(locale="en-GB", java_script_enabled=False).new_page()
    login(page, base, *VOLUNTEER, english=True)
    page.goto(f"{base}/volunteer/")
    assert page.locator("html").get_attribute("lang") == "en"
    card = page.locator(f"#item-{queue['newest_item']}")
    for box in card.locator("input.select-suggestion").all():
        box.check()
    page.get_by_label("Keep as").select_option("kept")
    page.get_by_role("button", name="Keep the selection").click()
    page.wait_for_url(f"{base}/volunteer/")  # PRG
    assert "2 suggestions kept" in page.locator(".flashes").inner_text()
    assert page.locator(f"#item-{queue['newest_item']}").count() == 0
    assert page.locator("#queue-count").inner_text().strip() == "2 suggestions to review"
    with live_server.session() as s:
        assert {e.stance.value for e in s.exec(select(Evidence)).all()} == {"kept"}
    # Nothing ticked: the queue again with the error, 422.
    response = page.request.post(
        f"{base}/volunteer/suggestions/bulk",
        form={
            "action": "dismiss",
            "csrf_token": page.locator("#bulk-csrf").get_attribute("value"),
        },
    )
    assert response.status == 422


def test_the_queue_fits_a_small_screen(live_server, queue, new_context):
    base = live_server.url
    page = new_context(locale="fr-FR", viewport={"width": 360, "height": 740}).new_page()
    login(page, base, *VOLUNTEER)
    page.goto(f"{base}/volunteer/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    controls = page.locator(
        "#suggestion-list button:visible, #suggestion-list select:visible, "
        ".filter-form button, .filter-form select"
    ).all()
    assert len(controls) >= 10
    for control in controls:
        box = control.bounding_box()
        assert box is not None
        assert box["height"] >= 44, control.evaluate("e => e.outerHTML.slice(0, 80)")
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 360, control.evaluate("e => e.outerHTML.slice(0, 80)")
    for label in page.locator(".select-row label").all():
        assert label.bounding_box()["height"] >= 44
