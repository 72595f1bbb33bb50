"""Accounts: users, argon2 passwords, one-time invitations, roles and the public-names setting.

No Flask here: views and the CLI pass the session, the actor and the time in,
and own the transaction. Secrets never reach the audit log (no hash, no token).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Select, bindparam, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from models import Invitation, PasswordReset, SiteSetting, StatusChange, User
from models.db import table_of, utc_now
from models.enums import Role
from pledges.audit import Actor, AuditAction, log_change
from pledges.errors import (
    AccountError,
    EmailTaken,
    InvalidEmail,
    InvalidInvitation,
    WeakPassword,
    WrongPassword,
)
from pledges.records import RulingRecord

# argon2id with the library's defaults (about 100 ms a hash here). Tests swap in a
# cheaper hasher through `use_hasher`; production never does.
HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024  # argon2 accepts any length; bound the work per request
INVITATION_TTL = timedelta(days=7)
# A reset link asked for by mail lasts an hour; one an admin hands over, a day.
RESET_TTL = timedelta(hours=1)
ADMIN_RESET_TTL = timedelta(days=1)
LANGUAGES = ("fr", "en")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PUBLIC_EDITOR_NAMES = "public_editor_names"


def use_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Swap the password hasher (tests use cheap parameters); returns the previous one."""
    global HASHER
    previous, HASHER = HASHER, hasher
    return previous


def normalise_email(email: str) -> str:
    """Emails are stored and compared trimmed and lower-cased."""
    return (email or "").strip().lower()


def check_email(email: str) -> str:
    email = normalise_email(email)
    if len(email) > 320 or not EMAIL_RE.match(email):
        raise InvalidEmail("Not a valid email address.", code="invalid_email", field="email")
    return email


def check_password(password: str) -> None:
    """The password rule: at least MIN_PASSWORD_LENGTH characters, at most MAX_PASSWORD_LENGTH."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise WeakPassword(
            f"A password needs at least {MIN_PASSWORD_LENGTH} characters.", code="weak_password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(
            f"A password has at most {MAX_PASSWORD_LENGTH} characters.", code="password_too_long"
        )


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when `password` matches; a malformed or empty hash never matches."""
    if not password_hash:
        return False
    try:
        return HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


_DUMMY_HASH: dict[int, str] = {}


def _burn_time(password: str) -> None:
    """Spend one verification on an unknown account, so timing does not reveal it."""
    key = id(HASHER)
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = HASHER.hash(secrets.token_hex(16))
    verify_password(_DUMMY_HASH[key], password)


def session_token(user: User) -> str:
    """A short fingerprint of the password hash and session generation, kept in the session.

    Changing the password, the role or the access, logging out, or ending one's
    other sessions changes it (end_sessions), which voids every cookie issued
    before: even a copied cookie stops working, and re-enabling an account does
    not revive its old sessions.
    """
    material = f"{user.id}:{user.password_hash}:{user.session_generation}"
    return hashlib.sha256(material.encode()).hexdigest()[:20]


def end_sessions(session: Session, user: User) -> None:
    """Void every login session of `user` (the caller may start a new one)."""
    user.session_generation = (user.session_generation or 0) + 1
    session.add(user)
    session.flush()


# --- Reads ---------------------------------------------------------------------------


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normalise_email(email))).first()


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.email))))


def list_open_invitations(session: Session, *, now: datetime | None = None) -> list[Invitation]:
    now = now or utc_now()
    return list(
        session.exec(
            select(Invitation)
            .where(
                col(Invitation.used_at).is_(None),
                col(Invitation.revoked_at).is_(None),
                col(Invitation.expires_at) > now,
            )
            .order_by(col(Invitation.created_at).desc())
            .limit(500)
        )
    )


def get_open_invitation(
    session: Session, invitation_id: int, *, now: datetime | None = None
) -> Invitation | None:
    """The invitation with this id if it can still be used (not used, revoked or expired)."""
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or not _is_live(invitation, now or utc_now()):
        return None
    return invitation


