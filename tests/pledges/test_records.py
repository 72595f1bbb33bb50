"""pledges.records: the read-only records that lists, boards and the widget read instead of
ORM objects hold exactly the models' values (same names, same types), agree with the
models on "overdue" and "gone", and cannot be written to; on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, select

from models import Candidate, Election, Pledge
from models.enums import EvidenceState, PledgeStatus
from pledges import scoreboard as reads
from pledges.archiving import is_gone
from pledges.records import CandidateRecord, ElectionRecord, PledgeRecord
from pledges.scoreboard import PledgeFilters
from pledges.widgets import get_candidate_widget
from tests.factories import make_candidate, make_election, make_evidence, make_pledge

TODAY = date(2024, 1, 15)
ARCHIVED = datetime(2024, 2, 3, 4, 5, 6, 789000, tzinfo=UTC)
NESTED = {"candidate", "election"}


def assert_same_values(record, model) -> int:
    """Every field of `record` (the nested record aside) equals the model's attribute of
    the same name, of the same type; returns how many fields were compared."""
    compared = 0
    for field in dataclasses.fields(record):
        if field.name in NESTED:
            continue
        mine, theirs = getattr(record, field.name), getattr(model, field.name)
        assert mine == theirs, (type(record).__name__, field.name, mine, theirs)
        assert type(mine) is type(theirs), (type(record).__name__, field.name, mine, theirs)
        if isinstance(mine, datetime):
            assert mine.utcoffset() == theirs.utcoffset(), field.name
        compared += 1
    assert compared == len(dataclasses.fields(record)) - (
        1 if isinstance(record, PledgeRecord | CandidateRecord) else 0
    )
    return compared


def assert_same_candidate(record: CandidateRecord, fresh: Session) -> None:
    candidate = fresh.get(Candidate, record.id)
    assert candidate is not None
    assert_same_values(record, candidate)
    assert isinstance(record.election, ElectionRecord)
    assert_same_values(record.election, fresh.get(Election, record.election_id))


def assert_same_pledge(record: PledgeRecord, fresh: Session) -> None:
    pledge = fresh.get(Pledge, record.id)
    assert pledge is not None
    assert_same_values(record, pledge)
    assert isinstance(record.candidate, CandidateRecord)
    assert record.candidate.id == pledge.candidate_id
    assert_same_candidate(record.candidate, fresh)


def build(session: Session) -> dict:
    """Varied data: demo and real elections, elected or not, with or without a list name
    or office, pledges with and without deadlines, status dates and themes."""
    real = make_election(session, slug="marseille-2020", name="Marseille", date=date(2020, 6, 28))
    demo = make_election(
        session, slug="demo-2026", name="Démo", territory="Démoville", is_demo=True
    )
    mayor = make_candidate(
        session, real, slug="avenir", name="L'Avenir", list_name="", elected=True, office="Maire"
    )
    other = make_candidate(session, real, slug="autre", name="Autre", list_name="Liste B")
    shown = make_candidate(session, demo, slug="demo", name="Démo", elected=True)
    variants = [
        dict(status=PledgeStatus.PENDING, deadline=None, status_since=None, theme=""),
        dict(status=PledgeStatus.PENDING, deadline=date(2023, 12, 31), theme="climat"),
        dict(status=PledgeStatus.PENDING, deadline=date(2026, 1, 1), theme="ecole"),
        dict(status=PledgeStatus.KEPT, deadline=date(2022, 1, 1), status_since=date(2023, 2, 1)),
        dict(status=PledgeStatus.BROKEN, deadline=None, status_since=date(2021, 5, 9)),
        dict(status=PledgeStatus.KEPT, deadline=TODAY, body="", title="Égalité « réelle »"),
    ]
    pledges = []
    for candidate in (mayor, other, shown):
        for variant in variants:
            pledges.append(make_pledge(session, candidate, **variant))
    make_evidence(session, pledges[0])
    make_evidence(session, pledges[0])
    make_evidence(session, pledges[1], state=EvidenceState.SUBMITTED)
    make_evidence(session, pledges[1])
    session.commit()
    return {"real": real, "demo": demo, "candidates": [mayor, other, shown], "pledges": pledges}


def test_listed_pledge_records_hold_the_models_values(engine, session):
    """list_pledges: every field of every record (pledge, candidate, election) is the
    model's, loaded by session.get in a fresh session."""
    data = build(session)
    page = reads.list_pledges(session, PledgeFilters(), per_page=100, today=TODAY)
    assert [row.pledge.id for row in page.items] == sorted(p.id for p in data["pledges"])
    with Session(engine) as fresh:
        for row in page.items:
            assert isinstance(row.pledge, PledgeRecord)
            assert_same_pledge(row.pledge, fresh)
    # Values that vary here really vary (the comparison is not of defaults only).
    records = [row.pledge for row in page.items]
    assert {r.candidate.election.is_demo for r in records} == {True, False}
    assert {r.candidate.elected for r in records} == {True, False}
    assert {"", "Liste B"} <= {r.candidate.list_name for r in records}
    assert {r.candidate.office for r in records} >= {"", "Maire"}
    assert {r.deadline is None for r in records} == {True, False}
    assert {r.status_since is None for r in records} == {True, False}
    assert {r.theme for r in records} >= {"", "climat", "ecole"}


