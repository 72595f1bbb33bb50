"""Read side of the public site: counts per candidate, filtered pledge lists, themes, timelines.

Every function here runs a fixed number of SQL statements whatever the data size:
counts are aggregated in SQL (GROUP BY); lists read joined rows as records
(pledges.records), a pledge's page loads its relationships in four statements.
The statements of the public lists are kept per filter shape (`_kept`). No writes,
no Flask.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache, partial
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Date,
    Integer,
    Label,
    Select,
    and_,
    bindparam,
    case,
    false,
    func,
    literal,
    or_,
)
from sqlalchemy import select as sa_select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from models import Candidate, Election, Evidence, Pledge, StatusChange, StatusChangeCitation, User
from models.db import rel, table_of
from models.enums import EvidenceState, PledgeStatus
from pledges.archiving import visible_candidates, visible_elections, visible_pledges
from pledges.full_text import Fragment, PledgeMatches, Query, parse_query, ranked_matches
from pledges.full_text import snippet as snippet_of
from pledges.records import (
    PLEDGE_WIDTH,
    AuthorRecord,
    CandidateRecord,
    EvidenceRecord,
    PledgeDetail,
    PledgeRecord,
    RecordBuilder,
    RulingRecord,
    candidate_columns,
    evidence_columns,
    evidence_record,
    pledge_columns,
    pledge_detail,
    pledge_detail_columns,
    ruling_columns,
    ruling_record,
)
from pledges.search import fold
from pledges.status import current_ruling
from pledges.text import plain_text

MAX_PER_PAGE = 100
MAX_SNIPPET_EVIDENCE = 20  # published evidence items of a pledge looked at for a snippet


@dataclass(frozen=True)
class PledgeFilters:
    """What a visitor asked for; None/empty means "any"."""

    election: str | None = None  # election slug
    candidate: str | None = None  # candidate slug (within `election` when given)
    theme: str | None = None
    status: PledgeStatus | None = None
    overdue: bool = False
    q: str = ""
    candidate_id: int | None = None  # set by candidate pages, not by visitors

    @property
    def query(self) -> Query | None:
        """The full-text query when `q` holds anything; it may have no term (stop words)."""
        return parse_query(self.q) if self.q and fold(self.q) else None

    def scope(self) -> PledgeFilters:
        """The filters the per-candidate counts follow: election, theme and search.

        Candidate, status and overdue pick rows *within* the counts, so the counts
        table keeps showing every status while the list narrows.
        """
        return PledgeFilters(election=self.election, theme=self.theme, q=self.q)

    @property
    def active(self) -> bool:
        return bool(
            self.election or self.candidate or self.theme or self.status or self.overdue or self.q
        )


@dataclass
class CandidateCounts:
    candidate: Candidate | CandidateRecord
    kept: int = 0
    broken: int = 0
    pending: int = 0
    overdue: int = 0

    @property
    def total(self) -> int:
        return self.kept + self.broken + self.pending

    def share(self, status: str) -> float:
        """Percentage of the candidate's pledges in `status` (0 when it has none)."""
        return 100.0 * getattr(self, status) / self.total if self.total else 0.0


@dataclass
class ElectionCounts:
    election: Election
    candidates: list[CandidateCounts] = field(default_factory=list)


@dataclass
class Snippet:
    """Where a search found a pledge, words marked: its body, or a published evidence item."""

    parts: list[Fragment]
    source: str  # "body" or "evidence"


@dataclass
class PledgeRow:
    pledge: PledgeRecord | Pledge  # a record in lists (list_pledges), else the model
    evidence_count: int
    # Set by a search (list_pledges(..., snippets=True)): where the words were found.
    snippet: Snippet | None = None

    def is_overdue(self, today: date) -> bool:
        return self.pledge.is_overdue(today)


T = TypeVar("T")


class Remember(Protocol):
    """Where a caller may keep what a read returns, under a key naming the read and all
    it depends on; `load` reads it. The counts over a whole election or list are the
    same for every page, language and visitor until the data changes: the web app keeps
    them per data version (views.database.read_per_version). Values given to it are
    plain and immutable (ints, tuples of column values)."""

    def __call__(self, key: Hashable, load: Callable[[], T], /) -> T: ...


def load_each_time(_key: Hashable, load: Callable[[], T]) -> T:
    """The default `Remember`: nothing kept."""
    return load()


@dataclass
class Page(Generic[T]):
    """One page of a list: its items, the total and where it sits."""

    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


class PledgePage(Page[PledgeRow]):
    """One page of a pledge list."""


def overdue_clause(today: date | BindParameter[date]) -> ColumnElement[bool]:
    """Pending past its deadline (also for other read modules: the widget, the editors' search)."""
    return and_(
        col(Pledge.status) == PledgeStatus.PENDING,
        col(Pledge.deadline).is_not(None),
        col(Pledge.deadline) < today,
    )