def _is_live(invitation: Invitation, now: datetime) -> bool:
    return (
        invitation.used_at is None and invitation.revoked_at is None and invitation.expires_at > now
    )


# --- Writes --------------------------------------------------------------------------


def create_user(
    session: Session,
    *,
    email: str,
    role: Role | str,
    password: str,
    display_name: str = "",
    actor: Actor,
    now: datetime | None = None,
) -> User:
    """Create an active account; the email must be new and the password long enough."""
    email = check_email(email)
    check_password(password)
    if get_user_by_email(session, email) is not None:
        raise EmailTaken(
            "An account with this email already exists.", code="email_taken", field="email"
        )
    user = User(
        email=email,
        display_name=display_name.strip()[:120],
        password_hash=hash_password(password),
        role=Role(role),
        active=True,
        created_at=now or utc_now(),
    )
    session.add(user)
    session.flush()
    _log_user_change(session, user, AuditAction.USER_CREATE, actor=actor, now=now)
    return user


def authenticate(
    session: Session, email: str, password: str, *, now: datetime | None = None
) -> User | None:
    """The active user with this email and password, or None (whatever the reason).

    An unknown email costs the same argon2 verification as a known one. A hash
    made with older parameters is upgraded on success.
    """
    user = get_user_by_email(session, email)
    if user is None or not user.active or not user.password_hash:
        _burn_time(password or "")
        return None
    if not verify_password(user.password_hash, password or ""):
        return None
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now or utc_now()
    session.add(user)
    session.flush()
    return user


def _replace_password(
    session: Session,
    user: User,
    password: str,
    action: AuditAction,
    *,
    actor: Actor,
    now: datetime | None,
) -> None:
    """Store the new (already checked) password, end every session, log it."""
    user.password_hash = hash_password(password)
    end_sessions(session, user)
    log_change(session, actor=actor, action=action, object_type="user", object_id=user.id, now=now)
    session.flush()


def change_password(
    session: Session,
    user: User,
    *,
    current: str,
    new: str,
    actor: Actor,
    now: datetime | None = None,
) -> None:
    """Replace the password after checking the current one (other sessions end)."""
    if not verify_password(user.password_hash, current or ""):
        raise WrongPassword(
            "The current password is wrong.", code="wrong_password", field="current"
        )
    check_password(new)
    _replace_password(session, user, new, AuditAction.USER_CHANGE_PASSWORD, actor=actor, now=now)


def set_user_active(
    session: Session, user: User, *, active: bool, actor: Actor, now: datetime | None = None
) -> None:
    """Disable (or re-enable) an account; a disabled account cannot log in or stay logged in."""
    if user.active == active:
        return
    if not active:
        _refuse_last_admin(session, user)
    before = _user_snapshot(user)
    user.active = active
    end_sessions(session, user)
    _log_user_change(
        session,
        user,
        AuditAction.USER_ENABLE if active else AuditAction.USER_DISABLE,
        actor=actor,
        now=now,
        before=before,
    )


def disable_user(
    session: Session, user: User, *, actor: Actor, now: datetime | None = None
) -> None:
    set_user_active(session, user, active=False, actor=actor, now=now)


def _is_last_admin(session: Session, user: User) -> bool:
    """True when `user` is the only active admin (taking that away would lock everyone out)."""
    if user.role != Role.ADMIN or not user.active:
        return False
    others = session.exec(
        select(User.id).where(
            col(User.role) == Role.ADMIN, col(User.active).is_(True), col(User.id) != user.id
        )
    ).first()
    return others is None


def _refuse_last_admin(session: Session, user: User) -> None:
    if _is_last_admin(session, user):
        raise AccountError(
            "The site needs at least one active admin.", code="last_admin", field="role"
        )


def set_user_role(
    session: Session, user: User, *, role: Role | str, actor: Actor, now: datetime | None = None
) -> None:
    """Change a role; never the last active admin's (someone must keep managing accounts)."""
    role = Role(role)
    if user.role == role:
        return
    _refuse_last_admin(session, user)
    before = _user_snapshot(user)
    user.role = role
    end_sessions(session, user)
    _log_user_change(session, user, AuditAction.USER_ROLE, actor=actor, now=now, before=before)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewInvitation:
    invitation: Invitation
    token: str  # goes in the link only; the database keeps its sha256


