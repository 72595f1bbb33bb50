"""Enumerations whose values are the text stored in the database and shown in JSON."""

from enum import StrEnum


class PledgeStatus(StrEnum):
    KEPT = "kept"
    BROKEN = "broken"
    PENDING = "pending"


class Stance(StrEnum):
    """What a piece of evidence says about its pledge."""

    KEPT = "kept"
    BROKEN = "broken"
    CONTEXT = "context"


class EvidenceKind(StrEnum):
    """Ordered from the strongest (official acts) to the weakest (statements)."""

    COUNCIL_DELIBERATION = "council_deliberation"
    MUNICIPAL_ORDER = "municipal_order"
    BUDGET_LINE = "budget_line"
    PUBLIC_CONTRACT = "public_contract"
    COUNCIL_VOTE = "council_vote"
    OFFICIAL_STATEMENT = "official_statement"
    PRESS_ARTICLE = "press_article"
    FIELD_OBSERVATION = "field_observation"

    @property
    def rank(self) -> int:
        """0 for the strongest kind; official acts rank above statements."""
        return list(EvidenceKind).index(self)


class EvidenceState(StrEnum):
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # was published; withdrawn with a public reason


class Origin(StrEnum):
    MANUAL = "manual"
    FEED_ITEM = "feed_item"
    IMPORT = "import"


class Role(StrEnum):
    VOLUNTEER = "volunteer"
    EDITOR = "editor"
    ADMIN = "admin"

    @property
    def level(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: "Role") -> bool:
        return self.level >= other.level


class FeedStatus(StrEnum):
    OK = "ok"
    NOT_MODIFIED = "not_modified"
    ERROR = "error"


class SuggestionState(StrEnum):
    NEW = "new"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"
