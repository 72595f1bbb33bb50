"""Import elections, candidates, pledges, evidence and status history: validate all, then write.

The JSON shape is a contract (issue 2), keyed by slugs so that importing the
same file twice changes nothing:

    {"elections": [{"slug", "name", "territory", "date", "is_demo"?,
      "candidates": [{"slug", "name", "list_name", "elected", "office"?,
        "pledges": [{"slug", "title", "body", "theme", "made_on", "source_url", "quote",
          "deadline", "keywords": {"include": [...], "exclude": [...]},
          "evidence": [{"url", "outlet", "published_on", "kind", "title", "quote", "note",
                        "stance"}],
          "history": [{"to", "effective_on", "rationale", "cites": [evidence urls]}]}]}]}]}

A CSV of one candidate's pledges is accepted too (see CSV_COLUMNS).

How it works, and why:
- `validate_*` read the whole file first and collect every problem as a
  Problem(record, field, problem); then a few checks against the database
  (a URL already rejected by moderators); only when there is no problem at
  all does anything get written, so a bad file imports nothing. The caller
  (the CLI) commits, or rolls back when InvalidImport is raised.
- Objects are matched on their keys: election slug; candidate slug within the
  election; pledge slug within the election; evidence URL (cleaned) within the
  pledge; a ruling on (to, effective_on) within the pledge. A matched object
  whose fields differ is updated; an equal one is left alone (no write, no
  audit entry). Nothing is ever deleted by an import.
- New rulings go through pledges.status.record_status_change, so the rule
  "kept/broken cites published evidence" is the same as on the site.
- Every created or updated object gets an AuditEntry by `actor` ("import").
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from models import Candidate, Election, Evidence, Pledge, StatusChange
from models.db import utc_now
from models.enums import EvidenceKind, EvidenceState, Origin, PledgeStatus, Stance
from pledges.audit import Actor, log_change, snapshot
from pledges.errors import InvalidImport, Problem
from pledges.links import MAX_URL_LENGTH, clean_url, is_http_url, url_problem
from pledges.search import search_text_for
from pledges.status import VERDICTS, record_status_change

SLUG_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
KEYWORD_SEPARATOR = "|"
CSV_COLUMNS = (
    "slug", "title", "body", "theme", "made_on", "source_url", "quote", "deadline",
    "keywords_include", "keywords_exclude",
)  # fmt: skip
CSV_REQUIRED = frozenset({"slug", "title"})

ELECTION_FIELDS = ["slug", "name", "territory", "date", "is_demo"]
CANDIDATE_FIELDS = ["slug", "name", "list_name", "elected", "office"]
PLEDGE_FIELDS = [
    "slug", "candidate_id", "title", "body", "theme", "made_on", "source_url", "quote",
    "deadline", "keywords_include", "keywords_exclude",
]  # fmt: skip
EVIDENCE_FIELDS = [
    "url", "outlet", "published_on", "kind", "title", "quote", "note", "stance", "state",
]  # fmt: skip


# --- The validated file -----------------------------------------------------------------


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
class ImportSummary:
    """Per kind of object ("elections", "pledges", ...): created, updated, unchanged."""

    counts: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, kind: str, outcome: str) -> None:
        self.counts.setdefault(kind, Counter())[outcome] += 1

    @property
    def changed(self) -> bool:
        return any(c["created"] or c["updated"] for c in self.counts.values())

    def lines(self) -> list[str]:
        order = ["elections", "candidates", "pledges", "evidence", "status_changes"]
        return [
            f"{kind}: {c['created']} created, {c['updated']} updated, {c['unchanged']} unchanged"
            for kind in order
            if (c := self.counts.get(kind)) is not None
        ]


# --- Reading values, collecting problems ------------------------------------------------

E = TypeVar("E", bound=StrEnum)


class _Reader:
    """Typed accessors over untrusted dicts that record a Problem instead of raising."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, record: str, name: str, message: str) -> None:
        self.problems.append(Problem(record, name, message))

    def obj(self, value: Any, record: str, name: str = "") -> Mapping[str, Any] | None:
        if not isinstance(value, dict):
            self.problem(record, name, "not an object")
            return None
        return value

    def items(self, data: Mapping[str, Any], key: str, record: str) -> list[Any]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(record, key, "not a list")
            return []
        return value

    def text(
        self, data: Mapping[str, Any], key: str, record: str, *, required: bool = False,
        max_length: int | None = None,
    ) -> str:  # fmt: skip
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(record, key, "missing" if value is None else "empty")
            return ""
        if not isinstance(value, str):
            self.problem(record, key, "not a string")
            return ""
        if max_length is not None and len(value) > max_length:
            self.problem(record, key, f"longer than {max_length} characters")
        if "\x00" in value:  # PostgreSQL refuses NUL in text: report it, do not crash later
            self.problem(record, key, "contains a NUL character")
        return value.strip()

    def slug(self, data: Mapping[str, Any], record: str, max_length: int) -> str:
        value = self.text(data, "slug", record, required=True, max_length=max_length)
        if value and not SLUG_RE.match(value):
            self.problem(record, "slug", "not a slug (lower-case letters, digits and dashes)")
        return value

    def date(
        self, data: Mapping[str, Any], key: str, record: str, *, required: bool
    ) -> date | None:
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.problem(record, key, "missing")
            return None
        return self.parse_date(value, record, key)

    def parse_date(self, value: Any, record: str, key: str) -> date | None:
        if isinstance(value, str) and ISO_DATE_RE.match(value.strip()):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.problem(record, key, "not an ISO date (YYYY-MM-DD)")
        return None

    def boolean(self, data: Mapping[str, Any], key: str, record: str, default: bool) -> bool:
        value = data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problem(record, key, "not true or false")
            return default
        return value

    def enum(
        self, data: Mapping[str, Any], key: str, record: str, enum: type[E], default: E | None
    ) -> E | None:
        value = data.get(key)
        if value is None or value == "":
            if default is None:
                self.problem(record, key, "missing")
            return default
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(m.value for m in enum)
            self.problem(record, key, f"unknown value {value!r} (one of: {allowed})")
            return None

    def url(self, data: Mapping[str, Any], key: str, record: str, *, required: bool) -> str:
        # The length is checked once cleaned (clean_url can lengthen a URL).
        value = self.text(data, key, record, required=required)
        if not value:
            return ""
        cleaned = clean_url(value)
        problem = url_problem(cleaned)
        if problem == "url_too_long":
            self.problem(record, key, f"longer than {MAX_URL_LENGTH} characters once cleaned")
            return ""
        if problem is not None:
            self.problem(record, key, "not an http(s) URL")
            return ""
        return cleaned

    def strings(self, value: Any, record: str, key: str) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(record, key, "not a list of strings")
            return []
        return [v.strip() for v in value if v.strip()]


