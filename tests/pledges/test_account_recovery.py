"""Accounts that can be recovered and managed: reset links, invitations revoked and re-sent,
one live invitation per address, display names, the last admin, and who gets which digest."""

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlmodel import Session, select

from models import AuditEntry, Invitation, PasswordReset, User
from models.db import utc_now
from models.enums import EvidenceState, Role
from pledges import accounts
from pledges import mail as digests
from pledges.errors import AccountError, InvalidInvitation
from tests.factories import make_evidence, make_user

PASSWORD = "un mot de passe long"  # noqa: S105


@pytest.fixture(autouse=True)
def cheap_hasher():
    previous = accounts.use_hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    yield
    accounts.use_hasher(previous)


def _user(session, email="alice@example.org", role=Role.VOLUNTEER):
    return accounts.create_user(
        session, email=email, role=role, password=PASSWORD, display_name="Alice", actor="cli"
    )


# --- Password reset --------------------------------------------------------------------


def test_a_reset_link_works_once_and_ends_every_session(session):
    user = _user(session)
    generation = user.session_generation
    created = accounts.request_password_reset(session, "  Alice@Example.org ")
    assert created is not None
    assert created.user.id == user.id
    stored = session.exec(select(PasswordReset)).one()
    assert stored.token_hash != created.token  # only the hash is kept
    assert created.token not in str([e.after for e in session.exec(select(AuditEntry))])

    accounts.reset_password(session, created.token, password="un tout nouveau secret")
    assert accounts.authenticate(session, user.email, "un tout nouveau secret") is not None
    assert accounts.authenticate(session, user.email, PASSWORD) is None
    assert user.session_generation == generation + 1
    with pytest.raises(AccountError) as again:
        accounts.reset_password(session, created.token, password="encore un autre secret")
    assert again.value.code == "invalid_reset"
    assert accounts.get_password_reset(session, created.token) is None


def test_a_reset_link_expires(session):
    user = _user(session)
    now = utc_now()
    created = accounts.create_password_reset(session, user, actor="test", now=now)
    assert accounts.get_password_reset(session, created.token, now=now) is not None
    later = now + accounts.RESET_TTL + timedelta(seconds=1)
    assert accounts.get_password_reset(session, created.token, now=later) is None
    with pytest.raises(AccountError):
        accounts.reset_password(
            session, created.token, password="un tout nouveau secret", now=later
        )


def test_a_new_reset_link_voids_the_older_one_and_the_rules_apply(session):
    user = _user(session)
    first = accounts.create_password_reset(session, user, actor="test")
    second = accounts.create_password_reset(session, user, actor="test")
    assert accounts.get_password_reset(session, first.token) is None
    with pytest.raises(AccountError) as weak:
        accounts.reset_password(session, second.token, password="court")
    assert weak.value.code == "weak_password"
    assert accounts.get_password_reset(session, second.token) is not None  # not used up


def test_no_reset_for_unknown_or_disabled_accounts(session):
    assert accounts.request_password_reset(session, "nobody@example.org") is None
    user = _user(session)
    created = accounts.create_password_reset(session, user, actor="test")
    accounts.disable_user(session, user, actor="test")
    assert accounts.request_password_reset(session, user.email) is None
    assert accounts.get_password_reset(session, created.token) is None  # disabled: dead link


# --- Invitations ----------------------------------------------------------------------


def test_one_live_invitation_per_address_the_new_one_replaces(session):
    first = accounts.create_invitation(
        session, email="camille@example.org", role="volunteer", actor="t"
    )
    second = accounts.create_invitation(
        session, email="Camille@example.org", role="editor", actor="t"
    )
    assert accounts.get_invitation(session, first.token) is None
    assert accounts.get_invitation(session, second.token) is not None
    open_ones = accounts.list_open_invitations(session)
    assert [(i.email, i.role) for i in open_ones] == [("camille@example.org", Role.EDITOR)]
    assert first.invitation.revoked_at is not None
    with pytest.raises(InvalidInvitation):
        accounts.accept_invitation(session, first.token, display_name="C", password=PASSWORD)


def test_a_revoked_invitation_cannot_be_accepted(session):
    created = accounts.create_invitation(
        session, email="dom@example.org", role="volunteer", actor="t"
    )
    accounts.revoke_invitation(session, created.invitation, actor="t")
    assert accounts.get_invitation(session, created.token) is None
    assert accounts.list_open_invitations(session) == []
    with pytest.raises(InvalidInvitation):
        accounts.accept_invitation(session, created.token, display_name="Dom", password=PASSWORD)
    with pytest.raises(InvalidInvitation) as twice:
        accounts.revoke_invitation(session, created.invitation, actor="t")
    assert twice.value.code == "invitation_closed"
    actions = [e.action for e in session.exec(select(AuditEntry))]
    assert "invitation.revoke" in actions


def test_resending_makes_a_new_token_and_the_old_one_dies(session):
    now = utc_now()
    old = accounts.create_invitation(
        session, email="eve@example.org", role="editor", actor="t", now=now - timedelta(days=8)
    )
    assert accounts.get_invitation(session, old.token) is None  # expired
    new = accounts.resend_invitation(session, old.invitation, actor="t", now=now)
    assert new.token != old.token
    assert new.invitation.role == Role.EDITOR
    assert new.invitation.email == "eve@example.org"
    user = accounts.accept_invitation(
        session, new.token, display_name="Eve", password=PASSWORD, language="en"
    )
    assert user.language == "en"
    with pytest.raises(InvalidInvitation):
        accounts.resend_invitation(session, new.invitation, actor="t")  # used


