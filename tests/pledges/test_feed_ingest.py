"""Storing items: dedup across fetches, dates, sanitised summaries, clean links, suggestions."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from models import AuditEntry, Feed, FeedItem, Suggestion
from pledges.feeds.ingest import (
    FUTURE_CLAMPED,
    MAX_SUGGESTIONS_PER_ITEM,
    SUMMARY_TAGS,
    UNDATED,
    UNPARSED,
    build_keyword_index,
    ingest,
    list_feed_items,
)
from pledges.feeds.matching import KeywordIndex
from pledges.feeds.parsing import ParsedFeed, RawEntry, parse
from pledges.feeds.review import list_suggestions
from tests.factories import make_pledge
from tests.pledges.feed_server import sample

NOW = datetime(2026, 3, 24, 12, 0, tzinfo=UTC)
EMPTY = KeywordIndex()


@pytest.fixture
def feed(session):
    feed = Feed(url="https://journal-fictif.example/rss", name="Journal")
    session.add(feed)
    session.flush()
    return feed


def items_by_title(session, feed):
    return {i.title: i for i in session.exec(select(FeedItem).where(FeedItem.feed_id == feed.id))}


def test_items_are_stored_once_across_fetches(session, feed):
    parsed = parse(sample("rss20.xml"))
    first = ingest(session, feed, parsed, index=EMPTY, now=NOW)
    second = ingest(
        session, feed, parse(sample("rss20.xml")), index=EMPTY, now=NOW + timedelta(hours=1)
    )
    session.commit()
    assert (first.new_items, first.duplicates) == (2, 0)
    assert (second.new_items, second.duplicates) == (0, 2)
    assert len(list_feed_items(session, feed.id)) == 2


def test_the_same_entries_in_another_feed_are_stored_again(session, feed):
    other = Feed(url="https://other.example/rss")
    session.add(other)
    session.flush()
    ingest(session, feed, parse(sample("rss20.xml")), index=EMPTY, now=NOW)
    assert ingest(session, other, parse(sample("rss20.xml")), index=EMPTY, now=NOW).new_items == 2


def test_links_lose_tracking_parameters(session, feed):
    ingest(session, feed, parse(sample("rss20.xml")), index=EMPTY, now=NOW)
    ingest(session, feed, parse(sample("atom.xml")), index=EMPTY, now=NOW)
    links = {i.link for i in list_feed_items(session, feed.id)}
    assert "https://journal-fictif.example/cameras?id=7" in links
    assert "https://journal-fictif.example/tram" in links


def test_shared_guid_with_different_links_falls_back_to_the_link(session, feed):
    report = ingest(session, feed, parse(sample("duplicate_guids.xml")), index=EMPTY, now=NOW)
    items = items_by_title(session, feed)
    # A and B share the home page as guid: two items, told apart by their links.
    assert {"Article A", "Article B", "Article C", "Sans guid ni lien"} == set(items)
    assert items["Article A"].link == "https://dup.example/a"
    assert report.new_items == 4
    assert report.duplicates == 1  # "Article C (répété)": same guid, same link
    # Next fetch: the same document again stores nothing, and a link with other
    # tracking parameters is the same item.
    again = parse(
        sample("duplicate_guids.xml").replace(b"utm_source=rss", b"utm_source=x&amp;fbclid=1")
    )
    assert ingest(session, feed, again, index=EMPTY, now=NOW).new_items == 0


def test_no_guid_no_link_falls_back_to_title_and_date(session, feed):
    def doc(title, date):
        return ParsedFeed("rss20", entries=[RawEntry(title=title, published_raw=date)])

    assert ingest(session, feed, doc("Brève", "23/03/2026"), index=EMPTY, now=NOW).new_items == 1
    assert ingest(session, feed, doc("Brève", "23/03/2026"), index=EMPTY, now=NOW).new_items == 0
    assert ingest(session, feed, doc("Brève", "24/03/2026"), index=EMPTY, now=NOW).new_items == 1
    nothing = ParsedFeed("rss20", entries=[RawEntry(summary="sans titre ni lien")])
    assert ingest(session, feed, nothing, index=EMPTY, now=NOW).skipped == 1


def test_dates_policy(session, feed):
    ingest(session, feed, parse(sample("dates.xml")), index=EMPTY, now=NOW)
    items = items_by_title(session, feed)
    assert (items["Sans date"].published_at, items["Sans date"].date_flag) == (NOW, UNDATED)
    slash = items["Date à l'envers"]
    assert slash.published_at == datetime(2026, 3, 22, 23, 0, tzinfo=UTC)  # not 1 November
    assert slash.published_raw == "2026/03/23"
    assert items["Date française"].published_at == datetime(2026, 3, 23, 13, 30, tzinfo=UTC)
    assert items["Heure d'été"].published_at == datetime(2025, 7, 14, 8, 0, tzinfo=UTC)
    junk = items["Date illisible"]
    assert (junk.published_at, junk.date_flag, junk.published_raw) == (
        NOW,
        UNPARSED,
        "demain matin",
    )
    future = items["Date future"]
    assert (future.published_at, future.date_flag) == (NOW, FUTURE_CLAMPED)
    assert future.published_raw == "Fri, 01 Jan 2100 00:00:00 GMT"
    updated = items["Mise à jour seulement"]
    assert updated.published_at == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert all(i.first_seen_at == NOW for i in items.values())


def test_an_undated_item_keeps_its_first_seen_time(session, feed):
    ingest(session, feed, parse(sample("dates.xml")), index=EMPTY, now=NOW)
    later = NOW + timedelta(days=3)
    ingest(session, feed, parse(sample("dates.xml")), index=EMPTY, now=later)
    session.commit()
    session.expire_all()
    item = items_by_title(session, feed)["Sans date"]
    assert item.published_at == NOW
    assert item.first_seen_at == NOW


def test_a_date_within_a_day_ahead_is_kept(session, feed):
    soon = (NOW + timedelta(hours=20)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    parsed = ParsedFeed(
        "rss20", entries=[RawEntry(guid="soon", title="Demain", published_raw=soon)]
    )
    ingest(session, feed, parsed, index=EMPTY, now=NOW)
    (item,) = list_feed_items(session, feed.id)
    assert (item.published_at, item.date_flag) == (NOW + timedelta(hours=20), "")


def test_summaries_are_sanitised_and_titles_are_plain_text(session, feed):
    ingest(session, feed, parse(sample("xss.xml")), index=EMPTY, now=NOW)
    (item,) = list_feed_items(session, feed.id)
    assert item.title == "Titre piégé"
    assert "<script" not in item.title
    html = item.summary_html
    for bad in ("<script", "onclick", "onmouseover", "onerror", "javascript:", "<img", "<iframe",
                "tracker.example", "<style", "style=", "utm_campaign"):  # fmt: skip
        assert bad not in html, bad
    assert 'href="https://xss.example/ok?page=2"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "Texte" in html
    assert "rouge" in html
    assert item.link == ""  # a javascript: link is no link


def test_encodings_survive_storage(session, feed):
    ingest(session, feed, parse(sample("cp1252.xml")), index=EMPTY, now=NOW)
    ingest(session, feed, parse(sample("latin1.xml")), index=EMPTY, now=NOW)
    session.commit()
    titles = {i.title for i in list_feed_items(session, feed.id)}
    assert titles == {"L’œuvre coûte 5 000 € – un débat",
                      "Été : la fête de la musique à l'hôtel de ville"}  # fmt: skip


def test_matching_creates_one_suggestion_per_item_and_pledge(session, feed):
    cameras = make_pledge(
        session, keywords_include=["caméra", '"vidéo protection"'], keywords_exclude=["caméraman"]
    )
    tram = make_pledge(session, keywords_include=["tramway"], keywords_exclude=["Nice"])
    make_pledge(session, keywords_include=[], keywords_exclude=["caméra"])
    index = build_keyword_index(session)
    report = ingest(session, feed, parse(sample("rss20.xml")), index=index, now=NOW)
    ingest(session, feed, parse(sample("atom.xml")), index=index, now=NOW)
    ingest(session, feed, parse(sample("rss20.xml")), index=index, now=NOW)  # re-fetch
    session.commit()
    assert report.suggestions == 1
    rows = list_suggestions(session)
    assert [(r.suggestion.pledge_id, r.item.title, r.suggestion.matched_terms) for r in rows] == [
        (cameras.id, "Vidéoprotection : 50 nouvelles caméras installées", ["caméra"]),
        (tram.id, "Tramway : la ligne prolongée", ["tramway"]),
    ]
    assert [r.item.title for r in list_suggestions(session, pledge_id=tram.id)] == [
        "Tramway : la ligne prolongée"
    ]
    assert len(session.exec(select(Suggestion)).all()) == 2


def test_ingest_logs_to_the_audit_trail(session, feed):
    ingest(session, feed, parse(sample("rss20.xml")), index=EMPTY, now=NOW, actor="feeds")
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "feed.items_stored")).one()
    assert (entry.object_id, entry.actor_label, entry.after["new_items"]) == (feed.id, "feeds", 2)


# Finding 10: clean_url ran after nh3 and its strip() turned "&#xa0;javascript:"
# into a stored javascript: link.
@pytest.mark.parametrize("space", ["&#xa0;", "&#x3000;", "&#x2028;", "&#x9;", " ", "&#xfeff;"])
def test_finding_10_no_javascript_link_comes_out_of_cleaning(session, feed, space):
    from pledges.text import sanitise_html

    summary = (
        f'<p><a href="{space}javascript:alert(1)">piège</a> '
        f'<a href="{space}https://news.example/a?utm_source=x&amp;id=3">suite</a></p>'
    )
    parsed = ParsedFeed(version="rss20", entries=[RawEntry(guid="g", title="t", summary=summary)])
    ingest(session, feed, parsed, index=EMPTY, now=NOW)
    (item,) = list_feed_items(session, feed.id)
    stored = item.summary_html
    assert "javascript" not in stored.lower()
    assert "piège" in stored
    if space != "&#xfeff;":  # not white space to str.strip(): that link is dropped instead
        assert 'href="https://news.example/a?id=3"' in stored
    # Safe by itself: sanitising again changes nothing.
    assert sanitise_html(stored, tags=SUMMARY_TAGS) == stored


def test_finding_10_only_absolute_http_links_are_kept(session, feed):
    summary = (
        '<a href="data:text/html,x">a</a><a href="/relative">b</a>'
        '<a href="mailto:x@example.org">c</a><a href="https://ok.example/">d</a>'
    )
    parsed = ParsedFeed(version="rss20", entries=[RawEntry(guid="g", title="t", summary=summary)])
    ingest(session, feed, parsed, index=EMPTY, now=NOW)
    (item,) = list_feed_items(session, feed.id)
    assert item.summary_html.count("href=") == 1
    assert 'href="https://ok.example/"' in item.summary_html


# Finding 8: one feed stored 18 408 items and 257 712 suggestions.
def test_finding_8_items_per_fetch_are_capped(session, feed):
    entries = [RawEntry(guid=f"g{n}", title=f"Article {n}") for n in range(50)]
    parsed = ParsedFeed(version="rss20", entries=entries)
    report = ingest(session, feed, parsed, index=EMPTY, now=NOW, max_items=20)
    assert (report.new_items, report.over_limit) == (20, 30)
    titles = [i.title for i in list_feed_items(session, feed.id)]
    assert sorted(titles) == sorted(f"Article {n}" for n in range(20))  # the first ones
    again = ingest(session, feed, parsed, index=EMPTY, now=NOW, max_items=20)
    assert (again.new_items, again.duplicates, again.over_limit) == (20, 20, 10)


def test_finding_8_suggestions_per_item_are_capped_keeping_the_strongest(session, feed):
    weak = [
        make_pledge(session, keywords_include=["tramway"])
        for _ in range(MAX_SUGGESTIONS_PER_ITEM + 5)
    ]
    strong = make_pledge(session, keywords_include=["tramway", "ligne"])
    index = build_keyword_index(session)
    parsed = ParsedFeed(
        version="rss20", entries=[RawEntry(guid="g", title="Tramway : la ligne prolongée")]
    )
    report = ingest(session, feed, parsed, index=index, now=NOW)
    assert report.suggestions == MAX_SUGGESTIONS_PER_ITEM
    pledge_ids = set(session.exec(select(Suggestion.pledge_id)).all())
    assert strong.id in pledge_ids
    assert pledge_ids <= {strong.id, *(p.id for p in weak)}


def test_finding_8_suggestions_carry_their_item_date_for_the_queue(session, feed):
    make_pledge(session, keywords_include=["caméras"])
    ingest(session, feed, parse(sample("rss20.xml")), index=build_keyword_index(session), now=NOW)
    (suggestion,) = session.exec(select(Suggestion)).all()
    item = session.get(FeedItem, suggestion.feed_item_id)
    assert suggestion.item_date == item.published_at
