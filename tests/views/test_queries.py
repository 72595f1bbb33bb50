"""Constant SQL statement counts whatever the data size (no N+1), and the rendered-page cache."""

from datetime import date
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from models import Candidate, Election
from models.enums import EvidenceKind, PledgeStatus, Stance
from pledges import archiving
from pledges.status import record_status_change
from tests.factories import make_candidate, make_election, make_evidence, make_pledge


def build(session, *, elections: int, candidates: int, pledges: int, evidence: int, prefix="e"):
    """A data set of the given size; returns (a candidate, a pledge) to visit."""
    visit = None
    for e in range(elections):
        election = make_election(session, slug=f"{prefix}{e}", is_demo=e == 0)
        for c in range(candidates):
            candidate = make_candidate(session, election, slug=f"c{c}")
            for p in range(pledges):
                pledge = make_pledge(
                    session,
                    candidate,
                    theme=f"theme-{p % 3}",
                    made_on=date(2020, 1, 1),
                    deadline=date(2021, 1, 1) if p % 2 else None,
                )
                items = [
                    make_evidence(
                        session,
                        pledge,
                        published_on=date(2021, 1 + i % 12, 1),
                        kind=list(EvidenceKind)[i % len(EvidenceKind)],
                        stance=Stance.BROKEN,
                    )
                    for i in range(evidence)
                ]
                if items and p % 3 == 0:
                    record_status_change(
                        session,
                        pledge,
                        to=PledgeStatus.BROKEN,
                        effective_on=date(2022, 1, 1),
                        rationale="r",
                        cites=items[:2],
                        actor="test",
                    )
                visit = visit or (candidate, pledge)
    session.commit()
    return visit


def _rule_kept(session, pledge, *, actor) -> None:
    """A ruling "kept" on 1 January 2023, citing a new evidence item."""
    record_status_change(
        session,
        pledge,
        to=PledgeStatus.KEPT,
        effective_on=date(2023, 1, 1),
        rationale="Tenu.",
        cites=[make_evidence(session, pledge, stance=Stance.KEPT)],
        actor=actor,
    )


def pages(candidate, pledge) -> list[str]:
    election = candidate.election.slug
    return [
        "/",
        f"/elections/{election}",
        f"/elections/{election}?theme=theme-1&q=engagement&sort=kept",
        f"/elections/{election}?status=pending&page=2&cpage=2&sort=broken",
        "/pledges/?theme=theme-1&q=engagement",
        f"/pledges/?election={election}&status=pending&page=2",
        "/themes/",
        "/themes/theme-0",
        f"/themes/theme-0?election={election}&cpage=2",
        f"/elections/{election}/{candidate.slug}",
        f"/pledges/{pledge.id}",
        "/api/v1/pledges?per_page=100",
        f"/api/v1/pledges/{pledge.id}",
    ]


def measure(client, count_queries, paths) -> dict[str, int]:
    counts = {}
    for path in paths:
        count_queries.reset()
        response = client.get(path)
        assert response.status_code == 200, path
        counts[path] = count_queries.count
    return counts


@pytest.fixture
def app_overrides():
    return {"PAGE_CACHE_SIZE": 0}  # measure rendering, not the cache


def test_query_count_does_not_grow_with_data(app, client, app_session, count_queries):
    small_visit = build(app_session, elections=1, candidates=2, pledges=3, evidence=1)
    small = measure(client, count_queries, pages(*small_visit))
    big_visit = build(app_session, elections=2, candidates=6, pledges=12, evidence=5, prefix="big")
    big = measure(client, count_queries, pages(*big_visit))
    # Same paths shape, larger data: the same number of statements per page.
    assert list(small.values()) == list(big.values())
    # 9: a page that names themes reads their names once (views.labels.theme_label).
    boards = {path: n for path, n in big.items() if path.startswith("/elections/big0")}
    assert max(n for path, n in big.items() if path not in boards) <= 10
    # A board: election, totals, a page of candidates (+ total), a page of pledges (+ total,
    # their candidates and elections), the election's themes and candidates for the filters.
    assert max(boards.values()) <= 12
    # A pledge page: the pledge with its candidate and election, its evidence, its rulings
    # with their authors, their citations (get_pledge), plus the data version, the
    # editor-name setting and the theme names, and the evidence's archived copies and link
    # checks (one statement, pledges.archive.reads), the programme passage it may come from.
    assert big[f"/pledges/{big_visit[1].id}"] <= 9