# --- Validation of the JSON contract ----------------------------------------------------


def validate_data(data: Any, *, now: datetime | None = None) -> list[ElectionIn]:
    """The file's content as typed records; raises InvalidImport listing every problem."""
    reader = _Reader()
    today = (now or utc_now()).date()
    elections: list[ElectionIn] = []
    root = reader.obj(data, "file")
    if root is None:
        raise InvalidImport(reader.problems)
    if "elections" not in root:
        reader.problem("file", "elections", "missing")
    demo_default = reader.boolean(root, "demo", "file", False)
    seen_elections: set[str] = set()
    for e_index, raw in enumerate(reader.items(root, "elections", "file")):
        record = f"elections[{e_index}]"
        if (item := reader.obj(raw, record)) is None:
            continue
        election = ElectionIn(
            record=record,
            slug=reader.slug(item, record, 120),
            name=reader.text(item, "name", record, required=True, max_length=300),
            territory=reader.text(item, "territory", record, required=True, max_length=300),
            date=reader.date(item, "date", record, required=True) or date.min,
            is_demo=reader.boolean(item, "is_demo", record, demo_default),
        )
        _unique(reader, seen_elections, election.slug, record, "election")
        seen_candidates: set[str] = set()
        seen_pledges: set[str] = set()
        for c_index, raw_candidate in enumerate(reader.items(item, "candidates", record)):
            c_record = f"{record}.candidates[{c_index}]"
            if (c_item := reader.obj(raw_candidate, c_record)) is None:
                continue
            candidate = CandidateIn(
                record=c_record,
                slug=reader.slug(c_item, c_record, 120),
                name=reader.text(c_item, "name", c_record, required=True, max_length=300),
                list_name=reader.text(c_item, "list_name", c_record, max_length=300),
                elected=reader.boolean(c_item, "elected", c_record, False),
                office=reader.text(c_item, "office", c_record, max_length=300),
            )
            _unique(reader, seen_candidates, candidate.slug, c_record, "candidate")
            for p_index, raw_pledge in enumerate(reader.items(c_item, "pledges", c_record)):
                p_record = f"{c_record}.pledges[{p_index}]"
                if (p_item := reader.obj(raw_pledge, p_record)) is None:
                    continue
                pledge = _validate_pledge(reader, p_item, p_record, today)
                _unique(reader, seen_pledges, pledge.slug, p_record, "pledge in this election")
                candidate.pledges.append(pledge)
            election.candidates.append(candidate)
        elections.append(election)
    if reader.problems:
        raise InvalidImport(reader.problems)
    return elections