def test_a_candidate_met_again_in_a_list_is_one_record(session):
    """RecordBuilder builds a candidate and an election once per list."""
    build(session)
    items = reads.list_pledges(session, PledgeFilters(), per_page=100, today=TODAY).items
    by_candidate: dict[int, set[int]] = {}
    for row in items:
        by_candidate.setdefault(row.pledge.candidate_id, set()).add(id(row.pledge.candidate))
    assert len(by_candidate) == 3
    assert all(len(ids) == 1 for ids in by_candidate.values())
    elections = {id(row.pledge.candidate.election) for row in items}
    assert len(elections) == 2


def test_filtered_and_searched_lists_hold_the_models_values(engine, session):
    """The same records whatever the filters (an election, a theme, a search)."""
    build(session)
    with Session(engine) as fresh:
        for filters in (
            PledgeFilters(election="demo-2026"),
            PledgeFilters(theme="climat"),
            PledgeFilters(q="egalite"),
            PledgeFilters(overdue=True),
        ):
            page = reads.list_pledges(session, filters, today=TODAY, snippets=True)
            assert page.items, filters
            for row in page.items:
                assert_same_pledge(row.pledge, fresh)  # type: ignore[arg-type]


@pytest.mark.parametrize("sort", ["name", "kept", "broken"])
def test_board_candidate_records_hold_the_models_values(engine, session, sort):
    """list_candidate_counts: the candidates and their election as records, equal to the
    models field by field, elected or not, with or without a list name."""
    data = build(session)
    with Session(engine) as fresh:
        election = fresh.get(Election, data["real"].id)
        assert election is not None
        page = reads.list_candidate_counts(fresh, election, PledgeFilters(), sort=sort, today=TODAY)
        assert len(page.items) == 2
        for row in page.items:
            assert isinstance(row.candidate, CandidateRecord)
            assert_same_candidate(row.candidate, fresh)
            assert (row.kept, row.broken, row.pending, row.overdue) == (2, 1, 3, 1)
        assert {row.candidate.list_name for row in page.items} == {"", "Liste B"}
        assert {row.candidate.elected for row in page.items} == {True, False}


def test_record_is_overdue_agrees_with_the_model(engine, session):
    """Pending past its deadline only; not on the deadline day, not kept or broken, not
    without a deadline: the record says what Pledge.is_overdue says."""
    candidate = make_candidate(session)
    for status in PledgeStatus:
        for deadline in (None, date(2023, 1, 1), TODAY, date(2025, 1, 1)):
            make_pledge(session, candidate, status=status, deadline=deadline)
    session.commit()
    items = reads.list_pledges(session, PledgeFilters(), per_page=100, today=TODAY).items
    assert len(items) == 12
    overdue = []
    with Session(engine) as fresh:
        for row in items:
            model = fresh.get(Pledge, row.pledge.id)
            assert model is not None
            for today in (TODAY, date(2022, 12, 31), date(2030, 1, 1)):
                assert row.pledge.is_overdue(today) == model.is_overdue(today), (
                    model.status,
                    model.deadline,
                    today,
                )
            if row.pledge.is_overdue(TODAY):
                overdue.append((row.pledge.status, row.pledge.deadline))
    assert overdue == [(PledgeStatus.PENDING, date(2023, 1, 1))]


def _orm_widget(fresh: Session, candidate_id: int) -> tuple[tuple[int, int, int, int], list]:
    """What the ORM says the widget shows: counts, and each listed pledge's (id, title,
    status, status date, deadline) in id order."""
    pledges = fresh.exec(
        select(Pledge).where(Pledge.candidate_id == candidate_id).order_by(Pledge.id)  # type: ignore[arg-type]
    ).all()
    visible = [p for p in pledges if p.archived_at is None]
    counts = (
        sum(p.status == PledgeStatus.KEPT for p in visible),
        sum(p.status == PledgeStatus.BROKEN for p in visible),
        sum(p.status == PledgeStatus.PENDING for p in visible),
        sum(p.is_overdue(TODAY) for p in visible),
    )
    listed = [(p.id, p.title, p.status, p.status_since, p.deadline) for p in visible]
    return counts, listed


