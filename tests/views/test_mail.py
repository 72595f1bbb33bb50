"""Mail against a real SMTP server on 127.0.0.1 (aiosmtpd): invitations, password resets and
daily digests, each to the right person, in their language, with absolute links to SITE_URL,
plain text and HTML, one-click unsubscribe; and nothing at all when MAIL_URL is unset."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from models import User
from models.db import utc_now
from models.enums import EvidenceState, Role
from pledges import accounts
from tests.factories import make_evidence, make_pledge
from tests.smtp_server import smtp_server
from tests.views.conftest import token_from
from views.mail import parse_mail_url

SITE = "http://pledges.example"
HREF = re.compile(r'href="([^"]+)"')


@pytest.fixture
def smtp():
    with smtp_server() as pair:
        yield pair


@pytest.fixture
def mailbox(smtp):
    return smtp[0]


@pytest.fixture
def app_overrides(smtp):
    return {"MAIL_URL": smtp[1], "MAIL_FROM": "Suivi <noreply@pledges.example>", "SITE_URL": SITE}


def _links(received) -> tuple[list[str], list[str]]:
    """Every URL of the plain part and every href of the HTML part."""
    text = received.part("plain")
    html = received.part("html")
    return re.findall(r"https?://\S+", text), HREF.findall(html)


def _assert_clean(received) -> None:
    """Absolute links to SITE_URL only, no remote image or pixel, both parts present."""
    text_links, html_links = _links(received)
    assert text_links
    assert html_links
    for link in text_links + html_links:
        assert link.startswith(SITE + "/"), link
    html = received.part("html")
    assert "<img" not in html
    assert "utm_" not in html
    assert "utm_" not in received.part("plain")
    assert received.message["From"] == "Suivi <noreply@pledges.example>"


def test_mail_url_forms():
    plain = parse_mail_url("smtp://mailer:p%40ss@mail.example:587?starttls=1")
    assert plain["MAIL_SERVER"] == "mail.example"
    assert plain["MAIL_PORT"] == 587
    assert plain["MAIL_USERNAME"] == "mailer"
    assert plain["MAIL_PASSWORD"] == "p@ss"
    assert plain["MAIL_USE_TLS"]
    assert not plain["MAIL_USE_SSL"]
    tls = parse_mail_url("smtps://mail.example")
    assert tls["MAIL_USE_SSL"]
    assert tls["MAIL_PORT"] == 465
    assert not tls["MAIL_USE_TLS"]
    assert parse_mail_url("smtp://mail.example?ssl=1")["MAIL_USE_SSL"]
    assert parse_mail_url("smtp://mail.example")["MAIL_PORT"] == 25
    for bad in ("http://mail.example", "smtp://", "smtps://h?starttls=1"):
        with pytest.raises(ValueError, match="MAIL_URL"):
            parse_mail_url(bad)


def test_an_invitation_is_mailed_in_the_page_language(auth, client, app, mailbox):
    auth.login_as(Role.ADMIN, display_name="Admin Test")
    response = client.post(
        "/admin/invitations?lang=en",
        data={"email": "Camille@Example.org", "role": "editor", "csrf_token": auth.csrf_token()},
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Invitation emailed to camille@example.org." in page
    assert "invitation-anchor" not in page  # mailed: the secret link is not shown
    [received] = mailbox.messages
    assert received.recipients == ["camille@example.org"]
    assert received.message["Subject"] == "Invitation to join the pledge tracker's team"
    assert "Admin Test invites you" in received.part("plain")
    _assert_clean(received)
    link = next(u for u in _links(received)[0] if "/auth/invitation/" in u)
    assert link.endswith("?lang=en")
    invitee = app.test_client()
    assert invitee.get(link.removeprefix(SITE)).status_code == 200


def test_forgotten_password_one_neutral_answer_and_one_mail(auth, app, mailbox, app_session):
    user = auth.create(Role.VOLUNTEER, email="lea@example.org")
    accounts.update_account(
        app_session, app_session.merge(user), display_name="Léa", language="en", actor="test"
    )
    app_session.commit()
    answers = []
    for email in ("LEA@example.org", "nobody@example.org"):
        visitor = app.test_client()
        token = token_from(visitor.get("/auth/forgot").get_data(as_text=True))
        response = visitor.post("/auth/forgot", data={"email": email, "csrf_token": token})
        assert response.status_code == 302
        answers.append(visitor.get(response.headers["Location"]).get_data(as_text=True))
    neutral = "Si un compte actif correspond à cette adresse"
    assert all(neutral in a for a in answers)
    assert [m.recipients for m in mailbox.messages] == [["lea@example.org"]]
    [received] = mailbox.messages
    assert received.message["Subject"] == "Reset your password"  # the account's language
    _assert_clean(received)
    link = next(u for u in _links(received)[0] if "/auth/reset/" in u)

    visitor = app.test_client()
    page = visitor.get(link.removeprefix(SITE))
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    html = page.get_data(as_text=True)
    assert 'aria-describedby="password-hint"' in html  # the rule, before any error
    done = visitor.post(
        link.removeprefix(SITE),
        data={
            "password": "a new long secret",
            "confirm": "a new long secret",
            "csrf_token": token_from(html),
        },
    )
    assert done.status_code == 302
    assert done.headers["Location"].startswith("/auth/login")
    assert auth.login("lea@example.org", "a new long secret").status_code == 302
    assert visitor.get(link.removeprefix(SITE)).status_code == 404  # used: dead


def test_forgotten_password_requests_are_limited(app, client, mailbox):
    app.config["RESET_LIMIT"] = "2 per minute"
    token = token_from(client.get("/auth/forgot").get_data(as_text=True))
    statuses = [
        client.post(
            "/auth/forgot", data={"email": "x@example.org", "csrf_token": token}
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [302, 302, 429]


def test_an_admin_reset_link_is_mailed_to_the_person(auth, client, mailbox, app_session):
    auth.login_as(Role.ADMIN)
    user = auth.create(Role.EDITOR, email="ed@example.org")
    response = client.post(f"/admin/users/{user.id}/reset", data={"csrf_token": auth.csrf_token()})
    assert response.status_code == 302
    [received] = mailbox.messages
    assert received.recipients == ["ed@example.org"]
    assert received.message["Subject"] == "Réinitialiser votre mot de passe"  # French by default
    text = received.part("plain")
    assert "Un administrateur du site a créé un lien" in text  # not "someone (probably you)"
    assert "expire dans 24 heures" in text  # an admin's link lasts a day
    _assert_clean(received)


def _digest_data(app_session):
    now = utc_now()
    volunteer = User(
        email="vol@example.org", display_name="Val", role=Role.VOLUNTEER, language="en"
    )
    editor = User(email="ed@example.org", display_name="Édith", role=Role.EDITOR)
    quiet = User(email="quiet@example.org", display_name="Q", role=Role.VOLUNTEER)
    app_session.add_all([volunteer, editor, quiet])
    app_session.flush()
    pledge = make_pledge(app_session, title="Plus de vidéosurveillance")
    make_evidence(
        app_session,
        pledge,
        submitted_by_id=volunteer.id,
        state=EvidenceState.PUBLISHED,
        outlet="La Gazette",
        reviewed_at=now - timedelta(minutes=30),
    )
    make_evidence(
        app_session,
        pledge,
        submitted_by_id=volunteer.id,
        state=EvidenceState.REJECTED,
        outlet="Le Blog",
        rejection_reason="Source anonyme",
        reviewed_at=now - timedelta(minutes=20),
    )
    make_evidence(app_session, pledge, state=EvidenceState.SUBMITTED, outlet="En attente")
    app_session.commit()
    return volunteer, editor, pledge


def test_daily_digests_once_a_day_each_in_its_language(app, runner, mailbox, app_session):
    volunteer, editor, pledge = _digest_data(app_session)
    result = runner.invoke(args=["mail", "send-digests"])
    assert result.exit_code == 0, result.output
    assert "2 récapitulatifs envoyés" in result.output
    assert sorted(r for m in mailbox.messages for r in m.recipients) == [
        "ed@example.org",
        "vol@example.org",
    ]
    [to_volunteer] = mailbox.to("vol@example.org")
    assert to_volunteer.message["Subject"] == "Your daily digest"
    text = to_volunteer.part("plain")
    assert "Published: Plus de vidéosurveillance — La Gazette" in text
    assert "Rejected: Plus de vidéosurveillance — Le Blog" in text
    assert "Reason: Source anonyme" in text
    assert f"{SITE}/pledges/{pledge.id}?lang=en" in text
    _assert_clean(to_volunteer)
    unsubscribe = str(to_volunteer.message["List-Unsubscribe"]).strip()  # may be folded
    assert unsubscribe.startswith(f"<{SITE}/auth/unsubscribe/")
    assert unsubscribe.endswith(">")
    assert to_volunteer.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe[1:-1] in to_volunteer.part("html")  # a link in the body too

    [to_editor] = mailbox.to("ed@example.org")
    assert to_editor.message["Subject"] == "Votre résumé du jour"
    assert "Propositions en attente de relecture : 1" in to_editor.part("plain")
    assert f"{SITE}/admin/moderation" in to_editor.part("plain")
    _assert_clean(to_editor)

    again = runner.invoke(args=["mail", "send-digests"])
    assert "0 récapitulatifs envoyés" in again.output  # once a day
    assert len(mailbox.messages) == 2

    # One click from the mail client: a POST with no session and no CSRF token.
    path = unsubscribe[1:-1].removeprefix(SITE)
    mail_client = app.test_client()
    confirm = mail_client.get(path)
    assert confirm.status_code == 200
    assert "Unsubscribe me" in confirm.get_data(as_text=True)
    assert "Set-Cookie" not in confirm.headers
    done = mail_client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 302
    app_session.expire_all()
    assert app_session.get(User, volunteer.id).digest_opt_out is True
    assert "You will no longer receive" in mail_client.get(path).get_data(as_text=True)
    assert mail_client.post("/auth/unsubscribe/forged-token").status_code == 404


def test_nothing_is_sent_without_mail_url(auth, client, app, runner, mailbox, app_session):
    app.config["MAIL_URL"] = ""
    _digest_data(app_session)
    auth.login_as(Role.ADMIN)
    response = client.post(
        "/admin/invitations",
        data={"email": "x@example.org", "role": "volunteer", "csrf_token": auth.csrf_token()},
        follow_redirects=True,
    )
    assert "invitation-anchor" in response.get_data(as_text=True)  # shown to hand over
    visitor = app.test_client()
    page = visitor.get("/auth/forgot").get_data(as_text=True)
    assert "Ce site n'envoie pas de courriels" in page
    assert "<form" not in page.split("<main")[1]
    result = runner.invoke(args=["mail", "send-digests"])
    assert "MAIL_URL n'est pas défini" in result.output
    assert mailbox.messages == []
    assert all(u.last_digest_at is None for u in app_session.exec(select(User)))


def test_the_poller_sends_the_digests_once_a_day_from_seven(app, mailbox, app_session):
    from datetime import UTC, datetime

    from views.cli.mail import DailyDigests

    _digest_data(app_session)
    slept: list[float] = []
    clock = [datetime(2026, 12, 2, 5, 0, tzinfo=UTC)]  # 06:00 in Paris: too early
    hook = DailyDigests(app, sleep=slept.append, clock=lambda: clock[0])
    hook(1.0)
    assert mailbox.messages == []
    clock[0] = datetime(2026, 12, 2, 6, 30, tzinfo=UTC)  # 07:30 in Paris
    hook(2.0)
    hook(3.0)  # the same day: not again
    assert len(mailbox.messages) == 2
    assert slept == [1.0, 2.0, 3.0]  # the poller's own sleep still happens


def test_one_refused_address_never_blocks_the_digests_of_the_others(
    app, runner, mailbox, app_session
):
    volunteer, editor, pledge = _digest_data(app_session)
    mailbox.refused.add(volunteer.email)  # a dead address, listed before the editor
    result = runner.invoke(args=["mail", "send-digests"])
    assert result.exit_code == 0, result.output
    assert [r for m in mailbox.messages for r in m.recipients] == [editor.email]
    app_session.expire_all()
    assert app_session.get(User, volunteer.id).last_digest_at is not None  # not retried forever


def test_a_person_another_poller_claimed_is_not_mailed_again(app, mailbox, app_session):
    """Two machines' pollers run the day's round together: each person gets one digest."""
    from pledges import mail as digests
    from views.cli.mail import run_digests
    from views.mail import day_start

    volunteer, editor, _pledge = _digest_data(app_session)
    now = utc_now()
    with app.test_request_context("/"):
        start = day_start(now)
    # The other machine's poller has just taken the volunteer's digest.
    assert digests.claim_digest(app_session, volunteer, day_start=start, now=now)
    app_session.commit()
    sent, checked = run_digests(app)
    assert (sent, checked) == (1, 2)
    assert [r for m in mailbox.messages for r in m.recipients] == [editor.email]


def test_an_unreachable_server_leaves_everyone_due(app, app_session, monkeypatch):
    from views import mail as mail_views
    from views.cli.mail import run_digests

    _digest_data(app_session)

    def unreachable(digest):
        raise ConnectionRefusedError("no SMTP server")

    monkeypatch.setattr(mail_views, "send_digest", unreachable)
    with pytest.raises(ConnectionRefusedError):
        run_digests(app)
    app_session.expire_all()
    # The person whose mail failed was given back; those after were never claimed.
    assert all(u.last_digest_at is None for u in app_session.exec(select(User)))
