"""Constant SQL statement counts whatever the data size (no N+1), and the rendered-page cache."""

from datetime import date

import pytest
from sqlmodel import select

from models import Election
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


def pages(candidate, pledge) -> list[str]:
    election = candidate.election.slug
    return [
        "/",
        "/?theme=theme-1&q=engagement",
        "/?status=pending&page=2",
        "/themes/",
        "/themes/theme-0",
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
    assert max(big.values()) <= 9


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
        assert client.get(f"/?q={q}").status_code == 200
    assert len(app.extensions["page_cache"]) == 3
