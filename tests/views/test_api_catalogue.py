"""Open-data JSON: elections, candidates, evidence, status changes; envelope, order, CORS."""

from __future__ import annotations

import pytest

from tests.factories import make_candidate, make_election, make_evidence, make_pledge
from tests.views.partner_data import seed

SITE = "https://suivi.example.org"
ENVELOPE = {"items", "page", "per_page", "total", "next"}


@pytest.fixture
def app_overrides():
    return {"SITE_URL": SITE}


@pytest.fixture
def data(app_session):
    return seed(app_session)


def get_json(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Set-Cookie" not in response.headers
    return response.get_json()


def walk(client, url):
    """Every item of a paginated list, following `next`."""
    items, pages = [], 0
    while url:
        body = get_json(client, url)
        assert set(body) == ENVELOPE
        items += body["items"]
        url = body["next"] and body["next"].removeprefix(SITE)
        pages += 1
    return items, pages


def test_elections_list(client, app_session, data):
    make_election(
        app_session, slug="lyon-2026", name="Lyon 2026", date=data.election.date.replace(year=2026)
    )
    app_session.commit()
    body = get_json(client, "/api/v1/elections")
    assert set(body) == ENVELOPE
    assert body["total"] == 2
    assert body["next"] is None
    first, second = body["items"]
    assert first["slug"] == "lyon-2026"  # most recent first
    assert second == {
        "slug": "marseille-2020",
        "name": "Municipales Marseille 2020",
        "territory": data.election.territory,
        "date": "2020-06-28",
        "is_demo": True,
        "candidate_count": 2,
        "url": f"{SITE}/elections/marseille-2020",
        "api_url": f"{SITE}/api/v1/elections/marseille-2020",
    }


def test_election_detail_gives_each_candidates_counts(client, data):
    body = get_json(client, "/api/v1/elections/marseille-2020")
    counts = {c["slug"]: c["counts"] for c in body["candidates"]}
    assert counts["liste-alpha"] == {"kept": 1, "broken": 1, "pending": 1, "overdue": 1, "total": 3}
    assert counts["liste-beta"] == {"kept": 0, "broken": 0, "pending": 1, "overdue": 0, "total": 1}
    alpha = next(c for c in body["candidates"] if c["slug"] == "liste-alpha")
    assert alpha["url"] == f"{SITE}/elections/marseille-2020/liste-alpha"
    assert get_json(client, alpha["api_url"].removeprefix(SITE))["slug"] == "liste-alpha"


def test_candidate_detail_lists_every_pledge(client, data):
    body = get_json(client, "/api/v1/candidates/marseille-2020/liste-alpha")
    assert body["name"] == "Liste Alpha <b>&</b>"
    assert body["election"] == "marseille-2020"
    assert [p["id"] for p in body["pledges"]] == [data.kept.id, data.broken.id, data.overdue.id]
    assert [p["status"] for p in body["pledges"]] == ["kept", "broken", "pending"]
    assert body["pledges"][1]["evidence_count"] == 1  # the submitted item is not counted
    assert body["pledges"][2]["overdue"] is True


def test_unknown_resources_are_json_404(client, data):
    for url in (
        "/api/v1/elections/nowhere",
        "/api/v1/candidates/marseille-2020/nobody",
        "/api/v1/candidates/nowhere/liste-alpha",
    ):
        assert get_json(client, url, 404)["error"] == "not_found"


def test_evidence_is_published_only_with_its_pledge(client, data):
    items, _ = walk(client, "/api/v1/evidence")
    assert [e["id"] for e in items] == [data.kept_evidence.id, data.broken_evidence.id]
    broken = items[1]
    assert broken["outlet"] == "La Gazette Imaginaire"
    assert broken["stance"] == "broken"
    assert broken["pledge"]["id"] == data.broken.id
    assert broken["pledge"]["url"] == f"{SITE}/pledges/{data.broken.id}"
    assert broken["pledge"]["candidate"]["slug"] == "liste-alpha"


def test_status_changes_with_citations(client, data):
    items, _ = walk(client, "/api/v1/status-changes")
    assert [(c["pledge"]["id"], c["from"], c["to"]) for c in items] == [
        (data.kept.id, "pending", "kept"),
        (data.broken.id, "pending", "broken"),
    ]
    assert items[0]["cites"] == [data.kept_evidence.url]
    assert items[0]["effective_on"] == "2021-02-01"


def test_filters_by_election_candidate_and_pledge(client, app_session, data):
    other = make_candidate(app_session, make_election(app_session, slug="lyon-2026"))
    make_evidence(app_session, make_pledge(app_session, other))
    app_session.commit()
    assert get_json(client, "/api/v1/evidence")["total"] == 3
    assert get_json(client, "/api/v1/evidence?election=marseille-2020")["total"] == 2
    assert get_json(client, "/api/v1/evidence?election=lyon-2026")["total"] == 1
    body = get_json(client, f"/api/v1/evidence?pledge={data.kept.id}")
    assert [e["id"] for e in body["items"]] == [data.kept_evidence.id]
    assert get_json(client, "/api/v1/status-changes?candidate=liste-beta")["total"] == 0
    assert get_json(client, "/api/v1/evidence?pledge=abc", 400)["parameter"] == "pledge"


def test_pagination_is_stable_and_complete(client, app_session, data):
    for n in range(7):
        make_evidence(app_session, data.quiet, title=f"Article {n}")
    app_session.commit()
    everything = get_json(client, "/api/v1/evidence?per_page=100")["items"]
    paged, pages = walk(client, "/api/v1/evidence?per_page=2")
    assert pages == 5
    assert [e["id"] for e in paged] == [e["id"] for e in everything]
    assert [e["id"] for e in paged] == sorted(e["id"] for e in paged)
    body = get_json(client, "/api/v1/evidence?per_page=2&page=2")
    assert body["page"] == 2
    assert body["per_page"] == 2
    assert body["total"] == 9
    assert body["next"] == f"{SITE}/api/v1/evidence?page=3&per_page=2"


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("page=x", "page"),
        ("page=99", "page"),
    ],
)
def test_bad_paging_is_400(client, data, query, parameter):
    for url in ("/api/v1/elections", "/api/v1/evidence", "/api/v1/status-changes"):
        assert get_json(client, f"{url}?{query}", 400)["parameter"] == parameter


def test_query_counts_are_constant(client, app_session, data, count_queries):
    urls = (
        "/api/v1/elections",
        "/api/v1/elections/marseille-2020",
        "/api/v1/candidates/marseille-2020/liste-alpha",
        "/api/v1/evidence",
        "/api/v1/status-changes",
    )

    def counts():
        result = []
        for url in urls:
            count_queries.reset()
            get_json(client, url + ("?" if "?" not in url else "&") + f"n={len(result)}")
            result.append(count_queries.count)
        return result

    before = counts()
    for n in range(10):
        pledge = make_pledge(app_session, data.alice, title=f"P{n}")
        make_evidence(app_session, pledge)
        make_candidate(app_session, data.election)
    app_session.commit()
    assert counts() == before
