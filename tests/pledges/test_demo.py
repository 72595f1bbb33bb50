"""The bundled Marseille demo data and the synthetic generator."""

import time
from collections import Counter
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func
from sqlmodel import select

from models import AuditEntry, Candidate, Election, Evidence, Pledge, StatusChange
from models.data_version import get_data_version
from models.enums import EvidenceState, PledgeStatus, Stance
from pledges.demo import generate, load_demo, read_demo_file
from pledges.errors import DomainError
from pledges.importing import validate_data
from pledges.status import ruling_refusal

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
THEMES = {
    "video-surveillance", "transparence", "police-predictive", "climat", "logement", "ecole",
    "culture", "sport", "democratie-locale",
}  # fmt: skip
REAL_OUTLET_DOMAINS = ("laprovence", "marsactu", "leravi", "cnil", "laquadrature")
SEED_QUOTE = (
    "Mettre en œuvre un moratoire sur les dispositifs de vidéosurveillance. Quatre études "
    "nationales successives ont démontré leur inefficacité, et ils sont très coûteux "
    "(installation, fonctionnement, personnel mobilisé)"
)


def count(session, table) -> int:
    return session.exec(select(func.count()).select_from(table)).one()


def test_demo_file_is_marked_and_valid():
    data = read_demo_file()
    assert data["demo"] is True
    assert "démonstration" in data["notice"]
    elections = validate_data(data, now=NOW)
    assert [e.slug for e in elections] == ["marseille-municipales-2020"]
    assert elections[0].is_demo
    assert elections[0].date == date(2020, 6, 28)


def test_demo_content_follows_the_seeds():
    data = read_demo_file()
    candidates = data["elections"][0]["candidates"]
    assert len(candidates) >= 3
    real = [c for c in candidates if c["slug"] == "printemps-marseillais"]
    assert len(real) == 1
    # The real list carries only the pledge the seed quotes, word for word.
    assert [p["quote"] for p in real[0]["pledges"]] == [SEED_QUOTE]
    real_evidence = real[0]["pledges"][0]["evidence"]
    assert {e["outlet"] for e in real_evidence} == {"Collectif Technopolice Marseille"}
    assert all(e["url"].startswith("https://technopolice.fr/") for e in real_evidence)
    assert all(e["demo_reference"] is True for e in real_evidence)
    assert "collectif Technopolice Marseille" in real[0]["pledges"][0]["history"][0]["rationale"]

    fictional = [c for c in candidates if c["slug"] != "printemps-marseillais"]
    assert len(fictional) >= 2
    for candidate in fictional:
        assert candidate["fictional"] is True
        assert "fictive" in candidate["name"]
        for pledge in candidate["pledges"]:
            for item in pledge["evidence"]:
                assert urlsplit(item["url"]).hostname.endswith(".example")
                assert item["fictional"] is True
                assert "fictif" in item["outlet"] or "fictive" in item["outlet"]

    urls = [
        e["url"] for c in candidates for p in c["pledges"] for e in p["evidence"]
    ]  # fmt: skip
    assert len(urls) == len(set(urls))
    hosts = {urlsplit(url).hostname for url in urls}
    assert not any(name in host for host in hosts for name in REAL_OUTLET_DOMAINS)


def test_demo_loads_with_every_status_overdue_kinds_and_keywords(session):
    summary = load_demo(session, now=NOW)
    session.commit()
    assert summary is not None
    assert summary.counts["elections"] == {"created": 1}

    election = session.exec(select(Election)).one()
    assert election.is_demo
    assert count(session, Candidate) >= 3
    pledges = session.exec(select(Pledge)).all()
    assert 12 <= len(pledges) <= 18
    statuses = Counter(p.status for p in pledges)
    assert set(statuses) == {PledgeStatus.KEPT, PledgeStatus.BROKEN, PledgeStatus.PENDING}
    assert any(p.is_overdue(NOW.date()) for p in pledges)
    assert any(p.status == PledgeStatus.PENDING and p.deadline is None for p in pledges)
    assert {p.theme for p in pledges} == THEMES
    for pledge in pledges:
        assert pledge.keywords_include, pledge.slug
        assert pledge.keywords_exclude, pledge.slug

    evidence = session.exec(select(Evidence)).all()
    assert len({e.kind for e in evidence}) >= 5
    assert {e.stance for e in evidence} == set(Stance)
    assert len({e.published_on for e in evidence}) >= 10
    assert all(e.state == EvidenceState.PUBLISHED for e in evidence)

    moratorium = session.exec(
        select(Pledge).where(Pledge.slug == "moratoire-videosurveillance")
    ).one()
    assert moratorium.status == PledgeStatus.BROKEN
    assert moratorium.status_since == date(2022, 4, 1)
    assert count(session, StatusChange) >= len([p for p in pledges if p.status_since])


