"""Status changes: the editorial verdicts on a pledge, each citing its evidence."""

from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import Integer
from sqlmodel import Column, Field, Relationship, SQLModel

from models.db import UTCDateTime, enum_column, utc_now
from models.enums import PledgeStatus

if TYPE_CHECKING:
    from models.accounts import User
    from models.evidence import Evidence
    from models.pledges import Pledge


class StatusChangeCitation(SQLModel, table=True):
    status_change_id: int = Field(foreign_key="statuschange.id", primary_key=True)
    evidence_id: int = Field(foreign_key="evidence.id", primary_key=True)


class StatusChange(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    pledge_id: int = Field(foreign_key="pledge.id", index=True)
    from_status: PledgeStatus | None = Field(
        default=None, sa_column=enum_column(PledgeStatus, nullable=True)
    )
    to_status: PledgeStatus = Field(sa_column=enum_column(PledgeStatus))
    effective_on: date
    rationale: str = Field(default="")  # Markdown, untrusted
    rationale_html: str = Field(default="")  # `rationale` rendered at write time (pledges.text)
    author_id: int | None = Field(default=None, foreign_key="user.id")
    # A correction is a new entry naming the one it corrects (append-only ledger);
    # the corrected entry stays, struck through, and no longer counts.
    # (Unique index, no foreign key: see migration 0006; pledges.status checks it.)
    corrects_id: int | None = Field(
        default=None, sa_column=Column(Integer, nullable=True, index=True, unique=True)
    )
    correction_reason: str = Field(default="")
    created_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False)
    )

    pledge: "Pledge" = Relationship(back_populates="status_changes")
    author: Optional["User"] = Relationship()
    cites: list["Evidence"] = Relationship(link_model=StatusChangeCitation)