def _unique(reader: _Reader, seen: set[str], slug: str, record: str, what: str) -> None:
    if not slug:
        return
    if slug in seen:
        reader.problem(record, "slug", f"duplicate {what} slug {slug!r} in the file")
    seen.add(slug)


def _validate_pledge(
    reader: _Reader, item: Mapping[str, Any], record: str, today: date
) -> PledgeIn:
    keywords = item.get("keywords")
    include: list[str] = []
    exclude: list[str] = []
    if keywords is not None:
        if isinstance(keywords, dict):
            include = reader.strings(keywords.get("include"), record, "keywords.include")
            exclude = reader.strings(keywords.get("exclude"), record, "keywords.exclude")
        else:
            reader.problem(record, "keywords", "not an object with include and exclude lists")
    pledge = PledgeIn(
        record=record,
        slug=reader.slug(item, record, 160),
        title=reader.text(item, "title", record, required=True, max_length=500),
        body=reader.text(item, "body", record),
        theme=_theme(reader, item, record),
        made_on=reader.date(item, "made_on", record, required=False),
        source_url=reader.url(item, "source_url", record, required=False),
        quote=reader.text(item, "quote", record),
        deadline=reader.date(item, "deadline", record, required=False),
        keywords_include=include,
        keywords_exclude=exclude,
    )
    urls: dict[str, EvidenceIn] = {}
    for index, raw in enumerate(reader.items(item, "evidence", record)):
        e_record = f"{record}.evidence[{index}]"
        if (e_item := reader.obj(raw, e_record)) is None:
            continue
        evidence = EvidenceIn(
            record=e_record,
            url=reader.url(e_item, "url", e_record, required=True),
            outlet=reader.text(e_item, "outlet", e_record, required=True, max_length=300),
            published_on=reader.date(e_item, "published_on", e_record, required=True) or date.min,
            kind=reader.enum(e_item, "kind", e_record, EvidenceKind, EvidenceKind.PRESS_ARTICLE)
            or EvidenceKind.PRESS_ARTICLE,
            title=reader.text(e_item, "title", e_record, max_length=500),
            quote=reader.text(e_item, "quote", e_record),
            note=reader.text(e_item, "note", e_record),
            stance=reader.enum(e_item, "stance", e_record, Stance, None) or Stance.CONTEXT,
        )
        if evidence.url in urls:
            reader.problem(e_record, "url", "the same URL is already evidence of this pledge")
        elif evidence.url:
            urls[evidence.url] = evidence
        pledge.evidence.append(evidence)
    rulings: set[tuple[PledgeStatus, date]] = set()
    for index, raw in enumerate(reader.items(item, "history", record)):
        h_record = f"{record}.history[{index}]"
        if (h_item := reader.obj(raw, h_record)) is None:
            continue
        to = reader.enum(h_item, "to", h_record, PledgeStatus, None)
        effective_on = reader.date(h_item, "effective_on", h_record, required=True)
        if effective_on and effective_on > today:
            reader.problem(h_record, "effective_on", "in the future")
        cites: list[str] = []
        raw_cites = reader.items(h_item, "cites", h_record)
        for c_index, url in enumerate(raw_cites):
            if not isinstance(url, str) or not is_http_url(url):
                reader.problem(h_record, f"cites[{c_index}]", "not an http(s) URL")
            elif clean_url(url) not in urls:
                reader.problem(
                    h_record, f"cites[{c_index}]", "not the URL of an evidence item of this pledge"
                )
            else:
                cites.append(clean_url(url))
        if to in VERDICTS and not raw_cites:
            reader.problem(h_record, "cites", f"a {to.value} verdict must cite published evidence")
        if to is not None and effective_on is not None:
            if (to, effective_on) in rulings:
                reader.problem(h_record, "effective_on", "the same ruling appears twice")
            rulings.add((to, effective_on))
            rationale = reader.text(h_item, "rationale", h_record)
            pledge.history.append(HistoryIn(h_record, to, effective_on, rationale, cites))
    return pledge


