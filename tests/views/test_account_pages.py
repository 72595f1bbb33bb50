"""Accounts in the browser's terms (mail off): Post/Redirect/Get, links shown once, revoke and
re-send, admin reset / disable / role, one's display name, 403 pages naming the role, flashes."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

from models import User
from models.enums import Role
from pledges import accounts
from tests.factories import make_suggestion
from tests.views.conftest import token_from

LINK = re.compile(r'class="invitation-anchor">([^<]+)<')


def _shown_link(html: str) -> str | None:
    found = LINK.search(html)
    return found.group(1) if found else None


def _invite(client, auth, email="camille@example.org", role="volunteer", **kw):
    return client.post(
        "/admin/invitations",
        data={"email": email, "role": role, "csrf_token": auth.csrf_token()},
        **kw,
    )


def test_invitation_prg_and_the_link_is_shown_once(auth, client, app):
    auth.login_as(Role.ADMIN)
    response = _invite(client, auth)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users"
    first = client.get("/admin/users").get_data(as_text=True)
    link = _shown_link(first)
    assert link
    assert link.startswith(app.config["SITE_URL"] + "/auth/invitation/")
    assert _shown_link(client.get("/admin/users").get_data(as_text=True)) is None  # once
    # The POST-only URL answers a reload or a visit with the users page, never a 405.
    again = client.get("/admin/invitations?lang=en")
    assert again.status_code == 302
    assert again.headers["Location"].startswith("/admin/users")


def test_a_failed_invitation_is_422_and_its_language_switch_keeps_the_page(auth, client):
    auth.login_as(Role.ADMIN)
    response = _invite(client, auth, email="not an address")
    assert response.status_code == 422
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    english = soup.select_one('.language-switch a[hreflang="en"]')["href"]
    assert english == "/admin/invitations?lang=en"
    assert client.get(english).status_code == 302  # to the users page, in English


def test_revoke_and_resend(auth, client, app):
    auth.login_as(Role.ADMIN)
    _invite(client, auth)
    first = _shown_link(client.get("/admin/users").get_data(as_text=True))
    invitation_id = accounts.list_open_invitations(auth.session)[0].id
    resent = client.post(
        f"/admin/invitations/{invitation_id}/resend", data={"csrf_token": auth.csrf_token()}
    )
    assert resent.status_code == 302
    second = _shown_link(client.get("/admin/users").get_data(as_text=True))
    assert second
    assert second != first
    visitor = app.test_client()
    site = app.config["SITE_URL"]
    assert visitor.get(first.removeprefix(site)).status_code == 404  # old token dead
    assert visitor.get(second.removeprefix(site)).status_code == 200
    [live] = accounts.list_open_invitations(auth.session)
    revoked = client.post(
        f"/admin/invitations/{live.id}/revoke",
        data={"csrf_token": auth.csrf_token()},
        follow_redirects=True,
    )
    assert "Invitation révoquée" in revoked.get_data(as_text=True)
    assert visitor.get(second.removeprefix(site)).status_code == 404
    twice = client.post(
        f"/admin/invitations/{live.id}/revoke",
        data={"csrf_token": auth.csrf_token()},
        follow_redirects=True,
    )
    assert "déjà utilisée, révoquée ou expirée" in twice.get_data(as_text=True)
    assert (
        client.post(
            "/admin/invitations/999/revoke", data={"csrf_token": auth.csrf_token()}
        ).status_code
        == 404
    )


def test_a_second_invitation_to_the_same_address_replaces_the_first(auth, client):
    auth.login_as(Role.ADMIN)
    _invite(client, auth, email="dup@example.org")
    _invite(client, auth, email="DUP@example.org", role="editor")
    page = client.get("/admin/users").get_data(as_text=True)
    assert page.count("dup@example.org (") == 1


def test_admin_reset_link_without_mail(auth, client, app):
    auth.login_as(Role.ADMIN)
    user = auth.create(Role.EDITOR, email="ed@example.org")
    response = client.post(f"/admin/users/{user.id}/reset", data={"csrf_token": auth.csrf_token()})
    assert response.status_code == 302
    html = client.get("/admin/users").get_data(as_text=True)
    assert "Lien de réinitialisation du mot de passe de ed@example.org" in html
    link = _shown_link(html)
    assert link
    assert "/auth/reset/" in link
    visitor = app.test_client()
    path = link.removeprefix(app.config["SITE_URL"])
    page = visitor.get(path).get_data(as_text=True)
    bad = visitor.post(
        path, data={"password": "court", "confirm": "court", "csrf_token": token_from(page)}
    )
    assert bad.status_code == 422
    done = visitor.post(
        path,
        data={
            "password": "nouveau secret long",
            "confirm": "nouveau secret long",
            "csrf_token": token_from(page),
        },
        follow_redirects=True,
    )
    assert "Votre mot de passe a été changé" in done.get_data(as_text=True)
    assert visitor.get(path).status_code == 404


def test_forgot_page_without_mail_says_to_ask_an_admin(client):
    assert "Mot de passe oublié ?" in client.get("/auth/login").get_data(as_text=True)
    page = client.get("/auth/forgot?lang=en").get_data(as_text=True)
    assert "This site sends no email. Ask an administrator for a reset link" in page


def test_admin_disables_enables_and_changes_roles(auth, client, app_session):
    admin = auth.login_as(Role.ADMIN)
    user = auth.create(Role.VOLUNTEER, email="vol@example.org")
    token = auth.csrf_token()
    prefix = f"u{user.id}-"
    response = client.post(
        f"/admin/users/{user.id}", data={prefix + "role": "editor", "csrf_token": token}
    )
    assert response.status_code == 302
    app_session.expire_all()
    row = app_session.get(User, user.id)
    assert (row.role, row.active) == (Role.EDITOR, False)
    client.post(
        f"/admin/users/{user.id}",
        data={prefix + "role": "editor", prefix + "active": "y", "csrf_token": token},
    )
    app_session.expire_all()
    assert app_session.get(User, user.id).active is True
    # One's own role: refused while one is the last admin (422 on the page, with the reason).
    mine = f"u{admin.id}-"
    refused = client.post(
        f"/admin/users/{admin.id}", data={mine + "role": "editor", "csrf_token": token}
    )
    assert refused.status_code == 422
    assert "au moins un administrateur" in refused.get_data(as_text=True)
    assert client.get(f"/admin/users/{admin.id}").status_code == 302  # reload-safe URL
    app_session.expire_all()
    assert app_session.get(User, admin.id).active is True  # never disabled from here
    auth.create(Role.ADMIN, email="second@example.org")
    allowed = client.post(
        f"/admin/users/{admin.id}", data={mine + "role": "editor", "csrf_token": token}
    )
    assert allowed.status_code == 302
    app_session.expire_all()
    assert app_session.get(User, admin.id).role == Role.EDITOR


def test_everyone_edits_their_display_name(auth, client, app_session):
    user = auth.login_as(Role.VOLUNTEER, display_name="")
    page = client.get("/auth/account")
    assert page.status_code == 200
    token = token_from(page.get_data(as_text=True))
    empty = client.post(
        "/auth/account", data={"display_name": " ", "language": "fr", "csrf_token": token}
    )
    assert empty.status_code == 422
    response = client.post(
        "/auth/account",
        data={"display_name": "Zoé B.", "language": "en", "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/account"
    html = client.get("/auth/account").get_data(as_text=True)
    assert "Compte enregistré." in html
    app_session.expire_all()
    row = app_session.get(User, user.id)
    assert (row.display_name, row.language, row.digest_opt_out) == ("Zoé B.", "en", True)
    assert 'class="who">Zoé B.</a>' in html


def test_403_pages_name_the_role(auth, client):
    auth.login_as(Role.VOLUNTEER)
    page = client.get("/admin/")
    assert page.status_code == 403
    assert "Cette page est réservée aux éditeurs" in page.get_data(as_text=True)
    client.post("/auth/logout", data={"csrf_token": auth.csrf_token()})
    auth.login_as(Role.EDITOR, email="ed@example.org")
    page = client.get("/admin/users?lang=en")
    assert page.status_code == 403
    assert "This page is for administrators only." in page.get_data(as_text=True)


def test_flashes_are_announced_inside_the_main_column(auth, client):
    auth.login_as(Role.ADMIN)
    user = auth.create(Role.VOLUNTEER, email="v@example.org")
    client.post(f"/admin/users/{user.id}/reset", data={"csrf_token": auth.csrf_token()})
    client.post(
        f"/admin/users/{user.id}",
        data={f"u{user.id}-role": "volunteer", "csrf_token": auth.csrf_token()},
    )
    soup = BeautifulSoup(client.get("/admin/users").get_data(as_text=True), "html.parser")
    status = soup.select_one("main .flashes [role=status]")
    assert status is not None
    assert "Compte enregistré." in status.get_text()
    accounts.create_invitation(auth.session, email="gone@example.org", role="volunteer", actor="t")
    auth.session.commit()
    [invitation] = accounts.list_open_invitations(auth.session)
    accounts.revoke_invitation(auth.session, invitation, actor="t")
    auth.session.commit()
    client.post(
        f"/admin/invitations/{invitation.id}/revoke", data={"csrf_token": auth.csrf_token()}
    )
    soup = BeautifulSoup(client.get("/admin/users").get_data(as_text=True), "html.parser")
    alert = soup.select_one("main .flashes [role=alert]")
    assert alert is not None
    assert "révoquée" in alert.get_text()


def test_password_rules_are_shown_before_any_error(auth, client):
    auth.login_as(Role.VOLUNTEER)
    soup = BeautifulSoup(client.get("/auth/password").get_data(as_text=True), "html.parser")
    field = soup.select_one("#new")
    assert field["aria-describedby"] == "new-hint"
    assert "Au moins 10 caractères" in soup.select_one("#new-hint").get_text()


def test_a_failed_review_without_javascript_keeps_a_reloadable_url(auth, client, app_session):
    auth.login_as(Role.VOLUNTEER)
    suggestion = make_suggestion(app_session)
    app_session.commit()
    url = f"/volunteer/suggestions/{suggestion.id}"
    failed = client.post(url, data={"csrf_token": auth.csrf_token()})
    assert failed.status_code == 422
    soup = BeautifulSoup(failed.get_data(as_text=True), "html.parser")
    english = soup.select_one('.language-switch a[hreflang="en"]')["href"]
    assert english == f"{url}?lang=en"
    landed = client.get(english)
    assert landed.status_code == 200  # the queue, this suggestion first: no 405
    assert f'id="suggestion-{suggestion.id}"' in landed.get_data(as_text=True)
    assert client.get("/volunteer/suggestions/999999").status_code == 404