def create_invitation(
    session: Session,
    *,
    email: str,
    role: Role | str,
    actor: Actor,
    now: datetime | None = None,
    ttl: timedelta = INVITATION_TTL,
) -> NewInvitation:
    """A one-time invitation that expires after `ttl`; only the token's sha256 is stored."""
    now = now or utc_now()
    email = check_email(email)
    if get_user_by_email(session, email) is not None:
        raise EmailTaken(
            "An account with this email already exists.", code="email_taken", field="email"
        )
    # One live invitation per address: a new one replaces the older ones (their
    # links stop working), so a re-sent or corrected invitation never leaves two.
    for older in session.exec(
        select(Invitation).where(
            Invitation.email == email,
            col(Invitation.used_at).is_(None),
            col(Invitation.revoked_at).is_(None),
            col(Invitation.expires_at) > now,
        )
    ):
        _revoke(session, older, actor=actor, now=now, replaced=True)
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        token_hash=_token_hash(token),
        email=email,
        role=Role(role),
        invited_by_id=actor.id if isinstance(actor, User) else None,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(invitation)
    session.flush()
    log_change(
        session,
        actor=actor,
        action=AuditAction.INVITATION_CREATE,
        object_type="invitation",
        object_id=invitation.id,
        after={
            "email": email,
            "role": invitation.role.value,
            "expires_at": (now + ttl).isoformat(),
        },
        now=now,
    )
    session.flush()
    return NewInvitation(invitation, token)


def get_invitation(
    session: Session, token: str, *, now: datetime | None = None
) -> Invitation | None:
    """The invitation behind `token` if it is unused and not expired, else None."""
    now = now or utc_now()
    if not token or len(token) > 200:
        return None
    invitation = session.exec(
        select(Invitation).where(Invitation.token_hash == _token_hash(token))
    ).first()
    if invitation is None or not _is_live(invitation, now):
        return None
    return invitation


def _revoke(
    session: Session, invitation: Invitation, *, actor: Actor, now: datetime, replaced: bool
) -> None:
    invitation.revoked_at = now
    session.add(invitation)
    log_change(
        session,
        actor=actor,
        action=AuditAction.INVITATION_REVOKE,
        object_type="invitation",
        object_id=invitation.id,
        after={"email": invitation.email, "replaced": replaced},
        now=now,
    )
    session.flush()


def revoke_invitation(
    session: Session, invitation: Invitation, *, actor: Actor, now: datetime | None = None
) -> None:
    """Void an open invitation: its link stops working at once."""
    now = now or utc_now()
    if not _is_live(invitation, now):
        raise InvalidInvitation(
            "This invitation is already used, revoked or expired.", code="invitation_closed"
        )
    _revoke(session, invitation, actor=actor, now=now, replaced=False)


def resend_invitation(
    session: Session, invitation: Invitation, *, actor: Actor, now: datetime | None = None
) -> NewInvitation:
    """A new link (new token, full validity) for the same address and role; the old one dies.

    Works on an expired invitation too (the usual reason to re-send), not on a used one.
    """
    if invitation.used_at is not None:
        raise InvalidInvitation("This invitation is already used.", code="invitation_closed")
    return create_invitation(
        session, email=invitation.email, role=invitation.role, actor=actor, now=now
    )


