"""Privacy and HTTP headers: no cookie for anonymous visitors, security headers, Vary, caching."""

import pytest
from bs4 import BeautifulSoup

from models.enums import PledgeStatus, Role
from pledges.status import record_status_change
from tests.factories import make_candidate, make_election, make_evidence, make_pledge


@pytest.fixture
def paths(app_session):
    election = make_election(app_session, slug="ville", is_demo=True)
    candidate = make_candidate(app_session, election, slug="alice")
    pledge = make_pledge(
        app_session, candidate, theme="securite", source_url="https://src.example/"
    )
    evidence = make_evidence(app_session, pledge)
    from datetime import date

    record_status_change(
        app_session,
        pledge,
        to=PledgeStatus.BROKEN,
        effective_on=date(2021, 1, 1),
        rationale="r",
        cites=[evidence],
        actor="test",
    )
    app_session.commit()
    return [
        "/",
        "/elections/ville?status=broken&q=engagement&sort=kept",
        "/?lang=en",
        "/themes/",
        "/themes/securite",
        "/elections/ville/alice",
        f"/pledges/{pledge.id}",
        f"/pledges/{pledge.id}?lang=en",
        "/api/v1/pledges",
        f"/api/v1/pledges/{pledge.id}",
        "/pledges/99999",
        "/api/v1/pledges/99999",
        "/api/v1/pledges?status=bad",
        "/no-such-page",
    ]


HTML_PAGES = slice(0, 8)


def test_no_cookie_for_anonymous_visitors(client, paths):
    for path in paths:
        for headers in ({}, {"HX-Request": "true", "HX-Target": "pledge-list"}):
            response = client.get(path, headers=headers)
            assert "Set-Cookie" not in response.headers, path
    assert client.get_cookie("session") is None


def test_security_headers_everywhere(client, paths):
    for path in paths:
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp, path
        assert "frame-ancestors 'none'" in csp, path
        assert "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"]


def test_pages_load_nothing_from_another_host_and_have_no_inline_code(app, client, paths):
    own_site = app.config["SITE_URL"].rstrip("/") + "/"  # absolute links to ourselves are fine
    for path in paths[HTML_PAGES]:
        page = BeautifulSoup(client.get(path).get_data(as_text=True), "html.parser")
        for tag, attr in (
            ("script", "src"),
            ("link", "href"),
            ("img", "src"),
            ("iframe", "src"),
            ("form", "action"),
            ("source", "src"),
        ):
            for el in page.find_all(tag):
                value = el.get(attr, "")
                if value.startswith(own_site):
                    continue
                assert not value.startswith(("http:", "https:", "//")), (path, str(el))
        assert all(script.get("src") for script in page.find_all("script")), path
        assert not page.find_all(style=True), path
        assert not page.find_all("style"), path
        for el in page.find_all(True):
            assert not any(a.startswith(("on", "hx-on", "data-hx-on")) for a in el.attrs), (
                path,
                el.name,
            )


def test_vary_on_pages_that_can_be_fragments(client, paths):
    for path in ("/", "/elections/ville/alice"):
        vary = client.get(path).headers["Vary"]
        assert "HX-Request" in vary
        assert "HX-History-Restore-Request" in vary


def test_anonymous_pages_are_publicly_cacheable_with_etag(client, paths):
    response = client.get("/")
    assert response.headers["Cache-Control"] == "public, max-age=60"
    etag = response.headers["ETag"]
    revalidated = client.get("/", headers={"If-None-Match": etag})
    assert revalidated.status_code == 304
    assert revalidated.data == b""
    assert revalidated.headers["ETag"] == etag
    fragment = client.get("/", headers={"HX-Request": "true", "HX-Target": "pledge-list"})
    assert fragment.headers["ETag"] != etag
    english = client.get("/?lang=en")
    assert english.headers["ETag"] != etag
    api = client.get("/api/v1/pledges")
    assert api.headers["Cache-Control"] == "public, max-age=60"
    assert api.headers["ETag"]


# --- Finding 14: every response rendered for someone logged in is private, no-store ------


def test_finding_14_logged_in_error_pages_are_not_stored(auth, client):
    auth.login_as(Role.VOLUNTEER)
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert 'name="csrf-token"' in missing.get_data(as_text=True)  # why it must not be stored
    assert missing.headers["Cache-Control"] == "private, no-store"
    refused = client.post("/themes/")  # a GET-only page: 405
    assert refused.status_code == 405
    assert refused.headers["Cache-Control"] == "private, no-store"
    assert "Cookie" in refused.headers["Vary"]


def test_finding_14_logged_in_public_pages_are_not_stored(auth, client, paths):
    auth.login_as(Role.EDITOR)
    for path in paths[HTML_PAGES]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response.headers["Cache-Control"], path
        assert "public" not in response.headers["Cache-Control"], path
        assert "ETag" not in response.headers, path


def test_finding_14_anonymous_error_pages_keep_their_headers(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert "Set-Cookie" not in response.headers
