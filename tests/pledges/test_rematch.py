"""Matching that catches up: pledges created or re-keyworded after items were stored get their
suggestions at the poller's next round, once each, dismissed ones staying dismissed; the preview."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from models import Feed, FeedItem, Pledge, PledgeMatch, Suggestion
from models.enums import SuggestionState
from pledges import editing
from pledges.feeds import rematch
from pledges.feeds.polling import PollSettings, delete_feed, run_catch_up, run_poller, watch
from tests.factories import make_pledge
from tests.pledges.feed_server import Reply, sample, serving

NOW = datetime(2026, 3, 24, 12, 0, tzinfo=UTC)
SETTINGS = PollSettings(allow_private=True, connect_timeout=2, read_timeout=1, deadline_seconds=3)


@pytest.fixture
def stored(engine, session):
    """The two items of rss20.xml stored at NOW, before any pledge exists."""
    with serving() as server:
        server.routes["/rss.xml"] = Reply(200, sample("rss20.xml"))
        session.add(Feed(url=server.url("/rss.xml"), next_fetch_at=NOW))
        session.commit()
        reports = list(run_poller(engine, SETTINGS, owner="test", clock=lambda: NOW))
    assert reports[0].ingest.new_items == 2
    assert session.exec(select(Suggestion)).all() == []
    return session


def _suggestions(session, pledge_id):
    session.expire_all()
    return session.exec(
        select(Suggestion).where(Suggestion.pledge_id == pledge_id).order_by(Suggestion.id)
    ).all()


def _round(engine, at=NOW + timedelta(minutes=5)):
    return run_catch_up(engine, SETTINGS, clock=lambda: at)


def test_a_new_pledge_catches_up_once_and_dismissed_ones_stay_dismissed(engine, stored):
    session = stored
    pledge = make_pledge(session, keywords_include=["caméras"])
    session.commit()
    report = _round(engine)
    assert report.pledges == [pledge.id]
    assert report.items_scanned == 2
    [suggestion] = _suggestions(session, pledge.id)
    assert suggestion.matched_terms == ["caméras"]
    assert suggestion.state == SuggestionState.NEW
    # Nothing changed: the next round leaves the pledge alone.
    assert _round(engine).pledges == []

    suggestion.state = SuggestionState.DISMISSED
    session.add(suggestion)
    session.commit()
    # An editor adds a keyword: the other article is suggested, the dismissed one is not remade.
    editing.update_pledge(
        session,
        pledge,
        expected_version=pledge.version,
        title=pledge.title,
        body=pledge.body,
        theme=pledge.theme,
        made_on=None,
        source_url="",
        quote="",
        deadline=None,
        keywords_include=["caméras", "caméraman"],
        keywords_exclude=[],
        actor="test",
        now=NOW,
    )
    session.commit()
    report = _round(engine)
    assert report.pledges == [pledge.id]
    assert report.suggestions == 1
    first, second = _suggestions(session, pledge.id)
    assert first.state == SuggestionState.DISMISSED
    assert (second.state, second.matched_terms) == (SuggestionState.NEW, ["caméraman"])
    assert _round(engine).suggestions == 0


def test_imported_pledges_catch_up_too(engine, stored):
    from pledges.importing import import_data

    session = stored
    data = {
        "elections": [
            {
                "slug": "municipales-2026",
                "name": "Municipales 2026",
                "territory": "Marseille",
                "date": "2026-03-15",
                "candidates": [
                    {
                        "slug": "liste-a",
                        "name": "Liste A",
                        "pledges": [
                            {
                                "slug": "cameras",
                                "title": "Moratoire sur les caméras",
                                "keywords": {"include": ["vidéoprotection"]},
                            }
                        ],
                    }
                ],
            }
        ]
    }
    import_data(session, data, actor="test", now=NOW)
    session.commit()
    pledge = session.exec(select(Pledge)).one()
    assert _round(engine).suggestions == 1
    assert [s.matched_terms for s in _suggestions(session, pledge.id)] == [["vidéoprotection"]]


def test_watch_does_the_catch_up_in_its_round(engine, session):
    with serving() as server:
        server.routes["/rss.xml"] = Reply(200, sample("rss20.xml"))
        session.add(Feed(url=server.url("/rss.xml"), next_fetch_at=NOW))
        session.commit()
        watch(engine, SETTINGS, on_report=lambda _r: None, cycles=1, sleep=lambda _s: None)
        pledge = make_pledge(session, keywords_include=["festival"])
        session.commit()
        caught = []
        watch(
            engine,
            SETTINGS,
            on_report=lambda _r: None,
            on_catch_up=caught.append,
            cycles=1,
            sleep=lambda _s: None,
        )
    assert caught[0].pledges == [pledge.id]
    assert [s.matched_terms for s in _suggestions(session, pledge.id)] == [["festival"]]


def test_old_items_and_deleted_feeds_are_left_out(engine, stored):
    session = stored
    pledge = make_pledge(session, keywords_include=["caméras"])
    session.commit()
    # A year and more later, the items are out of the window.
    assert _round(engine, at=NOW + timedelta(days=366)).suggestions == 0
    session.exec(select(PledgeMatch)).one()  # fingerprint recorded
    session.delete(session.exec(select(PledgeMatch)).one())
    feed = session.exec(select(Feed)).one()
    delete_feed(session, feed, actor="test", now=NOW)
    session.commit()
    assert _round(engine).suggestions == 0
    assert _suggestions(session, pledge.id) == []


def test_the_batch_is_bounded_and_the_rest_waits_for_the_next_round(engine, stored):
    session = stored
    for _ in range(3):
        make_pledge(session, keywords_include=["caméras"])
    session.commit()
    first = rematch.catch_up(session, now=NOW, days=365, pledges_per_round=2)
    session.commit()
    second = rematch.catch_up(session, now=NOW, days=365, pledges_per_round=2)
    session.commit()
    assert (len(first.pledges), len(second.pledges)) == (2, 1)
    assert len(session.exec(select(Suggestion)).all()) == 3


def test_preview_lists_matches_with_the_words_marked(stored):
    session = stored
    preview = rematch.preview_matches(
        session, ["caméra"], [], now=NOW + timedelta(days=1), days=365
    )
    assert [row.item.title for row in preview.rows] == [
        "Vidéoprotection : 50 nouvelles caméras installées"
    ]
    [row] = preview.rows
    assert [s.text for s in row.title if s.matched] == ["caméras"]
    assert [s.text for s in row.excerpt if s.matched] == ["caméras"]
    assert "".join(s.text for s in row.title) == row.item.title
    nothing = rematch.preview_matches(session, ["caméra"], ["vidéoprotection"], now=NOW, days=365)
    assert nothing.rows == []
    assert session.exec(select(FeedItem)).all()  # the preview stores nothing, removes nothing


def test_highlight_marks_phrases_and_plurals_in_the_original_text():
    terms = [("vote", "du", "budget"), ("camera",)]
    segments = rematch.highlight("Le VOTE du budget : 3 Caméras, un caméraman.", terms)
    assert [s.text for s in segments if s.matched] == ["VOTE du budget", "Caméras"]
    assert "".join(s.text for s in segments) == "Le VOTE du budget : 3 Caméras, un caméraman."
