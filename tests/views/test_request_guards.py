"""Values no row can have are refused at routing; query arguments and Host headers are
not instructions (finding 4); the editor-name setting reaches public pages."""

from datetime import date

import pytest

from app import create_app
from models.enums import PledgeStatus, Role
from pledges import accounts
from pledges.status import record_status_change
from tests.factories import make_evidence, make_pledge, make_suggestion, make_user


@pytest.mark.parametrize(
    "path",
    ["/pledges/2147483648", "/api/v1/pledges/99999999999", "/embed/pledges/2147483648"],
)
def test_ids_beyond_the_database_range_are_not_found(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "path", ["/elections/%00/x", "/themes/a%00", "/badge/candidates/a/%00.svg"]
)
def test_nul_bytes_in_paths_are_refused_before_any_query(client, path):
    assert client.get(path).status_code == 400


def test_public_timeline_follows_the_editor_names_setting(client, app_session):
    editor = make_user(app_session, display_name="Rédactrice Fictive")
    pledge = make_pledge(app_session)
    evidence = make_evidence(app_session, pledge)
    record_status_change(
        app_session,
        pledge,
        to=PledgeStatus.BROKEN,
        effective_on=date(2022, 4, 1),
        rationale="Audit non publié.",
        cites=[evidence],
        actor=editor,
    )
    app_session.commit()
    assert "Rédactrice Fictive" in client.get(f"/pledges/{pledge.id}").get_data(as_text=True)

    accounts.set_show_editor_names(app_session, False, actor=editor)
    app_session.commit()
    # The cached page is invalidated by the setting change.
    assert "Rédactrice Fictive" not in client.get(f"/pledges/{pledge.id}").get_data(as_text=True)


# --- Finding 4: query arguments passed to url_for; foreign Host headers -------------------


@pytest.mark.parametrize(
    "query",
    ["?endpoint=x", "?_method=POST", "?_external=1&zz=3", "?pledge_id=abc", "?_anchor=x&lang=en"],
)
@pytest.mark.parametrize("page", ["/", "/themes/", "/auth/login", "pledge"])
def test_finding_4_query_arguments_never_reach_url_for(client, app_session, page, query):
    if page == "pledge":
        page = f"/pledges/{make_pledge(app_session).id}"
        app_session.commit()
    response = client.get(page + query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # The language links keep the page and drop what the page does not read.
    assert "endpoint=" not in html
    assert "_method" not in html
    assert "zz=3" not in html


def test_finding_4_language_links_keep_the_filters(client):
    html = client.get("/pledges/?status=broken&q=cam%C3%A9ra&endpoint=x").get_data(as_text=True)
    assert "/pledges/?status=broken&amp;q=cam%C3%A9ra&amp;lang=en" in html


def test_finding_4_the_review_queue_ignores_foreign_arguments(auth, client, app_session):
    suggestion = make_suggestion(app_session)
    app_session.commit()
    auth.login_as(Role.VOLUNTEER)
    response = client.get(f"/volunteer/?suggestion_id={suggestion.id}&endpoint=x&page=1")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"/volunteer/suggestions/{suggestion.id}" in html
    assert "endpoint=" not in html


def test_finding_4_a_foreign_host_is_refused_and_never_cached(app, client):
    refused = client.get("/themes/?_external=1&zz=3", headers={"Host": "evil.example"})
    assert refused.status_code == 400
    assert "evil.example" not in refused.headers.get("Location", "")
    assert len(app.extensions["page_cache"]) == 0
    page = client.get("/themes/?_external=1&zz=3")
    assert page.status_code == 200
    assert "evil.example" not in page.get_data(as_text=True)
    api = client.get("/api/v1/pledges", headers={"Host": "evil.example:80"})
    assert api.status_code == 400
    assert api.is_json


class TestTrustedHosts:
    @pytest.fixture
    def app_overrides(self):
        return {"SITE_URL": "https://suivi.example.org"}

    def test_finding_4_the_site_host_and_loopback_are_served(self, app, client):
        assert "suivi.example.org" in app.config["TRUSTED_HOSTS"]
        assert client.get("/", headers={"Host": "suivi.example.org"}).status_code == 200
        assert client.get("/", headers={"Host": "127.0.0.1:8123"}).status_code == 200
        assert client.get("/", headers={"Host": "localhost:5000"}).status_code == 200
        assert client.get("/", headers={"Host": "suivi.example.org.evil"}).status_code == 400

    def test_finding_4_the_page_cache_key_includes_the_host(self, app, client):
        client.get("/", headers={"Host": "suivi.example.org"})
        client.get("/", headers={"Host": "localhost"})
        # One entry per host: a page built for one host never answers another.
        assert len(app.extensions["page_cache"]) == 2


def test_finding_4_production_serves_only_the_site_host(database_url):
    app = create_app(
        {"SECRET_KEY": "x", "DATABASE_URL": database_url, "SITE_URL": "https://suivi.example.org"}
    )
    assert app.config["TRUSTED_HOSTS"] == ["suivi.example.org"]
    assert app.test_client().get("/", headers={"Host": "localhost"}).status_code == 400


def test_finding_4_the_error_page_itself_cannot_fail(app, client):
    def broken(*args, **kwargs):
        raise RuntimeError("the layout cannot be rendered")

    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: render the 500 page
    app.jinja_env.globals["language_switch"] = broken  # every page's header calls it
    response = client.get("/")
    assert response.status_code == 500
    assert "<h1>500 Internal Server Error</h1>" in response.get_data(as_text=True)
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert "404" in missing.get_data(as_text=True)