def test_reading_public_pages_writes_nothing(app, client, app_session, count_queries):
    """A GET never flushes a change: an UPDATE (even rolled back) would take the data
    version's row lock, and every reader would wait for the others."""
    candidate, pledge = build(app_session, elections=1, candidates=3, pledges=3, evidence=2)
    widgets = [
        f"/embed/candidates/{candidate.election.slug}/{candidate.slug}",
        f"/embed/pledges/{pledge.id}",
    ]
    for path in [*pages(candidate, pledge), *widgets]:
        count_queries.reset()
        assert client.get(path).status_code == 200, path
        verbs = {statement.split(None, 1)[0].upper() for statement in count_queries.statements}
        assert verbs <= {"SELECT"}, (path, verbs)


def test_home_page_is_the_same_with_3_and_300_candidates(app, client, app_session, count_queries):
    """The home page lists elections with their totals, never their candidates: same bytes,
    same statements, whether the election has 3 candidates or 300."""
    election = make_election(app_session, slug="ville", name="Municipales de Ville")
    make_election(app_session, slug="autre", name="Autre élection", date=date(2014, 3, 30))
    for c in range(3):
        candidate = make_candidate(app_session, election, slug=f"c{c}", name=f"Liste {c:03d}")
        for p in range(2):
            make_pledge(app_session, candidate, slug=f"p{c}-{p}", deadline=date(2021, 1, 1))
    app_session.commit()

    def home() -> tuple[int, int, bytes]:
        count_queries.reset()
        response = client.get("/")
        assert response.status_code == 200
        return len(response.data), count_queries.count, response.data

    small = home()
    app_session.add_all(
        Candidate(election_id=election.id, slug=f"x{c}", name=f"Liste {c:03d}")
        for c in range(3, 300)
    )
    app_session.commit()
    big = home()
    assert big[:2] == small[:2]
    assert big[2] == small[2]
    assert b"Municipales de Ville" in big[2]
    assert b"Liste 000" not in big[2]  # no candidate on the home page
    # The board paginates them: 20 rows, and the same statements as with 3.
    count_queries.reset()
    board = client.get("/elections/ville?cpage=3&sort=kept")
    assert board.status_code == 200
    assert board.data.count(b'<tr>\n        <th scope="row">') == 20


def test_archived_data_adds_no_statement(app, client, app_session, count_queries):
    """Archiving filters with subqueries inside the same statements, never with more of them."""
    visit = build(app_session, elections=2, candidates=3, pledges=4, evidence=2)
    before = measure(client, count_queries, pages(*visit))
    candidate, pledge = visit
    other = make_pledge(app_session, candidate, theme="theme-0")
    archiving.archive(app_session, other, actor="test")
    election = app_session.exec(select(Election).where(Election.slug == "e1")).one()
    archiving.archive(app_session, election, actor="test")
    app_session.commit()
    assert measure(client, count_queries, pages(*visit)) == before


def test_cache_serves_a_copy_then_a_write_invalidates_it(app, client, app_session, count_queries):
    app.extensions.pop("page_cache", None)
    app.config["PAGE_CACHE_SIZE"] = 100
    _, pledge = build(app_session, elections=1, candidates=2, pledges=3, evidence=2)
    path = f"/pledges/{pledge.id}"
    count_queries.reset()
    first = client.get(path)
    rendered = count_queries.count
    count_queries.reset()
    second = client.get(path)
    assert second.data == first.data
    assert count_queries.count == 1 < rendered  # only the data-version read
    assert b"status-pending" in first.data or b"status-broken" in first.data

    kept_evidence = make_evidence(
        app_session, pledge, url="https://x.example/kept", stance=Stance.KEPT
    )
    record_status_change(
        app_session,
        pledge,
        to=PledgeStatus.KEPT,
        effective_on=date.today(),
        rationale="Tenu enfin.",
        cites=[kept_evidence],
        actor="test",
    )
    app_session.commit()
    count_queries.reset()
    third = client.get(path)
    assert count_queries.count == rendered  # rendered again: the data version moved
    assert b"Tenu enfin." in third.data
    assert third.data != first.data


