"""Writing validated records: match each to its row by key, create or update what differs, audit it.

Never commits: the caller (a view or a command) owns the one transaction of an import.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Any, Literal

from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from models import Candidate, Election, Evidence, Pledge, StatusChange, Theme
from models.db import rel, utc_now
from models.enums import EvidenceState, Origin, PledgeStatus
from pledges.audit import Actor, AuditAction, log_change, snapshot
from pledges.errors import InvalidImport, Problem
from pledges.importing.files import decode_text, read_xlsx, split_csv, split_paste
from pledges.importing.records import CandidateIn, ElectionIn, EvidenceIn, PledgeIn, ThemeIn
from pledges.importing.report import ImportSummary, ProblemLog, TooManyProblems, shown
from pledges.importing.spreadsheet import Line, SheetReader, SheetRow, validate_sheet
from pledges.importing.validation import validate_file
from pledges.search import fold, slugify
from pledges.status import not_corrected, record_status_change, ruling_refusal
from pledges.themes import find_theme, resolve_theme

ELECTION_FIELDS = ["slug", "name", "territory", "date", "is_demo"]
# What a file may not change on published evidence (its URL is its identity).
PUBLISHED_EVIDENCE_FIELDS = ["outlet", "published_on", "kind", "title", "quote", "note", "stance"]
CANDIDATE_FIELDS = ["slug", "name", "list_name", "elected", "office"]
PLEDGE_FIELDS = [
    "slug", "candidate_id", "title", "body", "theme", "made_on", "source_url", "quote",
    "deadline", "keywords_include", "keywords_exclude",
]  # fmt: skip
EVIDENCE_FIELDS = [
    "url", "outlet", "published_on", "kind", "title", "quote", "note", "stance", "state",
]  # fmt: skip


def import_data(
    session: Session,
    data: Any,
    *,
    actor: Actor = "import",
    now: datetime | None = None,
    zone: tzinfo = UTC,
) -> ImportSummary:
    """Validate the JSON contract, then create or update everything in it. Never commits.

    `zone` is the site's: "in the future" starts at its midnight, not UTC's.
    """
    now = (now or utc_now()).astimezone(zone)
    content = validate_file(data, now=now)
    elections = content.elections
    writer = _Writer(session, actor, now, zone)
    writer.load([e.slug for e in elections])
    writer.check([(e.slug, e.date, p) for e in elections for c in e.candidates for p in c.pledges])
    writer.themes(content.themes)
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
    zone: tzinfo = UTC,
) -> ImportSummary:
    """Create or update pledges from a CSV of the spreadsheet contract. Never commits."""
    return import_sheet(
        session, text, kind="csv", election_slug=election_slug, candidate_slug=candidate_slug,
        actor=actor, now=now, zone=zone,
    )  # fmt: skip


SheetKind = Literal["csv", "xlsx", "paste"]


@dataclass
class PlannedRow:
    """One row as the preview shows it: what will be created or updated, and where."""

    record: str
    title: str
    candidate: str
    candidate_new: bool
    theme: str
    theme_new: bool
    made_on: date | None
    deadline: date | None
    pledge_new: bool
    slug: str = ""
    candidate_slug: str = ""


@dataclass
class SheetPlan:
    """A spreadsheet checked against the database, nothing written: rows, or the problems."""

    rows: list[PlannedRow] = field(default_factory=list)
    error: InvalidImport | None = None
    election: Election | None = None
    writer: _Writer | None = None
    sheet_rows: list[SheetRow] = field(default_factory=list)
    columns: set[str] = field(default_factory=set)
    new_candidates: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def problems(self) -> list[Problem]:
        return self.error.problems if self.error else []


def plan_sheet(
    session: Session,
    source: str | bytes,
    *,
    kind: SheetKind,
    election_slug: str,
    candidate_slug: str = "",
    candidate_name: str = "",
    now: datetime | None = None,
    zone: tzinfo = UTC,
) -> SheetPlan:
    """Read and check a spreadsheet (a CSV or XLSX file, or pasted text) without writing.

    `candidate_slug` (an existing candidate) or `candidate_name` (existing or new,
    by name) is the candidate of the rows that name none; a row's `candidat` cell wins.
    Problems about the target have no record and name the field that gave it
    ("election", "candidate"); they come first.
    """
    now = (now or utc_now()).astimezone(zone)
    reader = SheetReader()
    rows: list[SheetRow] = []
    columns: set[str] = set()
    counted_all = True
    try:
        lines = _read_lines(reader, source, kind)
        if not reader.log:
            rows, columns = validate_sheet(
                reader, lines, now.date(), header_required=kind != "paste"
            )
    except TooManyProblems:
        counted_all = False
    writer = _Writer(session, now=now, zone=zone, actor="import")
    writer.load([election_slug])
    election = writer.elections.get(election_slug)
    log = ProblemLog()
    plan = SheetPlan(election=election, writer=writer, sheet_rows=rows, columns=columns)
    default: Candidate | None = None
    if election is None:
        _unknown_election(session, log, election_slug)
    elif candidate_slug and candidate_name:
        log.add("", "candidate", "candidate_choice")
    elif candidate_slug:
        default = writer.candidates.get((election.id, candidate_slug))
        if default is None:
            log.add("", "candidate", "unknown_candidate", slug=shown(candidate_slug))
    elif not candidate_name and rows and "candidate" not in columns:
        log.add("", "candidate", "candidate_needed")
    log.extend(reader.log.problems, reader.log.count - len(reader.log.problems))
    if election is not None:
        try:
            _plan_rows(plan, log, election, default, candidate_name)
        except TooManyProblems:
            counted_all = False
    if log:
        plan.error = log.error(counted_all=counted_all)
    return plan


def import_sheet(
    session: Session,
    source: str | bytes,
    *,
    kind: SheetKind,
    election_slug: str,
    candidate_slug: str = "",
    candidate_name: str = "",
    actor: Actor = "import",
    now: datetime | None = None,
    zone: tzinfo = UTC,
) -> ImportSummary:
    """Check a spreadsheet as plan_sheet does, then write it all, or raise InvalidImport."""
    plan = plan_sheet(
        session, source, kind=kind, election_slug=election_slug, candidate_slug=candidate_slug,
        candidate_name=candidate_name, now=now, zone=zone,
    )  # fmt: skip
    if plan.error is not None:
        raise plan.error
    writer, election = plan.writer, plan.election
    assert writer is not None
    assert election is not None
    writer.actor = actor
    for key, (slug, name) in plan.new_candidates.items():
        item = CandidateIn(record=key, slug=slug, name=name, list_name="", elected=False, office="")
        writer.candidate(election, item)
    writer.flush_created()
    only = _updated_fields(plan.columns)
    for planned, row in zip(plan.rows, plan.sheet_rows, strict=True):
        candidate = _row_candidate(writer, election, planned)
        row.pledge.slug = planned.slug
        writer.pledge(election, candidate, row.pledge, only=only)
    writer.flush_created()
    session.flush()
    return writer.summary


def _read_lines(reader: SheetReader, source: str | bytes, kind: SheetKind) -> list[Line]:
    if kind == "xlsx":
        return read_xlsx(reader, source if isinstance(source, bytes) else source.encode())
    text = decode_text(reader, source) if isinstance(source, bytes) else source
    if text is None:
        return []
    return split_paste(reader, text) if kind == "paste" else split_csv(reader, text)


def _unknown_election(session: Session, log: ProblemLog, election_slug: str) -> None:
    # Elections are few: compare names in Python, where case folding knows accents.
    wanted = election_slug.strip().casefold()
    names = session.exec(select(Election.slug, Election.name)).all()
    named = next((slug for slug, name in names if name.strip().casefold() == wanted), None)
    if named is not None:  # an election's name typed where its slug was expected
        log.add("", "election", "election_name_not_slug", value=shown(election_slug), slug=named)
    else:
        log.add("", "election", "unknown_election", slug=shown(election_slug))


def _unique_slug(base: str, taken: set[str], fallback: str, max_length: int) -> str:
    """`base` as a slug, or with -2, -3... when taken; added to `taken`."""
    stem = slugify(base)[:max_length].strip("-") or fallback
    slug, number = stem, 1
    while slug in taken:
        number += 1
        slug = f"{stem}-{number}"
    taken.add(slug)
    return slug


def _plan_rows(
    plan: SheetPlan,
    log: ProblemLog,
    election: Election,
    default: Candidate | None,
    default_name: str,
) -> None:
    """Match each row's candidate, pledge and theme to the database (nothing written)."""
    writer = plan.writer
    assert writer is not None
    session = writer.session
    candidates = [c for (eid, _), c in writer.candidates.items() if eid == election.id]
    by_name = {fold(c.name): c for c in candidates}
    candidate_slugs = {c.slug for c in candidates}
    pledges = [p for (eid, _), p in writer.pledges.items() if eid == election.id]
    by_title: dict[tuple[int | None, str], Pledge] = {
        (p.candidate_id, fold(p.title)): p for p in pledges
    }
    pledge_slugs = {p.slug for p in pledges}
    themes: dict[str, Theme | None] = {}
    titles: set[tuple[str, str]] = set()
    for row in plan.sheet_rows:
        name = " ".join((row.candidate or default_name).split())
        candidate = default if not row.candidate else None
        if candidate is None and name:
            candidate = by_name.get(fold(name))
        if candidate is None and name and fold(name) not in plan.new_candidates:
            slug = _unique_slug(name, candidate_slugs, "candidature", 100)
            plan.new_candidates[fold(name)] = (slug, name)
        shown_name = candidate.name if candidate else name
        candidate_slug = (
            candidate.slug if candidate else plan.new_candidates.get(fold(name), ("", ""))[0]
        )
        key = candidate.slug if candidate else fold(name)
        if (key, fold(row.pledge.title)) in titles and row.pledge.title:
            log.add(row.record, "title", "duplicate_title")
        titles.add((key, fold(row.pledge.title)))
        existing: Pledge | None = None
        if row.slug_given:
            existing = writer.pledges.get((election.id, row.pledge.slug))
            slug = row.pledge.slug
            pledge_slugs.add(slug)
        else:
            existing = by_title.get((candidate.id, fold(row.pledge.title))) if candidate else None
            slug = existing.slug if existing else ""
            if existing is None and row.pledge.title:
                slug = _unique_slug(row.pledge.title, pledge_slugs, "engagement", 150)
        theme_text = row.pledge.theme
        if theme_text and theme_text not in themes:
            themes[theme_text] = find_theme(session, theme_text)
        theme = themes.get(theme_text)
        plan.rows.append(
            PlannedRow(
                record=row.record,
                title=row.pledge.title,
                candidate=shown_name,
                candidate_new=candidate is None and bool(name),
                theme=theme.name_fr if theme else theme_text,
                theme_new=bool(theme_text) and theme is None,
                made_on=row.pledge.made_on,
                deadline=row.pledge.deadline,
                pledge_new=existing is None,
                slug=slug,
                candidate_slug=candidate_slug,
            )  # fmt: skip
        )
        if not name and "candidate" in plan.columns:
            log.add(row.record, "candidate", "missing")