def test_accepting_remembers_the_language_or_falls_back_to_french(session):
    created = accounts.create_invitation(
        session, email="f@example.org", role="volunteer", actor="t"
    )
    user = accounts.accept_invitation(
        session, created.token, display_name="F", password=PASSWORD, language="xx"
    )
    assert user.language == "fr"


# --- One's account, roles ---------------------------------------------------------------


def test_update_account_changes_the_display_name_and_language(session):
    user = _user(session)
    accounts.update_account(session, user, display_name="  Alice M.  ", language="en", actor=user)
    assert (user.display_name, user.language) == ("Alice M.", "en")
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "user.update")).one()
    assert entry.before["display_name"] == "Alice"
    assert entry.after["display_name"] == "Alice M."
    for name, language, code in (
        ("   ", "fr", "display_name_required"),
        ("x" * 121, "fr", "display_name_too_long"),
        ("Alice", "de", "invalid_language"),
    ):
        with pytest.raises(AccountError) as refused:
            accounts.update_account(session, user, display_name=name, language=language, actor=user)
        assert refused.value.code == code


def test_the_last_active_admin_keeps_the_role_and_the_access(session):
    admin = _user(session, "admin@example.org", Role.ADMIN)
    with pytest.raises(AccountError) as demoted:
        accounts.set_user_role(session, admin, role=Role.EDITOR, actor=admin)
    assert demoted.value.code == "last_admin"
    with pytest.raises(AccountError):
        accounts.set_user_active(session, admin, active=False, actor="cli")
    other = _user(session, "other@example.org", Role.ADMIN)
    accounts.set_user_role(session, admin, role=Role.EDITOR, actor=admin)
    assert admin.role == Role.EDITOR
    with pytest.raises(AccountError):
        accounts.set_user_role(session, other, role=Role.VOLUNTEER, actor=other)


# --- Digests: who gets what --------------------------------------------------------------


def test_digests_tell_volunteers_their_reviews_and_editors_the_queue(session):
    now = utc_now()
    volunteer = make_user(session, Role.VOLUNTEER)
    editor = make_user(session, Role.EDITOR)
    published = make_evidence(
        session,
        submitted_by_id=volunteer.id,
        state=EvidenceState.PUBLISHED,
        reviewed_at=now - timedelta(hours=2),
    )
    rejected = make_evidence(
        session,
        submitted_by_id=volunteer.id,
        state=EvidenceState.REJECTED,
        rejection_reason="Hors sujet",
        reviewed_at=now - timedelta(hours=1),
    )
    make_evidence(  # reviewed long before: already told
        session,
        submitted_by_id=volunteer.id,
        state=EvidenceState.PUBLISHED,
        reviewed_at=now - timedelta(days=3),
    )
    make_evidence(session, state=EvidenceState.SUBMITTED)
    start = now - timedelta(hours=12)
    due = list(digests.due_recipients(session, day_start=start))
    assert {u.id for u in due} == {volunteer.id, editor.id}

    told = digests.build_digest(session, volunteer, now=now)
    assert [i.evidence.id for i in told.reviewed] == [published.id, rejected.id]
    assert told.waiting_count == 0
    queue = digests.build_digest(session, editor, now=now)
    assert queue.reviewed == []
    assert queue.waiting_count == 1
    assert len(queue.waiting) == 1

    assert digests.claim_digest(session, volunteer, day_start=start, now=now)
    assert volunteer.id not in {u.id for u in digests.due_recipients(session, day_start=start)}
    assert digests.build_digest(session, volunteer, now=now + timedelta(days=1)).empty


def test_two_senders_never_both_claim_a_persons_digest(engine, session):
    """Pollers on two machines run the day's round together: one of them mails each person."""
    now = utc_now()
    start = now - timedelta(hours=12)
    volunteer = make_user(session, Role.VOLUNTEER)
    session.commit()
    with Session(engine, expire_on_commit=False) as other:
        theirs = other.get(User, volunteer.id)
        assert theirs is not None
        # Both read the person as due before either claims.
        assert [u.id for u in digests.due_recipients(other, day_start=start)] == [volunteer.id]
        assert [u.id for u in digests.due_recipients(session, day_start=start)] == [volunteer.id]
        assert digests.claim_digest(other, theirs, day_start=start, now=now)
        other.commit()
        assert not digests.claim_digest(session, volunteer, day_start=start, now=now)
        session.commit()
    assert volunteer.last_digest_at is None  # our copy: we did not win it
    session.expire_all()
    assert session.get(User, volunteer.id).last_digest_at == now


def test_a_released_digest_is_due_again(session):
    now = utc_now()
    start = now - timedelta(hours=12)
    volunteer = make_user(session, Role.VOLUNTEER)
    earlier = now - timedelta(days=2)
    volunteer.last_digest_at = earlier
    session.commit()
    assert digests.claim_digest(session, volunteer, day_start=start, now=now)
    assert volunteer.last_digest_at == now
    digests.release_digest(session, volunteer, previous=earlier, claimed_at=now)
    session.commit()
    session.expire_all()
    assert session.get(User, volunteer.id).last_digest_at == earlier
    assert [u.id for u in digests.due_recipients(session, day_start=start)] == [volunteer.id]


def test_unsubscribed_and_disabled_people_get_no_digest(session):
    start = utc_now()
    out = make_user(session, Role.EDITOR)
    accounts.set_digest_opt_out(session, out, True, actor=out)
    make_user(session, Role.EDITOR, active=False)
    assert list(digests.due_recipients(session, day_start=start)) == []
    assert session.exec(select(Invitation)).all() == []