def test_load_if_empty_does_nothing_when_data_exists(session):
    assert load_demo(session, if_empty=True, now=NOW) is not None
    session.commit()
    version = get_data_version(session)
    audit = count(session, AuditEntry)
    assert load_demo(session, if_empty=True, now=NOW) is None
    session.commit()
    assert get_data_version(session) == version
    assert count(session, AuditEntry) == audit
    # Without --if-empty, loading again is an idempotent import.
    summary = load_demo(session, now=NOW)
    assert summary is not None
    assert not summary.changed


def test_generate_sizes_and_consistent_history(session):
    counts = generate(session, candidates=6, pledges=5, evidence=3, seed=7, now=NOW)
    session.commit()
    assert (counts.candidates, counts.pledges, counts.evidence) == (6, 30, 90)
    assert count(session, Candidate) == 6
    assert count(session, Pledge) == 30
    assert count(session, Evidence) == 90
    assert count(session, StatusChange) == counts.status_changes
    assert session.exec(select(Election.is_demo)).one() is True

    pledges = session.exec(select(Pledge)).all()
    assert len({p.slug for p in pledges}) == 30
    assert len({p.theme for p in pledges}) >= 5
    assert Counter(p.status for p in pledges).keys() == set(PledgeStatus)
    for pledge in pledges:
        changes = pledge.status_changes
        if not changes:
            assert pledge.status == PledgeStatus.PENDING
            continue
        last = max(changes, key=lambda c: (c.effective_on, c.id))
        assert (pledge.status, pledge.status_since) == (last.to_status, last.effective_on)
        assert changes[0].from_status == PledgeStatus.PENDING
        for change in changes:
            assert change.effective_on <= NOW.date()
            assert change.cites, "every generated ruling is a verdict citing evidence"
            for item in change.cites:
                assert item.pledge_id == pledge.id
                assert item.state == EvidenceState.PUBLISHED


def test_generate_is_reproducible_and_refuses_a_duplicate_election(session):
    generate(session, candidates=2, pledges=3, evidence=2, seed=1, now=NOW)
    first = [
        (p.title, p.status, p.deadline) for p in session.exec(select(Pledge).order_by(Pledge.id))
    ]
    with pytest.raises(DomainError):
        generate(session, candidates=2, pledges=3, evidence=2, seed=1, now=NOW)
    generate(session, candidates=2, pledges=3, evidence=2, seed=1, election_slug="bis", now=NOW)
    second = [
        (p.title, p.status, p.deadline)
        for p in session.exec(select(Pledge).order_by(Pledge.id)).all()[len(first) :]
    ]
    assert second == first


def test_generate_benchmark_size_is_fast(session):
    """200 × 20 × 5 (4,000 pledges, 20,000 evidence) in well under a minute."""
    started = time.perf_counter()
    counts = generate(session, candidates=200, pledges=20, evidence=5, now=NOW)
    session.commit()
    elapsed = time.perf_counter() - started
    assert (counts.pledges, counts.evidence) == (4000, 20000)
    assert count(session, Evidence) == 20000
    overdue = session.exec(
        select(func.count())
        .select_from(Pledge)
        .where(Pledge.status == PledgeStatus.PENDING, Pledge.deadline < NOW.date())
    ).one()
    assert overdue > 0
    assert elapsed < 30, f"generate took {elapsed:.1f} s"


def histories_keeping_the_rules(session) -> int:
    """Replay every stored ruling through pledges.status's rules; the two-step histories."""
    two_steps = 0
    for pledge in session.exec(select(Pledge)).all():
        election_on = session.get(Election, pledge.election_id).date
        current, latest_on = PledgeStatus.PENDING, None
        changes = sorted(pledge.status_changes, key=lambda c: (c.effective_on, c.id))
        two_steps += len(changes) == 2
        for change in changes:
            refusal = ruling_refusal(
                to=change.to_status,
                effective_on=change.effective_on,
                cited_stances=[e.stance for e in change.cites],
                current=current,
                latest_on=latest_on,
                made_on=pledge.made_on,
                election_on=election_on,
                today=NOW.date(),
            )
            assert refusal is None, (pledge.slug, change.to_status, refusal)
            assert change.from_status == current
            current, latest_on = change.to_status, change.effective_on
    return two_steps


def test_generated_histories_keep_the_rules_of_rulings(session):
    """Each generated ruling would pass pledges.status: stance, dates, order and change."""
    generate(session, candidates=10, pledges=10, evidence=3, seed=3, now=NOW)
    session.commit()
    assert histories_keeping_the_rules(session) > 0, "some pledges were kept, then broken"


def test_the_demo_file_keeps_the_rules_of_rulings(session):
    """Loading goes through the importer, which refuses a history breaking a rule."""
    load_demo(session, now=NOW)
    session.commit()
    assert histories_keeping_the_rules(session) == 1  # the neighbourhood assemblies
    assert count(session, StatusChange) == 11
