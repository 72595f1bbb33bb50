"""Accounts in Chromium: a forgotten password recovered by mail (French, JavaScript on) and an
invitation revoked by an admin (English, JavaScript off), with axe-core on the new pages."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from models.enums import Role
from pledges import accounts
from tests.browser.test_accessibility import AXE_OPTIONS
from tests.smtp_server import smtp_server

PASSWORD = "mot de passe initial"  # noqa: S105


@pytest.fixture
def smtp():
    with smtp_server() as pair:
        yield pair


@pytest.fixture
def live_overrides(smtp):
    return {"MAIL_URL": smtp[1]}


@pytest.fixture
def people(live_server):
    with live_server.session() as s:
        for email, role, name in (
            ("admin@example.org", Role.ADMIN, "Admin"),
            ("lea@example.org", Role.VOLUNTEER, "Léa"),
        ):
            accounts.create_user(
                s, email=email, role=role, password=PASSWORD, display_name=name, actor="test"
            )


def _no_serious_violation(page) -> None:
    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    serious = [v["id"] for v in violations if v["impact"] in {"serious", "critical"}]
    assert serious == [], page.url


def test_password_reset_by_mail_in_french_with_javascript(
    live_server, people, smtp, new_context, recorder
):
    mailbox = smtp[0]
    page = new_context(locale="fr-FR").new_page()
    page.goto(f"{live_server.url}/auth/login")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    page.wait_for_load_state()
    _no_serious_violation(page)
    page.get_by_label("Adresse e-mail").fill("lea@example.org")
    page.get_by_role("button", name="Recevoir un lien").click()
    page.wait_for_load_state()
    # Post/Redirect/Get: the neutral answer, announced, inside the main column.
    assert page.url.startswith(f"{live_server.url}/auth/login")
    status = page.locator("main .flashes [role=status]")
    assert "Si un compte actif correspond à cette adresse" in status.inner_text()

    [received] = mailbox.messages
    assert received.recipients == ["lea@example.org"]
    link = re.search(r"https?://\S+/auth/reset/\S+", received.part("plain")).group(0)
    assert link.startswith(live_server.url + "/")
    page.goto(link)
    hint = page.locator("#password-hint")
    assert "Au moins 10 caractères" in hint.inner_text()  # before any error
    assert page.get_by_label("Nouveau mot de passe", exact=True).get_attribute(
        "aria-describedby"
    ) == ("password-hint")
    _no_serious_violation(page)
    page.get_by_label("Nouveau mot de passe", exact=True).fill("court")
    page.get_by_label("Confirmer le nouveau mot de passe").fill("court")
    page.get_by_role("button", name="Changer le mot de passe").click()
    page.wait_for_load_state()
    assert "au moins 10 caractères" in page.locator("#password-errors").inner_text()
    page.get_by_label("Nouveau mot de passe", exact=True).fill("un nouveau secret long")
    page.get_by_label("Confirmer le nouveau mot de passe").fill("un nouveau secret long")
    page.get_by_role("button", name="Changer le mot de passe").click()
    page.wait_for_load_state()
    assert "Votre mot de passe a été changé" in page.locator("main [role=status]").inner_text()
    page.get_by_label("Adresse e-mail").fill("lea@example.org")
    page.get_by_label("Mot de passe").fill("un nouveau secret long")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    assert page.url.startswith(f"{live_server.url}/volunteer/")
    # The link served once.
    assert page.goto(link).status == 404
    # The admin's new controls and the account page pass axe-core too.
    admin = new_context(locale="fr-FR").new_page()
    admin.goto(f"{live_server.url}/auth/login")
    admin.get_by_label("Adresse e-mail").fill("admin@example.org")
    admin.get_by_label("Mot de passe").fill(PASSWORD)
    admin.get_by_role("button", name="Se connecter").click()
    admin.wait_for_load_state()
    with live_server.session() as s:
        accounts.create_invitation(s, email="camille@example.org", role="volunteer", actor="t")
    for path in ("/admin/users", "/auth/account"):
        admin.goto(live_server.url + path)
        _no_serious_violation(admin)
    # Chromium logs the deliberate 422 and 404 answers; nothing else (e.g. a CSP refusal).
    assert [e for e in recorder.console_errors if "Failed to load resource" not in e] == []


def test_invitation_revoked_in_english_without_javascript(live_server, people, smtp, new_context):
    live_server.app.config["MAIL_URL"] = ""  # mail off: the link is shown to hand over
    page = new_context(locale="en-US", java_script_enabled=False).new_page()
    page.goto(f"{live_server.url}/auth/login")
    page.get_by_label("Email address").fill("admin@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/admin/users")

    # A failed invitation: 422, and the language switch keeps the page (no 405).
    page.get_by_label("Email address").fill("not an address")
    page.get_by_role("button", name="Create invitation").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Français").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Comptes"
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()

    page.get_by_label("Email address").fill("camille@example.org")
    page.get_by_role("button", name="Create invitation").click()
    page.wait_for_load_state()
    assert page.url.startswith(f"{live_server.url}/admin/users")  # Post/Redirect/Get
    link = page.locator("a.invitation-anchor").inner_text()
    assert link.startswith(f"{live_server.url}/auth/invitation/")
    page.reload()
    assert page.locator("a.invitation-anchor").count() == 0  # shown once

    page.get_by_role("button", name="Revoke the invitation of camille@example.org").click()
    page.wait_for_load_state()
    assert "Invitation revoked" in page.locator("main .flashes [role=status]").inner_text()
    assert (
        page.get_by_role("button", name="Revoke the invitation of camille@example.org").count() == 0
    )
    invitee = new_context(locale="en-US", java_script_enabled=False).new_page()
    response = invitee.goto(link)
    assert response.status == 404
    assert "Invalid invitation" in invitee.locator("h1").inner_text()
