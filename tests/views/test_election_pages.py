"""Public election pages: the home page (elections and their totals), each election's board
(candidates paginated and sorted, the pledge list filtered), the pages of a theme, the
moved home scoreboard, and the API's election filter."""

from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from models.enums import PledgeStatus
from tests.factories import make_candidate, make_election, make_pledge

FRAGMENT = {"HX-Request": "true", "HX-Target": "pledge-list"}


@pytest.fixture
def app_overrides():
    return {"PAGE_CACHE_SIZE": 0}  # tests change PAGE_SIZE between requests


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def text(node) -> str:
    return " ".join(node.get_text(" ", strip=True).split())


@pytest.fixture
def elections(app_session):
    """Two elections; in the recent one, candidates whose shares of kept and broken differ."""
    s = app_session
    old = make_election(s, slug="ville-2014", name="Municipales 2014", date=date(2014, 3, 30))
    new = make_election(
        s, slug="ville-2020", name="Municipales 2020", date=date(2020, 6, 28), is_demo=True
    )
    # name: shares (kept, broken) of 4 pledges each
    plan = {
        "Alice": (1, 3),  # 25 % kept, 75 % broken
        "Bruno": (3, 0),  # 75 % kept
        "Chloé": (2, 2),  # 50 %, 50 %
        "Denis": (0, 0),  # all pending
    }
    people = {}
    for name, (kept, broken) in plan.items():
        candidate = make_candidate(s, new, slug=name.lower().replace("é", "e"), name=name)
        people[name] = candidate
        statuses = [PledgeStatus.KEPT] * kept + [PledgeStatus.BROKEN] * broken
        statuses += [PledgeStatus.PENDING] * (4 - len(statuses))
        for i, status in enumerate(statuses):
            make_pledge(
                s,
                candidate,
                title=f"{name} promet {i}",
                status=status,
                theme="ecole" if i == 0 else "climat",
                deadline=date.today() - timedelta(days=3) if i == 3 else None,
            )
    eve = make_candidate(s, old, slug="eve", name="Ève Ancienne")
    make_pledge(s, eve, title="Vieille promesse sur l'école", theme="ecole")
    s.commit()
    return {"old": old, "new": new, **people}


# --- home --------------------------------------------------------------------------------


def test_home_lists_elections_most_recent_first_with_their_totals(client, elections):
    page = soup(client.get("/"))
    items = page.select("li.election-item")
    assert [i.h3.get_text(strip=True) for i in items] == ["Municipales 2020", "Municipales 2014"]
    assert items[0].a["href"] == "/elections/ville-2020"
    recent = text(items[0])
    assert "Tenu : 6" in recent
    assert "Rompu : 5" in recent
    assert "En attente : 5" in recent
    assert "dont en retard : " in recent
    assert "Alice" not in page.get_text()  # candidates live on the boards
    assert page.select_one(".demo-notice")
    english = soup(client.get("/?lang=en"))
    assert "Kept: 6" in text(english.select("li.election-item")[0])


def test_home_paginates_elections(app, client, elections, app_session):
    for n in range(25):
        make_election(
            app_session, slug=f"e-{n:02d}", name=f"Élection {n:02d}", date=date(2001, 1, 1)
        )
    app_session.commit()
    page = soup(client.get("/"))
    assert len(page.select("li.election-item")) == 20
    nxt = page.select_one("nav.pagination a[rel=next]")["href"]
    assert nxt == "/?page=2"
    second = soup(client.get(nxt))
    assert len(second.select("li.election-item")) == 7
    assert second.select_one("nav.pagination a[rel=prev]")


@pytest.mark.parametrize(
    ("query", "location"),
    [
        ("election=ville-2020&status=kept", "/elections/ville-2020?status=kept"),
        ("status=broken&q=promet", "/pledges/?status=broken&q=promet"),
        ("theme=ecole&lang=en", "/pledges/?theme=ecole&lang=en"),
    ],
)
def test_old_home_scoreboard_links_are_moved(client, elections, query, location):
    response = client.get(f"/?{query}")
    assert response.status_code == 301
    moved = urlsplit(response.headers["Location"])
    expected = urlsplit(location)
    assert moved.path == expected.path
    assert parse_qs(moved.query) == parse_qs(expected.query)