def _row_candidate(writer: _Writer, election: Election, planned: PlannedRow) -> Candidate:
    """The candidate of a planned row: an existing one, or the one just created."""
    return writer.candidates[(election.id, planned.candidate_slug)]


# A sheet updates only the columns it has: a programme of titles leaves bodies alone.
_SHEET_FIELDS = {
    "title": ["title"], "body": ["body"], "theme": ["theme"], "made_on": ["made_on"],
    "source_url": ["source_url"], "quote": ["quote"], "deadline": ["deadline"],
    "keywords": ["keywords_include"], "keywords_include": ["keywords_include"],
    "keywords_exclude": ["keywords_exclude"],
}  # fmt: skip


def _updated_fields(columns: set[str]) -> set[str]:
    return {"candidate_id"} | {f for c in columns for f in _SHEET_FIELDS.get(c, [])}


def _ruling_problem(
    code: str,
    field: str,
    to: PledgeStatus,
    current: PledgeStatus,
    latest_on: date | None,
    item: PledgeIn,
    election_on: date,
) -> tuple[str, str, dict[str, str | int]]:
    """A refusal of pledges.status as an import problem: the file's field name, the dates."""
    name = {"status": "to"}.get(field, field)
    by_code: dict[str, dict[str, str | int]] = {
        "verdict_needs_evidence": {"status": to.value},
        "verdict_contradicts_evidence": {"status": to.value},
        "ruling_before_pledge": {"made_on": item.made_on.isoformat() if item.made_on else ""},
        "ruling_before_election": {"election_on": election_on.isoformat()},
        "ruling_before_latest": {"latest_on": latest_on.isoformat() if latest_on else ""},
        "ruling_changes_nothing": {"status": current.value},
    }
    params = by_code.get(code, {})
    # Validation reports these two under its own codes first; kept in step should it not.
    code = {
        "verdict_needs_evidence": "verdict_without_evidence",
        "future_ruling": "future_date",
    }.get(code, code)
    return code, name, params