def _listed(widget) -> list[tuple]:
    """The widget's rows as plain tuples, each value checked to be of the model's type."""
    rows = [tuple(row) for row in widget.pledges]
    for row in rows:
        assert [type(value) for value in row[:3]] == [int, str, PledgeStatus]
    return rows


def test_candidate_widget_matches_the_orm(engine, session):
    """get_candidate_widget: counts, and the pledges it lists (id order, what a row shows)
    are the ORM's, whatever their evidence; an archived pledge and another candidate's
    pledges are left out; the candidate record holds the model's values."""
    data = build(session)
    mayor, other = data["candidates"][:2]
    hidden = make_pledge(session, mayor, archived_at=ARCHIVED)
    make_evidence(session, data["pledges"][0], state=EvidenceState.WITHDRAWN)
    make_evidence(session, data["pledges"][3], state=EvidenceState.REJECTED)
    make_evidence(session, data["pledges"][3])
    session.commit()
    with Session(engine) as fresh:
        for candidate in (mayor, other):
            counts, listed = _orm_widget(fresh, candidate.id)
            widget = get_candidate_widget(
                session, "marseille-2020", candidate.slug, today=TODAY, with_pledges=True
            )
            assert widget is not None
            found = widget.counts
            assert (found.kept, found.broken, found.pending, found.overdue) == counts
            assert _listed(widget) == listed
            assert hidden.id not in [row.id for row in widget.pledges]
            assert not widget.truncated
            assert_same_candidate(widget.candidate, fresh)
            assert widget.election is widget.candidate.election
            assert not is_gone(widget.candidate)
            compact = get_candidate_widget(
                session, "marseille-2020", candidate.slug, today=TODAY, with_pledges=False
            )
            assert compact is not None
            assert compact.pledges == []
            assert (compact.counts.kept, compact.counts.pending) == (counts[0], counts[2])
    assert counts == (2, 1, 3, 1)


def test_candidate_widget_unknown_slugs_give_none(session):
    build(session)
    assert (
        get_candidate_widget(session, "marseille-2020", "nobody", today=TODAY, with_pledges=True)
        is None
    )
    assert (
        get_candidate_widget(session, "nowhere", "avenir", today=TODAY, with_pledges=True) is None
    )
    assert (
        get_candidate_widget(session, "marseille-2020", "a\x00", today=TODAY, with_pledges=True)
        is None
    )


def test_archived_candidate_is_returned_and_gone(engine, session):
    """An archived candidate is still returned (the view answers 410, not 404), with its
    archived_at as stored, and is_gone says so; its pledges are not listed."""
    data = build(session)
    mayor = data["candidates"][0]
    mayor.archived_at = ARCHIVED
    session.add(mayor)
    session.commit()
    widget = get_candidate_widget(
        session, "marseille-2020", "avenir", today=TODAY, with_pledges=True
    )
    assert widget is not None
    assert widget.candidate.archived_at == ARCHIVED
    assert is_gone(widget.candidate)
    assert widget.pledges == []
    assert widget.counts.total == 0
    with Session(engine) as fresh:
        assert_same_candidate(widget.candidate, fresh)
    other = get_candidate_widget(session, "marseille-2020", "autre", today=TODAY, with_pledges=True)
    assert other is not None
    assert not is_gone(other.candidate)


def test_candidate_of_an_archived_election_is_gone(engine, session):
    """A record whose election is archived is gone, and so are its pledges' records."""
    data = build(session)
    real = data["real"]
    widget = get_candidate_widget(
        session, "marseille-2020", "autre", today=TODAY, with_pledges=True
    )
    assert widget is not None
    assert widget.pledges
    assert not is_gone(widget.candidate)
    filters = PledgeFilters(candidate_id=widget.candidate.id)
    live_pledge = reads.list_pledges(session, filters, today=TODAY).items[0].pledge
    assert isinstance(live_pledge, PledgeRecord)
    assert not is_gone(live_pledge)
    real.archived_at = ARCHIVED
    session.add(real)
    session.commit()
    widget = get_candidate_widget(
        session, "marseille-2020", "autre", today=TODAY, with_pledges=True
    )
    assert widget is not None
    assert widget.election.archived_at == ARCHIVED
    assert widget.candidate.archived_at is None
    assert is_gone(widget.candidate)
    assert widget.pledges == []
    with Session(engine) as fresh:
        assert_same_candidate(widget.candidate, fresh)
    # A pledge record of that candidate (built as a list builds it) is gone too.
    gone_pledge = dataclasses.replace(live_pledge, candidate=widget.candidate)
    assert gone_pledge.archived_at is None
    assert is_gone(gone_pledge)