def test_cache_never_used_with_a_session_cookie(app, client, app_session, count_queries):
    app.extensions.pop("page_cache", None)
    app.config["PAGE_CACHE_SIZE"] = 100
    build(app_session, elections=1, candidates=1, pledges=2, evidence=1)
    anonymous = client.get("/")
    etag = anonymous.headers["ETag"]
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], "someone")
    for _ in range(2):
        count_queries.reset()
        response = client.get("/", headers={"If-None-Match": etag})
        assert response.status_code == 200
        assert count_queries.count > 1  # rendered every time
        assert "public" not in response.headers["Cache-Control"]
        assert "ETag" not in response.headers
    assert len(app.extensions["page_cache"]) == 1  # only the anonymous page was stored


def test_cache_is_bounded(app, client, app_session):
    app.extensions.pop("page_cache", None)
    app.config["PAGE_CACHE_SIZE"] = 3
    build(app_session, elections=1, candidates=1, pledges=1, evidence=0)
    for q in range(10):
        assert client.get(f"/pledges/?q={q}").status_code == 200
    assert len(app.extensions["page_cache"]) == 3


def test_theme_names_and_editor_setting_are_read_once_per_data_version(
    app, client, app_session, count_queries
):
    """Every pledge page shows theme names and asks whether editors are named: public
    answers read both once per data version (views.database.read_per_version). A write
    to either bumps the version, so the next page shows it at once."""
    from models import Theme
    from pledges import accounts
    from tests.factories import make_user

    candidate, pledge = build(app_session, elections=1, candidates=1, pledges=1, evidence=1)
    editor = make_user(app_session, role="editor", display_name="Camille Exemple")
    app_session.add(Theme(slug="theme-0", name_fr="Sécurité publique", name_en="Public safety"))
    app_session.commit()
    _rule_kept(app_session, pledge, actor=editor)
    app_session.commit()
    path = f"/pledges/{pledge.id}"

    def page() -> tuple[str, list[str]]:
        count_queries.reset()
        response = client.get(path)
        assert response.status_code == 200
        return response.get_data(as_text=True), list(count_queries.statements)

    def reads(statements: list[str], table: str) -> int:
        return sum(f"FROM {table}" in " ".join(s.split()) for s in statements)

    html, first = page()
    assert "Sécurité publique" in html
    assert "Camille Exemple" in html
    assert reads(first, "theme") == 1
    assert reads(first, "sitesetting") == 1
    html, second = page()
    assert "Sécurité publique" in html
    assert "Camille Exemple" in html
    assert reads(second, "theme") == 0
    assert reads(second, "sitesetting") == 0
    assert len(second) == len(first) - 2

    theme = app_session.exec(select(Theme).where(Theme.slug == "theme-0")).one()
    theme.name_fr = "Tranquillité publique"
    app_session.add(theme)
    app_session.commit()
    html, third = page()
    assert "Tranquillité publique" in html
    assert "Sécurité publique" not in html
    assert reads(third, "theme") == 1

    accounts.set_show_editor_names(app_session, False, actor="test")
    app_session.commit()
    html, _ = page()
    assert "Camille Exemple" not in html
    english = client.get(path + "?lang=en").get_data(as_text=True)
    assert "Public safety" in english
    assert "Camille Exemple" not in english


def test_read_per_version_loads_each_time_outside_public_answers(app):
    """Without a public answer's data version (a logged-in page, a form, the CLI), every
    call loads; with one, a load per version; per app, never shared between apps."""
    from views.database import public_data_version, read_per_version

    loads = []

    def load():
        loads.append(1)
        return len(loads)

    with app.test_request_context("/"):
        assert [read_per_version("x", load) for _ in range(3)] == [1, 2, 3]
        public_data_version(7)
        assert [read_per_version("x", load) for _ in range(3)] == [4, 4, 4]
    with app.test_request_context("/"):
        public_data_version(7)
        assert read_per_version("x", load) == 4
        public_data_version(8)
        assert read_per_version("x", load) == 5
        assert read_per_version("y", load) == 6