def _id(row: Election | Candidate | Pledge | Evidence) -> int:
    """The id of a flushed row: the writer flushes each level before the next needs ids."""
    assert row.id is not None
    return row.id


class _Writer:
    """Matches records to existing rows (loaded in a few queries) and writes the differences."""

    def __init__(self, session: Session, actor: Actor, now: datetime, zone: tzinfo) -> None:
        self.session = session
        self.actor = actor
        self.now = now  # in the site's zone: its .date() is the site's today
        self.zone = zone
        self.summary = ImportSummary()
        self.elections: dict[str, Election] = {}
        self.candidates: dict[tuple[int | None, str], Candidate] = {}
        self.pledges: dict[tuple[int | None, str], Pledge] = {}
        self.evidence_rows: dict[tuple[int | None, str], Evidence] = {}
        self.changes: dict[int | None, list[StatusChange]] = {}
        self.pledge_pairs: list[tuple[PledgeIn, Pledge]] = []
        self.created: list[tuple[str, Any, dict[str, Any] | None]] = []
        self.theme_slugs: dict[str, str] = {}

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
            .where(col(Pledge.election_id).in_(ids), not_corrected())
            .options(selectinload(rel(StatusChange.cites)))
            .order_by(col(StatusChange.effective_on), col(StatusChange.id))
        )
        for change in changes:  # the effective history: corrected rulings no longer count
            self.changes.setdefault(change.pledge_id, []).append(change)

    def check(self, pledges: list[tuple[str, date, PledgeIn]]) -> None:
        """Problems only the database can tell, found before anything is written.

        A URL moderators already rejected; a ruling that pledges.status would
        refuse once the history already stored is taken into account (so a file
        whose history breaks a rule is refused whole, naming the ruling).
        """
        log = ProblemLog()
        try:
            for election_slug, election_on, pledge_in in pledges:
                election = self.elections.get(election_slug)
                pledge = self.pledges.get((election.id, pledge_in.slug)) if election else None
                if pledge is not None:
                    for evidence_in in pledge_in.evidence:
                        row = self.evidence_rows.get((pledge.id, evidence_in.url))
                        if row is not None and row.state == EvidenceState.REJECTED:
                            log.add(evidence_in.record, "url", "rejected_url")
                        # A withdrawal is undone by no file: the import would republish it.
                        elif row is not None and row.state == EvidenceState.WITHDRAWN:
                            log.add(evidence_in.record, "url", "withdrawn_url")
                        # Published evidence is corrected in the open (pledges.evidence:
                        # a public correction with its reason), never rewritten by a file.
                        elif row is not None and row.state == EvidenceState.PUBLISHED:
                            for name in PUBLISHED_EVIDENCE_FIELDS:
                                if getattr(row, name) != getattr(evidence_in, name):
                                    log.add(evidence_in.record, name, "published_evidence_changed")
                                    break
                stored = self.changes.get(pledge.id, []) if pledge is not None else []
                self._check_history(log, pledge_in, election_on, stored)
        except TooManyProblems:
            raise log.error(counted_all=False) from None
        if log:
            raise log.error()

    def _check_history(
        self, log: ProblemLog, item: PledgeIn, election_on: date, stored: list[StatusChange]
    ) -> None:
        """Check the file's rulings in the order history() writes them, by pledges.status rules."""
        # `stored` is in (effective_on, id) order: its last change is the current one.
        current = stored[-1].to_status if stored else PledgeStatus.PENDING
        latest_on = stored[-1].effective_on if stored else None
        matched = {(c.to_status, c.effective_on): c for c in stored}
        stances = {e.url: e.stance for e in item.evidence}
        for entry in sorted(item.history, key=lambda h: h.effective_on):
            cited = [stances[url] for url in entry.cites]
            if (entry.to, entry.effective_on) in matched:
                # A stored ruling is matched, not repeated. The ledger is append-only: a
                # different rationale or citation is a correction (pledges.status
                # correct_ruling, with its reason, shown publicly), never a silent rewrite.
                change = matched[(entry.to, entry.effective_on)]
                if change.rationale != entry.rationale:
                    log.add(entry.record, "rationale", "ruling_changed")
                elif sorted(e.url for e in change.cites) != sorted(entry.cites):
                    log.add(entry.record, "cites", "ruling_changed")
                continue
            refusal = ruling_refusal(
                to=entry.to,
                effective_on=entry.effective_on,
                cited_stances=cited,
                current=current,
                latest_on=latest_on,
                made_on=item.made_on,
                election_on=election_on,
                today=self.now.date(),
            )
            if refusal is not None:
                code, name, params = _ruling_problem(
                    refusal.code, refusal.field, entry.to, current, latest_on, item, election_on
                )
                log.add(entry.record, name, code, **params)
            current, latest_on = entry.to, entry.effective_on

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
        self.session.add(existing)
        log_change(
            self.session, actor=self.actor, action=AuditAction(f"{object_type}.update"),
            object_type=object_type, object_id=existing.id, pledge_id=pledge_id, before=before,
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
                self.session, actor=self.actor, action=AuditAction(f"{object_type}.create"),
                object_type=object_type, object_id=obj.id, pledge_id=pledge_id,
                after=snapshot(obj, fields), now=self.now,
            )  # fmt: skip
        self.created.clear()

    def themes(self, items: list[ThemeIn]) -> None:
        """Create the file's themes that do not exist yet, with their names.

        An existing theme keeps its names: editors may have renamed it on the site.
        """
        if not items:
            return
        slugs = [t.slug for t in items]
        existing = set(self.session.exec(select(Theme.slug).where(col(Theme.slug).in_(slugs))))
        for item in items:
            if item.slug not in existing:
                self.session.add(
                    Theme(slug=item.slug, name_fr=item.name_fr, name_en=item.name_en,
                          created_at=self.now)
                )  # fmt: skip
                existing.add(item.slug)
        self.session.flush()

    def theme_slug(self, text: str) -> str:
        """The slug of the theme named or slugged `text` (created when new), once per text."""
        if text not in self.theme_slugs:
            self.theme_slugs[text] = resolve_theme(self.session, text, now=self.now)
        return self.theme_slugs[text]

    def election(self, item: ElectionIn) -> Election:
        values: dict[str, Any] = {
            "name": item.name, "territory": item.territory, "date": item.date,
            "is_demo": item.is_demo,
        }  # fmt: skip
        existing = self.elections.get(item.slug)
        new = None if existing else Election(slug=item.slug, created_at=self.now, **values)
        if existing is not None:
            # Whether an election is demonstration data is set when it is created, never
            # by a later file: else one import could mark a real election for `demo unload`.
            del values["is_demo"]
        election = self._upsert("elections", existing, new, values)
        self.elections[item.slug] = election
        return election

    def candidate(self, election: Election, item: CandidateIn) -> Candidate:
        values: dict[str, Any] = {
            "name": item.name, "list_name": item.list_name, "elected": item.elected,
            "office": item.office,
        }  # fmt: skip
        existing = self.candidates.get((election.id, item.slug))
        new = None
        if existing is None:
            new = Candidate(slug=item.slug, election_id=_id(election), **values)
        candidate = self._upsert("candidates", existing, new, values)
        self.candidates[(election.id, item.slug)] = candidate
        return candidate

    def pledge(
        self, election: Election, candidate: Candidate, item: PledgeIn,
        *, only: set[str] | None = None,
    ) -> Pledge:  # fmt: skip
        """Create the pledge, or update it (only the fields in `only`, when given)."""
        values: dict[str, Any] = {
            "candidate_id": candidate.id, "title": item.title, "body": item.body,
            "theme": self.theme_slug(item.theme), "made_on": item.made_on,
            "source_url": item.source_url, "quote": item.quote, "deadline": item.deadline,
            "keywords_include": item.keywords_include, "keywords_exclude": item.keywords_exclude,
        }  # fmt: skip
        existing = self.pledges.get((election.id, item.slug))
        new = None
        if existing is not None and only is not None:
            values = {k: v for k, v in values.items() if k in only}
        if existing is None:
            new = Pledge(
                election_id=_id(election), slug=item.slug, created_at=self.now, updated_at=self.now,
                **values,
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
                pledge_id=_id(pledge), url=item.url, origin=Origin.IMPORT, created_at=self.now,
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
                    zone=self.zone,
                )  # fmt: skip
                self.summary.add("status_changes", "created")
                continue
            # Same rationale and citations (check() refused any other difference).
            self.summary.add("status_changes", "unchanged")