def accept_invitation(
    session: Session,
    token: str,
    *,
    display_name: str,
    password: str,
    language: str = "fr",
    now: datetime | None = None,
) -> User:
    """Use the invitation once: create the account with the invited email and role.

    `language` is the page's: the account's mail will be in it.
    """
    now = now or utc_now()
    invitation = get_invitation(session, token, now=now)
    if invitation is None:
        raise InvalidInvitation(
            "This invitation link is unknown, expired or already used.", code="invalid_invitation"
        )
    check_password(password)
    if not display_name.strip():
        raise AccountError(
            "A display name is required.", code="display_name_required", field="display_name"
        )
    # Claim it in one conditional UPDATE: of two simultaneous acceptances, one wins.
    claimed = session.exec(
        update(Invitation)
        .where(
            col(Invitation.id) == invitation.id,
            col(Invitation.used_at).is_(None),
            col(Invitation.revoked_at).is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise InvalidInvitation(
            "This invitation link is unknown, expired or already used.", code="invalid_invitation"
        )
    invitation.used_at = now
    if get_user_by_email(session, invitation.email) is not None:
        raise EmailTaken(
            "An account with this email already exists.", code="email_taken", field="email"
        )
    user = User(
        email=invitation.email,
        display_name=display_name.strip()[:120],
        password_hash=hash_password(password),
        role=invitation.role,
        active=True,
        created_at=now,
        language=language if language in LANGUAGES else "fr",
    )
    session.add(user)
    session.flush()
    log_change(
        session,
        actor=user,
        action=AuditAction.INVITATION_ACCEPT,
        object_type="user",
        object_id=user.id,
        after={**_user_snapshot(user), "invitation_id": invitation.id},
        now=now,
    )
    session.flush()
    return user


# --- One's own account --------------------------------------------------------------


def check_display_name(display_name: str) -> str:
    name = (display_name or "").strip()
    if not name:
        raise AccountError(
            "A display name is required.", code="display_name_required", field="display_name"
        )
    if len(name) > 120:
        raise AccountError(
            "A display name has at most 120 characters.",
            code="display_name_too_long",
            field="display_name",
        )
    return name


def update_account(
    session: Session,
    user: User,
    *,
    display_name: str,
    language: str,
    actor: Actor,
    now: datetime | None = None,
) -> None:
    """Change one's display name (shown beside rulings) and mail language."""
    name = check_display_name(display_name)
    if language not in LANGUAGES:
        raise AccountError("Unknown language.", code="invalid_language", field="language")
    if name == user.display_name and language == user.language:
        return
    before = _user_snapshot(user)
    user.display_name = name
    user.language = language
    session.add(user)
    _log_user_change(session, user, AuditAction.USER_UPDATE, actor=actor, now=now, before=before)


def set_digest_opt_out(
    session: Session, user: User, opt_out: bool, *, actor: Actor, now: datetime | None = None
) -> None:
    """Unsubscribe from (or subscribe again to) the daily digests."""
    if user.digest_opt_out == opt_out:
        return
    user.digest_opt_out = opt_out
    session.add(user)
    log_change(
        session,
        actor=actor,
        action=AuditAction.USER_DIGEST,
        object_type="user",
        object_id=user.id,
        after={"digest_opt_out": opt_out},
        now=now,
    )
    session.flush()


# --- Password reset by one-time link -------------------------------------------------


@dataclass(frozen=True)
class NewReset:
    reset: PasswordReset
    user: User
    token: str  # goes in the link only; the database keeps its sha256


def create_password_reset(
    session: Session,
    user: User,
    *,
    actor: Actor,
    now: datetime | None = None,
    ttl: timedelta = RESET_TTL,
) -> NewReset:
    """A one-time reset link for `user`; any older live link of theirs stops working."""
    now = now or utc_now()
    older = session.exec(
        select(PasswordReset).where(
            PasswordReset.user_id == user.id,
            col(PasswordReset.used_at).is_(None),
            col(PasswordReset.expires_at) > now,
        )
    )
    for reset in older:
        reset.expires_at = now
        session.add(reset)
    token = secrets.token_urlsafe(32)
    reset = PasswordReset(
        token_hash=_token_hash(token),
        user_id=user.id,  # type: ignore[arg-type]  # a flushed user has an id
        created_by_id=actor.id if isinstance(actor, User) else None,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(reset)
    session.flush()
    log_change(
        session,
        actor=actor,
        action=AuditAction.USER_RESET_REQUEST,
        object_type="user",
        object_id=user.id,
        after={"expires_at": (now + ttl).isoformat()},
        now=now,
    )
    session.flush()
    return NewReset(reset, user, token)


def request_password_reset(
    session: Session, email: str, *, now: datetime | None = None
) -> NewReset | None:
    """A reset link for the active account with this email, else None.

    The caller must answer the same whatever comes back (no account enumeration).
    """
    user = get_user_by_email(session, email)
    if user is None or not user.active:
        return None
    return create_password_reset(session, user, actor="reset", now=now)


def get_password_reset(
    session: Session, token: str, *, now: datetime | None = None
) -> PasswordReset | None:
    """The live reset behind `token` (unused, unexpired, its account active), else None."""
    now = now or utc_now()
    if not token or len(token) > 200:
        return None
    reset = session.exec(
        select(PasswordReset).where(PasswordReset.token_hash == _token_hash(token))
    ).first()
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        return None
    user = session.get(User, reset.user_id)
    if user is None or not user.active:
        return None
    return reset


def reset_password(
    session: Session, token: str, *, password: str, now: datetime | None = None
) -> User:
    """Use the link once: set the new password and end every session of the account."""
    now = now or utc_now()
    reset = get_password_reset(session, token, now=now)
    if reset is None:
        raise AccountError(
            "This reset link is unknown, expired or already used.", code="invalid_reset"
        )
    check_password(password)
    claimed = session.exec(
        update(PasswordReset)
        .where(col(PasswordReset.id) == reset.id, col(PasswordReset.used_at).is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise AccountError(
            "This reset link is unknown, expired or already used.", code="invalid_reset"
        )
    reset.used_at = now
    user = session.get(User, reset.user_id)
    assert user is not None  # get_password_reset checked it
    _replace_password(session, user, password, AuditAction.USER_RESET_PASSWORD, actor=user, now=now)
    return user


def _user_snapshot(user: User) -> dict:
    return {
        "email": user.email,
        "display_name": user.display_name,
        "role": Role(user.role).value,
        "active": user.active,
    }


def _log_user_change(
    session: Session,
    user: User,
    action: AuditAction,
    *,
    actor: Actor,
    now: datetime | None,
    before: dict | None = None,
) -> None:
    """Audit a change to an account (its state after the change), then flush."""
    log_change(
        session,
        actor=actor,
        action=action,
        object_type="user",
        object_id=user.id,
        before=before,
        after=_user_snapshot(user),
        now=now,
    )
    session.flush()


# --- Site setting: editors' names on public pages ------------------------------------


def show_editor_names(session: Session, *, default: bool = True) -> bool:
    """Whether public pages name the editor behind a ruling (SiteSetting, else `default`).

    Read on every pledge page: a statement built once, its value bound (no ORM object);
    it reads what is flushed (set_show_editor_names' callers commit first).
    """
    value = session.execute(_setting_statement(), {"key": PUBLIC_EDITOR_NAMES}).scalar()
    if value is None:
        return default
    return bool(value == "1")


@cache
def _setting_statement() -> Select[str]:
    settings = table_of(SiteSetting)
    return sa_select(settings.c.value).where(settings.c.key == bindparam("key"))


def set_show_editor_names(
    session: Session, value: bool, *, actor: Actor, now: datetime | None = None
) -> None:
    setting = session.get(SiteSetting, PUBLIC_EDITOR_NAMES)
    before = {"value": setting.value} if setting else None
    if setting is None:
        setting = SiteSetting(key=PUBLIC_EDITOR_NAMES)
    setting.value = "1" if value else "0"
    session.add(setting)
    log_change(
        session,
        actor=actor,
        action=AuditAction.SETTING_UPDATE,
        object_type="sitesetting",
        object_id=None,
        before=before,
        after={"key": PUBLIC_EDITOR_NAMES, "value": setting.value},
        now=now,
    )
    session.flush()


def public_author_name(change: StatusChange | RulingRecord, *, show: bool) -> str | None:
    """The name to print beside a public ruling, or None (setting off, no author, no name).

    `show` comes from show_editor_names(session, default=...), read once per page;
    `change.author` should be eagerly loaded (pledges.scoreboard.get_pledge does).
    """
    if not show or change.author is None:
        return None
    return change.author.display_name or None
