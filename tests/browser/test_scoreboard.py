"""A visitor in Chromium: an election's board, htmx filters and history, timeline, English."""

from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

from models.enums import EvidenceKind, PledgeStatus, Stance
from pledges.status import record_status_change
from tests.factories import make_candidate, make_election, make_evidence, make_pledge


def arrange_site(live_server) -> dict:
    """A small demo election: one broken, one overdue and two pending pledges, and a kept one."""
    with live_server.session() as s:
        election = make_election(
            s, slug="ville-2020", name="Municipales de Ville-Fictive", is_demo=True
        )
        alice = make_candidate(s, election, slug="alice", name="Alice Fictive")
        bruno = make_candidate(s, election, slug="bruno", name="Bruno Fictif")
        broken = make_pledge(
            s,
            alice,
            title="Moratoire sur la vidéosurveillance",
            theme="video-surveillance",
            made_on=date(2020, 3, 1),
            source_url="https://programme.example/1",
            body="Nous suspendrons **toute** nouvelle caméra.",
        )
        deliberation = make_evidence(
            s,
            broken,
            kind=EvidenceKind.COUNCIL_DELIBERATION,
            published_on=date(2021, 10, 5),
            title="Délibération sur les caméras",
            outlet="Conseil municipal",
        )
        record_status_change(
            s,
            broken,
            to=PledgeStatus.BROKEN,
            effective_on=date(2021, 12, 1),
            rationale="Le parc de caméras a augmenté.",
            cites=[deliberation],
            actor="test",
        )
        make_pledge(
            s,
            alice,
            title="Audit des caméras publié",
            theme="video-surveillance",
            deadline=date.today() - timedelta(days=10),
        )
        kept = make_pledge(s, bruno, title="Écoles rénovées", theme="ecoles")
        proof = make_evidence(s, kept, stance=Stance.KEPT, title="Chantier terminé")
        record_status_change(
            s,
            kept,
            to=PledgeStatus.KEPT,
            effective_on=date(2022, 9, 1),
            rationale="Livré.",
            cites=[proof],
            actor="test",
        )
        make_pledge(s, bruno, title="Piscine ouverte l'été", theme="sport")
        return {"broken": broken.id, "kept": kept.id, "election": election.slug}


class ScoreboardPage:
    """An election's board (what the home page was) as a visitor sees it."""

    def __init__(self, page, base: str) -> None:
        self.page = page
        self.base = base

    def open(self, query: str = "") -> None:
        response = self.page.goto(f"{self.base}/elections/ville-2020{query}")
        assert response.status == 200

    def titles(self) -> list[str]:
        return self.page.locator("#pledge-list li h3").all_inner_texts()

    def mark_window(self) -> None:
        self.page.evaluate("window.__noReload = 'still here'")

    def window_survived(self) -> bool:
        return self.page.evaluate("window.__noReload") == "still here"

    def query(self) -> dict:
        return parse_qs(urlsplit(self.page.url).query)


def test_htmx_filter_updates_list_and_url_without_reload(page, live_server, recorder):
    arrange_site(live_server)
    board = ScoreboardPage(page, live_server.url)
    board.open()
    assert len(board.titles()) == 4
    board.mark_window()

    page.select_option("#filter-status", "broken")
    page.wait_for_url("**status=broken**")
    page.wait_for_function("document.querySelectorAll('#pledge-list li').length === 1")
    assert board.titles() == ["Moratoire sur la vidéosurveillance"]
    assert board.query()["status"] == ["broken"]
    assert board.window_survived(), "the filter caused a full page load"
    assert page.locator("html").count() == 1
    assert page.locator("#pledge-list").count() == 1

    # The search box filters as one types (keyup with a delay), accent-insensitively.
    page.select_option("#filter-status", "")
    page.locator("#filter-q").press_sequentially("ecoles")
    page.wait_for_url("**q=ecoles**")
    page.wait_for_function("document.querySelectorAll('#pledge-list li').length === 1")
    assert board.titles() == ["Écoles rénovées"]
    assert board.window_survived()

    # The back button restores the previous state as a whole page (never a bare fragment).
    page.go_back()
    page.wait_for_function("!location.search.includes('q=ecoles')")
    page.wait_for_function("document.querySelectorAll('#pledge-list li').length >= 1")
    assert page.locator("h1").count() == 1
    assert page.locator("form#filters").count() == 1
    assert recorder.console_errors == []


def test_htmx_counts_follow_the_theme_out_of_band(page, live_server):
    arrange_site(live_server)
    board = ScoreboardPage(page, live_server.url)
    board.open()
    bruno = page.locator("#candidate-board tr", has_text="Bruno Fictif")
    assert "En attente : 1" in " ".join(bruno.inner_text().split())
    board.mark_window()
    page.select_option("#filter-theme", "video-surveillance")
    page.wait_for_url("**theme=video-surveillance**")
    page.wait_for_function(
        "document.querySelector('#candidate-board').textContent.includes('thème')"
    )
    assert "En attente : 0" in " ".join(bruno.inner_text().split())
    assert board.window_survived()


def test_htmx_pagination(page, live_server):
    arrange_site(live_server)
    live_server.app.config["PAGE_SIZE"] = 2
    board = ScoreboardPage(page, live_server.url)
    board.open()
    first = board.titles()
    board.mark_window()
    page.click("#pledge-list a[rel=next]")
    page.wait_for_url("**page=2**")
    page.wait_for_function("document.querySelector('#pledge-list a[rel=prev]') !== null")
    second = board.titles()
    assert len(first) == 2
    assert len(second) == 2
    assert not set(first) & set(second)
    assert board.window_survived()


def test_open_a_pledge_and_read_its_timeline(page, live_server):
    ids = arrange_site(live_server)
    board = ScoreboardPage(page, live_server.url)
    board.open()
    page.click("text=Moratoire sur la vidéosurveillance")
    page.wait_for_url(f"**/pledges/{ids['broken']}")
    assert page.locator(".current-status .status").inner_text().strip() == "Rompu"
    entries = page.locator("#timeline li.timeline-entry")
    assert entries.count() == 3
    texts = entries.all_inner_texts()
    assert "Engagement pris" in texts[0]
    assert "Délibération sur les caméras" in texts[1]
    assert "Changement de statut" in texts[2]
    assert "Rompu" in texts[2]
    assert page.locator(".demo-notice").is_visible()


def test_switch_to_english(page, live_server):
    ids = arrange_site(live_server)
    page.goto(f"{live_server.url}/pledges/{ids['kept']}")
    assert page.locator(".current-status .status").inner_text().strip() == "Tenu"
    page.click(".language-switch a[hreflang=en]")
    page.wait_for_url("**lang=en**")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".current-status .status").inner_text().strip() == "Kept"
    # The choice follows the visitor through links, without a cookie.
    page.click("a.brand")
    page.wait_for_url("**/?lang=en")
    assert "Kept: 1" in page.locator("li.election-item").inner_text()
    assert page.context.cookies() == []
