"""Evidence: a dated, sourced document about a pledge."""

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Column, Field, Relationship, SQLModel

from models.db import UTCDateTime, enum_column, utc_now
from models.enums import EvidenceKind, EvidenceState, Origin, Stance

if TYPE_CHECKING:
    from models.pledges import Pledge


class Evidence(SQLModel, table=True):
    # A URL is cited once per pledge: the database refuses the duplicate too.
    # ix_evidence_pledge_state: every public list counts each pledge's published
    # evidence, from the index alone (migration 0014).
    __table_args__ = (
        UniqueConstraint("pledge_id", "url"),
        Index("ix_evidence_pledge_state", "pledge_id", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    pledge_id: int = Field(foreign_key="pledge.id")
    url: str = Field(max_length=2000)  # tracking parameters stripped (pledges.evidence.clean_url)
    outlet: str = Field(max_length=300)
    published_on: date  # required: evidence is dated
    kind: EvidenceKind = Field(
        default=EvidenceKind.PRESS_ARTICLE, sa_column=enum_column(EvidenceKind)
    )
    title: str = Field(default="", max_length=500)
    quote: str = Field(default="")
    note: str = Field(default="")  # Markdown, untrusted
    note_html: str = Field(default="")  # `note` rendered at write time (pledges.text)
    stance: Stance = Field(sa_column=enum_column(Stance))
    state: EvidenceState = Field(
        default=EvidenceState.SUBMITTED, sa_column=enum_column(EvidenceState, index=True)
    )
    origin: Origin = Field(default=Origin.MANUAL, sa_column=enum_column(Origin))
    feed_item_id: int | None = Field(default=None, foreign_key="feeditem.id")
    submitted_by_id: int | None = Field(default=None, foreign_key="user.id")
    reviewed_by_id: int | None = Field(default=None, foreign_key="user.id")
    rejection_reason: str = Field(default="")
    created_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False)
    )
    reviewed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    # Withdrawn (state WITHDRAWN): out of the timeline and the API, with a public reason.
    withdrawal_reason: str = Field(default="")
    withdrawn_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True)
    )
    # The last correction made after publication ("corrigé le …"); details in EvidenceCorrection.
    corrected_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True)
    )

    pledge: "Pledge" = Relationship(back_populates="evidence")


class EvidenceCorrection(SQLModel, table=True):
    """A correction of published evidence, shown publicly: what changed, when and why.

    `changes` is a list of {"field", "before", "after"} with values as text.
    """

    id: int | None = Field(default=None, primary_key=True)
    evidence_id: int = Field(foreign_key="evidence.id", index=True)
    at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False))
    author_id: int | None = Field(default=None, foreign_key="user.id")
    changes: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    reason: str = Field(default="")
