"""`flask feeds ...`: exit codes, one-line refusals, JSON field names (contracts of issue 3)."""

import json

import pytest
from sqlmodel import select

from models import AuditEntry, Feed
from pledges.feeds import fetch as feeds_module
from tests.factories import make_pledge
from tests.pledges.feed_server import Reply, sample, serving

FEED_FIELDS = [
    "id",
    "url",
    "name",
    "items",
    "last_fetched_at",
    "last_status",
    "last_error",
    "error_count",
    "next_fetch_at",
]
ITEM_FIELDS = ["guid", "link", "title", "published_at", "summary_html"]
SUGGESTION_FIELDS = [
    "pledge_id",
    "item_link",
    "item_title",
    "published_at",
    "matched_terms",
    "state",
]


@pytest.fixture
def app_overrides():
    return {"FEEDS_ALLOW_PRIVATE": True, "FEEDS_READ_TIMEOUT": 0.5, "FEEDS_DEADLINE_SECONDS": 3}


@pytest.fixture
def server():
    with serving() as state:
        yield state


@pytest.fixture
def strict(app):
    """The production address rule (FEEDS_ALLOW_PRIVATE unset) with a fake resolver."""
    app.config["FEEDS_ALLOW_PRIVATE"] = False
    return app


@pytest.fixture
def fake_dns(monkeypatch):
    table = {
        "news.example": ["93.184.216.34"],
        "intranet.example": ["10.0.0.8"],
        "metadata.example": ["169.254.169.254"],
        "mapped.example": ["::ffff:127.0.0.1"],
    }

    def resolve(host, port):
        return table[host]

    monkeypatch.setattr(feeds_module, "system_resolver", resolve)


def invoke(runner, *args):
    return runner.invoke(args=["feeds", *args])


def as_json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_add_registers_a_public_feed(runner, strict, fake_dns, app_session):
    result = invoke(
        runner, "add", "https://news.example/rss", "--name", "Le Ravi", "--interval", "15"
    )
    assert result.exit_code == 0, result.output
    feed = app_session.exec(select(Feed)).one()
    assert (feed.url, feed.name, feed.interval_minutes) == (
        "https://news.example/rss",
        "Le Ravi",
        15,
    )
    assert app_session.exec(select(AuditEntry).where(AuditEntry.action == "feed.added")).one()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://news.example/rss",
        "http://intranet.example/rss",
        "http://metadata.example/latest/meta-data",
        "http://mapped.example/",
        "http://127.0.0.1/rss",
        "http://[::1]/rss",
        "not a url",
    ],
)
def test_add_refuses_with_exit_code_2_and_one_line(runner, strict, fake_dns, app_session, url):
    result = invoke(runner, "add", url)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "refused" in lines[0]
    assert app_session.exec(select(Feed)).all() == []


def test_add_refuses_a_duplicate(runner, strict, fake_dns):
    assert invoke(runner, "add", "https://news.example/rss").exit_code == 0
    result = invoke(runner, "add", "https://news.example/rss")
    assert result.exit_code == 2
    assert "already registered" in result.stderr