def _clauses(filters: PledgeFilters, today: date) -> list[ColumnElement[bool]]:
    """SQL conditions on Pledge for the given filters (no join needed); never archived ones.

    Every value is a named parameter holding it (`_params` names them all): a
    statement kept for one request's shape (`_kept`) runs for another's values.
    """
    clauses: list[ColumnElement[bool]] = [visible_pledges()]
    if filters.election:
        # "=" and not "IN": slugs are unique, and with an equality both planners walk
        # ix_pledge_election_id in id order and stop after a page.
        in_election = Election.slug == bindparam("f_election", filters.election)
        clauses.append(
            col(Pledge.election_id) == select(Election.id).where(in_election).scalar_subquery()
        )
    if filters.candidate:
        candidates = select(Candidate.id).where(
            Candidate.slug == bindparam("f_candidate", filters.candidate)
        )
        if filters.election:
            candidates = candidates.join(Election).where(
                Election.slug == bindparam("f_election", filters.election)
            )
        clauses.append(col(Pledge.candidate_id).in_(candidates))
    if filters.candidate_id is not None:
        clauses.append(
            col(Pledge.candidate_id) == bindparam("f_candidate_id", filters.candidate_id)
        )
    if filters.theme:
        clauses.append(col(Pledge.theme) == bindparam("f_theme", filters.theme))
    if filters.status:
        clauses.append(col(Pledge.status) == bindparam("f_status", filters.status))
    if filters.overdue:
        clauses.append(overdue_clause(_today(today)))
    query = filters.query
    if query is not None:
        clauses.append(PledgeMatches(query) if query else false())
    return clauses


def _today(today: date) -> BindParameter[date]:
    return bindparam("today", today, type_=Date)


def _params(filters: PledgeFilters, today: date, **more: Any) -> dict[str, Any]:
    """The values of the parameters `_clauses` names, and `more`."""
    return {
        "f_election": filters.election,
        "f_candidate": filters.candidate,
        "f_candidate_id": filters.candidate_id,
        "f_theme": filters.theme,
        "f_status": filters.status,
        "today": today,
        **more,
    }


# Statements kept by shape: which filters are set (never their values, which are
# parameters) and what else shapes them (a sort). A search is never kept: its
# clause holds its words. Bounded whatever visitors send: keys are made of booleans
# and the sort (one of CANDIDATE_SORTS), about 150 statements at most.
_KEPT: dict[tuple[Any, ...], Any] = {}


def _shape(filters: PledgeFilters) -> tuple[bool, ...] | None:
    if filters.query is not None:
        return None
    return (
        bool(filters.election),
        bool(filters.candidate),
        filters.candidate_id is not None,
        bool(filters.theme),
        bool(filters.status),
        filters.overdue,
    )


def _kept(key: tuple[Any, ...] | None, build: Callable[[], T]) -> T:
    """The statement `build` makes, kept under `key` (a None key: built each time).

    A kept statement keeps its cache key and compiled form: a page binds its values
    instead of building, hashing and looking up a statement of the same shape.
    """
    if key is None:
        return build()
    found = _KEPT.get(key)
    if found is None:
        found = _KEPT[key] = build()
    return found


def _candidate_pledges(scope: PledgeFilters, today: date) -> ColumnElement[bool]:
    """The join of a candidate's pledges within `scope`. The election is the candidate's
    (the statement filters candidates on it), so it is not tested again on each pledge:
    that test would make the planner read the whole election per candidate."""
    clauses = _clauses(replace(scope, election=None), today)
    return and_(col(Pledge.candidate_id) == Candidate.id, *clauses)


def evidence_count_column() -> Label[int]:
    """A correlated count of a pledge's published evidence, to select beside Pledge."""
    return (
        select(func.count(col(Evidence.id)))
        .where(Evidence.pledge_id == Pledge.id, Evidence.state == EvidenceState.PUBLISHED)
        .correlate(Pledge)
        .scalar_subquery()
        .label("evidence_count")
    )


def count_by_candidate(
    session: Session, filters: PledgeFilters, *, today: date
) -> list[ElectionCounts]:
    """Kept/broken/pending/overdue counts of every candidate, grouped by election, in one query.

    Counts follow `filters.scope()` (election, theme, search); candidates with no
    matching pledge are listed with zeros so that the table does not jump around.
    """
    scope = filters.scope()
    pledge_join = _candidate_pledges(scope, today)

    def _count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    # SQLAlchemy's own select: SQLModel's is typed for at most four columns.
    stmt = (
        sa_select(
            Candidate,
            Election,
            _count(col(Pledge.status) == PledgeStatus.KEPT),
            _count(col(Pledge.status) == PledgeStatus.BROKEN),
            _count(col(Pledge.status) == PledgeStatus.PENDING),
            _count(overdue_clause(today)),
        )
        .join(Election, col(Election.id) == Candidate.election_id)
        .outerjoin(Pledge, pledge_join)
        .where(visible_candidates())
        .group_by(col(Candidate.id), col(Election.id))
        .order_by(col(Election.date).desc(), Election.name, Candidate.name, col(Candidate.id))
    )
    if scope.election:
        stmt = stmt.where(col(Election.slug) == scope.election)
    result: list[ElectionCounts] = []
    for candidate, election, kept, broken, pending, overdue in session.execute(stmt):
        if not result or result[-1].election.id != election.id:
            result.append(ElectionCounts(election=election))
        result[-1].candidates.append(
            CandidateCounts(candidate, int(kept), int(broken), int(pending), int(overdue))
        )
    return result


