"""Writing validated records: match each to its row by key, create or update what differs, audit it.

Never commits: the caller (a view or a command) owns the one transaction of an import.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from models import Candidate, Election, Evidence, Pledge, StatusChange
from models.db import rel, utc_now
from models.enums import EvidenceState, Origin, PledgeStatus
from pledges.audit import Actor, AuditAction, log_change, snapshot
from pledges.errors import InvalidImport
from pledges.importing.records import CandidateIn, ElectionIn, EvidenceIn, PledgeIn
from pledges.importing.report import ImportSummary, ProblemLog, TooManyProblems, shown
from pledges.importing.spreadsheet import validate_csv
from pledges.importing.validation import validate_data
from pledges.search import search_text_for
from pledges.status import VERDICTS, not_corrected, record_status_change, ruling_refusal

ELECTION_FIELDS = ["slug", "name", "territory", "date", "is_demo"]
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
    elections = validate_data(data, now=now)
    writer = _Writer(session, actor, now, zone)
    writer.load([e.slug for e in elections])
    writer.check([(e.slug, e.date, p) for e in elections for c in e.candidates for p in c.pledges])
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
    """Create or update the pledges of one existing candidate from a CSV. Never commits."""
    now = (now or utc_now()).astimezone(zone)
    pledges: list[PledgeIn] = []
    file_error: InvalidImport | None = None
    try:
        pledges = validate_csv(text, now=now)
    except InvalidImport as error:
        file_error = error
    writer = _Writer(session, actor, now, zone)
    writer.load([election_slug])
    election = writer.elections.get(election_slug)
    candidate = writer.candidates.get((election.id, candidate_slug)) if election else None
    # What the file is imported into is not in the file: these problems have no record,
    # and their field names the form field or command option that gave it. They come
    # first, so a long report of the file's problems never hides them.
    log = ProblemLog()
    if election is None:
        # Elections are few: compare names in Python, where case folding knows accents.
        wanted = election_slug.strip().casefold()
        names = session.exec(select(Election.slug, Election.name)).all()
        named = next((slug for slug, name in names if name.strip().casefold() == wanted), None)
        if named is not None:  # an election's name typed where its slug was expected
            value = shown(election_slug)
            log.add("", "election", "election_name_not_slug", value=value, slug=named)
        else:
            log.add("", "election", "unknown_election", slug=shown(election_slug))
    elif candidate is None:
        log.add("", "candidate", "unknown_candidate", slug=shown(candidate_slug))
    counted_all = True
    if file_error is not None:
        log.extend(file_error.problems, file_error.omitted)
        counted_all = file_error.counted_all
    if log:
        raise log.error(counted_all=counted_all)
    assert election is not None
    assert candidate is not None
    writer.check([(election_slug, election.date, p) for p in pledges])
    for pledge_in in pledges:
        writer.pledge(election, candidate, pledge_in)
    session.flush()
    return writer.summary


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
        matched = {(c.to_status, c.effective_on) for c in stored}
        stances = {e.url: e.stance for e in item.evidence}
        for entry in sorted(item.history, key=lambda h: h.effective_on):
            cited = [stances[url] for url in entry.cites]
            if (entry.to, entry.effective_on) in matched:
                # A stored ruling is matched, not repeated; only its citations may change.
                if entry.to in VERDICTS and entry.to.value not in cited:
                    status = entry.to.value
                    log.add(entry.record, "cites", "verdict_contradicts_evidence", status=status)
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
        if isinstance(existing, Pledge) and {"title", "body"} & set(changed):
            existing.search_text = search_text_for(existing.title, existing.body)
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

    def election(self, item: ElectionIn) -> Election:
        values: dict[str, Any] = {
            "name": item.name, "territory": item.territory, "date": item.date,
            "is_demo": item.is_demo,
        }  # fmt: skip
        existing = self.elections.get(item.slug)
        new = None if existing else Election(slug=item.slug, created_at=self.now, **values)
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

    def pledge(self, election: Election, candidate: Candidate, item: PledgeIn) -> Pledge:
        values: dict[str, Any] = {
            "candidate_id": candidate.id, "title": item.title, "body": item.body,
            "theme": item.theme, "made_on": item.made_on, "source_url": item.source_url,
            "quote": item.quote, "deadline": item.deadline,
            "keywords_include": item.keywords_include, "keywords_exclude": item.keywords_exclude,
        }  # fmt: skip
        existing = self.pledges.get((election.id, item.slug))
        new = None
        if existing is None:
            new = Pledge(
                election_id=_id(election), slug=item.slug, created_at=self.now, updated_at=self.now,
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
            cite_ids = sorted(_id(e) for e in cites)
            old_ids = sorted(_id(e) for e in change.cites)
            if change.rationale == entry.rationale and old_ids == cite_ids:
                self.summary.add("status_changes", "unchanged")
                continue
            before = {"rationale": change.rationale, "cites": old_ids}
            change.rationale = entry.rationale
            change.cites = cites
            self.session.add(change)
            log_change(
                self.session, actor=self.actor, action=AuditAction.STATUS_CHANGE_UPDATE,
                object_type="status_change", object_id=change.id, pledge_id=pledge.id,
                before=before, after={"rationale": entry.rationale, "cites": cite_ids},
                now=self.now,
            )  # fmt: skip
            self.summary.add("status_changes", "updated")