# --- election board ----------------------------------------------------------------------


def board_names(page) -> list[str]:
    return [th.a.get_text(strip=True) for th in page.select("#candidate-board tbody th")]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (None, ["Alice", "Bruno", "Chloé", "Denis"]),
        ("name", ["Alice", "Bruno", "Chloé", "Denis"]),
        ("kept", ["Bruno", "Chloé", "Alice", "Denis"]),
        ("broken", ["Alice", "Chloé", "Bruno", "Denis"]),
        ("nonsense", ["Alice", "Bruno", "Chloé", "Denis"]),
    ],
)
def test_board_sorts_candidates(client, elections, sort, expected):
    query = f"?sort={sort}" if sort else ""
    page = soup(client.get(f"/elections/ville-2020{query}"))
    assert board_names(page) == expected
    current = page.select_one(".sort-links a[aria-current=true]")
    assert current["href"].endswith(f"sort={sort}") if sort in ("kept", "broken") else True


def test_board_paginates_candidates_in_a_stable_order(app, client, elections, app_session):
    new = elections["new"]
    for n in range(30):
        make_candidate(app_session, new, slug=f"z{n:02d}", name=f"Zoé {n:02d}")
    app_session.commit()
    first = soup(client.get("/elections/ville-2020?sort=kept"))
    assert len(board_names(first)) == 20
    assert board_names(first)[:3] == ["Bruno", "Chloé", "Alice"]
    # Ties (share 0) by name, then id: Denis, then the Zoés in order.
    assert board_names(first)[3:5] == ["Denis", "Zoé 00"]
    link = first.select_one("#candidate-board nav.pagination a[rel=next]")
    assert parse_qs(urlsplit(link["href"]).query) == {"sort": ["kept"], "cpage": ["2"]}
    assert link["data-hx-target"] == "#main"
    second = soup(client.get(link["href"]))
    assert board_names(second) == [f"Zoé {n:02d}" for n in range(16, 30)]
    # The pledge list's own pages keep the board's sort and page.
    app.config["PAGE_SIZE"] = 5
    pledges_next = soup(client.get(link["href"])).select_one("#pledge-list a[rel=next]")
    assert parse_qs(urlsplit(pledges_next["href"]).query) == {
        "sort": ["kept"],
        "cpage": ["2"],
        "page": ["2"],
    }
    far = soup(client.get("/elections/ville-2020?cpage=999"))
    assert board_names(far) == [f"Zoé {n:02d}" for n in range(16, 30)]


def test_board_shows_shares_totals_and_the_elections_pledges_only(client, elections):
    page = soup(client.get("/elections/ville-2020"))
    assert page.h1.get_text(strip=True) == "Municipales 2020"
    assert page.select_one(".demo-notice")
    rows = {r.th.a.get_text(strip=True): text(r) for r in page.select("#candidate-board tbody tr")}
    assert "75" in rows["Bruno"]
    assert "Tenu : 3" in rows["Bruno"]
    assert "—" in rows["Denis"] or "0" in rows["Denis"]
    assert "Tenu : 6" in text(page.select_one(".election-totals"))
    titles = [h.get_text(strip=True) for h in page.select("#pledge-list li h3")]
    assert "Vieille promesse sur l'école" not in titles
    assert "16 engagements" in text(page.select_one("#pledge-list h2"))
    feeds = [link["href"] for link in page.select("link[type='application/atom+xml']")]
    assert "/api/v1/feeds/elections/ville-2020/status-changes.atom" in feeds


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("status=kept", 6),
        ("candidate=bruno", 4),
        ("candidate=bruno&status=pending", 1),
        ("theme=ecole", 4),
        ("overdue=1", 2),
        ("q=ALICE+promet+2", 1),
        ("candidate=eve", 0),  # another election's candidate
    ],
)
def test_board_filters_the_pledge_list(client, elections, query, count):
    page = soup(client.get(f"/elections/ville-2020?{query}"))
    assert len(page.select("#pledge-list li h3")) == count
    # The heading's total: from the board's totals when the filters are the scope's
    # (theme, search), from the list's own count otherwise (status, candidate, overdue).
    heading = text(page.select_one("#pledge-list h2"))
    assert f"({count} engagement" in heading, heading