def count_statuses(session: Session, candidate: Candidate, *, today: date) -> CandidateCounts:
    """One candidate's counts, aggregated in SQL."""
    rows = session.execute(
        select(
            Pledge.status,
            func.count(col(Pledge.id)),
            func.sum(case((overdue_clause(today), 1), else_=0)),
        )
        .where(Pledge.candidate_id == candidate.id, visible_pledges())
        .group_by(Pledge.status)
    ).all()
    counts = CandidateCounts(candidate)
    for status, number, overdue in rows:
        setattr(counts, PledgeStatus(status).value, int(number))
        counts.overdue += int(overdue or 0)
    return counts


def list_pledges(
    session: Session,
    filters: PledgeFilters,
    *,
    page: int = 1,
    per_page: int = 20,
    today: date,
    snippets: bool = False,
    total: int | None = None,
    remember: Remember = load_each_time,
) -> PledgePage:
    """One page of pledges matching `filters`, with evidence counts: most relevant first
    when searching (ties by id), else by id.

    A page past the end is clamped to the last page. Two statements: the total, and
    the page joined to candidates and elections (with, for `snippets` and a search,
    the evidence text the snippets may quote). Rows come back as read-only records
    (pledges.records), not ORM objects: lists only read. A caller that has counted
    these same filters already (an election board's totals) passes `total`, and the
    first statement is not run. Without a search, the total is a `remember`ed read.
    """
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    shape = _shape(filters)
    params = _params(filters, today)
    if total is None:
        count = _kept(
            None if shape is None else ("pledge count", *shape),
            lambda: select(func.count(col(Pledge.id))).where(*_clauses(filters, today)),
        )
        count_params = dict(params)

        def read_total() -> int:
            return int(session.connection().execute(count, count_params).scalar_one())

        if shape is None:
            total = read_total()
        else:
            total = remember(("pledge count", shape, tuple(sorted(params.items()))), read_total)
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    query = filters.query
    with_snippets = bool(snippets and query)
    pledge_id = table_of(Pledge).c.id

    def build() -> Select[Any]:
        return (
            sa_select(
                *pledge_columns(),
                evidence_count_column(),
                evidence_text_column() if with_snippets else literal(None).label("evidence_text"),
            )
            .join_from(table_of(Pledge), table_of(Candidate))
            .join(table_of(Election), table_of(Election).c.id == table_of(Candidate).c.election_id)
            .where(*_clauses(filters, today))
            .order_by(pledge_id)
            .offset(bindparam("offset", type_=Integer))
            .limit(bindparam("limit", type_=Integer))
        )

    stmt = _kept(None if shape is None else ("pledge page", *shape), build)
    if query:
        # Most relevant first, then by id: the index's ranks, joined in one lookup.
        ranked = ranked_matches(session.get_bind().dialect.name, query)
        stmt = (
            stmt.join(ranked, ranked.c.pledge_id == pledge_id)
            .order_by(None)
            .order_by(ranked.c.rank.desc(), pledge_id)
        )
    params.update(offset=(page - 1) * per_page, limit=per_page)
    records = RecordBuilder()
    items = []
    # Core statements on the session's connection: the ORM has nothing to add to them.
    for row in session.connection().execute(stmt, params):
        pledge = records.pledge(row)
        count, evidence = row[PLEDGE_WIDTH], row[PLEDGE_WIDTH + 1]
        found = find_snippet(pledge, evidence, query) if query and with_snippets else None
        items.append(PledgeRow(pledge, int(count), found))
    return PledgePage(items=items, total=int(total), page=page, per_page=per_page)


# Separators of the evidence text selected beside each pledge: control characters, so a
# title or quote holding one would only see its snippet cut there.
_FIELD, _ITEM = "\x1f", "\x1e"


def evidence_text_column() -> Label[str]:
    """A correlated subquery: the titles and quotes of a pledge's first published evidence
    items (MAX_SNIPPET_EVIDENCE), separated, to select beside Pledge for snippets."""
    first = (
        sa_select(
            (col(Evidence.title) + _FIELD + col(Evidence.quote)).label("text"),
        )
        .where(col(Evidence.pledge_id) == Pledge.id, col(Evidence.state) == EvidenceState.PUBLISHED)
        .order_by(col(Evidence.id))
        .limit(MAX_SNIPPET_EVIDENCE)
        .correlate(Pledge)
        .subquery()
    )
    return (
        sa_select(func.aggregate_strings(first.c.text, _ITEM))
        .correlate(Pledge)
        .scalar_subquery()
        .label("evidence_text")
    )


