"""Archiving hides from every public read, restore brings back, hard delete keeps the ledger,
demo unload removes the demo data and nothing else (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import SQLModel, select

from models import (
    ArchiveJob,
    AuditEntry,
    Candidate,
    Election,
    Evidence,
    EvidenceCorrection,
    FeedItem,
    LinkCheck,
    Pledge,
    Programme,
    ProgrammePassage,
    SlugRedirect,
    Snapshot,
    StatusChange,
    Suggestion,
    Theme,
    User,
)
from models.data_version import get_data_version
from models.enums import EvidenceState, PledgeStatus, Role, Stance
from pledges import archiving
from pledges.archive import ArchiveSettings, archive_bytes, warc_file
from pledges.demo import load_demo
from pledges.errors import ArchiveError, EvidenceError, Gone
from pledges.evidence import publish_evidence
from pledges.open_data import catalogue, exports
from pledges.open_data.atom import get_scope_name, list_recent_evidence, list_recent_status_changes
from pledges.open_data.catalogue import Scope
from pledges.open_data.dump import dump_published
from pledges.scoreboard import (
    PledgeFilters,
    count_by_candidate,
    count_statuses,
    get_theme_comparison,
    list_elections,
    list_pledges,
    list_themes,
)
from pledges.status import record_status_change
from pledges.themes import record_redirect
from pledges.widgets import list_candidate_pledges
from tests.factories import (
    make_candidate,
    make_election,
    make_evidence,
    make_feed,
    make_pledge,
    make_suggestion,
    make_user,
)

TODAY = date(2024, 1, 1)


def ruled(session, pledge):
    item = make_evidence(session, pledge, stance=Stance.BROKEN)
    record_status_change(
        session,
        pledge,
        to=PledgeStatus.BROKEN,
        effective_on=date(2022, 1, 1),
        rationale="Rompu.",
        cites=[item],
        actor="test",
    )
    return item


@pytest.fixture
def data(session):
    election = make_election(session, slug="ville-2020")
    kept = make_candidate(session, election, slug="liste-a")
    other = make_candidate(session, election, slug="liste-b")
    target = make_pledge(session, kept, title="Caméras retirées", theme="rare-theme")
    ruled(session, target)
    neighbour = make_pledge(session, kept, title="Budget ouvert", theme="transparence")
    ruled(session, neighbour)
    make_pledge(session, other, title="Parcs", theme="transparence")
    session.commit()
    return election, kept, other, target, neighbour


def public_view(session, election_slug="ville-2020"):
    """Everything the public reads, as sets of pledge ids (or names), whatever the format."""
    page = list_pledges(session, PledgeFilters(), per_page=100, today=TODAY)
    searched = list_pledges(session, PledgeFilters(q="cameras"), per_page=100, today=TODAY)
    dump = dump_published(session)
    return {
        "list": {r.pledge.id for r in page.items},
        "search": {r.pledge.id for r in searched.items},
        "themes": {t for t, _ in list_themes(session)},
        "evidence": {
            e.pledge_id
            for e in catalogue.list_evidence(session, Scope(), page=1, per_page=100).items
        },
        "rulings": {
            c.pledge_id
            for c in catalogue.list_status_changes(session, Scope(), page=1, per_page=100).items
        },
        "csv": {p.id for p, _ in exports.list_pledges_for_export(session, Scope())},
        "csv_evidence": {e.pledge_id for e in exports.list_evidence_for_export(session, Scope())},
        "atom_evidence": {e.pledge_id for e in list_recent_evidence(session, Scope())},
        "atom_rulings": {c.pledge_id for c in list_recent_status_changes(session, Scope())},
        "dump": {
            p["title"] for e in dump["elections"] for c in e["candidates"] for p in c["pledges"]
        },
        "candidates": {
            c.candidate.slug
            for group in count_by_candidate(session, PledgeFilters(), today=TODAY)
            for c in group.candidates
        },
        "elections": {e.slug for e in list_elections(session)},
        "api_elections": {
            e.slug for e, _ in catalogue.list_elections(session, page=1, per_page=100).items
        },
    }


def test_archived_pledge_leaves_every_public_read_and_restore_brings_it_back(session, data):
    _, kept, _, target, neighbour = data
    before = public_view(session)
    assert target.id in before["list"]
    assert target.id in before["search"]
    assert "Caméras retirées" in before["dump"]

    archiving.archive(session, target, actor="test")
    session.commit()
    after = public_view(session)
    for name in ("list", "search", "evidence", "rulings", "csv", "csv_evidence"):
        assert target.id not in after[name], name
        assert neighbour.id in after[name] or name == "search", name
    assert target.id not in after["atom_evidence"] | after["atom_rulings"]
    assert "Caméras retirées" not in after["dump"]
    assert "Budget ouvert" in after["dump"]
    assert "rare-theme" not in after["themes"]
    assert get_theme_comparison(session, "rare-theme") == []
    assert count_statuses(session, kept, today=TODAY).total == 1
    assert [r.pledge.id for r in list_candidate_pledges(session, kept)] == [neighbour.id]
    assert archiving.is_gone(target)
    with pytest.raises(Gone):
        get_scope_name(session, Scope(pledge_id=target.id))

    archiving.restore(session, target, actor="test")
    session.commit()
    assert public_view(session) == before
    # The ledger stayed throughout.
    assert session.exec(select(func.count()).select_from(StatusChange)).one() == 2


def test_archived_election_hides_its_candidates_and_pledges(session, data):
    election, kept, other, target, _ = data
    survivor = make_pledge(session, make_candidate(session, slug="ailleurs"), title="Ailleurs")
    session.commit()
    before = public_view(session)

    archiving.archive(session, election, actor="test")
    session.commit()
    after = public_view(session)
    assert after["list"] == {survivor.id}
    assert after["candidates"] == {"ailleurs"}
    assert "ville-2020" not in after["elections"] | after["api_elections"]
    assert after["dump"] == {"Ailleurs"}
    assert after["evidence"] == after["rulings"] == after["csv_evidence"] == set()
    assert archiving.is_gone(kept)
    assert archiving.is_gone(target)
    with pytest.raises(Gone):
        catalogue.get_election_with_counts(session, "ville-2020", today=TODAY)
    with pytest.raises(Gone):
        catalogue.get_candidate_detail(
            session, "ville-2020", "liste-a", today=TODAY, urls=lambda *a, **k: ""
        )

    archiving.restore(session, election, actor="test")
    session.commit()
    assert public_view(session) == before


def test_archived_candidate_hides_its_pledges_only(session, data):
    _, kept, other, target, neighbour = data
    archiving.archive(session, kept, actor="test")
    session.commit()
    after = public_view(session)
    assert target.id not in after["list"]
    assert neighbour.id not in after["list"]
    assert after["candidates"] == {"liste-b"}
    assert after["dump"] == {"Parcs"}
    assert archiving.is_gone(target)
    assert not archiving.is_gone(other)


def test_archive_and_restore_are_audited_and_refuse_the_impossible(session, data):
    _, _, _, target, _ = data
    version = get_data_version(session)
    archiving.archive(session, target, actor="test")
    assert get_data_version(session) > version
    with pytest.raises(ArchiveError) as refused:
        archiving.archive(session, target, actor="test")
    assert refused.value.code == "already_archived"
    archiving.restore(session, target, actor="test")
    with pytest.raises(ArchiveError) as refused:
        archiving.restore(session, target, actor="test")
    assert refused.value.code == "not_archived"
    actions = session.exec(
        select(AuditEntry.action).where(AuditEntry.object_type == "pledge").order_by(AuditEntry.id)
    ).all()
    assert actions[-2:] == ["pledge.archive", "pledge.restore"]


def test_list_archived(session, data):
    election, kept, _, target, _ = data
    archiving.archive(session, target, actor="test")
    archiving.archive(session, kept, actor="test")
    listed = archiving.list_archived(session)
    assert [p.id for p in listed.pledges] == [target.id]
    assert [c.id for c in listed.candidates] == [kept.id]
    assert listed.elections == []
    assert not listed.empty


# ---------------------------------------------------------------- hard delete


def test_hard_delete_refused_when_a_ruling_exists(session, data):
    election, kept, _, target, _ = data
    for obj in (target, kept, election):
        with pytest.raises(ArchiveError) as refused:
            archiving.hard_delete(session, obj, actor="test")
        assert refused.value.code == "has_public_ledger"
    assert session.get(Pledge, target.id) is not None


def test_hard_delete_refused_for_evidence_published_once(session):
    pledge = make_pledge(session)
    editor = make_user(session, Role.EDITOR)
    item = make_evidence(session, pledge, state=EvidenceState.SUBMITTED)
    assert archiving.public_ledger_count(session, pledge) == 0
    publish_evidence(session, item, actor=editor)
    # Even set back to rejected by hand, the audit log remembers it was published.
    item.state = EvidenceState.REJECTED
    session.add(item)
    session.flush()
    assert archiving.public_ledger_count(session, pledge) == 1
    with pytest.raises(ArchiveError):
        archiving.hard_delete(session, pledge, actor="test")


def test_hard_delete_of_a_never_public_pledge_removes_what_hangs_on_it(session):
    pledge = make_pledge(session)
    make_evidence(session, pledge, state=EvidenceState.SUBMITTED)
    make_evidence(session, pledge, state=EvidenceState.REJECTED)
    suggestion = make_suggestion(session, pledge)
    item_id = suggestion.feed_item_id
    pledge_id = pledge.id
    session.commit()
    version = get_data_version(session)

    removed = archiving.hard_delete(session, pledge, actor="test")
    session.commit()
    assert removed.counts == {"evidence": 2, "suggestion": 1, "pledge": 1}
    assert session.get(Pledge, pledge_id) is None
    assert session.get(FeedItem, item_id) is not None  # the feed's, not the pledge's
    assert get_data_version(session) > version
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "pledge.delete")).one()
    assert entry.object_id == pledge_id
    assert entry.before["removed"]["evidence"] == 2


def test_hard_delete_removes_the_archive_of_evidence_never_published(session, tmp_path):
    """Once evidence was queued, archived and checked, hard delete removed the pledge but
    not its ArchiveJob, Snapshot and LinkCheck rows: a foreign-key error on both databases."""
    settings = ArchiveSettings(archive_dir=tmp_path)
    pledge = make_pledge(session)
    queued = make_evidence(session, pledge, state=EvidenceState.SUBMITTED)
    archived = make_evidence(session, pledge, state=EvidenceState.REJECTED)
    archive_rows(session, archived, queued, pledge.candidate, pledge)
    copy = archive_bytes(session, b"texte", "text/plain", settings, evidence_id=archived.id)
    other = archive_bytes(session, b"autre", "text/plain", settings)  # another owner's
    session.commit()
    files = [warc_file(tmp_path, s.warc_path) for s in (copy, other)]
    assert all(f.is_file() for f in files)

    removed = archiving.hard_delete(session, pledge, actor="test")
    session.commit()
    removed.remove_files(tmp_path)
    assert removed.counts == {
        "programmepassage": 1,
        "linkcheck": 1,
        "archivejob": 2,
        "snapshot": 2,
        "evidence": 2,
        "pledge": 1,
    }
    assert sorted(removed.warc_paths) == []  # removed, then forgotten
    assert (files[0].exists(), files[1].exists()) == (False, True)
    for model in (ArchiveJob, LinkCheck, ProgrammePassage):
        assert session.exec(select(func.count()).select_from(model)).one() == 0
    # The programme's own copy stays with the programme (its candidate is not deleted).
    assert session.exec(select(func.count()).select_from(Snapshot)).one() == 2


def test_hard_delete_of_a_candidate_removes_its_programmes(session):
    candidate = make_candidate(session)
    pledge = make_pledge(session, candidate)
    draft = {"state": EvidenceState.SUBMITTED}
    archive_rows(
        session,
        make_evidence(session, pledge, **draft),
        make_evidence(session, pledge, **draft),
        candidate,
        pledge,
    )
    session.commit()
    removed = archiving.hard_delete(session, candidate, actor="test")
    session.commit()
    assert removed.counts["programme"] == 1
    assert removed.counts["snapshot"] == 2
    for model in (ArchiveJob, LinkCheck, Programme, ProgrammePassage, Snapshot, Candidate):
        assert session.exec(select(func.count()).select_from(model)).one() == 0


def test_hard_delete_of_a_new_election_removes_candidates_and_old_slugs(session):
    election = make_election(session, slug="brouillon")
    candidate = make_candidate(session, election)
    make_pledge(session, candidate)
    make_pledge(session, candidate)
    record_redirect(session, "election", "ancien-brouillon", election.id)
    record_redirect(session, "candidate", "ancienne-liste", candidate.id, scope_id=election.id)
    session.commit()
    removed = archiving.hard_delete(session, election, actor="test")
    session.commit()
    assert removed.counts == {"pledge": 2, "slugredirect": 2, "candidate": 1, "election": 1}
    assert session.exec(select(func.count()).select_from(Election)).one() == 0


# ---------------------------------------------------------------- demo data


def row_counts(session) -> dict[str, int]:
    return {
        table.name: session.exec(select(func.count()).select_from(table)).one()
        for table in SQLModel.metadata.sorted_tables
    }


def archive_rows(session, archived, queued, candidate, anchored):
    """The archive's rows: a snapshot, its job and link check for `archived`, a pending
    job for `queued`, the candidate's programme and `anchored`'s passage of it."""
    copy = Snapshot(evidence_id=archived.id, url=archived.url, sha256="0" * 64, warc_path="x")
    document = Snapshot(url="upload:prog.pdf", sha256="1" * 64, warc_path="y")
    session.add_all([copy, document])
    session.flush()
    session.add(ArchiveJob(evidence_id=archived.id, url=archived.url, snapshot_id=copy.id))
    session.add(ArchiveJob(evidence_id=queued.id, url=queued.url))
    session.add(LinkCheck(evidence_id=archived.id, status="ok"))
    programme = Programme(candidate_id=candidate.id, snapshot_id=document.id)
    session.add(programme)
    session.flush()
    session.add(
        ProgrammePassage(
            pledge_id=anchored.id,
            programme_id=programme.id,
            snapshot_id=document.id,
            page=1,
            start=0,
            end=1,
            sha256="1" * 64,
        )
    )
    session.flush()


def full_election(session, *, is_demo: bool, slug: str, theme: str, feed=None):
    """An election with every kind of row beneath it; returns its suggestion's feed item."""
    election = make_election(session, slug=slug, is_demo=is_demo)
    candidate = make_candidate(session, election, slug=f"{slug}-liste")
    pledge = make_pledge(session, candidate, theme=theme)
    shared = make_pledge(session, candidate, theme="partage")
    item = ruled(session, pledge)
    session.add(EvidenceCorrection(evidence_id=item.id, changes=[], reason="coquille"))
    queued = make_evidence(session, pledge, state=EvidenceState.SUBMITTED)
    archive_rows(session, item, queued, candidate, shared)
    suggestion = make_suggestion(session, shared, **({"feed": feed} if feed else {}))
    record_redirect(session, "election", f"old-{slug}", election.id)
    record_redirect(session, "candidate", f"old-{slug}", candidate.id, scope_id=election.id)
    for name in (theme, "partage"):
        if session.exec(select(Theme).where(Theme.slug == name)).first() is None:
            session.add(Theme(slug=name, name_fr=name))
    session.flush()
    return session.get(FeedItem, suggestion.feed_item_id)


