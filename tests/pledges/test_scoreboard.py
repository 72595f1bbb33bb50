"""pledges.scoreboard: counts aggregated in SQL, filters, pagination, themes, timeline order."""

from datetime import date

import pytest

from models.enums import EvidenceKind, EvidenceState, PledgeStatus, Stance
from pledges import scoreboard as reads
from pledges.scoreboard import PledgeFilters
from pledges.status import record_status_change
from tests.factories import make_candidate, make_election, make_evidence, make_pledge

TODAY = date(2024, 1, 15)


@pytest.fixture
def board(session):
    """Two candidates in one election, one in another; pledges in each status."""
    city = make_election(session, slug="ville-2020", name="Ville 2020", date=date(2020, 6, 28))
    other = make_election(session, slug="autre-2014", name="Autre 2014", date=date(2014, 3, 30))
    alice = make_candidate(session, city, slug="alice", name="Alice Fictive")
    bruno = make_candidate(session, city, slug="bruno", name="Bruno Fictif")
    carla = make_candidate(session, other, slug="alice", name="Carla Fictive")  # same slug
    kept = make_pledge(session, alice, title="Moratoire vidéosurveillance", theme="securite")
    ev = make_evidence(session, kept, kind=EvidenceKind.COUNCIL_DELIBERATION, stance=Stance.KEPT)
    record_status_change(
        session,
        kept,
        to=PledgeStatus.KEPT,
        effective_on=date(2021, 1, 1),
        rationale="voté",
        cites=[ev],
        actor="test",
    )
    broken = make_pledge(session, alice, title="Audit publié", theme="securite")
    ev2 = make_evidence(session, broken)
    record_status_change(
        session,
        broken,
        to=PledgeStatus.BROKEN,
        effective_on=date(2022, 1, 1),
        rationale="jamais publié",
        cites=[ev2],
        actor="test",
    )
    overdue = make_pledge(
        session, alice, title="Pistes cyclables", theme="transports", deadline=date(2023, 1, 1)
    )
    later = make_pledge(
        session, bruno, title="Écoles rénovées", theme="ecoles", deadline=date(2030, 1, 1)
    )
    make_pledge(session, carla, title="Vidéo-protection renforcée", theme="securite")
    session.commit()
    return {
        "alice": alice,
        "bruno": bruno,
        "carla": carla,
        "kept": kept,
        "broken": broken,
        "overdue": overdue,
        "later": later,
    }


def _counts(result):
    return {
        (group.election.slug, row.candidate.name): (row.kept, row.broken, row.pending, row.overdue)
        for group in result
        for row in group.candidates
    }


def test_counts_per_candidate_grouped_by_election(session, board):
    result = reads.count_by_candidate(session, PledgeFilters(), today=TODAY)
    assert [g.election.slug for g in result] == ["ville-2020", "autre-2014"]
    assert _counts(result) == {
        ("ville-2020", "Alice Fictive"): (1, 1, 1, 1),
        ("ville-2020", "Bruno Fictif"): (0, 0, 1, 0),
        ("autre-2014", "Carla Fictive"): (0, 0, 1, 0),
    }


def test_counts_follow_theme_and_search_but_not_status(session, board):
    result = reads.count_by_candidate(
        session, PledgeFilters(theme="securite", status=PledgeStatus.KEPT), today=TODAY
    )
    counts = _counts(result)
    assert counts[("ville-2020", "Alice Fictive")] == (1, 1, 0, 0)
    assert counts[("ville-2020", "Bruno Fictif")] == (0, 0, 0, 0)  # listed with zeros
    result = reads.count_by_candidate(session, PledgeFilters(q="VIDEO"), today=TODAY)
    assert _counts(result)[("autre-2014", "Carla Fictive")] == (0, 0, 1, 0)
    assert _counts(result)[("ville-2020", "Alice Fictive")] == (1, 0, 0, 0)