def find_snippet(
    pledge: PledgeRecord | Pledge, evidence_text: str | None, query: Query
) -> Snippet | None:
    """The pledge's body where the words are, else its first published evidence item that
    holds them (`evidence_text` from evidence_text_column), the words marked."""
    body = snippet_of(plain_text(pledge.body), query)
    if body is not None:
        return Snippet(body, "body")
    for item in (evidence_text or "").split(_ITEM):
        title, _, quote = item.partition(_FIELD)
        found = snippet_of(f"{title} : « {quote} »" if quote else title, query)
        if found is not None:
            return Snippet(found, "evidence")
    return None


def list_themes(session: Session) -> list[tuple[str, int]]:
    """Every non-empty theme with its number of pledges, alphabetically."""
    rows = session.execute(
        select(Pledge.theme, func.count(col(Pledge.id)))
        .where(Pledge.theme != "", visible_pledges())
        .group_by(Pledge.theme)
        .order_by(Pledge.theme)
    ).all()
    return [(theme, int(number)) for theme, number in rows]


@dataclass
class ThemeColumn:
    """One candidate's pledges on a theme (possibly none: that is information too)."""

    candidate: Candidate
    pledges: list[Pledge] = field(default_factory=list)


@dataclass
class ThemeComparison:
    election: Election
    columns: list[ThemeColumn] = field(default_factory=list)


def get_theme_comparison(session: Session, theme: str) -> list[ThemeComparison]:
    """Every candidate's pledges on `theme`, side by side, per election that has any.

    Candidates of those elections who made no pledge on the theme get an empty
    column. Empty list when no pledge carries the theme. Three statements.
    """
    pledges = session.exec(
        select(Pledge).where(Pledge.theme == theme, visible_pledges()).order_by(col(Pledge.id))
    ).all()
    if not pledges:
        return []
    election_ids = {p.election_id for p in pledges}
    candidates = session.exec(
        select(Candidate)
        .join(Election)
        .where(col(Candidate.election_id).in_(election_ids), visible_candidates())
        .order_by(col(Election.date).desc(), Election.name, Candidate.name, col(Candidate.id))
        .options(selectinload(rel(Candidate.election)))
    ).all()
    columns = {c.id: ThemeColumn(c) for c in candidates}
    for pledge in pledges:
        columns[pledge.candidate_id].pledges.append(pledge)
    result: list[ThemeComparison] = []
    for candidate in candidates:
        if not result or result[-1].election.id != candidate.election_id:
            result.append(ThemeComparison(candidate.election))
        result[-1].columns.append(columns[candidate.id])
    return result


def get_candidate(session: Session, election_slug: str, candidate_slug: str) -> Candidate | None:
    """The candidate with its election, or None; archived too (`archiving.is_gone` says 410)."""
    return session.exec(
        select(Candidate)
        .join(Election)
        .where(Election.slug == election_slug, Candidate.slug == candidate_slug)
        .options(selectinload(rel(Candidate.election)))
    ).first()


def list_elections(session: Session) -> list[Election]:
    """The public elections (not archived), most recent first."""
    return list(
        session.exec(
            select(Election)
            .where(visible_elections())
            .order_by(col(Election.date).desc(), Election.name)
        )
    )


@cache
def _pledge_page_statements() -> tuple[
    Select[Any], Select[Any], Select[Any], Select[Any], Select[Any]
]:
    """get_pledge's statements, built once (a built statement keeps its cache key: each
    page only binds `pledge_id`, and `change_ids` for the citations)."""
    pledges, candidates, elections = table_of(Pledge), table_of(Candidate), table_of(Election)
    evidence, changes, users = table_of(Evidence), table_of(StatusChange), table_of(User)
    citations = table_of(StatusChangeCitation)
    pledge_id = bindparam("pledge_id", type_=Integer)
    pledge = (
        sa_select(*pledge_detail_columns())
        .join_from(pledges, candidates, candidates.c.id == pledges.c.candidate_id)
        .join(elections, elections.c.id == candidates.c.election_id)
        .where(pledges.c.id == pledge_id)
    )
    items = sa_select(*evidence_columns()).where(evidence.c.pledge_id == pledge_id)
    rulings = (
        sa_select(*ruling_columns(), users.c.id, users.c.display_name)
        .outerjoin(users, users.c.id == changes.c.author_id)
        .where(changes.c.pledge_id == pledge_id)
        .order_by(changes.c.effective_on, changes.c.id)
    )
    links = (
        sa_select(citations.c.status_change_id, citations.c.evidence_id)
        .where(citations.c.status_change_id.in_(bindparam("change_ids", expanding=True)))
        .order_by(citations.c.evidence_id)
    )
    others = sa_select(*evidence_columns()).where(
        evidence.c.id.in_(bindparam("evidence_ids", expanding=True))
    )
    return pledge, items.order_by(evidence.c.id), rulings, links, others


