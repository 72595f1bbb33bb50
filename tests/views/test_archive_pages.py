"""Archived copies on public pages, the API, the dump, the CLI and the editors' list;
pages served on 127.0.0.1 (FEEDS_ALLOW_PRIVATE, tests only)."""

import random
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from models import ArchiveJob, LinkCheck, Snapshot
from models.enums import EvidenceState, PledgeStatus, Role
from pledges.archive import ArchiveSettings, read_records, warc_file
from pledges.archive.jobs import reopen, run_archiver, run_enqueue
from pledges.archive.links import check_links
from pledges.errors import FeedFetchError
from pledges.status import record_status_change
from tests.archive_pages import ARTICLE_PARAGRAPHS, article_html
from tests.factories import make_evidence, make_pledge
from tests.pledges.feed_server import Reply, serving

HTML = {"Content-Type": "text/html; charset=utf-8"}
T0 = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
NASTY = "Le maire a écrit <script>alert(1)</script> dans son communiqué, sans rire."


@pytest.fixture
def app_overrides():
    return {
        "FEEDS_ALLOW_PRIVATE": True,
        "ARCHIVE_DEADLINE_SECONDS": 2.0,
        "FEEDS_READ_TIMEOUT": 1.0,
        "LINKCHECK_HOST_DELAY": 0.0,
        "PAGE_CACHE_SIZE": 0,
    }


@pytest.fixture
def server():
    with serving() as state:
        yield state


@pytest.fixture
def settings(app):
    return ArchiveSettings.from_config(app.config)


def _archive(app, settings, now=T0):
    engine = app.extensions["db_engine"]
    run_enqueue(engine, now=now)
    return list(run_archiver(engine, settings, owner="test", clock=lambda: now))


def no_such_host(host, port):
    """A resolver for which no name exists (tests never ask the system's)."""
    raise FeedFetchError(f"no such host {host!r}", code="feed_host_unresolved", field="url")


def _check(app, settings, now):
    engine = app.extensions["db_engine"]
    return list(check_links(engine, settings, clock=lambda: now, sleep=lambda s: None))


@pytest.fixture
def archived(app, app_session, server, settings):
    """A published item whose page (with a <script> in its text) was archived."""
    paragraphs = (*ARTICLE_PARAGRAPHS, NASTY.replace("<", "&lt;").replace(">", "&gt;"))
    server.routes["/article"] = Reply(body=article_html(paragraphs), headers=HTML)
    pledge = make_pledge(app_session)
    item = make_evidence(app_session, pledge, url=server.url("/article"))
    app_session.commit()
    assert [r.outcome for r in _archive(app, settings)] == ["archived"]
    snapshot = app_session.exec(select(Snapshot)).one()
    return pledge, item, snapshot


def test_the_pledge_page_links_to_the_archived_copy(client, archived):
    pledge, item, snapshot = archived
    page = client.get(f"/pledges/{pledge.id}").get_data(as_text=True)
    assert "copie archivée le 11 mars 2026" in page
    assert f'href="/evidence/{item.id}/archives/{snapshot.id}"' in page
    english = client.get(f"/pledges/{pledge.id}?lang=en").get_data(as_text=True)
    assert "archived copy of March 11, 2026" in english


def test_the_copy_page_shows_our_escaped_text_facts_and_hash(client, archived):
    _pledge, item, snapshot = archived
    response = client.get(f"/evidence/{item.id}/archives/{snapshot.id}")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "<p>" + ARTICLE_PARAGRAPHS[0] + "</p>" in page
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert snapshot.sha256 in page
    assert "Empreinte SHA-256" in page
    assert f"/evidence/{item.id}/archives/{snapshot.id}.warc.gz" in page
    english = client.get(f"/evidence/{item.id}/archives/{snapshot.id}?lang=en")
    assert "SHA-256 hash of the content received" in english.get_data(as_text=True)


def test_the_warc_downloads_as_an_attachment(app, client, archived, settings):
    _pledge, item, snapshot = archived
    response = client.get(f"/evidence/{item.id}/archives/{snapshot.id}.warc.gz")
    assert response.status_code == 200
    assert response.mimetype == "application/warc"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "Set-Cookie" not in response.headers
    path = warc_file(settings.archive_dir, snapshot.warc_path)
    assert response.data == path.read_bytes()
    response.close()  # send_file's open file
    assert read_records(path)[1]["type"] == "response"


