"""Editors' writes: version-checked (one of two concurrent saves wins), audited before/after."""

import threading
from datetime import date

import pytest
from sqlmodel import Session, select

from models import AuditEntry, Election, Pledge
from models.enums import PledgeStatus, Role
from pledges import editing
from pledges.errors import ConflictError, EvidenceRequired
from pledges.feeds.fetch import AddressGuard
from pledges.pledge_search import PledgeSearch, search_pledges
from tests.factories import make_candidate, make_evidence, make_feed, make_pledge, make_user

PLEDGE_VALUES = {
    "title": "Moratoire sur la vidéosurveillance",
    "body": "Un **moratoire**.",
    "theme": "video-surveillance",
    "made_on": date(2020, 3, 1),
    "source_url": "https://programme.example/p?utm_source=x",
    "quote": "",
    "deadline": date(2021, 6, 1),
    "keywords_include": ["vidéosurveillance", " caméras ", "Caméras", ""],
    "keywords_exclude": ["caméraman"],
}


def _edit(session, pledge, version, actor, **kw):
    values = {**PLEDGE_VALUES, **kw}
    return editing.update_pledge(session, pledge, expected_version=version, actor=actor, **values)


def test_update_pledge_bumps_version_normalises_and_audits(session):
    pledge = make_pledge(session)
    editor = make_user(session, Role.EDITOR)
    assert _edit(session, pledge, pledge.version, editor) is True
    assert pledge.version == 2
    assert pledge.keywords_include == ["vidéosurveillance", "caméras"]
    assert pledge.source_url == "https://programme.example/p"
    session.flush()
    found = search_pledges(session, PledgeSearch(q="vidéosurveillance"), today=date.today())
    assert [row.pledge.id for row in found.items] == [pledge.id]  # the index follows the title
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "pledge.update")).one()
    assert entry.before["title"].startswith("Engagement numéro")
    assert entry.after["title"] == "Moratoire sur la vidéosurveillance"
    assert entry.after["keywords_include"] == ["vidéosurveillance", "caméras"]
    assert entry.pledge_id == pledge.id
    assert entry.actor_id == editor.id
    # Saving the same values again changes nothing and logs nothing.
    assert _edit(session, pledge, 2, editor) is False
    assert pledge.version == 2


def test_stale_version_is_refused(session):
    pledge = make_pledge(session)
    editor = make_user(session, Role.EDITOR)
    _edit(session, pledge, 1, editor)
    with pytest.raises(ConflictError):
        _edit(session, pledge, 1, editor, title="Autre titre")
    assert pledge.title == "Moratoire sur la vidéosurveillance"


@pytest.mark.parametrize(
    ("kw", "field", "code"),
    [
        ({"title": "  "}, "title", "required"),
        ({"source_url": "javascript:alert(1)"}, "source_url", "bad_url"),
        ({"keywords_include": ["x" * 200]}, "keywords_include", "too_long"),
    ],
)
def test_field_errors(session, kw, field, code):
    pledge = make_pledge(session)
    with pytest.raises(editing.EditError) as caught:
        _edit(session, pledge, 1, make_user(session, Role.EDITOR), **kw)
    assert (caught.value.field, caught.value.code) == (field, code)


def test_two_sessions_saving_the_same_pledge_one_wins(engine, session):
    """Both read version 1; the first save commits; the second is refused; one audit entry."""
    pledge = make_pledge(session)
    a, b = make_user(session, Role.EDITOR), make_user(session, Role.EDITOR)
    session.commit()
    with (
        Session(engine, expire_on_commit=False) as s1,
        Session(engine, expire_on_commit=False) as s2,
    ):
        p1, p2 = s1.get(Pledge, pledge.id), s2.get(Pledge, pledge.id)
        assert p1.version == p2.version == 1
        _edit(s1, p1, 1, s1.merge(a), title="Version A")
        s1.commit()
        with pytest.raises(ConflictError):
            _edit(s2, p2, 1, s2.merge(b), title="Version B")
        s2.rollback()
    with Session(engine) as check:
        assert check.get(Pledge, pledge.id).title == "Version A"
        entries = check.exec(select(AuditEntry).where(AuditEntry.action == "pledge.update")).all()
        assert len(entries) == 1
        assert entries[0].actor_id == a.id