def test_board_total_and_pages_follow_a_filter_the_totals_do_not_count(app, client, elections):
    """Status narrows the list but not the board's totals: the list's total and its
    pages must come from its own count, never from the totals."""
    app.config["PAGE_SIZE"] = 4
    page = soup(client.get("/elections/ville-2020?status=kept"))
    assert "(6 engagements)" in text(page.select_one("#pledge-list h2"))
    assert "Page 1 sur 2" in text(page.select_one("#pledge-list .pagination"))
    page = soup(client.get("/elections/ville-2020?theme=climat"))
    assert "(12 engagements)" in text(page.select_one("#pledge-list h2"))
    assert "Page 1 sur 3" in text(page.select_one("#pledge-list .pagination"))


def test_board_filter_form_and_fragment(client, elections):
    page = soup(client.get("/elections/ville-2020?sort=broken"))
    form = page.select_one("form#filters")
    assert form["action"] == "/elections/ville-2020"
    assert form.select_one("input[name=sort]")["value"] == "broken"
    options = [o["value"] for o in form.select("select[name=candidate] option")]
    assert options == ["", "alice", "bruno", "chloe", "denis"]
    assert form.select_one("select[name=election]") is None
    fragment = soup(client.get("/elections/ville-2020?theme=ecole&sort=kept", headers=FRAGMENT))
    roots = [el for el in fragment.children if getattr(el, "name", None)]
    assert [r["id"] for r in roots] == ["pledge-list", "candidate-board"]
    assert roots[1]["data-hx-swap-oob"] == "true"
    # Counts follow the theme: one pledge each on "ecole".
    assert "Rompu : 0" in text(roots[1].select("tbody tr")[1])


def test_unknown_election_is_404(client, elections):
    response = client.get("/elections/nowhere")
    assert response.status_code == 404
    assert soup(response).select_one("main h1")


# --- pledge list, theme pages --------------------------------------------------------------


def test_every_pledge_list_filters_by_election(client, elections):
    page = soup(client.get("/pledges/?election=ville-2014"))
    assert [h.get_text(strip=True) for h in page.select("#pledge-list li h3")] == [
        "Vieille promesse sur l'école"
    ]
    assert page.select_one("select[name=election] option[selected]")["value"] == "ville-2014"
    everything = soup(client.get("/pledges/"))
    assert "17 engagements" in text(everything.select_one("#pledge-list h2"))
    assert everything.select_one("select[name=candidate]") is None  # no election chosen


def test_theme_page_shows_one_election_at_a_time(client, elections):
    page = soup(client.get("/themes/ecole"))
    assert page.select_one("section.comparison h2").get_text(strip=True) == "Municipales 2020"
    assert len(page.select("article.column")) == 4
    nxt = page.select_one("nav.pagination a[rel=next]")["href"]
    assert parse_qs(urlsplit(nxt).query) == {"page": ["2"]}
    older = soup(client.get(nxt))
    assert older.select_one("section.comparison h2").get_text(strip=True) == "Municipales 2014"
    by_slug = soup(client.get("/themes/ecole?election=ville-2014"))
    assert by_slug.select_one("section.comparison h2").get_text(strip=True) == "Municipales 2014"
    assert by_slug.select_one("nav.pagination a[rel=prev]")
    assert client.get("/themes/ecole?election=nowhere").status_code == 404
    assert client.get("/themes/nothing").status_code == 404


def test_theme_page_caps_each_column_and_links_to_the_rest(client, elections):
    page = soup(client.get("/themes/climat"))
    alice = [c for c in page.select("article.column") if "Alice" in c.h3.get_text()][0]
    assert len(alice.select("li")) == 3  # under the cap: no link
    assert alice.select_one("p a") is None


# --- API ---------------------------------------------------------------------------------


def test_api_filters_pledges_by_election(client, elections):
    recent = client.get("/api/v1/pledges?election=ville-2020&per_page=100").json
    assert recent["total"] == 16
    old = client.get("/api/v1/pledges?election=ville-2014").json
    assert [p["title"] for p in old["items"]] == ["Vieille promesse sur l'école"]
    none = client.get("/api/v1/pledges?election=nowhere").json
    assert none["items"] == []
    combined = client.get("/api/v1/pledges?election=ville-2020&candidate=bruno&status=kept").json
    assert combined["total"] == 3