@pytest.mark.parametrize(
    ("filters", "titles"),
    [
        (PledgeFilters(status=PledgeStatus.BROKEN), {"Audit publié"}),
        (
            PledgeFilters(theme="securite", election="ville-2020"),
            {"Moratoire vidéosurveillance", "Audit publié"},
        ),
        (PledgeFilters(candidate="alice", election="autre-2014"), {"Vidéo-protection renforcée"}),
        (PledgeFilters(candidate="bruno"), {"Écoles rénovées"}),
        (PledgeFilters(overdue=True), {"Pistes cyclables"}),
        (PledgeFilters(q="video"), {"Moratoire vidéosurveillance", "Vidéo-protection renforcée"}),
        (PledgeFilters(q="ÉCOLES"), {"Écoles rénovées"}),
        (PledgeFilters(q="100%_"), set()),  # LIKE wildcards are escaped
        (PledgeFilters(theme="inconnu"), set()),
    ],
)
def test_list_filters(session, board, filters, titles):
    page = reads.list_pledges(session, filters, today=TODAY)
    assert {row.pledge.title for row in page.items} == titles
    assert page.total == len(titles)


def test_candidate_slug_matches_in_every_election_without_election_filter(session, board):
    page = reads.list_pledges(session, PledgeFilters(candidate="alice"), today=TODAY)
    assert {row.pledge.candidate.name for row in page.items} == {"Alice Fictive", "Carla Fictive"}


def test_pagination_is_stable_and_clamped(session, board):
    first = reads.list_pledges(session, PledgeFilters(), page=1, per_page=2, today=TODAY)
    second = reads.list_pledges(session, PledgeFilters(), page=2, per_page=2, today=TODAY)
    last = reads.list_pledges(session, PledgeFilters(), page=99, per_page=2, today=TODAY)
    ids = [r.pledge.id for r in first.items + second.items + last.items]
    assert ids == sorted(ids)
    assert len(set(ids)) == 5
    assert (first.total, first.pages, first.has_next, first.has_prev) == (5, 3, True, False)
    assert last.page == 3
    assert not last.has_next


def test_evidence_count_counts_published_only(session, board):
    make_evidence(session, board["kept"], state=EvidenceState.SUBMITTED)
    make_evidence(session, board["kept"], state=EvidenceState.REJECTED)
    page = reads.list_pledges(session, PledgeFilters(status=PledgeStatus.KEPT), today=TODAY)
    assert page.items[0].evidence_count == 1


def test_theme_comparison_includes_candidates_without_pledges(session, board):
    comparison = reads.get_theme_comparison(session, "securite")
    assert [c.election.slug for c in comparison] == ["ville-2020", "autre-2014"]
    columns = {col.candidate.name: [p.title for p in col.pledges] for col in comparison[0].columns}
    assert columns == {
        "Alice Fictive": ["Moratoire vidéosurveillance", "Audit publié"],
        "Bruno Fictif": [],
    }
    assert reads.get_theme_comparison(session, "nothing") == []


def test_themes_listed_with_counts(session, board):
    assert reads.list_themes(session) == [("ecoles", 1), ("securite", 3), ("transports", 1)]


def test_timeline_merges_evidence_and_changes_in_date_order(session):
    pledge = make_pledge(session, made_on=date(2020, 3, 1))
    late = make_evidence(session, pledge, published_on=date(2022, 5, 1), title="tard")
    early = make_evidence(
        session, pledge, published_on=date(2021, 1, 1), title="tôt", stance=Stance.KEPT
    )
    make_evidence(session, pledge, published_on=date(2021, 6, 1), state=EvidenceState.SUBMITTED)
    # Rulings are recorded in date order (a back-dated one is refused, pledges.status).
    record_status_change(
        session,
        pledge,
        to=PledgeStatus.KEPT,
        effective_on=date(2021, 3, 1),
        rationale="en cours",
        cites=[early],
        actor="test",
    )
    record_status_change(
        session,
        pledge,
        to=PledgeStatus.BROKEN,
        effective_on=date(2022, 5, 1),
        rationale="r",
        cites=[late],
        actor="test",
    )
    session.commit()
    session.expunge_all()
    loaded = reads.get_pledge(session, pledge.id)
    timeline = reads.get_timeline(loaded)
    assert [(e.on, e.kind) for e in timeline] == [
        (date(2020, 3, 1), "made"),
        (date(2021, 1, 1), "evidence"),
        (date(2021, 3, 1), "status"),
        (date(2022, 5, 1), "evidence"),  # same day: the evidence before the ruling citing it
        (date(2022, 5, 1), "status"),
    ]
    assert timeline[1].evidence.id == early.id
    assert [e.id for e in timeline[-1].cites] == [late.id]
    assert reads.current_change(loaded).to_status == PledgeStatus.BROKEN


