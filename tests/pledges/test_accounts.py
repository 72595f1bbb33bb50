"""Accounts: argon2 hashes, authentication, one-time expiring invitations, disabling, settings."""

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlmodel import select

from models import AuditEntry, Invitation, StatusChange, User
from models.db import utc_now
from models.enums import Role
from pledges import accounts
from pledges.audit import AuditAction


@pytest.fixture(autouse=True)
def cheap_hasher():
    previous = accounts.use_hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    yield
    accounts.use_hasher(previous)


def _user(session, email="Alice@Example.org", role=Role.EDITOR, password="un mot de passe long"):  # noqa: S107
    return accounts.create_user(
        session, email=email, role=role, password=password, display_name="Alice", actor="cli"
    )


def test_create_user_stores_an_argon2_hash_and_logs_without_secrets(session):
    user = _user(session)
    assert user.email == "alice@example.org"
    assert user.password_hash.startswith("$argon2id$")
    assert "un mot de passe long" not in user.password_hash
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "user.create")).one()
    assert entry.after["email"] == "alice@example.org"
    assert entry.action == AuditAction.USER_CREATE
    assert type(entry.action) is str  # stored and read back as the plain value
    assert "argon2" not in str(entry.after)


def test_duplicate_email_and_weak_password_are_refused(session):
    _user(session)
    with pytest.raises(accounts.EmailTaken) as taken:
        _user(session, email=" ALICE@example.org ")
    with pytest.raises(accounts.WeakPassword) as weak:
        _user(session, email="bob@example.org", password="court")
    with pytest.raises(accounts.InvalidEmail) as invalid:
        _user(session, email="pas-une-adresse")
    with pytest.raises(accounts.WeakPassword) as too_long:
        _user(session, email="bob@example.org", password="x" * (accounts.MAX_PASSWORD_LENGTH + 1))
    assert [e.value.code for e in (taken, weak, invalid, too_long)] == [
        "email_taken",
        "weak_password",
        "invalid_email",
        "password_too_long",
    ]
    assert (taken.value.field, invalid.value.field) == ("email", "email")


def test_authenticate(session):
    user = _user(session)
    assert accounts.authenticate(session, "ALICE@example.org", "un mot de passe long") is user
    assert user.last_login_at is not None
    assert accounts.authenticate(session, "alice@example.org", "mauvais mot de passe") is None
    assert accounts.authenticate(session, "nobody@example.org", "un mot de passe long") is None
    accounts.disable_user(session, user, actor="cli")
    assert accounts.authenticate(session, "alice@example.org", "un mot de passe long") is None


def test_old_hash_parameters_are_upgraded_on_login(session):
    user = _user(session)
    old_hash = user.password_hash
    accounts.use_hasher(PasswordHasher(time_cost=2, memory_cost=16, parallelism=1))
    assert accounts.authenticate(session, user.email, "un mot de passe long") is user
    assert user.password_hash != old_hash
    assert "t=2" in user.password_hash


def test_change_password_checks_the_current_one_and_changes_the_session_token(session):
    user = _user(session)
    token = accounts.session_token(user)
    with pytest.raises(accounts.WrongPassword):
        accounts.change_password(
            session, user, current="faux", new="nouveau mot de passe", actor=user
        )
    accounts.change_password(
        session, user, current="un mot de passe long", new="nouveau mot de passe", actor=user
    )
    assert accounts.session_token(user) != token
    assert accounts.authenticate(session, user.email, "nouveau mot de passe") is user


def test_invitation_stores_only_a_hash_and_works_once(session):
    admin = _user(session, role=Role.ADMIN)
    created = accounts.create_invitation(
        session, email="new@example.org", role=Role.VOLUNTEER, actor=admin
    )
    stored = session.exec(select(Invitation)).one()
    assert created.token not in stored.token_hash
    assert len(stored.token_hash) == 64
    assert accounts.get_invitation(session, created.token) is stored
    user = accounts.accept_invitation(
        session, created.token, display_name="Nouvelle", password="mot de passe solide"
    )
    assert (user.email, user.role, user.display_name) == (
        "new@example.org",
        Role.VOLUNTEER,
        "Nouvelle",
    )
    assert accounts.get_invitation(session, created.token) is None
    with pytest.raises(accounts.InvalidInvitation):
        accounts.accept_invitation(
            session, created.token, display_name="Encore", password="mot de passe solide"
        )
    assert session.exec(select(User).where(User.email == "new@example.org")).one() is user


def test_expired_or_unknown_invitation_is_refused(session):
    admin = _user(session, role=Role.ADMIN)
    past = utc_now() - timedelta(days=8)
    created = accounts.create_invitation(
        session, email="late@example.org", role=Role.EDITOR, actor=admin, now=past
    )
    assert accounts.get_invitation(session, created.token) is None
    with pytest.raises(accounts.InvalidInvitation):
        accounts.accept_invitation(
            session, created.token, display_name="Late", password="mot de passe solide"
        )
    with pytest.raises(accounts.InvalidInvitation):
        accounts.accept_invitation(
            session, "inconnu", display_name="X", password="mot de passe solide"
        )


def test_inviting_an_existing_account_is_refused(session):
    admin = _user(session, role=Role.ADMIN)
    with pytest.raises(accounts.EmailTaken):
        accounts.create_invitation(session, email=admin.email, role=Role.EDITOR, actor=admin)


def test_public_editor_names_setting(session):
    editor = _user(session)
    change = StatusChange(pledge_id=0, to_status="kept", effective_on=utc_now().date())
    change.author = editor
    assert accounts.show_editor_names(session, default=True) is True
    assert accounts.show_editor_names(session, default=False) is False
    show = accounts.show_editor_names(session, default=True)
    assert accounts.public_author_name(change, show=show) == "Alice"
    accounts.set_show_editor_names(session, False, actor=editor)
    show = accounts.show_editor_names(session, default=True)
    assert show is False
    assert accounts.public_author_name(change, show=show) is None
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "setting.update")).one()
    assert entry.after == {"key": "public_editor_names", "value": "0"}


def _fresh_user(session, role=Role.VOLUNTEER):
    return accounts.create_user(
        session,
        email=f"u{len(accounts.list_users(session))}@example.org",
        role=role,
        password="correct horse battery",
        actor="test",
    )


def test_finding_12_access_and_role_changes_void_every_session(session):
    user = _fresh_user(session)
    before = accounts.session_token(user)
    accounts.set_user_active(session, user, active=False, actor="test")
    accounts.set_user_active(session, user, active=True, actor="test")
    after_reenable = accounts.session_token(user)
    assert after_reenable != before  # re-enabling does not revive old sessions
    accounts.set_user_role(session, user, role=Role.EDITOR, actor="test")
    assert accounts.session_token(user) != after_reenable


def test_finding_12_ending_sessions_changes_the_token_and_keeps_the_password(session):
    user = _fresh_user(session)
    before = accounts.session_token(user)
    accounts.end_sessions(session, user)
    assert accounts.session_token(user) != before
    assert accounts.authenticate(session, user.email, "correct horse battery") is user
