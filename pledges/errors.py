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


class UnsafeFeedURL(DomainError):
    """A feed URL that is not http(s) or resolves to a non-public address."""


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
