"""The import file once validated: typed records, each remembering where it was in the file.

Plain dataclasses, no database: validation builds them, writing matches them to rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from models.enums import EvidenceKind, PledgeStatus, Stance


@dataclass
class EvidenceIn:
    record: str
    url: str
    outlet: str
    published_on: date
    kind: EvidenceKind
    title: str
    quote: str
    note: str
    stance: Stance


@dataclass
class HistoryIn:
    record: str
    to: PledgeStatus
    effective_on: date
    rationale: str
    cites: list[str]  # cleaned evidence URLs of the same pledge


@dataclass
class PledgeIn:
    record: str
    slug: str
    title: str
    body: str
    theme: str
    made_on: date | None
    source_url: str
    quote: str
    deadline: date | None
    keywords_include: list[str]
    keywords_exclude: list[str]
    evidence: list[EvidenceIn] = field(default_factory=list)
    history: list[HistoryIn] = field(default_factory=list)


@dataclass
class CandidateIn:
    record: str
    slug: str
    name: str
    list_name: str
    elected: bool
    office: str
    pledges: list[PledgeIn] = field(default_factory=list)


@dataclass
class ElectionIn:
    record: str
    slug: str
    name: str
    territory: str
    date: date
    is_demo: bool
    candidates: list[CandidateIn] = field(default_factory=list)


@dataclass
class ThemeIn:
    """A theme the file names: created with these names when its slug is new."""

    record: str
    slug: str
    name_fr: str
    name_en: str


@dataclass
class ImportFile:
    themes: list[ThemeIn]
    elections: list[ElectionIn]