def test_strongest_evidence_is_the_strongest_item_the_current_ruling_cites(session):
    pledge = make_pledge(session)
    # An official act the ruling does not cite (here, a hoax-like context item)...
    uncited = make_evidence(
        session, pledge, kind=EvidenceKind.COUNCIL_DELIBERATION, stance=Stance.CONTEXT,
        published_on=date(2022, 6, 1),
    )  # fmt: skip
    older = make_evidence(
        session, pledge, kind=EvidenceKind.PUBLIC_CONTRACT, published_on=date(2021, 1, 1)
    )
    newer = make_evidence(
        session, pledge, kind=EvidenceKind.PRESS_ARTICLE, published_on=date(2022, 1, 1)
    )
    session.commit()
    loaded = reads.get_pledge(session, pledge.id)
    assert reads.strongest_cited_evidence(reads.current_change(loaded)) is None  # no ruling
    record_status_change(
        session, pledge, to=PledgeStatus.BROKEN, effective_on=date(2022, 2, 1), rationale="r",
        cites=[newer, older], actor="test",
    )  # fmt: skip
    session.commit()
    session.expunge_all()
    loaded = reads.get_pledge(session, pledge.id)
    # ...is not shown: among the cited items the higher kind wins over the more recent.
    assert reads.strongest_cited_evidence(reads.current_change(loaded)).id == older.id
    assert uncited.id != older.id


def test_strongest_cited_evidence_prefers_the_most_recent_of_a_kind(session):
    pledge = make_pledge(session)
    first = make_evidence(session, pledge, published_on=date(2021, 1, 1))
    second = make_evidence(session, pledge, published_on=date(2021, 6, 1))
    record_status_change(
        session, pledge, to=PledgeStatus.BROKEN, effective_on=date(2021, 7, 1), rationale="r",
        cites=[first, second], actor="test",
    )  # fmt: skip
    session.commit()
    session.expunge_all()
    loaded = reads.get_pledge(session, pledge.id)
    assert reads.strongest_cited_evidence(reads.current_change(loaded)).id == second.id


def test_strongest_evidence_ranks_official_acts_above_statements(session):
    pledge = make_pledge(session)
    make_evidence(session, pledge, kind=EvidenceKind.PRESS_ARTICLE, published_on=date(2023, 1, 1))
    vote = make_evidence(
        session, pledge, kind=EvidenceKind.COUNCIL_VOTE, published_on=date(2020, 1, 1)
    )
    make_evidence(
        session, pledge, kind=EvidenceKind.OFFICIAL_STATEMENT, published_on=date(2024, 1, 1)
    )
    make_evidence(
        session, pledge, kind=EvidenceKind.COUNCIL_DELIBERATION, state=EvidenceState.SUBMITTED
    )
    assert reads.strongest_evidence(pledge.evidence) == vote
    assert reads.strongest_evidence([]) is None


def test_count_statuses_for_one_candidate(session, board):
    counts = reads.count_statuses(session, board["alice"], today=TODAY)
    assert (counts.kept, counts.broken, counts.pending, counts.overdue, counts.total) == (
        1,
        1,
        1,
        1,
        3,
    )
    assert counts.share("kept") == pytest.approx(100 / 3)
