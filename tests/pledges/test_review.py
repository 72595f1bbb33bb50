"""Feed suggestions: newest first, accepted as evidence or dismissed; one reviewer wins."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from models import AuditEntry, Evidence
from models.enums import EvidenceState, Origin, Role, Stance, SuggestionState
from pledges.errors import DuplicateEvidence
from pledges.feeds import review
from pledges.feeds.dates import parse_feed_date
from tests.factories import make_evidence, make_pledge, make_suggestion, make_user

PARIS = ZoneInfo("Europe/Paris")


def test_queue_is_newest_first_and_filters_by_pledge(session):
    p1, p2 = make_pledge(session), make_pledge(session)
    old = make_suggestion(session, p1, published_at=datetime(2021, 1, 1, tzinfo=UTC))
    new = make_suggestion(session, p2, published_at=datetime(2022, 1, 1, tzinfo=UTC))
    mid = make_suggestion(session, p1, published_at=datetime(2021, 6, 1, tzinfo=UTC))
    rows = review.list_suggestions(session)
    assert [r.suggestion.id for r in rows] == [new.id, mid.id, old.id]
    rows = review.list_suggestions(session, pledge_id=p1.id)
    assert [r.suggestion.id for r in rows] == [mid.id, old.id]
    assert review.count_suggestions(session, pledge_id=p1.id) == 2
    choices = review.list_pledges_with_suggestions(session)
    assert {(p.id, n) for p, _c, n in choices} == {(p1.id, 2), (p2.id, 1)}


def test_accept_creates_submitted_evidence_from_the_item(session):
    pledge = make_pledge(session)
    volunteer = make_user(session)
    suggestion = make_suggestion(
        session, pledge, link="https://journal.example/a?utm_campaign=z", title="Caméras"
    )
    row = review.get_suggestion(session, suggestion.id)
    evidence = review.accept_suggestion(
        session,
        row,
        stance=Stance.BROKEN,
        quote="« maintenu »",
        note="*vu*",
        actor=volunteer,
        zone=PARIS,
    )
    assert evidence.url == "https://journal.example/a"
    assert evidence.origin == Origin.FEED_ITEM
    assert evidence.feed_item_id == suggestion.feed_item_id
    assert evidence.state == EvidenceState.SUBMITTED
    assert (evidence.quote, evidence.note, evidence.title) == ("« maintenu »", "*vu*", "Caméras")
    assert evidence.published_on.isoformat() == "2021-10-05"
    assert suggestion.state == SuggestionState.ACCEPTED
    assert review.list_suggestions(session) == []
    with pytest.raises(review.ReviewError):
        review.dismiss_suggestion(session, row, actor=volunteer)


@pytest.mark.parametrize(
    ("published", "zone", "dated"),
    [
        # Issue 10: past midnight in Paris, still the day before in UTC.
        ("Wed, 01 Jan 2025 00:30:00 +0100", "Europe/Paris", date(2025, 1, 1)),
        ("Wed, 01 Jan 2025 00:30:00 +0100", "UTC", date(2024, 12, 31)),
        # Summer time: +0200, so 01:30 in Paris is 23:30 UTC the day before.
        ("Tue, 01 Jul 2025 01:30:00 +0200", "Europe/Paris", date(2025, 7, 1)),
        ("Mon, 30 Jun 2025 23:30:00 +0000", "Europe/Paris", date(2025, 7, 1)),
        ("Tue, 01 Jul 2025 01:30:00 +0200", "UTC", date(2025, 6, 30)),
        # A zone behind UTC moves the other way.
        ("Wed, 01 Jan 2025 00:30:00 +0100", "America/New_York", date(2024, 12, 31)),
    ],
)
def test_evidence_from_an_item_is_dated_in_the_site_zone(session, published, zone, dated):
    instant = parse_feed_date(published)
    suggestion = make_suggestion(session, published_at=instant)
    evidence = review.accept_suggestion(
        session,
        review.get_suggestion(session, suggestion.id),
        stance=Stance.KEPT,
        actor=make_user(session),
        zone=ZoneInfo(zone),
        now=datetime(2025, 8, 1, tzinfo=UTC),
    )
    assert evidence.published_on == dated


def test_an_item_of_the_local_today_is_not_in_the_future(session):
    # 23:30 UTC on 31 December is 00:30 on 1 January in Paris: the item is dated
    # 1 January, and at that instant 1 January is today there, not the future.
    now = datetime(2024, 12, 31, 23, 30, tzinfo=UTC)
    suggestion = make_suggestion(session, published_at=now)
    evidence = review.accept_suggestion(
        session,
        review.get_suggestion(session, suggestion.id),
        stance=Stance.CONTEXT,
        actor=make_user(session),
        zone=PARIS,
        now=now,
    )
    assert evidence.published_on == date(2025, 1, 1)


def test_dismiss(session):
    suggestion = make_suggestion(session)
    volunteer = make_user(session)
    review.dismiss_suggestion(
        session, review.get_suggestion(session, suggestion.id), actor=volunteer
    )
    assert suggestion.state == SuggestionState.DISMISSED
    assert session.exec(select(Evidence)).all() == []
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "suggestion.dismiss")).one()
    assert entry.actor_id == volunteer.id


def test_accepting_a_link_already_cited_is_refused_and_leaves_the_suggestion_new(session):
    pledge = make_pledge(session)
    existing = make_evidence(session, pledge, url="https://journal.example/b")
    suggestion = make_suggestion(session, pledge, link="https://journal.example/b?fbclid=1")
    row = review.get_suggestion(session, suggestion.id)
    with session.begin_nested(), pytest.raises(DuplicateEvidence) as caught:
        review.accept_suggestion(
            session, row, stance=Stance.KEPT, actor=make_user(session, Role.VOLUNTEER), zone=PARIS
        )
    assert caught.value.existing_id == existing.id
    session.refresh(suggestion)
    assert suggestion.state == SuggestionState.NEW


def test_second_reviewer_loses(engine, session):
    from sqlmodel import Session

    suggestion = make_suggestion(session)
    first = make_user(session)
    second = make_user(session)
    session.commit()
    with Session(engine, expire_on_commit=False) as other:
        stale = review.get_suggestion(other, suggestion.id)
        review.dismiss_suggestion(
            session, review.get_suggestion(session, suggestion.id), actor=first
        )
        session.commit()
        with pytest.raises(review.ReviewError):
            review.accept_suggestion(other, stale, stance=Stance.KEPT, actor=second, zone=PARIS)
        other.rollback()


def test_finding_8_pages_from_a_key_cover_ties_once_in_order(session):
    pledge = make_pledge(session)
    same = datetime(2022, 5, 1, 8, 0, tzinfo=UTC)
    made = [make_suggestion(session, pledge, published_at=same) for _ in range(5)]
    made.append(make_suggestion(session, pledge, published_at=datetime(2021, 1, 1, tzinfo=UTC)))
    seen, after = [], None
    while True:
        page = review.list_suggestions(session, after=after, limit=2)
        if not page:
            break
        seen += [row.suggestion.id for row in page]
        after = review.QueueKey.parse(str(page[-1].key))  # as it travels in the URL
    # Same date: higher id first; every suggestion exactly once.
    assert seen == [s.id for s in reversed(made[:5])] + [made[5].id]


def test_finding_8_counts_stop_at_the_cap(session):
    pledge = make_pledge(session)
    for _ in range(4):
        make_suggestion(session, pledge)
    count = review.count_suggestions(session, cap=3)
    assert (count, count.capped) == (3, True)
    assert review.count_suggestions(session, cap=4).capped is False
    ((_p, _c, per_pledge),) = review.list_pledges_with_suggestions(session, cap=2)
    assert (per_pledge, per_pledge.capped) == (2, True)


@pytest.mark.parametrize(
    "text",
    [
        "2020-01-01T00:00:00+00:00~2147483648",  # past PostgreSQL's integer
        "2020-01-01T00:00:00+00:00~9223372036854775808",
        "2020-01-01T00:00:00+00:00~1_0",
        "2020-01-01T00:00:00+00:00~²",
        "0001-01-01T00:00:00+14:00~1",  # before year 1 once in UTC
        "9999-12-31T23:59:59-14:00~1",  # after year 9999 once in UTC
        "2020-01-01T00:00:00~1",  # naive
    ],
)
def test_a_queue_key_that_str_never_writes_is_no_key(text):
    assert review.QueueKey.parse(text) is None


def test_a_queue_key_reads_back_what_str_writes():
    key = review.QueueKey(datetime(2025, 1, 1, 0, 30, tzinfo=UTC), 42)
    assert review.QueueKey.parse(str(key)) == key