def test_records_are_read_only(session):
    """Records are frozen: a template or serialiser cannot change what the next row reads
    (the candidate and election records are shared by every row)."""
    build(session)
    record = reads.list_pledges(session, PledgeFilters(), today=TODAY).items[0].pledge
    assert isinstance(record, PledgeRecord)
    for obj, name, value in (
        (record, "title", "changed"),
        (record, "status", PledgeStatus.KEPT),
        (record, "archived_at", ARCHIVED),
        (record.candidate, "name", "changed"),
        (record.candidate, "archived_at", ARCHIVED),
        (record.candidate.election, "is_demo", True),
        (record.candidate.election, "archived_at", ARCHIVED),
    ):
        before = getattr(obj, name)
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, name, value)
        assert getattr(obj, name) == before
    with pytest.raises((dataclasses.FrozenInstanceError, AttributeError, TypeError)):
        record.extra = 1  # type: ignore[attr-defined]
    assert not hasattr(record, "__dict__")  # slotted: no room for other attributes


@pytest.mark.parametrize("extra", [0, 3])
def test_candidate_widget_counts_a_full_list_and_a_truncated_one(engine, session, extra):
    """With its pledges, the widget counts what it listed (all of them, one statement),
    or, beyond MAX_WIDGET_PLEDGES, lists that many and counts them all in SQL: both
    give the ORM's counts, archived pledges left out."""
    from pledges.widgets import MAX_WIDGET_PLEDGES

    election = make_election(session, slug="grande-ville", date=date(2020, 6, 28))
    candidate = make_candidate(session, election, slug="longue-liste")
    statuses = [PledgeStatus.KEPT, PledgeStatus.BROKEN, PledgeStatus.PENDING]
    for n in range(MAX_WIDGET_PLEDGES + extra):
        make_pledge(
            session,
            candidate,
            slug=f"p{n}",
            status=statuses[n % 3],
            deadline=date(2023, 1, 1) if n % 4 == 0 else None,
            archived_at=ARCHIVED if n == 5 else None,
        )
    session.commit()
    with Session(engine) as fresh:
        counts, listed = _orm_widget(fresh, candidate.id)
    widget = get_candidate_widget(
        session, "grande-ville", "longue-liste", today=TODAY, with_pledges=True
    )
    assert widget is not None
    found = widget.counts
    assert (found.kept, found.broken, found.pending, found.overdue) == counts
    assert found.total == MAX_WIDGET_PLEDGES + extra - 1
    expected = listed[:MAX_WIDGET_PLEDGES]
    assert _listed(widget) == expected
    assert widget.truncated is (extra > 1)
    assert counts[3] > 0  # some pending pledges are overdue


def test_published_evidence_counts_read_the_index_alone(engine, session):
    """Every public list counts each pledge's published evidence (evidence_count_column):
    on SQLite the count reads ix_evidence_pledge_state alone, never the evidence rows."""
    from sqlalchemy import select as sa_select

    from models.db import table_of
    from pledges.scoreboard import evidence_count_column

    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query plan (PostgreSQL picks index-only scans by its statistics)")
    pledges = table_of(Pledge)
    statement = sa_select(pledges.c.id, evidence_count_column()).where(pledges.c.id == 1)
    compiled = statement.compile(engine)
    values = compiled.construct_params()
    plan = (
        session.connection()
        .exec_driver_sql(
            f"EXPLAIN QUERY PLAN {compiled}", tuple(values[name] for name in compiled.positiontup)
        )
        .all()
    )
    details = " | ".join(str(row[-1]) for row in plan)
    assert "COVERING INDEX ix_evidence_pledge_state" in details, details


def _same_fields(record, model, skip: set[str]) -> None:
    """Every field of `record` but `skip` equals the model's attribute, of the same type."""
    for field in dataclasses.fields(record):
        if field.name in skip:
            continue
        mine, theirs = getattr(record, field.name), getattr(model, field.name)
        assert mine == theirs, (type(record).__name__, field.name, mine, theirs)
        assert type(mine) is type(theirs), (type(record).__name__, field.name)
        if isinstance(mine, datetime):
            assert mine.utcoffset() == theirs.utcoffset(), field.name


