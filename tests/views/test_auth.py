"""Login, logout, password change, invitations, rate limits and the no-cookie rule."""

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from models.enums import Role
from pledges import accounts
from tests.factories import make_candidate, make_pledge
from tests.views.conftest import PASSWORD, token_from

GENERIC = "Adresse e-mail ou mot de passe incorrect."


def _cookie_header(response):
    return response.headers.getlist("Set-Cookie")


def test_anonymous_visitors_never_get_a_cookie(client, app_session):
    pledge = make_pledge(app_session, make_candidate(app_session))
    app_session.commit()
    for path in [
        "/",
        "/themes/",
        f"/pledges/{pledge.id}",
        "/nope",
        "/volunteer/",
        "/admin/",
        "/",
        f"/pledges/{pledge.id}?lang=en",
        "/api/v1/pledges",
    ]:
        response = client.get(path)
        assert _cookie_header(response) == [], path
    assert client.get_cookie("session") is None


def test_public_pages_offer_a_login_link_but_no_token(client):
    html = client.get("/").get_data(as_text=True)
    assert "/auth/login" in html
    assert "csrf" not in html.lower()


def test_login_page_starts_the_session_with_safe_cookie_flags(client):
    response = client.get("/auth/login")
    cookie = _cookie_header(response)[0]
    assert cookie.startswith("session=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http here


def test_cookie_is_secure_over_https(client):
    response = client.get("/auth/login", base_url="https://localhost")
    assert "Secure" in _cookie_header(response)[0]


@pytest.mark.parametrize("app_overrides", [{"SESSION_COOKIE_SECURE": True}])
def test_cookie_is_secure_when_configured(client):
    assert "Secure" in _cookie_header(client.get("/auth/login"))[0]


def test_login_success_redirects_by_role_and_the_session_persists(auth, client):
    volunteer = auth.create(Role.VOLUNTEER)
    response = auth.login(volunteer.email)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/volunteer/")
    assert client.get("/volunteer/contributions").status_code == 200
    html = client.get("/").get_data(as_text=True)
    assert volunteer.display_name in html  # logged-in nav on a public page


def test_editor_lands_on_the_dashboard_and_next_is_kept_only_when_local(auth, client):
    editor = auth.create(Role.EDITOR)
    token = auth.login_token()
    data = {"email": editor.email, "password": PASSWORD, "csrf_token": token}
    response = client.post("/auth/login?next=//evil.example/x", data=data)
    assert response.headers["Location"] == "/admin/"
    auth.logout()
    data["csrf_token"] = auth.login_token()
    response = client.post("/auth/login?next=/admin/feeds", data=data)
    assert response.headers["Location"] == "/admin/feeds"


def test_one_generic_error_for_unknown_account_wrong_password_and_disabled(auth, app_session):
    user = auth.create(Role.VOLUNTEER)
    disabled = auth.create(Role.VOLUNTEER)
    accounts.disable_user(app_session, disabled, actor="test")
    app_session.commit()
    answers = []
    for email, password in [
        (user.email, "wrong password"),
        ("nobody@example.org", PASSWORD),
        (disabled.email, PASSWORD),
    ]:
        response = auth.login(email, password)
        answers.append((response.status_code, GENERIC in response.get_data(as_text=True)))
    assert answers == [(401, True)] * 3


def test_login_requires_csrf(client, auth):
    user = auth.create()
    client.get("/auth/login")
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400


def test_rate_limit_per_account_refuses_before_hashing(auth, client, monkeypatch):
    user = auth.create()
    calls = []
    real = accounts.verify_password
    monkeypatch.setattr(accounts, "verify_password", lambda h, p: calls.append(1) or real(h, p))
    statuses = [auth.login(user.email, "wrong password").status_code for _ in range(7)]
    assert statuses[:5] == [401] * 5
    assert statuses[5:] == [429, 429]
    assert len(calls) == 5  # the refused attempts never reached argon2
    # Even the right password is refused while the account is limited (no oracle).
    response = auth.login(user.email, PASSWORD)
    assert response.status_code == 429
    assert "Trop de tentatives" in response.get_data(as_text=True)


def test_rate_limit_per_address(auth, client):
    statuses = [auth.login(f"x{i}@example.org", "whatever pw").status_code for i in range(22)]
    assert statuses[:20] == [401] * 20
    assert statuses[20:] == [429, 429]


def test_no_visitor_address_is_stored_in_the_database(auth, client, app):
    user = auth.create()
    auth.login(user.email, "wrong password")
    auth.login(user.email)
    client.get("/volunteer/")
    engine = app.extensions["db_engine"]
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(text(f'SELECT * FROM "{table.name}"')):
                assert "127.0.0.1" not in str(tuple(row)), table.name


def test_logout_needs_post_and_csrf_and_clears_the_cookie(auth, client):
    auth.login_as(Role.VOLUNTEER)
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 400
    response = auth.logout()
    assert response.status_code == 302
    cookie = _cookie_header(response)[0]
    assert cookie.startswith("session=;")
    assert "Expires=Thu, 01 Jan 1970" in cookie
    assert client.get("/volunteer/").status_code == 302


def test_password_change_ends_other_sessions(auth, client, app):
    user = auth.login_as(Role.VOLUNTEER)
    other = app.test_client()
    token = token_from(other.get("/auth/login").get_data(as_text=True))
    other.post("/auth/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert other.get("/volunteer/").status_code == 200

    token = auth.csrf_token()
    response = client.post(
        "/auth/password",
        data={
            "current": "not it at all",
            "new": "brand new password",
            "confirm": "brand new password",
            "csrf_token": token,
        },
    )
    assert "Le mot de passe actuel est incorrect." in response.get_data(as_text=True)
    response = client.post(
        "/auth/password",
        data={"current": PASSWORD, "new": "court", "confirm": "court", "csrf_token": token},
    )
    assert "au moins 10 caractères" in response.get_data(as_text=True)
    response = client.post(
        "/auth/password",
        data={
            "current": PASSWORD,
            "new": "brand new password",
            "confirm": "brand new password",
            "csrf_token": token,
        },
    )
    assert "Votre mot de passe a été changé" in response.get_data(as_text=True)
    assert client.get("/volunteer/").status_code == 200  # this session was renewed
    assert other.get("/volunteer/").status_code == 302  # the other one ended
    auth.logout()
    assert auth.login(user.email, "brand new password").status_code == 302


def test_disabling_an_account_ends_its_session(auth, client, app_session):
    user = auth.login_as(Role.EDITOR)
    assert client.get("/admin/").status_code == 200
    accounts.disable_user(app_session, app_session.merge(user), actor="test")
    app_session.commit()
    assert client.get("/admin/").status_code == 302


def test_invitation_flow(auth, client, app):
    auth.login_as(Role.ADMIN)
    response = client.post(
        "/admin/invitations",
        data={"email": "Camille@Example.org", "role": "volunteer", "csrf_token": auth.csrf_token()},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    link = html.split('class="invitation-anchor">')[1].split("<")[0]
    path = link.replace(app.config["SITE_URL"], "")
    assert path.startswith("/auth/invitation/")

    invitee = app.test_client()
    page = invitee.get(path)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    token = token_from(page.get_data(as_text=True))
    bad = invitee.post(
        path,
        data={
            "display_name": "Camille",
            "password": "court",
            "confirm": "court",
            "csrf_token": token,
        },
    )
    assert bad.status_code == 200
    assert "au moins 10 caractères" in bad.get_data(as_text=True)
    done = invitee.post(
        path,
        data={
            "display_name": "Camille",
            "password": "un long secret",
            "confirm": "un long secret",
            "csrf_token": token,
        },
    )
    assert done.status_code == 302
    assert done.headers["Location"] == "/volunteer/"
    assert invitee.get("/volunteer/").status_code == 200
    # One-time: the link is dead now, for anyone.
    assert app.test_client().get(path).status_code == 404
    assert invitee.get(path).status_code == 404


def test_unknown_invitation_link(client):
    response = client.get("/auth/invitation/not-a-token")
    assert response.status_code == 404
    assert "inconnu, expiré ou déjà utilisé" in response.get_data(as_text=True)


def test_logged_in_pages_are_not_cached(auth, client):
    auth.login_as(Role.VOLUNTEER)
    response = client.get("/volunteer/")
    assert response.headers["Cache-Control"] == "no-store"
    assert "Cookie" in response.headers["Vary"]
