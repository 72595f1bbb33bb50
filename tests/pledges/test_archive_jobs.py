"""The archive queue: enqueue, claim, archive once, refuse with a reason, retry with backoff;
two archivers side by side never archive an item twice."""

import threading
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from models import ArchiveJob, Snapshot
from models.db import make_engine
from models.enums import EvidenceState
from pledges.archive.jobs import (
    claim_next_job,
    enqueue_missing,
    reopen,
    run_archiver,
    run_enqueue,
)
from pledges.archive.reads import archive_info, never_archived_domains
from tests.archive_pages import ARTICLE_TEXT, article_html, snapshots_refused
from tests.factories import make_candidate, make_election, make_evidence, make_pledge
from tests.pledges.feed_server import Reply

HTML = {"Content-Type": "text/html; charset=utf-8"}
T0 = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)


def _items(session, server, paths, **kw):
    pledge = make_pledge(session)
    items = [make_evidence(session, pledge, url=server.url(p), **kw) for p in paths]
    session.commit()
    return items


def test_enqueue_takes_submitted_and_published_items_once(session, server):
    pledge = make_pledge(session)
    kept = [
        make_evidence(session, pledge, url=server.url("/a"), state=EvidenceState.SUBMITTED),
        make_evidence(session, pledge, url=server.url("/b"), state=EvidenceState.PUBLISHED),
    ]
    make_evidence(session, pledge, url=server.url("/c"), state=EvidenceState.REJECTED)
    # The demonstration data's sources are never fetched.
    demo = make_pledge(session, make_candidate(session, make_election(session, is_demo=True)))
    make_evidence(session, demo, url=server.url("/demo"))
    assert enqueue_missing(session, now=T0) == 2
    assert enqueue_missing(session, now=T0) == 0
    jobs = session.exec(select(ArchiveJob).order_by(ArchiveJob.id)).all()
    assert [j.evidence_id for j in jobs] == [e.id for e in kept]
    assert {j.host for j in jobs} == {"127.0.0.1"}


def test_enqueue_goes_by_batches(engine, session, server, monkeypatch):
    from pledges.archive import jobs

    monkeypatch.setattr(jobs, "MAX_ENQUEUE", 2)
    _items(session, server, ["/a", "/b", "/c", "/d", "/e"])
    assert run_enqueue(engine, now=T0) == 2  # one batch per poller round
    assert run_enqueue(engine, now=T0, rounds=100) == 3  # on demand: all of them


def test_a_corrected_url_is_archived_again(engine, session, server, settings):
    server.routes["/a"] = Reply(body=article_html(), headers=HTML)
    server.routes["/b"] = Reply(body=article_html(title="Autre titre"), headers=HTML)
    (item,) = _items(session, server, ["/a"])
    run_enqueue(engine, now=T0)
    list(run_archiver(engine, settings, owner="w1", clock=lambda: T0))
    item.url = server.url("/b")
    session.add(item)
    session.commit()
    assert run_enqueue(engine, now=T0) == 1
    assert [r.outcome for r in run_archiver(engine, settings, owner="w1", clock=lambda: T0)] == [
        "archived"
    ]
    session.expire_all()
    urls = [s.final_url for s in archive_info(session, [item.id])[item.id].snapshots]
    assert urls == [server.url("/a"), server.url("/b")]


def test_a_job_archives_its_item(engine, session, server, settings):
    server.routes["/a"] = Reply(body=article_html(), headers=HTML)
    (item,) = _items(session, server, ["/a"])
    assert run_enqueue(engine, now=T0) == 1
    reports = list(run_archiver(engine, settings, owner="w1", clock=lambda: T0))
    assert [r.outcome for r in reports] == ["archived"]
    session.expire_all()
    job = session.exec(select(ArchiveJob)).one()
    assert (job.state, job.attempts, job.lease_owner) == ("done", 1, None)
    info = archive_info(session, [item.id])[item.id]
    assert info.latest.id == job.snapshot_id
    assert info.refusal is None
    assert session.get(Snapshot, job.snapshot_id).text == ARTICLE_TEXT
    assert list(run_archiver(engine, settings, owner="w1", clock=lambda: T0)) == []


