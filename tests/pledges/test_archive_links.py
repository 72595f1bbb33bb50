"""Link checks: ok (conditional), moved, gone after three misses, changed (a new snapshot,
the old one kept, a word diff), politeness per host."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from models import LinkCheck, Snapshot
from pledges.archive import ArchiveSettings, Refusal
from pledges.archive.jobs import run_archiver, run_enqueue
from pledges.archive.links import (
    TOO_LONG,
    changed_share,
    check_links,
    polite_order,
    record_check,
    same_page,
    word_diff,
)
from pledges.archive.reads import archive_info
from tests.archive_pages import ARTICLE_PARAGRAPHS, article_html, snapshots_refused
from tests.factories import make_evidence, make_pledge
from tests.pledges.feed_server import Reply

HTML = {"Content-Type": "text/html; charset=utf-8"}
T0 = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)


def _archived(engine, session, server, settings, path="/a"):
    item = make_evidence(session, make_pledge(session), url=server.url(path))
    session.commit()
    run_enqueue(engine, now=T0)
    assert [r.outcome for r in run_archiver(engine, settings, owner="w", clock=lambda: T0)] == [
        "archived"
    ]
    return item


def _check(engine, settings, now, **kw):
    return list(check_links(engine, settings, clock=lambda: now, sleep=lambda s: None, **kw))


def test_an_unchanged_page_is_ok_and_asked_for_conditionally(engine, session, server, settings):
    server.routes["/a"] = lambda request: (
        Reply(304)
        if request.headers.get("if-none-match") == '"v1"'
        else Reply(body=article_html(), headers={**HTML, "ETag": '"v1"'})
    )
    item = _archived(engine, session, server, settings)
    (first,) = _check(engine, settings, T0)
    assert first.status == "ok"
    assert _check(engine, settings, T0 + timedelta(hours=1)) == []  # not due yet
    (second,) = _check(engine, settings, T0 + timedelta(days=1))
    assert (second.status, second.detail) == ("ok", "304")
    assert server.requests[-1].headers["if-none-match"] == '"v1"'
    session.expire_all()
    assert archive_info(session, [item.id])[item.id].link_status == "ok"


def test_a_redirect_to_another_page_is_moved(engine, session, server, settings):
    server.routes["/a"] = Reply(body=article_html(), headers=HTML)
    item = _archived(engine, session, server, settings)
    server.routes["/a"] = Reply(301, headers={"Location": "/home"})
    server.routes["/home"] = Reply(body=b"<html><body><p>Accueil</p></body></html>", headers=HTML)
    (report,) = _check(engine, settings, T0)
    assert report.status == "moved"
    session.expire_all()
    check = session.get(LinkCheck, item.id)
    assert check.moved_to == server.url("/home")


def test_a_page_that_turns_404_is_gone_after_three_checks(engine, session, server, settings):
    server.routes["/a"] = Reply(body=article_html(), headers=HTML)
    item = _archived(engine, session, server, settings)
    assert [r.status for r in _check(engine, settings, T0)] == ["ok"]
    server.routes["/a"] = Reply(404, b"not found")
    verdicts = [
        r.status for day in (1, 2, 3) for r in _check(engine, settings, T0 + timedelta(days=day))
    ]
    assert verdicts == ["ok", "ok", "gone"]
    session.expire_all()
    assert session.get(LinkCheck, item.id).failures == 3
    # The archived copy stays.
    assert len(archive_info(session, [item.id])[item.id].snapshots) == 1


def test_no_such_host_counts_towards_gone(session, settings):
    item = make_evidence(session)
    for _ in range(3):
        report = record_check(session, item.id, item.url, Refusal("dns_failure"), settings, now=T0)
    assert report.status == "gone"
    # A 403 or a timeout proves nothing either way.
    other = make_evidence(session)
    for code in ("http_403", "timeout", "server_error"):
        report = record_check(session, other.id, other.url, Refusal(code), settings, now=T0)
    assert report.status is None


def test_a_page_that_changes_gets_a_new_snapshot_and_keeps_the_old(
    engine, session, server, settings
):
    server.routes["/a"] = Reply(body=article_html(), headers=HTML)
    item = _archived(engine, session, server, settings)
    # A small edit is not a change.
    tweaked = (ARTICLE_PARAGRAPHS[0].replace("mardi", "lundi"), *ARTICLE_PARAGRAPHS[1:])
    server.routes["/a"] = Reply(body=article_html(tweaked), headers=HTML)
    assert [r.status for r in _check(engine, settings, T0)] == ["ok"]
    rewritten = (
        ARTICLE_PARAGRAPHS[0],
        "Finalement la ligne ne sera pas prolongée vers l'aéroport, a annoncé la majorité, "
        "qui renvoie le projet au prochain mandat faute de financement de l'État.",
    )
    server.routes["/a"] = Reply(body=article_html(rewritten), headers=HTML)
    later = T0 + timedelta(days=1)
    (report,) = _check(engine, settings, later)
    assert report.status == "changed"
    assert report.snapshot_id is not None
    session.expire_all()
    snapshots = session.exec(select(Snapshot).order_by(Snapshot.id)).all()
    assert len(snapshots) == 2
    assert session.get(LinkCheck, item.id).changed_at == later
    diff = word_diff(snapshots[0].text, snapshots[1].text)
    assert (diff[0][0], diff[0][1][:10]) == ("equal", "Le tramway")
    assert any(op == "insert" and "aéroport" in words for op, words in diff)
    assert any(op == "delete" and "associations" in words for op, words in diff)
    # Changed stays changed while the page stays as it now is.
    assert [r.status for r in _check(engine, settings, later + timedelta(days=1))] == ["changed"]


def test_same_page_ignores_scheme_www_and_trailing_slash():
    assert same_page("http://example.org/a/", "https://www.example.org/a")
    assert not same_page("https://example.org/a", "https://example.org/")
    assert not same_page("https://example.org/a?id=1", "https://example.org/a?id=2")


def test_changed_share_counts_words():
    assert changed_share("a b c d", "a b c d") == 0.0
    assert changed_share("a b c d", "a b c e") == pytest.approx(0.25)
    assert changed_share("", "x y z") == 1.0


def test_hosts_are_interleaved_and_spaced(engine, session, server, settings):
    pledge = make_pledge(session)
    for n in range(3):
        server.routes[f"/h{n}"] = Reply(body=article_html(), headers=HTML)
        make_evidence(session, pledge, url=server.url(f"/h{n}"))
    session.commit()
    assert [
        u for _, u in polite_order([(1, "http://a/1"), (2, "http://a/2"), (3, "http://b/1")])
    ] == [
        "http://a/1",
        "http://b/1",
        "http://a/2",
    ]
    waits: list[float] = []
    slow = ArchiveSettings(**{**settings.__dict__, "host_delay": 30.0})
    reports = list(check_links(engine, slow, clock=lambda: T0, sleep=waits.append))
    assert len(reports) == 3
    assert len(waits) == 2  # one host: a wait before the 2nd and 3rd request
    assert all(25 < w <= 30 for w in waits)


# Review: after an editor corrected an item's URL, the copy of the previous address was
# still "the copy" (latest), hid the new address's refusal, and was the link check's
# baseline, so two different pages were reported "changed".
OTHER_PAGE = (
    "Le conseil municipal a voté le budget des écoles, sans rapport avec le tramway : "
    "cantines, cours d'école et rénovation des gymnases pour les trois prochaines années.",
)


def _corrected(engine, session, item, url):
    item.url = url  # an editor corrects the cited URL
    session.add(item)
    session.commit()
    run_enqueue(engine, now=T0)


def test_a_copy_of_a_corrected_url_is_not_the_copy_of_the_new_one(
    engine, session, server, settings
):
    server.routes["/wrong"] = Reply(body=article_html(), headers=HTML)
    server.routes["/right"] = Reply(403, b"no")
    item = _archived(engine, session, server, settings, path="/wrong")
    _corrected(engine, session, item, server.url("/right"))
    reports = list(run_archiver(engine, settings, owner="w", clock=lambda: T0))
    assert [r.outcome for r in reports] == ["refused"]
    session.expire_all()
    info = archive_info(session, [item.id])[item.id]
    assert info.latest is None  # before: the /wrong copy
    assert info.current == []
    assert info.refusal == "http_403"  # before: None, a copy existed
    assert [s.url for s in info.earlier] == [server.url("/wrong")]  # kept, still reachable
    assert [s.url for s in info.snapshots] == [server.url("/wrong")]


def test_the_link_check_compares_only_copies_of_the_current_url(engine, session, server, settings):
    server.routes["/wrong"] = Reply(body=article_html(), headers=HTML)
    server.routes["/right"] = Reply(body=article_html(OTHER_PAGE), headers=HTML)
    item = _archived(engine, session, server, settings, path="/wrong")
    _corrected(engine, session, item, server.url("/right"))
    # Checked before the archive job copies the new address: no baseline, no verdict of change.
    assert [r.status for r in _check(engine, settings, T0)] == ["ok"]  # before: "changed"
    assert [r.outcome for r in run_archiver(engine, settings, owner="w", clock=lambda: T0)] == [
        "archived"
    ]
    # Checked again: the new page against its own copy.
    assert [r.status for r in _check(engine, settings, T0 + timedelta(days=1))] == ["ok"]
    session.expire_all()
    info = archive_info(session, [item.id])[item.id]
    assert [s.url for s in info.current] == [server.url("/right")]
    assert info.latest is not None
    assert info.latest.url == server.url("/right")
    assert info.link_status == "ok"


def test_a_change_found_at_a_previous_url_is_not_kept_for_the_new_one(
    engine, session, server, settings
):
    server.routes["/wrong"] = Reply(body=article_html(), headers=HTML)
    item = _archived(engine, session, server, settings, path="/wrong")
    server.routes["/wrong"] = Reply(body=article_html(OTHER_PAGE), headers=HTML)
    assert [r.status for r in _check(engine, settings, T0)] == ["changed"]
    server.routes["/right"] = Reply(body=article_html(), headers=HTML)
    _corrected(engine, session, item, server.url("/right"))
    list(run_archiver(engine, settings, owner="w", clock=lambda: T0))
    assert [r.status for r in _check(engine, settings, T0 + timedelta(days=1))] == ["ok"]


def test_word_diff_compares_lines_then_words_within_bounds():
    old = "Titre\nLa ligne ira jusqu'à la gare.\nFin"
    new = "Titre\nLa ligne ira jusqu'à l'aéroport.\nFin"
    assert word_diff(old, new) == [
        ("equal", "Titre"),
        ("equal", "La ligne ira jusqu'à"),
        ("delete", "la gare."),
        ("insert", "l'aéroport."),
        ("equal", "Fin"),
    ]
    long_old, long_new = " ".join(["a"] * 30), " ".join(["b"] * 30)
    assert word_diff(long_old, long_new, block_words=20) == [
        (TOO_LONG, ""),
        ("delete", long_old),
        ("insert", long_new),
    ]
    # The total bound: the first changed block is compared, the second is not.
    assert [op for op, _ in word_diff("a\nx\nb", "c\nx\nd", total_words=2)] == [
        "delete",
        "insert",
        "equal",
        TOO_LONG,
        "delete",
        "insert",
    ]


def test_changed_share_is_linear_on_repeated_words():
    old = " ".join(["de", "la", "le"] * 6000)
    new = old.replace("la", "sa", 900)
    started = time.monotonic()
    assert changed_share(old, new) == pytest.approx(900 / 18000)
    assert time.monotonic() - started < 0.5


def test_a_change_that_cannot_be_stored_never_stops_the_daily_check(
    engine, session, server, settings
):
    server.routes["/a"] = Reply(body=article_html(), headers=HTML)
    server.routes["/b"] = Reply(body=article_html(), headers=HTML)
    first = _archived(engine, session, server, settings, "/a")
    second = _archived(engine, session, server, settings, "/b")
    changed = article_html(("Tout autre chose, sans aucun rapport avec le texte cité.",))
    server.routes["/a"] = server.routes["/b"] = Reply(body=changed, headers=HTML)
    warcs_before = sorted(settings.archive_dir.rglob("*.warc.gz"))
    with snapshots_refused("/a"):
        reports = _check(engine, settings, T0 + timedelta(days=1))
    assert sorted((r.evidence_id, r.status, r.detail.split(" ")[0]) for r in reports) == [
        (first.id, None, "store_failed"),
        (second.id, "changed", "200"),
    ]
    session.expire_all()
    check = session.get(LinkCheck, first.id)
    assert check.checked_at == T0 + timedelta(days=1)  # not due again tomorrow first thing
    assert check.next_check_at > T0 + timedelta(days=1)
    # One new WARC (the second page's), none left for the change that was not stored.
    assert len(sorted(settings.archive_dir.rglob("*.warc.gz"))) == len(warcs_before) + 1
