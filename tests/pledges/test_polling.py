"""Polling: due feeds, leases, schedule, backoff, 304/404/410/500, redirects, two pollers."""

import os
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, SQLModel, select

from models import AuditEntry, Feed, FeedItem
from models.db import make_engine
from models.enums import FeedStatus
from pledges.errors import DomainError, UnsafeFeedURL
from pledges.feeds import polling
from pledges.feeds.fetch import AddressGuard
from pledges.feeds.polling import (
    PollSettings,
    add_feed,
    claim_next_feed,
    next_fetch_after_error,
    run_poller,
)
from tests.factories import make_pledge
from tests.pledges.feed_server import Reply, sample, serving

NOW = datetime(2026, 3, 24, 12, 0, tzinfo=UTC)
SETTINGS = PollSettings(allow_private=True, connect_timeout=2, read_timeout=1, deadline_seconds=3)


class Clock:
    def __init__(self, now=NOW):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def server():
    with serving() as state:
        yield state


def new_feed(session, url, **kw):
    feed = Feed(url=url, next_fetch_at=kw.pop("next_fetch_at", NOW), **kw)
    session.add(feed)
    session.commit()
    return feed


def poll(engine, clock, **kw):
    return list(
        run_poller(
            engine, kw.pop("settings", SETTINGS), owner=kw.pop("owner", "test"), clock=clock, **kw
        )
    )


def reload(session, feed):
    session.expire_all()
    return session.get(Feed, feed.id)


def test_add_feed_refuses_bad_schemes_private_hosts_and_duplicates(session):
    guard = AddressGuard(
        resolver=lambda host, port: {
            "news.example": ["93.184.216.34"],
            "intranet.example": ["10.0.0.1"],
        }[host]
    )
    feed = add_feed(
        session, "https://news.example/rss", guard=guard, name="News", actor="cli", now=NOW
    )
    assert (feed.next_fetch_at, feed.active) == (NOW, True)
    with pytest.raises(UnsafeFeedURL):
        add_feed(session, "file:///etc/passwd", guard=guard, actor="cli", now=NOW)
    with pytest.raises(UnsafeFeedURL):
        add_feed(session, "http://intranet.example/rss", guard=guard, actor="cli", now=NOW)
    with pytest.raises(DomainError, match="already registered"):
        add_feed(session, "https://news.example/rss", guard=guard, actor="cli", now=NOW)


def test_due_feeds_and_leases(session):
    due = new_feed(session, "http://a.example/rss")
    new_feed(session, "http://b.example/rss", next_fetch_at=NOW + timedelta(minutes=5))
    new_feed(session, "http://c.example/rss", active=False)
    claimed = claim_next_feed(session, owner="p1", now=NOW)
    session.commit()
    assert claimed.id == due.id
    # Nothing else is due: b is scheduled later, c is inactive.
    assert claim_next_feed(session, owner="p1", now=NOW, skip_ids={due.id}) is None
    # Held by a live lease: nobody else gets it, not even with the schedule ignored.
    assert claim_next_feed(session, owner="p2", now=NOW + timedelta(minutes=1)) is None
    other = claim_next_feed(session, owner="p2", now=NOW, ignore_schedule=True)
    session.commit()
    assert other.url == "http://b.example/rss"
    # The first poller died: its lease expires and the feed is claimable again.
    later = NOW + polling.DEFAULT_LEASE + timedelta(seconds=1)
    assert claim_next_feed(session, owner="p3", now=later).id == due.id


def test_skip_ids_prevent_fetching_a_feed_twice_in_one_run(session):
    a = new_feed(session, "http://a.example/rss")
    assert claim_next_feed(session, owner="p", now=NOW, skip_ids={a.id}) is None


def test_backoff_doubles_per_consecutive_error_up_to_a_day():
    delays = [next_fetch_after_error(60, n, NOW) - NOW for n in range(1, 8)]
    hours = [d / timedelta(hours=1) for d in delays]
    assert hours == [1, 2, 4, 8, 16, 24, 24]