def test_unknown_unpublished_and_withdrawn_copies_are_not_public(client, app_session, archived):
    _pledge, item, snapshot = archived
    assert client.get(f"/evidence/{item.id}/archives/{snapshot.id + 1}").status_code == 404
    assert client.get(f"/evidence/{item.id + 1}/archives/{snapshot.id}").status_code == 404
    assert client.get(f"/evidence/{item.id}/changes").status_code == 404  # one copy only
    item.state = EvidenceState.SUBMITTED
    app_session.add(item)
    app_session.commit()
    assert client.get(f"/evidence/{item.id}/archives/{snapshot.id}").status_code == 404
    item.state = EvidenceState.WITHDRAWN
    app_session.add(item)
    app_session.commit()
    for path in ("", ".warc.gz"):
        assert client.get(f"/evidence/{item.id}/archives/{snapshot.id}{path}").status_code == 410


def test_a_refused_page_says_why(app, client, app_session, server, settings):
    server.routes["/paywall"] = Reply(403, b"no")
    pledge = make_pledge(app_session)
    make_evidence(app_session, pledge, url=server.url("/paywall"))
    app_session.commit()
    assert [r.outcome for r in _archive(app, settings)] == ["refused"]
    page = client.get(f"/pledges/{pledge.id}").get_data(as_text=True)
    assert "non archivé (accès refusé par le site)" in page
    english = client.get(f"/pledges/{pledge.id}?lang=en").get_data(as_text=True)
    assert "not archived (access refused by the site)" in english
    # Dead without a copy: said too.
    server.routes["/paywall"] = Reply(404, b"gone")
    for day in (1, 2, 3):
        _check(app, settings, T0 + timedelta(days=day))
    page = client.get(f"/pledges/{pledge.id}").get_data(as_text=True)
    assert "lien mort</span> · non archivé (accès refusé par le site)" in page


def _assert_marks_read_as_archive_info(session, item_id: int) -> None:
    """The pledge page's plain rows (archive_marks) say what the models would."""
    from pledges.archive.reads import archive_info, archive_marks

    full, mark = (
        archive_info(session, [item_id])[item_id],
        archive_marks(session, [item_id])[item_id],
    )

    def copies(snapshots):
        return [(s.id, s.url, s.retrieved_at) for s in snapshots]

    assert copies(mark.snapshots) == copies(full.snapshots)
    assert copies(mark.current) == copies(full.current)
    assert mark.latest is not None or full.latest is None
    assert (mark.link_status, mark.refusal) == (full.link_status, full.refusal)


def test_dead_and_changed_links_are_marked(app, client, app_session, server, settings, archived):
    pledge, item, first = archived
    server.routes["/article"] = Reply(
        body=article_html((ARTICLE_PARAGRAPHS[0], "Un tout autre texte sur un autre sujet.")),
        headers=HTML,
    )
    assert [r.status for r in _check(app, settings, T0 + timedelta(days=1))] == ["changed"]
    page = client.get(f"/pledges/{pledge.id}").get_data(as_text=True)
    assert "modifié depuis le 11 mars 2026" in page
    _assert_marks_read_as_archive_info(app_session, item.id)
    second = app_session.exec(select(Snapshot).where(Snapshot.id != first.id)).one()
    diff = client.get(f"/evidence/{item.id}/changes")
    assert diff.status_code == 200
    text = diff.get_data(as_text=True)
    assert "<ins>" in text
    assert "autre sujet." in text
    assert "<del>" in text
    assert "associations" in text
    assert client.get(f"/evidence/{item.id}/changes/{first.id}/{second.id}").status_code == 200
    assert client.get(f"/evidence/{item.id}/changes/{first.id}/{first.id}").status_code == 404
    server.routes["/article"] = Reply(404, b"gone")
    for day in (2, 3, 4):
        _check(app, settings, T0 + timedelta(days=day))
    page = client.get(f"/pledges/{pledge.id}").get_data(as_text=True)
    assert "lien mort — voir la copie archivée" in page
    assert "dead link — see the archived copy" in client.get(
        f"/pledges/{pledge.id}?lang=en"
    ).get_data(as_text=True)


