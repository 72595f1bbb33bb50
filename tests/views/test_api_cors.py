"""Every /api/v1 answer may be read cross-origin: `Access-Control-Allow-Origin: *` exactly once,
on successes, cached replays, 304s and JSON errors alike."""

from __future__ import annotations

import pytest

from tests.views.partner_data import seed

SAMPLE = {"election": "marseille-2020", "candidate": "liste-alpha", "kind": "evidence"}


@pytest.fixture
def data(app_session):
    return seed(app_session)


def api_urls(app, data) -> list[str]:
    """One URL per api route, filled with values that exist."""
    values = {**SAMPLE, "pledge_id": data.kept.id}
    urls = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if rule.endpoint.startswith("api."):
                urls.append(url_for(rule.endpoint, **{a: values[a] for a in rule.arguments}))
    return sorted(urls)


def assert_once(response, url):
    assert response.headers.getlist("Access-Control-Allow-Origin") == ["*"], url


def test_every_api_route_allows_any_origin_once(app, client, data):
    urls = api_urls(app, data)
    assert len(urls) >= 12  # every kind of resource is covered
    for url in urls:
        first = client.get(url)
        assert first.status_code == 200, url
        assert_once(first, url)
        replayed = client.get(url)  # from the page cache, which keeps the header
        assert_once(replayed, url)
        etag = first.headers.get("ETag")
        if etag:
            revalidated = client.get(url, headers={"If-None-Match": etag})
            assert revalidated.status_code == 304, url
            assert_once(revalidated, url)


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/pledges/999999", 404),
        ("/api/v1/elections/nowhere", 404),
        ("/api/v1/candidates/marseille-2020/nobody", 404),
        ("/api/v1/feeds/pledges/999999/evidence.atom", 404),  # abort() inside an api view
        ("/api/v1/no-such-route", 404),  # matches no route: views.errors answers
        ("/api/v1/pledges?per_page=0", 400),
        ("/api/v1/evidence?pledge=abc", 400),
        ("/api/v1/status-changes?page=9", 400),
        ("/api/v1/evidence.csv?pledge=x", 400),
    ],
)
def test_json_errors_allow_any_origin_once(client, data, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert response.is_json
    assert response.get_json()["error"]
    assert_once(response, url)


def test_method_not_allowed_allows_any_origin_once(client, data):
    response = client.post("/api/v1/pledges")
    assert response.status_code == 405
    assert_once(response, "POST /api/v1/pledges")


def test_site_pages_do_not_allow_any_origin(client, data):
    for url in ("/", f"/pledges/{data.kept.id}", "/no-such-page"):
        assert "Access-Control-Allow-Origin" not in client.get(url).headers, url


def test_oembed_allows_any_origin_once(client, data, app):
    site = app.config["SITE_URL"].rstrip("/")
    response = client.get("/oembed", query_string={"url": f"{site}/pledges/{data.kept.id}"})
    assert response.status_code == 200
    assert_once(response, "/oembed")
