"""Accounts, invitations, the append-only audit log and site settings."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Column, Field, SQLModel

from models.db import UTCDateTime, enum_column, utc_now
from models.enums import Role


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)  # stored lower-cased
    display_name: str = Field(default="", max_length=120)
    password_hash: str = Field(default="", max_length=200)  # argon2
    role: Role = Field(default=Role.VOLUNTEER, sa_column=enum_column(Role))
    active: bool = Field(default=True)
    created_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False)
    )
    last_login_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True)
    )
    # Part of every session's fingerprint: bumped to end all of the user's sessions
    # (logout, password, role or access change, "log out my other sessions").
    session_generation: int = Field(default=0)
    # The language of the mail we send them ("fr" or "en"): set from the page's
    # locale when they accept an invitation or save their account (migration 0008).
    language: str = Field(default="fr", max_length=8)
    # Daily digests: off when they unsubscribed; the last one sent (once a day at most).
    digest_opt_out: bool = Field(default=False)
    last_digest_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True)
    )


class Invitation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=128, unique=True)  # sha256 of the link's token
    email: str = Field(max_length=320)
    role: Role = Field(default=Role.VOLUNTEER, sa_column=enum_column(Role))
    invited_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False)
    )
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    # Revoked by an admin, or replaced by a newer invitation to the same address.
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class PasswordReset(SQLModel, table=True):
    """A one-time, expiring password reset link; like invitations, only the token's sha256."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=128, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")  # an admin, or None
    created_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False)
    )
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class AuditEntry(SQLModel, table=True):
    """One write: who, when, what, before and after. Rows are only ever inserted."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False))
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    actor_label: str = Field(default="", max_length=200)  # "cli", "import", "feeds" when no user
    action: str = Field(max_length=80)
    object_type: str = Field(max_length=40)
    object_id: int | None = None
    pledge_id: int | None = Field(default=None, index=True)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class SiteSetting(SQLModel, table=True):
    key: str = Field(primary_key=True, max_length=80)
    value: str = Field(default="")


class DataVersion(SQLModel, table=True):
    """A single row counting writes to public data (see models.db)."""

    id: int = Field(default=1, primary_key=True)
    counter: int = Field(default=0)
