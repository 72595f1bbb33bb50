"""The editors' pledge search: words over title, body, slug, candidate and election; filters
by election, candidate, theme, status, overdue and submitted evidence; GET form and htmx."""

from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup

from models.enums import EvidenceState, PledgeStatus, Role
from tests.factories import make_candidate, make_election, make_evidence, make_pledge

FRAGMENT = {"HX-Request": "true", "HX-Target": "search-results"}


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def titles(page) -> list[str]:
    return [a.get_text(strip=True) for a in page.select("#search-results tbody th > a")]


@pytest.fixture
def data(app_session, auth):
    s = app_session
    marseille = make_election(s, slug="marseille-2020", name="Municipales de Marseille")
    lyon = make_election(s, slug="lyon-2020", name="Municipales de Lyon")
    sebastien = make_candidate(s, marseille, slug="sebastien", name="Sébastien Exemple")
    zoe = make_candidate(s, marseille, slug="zoe", name="Zoé Autre")
    lea = make_candidate(s, lyon, slug="lea", name="Léa Lyonnaise")
    cameras = make_pledge(
        s, sebastien, title="Moratoire caméras", slug="moratoire-cameras", theme="securite"
    )
    make_pledge(
        s,
        sebastien,
        title="Pistes cyclables",
        body="Des vélos partout.",
        theme="transports",
        deadline=date.today() - timedelta(days=5),
    )
    make_pledge(s, zoe, title="Écoles rénovées", theme="ecole", status=PledgeStatus.KEPT)
    lyon_pledge = make_pledge(
        s, lea, title="Métro gratuit", slug="metro-gratuit", theme="transports"
    )
    make_evidence(s, lyon_pledge, state=EvidenceState.SUBMITTED)
    make_evidence(
        s,
        cameras,
        state=EvidenceState.PUBLISHED,
        title="Conseil municipal",
        quote="Le déploiement continue à la Plaine.",
    )
    s.commit()
    auth.login_as(Role.EDITOR)
    return {"marseille": marseille, "lyon": lyon, "sebastien": sebastien, "lea": lea}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=velos", ["Pistes cyclables"]),  # body, accents folded
        ("q=CAMERAS", ["Moratoire caméras"]),  # title
        ("q=metro-grat", ["Métro gratuit"]),  # slug
        ("q=Sébastien", ["Moratoire caméras", "Pistes cyclables"]),  # candidate name
        ("q=sebastien", ["Moratoire caméras", "Pistes cyclables"]),
        ("q=lyon", ["Métro gratuit"]),  # election name
        ("q=100%25", []),
        ("status=kept", ["Écoles rénovées"]),
        ("theme=transports", ["Pistes cyclables", "Métro gratuit"]),
        ("overdue=1", ["Pistes cyclables"]),
        ("submitted=1", ["Métro gratuit"]),
        ("theme=transports&status=pending&q=pistes", ["Pistes cyclables"]),
        ("status=nonsense", None),  # ignored: everything
        ("election=abc", None),
    ],
)
def test_search_and_filters(client, data, query, expected):
    page = soup(client.get(f"/admin/pledges?{query}"))
    everything = ["Moratoire caméras", "Pistes cyclables", "Écoles rénovées", "Métro gratuit"]
    assert titles(page) == (everything if expected is None else expected)


def test_election_and_candidate_filters(client, data):
    marseille, sebastien = data["marseille"].id, data["sebastien"].id
    page = soup(client.get(f"/admin/pledges?election={marseille}"))
    assert titles(page) == ["Moratoire caméras", "Pistes cyclables", "Écoles rénovées"]
    options = [o.get_text() for o in page.select("select[name=candidate] option")]
    assert options == ["Tous les candidats", "Sébastien Exemple", "Zoé Autre"]
    both = soup(client.get(f"/admin/pledges?election={marseille}&candidate={sebastien}"))
    assert titles(both) == ["Moratoire caméras", "Pistes cyclables"]
    # A candidate without its election means nothing: ignored.
    assert len(titles(soup(client.get(f"/admin/pledges?candidate={sebastien}")))) == 4
    other = soup(client.get(f"/admin/pledges?election={data['lyon'].id}&candidate={sebastien}"))
    assert titles(other) == []


def test_form_works_without_javascript_and_htmx_swaps_results(client, data):
    page = soup(client.get("/admin/pledges?lang=en"))
    form = page.select_one("form#pledge-search")
    assert form["method"] == "get"
    assert form["data-hx-target"] == "#search-results"
    assert "keyup" in form["data-hx-trigger"]
    for field in form.select("input:not([type=hidden]), select"):
        assert form.select_one(f"label[for={field['id']}]"), field["name"]
    statuses = [o.get_text() for o in form.select("select[name=status] option")]
    assert statuses == ["All statuses", "Kept", "Broken", "Pending"]
    fragment = soup(client.get(f"/admin/pledges?election={data['lyon'].id}", headers=FRAGMENT))
    roots = [el for el in fragment.children if getattr(el, "name", None)]
    assert [r["id"] for r in roots] == ["search-results", "search-candidate-field"]
    assert roots[1]["data-hx-swap-oob"] == "true"
    assert titles(fragment) == ["Métro gratuit"]


def test_pagination_keeps_the_filters(client, data, monkeypatch):
    monkeypatch.setattr("views.admin.search.PER_PAGE", 1)
    page = soup(client.get("/admin/pledges?theme=transports"))
    assert titles(page) == ["Pistes cyclables"]
    nxt = page.select_one("#search-results a[rel=next]")["href"]
    assert "theme=transports" in nxt
    assert titles(soup(client.get(nxt))) == ["Métro gratuit"]


def test_search_shows_where_the_words_were_found(client, data):
    """As on the public lists: the body's passage, else a published evidence item's, the
    words marked; nothing for a match on a name or slug only."""
    page = soup(client.get("/admin/pledges?q=velos"))
    (snippet,) = page.select("#search-results tbody th .snippet")
    assert [m.get_text() for m in snippet.select("mark")] == ["vélos"]
    assert snippet.get_text(" ", strip=True) == "Des vélos partout."
    page = soup(client.get("/admin/pledges?q=plaine&lang=en", headers=FRAGMENT))
    assert titles(page) == ["Moratoire caméras"]
    (snippet,) = page.select("#search-results tbody th .snippet")
    assert snippet.select_one(".snippet-source").get_text() == "In published evidence:"
    assert [m.get_text() for m in snippet.select("mark")] == ["Plaine"]
    assert "Le déploiement continue" in snippet.get_text()
    assert soup(client.get("/admin/pledges?q=lyon")).select(".snippet") == []
    assert soup(client.get("/admin/pledges?theme=transports")).select(".snippet") == []


def test_volunteers_cannot_search(client, auth, data):
    auth.logout()
    auth.login_as(Role.VOLUNTEER)
    assert client.get("/admin/pledges").status_code in {302, 403}