def test_demo_unload_removes_the_demo_and_nothing_else(session):
    make_user(session, Role.ADMIN)
    feed = make_feed(session)  # feeds are not demo data: both elections read the same one
    real_item = full_election(session, is_demo=False, slug="reel", theme="reel-theme", feed=feed)
    session.commit()
    before = row_counts(session)
    # The demo: everything again, plus a suggestion on the real election's feed item.
    full_election(session, is_demo=True, slug="demo", theme="demo-theme", feed=feed)
    shared_item_pledge = session.exec(select(Pledge).where(Pledge.theme == "demo-theme")).one()
    session.add(
        Suggestion(feed_item_id=real_item.id, pledge_id=shared_item_pledge.id, matched_terms=[])
    )
    session.commit()

    removed = archiving.unload_demo(session, actor="test")
    session.commit()
    after = row_counts(session)
    for table, number in before.items():
        if table in {"auditentry", "dataversion"}:
            continue
        assert after[table] == number, table
    assert removed.counts["election"] == 1
    assert removed.counts["theme"] == 1
    assert session.get(FeedItem, real_item.id) is not None
    assert session.exec(select(Theme.slug).order_by(Theme.slug)).all() == ["partage", "reel-theme"]
    assert session.exec(select(Election.slug)).all() == ["reel"]
    assert session.exec(select(func.count()).select_from(User)).one() == 1
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "demo.unload")).one()
    assert entry.before["elections"] == ["demo"]

    # Idempotent: nothing left to remove.
    again = archiving.unload_demo(session, actor="test")
    assert again.total == 0


