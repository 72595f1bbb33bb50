"""Themes (named in French and English) and the old slugs that still lead somewhere."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from models.db import UTCDateTime, utc_now


class Theme(SQLModel, table=True):
    """A theme: `pledge.theme` holds its slug; the names keep their accents."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True, index=True)
    name_fr: str = Field(max_length=200)
    name_en: str = Field(default="", max_length=200)  # empty: the French name is shown
    created_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False)
    )


class SlugRedirect(SQLModel, table=True):
    """An old slug of an election, a candidate or a theme: it answers 301 forever.

    `scope_id` is the election's id for a candidate's slug (candidate slugs are
    unique per election) and 0 otherwise, so that the unique key holds on
    every database (NULLs are never equal in a unique index).
    """

    __table_args__ = (UniqueConstraint("kind", "scope_id", "old_slug"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)  # "election" | "candidate" | "theme"
    scope_id: int = Field(default=0)
    old_slug: str = Field(max_length=160)
    target_id: int
    created_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False)
    )