def test_fetch_store_schedule_then_304_costs_no_parsing(engine, session, server, monkeypatch):
    make_pledge(session, keywords_include=["caméras"])
    session.commit()

    def conditional(request):
        if request.headers.get("if-none-match") == '"v1"':
            return Reply(304)
        return Reply(
            body=sample("rss20.xml"),
            headers={"ETag": '"v1"', "Last-Modified": "Mon, 23 Mar 2026 10:00:00 GMT"},
        )

    server.routes["/rss"] = conditional
    feed = new_feed(session, server.url("/rss"), interval_minutes=30)
    clock = Clock()
    (report,) = poll(engine, clock)
    assert (report.status, report.ingest.new_items, report.ingest.suggestions) == ("ok", 2, 1)
    feed = reload(session, feed)
    assert (feed.last_status, feed.etag, feed.fetch_count) == (FeedStatus.OK, '"v1"', 1)
    assert feed.last_modified == "Mon, 23 Mar 2026 10:00:00 GMT"
    assert feed.next_fetch_at == NOW + timedelta(minutes=30)
    assert (feed.lease_owner, feed.lease_expires_at) == (None, None)
    assert poll(engine, clock) == []  # not due yet

    def no_parsing(*args, **kwargs):
        raise AssertionError("a 304 must not be parsed")

    monkeypatch.setattr(polling, "parse", no_parsing)
    clock.now = NOW + timedelta(minutes=31)
    (report,) = poll(engine, clock)
    assert report.status == "not_modified"
    feed = reload(session, feed)
    assert (feed.last_status, feed.fetch_count) == (FeedStatus.NOT_MODIFIED, 2)
    assert server.requests[-1].headers["if-modified-since"] == "Mon, 23 Mar 2026 10:00:00 GMT"
    assert len(session.exec(select(FeedItem)).all()) == 2


@pytest.mark.parametrize("code", [404, 500])
def test_errors_are_recorded_and_back_off(engine, session, server, code):
    server.routes["/rss"] = Reply(code, b"oops")
    feed = new_feed(session, server.url("/rss"), interval_minutes=10)
    clock = Clock()
    for n in range(1, 4):
        (report,) = poll(engine, clock)
        feed = reload(session, feed)
        assert report.status == "error"
        assert feed.last_error.startswith(f"HTTP {code}")
        assert (feed.last_status, feed.error_count) == (FeedStatus.ERROR, n)
        assert feed.next_fetch_at == clock.now + timedelta(minutes=10 * 2 ** (n - 1))
        clock.now = feed.next_fetch_at
    server.routes["/rss"] = Reply(body=sample("atom.xml"))
    poll(engine, clock)
    feed = reload(session, feed)
    assert (feed.last_status, feed.error_count, feed.last_error) == (FeedStatus.OK, 0, "")


def test_410_gone_deactivates_the_feed(engine, session, server):
    server.routes["/rss"] = Reply(410, b"gone")
    feed = new_feed(session, server.url("/rss"))
    poll(engine, Clock())
    feed = reload(session, feed)
    assert (feed.active, feed.next_fetch_at, feed.last_status) == (False, None, FeedStatus.ERROR)
    assert "410" in feed.last_error
    assert poll(engine, Clock(NOW + timedelta(days=30)), ignore_schedule=True) == []


def test_permanent_redirect_updates_the_stored_url(engine, session, server):
    server.routes["/old"] = Reply(301, headers={"Location": "/new"})
    server.routes["/new"] = Reply(body=sample("atom.xml"))
    server.routes["/temp"] = Reply(302, headers={"Location": "/new2"})
    server.routes["/new2"] = Reply(body=sample("rss092.xml"))
    moved = new_feed(session, server.url("/old"))
    visiting = new_feed(session, server.url("/temp"))
    reports = poll(engine, Clock())
    assert {r.url_changed_to for r in reports} == {server.url("/new"), None}
    assert reload(session, moved).url == server.url("/new")
    assert reload(session, visiting).url == server.url("/temp")