def test_election_and_list_counts_are_read_once_per_data_version(
    client, app_session, count_queries
):
    """The counts over a whole election or list are the same for every page number,
    language and visitor: public answers read them once per data version. Other pages
    then run no count; a write shows in the very next answer."""
    build(app_session, elections=1, candidates=3, pledges=4, evidence=0)
    election = app_session.exec(select(Election)).one()
    board = f"/elections/{election.slug}"

    def counting(path: str) -> tuple[Any, list[str]]:
        count_queries.reset()
        response = client.get(path)
        assert response.status_code == 200
        counts = [
            s
            for s in count_queries.statements
            if s.lstrip().upper().startswith("SELECT COUNT(") or "GROUP BY" in s.upper()
        ]
        return response, counts

    def totals(response) -> str:
        page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        return page.select_one("#pledge-list-title .total").get_text(strip=True)

    first, counted = counting(board)
    assert len(counted) == 3  # the totals by theme, the candidates, their counts
    assert totals(first) == "(12 engagements)"
    # Other keys of the page cache (language, page of candidates): no count at all.
    again, counted = counting(board + "?lang=en")
    assert counted == []
    assert totals(again) == "(12 pledges)"
    _, counted = counting(board + "?cpage=1&sort=name&lang=fr")
    assert counted == []
    api, counted = counting("/api/v1/pledges?per_page=5")
    assert len(counted) == 1
    assert api.get_json()["total"] == 12
    api, counted = counting("/api/v1/pledges?per_page=6")
    assert counted == []
    assert api.get_json()["total"] == 12

    # A write: the next answers count again and show it.
    candidate = app_session.exec(select(Candidate)).first()
    pledge = make_pledge(app_session, candidate, title="Un de plus")
    app_session.commit()
    after, counted = counting(board + "?lang=en")
    assert len(counted) == 3
    assert totals(after) == "(13 pledges)"
    line = BeautifulSoup(after.get_data(as_text=True), "html.parser").select_one(".election-totals")
    assert line.get_text(" ", strip=True) == (
        "All candidates: Kept: 0 · Broken: 0 · Pending: 13 (6 overdue)"
    )
    assert client.get("/api/v1/pledges?per_page=6").get_json()["total"] == 13
    _rule_kept(app_session, pledge, actor="test")
    app_session.commit()
    kept = client.get("/api/v1/pledges?status=kept").get_json()
    assert kept["total"] == 1
    ruled = client.get(board + "?lang=en&cpage=1")
    line = BeautifulSoup(ruled.get_data(as_text=True), "html.parser").select_one(".election-totals")
    assert line.get_text(" ", strip=True) == (
        "All candidates: Kept: 1 · Broken: 0 · Pending: 12 (6 overdue)"
    )


def test_read_per_version_is_bounded(app, monkeypatch):
    """However many distinct reads visitors cause (filters, pages), what is kept stays
    bounded, and what every page reads stays: the least recently used go first."""
    from views import database
    from views.database import public_data_version, read_per_version

    monkeypatch.setattr(database, "PER_VERSION_KEPT", 4)
    loads = []

    def theme_names():
        loads.append("themes")
        return ("sécurité",)

    with app.test_request_context("/"):
        public_data_version(1)
        for n in range(20):
            assert read_per_version("theme names", theme_names) == ("sécurité",)
            read_per_version(("visitor's theme", n), lambda n=n: n)
        store = app.extensions["per_version"].values
        assert len(store) == 4
        assert loads == ["themes"]  # read once, never pushed out
        assert ("visitor's theme", 19) in store
        assert ("visitor's theme", 0) not in store
        public_data_version(2)
        assert read_per_version("theme names", theme_names) == ("sécurité",)
        assert loads == ["themes", "themes"]  # a new version: read again


def test_kept_counts_follow_the_date(client, app_session, monkeypatch):
    """ "Overdue" changes at midnight without any write: the counts kept per data version
    are kept per day too."""
    from datetime import UTC, datetime

    build(app_session, elections=1, candidates=2, pledges=2, evidence=0)
    board = "/elections/" + app_session.exec(select(Election)).one().slug

    def totals_on(day: datetime) -> str:
        monkeypatch.setattr("views.labels.utc_now", lambda: day)
        html = client.get(board + "?lang=en").get_data(as_text=True)
        line = BeautifulSoup(html, "html.parser").select_one(".election-totals")
        return line.get_text(" ", strip=True)

    before = "All candidates: Kept: 0 · Broken: 0 · Pending: 4"
    assert totals_on(datetime(2020, 12, 31, 12, tzinfo=UTC)) == before
    after = "All candidates: Kept: 0 · Broken: 0 · Pending: 4 (2 overdue)"
    assert totals_on(datetime(2021, 1, 2, 12, tzinfo=UTC)) == after
    assert totals_on(datetime(2020, 12, 31, 12, tzinfo=UTC)) == before
