"""Archived snapshots of cited pages, the jobs that make them and the link checks.

A Snapshot is generic: what was fetched (or uploaded), when, its hash, where its
WARC file lies under ARCHIVE_DIR and the text extracted from it. Evidence owns
snapshots through `evidence_id`; other owners (programmes) add their own link.
"""

from datetime import date, datetime

from sqlalchemy import Index, Text
from sqlmodel import Column, Field, SQLModel

from models.db import UTCDateTime, utc_now


class Snapshot(SQLModel, table=True):
    __table_args__ = (Index("ix_snapshot_evidence_at", "evidence_id", "retrieved_at"),)

    id: int | None = Field(default=None, primary_key=True)
    evidence_id: int | None = Field(default=None, foreign_key="evidence.id")
    # The URL asked for; an uploaded file has "upload:<file name>".
    url: str = Field(max_length=2000)
    final_url: str = Field(default="", max_length=2000)  # after redirects
    http_status: int | None = Field(default=None)  # None for an uploaded file
    content_type: str = Field(default="", max_length=200)
    retrieved_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False)
    )
    sha256: str = Field(max_length=64, index=True)  # of the body as received
    size: int = Field(default=0)  # bytes of the body as received
    # Relative to ARCHIVE_DIR: ab/cd/<sha256 of the WARC file>.warc.gz
    warc_path: str = Field(max_length=200)
    title: str = Field(default="", max_length=500)
    author: str = Field(default="", max_length=300)
    published_on: date | None = Field(default=None)
    # The readable text; for a PDF the pages' texts joined by PAGE_BREAK (\f),
    # so page n's text is text.split("\f")[n - 1] (pledges.archive.extract).
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    page_count: int | None = Field(default=None)  # PDFs only


class ArchiveJob(SQLModel, table=True):
    """One URL to archive for one evidence item, claimed like feeds (lease, SKIP LOCKED).

    state: pending (waiting or retrying), done (snapshot_id set), refused (the
    publisher said no, or the page can never be archived: reason_code) or failed
    (max attempts reached on temporary errors: reason_code).
    """

    __table_args__ = (Index("ix_archivejob_due", "state", "next_attempt_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    # One job per evidence item (a re-archive resets it): two pollers can never
    # both enqueue, hence both archive, the same item.
    evidence_id: int | None = Field(
        default=None, foreign_key="evidence.id", index=True, unique=True
    )
    url: str = Field(max_length=2000)
    host: str = Field(default="", max_length=255, index=True)  # the admin's "never archived"
    state: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False)
    )
    lease_owner: str | None = Field(default=None, max_length=200)
    lease_expires_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True)
    )
    reason_code: str = Field(default="", max_length=32)  # stable; views translate it
    reason: str = Field(default="", max_length=500)  # English, technical
    snapshot_id: int | None = Field(default=None, foreign_key="snapshot.id")
    created_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False)
    )
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class LinkCheck(SQLModel, table=True):
    """The last check of one evidence item's cited URL (no row: never checked)."""

    evidence_id: int = Field(primary_key=True, foreign_key="evidence.id")
    status: str | None = Field(default=None, max_length=16)  # ok, moved, gone, changed
    checked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    next_check_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True, index=True)
    )
    # Consecutive answers that say "gone" (404, 410, no such host); three make it gone.
    failures: int = Field(default=0)
    http_status: int | None = Field(default=None)
    moved_to: str = Field(default="", max_length=2000)
    # When the text was last found changed (the snapshots hold before and after).
    changed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    etag: str | None = Field(default=None, max_length=500)
    last_modified: str | None = Field(default=None, max_length=200)
    message: str = Field(default="", max_length=500)  # English, technical: the last answer