def test_demo_unload_after_demo_load_leaves_the_database_as_it_was(session):
    real = make_election(session, slug="vraie")
    # (A real pledge on a theme the demo also uses would keep that theme: it is in use.)
    make_pledge(session, make_candidate(session, real), theme="")
    session.commit()
    before = row_counts(session)
    load_demo(session)
    session.commit()
    assert row_counts(session)["pledge"] > before["pledge"]
    archiving.unload_demo(session, actor="test")
    session.commit()
    after = row_counts(session)
    for table, number in before.items():
        if table not in {"auditentry", "dataversion"}:
            assert after[table] == number, table
    assert session.exec(select(Candidate.election_id)).all() == [real.id]
    assert session.exec(select(func.count()).select_from(SlugRedirect)).one() == 0
    assert session.exec(select(func.count()).select_from(Evidence)).one() == 0


def test_an_archived_pledge_takes_no_evidence_and_no_new_suggestions(session):
    from pledges.evidence import submit_evidence
    from pledges.feeds.ingest import build_keyword_index

    pledge = make_pledge(session, keywords_include=["caméras"])
    session.commit()
    assert pledge.id in build_keyword_index(session).match("Des caméras partout", "")
    archiving.archive(session, pledge, actor="test")
    session.commit()
    index = build_keyword_index(session)
    assert not index.match("Des caméras partout", "")
    with pytest.raises(EvidenceError) as error:
        submit_evidence(
            session, pledge, url="https://journal.example/a", outlet="Journal",
            published_on=date(2021, 1, 1), stance="context", actor="test",
        )  # fmt: skip
    assert error.value.code == "pledge_archived"
