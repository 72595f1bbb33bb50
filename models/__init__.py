"""SQLModel tables; importing this package registers every table in SQLModel.metadata."""

from models.accounts import (
    AuditEntry,
    DataVersion,
    Invitation,
    PasswordReset,
    SiteSetting,
    User,
)
from models.elections import Candidate, Election
from models.evidence import Evidence, EvidenceCorrection
from models.feeds import Feed, FeedItem, Suggestion
from models.operations import Heartbeat
from models.pledges import Pledge
from models.status_changes import StatusChange, StatusChangeCitation
from models.themes import SlugRedirect, Theme

__all__ = [
    "AuditEntry",
    "Candidate",
    "DataVersion",
    "Election",
    "Evidence",
    "EvidenceCorrection",
    "Feed",
    "FeedItem",
    "Heartbeat",
    "Invitation",
    "PasswordReset",
    "Pledge",
    "SiteSetting",
    "SlugRedirect",
    "StatusChange",
    "StatusChangeCitation",
    "Suggestion",
    "Theme",
    "User",
]
