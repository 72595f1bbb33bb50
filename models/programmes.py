"""Candidates' programmes, archived like evidence, and the passages pledges are made from.

A Programme is a candidate's document (registered by URL or uploaded, PDF or
HTML) whose archived copy is a Snapshot (models.archive). A ProgrammePassage
anchors one pledge to the exact passage of that snapshot it was made from: page
number, character offsets within the page's extracted text, and the snapshot
body's sha256, so anyone can check the quote against the archived copy.
"""

from datetime import datetime

from sqlmodel import Column, Field, SQLModel

from models.db import UTCDateTime, utc_now


class Programme(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(foreign_key="candidate.id", index=True)
    snapshot_id: int = Field(foreign_key="snapshot.id")
    # The editor's name for it ("Programme municipal 2026"); the snapshot's title else.
    title: str = Field(default="", max_length=300)
    created_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False)
    )


class ProgrammePassage(SQLModel, table=True):
    """Where a pledge's quote comes from: one passage of one programme's snapshot.

    `start` and `end` are character offsets (end excluded) within page `page`'s
    text (pledges.archive.pages_of); `sha256` is the snapshot body's hash when
    the pledge was made. The pledge's quote is exactly that text.
    """

    pledge_id: int = Field(primary_key=True, foreign_key="pledge.id")
    programme_id: int = Field(foreign_key="programme.id", index=True)
    snapshot_id: int = Field(foreign_key="snapshot.id")
    page: int
    start: int
    end: int
    sha256: str = Field(max_length=64)
    created_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False)
    )
