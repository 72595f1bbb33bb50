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


def test_pages_load_no_user_for_a_request_without_cookies(auth, client, app_session):
    """A request with no session cookie cannot be logged in: its pages, the widget
    included, never ask Flask-Login for the user (which would hash the visitor's address
    and user agent). Logged in, the same pages load the user and show the account menu."""
    from flask_login.signals import user_accessed

    candidate = make_candidate(app_session)
    pledge = make_pledge(app_session, candidate)
    app_session.commit()
    paths = [
        "/",
        f"/pledges/{pledge.id}",
        f"/embed/candidates/{candidate.election.slug}/{candidate.slug}",
    ]
    accessed = []

    def seen(_app, **_extra):
        accessed.append(1)

    user_accessed.connect(seen)
    try:
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
        assert accessed == []
        auth.login_as(Role.EDITOR)
        html = client.get(f"/pledges/{pledge.id}").get_data(as_text=True)
        assert accessed
        assert 'name="csrf-token"' in html
        assert "/auth/login" not in html
    finally:
        user_accessed.disconnect(seen)


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
        follow_redirects=True,  # Post/Redirect/Get: the message is a flash on the next page
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
    assert response.status_code == 302  # Post/Redirect/Get: the link is shown once, there
    assert response.headers["Location"] == "/admin/users"
    response = client.get("/admin/users")
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
    assert bad.status_code == 422
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


# --- Hardening: login limits count failures per account and address -----------------


def _login_from(client, address, email, password):
    token = token_from(client.get("/auth/login").get_data(as_text=True))
    return client.post(
        "/auth/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def test_finding_2_wrong_passwords_elsewhere_do_not_lock_out_the_owner(app, auth):
    editor = auth.create(Role.EDITOR)
    attacker = app.test_client()
    statuses = [
        _login_from(attacker, "192.0.2.66", editor.email, "wrong password").status_code
        for _ in range(7)
    ]
    assert statuses == [401] * 5 + [429, 429]  # the guesser is stopped
    owner = app.test_client()
    assert _login_from(owner, "198.51.100.7", editor.email, PASSWORD).status_code == 302


def test_finding_2_successful_logins_are_not_counted(app, auth):
    user = auth.create()
    for _ in range(8):
        visitor = app.test_client()
        assert _login_from(visitor, "198.51.100.7", user.email, PASSWORD).status_code == 302


def test_finding_2_a_success_resets_the_failures(app, auth):
    user = auth.create()
    client = app.test_client()
    for _ in range(2):
        for _ in range(4):
            assert _login_from(client, "198.51.100.7", user.email, "typo typo").status_code == 401
        assert _login_from(client, "198.51.100.7", user.email, PASSWORD).status_code == 302
        client = app.test_client()


def test_finding_2_many_addresses_cannot_keep_an_account_locked(app, auth, monkeypatch):
    user = auth.create()
    attacker = app.test_client()
    for n in range(40):
        response = _login_from(attacker, f"203.0.113.{n}", user.email, "wrong password")
        assert response.status_code == 401
    # The account-wide backoff: an address that already failed gets no second guess...
    again = _login_from(attacker, "203.0.113.1", user.email, "wrong password")
    assert again.status_code == 429
    # ...but the right password from an address with no failure still opens the session.
    owner = app.test_client()
    assert _login_from(owner, "198.51.100.7", user.email, PASSWORD).status_code == 302


def test_finding_2_one_ipv6_network_counts_as_one_address(app, auth):
    user = auth.create()
    attacker = app.test_client()
    for n in range(40):
        _login_from(attacker, f"203.0.113.{n}", user.email, "wrong password")
    # Once the account-wide backoff holds, one IPv6 subscriber's /64 is one address:
    # the first guess from it is the only one, however many addresses it rotates through.
    first = _login_from(attacker, "2001:db8:1:2::1", user.email, "wrong password")
    assert first.status_code == 401
    rotated = _login_from(attacker, "2001:db8:1:2:ffff::9", user.email, "wrong password")
    assert rotated.status_code == 429
    owner = app.test_client()
    assert _login_from(owner, "2001:db8:9:9::1", user.email, PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("not an address", "not an address"),
    ],
)
def test_login_limits_count_ipv6_per_64(address, network):
    from views.auth import client_network

    assert client_network(address) == network


