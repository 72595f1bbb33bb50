"""SQLModel tables; importing this package registers every table in SQLModel.metadata."""

from models.accounts import AuditEntry, DataVersion, Invitation, SiteSetting, User
from models.elections import Candidate, Election
from models.evidence import Evidence
from models.feeds import Feed, FeedItem, Suggestion
from models.operations import Heartbeat
from models.pledges import Pledge
from models.status_changes import StatusChange, StatusChangeCitation

__all__ = [
    "AuditEntry",
    "Candidate",
    "DataVersion",
    "Election",
    "Evidence",
    "Feed",
    "FeedItem",
    "Heartbeat",
    "Invitation",
    "Pledge",
    "SiteSetting",
    "StatusChange",
    "StatusChangeCitation",
    "Suggestion",
    "User",
]
