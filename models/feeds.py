"""News feeds, the items read from them and the suggestions matched to pledges."""

from datetime import datetime

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from models.db import UTCDateTime, enum_column, utc_now
from models.enums import FeedStatus, SuggestionState


class Feed(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000, unique=True)
    name: str = Field(default="", max_length=200)
    interval_minutes: int = Field(default=60)
    active: bool = Field(default=True)
    etag: str | None = Field(default=None, max_length=500)
    last_modified: str | None = Field(default=None, max_length=200)
    last_fetched_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True)
    )
    last_status: FeedStatus | None = Field(
        default=None, sa_column=enum_column(FeedStatus, nullable=True)
    )
    last_error: str = Field(default="")
    # The stable code of last_error (views translate it); empty when the last fetch went well.
    last_error_code: str = Field(default="", max_length=64)
    error_count: int = Field(default=0)
    next_fetch_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True)
    )
    # A poller claims a due feed by writing its name and a lease; a lease that
    # expires (the poller died) makes the feed claimable again.
    lease_owner: str | None = Field(default=None, max_length=200)
    lease_expires_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True)
    )
    fetch_count: int = Field(default=0)
    created_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False)
    )
    # Deleting a feed only hides it: its items stay, because evidence made from
    # them points at them (Evidence.feed_item_id) and the ledger never loses a
    # source. A deleted feed is never polled; adding its address again revives it.
    deleted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class FeedFetch(SQLModel, table=True):
    """One fetch's outcome, for the feed page's history (the last FETCH_HISTORY per feed)."""

    __table_args__ = (Index("ix_feedfetch_feed_at", "feed_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    feed_id: int = Field(foreign_key="feed.id")
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    outcome: str = Field(max_length=20)  # ok, unchanged, warning, error
    code: str = Field(default="", max_length=64)  # stable; views translate it
    message: str = Field(default="", max_length=2000)  # English, technical
    new_items: int = Field(default=0)
    # Feeds a web page advertises (<link rel="alternate">) when one was given
    # instead of a feed: [{"url": ..., "title": ...}], offered to the editor.
    alternates: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )


class PledgeMatch(SQLModel, table=True):
    """The keywords each pledge was last matched with against the stored items.

    The poller compares every pledge's keywords with this fingerprint: a new
    pledge (no row) or changed keywords, whatever wrote them (editors' form,
    import, CLI), is matched again against recent items, so no write path needs
    a hook to be caught up.
    """

    pledge_id: int = Field(primary_key=True)
    keywords_hash: str = Field(max_length=64)
    matched_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class FeedItem(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("feed_id", "dedup_key"),)

    id: int | None = Field(default=None, primary_key=True)
    feed_id: int = Field(foreign_key="feed.id", index=True)
    dedup_key: str = Field(max_length=300)
    guid: str | None = Field(default=None, max_length=2000)
    link: str = Field(default="", max_length=2000)
    title: str = Field(default="", max_length=1000)
    summary_html: str = Field(default="")  # sanitised with nh3 before storing
    published_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True)
    )
    published_raw: str = Field(default="", max_length=200)
    date_flag: str = Field(default="", max_length=40)  # e.g. "future_clamped", "undated"
    first_seen_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False)
    )


class Suggestion(SQLModel, table=True):
    # The volunteer queue reads newest news first, page by page from a (date, id)
    # key: these indexes serve it without sorting the whole queue (issue 9).
    __table_args__ = (
        UniqueConstraint("feed_item_id", "pledge_id"),
        Index("ix_suggestion_queue", "state", "item_date", "id"),
        Index("ix_suggestion_pledge_queue", "pledge_id", "state", "item_date", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    feed_item_id: int = Field(foreign_key="feeditem.id", index=True)
    pledge_id: int = Field(foreign_key="pledge.id", index=True)
    matched_terms: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    state: SuggestionState = Field(
        default=SuggestionState.NEW, sa_column=enum_column(SuggestionState, index=True)
    )
    # The item's date (published, else first seen), copied here so the queue's
    # order has an index; set by the feed ingestion.
    item_date: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False)
    )
    reviewed_by_id: int | None = Field(default=None, foreign_key="user.id")
    reviewed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    created_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False)
    )
