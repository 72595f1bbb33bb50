"""A pledge: what a candidate promised, its current status and its matching keywords."""

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Column, Field, Relationship, SQLModel

from models.db import UTCDateTime, enum_column, utc_now
from models.enums import PledgeStatus

if TYPE_CHECKING:
    from models.elections import Candidate
    from models.evidence import Evidence
    from models.status_changes import StatusChange


class Pledge(SQLModel, table=True):
    # election_id duplicates candidate.election_id so that slugs can be unique
    # per election in the database itself and the scoreboard filters without a join.
    # ix_pledge_board covers what every public list tests (pledges.archiving
    # .visible_pledges) and what an election board counts by theme and status
    # (pledges.scoreboard.get_board_totals): those counts read the index alone,
    # never the wide rows (body, rendered HTML). It replaced ix_pledge_visible
    # (archived_at first), which SQLite's planner chose to walk for every list
    # ordered by id and then sorted, where scanning by id stops after a page.
    __table_args__ = (
        UniqueConstraint("election_id", "slug"),
        Index(
            "ix_pledge_board",
            "election_id",
            "theme",
            "status",
            "deadline",
            "archived_at",
            "candidate_id",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    election_id: int = Field(foreign_key="election.id", index=True)
    candidate_id: int = Field(foreign_key="candidate.id", index=True)
    slug: str = Field(max_length=160)
    title: str = Field(max_length=500)
    body: str = Field(default="")  # Markdown, untrusted: render with pledges.text
    # `body` rendered and sanitised at write time (pledges.text keeps it in step),
    # so that a page read does not run Markdown.
    body_html: str = Field(default="")
    theme: str = Field(default="", max_length=80, index=True)
    made_on: date | None = None
    source_url: str = Field(default="", max_length=2000)
    quote: str = Field(default="")
    deadline: date | None = None
    status: PledgeStatus = Field(
        default=PledgeStatus.PENDING, sa_column=enum_column(PledgeStatus, index=True)
    )
    status_since: date | None = None
    keywords_include: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    keywords_exclude: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    # Optimistic locking: edit forms carry it, writes check it.
    version: int = Field(default=1)
    created_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False)
    )
    archived_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))

    candidate: "Candidate" = Relationship(back_populates="pledges")
    evidence: list["Evidence"] = Relationship(back_populates="pledge")
    status_changes: list["StatusChange"] = Relationship(
        back_populates="pledge",
        sa_relationship_kwargs={"order_by": "(StatusChange.effective_on, StatusChange.id)"},
    )

    def is_overdue(self, today: date) -> bool:
        """Past its deadline and still pending: shown beside the status, never instead."""
        return (
            self.status == PledgeStatus.PENDING
            and self.deadline is not None
            and self.deadline < today
        )