# Review: after an editor corrected the URL, the pledge page still offered the previous
# address's copy as "copie archivée" of the new link.
def test_a_corrected_url_is_never_shown_with_the_previous_address_copy(
    app, client, app_session, server, settings, archived
):
    pledge, item, old = archived
    old_url = item.url
    server.routes["/right"] = Reply(403, b"no")
    item.url = server.url("/right")  # an editor corrects the cited URL
    app_session.add(item)
    app_session.commit()
    assert [r.outcome for r in _archive(app, settings)] == ["refused"]
    page = client.get(f"/pledges/{pledge.id}").get_data(as_text=True)
    assert "copie archivée le" not in page  # before: the copy of the previous address
    assert f"/evidence/{item.id}/archives/{old.id}" not in page
    assert "non archivé (accès refusé par le site)" in page
    _assert_marks_read_as_archive_info(app_session, item.id)
    # The previous address's copy stays reachable, said to be one.
    copy = client.get(f"/evidence/{item.id}/archives/{old.id}").get_data(as_text=True)
    assert "celle d'une adresse précédente de cette preuve" in copy
    assert "Adresse archivée" in copy
    assert old_url in copy
    english = client.get(f"/evidence/{item.id}/archives/{old.id}?lang=en").get_data(as_text=True)
    assert "a previous address of this evidence" in english
    # Its copy of the new address, once there, is the copy; the earlier one is listed apart.
    server.routes["/right"] = Reply(body=article_html(), headers=HTML)
    with Session(app.extensions["db_engine"]) as session:
        reopen(session, now=T0, evidence_id=item.id)
        session.commit()
    assert [r.outcome for r in _archive(app, settings)] == ["archived"]
    new = app_session.exec(select(Snapshot).where(Snapshot.id != old.id)).one()
    page = client.get(f"/pledges/{pledge.id}").get_data(as_text=True)
    assert f'href="/evidence/{item.id}/archives/{new.id}"' in page
    assert f"/evidence/{item.id}/archives/{old.id}" not in page
    copy = client.get(f"/evidence/{item.id}/archives/{new.id}").get_data(as_text=True)
    assert "Copies d'une adresse précédente" in copy
    assert f'href="/evidence/{item.id}/archives/{old.id}"' in copy
    assert "celle d'une adresse précédente" not in copy
    # Two copies of two addresses are two pages: no diff between them.
    assert client.get(f"/evidence/{item.id}/changes/{old.id}/{new.id}").status_code == 404
    assert client.get(f"/evidence/{item.id}/changes").status_code == 404
    # The API keeps both, each naming the URL it was made for.
    (detail,) = client.get(f"/api/v1/pledges/{pledge.id}").json["evidence"]
    assert [s["url"] for s in detail["snapshots"]] == [old_url, item.url]


def test_api_and_dump_carry_snapshots_and_link_status(app, client, archived, settings):
    pledge, item, snapshot = archived
    _check(app, settings, T0)
    expected = {
        "retrieved_at": "2026-03-11T09:00:00+00:00",
        "url": item.url,
        "final_url": item.url,
        "http_status": 200,
        "sha256": snapshot.sha256,
        "text_url": f"http://localhost/evidence/{item.id}/archives/{snapshot.id}",
        "warc_url": f"http://localhost/evidence/{item.id}/archives/{snapshot.id}.warc.gz",
    }
    site = app.config["SITE_URL"].rstrip("/")
    expected["text_url"] = expected["text_url"].replace("http://localhost", site)
    expected["warc_url"] = expected["warc_url"].replace("http://localhost", site)
    (detail,) = client.get(f"/api/v1/pledges/{pledge.id}").json["evidence"]
    assert detail["snapshots"] == [expected]
    assert detail["link_status"] == "ok"
    (listed,) = client.get("/api/v1/evidence").json["items"]
    assert listed["snapshots"] == [expected]
    assert listed["link_status"] == "ok"
    dump = client.get("/api/v1/dump.json").json
    (dumped,) = dump["elections"][0]["candidates"][0]["pledges"][0]["evidence"]
    assert dumped["snapshots"] == [expected]
    assert dumped["link_status"] == "ok"


def test_cli_archive_and_check_links(runner, app_session, server):
    server.routes["/ok"] = Reply(body=article_html(), headers=HTML)
    server.routes["/no"] = Reply(403, b"no")
    pledge = make_pledge(app_session)
    good = make_evidence(app_session, pledge, url=server.url("/ok"))
    make_evidence(app_session, pledge, url=server.url("/no"))
    app_session.commit()
    result = runner.invoke(args=["evidence", "archive", "--missing"])
    assert result.exit_code == 0, result.output
    assert "archivée (copie" in result.output
    assert "non archivée (accès refusé par le site)" in result.output
    assert "1 archivée(s), 1 refusée(s), 0 en échec, 0 à réessayer." in result.output
    result = runner.invoke(args=["evidence", "archive", "--id", str(good.id)])
    assert result.exit_code == 0, result.output
    assert len(app_session.exec(select(Snapshot)).all()) == 2  # archived again, old kept
    result = runner.invoke(args=["evidence", "archive", "--id", "999999"])
    assert result.exit_code == 2
    result = runner.invoke(args=["evidence", "check-links", "--all"])
    assert result.exit_code == 0, result.output
    assert "2 lien(s) vérifié(s)." in result.output
    assert len(app_session.exec(select(LinkCheck)).all()) == 2