def test_one_broken_feed_never_stops_the_others(engine, session, server):
    server.routes["/html"] = Reply(
        body=sample("not_a_feed.html"), headers={"Content-Type": "text/html"}
    )
    server.routes["/xxe"] = Reply(body=sample("xxe.xml"))
    server.routes["/slow"] = Reply(body=sample("rss20.xml"), delay=3)
    server.routes["/big"] = Reply(body=b"<rss>" + b"x" * 50_000)
    server.routes["/bad"] = Reply(body=sample("malformed.xml"))
    server.routes["/good"] = Reply(body=sample("rss20.xml"))
    feeds = {
        p: new_feed(session, server.url(p))
        for p in ["/html", "/xxe", "/slow", "/big", "/bad", "/good"]
    }
    settings = PollSettings(
        allow_private=True, read_timeout=0.5, deadline_seconds=2, max_bytes=20_000
    )
    reports = {r.feed_id: r for r in poll(engine, Clock(), settings=settings)}
    assert len(reports) == 6
    status = {p: reports[f.id].status for p, f in feeds.items()}
    assert status == {"/html": "error", "/xxe": "error", "/slow": "error", "/big": "error",
                      "/bad": "ok", "/good": "ok"}  # fmt: skip
    errors = {p: reload(session, f).last_error for p, f in feeds.items()}
    assert "not a feed" in errors["/html"]
    assert "declares XML entities" in errors["/xxe"]
    assert "timed out" in errors["/slow"]
    assert "too large" in errors["/big"]
    assert "not well-formed" in errors["/bad"]  # recoverable: recorded, items kept
    assert errors["/good"] == ""
    stored = {i.feed_id for i in session.exec(select(FeedItem)).all()}
    assert stored == {feeds["/bad"].id, feeds["/good"].id}


