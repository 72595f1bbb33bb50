"""Elections and the candidates (lists) that stood in them."""

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import UniqueConstraint
from sqlmodel import Column, Field, Relationship, SQLModel

from models.db import UTCDateTime, utc_now

if TYPE_CHECKING:
    from models.pledges import Pledge


class Election(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=120, unique=True, index=True)
    name: str = Field(max_length=300)
    territory: str = Field(max_length=300)
    date: date
    is_demo: bool = Field(default=False)
    # Archived: gone from public pages, lists, widget, API and feeds (410), restorable.
    archived_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    created_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False)
    )

    candidates: list["Candidate"] = Relationship(
        back_populates="election", sa_relationship_kwargs={"order_by": "Candidate.name"}
    )


class Candidate(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("election_id", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    election_id: int = Field(foreign_key="election.id", index=True)
    slug: str = Field(max_length=120)
    name: str = Field(max_length=300)
    list_name: str = Field(default="", max_length=300)
    elected: bool = Field(default=False)
    office: str = Field(default="", max_length=300)
    version: int = Field(default=1)
    archived_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))

    election: "Election" = Relationship(back_populates="candidates")
    pledges: list["Pledge"] = Relationship(back_populates="candidate")