def test_a_refusal_ends_the_job_with_its_reason(engine, session, server, settings):
    server.routes["/no"] = Reply(403, b"forbidden")
    (item,) = _items(session, server, ["/no"])
    run_enqueue(engine, now=T0)
    (report,) = run_archiver(engine, settings, owner="w1", clock=lambda: T0)
    assert (report.outcome, report.code) == ("refused", "http_403")
    session.expire_all()
    assert archive_info(session, [item.id])[item.id].refusal == "http_403"
    assert [(d.host, d.count, d.codes) for d in never_archived_domains(session)] == [
        ("127.0.0.1", 1, {"http_403": 1})
    ]


def test_temporary_failures_are_retried_with_backoff_then_fail(engine, session, server, settings):
    server.routes["/later"] = Reply(503, b"busy")
    (item,) = _items(session, server, ["/later"])
    run_enqueue(engine, now=T0)
    now = T0
    outcomes = []
    waits = []
    for _attempt in range(3):
        (report,) = run_archiver(engine, settings, owner="w1", clock=lambda at=now: at)
        outcomes.append(report.outcome)
        session.expire_all()
        job = session.exec(select(ArchiveJob)).one()
        waits.append(job.next_attempt_at - now)
        # Not due before its time: nothing to do a minute later.
        assert list(run_archiver(engine, settings, owner="w1", clock=lambda at=now: at)) == []
        now = job.next_attempt_at
    assert outcomes == ["retry", "retry", "failed"]
    assert waits[:2] == [timedelta(minutes=5), timedelta(minutes=10)]
    assert job.state == "failed"
    assert job.reason_code == "server_error"
    assert archive_info(session, [item.id])[item.id].refusal == "server_error"
    # On demand, the failed job is tried again at once.
    assert reopen(session, now=now, unarchived=True) == 1
    session.commit()
    server.routes["/later"] = Reply(body=article_html(), headers=HTML)
    assert [r.outcome for r in run_archiver(engine, settings, owner="w2", clock=lambda: now)] == [
        "archived"
    ]


def test_a_worker_whose_lease_was_taken_over_stores_nothing(engine, session, server, settings):
    server.routes["/a"] = Reply(body=article_html(), headers=HTML)
    _items(session, server, ["/a"])
    run_enqueue(engine, now=T0)
    claimed = claim_next_job(session, owner="slow", now=T0, lease=timedelta(minutes=1))
    session.commit()
    assert claimed is not None
    # The lease ran out: another worker takes the job and archives it.
    later = T0 + timedelta(minutes=2)
    reports = list(run_archiver(engine, settings, owner="fast", clock=lambda: later))
    assert [r.outcome for r in reports] == ["archived"]
    from pledges.archive.jobs import _finish
    from pledges.archive.snapshots import capture

    with settings.client() as client:
        late = _finish(
            engine,
            claimed,
            capture(claimed.url, settings, client=client),
            settings,
            owner="slow",
            clock=lambda: later,
        )
    assert late.outcome == "lost"
    session.expire_all()
    assert len(session.exec(select(Snapshot)).all()) == 1


def test_two_archivers_archive_each_item_exactly_once(database_url, session, server, settings):
    paths = [f"/p{i}" for i in range(16)]
    for path in paths:
        server.routes[path] = Reply(body=article_html(), headers=HTML, delay=0.02)
    items = _items(session, server, paths)
    engines = [make_engine(database_url) for _ in range(2)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def work(engine, owner):
        try:
            barrier.wait()
            run_enqueue(engine, now=T0)
            list(run_archiver(engine, settings, owner=owner, clock=lambda: T0))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=work, args=(engine, f"worker-{n}"))
        for n, engine in enumerate(engines)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for engine in engines:
        engine.dispose()
    assert errors == []
    with Session(session.get_bind()) as fresh:
        snapshots = fresh.exec(select(Snapshot)).all()
        jobs = fresh.exec(select(ArchiveJob)).all()
    assert sorted(s.evidence_id for s in snapshots) == sorted(e.id for e in items)
    assert {j.state for j in jobs} == {"done"}
    assert len(jobs) == len(items)
    assert all(server.hits(path) == 1 for path in paths)