def test_the_poller_archives_after_each_round(app, app_session, server):
    from views.cli.evidence import ArchiveRounds, DailyLinkChecks

    server.routes["/ok"] = Reply(body=article_html(), headers=HTML)
    make_evidence(app_session, url=server.url("/ok"))
    app_session.commit()
    slept = []
    hook = ArchiveRounds(app, sleep=DailyLinkChecks(app, sleep=slept.append))
    with app.app_context():
        hook(30.0)
    assert slept == [30.0]
    app_session.expire_all()
    assert app_session.exec(select(ArchiveJob)).one().state == "done"
    assert len(app_session.exec(select(LinkCheck)).all()) == 1  # the day's checks ran


def test_editors_see_sources_to_review_and_domains_never_archived(
    app, auth, app_session, server, settings, archived
):
    pledge, item, _snapshot = archived
    editor = auth.create(Role.EDITOR)
    record_status_change(
        app_session,
        pledge,
        to=PledgeStatus.BROKEN,
        effective_on=item.published_on,
        rationale="Voir la preuve.",
        cites=[item],
        actor=editor,
    )
    server.routes["/no"] = Reply(403, b"no")
    other = make_evidence(app_session, url="http://refuse.invalid/x")
    app_session.add(
        ArchiveJob(
            evidence_id=other.id,
            url=other.url,
            host="refuse.invalid",
            state="refused",
            reason_code="paywall",
        )
    )
    app_session.commit()
    server.routes["/article"] = Reply(404, b"gone")
    # refuse.invalid is checked too: a fake resolver answers, never the system's.
    offline = replace(settings, resolver=no_such_host)
    for day in (1, 2, 3):
        _check(app, offline, T0 + timedelta(days=day))
    auth.login_as(Role.EDITOR)
    page = auth.client.get("/admin/sources").get_data(as_text=True)
    assert "lien mort" in page
    assert item.url in page
    assert "refuse.invalid" in page
    assert "article payant (1)" in page


def test_every_refusal_code_is_said_in_french_and_english(app):
    from pledges.archive import REFUSAL_CODES
    from views.error_messages import ARCHIVE_REASONS, archive_reason

    assert set(ARCHIVE_REASONS) == set(REFUSAL_CODES)
    with app.test_request_context("/?lang=en"):
        english = {code: archive_reason(code) for code in REFUSAL_CODES}
    with app.test_request_context("/"):
        french = {code: archive_reason(code) for code in REFUSAL_CODES}
    assert [code for code in REFUSAL_CODES if english[code] == french[code]] == []


def _two_snapshots(app_session, old_text, new_text):
    item = make_evidence(app_session, make_pledge(app_session))
    for day, text in enumerate((old_text, new_text)):
        app_session.add(
            Snapshot(
                evidence_id=item.id,
                url=item.url,
                sha256="0" * 64,
                warc_path="x",
                retrieved_at=T0 + timedelta(days=day),
                text=text,
            )
        )
    app_session.commit()
    return item


def test_the_changes_page_stays_fast_on_long_repetitive_texts(client, app_session):
    """Two 8,000-word snapshots of a few hundred repeated words (a long PDF): a word-level
    SequenceMatcher over them took 39 s; the page answers well within 2 s."""
    rng = random.Random(2)  # noqa: S311 (test data, not a secret)
    vocabulary = [f"w{i}" for i in range(300)] + ["de", "la", "le", "et", "les", "des"] * 50
    old = [rng.choice(vocabulary) for _ in range(8000)]
    new = list(old)
    for i in range(0, len(new), 50):
        new[i] = f"new{i}"
    item = _two_snapshots(app_session, " ".join(old), " ".join(new))
    started = time.monotonic()
    response = client.get(f"/evidence/{item.id}/changes")
    assert time.monotonic() - started < 2
    assert response.status_code == 200
    assert "trop long pour être comparé mot à mot" in response.get_data(as_text=True)


def test_the_changes_page_compares_changed_paragraphs_word_by_word(client, app_session):
    kept = "Le conseil municipal a voté le budget."
    item = _two_snapshots(
        app_session,
        f"{kept}\nLa ligne ira jusqu'à la gare.",
        f"{kept}\nLa ligne ira jusqu'à l'aéroport.",
    )
    page = client.get(f"/evidence/{item.id}/changes").get_data(as_text=True)
    assert "trop long" not in page
    assert "la gare.<span" in page
    assert "l'aéroport.<span" in page.replace("&#39;", "'")