def get_pledge(session: Session, pledge_id: int) -> PledgeDetail | None:
    """A pledge with everything its page shows, in four statements whatever its size;
    archived too (`archiving.is_gone` tells the views to answer 410).

    Read as records (pledges.records), public columns only: its candidate and
    election (joined), its evidence, its rulings with their authors' names (joined),
    and which evidence each ruling cites. Its page and API entry only read; an
    edit loads the model.
    """
    find, find_evidence, find_rulings, find_links, find_others = _pledge_page_statements()
    key = {"pledge_id": pledge_id}
    conn = session.connection()
    row = conn.execute(find, key).first()
    if row is None:
        return None
    evidence = [evidence_record(values) for values in conn.execute(find_evidence, key)]
    rows = conn.execute(find_rulings, key).all()
    width = len(rows[0]) - 2 if rows else 0
    cited: dict[int, list[EvidenceRecord]] = {values[0]: [] for values in rows}
    if rows:
        by_id = {e.id: e for e in evidence}
        links = conn.execute(find_links, {"change_ids": list(cited)}).all()
        # A ruling cites its own pledge's evidence (pledges.status); anything else is
        # read by id, so the result never depends on that rule holding.
        missing = sorted({e for _, e in links if e not in by_id})
        if missing:
            for values in conn.execute(find_others, {"evidence_ids": missing}):
                by_id[values[0]] = evidence_record(values)
        for change_id, evidence_id in links:
            cited[change_id].append(by_id[evidence_id])
    rulings = [
        ruling_record(
            values[:width],
            AuthorRecord(values[width], values[width + 1] or "")
            if values[width] is not None
            else None,
            cited[values[0]],
        )
        for values in rows
    ]
    return pledge_detail(row, evidence, rulings)


def published_evidence(pledge: PledgeDetail) -> list[EvidenceRecord]:
    """The pledge's published evidence, oldest first (needs `evidence` loaded)."""
    return sorted(
        (e for e in pledge.evidence if e.state == EvidenceState.PUBLISHED),
        key=lambda e: (e.published_on, e.id),
    )


def strongest_evidence(evidence: Sequence[EvidenceRecord]) -> EvidenceRecord | None:
    """The evidence that weighs most: official acts above statements, then the most recent."""
    published = [e for e in evidence if e.state == EvidenceState.PUBLISHED]
    if not published:
        return None
    return min(published, key=lambda e: (e.kind.rank, -e.published_on.toordinal(), -e.id))


def strongest_cited_evidence(change: RulingRecord | None) -> EvidenceRecord | None:
    """The strongest item the current ruling cites; none without a ruling.

    Only what the ruling stands on: an item it leaves out (context, a hoax, the
    other side's claim) must not be shown as the proof of the status.
    """
    return strongest_evidence(change.cites) if change is not None else None


@dataclass
class TimelineEntry:
    """One dated event of a pledge: it was made, evidence was published, or its status changed."""

    on: date
    kind: str  # "made", "evidence" or "status"
    evidence: EvidenceRecord | None = None
    change: RulingRecord | None = None
    cites: list[EvidenceRecord] = field(default_factory=list)
    # A ruling's place in the append-only ledger: the later ruling that corrects it
    # (it stays, struck through), and the earlier one it corrects.
    corrected_by: RulingRecord | None = None
    corrects: RulingRecord | None = None


def get_timeline(pledge: PledgeDetail) -> list[TimelineEntry]:
    """Published evidence and status changes merged in date order (needs get_pledge's loads).

    On the same day the pledge comes first, then evidence, then the ruling that
    may cite it. A ruling lists only its published citations, the ruling that
    corrects it and the one it corrects.
    """
    order = {"made": 0, "evidence": 1, "status": 2}
    changes = {change.id: change for change in pledge.status_changes}
    corrected_by = {c.corrects_id: c for c in pledge.status_changes if c.corrects_id}
    entries: list[TimelineEntry] = []
    if pledge.made_on:
        entries.append(TimelineEntry(on=pledge.made_on, kind="made"))
    entries.extend(
        TimelineEntry(on=e.published_on, kind="evidence", evidence=e)
        for e in published_evidence(pledge)
    )
    for change in pledge.status_changes:
        cites = [e for e in change.cites if e.state == EvidenceState.PUBLISHED]
        entries.append(
            TimelineEntry(
                on=change.effective_on,
                kind="status",
                change=change,
                cites=cites,
                corrected_by=corrected_by.get(change.id),
                corrects=changes.get(change.corrects_id) if change.corrects_id else None,
            )
        )

    def key(entry: TimelineEntry) -> tuple[date, int, int]:
        item = entry.evidence or entry.change
        return (entry.on, order[entry.kind], getattr(item, "id", 0) or 0)

    return sorted(entries, key=key)


def current_change(pledge: PledgeDetail) -> RulingRecord | None:
    """The ruling that set the current status: the last of the effective history
    (a corrected ruling no longer counts; see pledges.status)."""
    return current_ruling(pledge.status_changes)


