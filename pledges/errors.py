"""Domain errors: every refusal of a rule, each with a stable `code` views translate.

All of them live here, so views and commands catch them without importing the
modules that raise them; views/error_messages.py maps every code to its text.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field


class DomainError(Exception):
    """A rule of the domain refused an operation.

    `code` names the rule and is stable (views map it to French and English text);
    `message` is an English fallback for logs and developers; `field` names the
    form or file field at fault, when there is one.
    """

    def __init__(self, message: str, *, code: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


class ConflictError(DomainError):
    """Someone else saved the same object first (optimistic locking)."""


# --- Rulings (pledges.status) ---------------------------------------------------------


class EvidenceRequired(DomainError):
    """A kept or broken verdict must cite at least one published evidence item."""


# --- Evidence (pledges.evidence) ------------------------------------------------------


class EvidenceError(DomainError):
    """A rule on evidence refused the operation (bad link, no outlet, already moderated…)."""


class DuplicateEvidence(EvidenceError):
    """The URL is already cited for this pledge; `existing_id` is the evidence citing it."""

    def __init__(
        self, message: str, *, code: str, existing_id: int, field: str | None = None
    ) -> None:
        super().__init__(message, code=code, field=field)
        self.existing_id = existing_id


# --- Editors' forms (pledges.editing) -------------------------------------------------


class EditError(DomainError):
    """A field value the rules refuse; `field` names the form field, `code` the reason."""


# --- Archiving and deleting (pledges.archiving) ---------------------------------------


class ArchiveError(DomainError):
    """Archiving, restoring or deleting refused (already archived, public ledger beneath…)."""


class Gone(DomainError):
    """The public asked for something archived: views answer 410 Gone."""


# --- Accounts (pledges.accounts) ------------------------------------------------------


class AccountError(DomainError):
    """An account rule refused the operation."""


class InvalidEmail(AccountError):
    pass


class EmailTaken(AccountError):
    pass


class WeakPassword(AccountError):
    pass


class WrongPassword(AccountError):
    pass


class InvalidInvitation(AccountError):
    """Unknown, expired or already used: one message for all three (no oracle)."""


# --- Feeds (pledges.feeds) ------------------------------------------------------------


class FeedError(DomainError):
    """A feed refused or failed: the fetch, the parse, the guard or the review."""


class UnsafeFeedURL(FeedError):
    """A feed URL that is not http(s) or resolves to a non-public address."""


class FeedFetchError(FeedError):
    """The feed could not be fetched (network, limits, redirects); the text is recorded."""


class FeedTooLarge(FeedFetchError):
    """The body went past the configured maximum, raw or decompressed."""


class FeedParseError(FeedError):
    """The bytes are not a feed we will store anything from (or are hostile XML)."""


class ReviewError(FeedError):
    """A suggestion can no longer be reviewed (someone else did it first)."""


# --- Imports --------------------------------------------------------------------------


@dataclass
class Problem:
    """One wrong value in an import file: where it is, which rule it breaks, and why.

    `record` names the record in the file ("elections[0].candidates[1]", "line 3",
    "header"), or is empty for what the file was imported into (a CSV's election and
    candidate); `field` names the field of that record; `code` is stable (views map it
    to French and English text, filling in `params`); `message` is an English fallback.
    """

    record: str
    field: str
    code: str
    message: str
    params: dict[str, str | int] = dataclass_field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.record}: {self.field}: {self.message}"


class InvalidImport(DomainError):
    """The file breaks the import contract; nothing was written.

    `problems` are the first problems found (a bounded number: a report of millions
    of lines helps nobody and costs memory and time); `omitted` counts the ones found
    beyond them, and `counted_all` is False when validation stopped counting early, in
    which case there are at least `omitted` more.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid_import",
        problems: list[Problem] | None = None,
        omitted: int = 0,
        counted_all: bool = True,
    ) -> None:
        super().__init__(message, code=code)
        self.problems = list(problems or [])
        self.omitted = omitted
        self.counted_all = counted_all

    @property
    def total(self) -> int:
        """Problems found: listed plus omitted (a lower bound when not counted_all)."""
        return len(self.problems) + self.omitted


# --- Programmes (pledges.programmes) --------------------------------------------------


class ProgrammeError(DomainError):
    """A programme not registered (refused upload or fetch), or a passage that does not hold
    (bad page or offsets, or an archive that changed since the page was read)."""
