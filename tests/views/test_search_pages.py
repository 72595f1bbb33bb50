"""Full-text search on the pages that use it: the public pledge list and election boards
(ranked, highlighted snippets, safe, French and English, with and without htmx), the API's
`q` and the editors' search."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from models.enums import EvidenceState, Role
from tests.factories import make_candidate, make_election, make_evidence, make_pledge

FRAGMENT = {"HX-Request": "true", "HX-Target": "pledge-list"}


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.fixture
def app_overrides():
    return {"PAGE_CACHE_SIZE": 0}


@pytest.fixture
def data(app_session):
    s = app_session
    election = make_election(s, slug="ville-2020", name="Municipales 2020")
    alice = make_candidate(s, election, slug="alice", name="Alice Fictive")
    body_only = make_pledge(
        s,
        alice,
        title="Audit public",
        body=(
            "Un audit des **caméras**. <script>alert('x')</script>"
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        ),
    )
    title = make_pledge(s, alice, title="Moratoire sur les caméras <b>vite</b>", body="Aucune.")
    hidden = make_pledge(s, alice, title="Pistes cyclables", body="Des vélos.")
    make_evidence(s, hidden, title="Brouillon", quote="Un zeppelin.", state=EvidenceState.SUBMITTED)
    make_evidence(s, hidden, title="Article", quote="Les bailleurs signent.")
    s.commit()
    return {"body": body_only, "title": title, "hidden": hidden}


def items(page) -> list:
    return page.select("#pledge-list li.pledge-item")


def test_results_are_ranked_with_marked_words_and_safe_snippets(client, data):
    page = soup(client.get("/pledges/?q=cam%C3%A9ra"))
    found = items(page)
    titles = [" ".join(li.h3.get_text().split()) for li in found]
    assert titles == ["Moratoire sur les caméras <b>vite</b>", "Audit public"]
    snippet = found[1].select_one("p.snippet")
    assert [m.get_text() for m in snippet.select("mark")] == ["caméras"]
    assert "Les plus pertinents d’abord." in page.select_one("#pledge-list").get_text()
    # User text is text: the title's tag and the body's escaped script stay letters.
    html = str(page.select_one("#pledge-list"))
    assert page.select_one("#pledge-list script") is None
    assert page.select_one("#pledge-list b") is None
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "alert('x')" not in html


def test_evidence_snippets_only_from_published_evidence(client, data):
    found = items(soup(client.get("/pledges/?q=bailleurs&lang=en")))
    assert len(found) == 1
    snippet = found[0].select_one("p.snippet")
    assert snippet.select_one(".snippet-source").get_text() == "In published evidence:"
    assert [m.get_text() for m in snippet.select("mark")] == ["bailleurs"]
    assert items(soup(client.get("/pledges/?q=zeppelin"))) == []
    assert items(soup(client.get("/pledges/?q=brouillon"))) == []


def test_english_page_and_htmx_fragment_and_board(client, data):
    page = soup(client.get("/pledges/?q=audit&lang=en"))
    assert "Most relevant first." in page.select_one("#pledge-list").get_text()
    fragment = soup(client.get("/pledges/?q=audit", headers=FRAGMENT))
    assert fragment.find("html") is None
    assert fragment.select_one("#pledge-list p.snippet mark").get_text() == "audit"
    board = soup(client.get("/elections/ville-2020?q=v%C3%A9los"))
    assert [li.h3.get_text(strip=True) for li in items(board)] == ["Pistes cyclables"]
    assert board.select_one("#pledge-list p.snippet mark").get_text() == "vélos"
    # No search, no ranking note, no marks.
    plain = soup(client.get("/pledges/"))
    assert plain.select_one("#pledge-list mark") is None
    assert "Les plus pertinents" not in plain.select_one("#pledge-list").get_text()


def test_api_q_is_ranked_and_keeps_its_fields(client, data):
    response = client.get("/api/v1/pledges?q=cam%C3%A9ras")
    assert response.status_code == 200
    body = response.get_json()
    assert [p["title"] for p in body["items"]] == [
        "Moratoire sur les caméras <b>vite</b>",
        "Audit public",
    ]
    assert client.get("/api/v1/pledges?q=zeppelin").get_json()["items"] == []
    odd = client.get("/api/v1/pledges?q=%22NEAR(*)%20-OR%27")
    assert odd.status_code == 200


def test_editors_search_finds_published_evidence_and_slugs(client, data, auth):
    auth.login_as(Role.EDITOR)
    page = soup(client.get("/admin/pledges?q=bailleurs"))
    assert [a.get_text(strip=True) for a in page.select("#search-results tbody th > a")] == [
        "Pistes cyclables"
    ]
    # The evidence item that matched is quoted under the title, its word marked.
    marks = page.select("#search-results tbody th .snippet mark")
    assert [m.get_text() for m in marks] == ["bailleurs"]


@pytest.mark.parametrize("query", ["<ſcript>", "<scrİpt>vite", "<script" * 20])
def test_odd_tags_in_a_search_or_a_body_are_words_or_nothing(client, app_session, query):
    """Look-alike letters in a tag name made the tokenizer fail: a 500 on the public
    search, the API's and a refused save on SQLite."""
    from tests.factories import make_candidate, make_election, make_pledge

    candidate = make_candidate(app_session, make_election(app_session))
    make_pledge(app_session, candidate, title="Titre", body=f"Avant {query} après")
    app_session.commit()
    assert client.get("/pledges/", query_string={"q": query}).status_code == 200
    assert client.get("/api/v1/pledges", query_string={"q": query}).status_code == 200
    assert client.get("/pledges/", query_string={"q": "après"}).status_code == 200
