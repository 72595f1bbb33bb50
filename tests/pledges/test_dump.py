"""The dump: published data in the import format; importing it into an empty site reproduces it."""

import json
from datetime import UTC, date, datetime

from sqlalchemy import delete, func
from sqlmodel import Session, SQLModel, select

from models import Evidence, StatusChange
from models.enums import EvidenceState, PledgeStatus, Stance
from pledges.demo import generate, load_demo
from pledges.importing import import_data
from pledges.open_data.dump import dump_published
from pledges.status import record_status_change
from tests.factories import make_candidate, make_election, make_evidence, make_pledge

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def empty_database(session: Session) -> None:
    for table in reversed(SQLModel.metadata.sorted_tables):
        session.execute(delete(table))
    session.commit()


def test_round_trip_of_the_demo(session):
    load_demo(session, now=NOW)
    session.commit()
    first = dump_published(session)
    text = json.dumps(first, ensure_ascii=False)  # plain JSON, as written by `export`

    empty_database(session)
    assert dump_published(session)["elections"] == []
    summary = import_data(session, json.loads(text), now=NOW)
    session.commit()
    assert summary.counts["status_changes"]["created"] == 11

    assert dump_published(session) == first
    # ...and importing the dump over its own data changes nothing.
    assert not import_data(session, first, now=NOW).changed


def test_round_trip_of_generated_data_with_two_step_histories(session):
    generate(session, candidates=4, pledges=6, evidence=3, seed=3, now=NOW)
    session.commit()
    first = dump_published(session)
    rulings = session.exec(select(func.count()).select_from(StatusChange)).one()
    empty_database(session)
    import_data(session, first, now=NOW)
    session.commit()
    assert session.exec(select(func.count()).select_from(StatusChange)).one() == rulings
    assert dump_published(session) == first


def test_dump_has_only_published_evidence_and_the_extras(session):
    election = make_election(session, slug="e-2020", is_demo=True)
    candidate = make_candidate(session, election, slug="liste", office="Maire (fiction)")
    pledge = make_pledge(session, candidate, slug="p", keywords_include=["vélo"])
    published = make_evidence(session, pledge, url="https://a.example/1", stance=Stance.KEPT)
    make_evidence(session, pledge, url="https://a.example/2", state=EvidenceState.SUBMITTED)
    make_evidence(session, pledge, url="https://a.example/3", state=EvidenceState.REJECTED)
    record_status_change(
        session, pledge, to=PledgeStatus.KEPT, effective_on=date(2022, 1, 2),
        rationale="Tenu.", cites=[published], actor="test", now=NOW,
    )  # fmt: skip
    session.commit()

    data = dump_published(session)
    assert data["demo"] is True
    election_data = data["elections"][0]
    assert election_data["is_demo"] is True
    candidate_data = election_data["candidates"][0]
    assert candidate_data["office"] == "Maire (fiction)"
    pledge_data = candidate_data["pledges"][0]
    assert [e["url"] for e in pledge_data["evidence"]] == ["https://a.example/1"]
    assert pledge_data["keywords"] == {"include": ["vélo"], "exclude": []}
    assert pledge_data["history"] == [
        {
            "to": "kept",
            "effective_on": "2022-01-02",
            "rationale": "Tenu.",
            "cites": ["https://a.example/1"],
            "corrects": None,
            "correction_reason": "",
        }
    ]
    assert pledge_data["status"] == "kept"
    assert session.exec(select(func.count()).select_from(Evidence)).one() == 3


def test_dump_of_an_empty_site(session):
    assert dump_published(session)["elections"] == []
    assert dump_published(session)["demo"] is False


def test_a_dump_with_corrections_imports_as_its_effective_history(session):
    """The import format has no corrections: the dump lists the effective history, each
    correction carrying what it replaced; importing it reaches the same statuses."""
    from pledges.status import correct_ruling

    election = make_election(session, slug="e-2020")
    pledge = make_pledge(session, make_candidate(session, election, slug="liste"), slug="p")
    broken = make_evidence(session, pledge, url="https://a.example/b", stance=Stance.BROKEN)
    kept = make_evidence(session, pledge, url="https://a.example/k", stance=Stance.KEPT)
    ruling = record_status_change(
        session, pledge, to=PledgeStatus.BROKEN, effective_on=date(2022, 3, 1),
        rationale="Rompu.", cites=[broken], actor="t", now=NOW,
    )  # fmt: skip
    first = correct_ruling(
        session, ruling, to_status=PledgeStatus.BROKEN, effective_on=date(2022, 2, 1),
        rationale="Rompu.", cites=[broken], reason="date", actor="t", now=NOW,
    )  # fmt: skip
    correct_ruling(
        session, first, to_status=PledgeStatus.KEPT, effective_on=date(2022, 2, 1),
        rationale="Tenu.", cites=[kept], reason="verdict", actor="t", now=NOW,
    )  # fmt: skip
    session.commit()
    dumped = dump_published(session)
    history = dumped["elections"][0]["candidates"][0]["pledges"][0]["history"]
    assert [(h["to"], h["effective_on"], h["correction_reason"]) for h in history] == [
        ("kept", "2022-02-01", "verdict")
    ]
    assert history[0]["corrects"]["correction_reason"] == "date"
    assert history[0]["corrects"]["corrects"]["effective_on"] == "2022-03-01"
    assert history[0]["corrects"]["corrects"]["corrects"] is None

    empty_database(session)
    session.expunge_all()  # the rows deleted above must not linger in the identity map
    import_data(session, json.loads(json.dumps(dumped)), now=NOW)
    session.commit()
    imported = session.exec(select(StatusChange)).all()
    assert [(c.to_status, c.effective_on) for c in imported] == [
        (PledgeStatus.KEPT, date(2022, 2, 1))
    ]