def _theme(reader: _Reader, item: Mapping[str, Any], record: str) -> str:
    value = reader.text(item, "theme", record, max_length=80)
    if value and not SLUG_RE.match(value):
        reader.problem(record, "theme", "not a slug (e.g. video-surveillance)")
    return value


# --- CSV of one candidate's pledges -----------------------------------------------------


def validate_csv(text: str, *, now: datetime | None = None) -> list[PledgeIn]:
    """Rows of CSV_COLUMNS as pledges; keyword lists are separated by '|'."""
    reader = _Reader()
    today = (now or utc_now()).date()
    rows = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = rows.fieldnames or []
    missing = sorted(CSV_REQUIRED - set(header))
    if missing:
        reader.problem("header", ", ".join(missing), "missing column")
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if unknown:
        reader.problem("header", ", ".join(unknown), "unknown column")
    if reader.problems:
        raise InvalidImport(reader.problems)
    pledges: list[PledgeIn] = []
    seen: set[str] = set()
    for row in rows:
        record = f"line {rows.line_num}"
        if None in row:
            reader.problem(record, "", "more values than columns")
            continue
        item: dict[str, Any] = {k: v for k, v in row.items() if k is not None}
        item["keywords"] = {
            "include": _split_keywords(item.pop("keywords_include", None)),
            "exclude": _split_keywords(item.pop("keywords_exclude", None)),
        }
        pledge = _validate_pledge(reader, item, record, today)
        _unique(reader, seen, pledge.slug, record, "pledge")
        pledges.append(pledge)
    if reader.problems:
        raise InvalidImport(reader.problems)
    return pledges


def _split_keywords(value: str | None) -> list[str]:
    return [k.strip() for k in (value or "").split(KEYWORD_SEPARATOR) if k.strip()]


# --- Writing ----------------------------------------------------------------------------