def test_login_limit_keys_hold_no_address_or_email(app, auth):
    user = auth.create()
    _login_from(app.test_client(), "192.0.2.66", user.email, "wrong password")
    storage = app.extensions["login_limiter"].limiter.storage
    stored = repr(vars(storage))
    assert "192.0.2.66" not in stored
    assert user.email not in stored


# --- Hardening: sessions can be revoked and expire ----------------------------------


def _session_cookie(client):
    return client.get_cookie("session").value


def _with_cookie(app, value):
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def test_finding_12_a_cookie_copied_before_logout_stops_working(app, auth, client):
    auth.login_as(Role.VOLUNTEER)
    copied = _session_cookie(client)
    assert _with_cookie(app, copied).get("/volunteer/").status_code == 200
    auth.logout()
    assert _with_cookie(app, copied).get("/volunteer/").status_code == 302


def test_finding_12_reenabling_an_account_does_not_revive_its_cookies(
    app, auth, client, app_session
):
    user = auth.login_as(Role.VOLUNTEER)
    copied = _session_cookie(client)
    accounts.set_user_active(app_session, user, active=False, actor="test")
    accounts.set_user_active(app_session, user, active=True, actor="test")
    app_session.commit()
    assert _with_cookie(app, copied).get("/volunteer/").status_code == 302


def test_finding_12_a_role_change_ends_the_sessions(app, auth, client, app_session):
    user = auth.login_as(Role.EDITOR)
    assert client.get("/admin/").status_code == 200
    accounts.set_user_role(app_session, user, role=Role.VOLUNTEER, actor="test")
    app_session.commit()
    assert client.get("/admin/").status_code == 302


def test_finding_12_log_out_everywhere_else_keeps_this_session(app, auth, client):
    user = auth.login_as(Role.VOLUNTEER)
    elsewhere = app.test_client()
    assert _login_from(elsewhere, "198.51.100.7", user.email, PASSWORD).status_code == 302
    page = client.get("/auth/password").get_data(as_text=True)
    assert 'action="/auth/sessions/end-others"' in page
    response = client.post(
        "/auth/sessions/end-others",
        data={"csrf_token": auth.csrf_token()},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Vos sessions sur les autres appareils sont fermées." in response.get_data(as_text=True)
    assert client.get("/volunteer/").status_code == 200
    assert elsewhere.get("/volunteer/").status_code == 302


def test_finding_12_a_login_lasts_twelve_hours(app, auth, client, monkeypatch):
    from datetime import timedelta

    from itsdangerous import TimestampSigner

    assert app.permanent_session_lifetime == timedelta(hours=12)
    user = auth.create()
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - 13 * 3600)
    assert auth.login(user.email).status_code == 302
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    assert client.get("/volunteer/").status_code == 302


# --- Hardening: the password page limits guesses of the current password -------------


def _change_password(client, auth, current, new="a brand new password"):
    return client.post(
        "/auth/password",
        data={"current": current, "new": new, "confirm": new, "csrf_token": auth.csrf_token()},
    )


def test_finding_13_current_password_guesses_are_limited(auth, client, monkeypatch):
    auth.login_as(Role.VOLUNTEER)
    calls = []
    real = accounts.verify_password
    monkeypatch.setattr(accounts, "verify_password", lambda h, p: calls.append(1) or real(h, p))
    statuses = [_change_password(client, auth, "not my password").status_code for _ in range(5)]
    assert statuses == [422] * 5
    assert len(calls) == 5
    refused = _change_password(client, auth, PASSWORD)
    assert refused.status_code == 429
    assert len(calls) == 5  # no more guesses reach argon2
    assert "Trop de tentatives" in refused.get_data(as_text=True)


def test_finding_13_current_password_has_a_maximum_length(auth, client, monkeypatch):
    auth.login_as(Role.VOLUNTEER)
    calls = []
    monkeypatch.setattr(accounts, "verify_password", lambda h, p: calls.append(1) or False)
    response = _change_password(client, auth, "x" * (accounts.MAX_PASSWORD_LENGTH + 1))
    assert response.status_code == 422
    assert calls == []


def test_a_template_rendered_outside_a_request_has_no_user(app):
    """A command renders mail or exports with an app context alone: `current_user` is None
    there, as Flask-Login's own context processor gave it, never an error."""
    from flask import render_template_string

    with app.app_context():
        assert render_template_string("{{ current_user }}") == "None"
