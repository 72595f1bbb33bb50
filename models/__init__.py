"""SQLModel tables; importing this package registers every table in SQLModel.metadata."""

from models import full_text  # noqa: F401  (the index's DDL events on the metadata)
from models.accounts import (
    AuditEntry,
    DataVersion,
    Invitation,
    PasswordReset,
    SiteSetting,
    User,
)
from models.archive import ArchiveJob, LinkCheck, Snapshot
from models.elections import Candidate, Election
from models.evidence import Evidence, EvidenceCorrection
from models.feeds import Feed, FeedFetch, FeedItem, PledgeMatch, Suggestion
from models.operations import Heartbeat
from models.pledges import Pledge
from models.programmes import Programme, ProgrammePassage
from models.status_changes import StatusChange, StatusChangeCitation
from models.themes import SlugRedirect, Theme

__all__ = [
    "ArchiveJob",
    "AuditEntry",
    "Candidate",
    "DataVersion",
    "Election",
    "Evidence",
    "EvidenceCorrection",
    "Feed",
    "FeedFetch",
    "FeedItem",
    "Heartbeat",
    "Invitation",
    "LinkCheck",
    "PasswordReset",
    "Pledge",
    "PledgeMatch",
    "Programme",
    "ProgrammePassage",
    "SiteSetting",
    "SlugRedirect",
    "Snapshot",
    "StatusChange",
    "StatusChangeCitation",
    "Suggestion",
    "Theme",
    "User",
]