# --- Election boards (issue 10 "public election pages", issue 12 "bounded pages") -------
#
# The home page lists elections (with their totals), each election's board lists its
# candidates a page at a time, and a theme page shows one election at a time: no page
# grows with the number of candidates or elections in the database. Each function
# runs a fixed number of statements.

CANDIDATE_SORTS = ("name", "kept", "broken")
MAX_CANDIDATE_OPTIONS = 100  # candidates offered in a filter's <select>, by name
MAX_THEME_COLUMN = 10  # pledges shown per candidate on a theme page (a link leads to all)


def _clamp(page: int, per_page: int, total: int) -> tuple[int, int]:
    """(page, per_page) within bounds: a page past the end is the last one."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    return min(max(1, page), max(1, math.ceil(total / per_page))), per_page


def _sum_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _status_sums(today: date) -> list[ColumnElement[Any]]:
    """kept, broken, pending and overdue counts of the joined Pledge rows."""
    return [
        _sum_if(col(Pledge.status) == PledgeStatus.KEPT),
        _sum_if(col(Pledge.status) == PledgeStatus.BROKEN),
        _sum_if(col(Pledge.status) == PledgeStatus.PENDING),
        _sum_if(overdue_clause(_today(today))),
    ]


@dataclass
class ElectionSummary:
    """An election with the totals of its pledges (the counts of every candidate summed)."""

    election: Election
    kept: int = 0
    broken: int = 0
    pending: int = 0
    overdue: int = 0

    @property
    def total(self) -> int:
        return self.kept + self.broken + self.pending

    def share(self, status: str) -> float:
        return 100.0 * getattr(self, status) / self.total if self.total else 0.0


def list_election_summaries(
    session: Session, *, page: int = 1, per_page: int = 20, today: date
) -> Page[ElectionSummary]:
    """Elections, most recent first (date, name, id), with their totals: two statements."""
    total = int(
        session.execute(
            select(func.count(col(Election.id))).where(visible_elections())
        ).scalar_one()
    )
    page, per_page = _clamp(page, per_page, total)
    stmt = (
        sa_select(Election, *_status_sums(today))
        .outerjoin(Pledge, and_(col(Pledge.election_id) == Election.id, visible_pledges()))
        .where(visible_elections())
        .group_by(col(Election.id))
        .order_by(col(Election.date).desc(), col(Election.name), col(Election.id))
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    items = [
        ElectionSummary(election, int(kept), int(broken), int(pending), int(overdue))
        for election, kept, broken, pending, overdue in session.execute(stmt)
    ]
    return Page(items, total, page, per_page)


def get_election(session: Session, slug: str) -> Election | None:
    """The election, archived too (`archiving.is_gone` tells the views to answer 410)."""
    find = _kept(
        ("election by slug",),
        lambda: sa_select(Election).where(col(Election.slug) == bindparam("slug")),
    )
    return session.execute(find, {"slug": slug}).scalars().first()


def election_summary(
    session: Session, election: Election, filters: PledgeFilters, *, today: date
) -> ElectionSummary:
    """The election's totals over the pledges that `filters.scope()` keeps: one statement."""
    clauses = _clauses(filters.scope(), today)
    row = session.execute(
        sa_select(*_status_sums(today)).where(col(Pledge.election_id) == election.id, *clauses)
    ).one()
    kept, broken, pending, overdue = (int(v) for v in row)
    return ElectionSummary(election, kept, broken, pending, overdue)


def get_board_totals(
    session: Session,
    election: Election,
    filters: PledgeFilters,
    *,
    today: date,
    remember: Remember = load_each_time,
) -> tuple[ElectionSummary, list[tuple[str, int]]]:
    """An election board's totals (as `election_summary`) and its themes with their numbers
    of pledges (as `list_election_themes`): one statement, two with a search.

    Without a search, the themes' status counts sum to the totals (of one theme when the
    board is filtered on it), so one GROUP BY by theme and status gives both; read from
    ix_pledge_board alone, in its order (plain counts, no CASE per row); a `remember`ed
    read, the same whatever the theme filter.
    """
    if filters.q:
        return (
            election_summary(session, election, filters, today=today),
            list_election_themes(session, election),
        )
    deadline = col(Pledge.deadline)
    by_theme = _kept(
        ("board totals",),
        lambda: (
            sa_select(
                col(Pledge.theme),
                col(Pledge.status),
                func.count(),
                _sum_if(and_(deadline.is_not(None), deadline < _today(today))),
            )
            .where(col(Pledge.election_id) == bindparam("election_id"), visible_pledges())
            .group_by(col(Pledge.theme), col(Pledge.status))
            .order_by(col(Pledge.theme))
        ),
    )
    rows = remember(
        ("board totals", election.id, today),
        lambda: tuple(
            tuple(row)
            for row in session.execute(by_theme, {"election_id": election.id, "today": today})
        ),
    )
    totals = ElectionSummary(election)
    themes: dict[str, int] = {}
    for theme, status, number, past_deadline in rows:
        themes[theme] = themes.get(theme, 0) + int(number)
        if filters.theme and theme != filters.theme:
            continue
        name = PledgeStatus(status).value
        setattr(totals, name, getattr(totals, name) + int(number))
        if name == PledgeStatus.PENDING.value:
            totals.overdue += int(past_deadline)  # overdue: pending past its deadline
    return totals, [(theme, number) for theme, number in themes.items() if theme != ""]