def test_a_failure_while_storing_is_recorded_and_rolled_back(engine, session, server, monkeypatch):
    server.routes["/rss"] = Reply(body=sample("rss20.xml"))
    feed = new_feed(session, server.url("/rss"))

    def broken_ingest(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(polling, "ingest", broken_ingest)
    (report,) = poll(engine, Clock())
    feed = reload(session, feed)
    assert report.status == "error"
    assert "disk full" in feed.last_error
    assert (feed.error_count, feed.fetch_count, feed.lease_owner) == (1, 1, None)
    assert session.exec(select(FeedItem)).all() == []


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL")
def test_two_pollers_on_postgresql_fetch_every_due_feed_exactly_once(database_url, server):
    if not database_url.startswith("postgresql"):
        pytest.skip("the SQLite case is the next test")
    run_two_pollers(database_url, server)


def test_a_second_poller_on_sqlite_waits_its_turn_and_fetches_nothing_twice(tmp_path, server):
    url = f"sqlite:///{tmp_path / 'pollers.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    run_two_pollers(url, server)


def run_two_pollers(database_url, server):
    setup = make_engine(database_url)
    with Session(setup) as session:
        for n in range(30):
            server.routes[f"/feed{n}"] = Reply(body=sample("rss20.xml"), delay=0.02)
            new_feed(session, server.url(f"/feed{n}"))
        new_feed(
            session, server.url("/later"), next_fetch_at=datetime.now(UTC) + timedelta(hours=1)
        )
    results: dict[str, list] = {}
    errors = []

    def poller(name):
        engine = make_engine(database_url)  # each poller its own engine, as two processes would
        try:
            results[name] = [r.feed_id for r in run_poller(engine, SETTINGS, owner=name)]
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=poller, args=(f"poller-{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    fetched = results["poller-0"] + results["poller-1"]
    assert len(fetched) == len(set(fetched)) == 30
    assert results["poller-0"], "both pollers should have taken work"
    assert results["poller-1"], "both pollers should have taken work"
    assert all(server.hits(f"/feed{n}") == 1 for n in range(30))
    assert server.hits("/later") == 0
    with Session(setup) as session:
        counts = [f.fetch_count for f in session.exec(select(Feed).order_by(Feed.id)).all()]
    setup.dispose()
    assert counts == [1] * 30 + [0]


def test_finding_9_a_permanent_redirect_to_an_error_keeps_the_feed_url(engine, session, server):
    server.routes["/old"] = Reply(301, headers={"Location": "/missing"})
    server.routes["/old-gone"] = Reply(308, headers={"Location": "/gone"})
    server.routes["/gone"] = Reply(410)
    moved = new_feed(session, server.url("/old"))
    gone = new_feed(session, server.url("/old-gone"))
    reports = poll(engine, Clock())
    assert {r.url_changed_to for r in reports} == {None}
    assert reload(session, moved).url == server.url("/old")
    assert reload(session, moved).last_status == FeedStatus.ERROR
    assert reload(session, gone).url == server.url("/old-gone")
    assert (
        session.exec(select(AuditEntry).where(AuditEntry.action == "feed.url_changed")).all() == []
    )


def test_finding_8_items_per_fetch_follow_feeds_max_items(engine, session, server):
    items = "".join(f"<item><title>Article {n}</title><guid>g{n}</guid></item>" for n in range(30))
    server.routes["/many"] = Reply(
        body=f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()
    )
    feed = new_feed(session, server.url("/many"))
    settings = PollSettings(allow_private=True, max_items=12, deadline_seconds=3)
    (report,) = poll(engine, Clock(), settings=settings)
    assert (report.ingest.new_items, report.ingest.over_limit) == (12, 18)
    (report,) = poll(engine, Clock(NOW + timedelta(hours=2)), settings=settings)
    assert (report.ingest.new_items, report.ingest.duplicates) == (12, 12)
    stored = session.exec(select(FeedItem.title).where(FeedItem.feed_id == feed.id)).all()
    assert sorted(stored) == sorted(f"Article {n}" for n in range(24))


def test_finding_8_feeds_max_items_comes_from_the_configuration():
    from app import ENV_SETTINGS  # the one place every default is written

    config = {**ENV_SETTINGS, "PROJECT_URL": "https://x.example"}
    assert PollSettings.from_config(config).max_items == 200
    assert PollSettings.from_config({**config, "FEEDS_MAX_ITEMS": 7}).max_items == 7


@pytest.mark.parametrize(
    ("reply", "code"),
    [
        (Reply(500, b"oops"), "feed_http_error"),
        (Reply(410, b"gone"), "feed_gone"),
        (
            Reply(body=b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "x">]><rss>&a;</rss>'),
            "feed_entities_refused",
        ),
    ],
)
def test_a_failed_fetch_keeps_the_stable_code_of_its_error(engine, session, server, reply, code):
    server.routes["/rss"] = reply
    feed = new_feed(session, server.url("/rss"))
    poll(engine, Clock())
    feed = reload(session, feed)
    assert (feed.last_status, feed.last_error_code) == (FeedStatus.ERROR, code)
    assert feed.last_error  # the English detail stays for the logs and `feeds list --json`
    server.routes["/rss"] = Reply(body=sample("atom.xml"))
    poll(engine, Clock(NOW + timedelta(days=2)), ignore_schedule=True)
    if feed.active:
        assert reload(session, feed).last_error_code == ""


def test_a_feed_url_is_stored_cleaned_so_case_and_tracking_make_no_second_feed(session):
    guard = AddressGuard(allow_private=True)
    first = polling.add_feed(
        session, "HTTP://127.0.0.1:9/rss?utm_source=x", guard=guard, actor="test", now=NOW
    )
    assert first.url == "http://127.0.0.1:9/rss"
    with pytest.raises(DomainError) as refused:
        polling.add_feed(session, "http://127.0.0.1:9/rss", guard=guard, actor="test", now=NOW)
    assert refused.value.code == "feed_taken"


def test_a_feed_url_too_long_once_cleaned_is_refused(session):
    url = "http://127.0.0.1:9/rss?q=" + "é" * 600  # 600 characters, 5 400 once encoded
    with pytest.raises(DomainError) as refused:
        polling.add_feed(
            session, url, guard=AddressGuard(allow_private=True), actor="test", now=NOW
        )
    assert (refused.value.code, refused.value.field) == ("feed_url_too_long", "url")


def test_a_feed_added_while_the_poller_sleeps_is_due_at_its_next_look(engine, session):
    """`feeds watch --max-sleep 30` (the Procfile's poller) looks again within 30 s; a new
    feed is due at once, so it is read at that look: within a minute of being added."""
    assert polling.seconds_until_next(engine, 30, now=NOW) == 30
    add_feed(session, "http://127.0.0.1:9/rss", guard=AddressGuard(allow_private=True),
             actor="test", now=NOW)  # fmt: skip
    session.commit()
    assert polling.seconds_until_next(engine, 30, now=NOW + timedelta(seconds=5)) == 0.01
    feed = session.exec(select(Feed)).one()
    polling.pause_feed(session, feed, actor="test", now=NOW)
    session.commit()
    assert polling.seconds_until_next(engine, 30, now=NOW) == 30
    assert claim_next_feed(session, owner="x", now=NOW) is None