def test_fetch_list_items_and_suggestions(runner, server, app_session):
    pledge = make_pledge(app_session, keywords_include=["caméras", "tramway"])
    other = make_pledge(app_session, keywords_include=["moratoire"])
    app_session.commit()
    server.routes["/rss"] = Reply(body=sample("rss20.xml"), headers={"ETag": '"e1"'})
    server.routes["/atom"] = Reply(body=sample("atom.xml"))
    server.routes["/gone"] = Reply(410)
    for path in ("/rss", "/atom", "/gone"):
        assert invoke(runner, "add", server.url(path)).exit_code == 0

    result = invoke(runner, "fetch")
    assert result.exit_code == 0, result.output
    assert "3 flux" in result.stdout

    listed = as_json(invoke(runner, "list", "--json"))
    assert [list(row) for row in listed] == [FEED_FIELDS] * 3
    by_url = {row["url"]: row for row in listed}
    rss = by_url[server.url("/rss")]
    assert (rss["items"], rss["last_status"], rss["error_count"]) == (2, "ok", 0)
    assert rss["last_fetched_at"].endswith("Z")
    assert rss["next_fetch_at"].endswith("Z")
    gone = by_url[server.url("/gone")]
    assert (gone["last_status"], gone["error_count"], gone["next_fetch_at"]) == ("error", 1, None)
    assert "410" in gone["last_error"]

    items = as_json(invoke(runner, "items", str(rss["id"]), "--json"))
    assert [list(row) for row in items] == [ITEM_FIELDS] * 2
    first = items[0]
    assert first["title"] == "Le caméraman du festival"
    assert first["published_at"] == "2026-03-23T10:00:00Z"
    cameras = items[1]
    assert cameras["link"] == "https://journal-fictif.example/cameras?id=7"
    assert cameras["summary_html"] == "<p>La ville installe des <strong>caméras</strong>.</p>"

    suggestions = as_json(invoke(runner, "suggestions", "--json"))
    assert [list(row) for row in suggestions] == [SUGGESTION_FIELDS] * 2
    assert {(s["pledge_id"], s["item_title"], tuple(s["matched_terms"]), s["state"])
            for s in suggestions} == {
        (pledge.id, "Vidéoprotection : 50 nouvelles caméras installées", ("caméras",), "new"),
        (pledge.id, "Tramway : la ligne prolongée", ("tramway",), "new"),
    }  # fmt: skip
    assert as_json(invoke(runner, "suggestions", "--pledge", str(other.id), "--json")) == []

    # Nothing is due any more; --all ignores the schedule (a 304-less server: all duplicates).
    assert "0 flux" in invoke(runner, "fetch").stdout
    again = invoke(runner, "fetch", "--all")
    assert again.exit_code == 0
    assert "2 flux" in again.stdout
    last_rss = [r for r in server.requests if r.path == "/rss"][-1]
    assert last_rss.headers["if-none-match"] == '"e1"'  # conditional GET, answered 200 here
    assert len(as_json(invoke(runner, "suggestions", "--json"))) == 2


def test_fetch_exits_0_when_feeds_fail(runner, server):
    server.routes["/html"] = Reply(body=sample("not_a_feed.html"))
    server.routes["/ok"] = Reply(body=sample("rss092.xml"))
    invoke(runner, "add", server.url("/html"))
    invoke(runner, "add", server.url("/ok"))
    result = invoke(runner, "fetch")
    assert result.exit_code == 0
    listed = {row["url"]: row for row in as_json(invoke(runner, "list", "--json"))}
    assert listed[server.url("/html")]["last_status"] == "error"
    assert "not a feed" in listed[server.url("/html")]["last_error"]
    assert listed[server.url("/html")]["items"] == 0
    assert listed[server.url("/ok")]["items"] == 1


def test_items_of_an_unknown_feed(runner):
    result = invoke(runner, "items", "999", "--json")
    assert result.exit_code == 1
    assert "999" in result.stderr


def test_watch_fetches_due_feeds(runner, server):
    server.routes["/rss"] = Reply(body=sample("rss20.xml"))
    invoke(runner, "add", server.url("/rss"))
    result = invoke(runner, "watch", "--cycles", "2", "--max-sleep", "0.05")
    assert result.exit_code == 0, result.output
    assert server.hits("/rss") == 1  # the second cycle found nothing due
    assert len(as_json(invoke(runner, "items", "1", "--json"))) == 2


def test_text_output_without_json(runner, server):
    server.routes["/rss"] = Reply(body=sample("rss20.xml"))
    invoke(runner, "add", server.url("/rss"))
    invoke(runner, "fetch")
    assert server.url("/rss") in invoke(runner, "list").stdout
    assert "caméraman" in invoke(runner, "items", "1").stdout


def test_finding_8_fetch_says_how_many_items_wait_past_the_cap(runner, app, server):
    app.config["FEEDS_MAX_ITEMS"] = 1
    server.routes["/rss"] = Reply(body=sample("rss20.xml"))
    invoke(runner, "add", server.url("/rss"))
    result = invoke(runner, "fetch")
    assert result.exit_code == 0, result.output
    assert "1 nouvel(s) article(s)" in result.stdout
    assert "1 article(s) au-delà de FEEDS_MAX_ITEMS" in result.stdout
    assert len(as_json(invoke(runner, "items", "1", "--json"))) == 1