def list_candidate_counts(
    session: Session,
    election: Election,
    filters: PledgeFilters,
    *,
    sort: str = "name",
    page: int = 1,
    per_page: int = 20,
    today: date,
    remember: Remember = load_each_time,
) -> Page[CandidateCounts]:
    """One page of an election's candidates with their counts: two statements.

    Counts follow `filters.scope()` (theme, search), like the list beside them.
    `sort`: "name", or "kept"/"broken" for the share of pledges kept/broken,
    highest first; ties (and candidates without pledges, share 0) by name, then id.
    The number of candidates is a `remember`ed read (no filter changes it); so are
    the counts, without a search.
    """
    count = _kept(
        ("candidate count",),
        lambda: select(func.count(col(Candidate.id))).where(
            col(Candidate.election_id) == bindparam("election_id"), visible_candidates()
        ),
    )
    total = remember(
        ("candidate count", election.id),
        lambda: int(session.execute(count, {"election_id": election.id}).scalar_one()),
    )
    page, per_page = _clamp(page, per_page, total)
    sort = sort if sort in CANDIDATE_SORTS else "name"
    scope = filters.scope()
    shape = _shape(scope)
    stmt = _kept(
        None if shape is None else ("candidate counts", sort, *shape),
        partial(_candidate_counts_statement, scope, sort, today),
    )
    params = _params(
        scope, today, election_id=election.id, offset=(page - 1) * per_page, limit=per_page
    )
    records = RecordBuilder()
    in_this = records.election_of(election)
    items = []

    def read_rows() -> tuple[tuple[Any, ...], ...]:
        return tuple(tuple(row) for row in session.execute(stmt, params))

    if shape is None:
        rows = read_rows()
    else:
        rows = remember(("candidate counts", sort, shape, tuple(sorted(params.items()))), read_rows)
    for row in rows:
        k, b, p, o = row[-4:]
        candidate = records.candidate_of(row, in_this)
        items.append(CandidateCounts(candidate, int(k), int(b), int(p), int(o)))
    return Page(items, total, page, per_page)


def _candidate_counts_statement(scope: PledgeFilters, sort: str, today: date) -> Select[Any]:
    """list_candidate_counts' statement; binds election_id, offset, limit and `_params`."""
    kept, broken, pending, overdue = _status_sums(today)
    pledge_join = _candidate_pledges(scope, today)
    order: list[Any] = []
    if sort in ("kept", "broken"):
        numerator = kept if sort == "kept" else broken
        # Share as a ratio in SQL; no pledge gives 0 (NULLIF avoids dividing by zero).
        share = func.coalesce((numerator * 1.0) / func.nullif(func.count(col(Pledge.id)), 0), 0.0)
        order.append(share.desc())
    order += [col(Candidate.name), col(Candidate.id)]
    in_election = [col(Candidate.election_id) == bindparam("election_id"), visible_candidates()]
    offset, limit = bindparam("offset", type_=Integer), bindparam("limit", type_=Integer)
    if sort == "name":
        # The page is known before counting: count the pledges of its candidates only,
        # not of the whole election (a subquery in the same statement).
        in_election.append(
            col(Candidate.id).in_(
                select(Candidate.id)
                .where(*in_election)
                .order_by(col(Candidate.name), col(Candidate.id))
                .offset(offset)
                .limit(limit)
            )
        )
    # Read-only records (pledges.records): the candidate's own columns, then the counts;
    # its election is the one given.
    stmt = (
        sa_select(*candidate_columns(with_election=False), kept, broken, pending, overdue)
        .where(*in_election)
        .outerjoin(Pledge, pledge_join)
        .group_by(col(Candidate.id))
        .order_by(*order)
    )
    if sort != "name":
        stmt = stmt.offset(offset).limit(limit)
    return stmt


def list_candidate_options(
    session: Session, election: Election, *, limit: int = MAX_CANDIDATE_OPTIONS
) -> list[tuple[str, str]]:
    """(slug, name) of the election's first `limit` candidates by name, for a filter."""
    candidates = table_of(Candidate)
    options = _kept(
        ("candidate options",),
        lambda: (
            sa_select(candidates.c.slug, candidates.c.name)
            .where(candidates.c.election_id == bindparam("election_id"), visible_candidates())
            .order_by(candidates.c.name, candidates.c.id)
            .limit(bindparam("limit", type_=Integer))
        ),
    )
    rows = session.execute(options, {"election_id": election.id, "limit": limit})
    return [(slug, name) for slug, name in rows]


