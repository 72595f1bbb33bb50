"""Odd input answers 4xx, caches stay bounded and follow public data only, proxies are
trusted only when told."""

from __future__ import annotations

from datetime import date

import pytest

from app import create_app
from models.data_version import get_data_version
from models.db import utc_now
from models.enums import Role, Stance
from pledges.evidence import publish_evidence, reject_evidence, submit_evidence
from tests.factories import make_suggestion, make_user
from tests.views.partner_data import seed
from views.page_cache import CachedResponse, PageCache

SITE = "https://suivi.example.org"


@pytest.fixture
def app_overrides():
    return {"SITE_URL": SITE}


@pytest.fixture
def data(app_session):
    return seed(app_session)


@pytest.mark.parametrize(
    "path",
    [
        "/oembed?url=http://[::1&format=json",
        f"/oembed?url={SITE}/pledges/1&maxwidth=%C2%B2",
        "/api/v1/evidence?pledge=%C2%B2",
        "/api/v1/status-changes?pledge=%C2%B2",
        "/api/v1/evidence.csv?pledge=%C2%B2",
    ],
)
def test_odd_parameters_are_client_errors(client, data, path):
    assert 400 <= client.get(path).status_code < 500


@pytest.mark.parametrize(
    "path", ["/pledges/999999", "/embed/pledges/999999", "/api/v1/pledges/999999"]
)
def test_if_none_match_star_does_not_hide_a_404(client, data, path):
    assert client.get(path, headers={"If-None-Match": "*"}).status_code == 404


def test_cached_csv_keeps_its_attachment_header(client, data):
    first = client.get("/api/v1/pledges.csv")
    second = client.get("/api/v1/pledges.csv")
    assert first.headers["Content-Disposition"].startswith("attachment")
    assert second.headers["Content-Disposition"] == first.headers["Content-Disposition"]


def test_page_cache_is_bounded_in_bytes_and_skips_large_bodies():
    cache = PageCache(size=1000, max_bytes=10_000)
    for n in range(50):
        cache.put(("page", n), CachedResponse(b"x" * 1_000, 200, ()))
    assert cache.bytes <= 10_000
    assert len(cache) == 10
    cache.put(("huge",), CachedResponse(b"x" * (600 * 1024), 200, ()))
    assert cache.get(("huge",)) is None


def test_unknown_query_strings_cannot_grow_memory_past_the_bound(app, client, data):
    for n in range(30):
        assert client.get(f"/?junk={n}").status_code == 200
    cache = app.extensions["page_cache"]
    assert cache.bytes <= cache.max_bytes
    assert len(cache) <= 30


def _remote_addr(app, headers):
    @app.get("/_test/remote")
    def remote():
        from flask import request

        return f"{request.remote_addr} {request.scheme}"

    return app.test_client().get("/_test/remote", headers=headers).get_data(as_text=True)


def test_forwarded_headers_are_ignored_without_trusted_proxies(database_url):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": database_url})
    forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    assert _remote_addr(app, forwarded) == "127.0.0.1 http"


def test_forwarded_headers_are_used_behind_a_trusted_proxy(database_url):
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": database_url, "TRUSTED_PROXIES": 1}
    )
    forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    assert _remote_addr(app, forwarded) == "203.0.113.9 https"


def test_private_feeds_are_refused_outside_debug_and_tests(database_url, monkeypatch):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")  # as inside any `flask` command
    with pytest.raises(RuntimeError, match="FEEDS_ALLOW_PRIVATE"):
        create_app({"SECRET_KEY": "x", "DATABASE_URL": database_url, "FEEDS_ALLOW_PRIVATE": True})


def test_scoreboard_links_the_site_wide_atom_feeds(client, data):
    html = client.get("/").get_data(as_text=True)
    assert 'type="application/atom+xml" href="/api/v1/feeds/status-changes.atom"' in html
    assert 'type="application/atom+xml" href="/api/v1/feeds/evidence.atom"' in html


# --- Finding 17: only writes the public can see move the data version ----------------------


def _evidence_form(csrf_token: str) -> dict[str, str]:
    return {
        "url": "https://journal.example/article-17",
        "outlet": "Le Journal Fictif",
        "published_on": "2021-10-12",
        "kind": "press_article",
        "stance": "broken",
        "title": "Les caméras restent",
        "quote": "",
        "note": "",
        "csrf_token": csrf_token,
    }


def test_finding_17_a_submission_leaves_public_caches_alone(auth, client, app_session, data):
    dump_etag = client.get("/api/v1/dump.json").headers["ETag"]
    page_etag = client.get("/").headers["ETag"]
    version = get_data_version(app_session)
    auth.login_as(Role.VOLUNTEER)  # a user row and its last login: private
    response = client.post(
        f"/volunteer/pledges/{data.quiet.id}/evidence",
        data=_evidence_form(auth.csrf_token()),
    )
    assert response.status_code == 302
    app_session.rollback()  # see the request's commit
    assert get_data_version(app_session) == version
    auth.logout()
    client.delete_cookie("session")
    assert client.get("/api/v1/dump.json").headers["ETag"] == dump_etag
    assert client.get("/", headers={"If-None-Match": page_etag}).status_code == 304


def test_finding_17_private_rows_do_not_move_the_version(app_session, data):
    version = get_data_version(app_session)
    editor = make_user(app_session, Role.EDITOR)
    evidence = submit_evidence(
        app_session,
        data.quiet,
        url="https://journal.example/article-18",
        outlet="Le Journal Fictif",
        published_on=date(2021, 10, 12),
        stance=Stance.BROKEN,
        actor=editor,
    )
    make_suggestion(app_session, data.quiet)
    app_session.commit()
    assert get_data_version(app_session) == version
    reject_evidence(app_session, evidence, reason="Hors sujet.", actor=editor)
    editor.last_login_at = utc_now()
    app_session.commit()
    assert get_data_version(app_session) == version


def test_finding_17_public_changes_still_move_the_version(app_session, data):
    editor = make_user(app_session, Role.EDITOR)
    app_session.commit()
    version = get_data_version(app_session)
    publish_evidence(app_session, data.hidden_evidence, actor=editor)
    app_session.commit()
    assert get_data_version(app_session) > version
    version = get_data_version(app_session)
    data.kept_evidence.title = "Titre corrigé"  # published evidence, edited
    app_session.commit()
    assert get_data_version(app_session) > version
    version = get_data_version(app_session)
    editor.display_name = "Nom affiché sur les décisions"
    app_session.commit()
    assert get_data_version(app_session) > version
