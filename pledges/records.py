"""Read-only records of elections, candidates and pledges, for the pages the public reads most.

An ORM object costs far more to load than its row: identity map, state tracking,
a statement per eager-loaded relationship. The election board, the pledge lists,
the API's list and the widget only read, so they select these columns in one
joined statement (pledges.scoreboard, pledges.widgets) and get plain records
with the same attribute names as the models, which templates and serialisers
read alike. A pledge's own page and its API entry read a PledgeDetail: the pledge
with its evidence and rulings (pledges.scoreboard.get_pledge), public columns only.
Nothing here is ever written back: an edit loads the model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column

from models import Candidate, Election, Evidence, Pledge, StatusChange
from models.db import table_of
from models.enums import EvidenceKind, EvidenceState, PledgeStatus, Stance


@dataclass(frozen=True, slots=True)
class ElectionRecord:
    id: int
    slug: str
    name: str
    territory: str
    date: date
    is_demo: bool
    archived_at: datetime | None


@dataclass(frozen=True, slots=True)
class CandidateRecord:
    id: int
    election_id: int
    slug: str
    name: str
    list_name: str
    elected: bool
    office: str
    archived_at: datetime | None
    election: ElectionRecord


@dataclass(frozen=True, slots=True)
class PledgeRecord:
    """A pledge as a list shows it; `body` (Markdown) for search snippets, no keywords."""

    id: int
    election_id: int
    candidate_id: int
    slug: str
    title: str
    body: str
    theme: str
    deadline: date | None
    status: PledgeStatus
    status_since: date | None
    archived_at: datetime | None
    candidate: CandidateRecord

    def is_overdue(self, today: date) -> bool:
        """As Pledge.is_overdue: past its deadline and still pending."""
        return is_overdue(self.status, self.deadline, today)


def is_overdue(status: PledgeStatus, deadline: date | None, today: date) -> bool:
    """As Pledge.is_overdue, for the records: past its deadline and still pending."""
    return status == PledgeStatus.PENDING and deadline is not None and deadline < today


# The selected columns, in the records' field order (the nested record last).
_ELECTION = ("id", "slug", "name", "territory", "date", "is_demo", "archived_at")
_CANDIDATE = ("id", "election_id", "slug", "name", "list_name", "elected", "office", "archived_at")
_PLEDGE = (
    "id",
    "election_id",
    "candidate_id",
    "slug",
    "title",
    "body",
    "theme",
    "deadline",
    "status",
    "status_since",
    "archived_at",
)


def election_columns() -> list[Column[Any]]:
    return [table_of(Election).c[name] for name in _ELECTION]


def candidate_columns(*, with_election: bool = True) -> list[Column[Any]]:
    """The candidate's columns, then its election's (join Election in the statement)
    unless `with_election` is False (RecordBuilder.candidate_of takes a known election)."""
    own = [table_of(Candidate).c[name] for name in _CANDIDATE]
    return own + election_columns() if with_election else own


def pledge_columns() -> list[Column[Any]]:
    """The pledge's columns, then its candidate's and election's (join both)."""
    return [table_of(Pledge).c[name] for name in _PLEDGE] + candidate_columns()


CANDIDATE_WIDTH = len(_CANDIDATE) + len(_ELECTION)
# The records' constructors, called with a row's values in field order (a type checker
# cannot count a slice's items).
_new_election: Callable[..., ElectionRecord] = ElectionRecord
_new_candidate: Callable[..., CandidateRecord] = CandidateRecord
_new_pledge: Callable[..., PledgeRecord] = PledgeRecord
PLEDGE_WIDTH = len(_PLEDGE) + CANDIDATE_WIDTH


class RecordBuilder:
    """Builds records from rows selected with the columns above; a candidate or election
    met again in the same list is the same record (built once)."""

    def __init__(self) -> None:
        self._elections: dict[int, ElectionRecord] = {}
        self._candidates: dict[int, CandidateRecord] = {}

    def election(self, values: Sequence[Any]) -> ElectionRecord:
        found = self._elections.get(values[0])
        if found is None:
            found = self._elections[values[0]] = _new_election(*values[: len(_ELECTION)])
        return found

    def election_of(self, election: Election) -> ElectionRecord:
        """The record of an election already loaded as a model."""
        values = [getattr(election, name) for name in _ELECTION]
        found = self._elections[values[0]] = _new_election(*values)
        return found

    def candidate_of(self, values: Sequence[Any], election: ElectionRecord) -> CandidateRecord:
        """A candidate selected without its election's columns, in `election`."""
        return _new_candidate(*values[: len(_CANDIDATE)], election)

    def candidate(self, values: Sequence[Any]) -> CandidateRecord:
        found = self._candidates.get(values[0])
        if found is None:
            own = len(_CANDIDATE)
            election = self.election(values[own : own + len(_ELECTION)])
            found = self._candidates[values[0]] = _new_candidate(*values[:own], election)
        return found

    def pledge(self, values: Sequence[Any]) -> PledgeRecord:
        own = len(_PLEDGE)
        candidate = self.candidate(values[own : own + CANDIDATE_WIDTH])
        return _new_pledge(*values[:own], candidate)