def import_data(
    session: Session, data: Any, *, actor: Actor = "import", now: datetime | None = None
) -> ImportSummary:
    """Validate the JSON contract, then create or update everything in it. Never commits."""
    now = now or utc_now()
    elections = validate_data(data, now=now)
    writer = _Writer(session, actor, now)
    writer.load([e.slug for e in elections])
    writer.check([(e.slug, p) for e in elections for c in e.candidates for p in c.pledges])
    # One flush per level: children need their parent's id, audit entries their own.
    for election_in in elections:
        writer.election(election_in)
    writer.flush_created()
    for election_in in elections:
        election = writer.elections[election_in.slug]
        for candidate_in in election_in.candidates:
            writer.candidate(election, candidate_in)
    writer.flush_created()
    for election_in in elections:
        election = writer.elections[election_in.slug]
        for candidate_in in election_in.candidates:
            candidate = writer.candidates[(election.id, candidate_in.slug)]
            for pledge_in in candidate_in.pledges:
                writer.pledge(election, candidate, pledge_in)
    writer.flush_created()
    for pledge_in, pledge in writer.pledge_pairs:
        for evidence_in in pledge_in.evidence:
            writer.evidence(pledge, evidence_in)
    writer.flush_created()
    for pledge_in, pledge in writer.pledge_pairs:
        writer.history(pledge, pledge_in)
    session.flush()
    return writer.summary


def import_csv(
    session: Session,
    text: str,
    *,
    election_slug: str,
    candidate_slug: str,
    actor: Actor = "import",
    now: datetime | None = None,
) -> ImportSummary:
    """Create or update the pledges of one existing candidate from a CSV. Never commits."""
    now = now or utc_now()
    problems: list[Problem] = []
    pledges: list[PledgeIn] = []
    try:
        pledges = validate_csv(text, now=now)
    except InvalidImport as error:
        problems.extend(error.problems)
    writer = _Writer(session, actor, now)
    writer.load([election_slug])
    election = writer.elections.get(election_slug)
    candidate = writer.candidates.get((election.id, candidate_slug)) if election else None
    if election is None:
        problems.append(
            Problem("options", "--election", f"no election with slug {election_slug!r}")
        )
    elif candidate is None:
        problems.append(
            Problem("options", "--candidate", f"no candidate {candidate_slug!r} in this election")
        )
    if problems:
        raise InvalidImport(problems)
    assert election is not None
    assert candidate is not None
    writer.check([(election_slug, p) for p in pledges])
    for pledge_in in pledges:
        writer.pledge(election, candidate, pledge_in)
    session.flush()
    return writer.summary


