"""Domain errors: a human message plus structured details for views and commands."""

from __future__ import annotations

from dataclasses import dataclass, field


class DomainError(Exception):
    """A rule of the domain refused an operation; `message` is shown to people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class EvidenceRequired(DomainError):
    """A kept or broken verdict must cite at least one published evidence item."""


class ConflictError(DomainError):
    """Someone else saved the same object first (optimistic locking)."""


class DuplicateEvidence(DomainError):
    def __init__(self, message: str, existing_id: int) -> None:
        super().__init__(message)
        self.existing_id = existing_id


# --- Feeds (pledges.feeds) ------------------------------------------------------------


class FeedError(DomainError):
    """A feed refusal under the shared contract: English `message`, stable `code`, `field`."""

    def __init__(self, message: str, *, code: str, field: str | None = None) -> None:
        # Sets the contract's attributes itself, so it holds whichever DomainError
        # signature it is merged with (code= becomes the base's own, see COMMON.md).
        Exception.__init__(self, message)
        self.message = message
        self.code = code
        self.field = field


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


@dataclass
class Problem:
    record: str  # e.g. "elections[0].candidates[1].pledges[3]"
    field: str
    problem: str

    def __str__(self) -> str:
        return f"{self.record}: {self.field}: {self.problem}"


@dataclass
class InvalidImport(DomainError):
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(
            f"{len(self.problems)} problem(s) in the import file; nothing was imported"
        )