def list_election_options(
    session: Session, *, limit: int = MAX_CANDIDATE_OPTIONS
) -> list[Election]:
    """The `limit` most recent elections, for a filter's <select> (bounded)."""
    return list(
        session.exec(
            select(Election)
            .where(visible_elections())
            .order_by(col(Election.date).desc(), col(Election.name), col(Election.id))
            .limit(limit)
        )
    )


def list_election_themes(session: Session, election: Election) -> list[tuple[str, int]]:
    """The election's non-empty themes with their numbers of pledges, alphabetically."""
    rows = session.execute(
        select(Pledge.theme, func.count(col(Pledge.id)))
        .where(Pledge.election_id == election.id, Pledge.theme != "", visible_pledges())
        .group_by(Pledge.theme)
        .order_by(Pledge.theme)
    ).all()
    return [(theme, int(number)) for theme, number in rows]


@dataclass
class ThemeBoard:
    """A theme page: one election (the `page`-th most recent having the theme) and one
    page of its candidates, each with up to MAX_THEME_COLUMN pledges on the theme."""

    elections: Page[Election]  # one election per page
    candidates: Page[ThemeColumn]
    counts: dict[int, int]  # pledges on the theme per candidate id (for "n more")

    @property
    def election(self) -> Election:
        return self.elections.items[0]


def get_theme_board(
    session: Session,
    theme: str,
    *,
    election_slug: str | None = None,
    page: int = 1,
    candidate_page: int = 1,
    per_page: int = 20,
) -> ThemeBoard | None:
    """The theme's page for one election; None when no pledge carries the theme (or the
    asked election has none). At most six statements, whatever the data size."""
    with_theme = (
        select(Pledge.election_id)
        .where(Pledge.theme == theme, visible_pledges())
        .distinct()
        .scalar_subquery()
    )
    ordered = select(Election).where(col(Election.id).in_(with_theme))
    total = int(
        session.execute(
            select(func.count(col(Election.id))).where(col(Election.id).in_(with_theme))
        ).scalar_one()
    )
    if not total:
        return None
    if election_slug:
        found = session.exec(ordered.where(Election.slug == election_slug)).first()
        if found is None:
            return None
        # Its position among the elections with the theme (most recent first).
        page = 1 + int(
            session.execute(
                select(func.count(col(Election.id))).where(
                    col(Election.id).in_(with_theme),
                    _election_before(found),
                )
            ).scalar_one()
        )
    page, _ = _clamp(page, 1, total)
    election = session.exec(
        ordered.order_by(col(Election.date).desc(), col(Election.name), col(Election.id))
        .offset(page - 1)
        .limit(1)
    ).one()
    elections = Page([election], total, page, 1)
    candidates_total = int(
        session.execute(
            select(func.count(col(Candidate.id))).where(
                Candidate.election_id == election.id, visible_candidates()
            )
        ).scalar_one()
    )
    candidate_page, per_page = _clamp(candidate_page, per_page, candidates_total)
    candidates = session.exec(
        select(Candidate)
        .where(Candidate.election_id == election.id, visible_candidates())
        .order_by(col(Candidate.name), col(Candidate.id))
        .offset((candidate_page - 1) * per_page)
        .limit(per_page)
    ).all()
    columns = {id_: ThemeColumn(c) for c in candidates if (id_ := c.id) is not None}
    for c in candidates:
        set_committed_value(c, "election", election)  # loaded, not changed (see above)
    counts: dict[int, int] = {}
    if columns:
        # The first pledges (by id) of each candidate on the theme, numbered in SQL.
        rank = (
            func.row_number()
            .over(partition_by=col(Pledge.candidate_id), order_by=col(Pledge.id))
            .label("rank")
        )
        total_per = func.count(col(Pledge.id)).over(partition_by=col(Pledge.candidate_id))
        inner = (
            sa_select(col(Pledge.id).label("id"), rank, total_per.label("n"))
            .where(
                col(Pledge.theme) == theme, col(Pledge.candidate_id).in_(columns), visible_pledges()
            )
            .subquery()
        )
        rows = session.execute(
            sa_select(Pledge, inner.c.n)
            .join(inner, inner.c.id == Pledge.id)
            .where(inner.c.rank <= MAX_THEME_COLUMN)
            .order_by(col(Pledge.id))
        ).all()
        for pledge, n in rows:
            columns[pledge.candidate_id].pledges.append(pledge)
            counts[pledge.candidate_id] = int(n)
    page_of_columns = Page(list(columns.values()), candidates_total, candidate_page, per_page)
    return ThemeBoard(elections, page_of_columns, counts)


def _election_before(election: Election) -> ColumnElement[bool]:
    """Elections listed before `election` (date desc, name, id)."""
    return or_(
        col(Election.date) > election.date,
        and_(col(Election.date) == election.date, col(Election.name) < election.name),
        and_(
            col(Election.date) == election.date,
            col(Election.name) == election.name,
            col(Election.id) < election.id,
        ),
    )
