"""The queue by article (one card, every pledge it matched) and decisions in bulk."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from models import AuditEntry, Evidence, Suggestion
from models.enums import Stance, SuggestionState
from pledges.errors import ReviewError
from pledges.feeds import review
from tests.factories import make_pledge, make_suggestion, make_user

PARIS = ZoneInfo("Europe/Paris")


def _also(session, suggestion, pledge, **kw):
    """Another suggestion for the same article."""
    more = Suggestion(
        feed_item_id=suggestion.feed_item_id,
        pledge_id=pledge.id,
        item_date=suggestion.item_date,
        matched_terms=["vélo"],
        **kw,
    )
    session.add(more)
    session.flush()
    return more


def test_one_card_per_article_with_every_pledge_newest_first(session):
    a, b, c = (make_pledge(session, title=t) for t in ("Alpha", "Bêta", "Gamma"))
    old = make_suggestion(session, a, published_at=datetime(2021, 1, 1, tzinfo=UTC))
    new = make_suggestion(session, c, published_at=datetime(2022, 1, 1, tzinfo=UTC))
    new_a = _also(session, new, a)
    _also(session, new, b, state=SuggestionState.DISMISSED)  # decided: not on the card
    cards = review.list_articles(session)
    assert [card.item.id for card in cards] == [new.feed_item_id, old.feed_item_id]
    assert [r.suggestion.id for r in cards[0].rows] == [new_a.id, new.id]  # by pledge title
    assert [r.pledge.title for r in cards[0].rows] == ["Alpha", "Gamma"]
    assert cards[0].hidden == 0
    # Filtered by pledge: the article shows only that pledge.
    only_c = review.list_articles(session, pledge_id=c.id)
    assert [[r.suggestion.id for r in card.rows] for card in only_c] == [[new.id]]
    # Keyset pages by article.
    first = review.list_articles(session, limit=1)
    assert [card.item.id for card in first] == [new.feed_item_id]
    rest = review.list_articles(session, after=first[-1].key, limit=1)
    assert [card.item.id for card in rest] == [old.feed_item_id]
    assert review.list_articles(session, after=rest[-1].key) == []


def test_a_card_holds_a_bounded_number_of_pledges(session):
    pledges = [make_pledge(session, title=f"P{n:02}") for n in range(5)]
    first = make_suggestion(session, pledges[0])
    for pledge in pledges[1:]:
        _also(session, first, pledge)
    (card,) = review.list_articles(session, per_card=3)
    assert [r.pledge.title for r in card.rows] == ["P00", "P01", "P02"]
    assert card.hidden == 2


def test_bulk_dismiss_skips_what_someone_else_decided(session):
    volunteer, other = make_user(session), make_user(session)
    p1, p2, p3 = make_pledge(session), make_pledge(session), make_pledge(session)
    s1, s2, s3 = (
        make_suggestion(session, p1),
        make_suggestion(session, p2),
        make_suggestion(session, p3),
    )
    review.dismiss_suggestion(session, review.get_suggestion(session, s2.id), actor=other)
    outcome = review.review_in_bulk(
        session, [s1.id, s2.id, s3.id, s1.id], accept=False, actor=volunteer, zone=PARIS
    )
    assert outcome.done == [s1.id, s3.id]
    assert outcome.skipped == [s2.id]
    for s in (s1, s2, s3):
        session.refresh(s)
    assert [s1.state, s3.state] == [SuggestionState.DISMISSED] * 2
    assert s1.reviewed_by_id == volunteer.id
    assert s2.reviewed_by_id == other.id  # left as the other reviewer decided
    logged = session.exec(
        select(AuditEntry.object_id).where(
            AuditEntry.object_type == "suggestion", AuditEntry.actor_id == volunteer.id
        )
    ).all()
    assert sorted(logged) == sorted([s1.id, s3.id])


def test_bulk_accept_submits_evidence_for_each(session):
    volunteer = make_user(session)
    first = make_suggestion(session, make_pledge(session))
    second = _also(session, first, make_pledge(session))
    outcome = review.review_in_bulk(
        session, [first.id, second.id], accept=True, stance=Stance.KEPT, actor=volunteer, zone=PARIS
    )
    assert outcome.done == [first.id, second.id]
    assert not outcome.skipped
    evidence = session.exec(select(Evidence)).all()
    assert sorted(e.pledge_id for e in evidence) == sorted([first.pledge_id, second.pledge_id])
    assert {e.stance for e in evidence} == {Stance.KEPT}
    assert review.list_articles(session) == []


def test_bulk_refuses_an_empty_or_oversized_selection(session):
    volunteer = make_user(session)
    with pytest.raises(ReviewError) as empty:
        review.review_in_bulk(session, [], accept=False, actor=volunteer, zone=PARIS)
    assert empty.value.code == "bulk_empty"
    too_many = list(range(1, review.MAX_BULK + 2))
    with pytest.raises(ReviewError) as big:
        review.review_in_bulk(session, too_many, accept=False, actor=volunteer, zone=PARIS)
    assert big.value.code == "bulk_too_many"
    # Exactly the bound is fine (ids that do not exist are skipped).
    outcome = review.review_in_bulk(
        session, too_many[: review.MAX_BULK], accept=False, actor=volunteer, zone=PARIS
    )
    assert len(outcome.skipped) == review.MAX_BULK


def test_an_archived_pledge_leaves_the_queue_and_comes_back_when_restored(session):
    from pledges import archiving

    pledge = make_pledge(session, title="Caméras")
    make_suggestion(session, pledge, published_at=datetime(2021, 1, 1, tzinfo=UTC))
    session.commit()
    assert review.count_suggestions(session) == 1
    archiving.archive(session, pledge, actor="test")
    session.commit()
    assert review.count_suggestions(session) == 0
    assert review.list_articles(session) == []
    assert review.list_pledges_with_suggestions(session) == []
    archiving.restore(session, pledge, actor="test")
    session.commit()
    assert len(review.list_articles(session)) == 1