def test_pledge_detail_matches_the_orm_and_carries_public_columns_only(engine, session):
    """get_pledge (a pledge's page and API entry): the pledge, its candidate and election,
    every evidence item in id order, the rulings in date order with their authors' names
    and the items each cites are the models' values; nothing private comes along (who
    submitted or reviewed an item, a rejection's reason, an author's email)."""
    from models import Evidence, StatusChange
    from models.enums import Role, Stance
    from pledges.records import AuthorRecord, EvidenceRecord, PledgeDetail, RulingRecord
    from pledges.status import correct_ruling, record_status_change
    from tests.factories import make_user

    data = build(session)
    pledge = data["pledges"][0]
    editor = make_user(session, role=Role.EDITOR, display_name="Camille Exemple")
    nameless = make_user(session, role=Role.EDITOR, display_name="")
    kept = make_evidence(session, pledge, stance=Stance.KEPT, published_on=date(2021, 3, 1))
    later = make_evidence(session, pledge, stance=Stance.KEPT, published_on=date(2022, 3, 1))
    broken = make_evidence(session, pledge, stance=Stance.BROKEN, published_on=date(2022, 12, 1))
    make_evidence(
        session, pledge, state=EvidenceState.REJECTED, rejection_reason="Hors sujet (privé)"
    )
    make_evidence(session, pledge, state=EvidenceState.WITHDRAWN, withdrawal_reason="Faux")
    session.commit()
    first = record_status_change(
        session, pledge, to=PledgeStatus.KEPT, effective_on=date(2021, 4, 1),
        rationale="Tenu **enfin**.", cites=[kept], actor=editor,
    )  # fmt: skip
    session.commit()
    correct_ruling(
        session, first, to_status=PledgeStatus.KEPT, effective_on=date(2021, 4, 2),
        rationale="Date corrigée.", cites=[later, kept], reason="Mauvaise date", actor=nameless,
    )  # fmt: skip
    record_status_change(
        session, pledge, to=PledgeStatus.BROKEN, effective_on=date(2023, 1, 1),
        rationale="Rompu.", cites=[broken], actor="cli",
    )  # fmt: skip
    session.commit()

    detail = reads.get_pledge(session, pledge.id)
    assert isinstance(detail, PledgeDetail)
    assert reads.get_pledge(session, 10**6) is None
    with Session(engine) as fresh:
        model = fresh.get(Pledge, pledge.id)
        assert model is not None
        _same_fields(detail, model, {"candidate", "evidence", "status_changes"})
        assert_same_candidate(detail.candidate, fresh)
        items = sorted(model.evidence, key=lambda e: e.id)
        assert [e.id for e in detail.evidence] == [e.id for e in items]
        for record, item in zip(detail.evidence, items, strict=True):
            assert isinstance(record, EvidenceRecord)
            _same_fields(record, item, set())
        changes = fresh.exec(
            select(StatusChange)
            .where(StatusChange.pledge_id == pledge.id)
            .order_by(StatusChange.effective_on, StatusChange.id)
        ).all()
        assert [r.id for r in detail.status_changes] == [c.id for c in changes]
        for record, change in zip(detail.status_changes, changes, strict=True):
            assert isinstance(record, RulingRecord)
            _same_fields(record, change, {"author", "cites"})
            assert [e.id for e in record.cites] == sorted(e.id for e in change.cites)
            if change.author is None:
                assert record.author is None
            else:
                assert record.author == AuthorRecord(change.author.id, change.author.display_name)
        cited = {e.id for r in detail.status_changes for e in r.cites}
        assert all(any(e is item for item in detail.evidence) for r in detail.status_changes
                   for e in r.cites)  # fmt: skip
        assert cited == {kept.id, later.id, broken.id}
    private = {"rejection_reason", "submitted_by_id", "reviewed_by_id", "feed_item_id"}
    assert not private & {f.name for f in dataclasses.fields(EvidenceRecord)}
    assert {f.name for f in dataclasses.fields(AuthorRecord)} == {"id", "display_name"}
    assert set(_model_columns(Evidence)) >= {f.name for f in dataclasses.fields(EvidenceRecord)}
    assert [r.author.display_name if r.author else None for r in detail.status_changes] == [
        "Camille Exemple",
        "",
        None,
    ]
    assert reads.current_change(detail) is detail.status_changes[-1]
    with pytest.raises(dataclasses.FrozenInstanceError):
        detail.title = "autre"  # type: ignore[misc]


def _model_columns(model) -> list[str]:
    from models.db import table_of

    return list(table_of(model).c.keys())
