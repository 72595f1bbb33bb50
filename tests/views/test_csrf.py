"""CSRF: the token reaches htmx from a <meta> (static/js/csrf.js), only for logged-in people."""

from pathlib import Path

from bs4 import BeautifulSoup

from models.enums import Role, SuggestionState
from tests.factories import make_suggestion


def test_logged_in_pages_carry_the_token_meta_and_the_script(auth, client):
    auth.login_as(Role.VOLUNTEER)
    soup = BeautifulSoup(client.get("/volunteer/").get_data(as_text=True), "html.parser")
    meta = soup.find("meta", attrs={"name": "csrf-token"})
    assert meta
    assert meta["content"]
    assert soup.find("script", src="/static/js/csrf.js")


def test_anonymous_pages_have_no_token(client):
    soup = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser")
    assert soup.find("meta", attrs={"name": "csrf-token"}) is None
    assert soup.find("script", src="/static/js/csrf.js") is None


def test_csrf_script_sets_the_header_htmx_sends():
    script = (Path(__file__).parents[2] / "static" / "js" / "csrf.js").read_text()
    assert "htmx:configRequest" in script
    assert 'meta[name="csrf-token"]' in script
    assert "X-CSRFToken" in script


def test_htmx_request_with_the_header_token_passes(auth, client, app_session):
    suggestion = make_suggestion(app_session)
    app_session.commit()
    auth.login_as(Role.VOLUNTEER)
    token = auth.csrf_token()
    url = f"/volunteer/suggestions/{suggestion.id}"
    # No token in the body: only the header that csrf.js adds.
    response = client.post(
        url,
        data={f"s{suggestion.id}-decision": "dismiss"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 200
    app_session.refresh(suggestion)
    assert suggestion.state == SuggestionState.DISMISSED


def test_htmx_request_without_token_is_refused(auth, client, app_session):
    suggestion = make_suggestion(app_session)
    app_session.commit()
    auth.login_as(Role.VOLUNTEER)
    response = client.post(
        f"/volunteer/suggestions/{suggestion.id}",
        data={f"s{suggestion.id}-decision": "dismiss"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    app_session.refresh(suggestion)
    assert suggestion.state == SuggestionState.NEW


def test_token_of_another_session_is_refused(auth, client, app):
    auth.login_as(Role.VOLUNTEER)
    other = app.test_client()
    foreign = auth.__class__(other, app, auth.session)
    foreign.login_as(Role.VOLUNTEER)
    token_b = foreign.csrf_token()
    response = client.post("/auth/logout", data={"csrf_token": token_b})
    assert response.status_code == 400


def test_api_and_embed_are_exempt_but_read_only(client):
    assert client.post("/api/v1/pledges").status_code == 405
    assert client.post("/embed/pledges/1").status_code == 405
