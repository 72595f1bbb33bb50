"""What the running processes say about themselves: each worker's last heartbeat.

The poller writes its beat after every round; `/healthz` reads its age. Nothing
here is public data (models.data_version classifies the table private).
"""

from datetime import datetime

from sqlmodel import Column, Field, SQLModel

from models.db import UTCDateTime, utc_now


class Heartbeat(SQLModel, table=True):
    name: str = Field(primary_key=True, max_length=64)  # "poller"
    beat_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False)
    )