# Review: after an editor corrected a dead link, the pledge page kept saying "lien mort"
# beside the new link until the next daily check, which also sent the old ETag.
def test_a_corrected_url_forgets_the_previous_address_link_check(
    app, client, app_session, server, settings, archived
):
    from pledges import evidence as evidence_ops
    from tests.factories import make_user

    pledge, item, _old = archived
    server.routes["/article"] = Reply(404, b"gone")
    for day in (1, 2, 3):
        _check(app, settings, T0 + timedelta(days=day))
    assert app_session.get(LinkCheck, item.id).status == "gone"
    assert "lien mort" in client.get(f"/pledges/{pledge.id}").get_data(as_text=True)

    server.routes["/moved-here"] = Reply(
        body=article_html(ARTICLE_PARAGRAPHS), headers={"Content-Type": "text/html"}
    )
    app_session.refresh(item)
    assert evidence_ops.update_evidence(
        app_session,
        item,
        expected_fingerprint=evidence_ops.evidence_fingerprint(item),
        url=server.url("/moved-here"),
        outlet=item.outlet,
        published_on=item.published_on,
        stance=item.stance,
        kind=item.kind,
        title=item.title,
        quote=item.quote,
        note=item.note,
        reason="Le journal a déplacé l'article.",
        actor=make_user(app_session, Role.EDITOR),
        now=T0 + timedelta(days=3, hours=1),
    )
    app_session.commit()
    app_session.expire_all()
    assert app_session.get(LinkCheck, item.id) is None
    page = client.get(f"/pledges/{pledge.id}").get_data(as_text=True)
    assert "lien mort" not in page
    # Due at the very next round, and checked at its new address.
    (report,) = _check(app, settings, T0 + timedelta(days=3, hours=2))
    assert report.url == server.url("/moved-here")
    assert app_session.get(LinkCheck, item.id).status == "ok"


# Review: a check run reads its (item, URL) list first; an editor who corrected the URL
# while the old address was being fetched saw the old verdict come back with the row.
def test_a_check_of_the_previous_address_finishing_after_a_correction_is_not_stored(
    app, app_session, server, settings, archived, monkeypatch
):
    from pledges.archive import Refusal
    from pledges.archive import links as links_module

    pledge, item, _old = archived
    engine = app.extensions["db_engine"]

    def correcting_meanwhile(url, *args, **kwargs):
        with Session(engine) as other:  # the editor's save, during the fetch
            evidence = other.get(type(item), item.id)
            evidence.url = server.url("/corrected")
            other.add(evidence)
            check = other.get(LinkCheck, item.id)
            if check is not None:
                other.delete(check)
            other.commit()
        return Refusal("not_found", "404", http_status=404)

    monkeypatch.setattr(links_module, "capture", correcting_meanwhile)
    (report,) = _check(app, settings, T0 + timedelta(days=1))
    assert report.status is None
    assert "not stored" in report.detail
    app_session.expire_all()
    assert app_session.get(LinkCheck, item.id) is None


def test_the_archive_mark_is_included_exactly_when_it_says_something(app):
    """public/_timeline.html includes the mark only when EvidenceArchive.shows_mark:
    for every state an item's archive can be in, that is exactly when the mark's
    template writes something."""
    from datetime import UTC, datetime
    from itertools import product
    from types import SimpleNamespace

    from flask import render_template

    from pledges.archive.jobs import DONE, FAILED, PENDING, REFUSED
    from pledges.archive.links import LINK_STATUSES
    from pledges.archive.reads import CheckMark, EvidenceArchive, JobMark, SnapshotMark

    url = "https://presse.example/article"
    at = datetime(2024, 3, 1, tzinfo=UTC)
    copies = {
        "none": [],
        "current": [SnapshotMark(1, url, at), SnapshotMark(2, url, at)],
        "earlier URL only": [SnapshotMark(3, "https://presse.example/ancienne", at)],
    }
    jobs = [None, *(JobMark(state, "robots") for state in (PENDING, DONE, REFUSED, FAILED))]
    jobs.append(JobMark(FAILED, ""))
    checks = [None, CheckMark(None), *(CheckMark(status) for status in LINK_STATUSES)]
    seen = set()
    with app.test_request_context("/"):
        app.preprocess_request()
        for (kind, snapshots), job, check in product(copies.items(), jobs, checks):
            mark = EvidenceArchive(snapshots=list(snapshots), job=job, check=check, url=url)
            html = render_template("public/_archive_mark.html", a=mark, e=SimpleNamespace(id=7))
            assert bool(html.strip()) is mark.shows_mark, (kind, job, check)
            seen.add(mark.shows_mark)
    assert seen == {True, False}
