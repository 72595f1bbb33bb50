"""pledges.scoreboard's election boards and pledges.pledge_search, on SQLite and PostgreSQL:
totals, sorts by share with stable ties, pagination clamped, theme pages capped per column."""

from datetime import date

from models.enums import EvidenceState, PledgeStatus
from pledges import scoreboard as reads
from pledges.pledge_search import PledgeSearch, search_pledges
from pledges.scoreboard import MAX_THEME_COLUMN, PledgeFilters
from tests.factories import make_candidate, make_election, make_evidence, make_pledge

TODAY = date(2024, 1, 15)


def build(session):
    old = make_election(session, slug="old", name="Ancienne", date=date(2014, 3, 30))
    new = make_election(session, slug="new", name="Récente", date=date(2020, 6, 28))
    shares = {"Bea": (1, 1), "Abel": (2, 0), "Cyril": (0, 2), "Dora": (0, 0)}
    for name, (kept, broken) in shares.items():
        candidate = make_candidate(session, new, slug=name.lower(), name=name)
        for status in [PledgeStatus.KEPT] * kept + [PledgeStatus.BROKEN] * broken:
            make_pledge(session, candidate, status=status, theme="ecole")
        make_pledge(session, candidate, theme="climat", deadline=date(2023, 1, 1))
    eve = make_candidate(session, old, slug="eve", name="Eve")
    for _ in range(MAX_THEME_COLUMN + 2):
        make_pledge(session, eve, theme="ecole")
    session.commit()
    return old, new


def test_election_summaries_most_recent_first_with_totals(session):
    build(session)
    page = reads.list_election_summaries(session, page=1, per_page=1, today=TODAY)
    assert page.total == 2
    assert page.pages == 2
    first = page.items[0]
    assert (first.election.slug, first.kept, first.broken, first.pending, first.overdue) == (
        "new",
        3,
        3,
        4,
        4,
    )
    last = reads.list_election_summaries(session, page=99, per_page=1, today=TODAY)
    assert last.page == 2
    assert last.items[0].election.slug == "old"


def test_candidate_counts_sorted_by_share_with_stable_ties(session):
    _, new = build(session)

    def names(sort, **kw):
        page = reads.list_candidate_counts(
            session, new, PledgeFilters(), sort=sort, today=TODAY, **kw
        )
        return [row.candidate.name for row in page.items]

    assert names("name") == ["Abel", "Bea", "Cyril", "Dora"]
    assert names("kept") == ["Abel", "Bea", "Cyril", "Dora"]  # 2/3, 1/3, then 0s by name
    assert names("broken") == ["Cyril", "Bea", "Abel", "Dora"]
    assert names("kept", page=2, per_page=3) == ["Dora"]
    assert names("kept", page=50, per_page=3) == ["Dora"]
    themed = reads.list_candidate_counts(
        session, new, PledgeFilters(theme="climat"), sort="kept", today=TODAY
    )
    assert [(r.candidate.name, r.pending, r.kept) for r in themed.items][0] == ("Abel", 1, 0)


def test_election_summary_follows_theme_and_search(session):
    _, new = build(session)
    assert reads.election_summary(session, new, PledgeFilters(), today=TODAY).total == 10
    themed = reads.election_summary(session, new, PledgeFilters(theme="climat"), today=TODAY)
    assert (themed.pending, themed.overdue, themed.kept) == (4, 4, 0)


def test_board_totals_in_one_statement_equal_the_summary_and_the_themes(session):
    _, new = build(session)
    make_pledge(session, make_candidate(session, new, slug="zoe", name="Zoé"), theme="")
    session.commit()
    for filters in (
        PledgeFilters(election="new"),
        PledgeFilters(election="new", theme="climat"),
        PledgeFilters(election="new", theme="absent"),
        PledgeFilters(election="new", q="engagement"),
    ):
        totals, themes = reads.get_board_totals(session, new, filters, today=TODAY)
        summary = reads.election_summary(session, new, filters, today=TODAY)
        assert (totals.kept, totals.broken, totals.pending, totals.overdue) == (
            summary.kept,
            summary.broken,
            summary.pending,
            summary.overdue,
        ), filters
        assert themes == reads.list_election_themes(session, new) == [("climat", 4), ("ecole", 6)]


def test_a_page_of_candidates_by_name_counts_only_that_page(session):
    _, new = build(session)
    for page in (1, 2, 3):
        by_name = reads.list_candidate_counts(
            session, new, PledgeFilters(), sort="name", page=page, per_page=2, today=TODAY
        )
        by_share = reads.list_candidate_counts(
            session, new, PledgeFilters(), sort="kept", page=1, per_page=10, today=TODAY
        )
        everyone = {r.candidate.name: (r.kept, r.broken, r.pending) for r in by_share.items}
        assert [r.candidate.name for r in by_name.items] == [
            ["Abel", "Bea"], ["Cyril", "Dora"], ["Cyril", "Dora"]
        ][page - 1]  # fmt: skip
        for row in by_name.items:
            assert (row.kept, row.broken, row.pending) == everyone[row.candidate.name]


def test_theme_board_one_election_per_page_columns_capped(session):
    old, new = build(session)
    board = reads.get_theme_board(session, "ecole")
    assert board.election.slug == "new"
    assert board.elections.pages == 2
    assert [len(c.pledges) for c in board.candidates.items] == [2, 2, 2, 0]
    older = reads.get_theme_board(session, "ecole", election_slug="old")
    assert older.elections.page == 2
    (column,) = older.candidates.items
    assert len(column.pledges) == MAX_THEME_COLUMN
    assert older.counts[column.candidate.id] == MAX_THEME_COLUMN + 2
    assert reads.get_theme_board(session, "climat", election_slug="old") is None
    assert reads.get_theme_board(session, "nothing") is None


def test_pledge_search_over_names_and_with_submitted_evidence(session):
    _, new = build(session)
    pledge = reads.list_pledges(session, PledgeFilters(candidate="dora"), today=TODAY).items[0]
    make_evidence(session, pledge.pledge, state=EvidenceState.SUBMITTED)
    session.commit()
    assert search_pledges(session, PledgeSearch(q="récente"), today=TODAY).total == 10
    assert search_pledges(session, PledgeSearch(q="RECENTE"), today=TODAY).total == 10
    assert search_pledges(session, PledgeSearch(q="dora"), today=TODAY).total == 1
    waiting = search_pledges(session, PledgeSearch(has_submitted=True), today=TODAY)
    assert [r.pledge.id for r in waiting.items] == [pledge.pledge.id]
    overdue = search_pledges(session, PledgeSearch(election_id=new.id, overdue=True), today=TODAY)
    assert overdue.total == 4