class _Writer:
    """Matches records to existing rows (loaded in a few queries) and writes the differences."""

    def __init__(self, session: Session, actor: Actor, now: datetime) -> None:
        self.session = session
        self.actor = actor
        self.now = now
        self.summary = ImportSummary()
        self.elections: dict[str, Election] = {}
        self.candidates: dict[tuple[int | None, str], Candidate] = {}
        self.pledges: dict[tuple[int | None, str], Pledge] = {}
        self.evidence_rows: dict[tuple[int | None, str], Evidence] = {}
        self.changes: dict[int | None, list[StatusChange]] = {}
        self.pledge_pairs: list[tuple[PledgeIn, Pledge]] = []
        self.created: list[tuple[str, Any, dict[str, Any] | None]] = []

    # Loading -------------------------------------------------------------------------

    def load(self, slugs: Iterable[str]) -> None:
        """Every existing row the file could match, in five queries whatever its size."""
        session = self.session
        for election in session.exec(select(Election).where(col(Election.slug).in_(list(slugs)))):
            self.elections[election.slug] = election
        ids = [e.id for e in self.elections.values()]
        if not ids:
            return
        for candidate in session.exec(select(Candidate).where(col(Candidate.election_id).in_(ids))):
            self.candidates[(candidate.election_id, candidate.slug)] = candidate
        for pledge in session.exec(select(Pledge).where(col(Pledge.election_id).in_(ids))):
            self.pledges[(pledge.election_id, pledge.slug)] = pledge
        evidence = session.exec(
            select(Evidence).join(Pledge).where(col(Pledge.election_id).in_(ids))
        )
        for item in evidence:
            self.evidence_rows[(item.pledge_id, item.url)] = item
        changes = session.exec(
            select(StatusChange)
            .join(Pledge)
            .where(col(Pledge.election_id).in_(ids))
            .options(selectinload(StatusChange.cites))  # type: ignore[arg-type]
            .order_by(StatusChange.effective_on, StatusChange.id)  # type: ignore[arg-type]
        )
        for change in changes:
            self.changes.setdefault(change.pledge_id, []).append(change)

    def check(self, pledges: list[tuple[str, PledgeIn]]) -> None:
        """Problems that only the database can tell: a URL moderators already rejected."""
        problems = []
        for election_slug, pledge_in in pledges:
            election = self.elections.get(election_slug)
            pledge = self.pledges.get((election.id, pledge_in.slug)) if election else None
            if pledge is None:
                continue
            for evidence_in in pledge_in.evidence:
                row = self.evidence_rows.get((pledge.id, evidence_in.url))
                if row is not None and row.state == EvidenceState.REJECTED:
                    problems.append(
                        Problem(
                            evidence_in.record,
                            "url",
                            "this URL was rejected by moderators for this pledge; "
                            "publish it on the site first",
                        )  # fmt: skip
                    )
        if problems:
            raise InvalidImport(problems)

    # Writing -------------------------------------------------------------------------

    def _upsert(
        self, kind: str, existing: Any, new: Any, values: dict[str, Any],
        *, pledge_id: int | None = None,
    ) -> Any:  # fmt: skip
        """Create `new`, or set on `existing` the values that differ; log either way."""
        object_type = kind.rstrip("s") if kind != "evidence" else "evidence"
        if existing is None:
            for name, value in values.items():
                setattr(new, name, value)
            self.session.add(new)
            self.created.append((object_type, new, None))
            self.summary.add(kind, "created")
            return new
        changed = {k: v for k, v in values.items() if getattr(existing, k) != v}
        if not changed:
            self.summary.add(kind, "unchanged")
            return existing
        before = snapshot(existing, list(changed))
        for name, value in changed.items():
            setattr(existing, name, value)
        if hasattr(existing, "version"):
            existing.version += 1
        if hasattr(existing, "updated_at"):
            existing.updated_at = self.now
        if isinstance(existing, Pledge) and {"title", "body"} & set(changed):
            existing.search_text = search_text_for(existing.title, existing.body)
        self.session.add(existing)
        log_change(
            self.session, actor=self.actor, action=f"{object_type}.update", object_type=object_type,
            object_id=existing.id, pledge_id=pledge_id, before=before,
            after=snapshot(existing, list(changed)), now=self.now,
        )  # fmt: skip
        self.summary.add(kind, "updated")
        return existing

    def flush_created(self) -> None:
        """One flush for a level of new objects, then their audit entries (they need ids)."""
        self.session.flush()
        for object_type, obj, _ in self.created:
            fields = {
                "election": ELECTION_FIELDS, "candidate": CANDIDATE_FIELDS,
                "pledge": PLEDGE_FIELDS, "evidence": EVIDENCE_FIELDS,
            }[object_type]  # fmt: skip
            pledge_id = obj.id if object_type == "pledge" else getattr(obj, "pledge_id", None)
            log_change(
                self.session, actor=self.actor, action=f"{object_type}.create",
                object_type=object_type, object_id=obj.id, pledge_id=pledge_id,
                after=snapshot(obj, fields), now=self.now,
            )  # fmt: skip
        self.created.clear()

    def election(self, item: ElectionIn) -> Election:
        values = {
            "name": item.name, "territory": item.territory, "date": item.date,
            "is_demo": item.is_demo,
        }  # fmt: skip
        existing = self.elections.get(item.slug)
        new = None if existing else Election(slug=item.slug, created_at=self.now, **values)
        election = self._upsert("elections", existing, new, values)
        self.elections[item.slug] = election
        return election

    def candidate(self, election: Election, item: CandidateIn) -> Candidate:
        values = {
            "name": item.name, "list_name": item.list_name, "elected": item.elected,
            "office": item.office,
        }  # fmt: skip
        existing = self.candidates.get((election.id, item.slug))
        new = None
        if existing is None:
            new = Candidate(slug=item.slug, election_id=election.id, **values)
        candidate = self._upsert("candidates", existing, new, values)
        self.candidates[(election.id, item.slug)] = candidate
        return candidate

    def pledge(self, election: Election, candidate: Candidate, item: PledgeIn) -> Pledge:
        values = {
            "candidate_id": candidate.id, "title": item.title, "body": item.body,
            "theme": item.theme, "made_on": item.made_on, "source_url": item.source_url,
            "quote": item.quote, "deadline": item.deadline,
            "keywords_include": item.keywords_include, "keywords_exclude": item.keywords_exclude,
        }  # fmt: skip
        existing = self.pledges.get((election.id, item.slug))
        new = None
        if existing is None:
            new = Pledge(
                election_id=election.id, slug=item.slug, created_at=self.now, updated_at=self.now,
                search_text=search_text_for(item.title, item.body), **values,
            )  # fmt: skip
        pledge = self._upsert(
            "pledges", existing, new, values,
            pledge_id=existing.id if existing else None,
        )  # fmt: skip
        self.pledges[(election.id, item.slug)] = pledge
        self.pledge_pairs.append((item, pledge))
        return pledge

    def evidence(self, pledge: Pledge, item: EvidenceIn) -> Evidence:
        values: dict[str, Any] = {
            "outlet": item.outlet, "published_on": item.published_on, "kind": item.kind,
            "title": item.title, "quote": item.quote, "note": item.note, "stance": item.stance,
            "state": EvidenceState.PUBLISHED,
        }  # fmt: skip
        existing = self.evidence_rows.get((pledge.id, item.url))
        new = None
        if existing is None:
            new = Evidence(
                pledge_id=pledge.id, url=item.url, origin=Origin.IMPORT, created_at=self.now,
                reviewed_at=self.now, **values,
            )  # fmt: skip
        elif existing.state != EvidenceState.PUBLISHED:
            existing.reviewed_at = self.now  # a submitted item is published by the import
        evidence = self._upsert("evidence", existing, new, values, pledge_id=pledge.id)
        self.evidence_rows[(pledge.id, item.url)] = evidence
        return evidence

    def history(self, pledge: Pledge, item: PledgeIn) -> None:
        """Rulings in date order; an existing (to, effective_on) ruling is matched, not repeated."""
        existing = {(c.to_status, c.effective_on): c for c in self.changes.get(pledge.id, [])}
        for entry in sorted(item.history, key=lambda h: h.effective_on):
            cites = [self.evidence_rows[(pledge.id, url)] for url in entry.cites]
            change = existing.get((entry.to, entry.effective_on))
            if change is None:
                record_status_change(
                    self.session, pledge, to=entry.to, effective_on=entry.effective_on,
                    rationale=entry.rationale, cites=cites, actor=self.actor, now=self.now,
                )  # fmt: skip
                self.summary.add("status_changes", "created")
                continue
            cite_ids = sorted(e.id for e in cites)
            old_ids = sorted(e.id for e in change.cites)
            if change.rationale == entry.rationale and old_ids == cite_ids:
                self.summary.add("status_changes", "unchanged")
                continue
            before = {"rationale": change.rationale, "cites": old_ids}
            change.rationale = entry.rationale
            change.cites = cites
            self.session.add(change)
            log_change(
                self.session, actor=self.actor, action="status_change.update",
                object_type="status_change", object_id=change.id, pledge_id=pledge.id,
                before=before, after={"rationale": entry.rationale, "cites": cite_ids},
                now=self.now,
            )  # fmt: skip
            self.summary.add("status_changes", "updated")