# ---------------------------------------------------------------- a pledge's own page


@dataclass(frozen=True, slots=True)
class EvidenceRecord:
    """An evidence item as its pledge's page and API entry show it: its public columns
    (not who submitted or reviewed it, nor a rejection's reason)."""

    id: int
    pledge_id: int
    url: str
    outlet: str
    published_on: date
    kind: EvidenceKind
    title: str
    quote: str
    note: str
    note_html: str
    stance: Stance
    state: EvidenceState
    created_at: datetime
    withdrawal_reason: str
    withdrawn_at: datetime | None
    corrected_at: datetime | None


@dataclass(frozen=True, slots=True)
class AuthorRecord:
    """The editor behind a ruling, as a public page may name them."""

    id: int
    display_name: str


@dataclass(frozen=True, slots=True)
class RulingRecord:
    """A status change with its author and the evidence it cites (this pledge's)."""

    id: int
    pledge_id: int
    from_status: PledgeStatus | None
    to_status: PledgeStatus
    effective_on: date
    rationale: str
    rationale_html: str
    author_id: int | None
    corrects_id: int | None
    correction_reason: str
    created_at: datetime
    author: AuthorRecord | None
    cites: list[EvidenceRecord]


@dataclass(frozen=True, slots=True)
class PledgeDetail:
    """A pledge with everything its page shows: candidate (and election), evidence
    (every state: the page tells withdrawn items apart) and rulings, oldest first."""

    id: int
    election_id: int
    candidate_id: int
    slug: str
    title: str
    body: str
    body_html: str
    theme: str
    made_on: date | None
    source_url: str
    quote: str
    deadline: date | None
    status: PledgeStatus
    status_since: date | None
    keywords_include: list[str]
    keywords_exclude: list[str]
    version: int
    archived_at: datetime | None
    candidate: CandidateRecord
    evidence: list[EvidenceRecord]
    status_changes: list[RulingRecord]

    def is_overdue(self, today: date) -> bool:
        """As Pledge.is_overdue: past its deadline and still pending."""
        return is_overdue(self.status, self.deadline, today)


_EVIDENCE = tuple(f.name for f in fields(EvidenceRecord))
_RULING = tuple(f.name for f in fields(RulingRecord))[:-2]  # author and cites: built
_PLEDGE_DETAIL = tuple(f.name for f in fields(PledgeDetail))[:-3]  # the nested ones


def evidence_columns() -> list[Column[Any]]:
    return [table_of(Evidence).c[name] for name in _EVIDENCE]


def ruling_columns() -> list[Column[Any]]:
    return [table_of(StatusChange).c[name] for name in _RULING]


def pledge_detail_columns() -> list[Column[Any]]:
    """The pledge's columns, then its candidate's and election's (join both)."""
    return [table_of(Pledge).c[name] for name in _PLEDGE_DETAIL] + candidate_columns()


_new_evidence: Callable[..., EvidenceRecord] = EvidenceRecord
_new_ruling: Callable[..., RulingRecord] = RulingRecord
_new_detail: Callable[..., PledgeDetail] = PledgeDetail


def evidence_record(values: Sequence[Any]) -> EvidenceRecord:
    return _new_evidence(*values)


def ruling_record(
    values: Sequence[Any], author: AuthorRecord | None, cites: list[EvidenceRecord]
) -> RulingRecord:
    return _new_ruling(*values[: len(_RULING)], author, cites)


def pledge_detail(
    values: Sequence[Any], evidence: list[EvidenceRecord], rulings: list[RulingRecord]
) -> PledgeDetail:
    """From a row selected with pledge_detail_columns()."""
    own = len(_PLEDGE_DETAIL)
    candidate = RecordBuilder().candidate(values[own:])
    return _new_detail(*values[:own], candidate, evidence, rulings)