def _warcs(settings):
    return sorted(p for p in settings.archive_dir.rglob("*.warc.gz") if p.parent.name != "tmp")


def test_a_nul_byte_in_a_text_page_is_dropped_and_archived(engine, session, server, settings):
    server.routes["/t"] = Reply(
        body=b"hello\x00wor\x01ld\tand\nmore", headers={"Content-Type": "text/plain"}
    )
    (item,) = _items(session, server, ["/t"])
    run_enqueue(engine, now=T0)
    assert [r.outcome for r in run_archiver(engine, settings, owner="w1", clock=lambda: T0)] == [
        "archived"
    ]
    session.expire_all()
    assert archive_info(session, [item.id])[item.id].latest.text == "helloworld\tand\nmore"


def test_a_page_that_cannot_be_stored_never_stops_the_others(engine, session, server, settings):
    server.routes["/bad"] = Reply(body=b"bad page", headers={"Content-Type": "text/plain"})
    server.routes["/ok"] = Reply(body=b"fine", headers={"Content-Type": "text/plain"})
    bad, ok = _items(session, server, ["/bad", "/ok"])
    run_enqueue(engine, now=T0)
    with snapshots_refused("/bad"):
        reports = list(run_archiver(engine, settings, owner="w1", clock=lambda: T0))
    assert sorted((r.evidence_id, r.outcome, r.code) for r in reports) == [
        (bad.id, "retry", "store_failed"),
        (ok.id, "archived", ""),
    ]
    session.expire_all()
    jobs = {j.evidence_id: j for j in session.exec(select(ArchiveJob))}
    assert (jobs[bad.id].state, jobs[bad.id].attempts, jobs[bad.id].lease_owner) == (
        "pending",
        1,
        None,
    )
    assert jobs[bad.id].reason_code == "store_failed"
    assert jobs[bad.id].next_attempt_at > T0
    assert jobs[ok.id].state == "done"
    # No orphan WARC: one file, the good page's.
    assert [str(p.relative_to(settings.archive_dir)) for p in _warcs(settings)] == [
        session.get(Snapshot, jobs[ok.id].snapshot_id).warc_path
    ]
    # Tried again later, then failed after ARCHIVE_MAX_ATTEMPTS; never stuck.
    with snapshots_refused("/bad"):
        for day in (1, 2):
            later = T0 + timedelta(days=day)
            list(run_archiver(engine, settings, owner="w1", clock=lambda later=later: later))
    session.expire_all()
    job = session.get(ArchiveJob, jobs[bad.id].id)
    assert (job.state, job.attempts, job.reason_code) == ("failed", 3, "store_failed")
    assert len(_warcs(settings)) == 1


def test_items_rejected_or_withdrawn_since_queued_are_never_fetched(
    engine, session, server, settings
):
    for path in ("/rejected", "/withdrawn", "/kept"):
        server.routes[path] = Reply(body=article_html(), headers=HTML)
    rejected, withdrawn, kept = _items(
        session, server, ["/rejected", "/withdrawn", "/kept"], state=EvidenceState.PUBLISHED
    )
    run_enqueue(engine, now=T0)
    rejected.state = EvidenceState.REJECTED
    withdrawn.state = EvidenceState.WITHDRAWN
    session.commit()
    reports = list(run_archiver(engine, settings, owner="w1", clock=lambda: T0))
    assert [(r.evidence_id, r.outcome) for r in reports] == [(kept.id, "archived")]
    assert [r.path for r in server.requests] == ["/kept"]
    with Session(engine) as other:
        assert (
            claim_next_job(
                other, owner="w2", now=T0, lease=timedelta(minutes=5), ignore_schedule=True
            )
            is None
        )