def test_concurrent_saves_in_threads(engine, session):
    """Truly concurrent: the row lock makes the second writer wait, then fail its version check."""
    pledge = make_pledge(session)
    editors = [make_user(session, Role.EDITOR) for _ in range(2)]
    session.commit()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def save(editor, title):
        with Session(engine, expire_on_commit=False) as s:
            p = s.get(Pledge, pledge.id)
            s.rollback()  # nothing held while waiting at the barrier
            barrier.wait()
            try:
                _edit(s, p, 1, s.merge(editor), title=title)
                s.commit()
                outcomes.append("saved")
            except ConflictError:
                s.rollback()
                outcomes.append("conflict")

    threads = [threading.Thread(target=save, args=(e, f"T{i}")) for i, e in enumerate(editors)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["conflict", "saved"]
    with Session(engine) as check:
        assert check.get(Pledge, pledge.id).version == 2
        entries = check.exec(select(AuditEntry).where(AuditEntry.action == "pledge.update")).all()
        assert len(entries) == 1


def test_ruling_is_version_checked_and_cites_published_evidence(session):
    pledge = make_pledge(session)
    evidence = make_evidence(session, pledge)
    editor = make_user(session, Role.EDITOR)
    with pytest.raises(EvidenceRequired):
        editing.rule_on_pledge(
            session,
            pledge,
            expected_version=1,
            to=PledgeStatus.BROKEN,
            effective_on=date(2021, 10, 2),
            rationale="r",
            cite_ids=[],
            actor=editor,
        )
    change = editing.rule_on_pledge(
        session,
        pledge,
        expected_version=1,
        to=PledgeStatus.BROKEN,
        effective_on=date(2021, 10, 2),
        rationale="Audit jamais publié",
        cite_ids=[evidence.id],
        actor=editor,
    )
    assert pledge.status == PledgeStatus.BROKEN
    assert pledge.version == 2
    assert [e.id for e in change.cites] == [evidence.id]
    with pytest.raises(ConflictError):
        editing.rule_on_pledge(
            session,
            pledge,
            expected_version=1,
            to=PledgeStatus.PENDING,
            effective_on=date(2021, 10, 3),
            rationale="r",
            cite_ids=[],
            actor=editor,
        )
    other = make_evidence(session, make_pledge(session))
    with pytest.raises(Exception, match="belong"):
        editing.rule_on_pledge(
            session,
            pledge,
            expected_version=2,
            to=PledgeStatus.KEPT,
            effective_on=date(2021, 10, 3),
            rationale="r",
            cite_ids=[other.id],
            actor=editor,
        )


def test_election_and_candidate_edits(session):
    candidate = make_candidate(session)
    election = session.get(Election, candidate.election_id)
    editor = make_user(session, Role.EDITOR)
    stale = editing.fingerprint(election, editing.ELECTION_FIELDS)
    assert editing.update_election(
        session,
        election,
        expected_fingerprint=stale,
        name="Municipales 2020",
        territory="Marseille",
        date=date(2020, 6, 28),
        actor=editor,
    )
    with pytest.raises(ConflictError):
        editing.update_election(
            session,
            election,
            expected_fingerprint=stale,
            name="Autre",
            territory="Marseille",
            date=date(2020, 6, 28),
            actor=editor,
        )
    assert editing.update_candidate(
        session,
        candidate,
        expected_version=1,
        name="Liste A",
        list_name="",
        elected=True,
        office="Maire",
        actor=editor,
    )
    assert candidate.version == 2
    with pytest.raises(ConflictError):
        editing.update_candidate(
            session,
            candidate,
            expected_version=1,
            name="Liste B",
            list_name="",
            elected=True,
            office="",
            actor=editor,
        )


def test_feed_edit_checks_the_new_url_with_the_poller_guard(session):
    from pledges.errors import UnsafeFeedURL

    feed = make_feed(session, url="http://127.0.0.1:9/rss.xml")
    editor = make_user(session, Role.EDITOR)
    fp = editing.fingerprint(feed, editing.FEED_FIELDS)
    strict = AddressGuard(allow_private=False, resolver=lambda host, port: ["10.0.0.1"])
    with pytest.raises(UnsafeFeedURL):
        editing.update_feed(
            session,
            feed,
            expected_fingerprint=fp,
            url="http://intranet/rss",
            name="x",
            interval_minutes=30,
            active=True,
            guard=strict,
            actor=editor,
        )
    with pytest.raises(UnsafeFeedURL):
        editing.update_feed(
            session,
            feed,
            expected_fingerprint=fp,
            url="file:///etc/passwd",
            name="x",
            interval_minutes=30,
            active=True,
            guard=strict,
            actor=editor,
        )
    assert editing.update_feed(
        session,
        feed,
        expected_fingerprint=fp,
        url=feed.url,
        name="Journal",
        interval_minutes=30,
        active=False,
        guard=strict,
        actor=editor,
    )
    assert (feed.name, feed.interval_minutes, feed.active) == ("Journal", 30, False)
