"""The importer: validate all first, then create or update by slug; idempotent; all or nothing."""

import copy
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from models import (
    AuditEntry,
    Candidate,
    Election,
    Evidence,
    Pledge,
    StatusChange,
    StatusChangeCitation,
)
from models.data_version import get_data_version
from models.enums import EvidenceKind, EvidenceState, Origin, PledgeStatus, Stance
from pledges.errors import InvalidImport
from pledges.importing import MAX_COUNTED, MAX_PROBLEMS, import_csv, import_data
from pledges.pledge_search import PledgeSearch, search_pledges
from tests.factories import make_candidate, make_election, make_evidence, make_pledge

DATA = Path(__file__).resolve().parents[1] / "data" / "import"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ELECTION = {"slug": "e", "name": "n", "territory": "t", "date": "2020-01-01"}
TABLES = [Election, Candidate, Pledge, Evidence, StatusChange, StatusChangeCitation, AuditEntry]


def _found(session, words: str) -> list[int]:
    """The pledges the full-text search finds for `words` (its index is the database's)."""
    session.flush()
    found = search_pledges(session, PledgeSearch(q=words), per_page=100, today=date.today())
    return [row.pledge.id for row in found.items]


def load(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def row_counts(session: Session) -> dict[str, int]:
    return {t.__name__: session.exec(select(func.count()).select_from(t)).one() for t in TABLES}


def pledge_by_slug(session: Session, slug: str) -> Pledge:
    return session.exec(select(Pledge).where(Pledge.slug == slug)).one()


def problems_of(error: pytest.ExceptionInfo[InvalidImport]) -> set[tuple[str, str]]:
    return {(p.record, p.field) for p in error.value.problems}


def test_valid_file_creates_everything(session):
    summary = import_data(session, load("valid.json"), now=NOW)
    session.commit()

    assert row_counts(session) == {
        "Election": 1, "Candidate": 2, "Pledge": 3, "Evidence": 3, "StatusChange": 3,
        "StatusChangeCitation": 2,
        # one per created object (1 + 2 + 3 + 3) and one per ruling (3)
        "AuditEntry": 12,
    }  # fmt: skip
    assert summary.counts["pledges"]["created"] == 3
    assert summary.counts["status_changes"]["created"] == 3

    election = session.exec(select(Election)).one()
    assert (election.slug, election.date, election.is_demo) == (
        "ville-fictive-2020", date(2020, 6, 28), False,
    )  # fmt: skip
    liste_a = session.exec(select(Candidate).where(Candidate.slug == "liste-a")).one()
    assert liste_a.elected is True
    assert liste_a.office == "Maire (fiction)"

    cameras = pledge_by_slug(session, "moins-de-cameras")
    assert cameras.candidate_id == liste_a.id
    assert cameras.status == PledgeStatus.BROKEN
    assert cameras.status_since == date(2021, 3, 2)
    assert cameras.deadline == date(2022, 12, 31)
    assert cameras.keywords_include == ["caméras", '"vidéo-surveillance"']
    assert cameras.keywords_exclude == ["caméraman"]
    assert _found(session, "caméras") == [cameras.id]  # in the full-text index
    # Tracking parameters are stripped from every stored URL.
    assert cameras.source_url == "https://liste-a.example/programme#cameras"

    evidence = {e.url: e for e in session.exec(select(Evidence))}
    first = evidence["https://journal.example/a1?id=7"]
    assert first.state == EvidenceState.PUBLISHED
    assert first.origin == Origin.IMPORT
    assert first.kind == EvidenceKind.COUNCIL_DELIBERATION
    assert first.stance == Stance.BROKEN
    assert first.quote == ""  # null becomes empty
    second = evidence["https://journal.example/a2"]
    assert second.kind == EvidenceKind.PRESS_ARTICLE  # the default kind
    assert second.note == ""

    ruling = session.exec(select(StatusChange).where(StatusChange.pledge_id == cameras.id)).one()
    assert [e.url for e in ruling.cites] == ["https://journal.example/a1?id=7"]

    committee = pledge_by_slug(session, "comite-citoyen")
    assert committee.status == PledgeStatus.PENDING
    assert committee.status_since == date(2021, 9, 1)
    assert [c.to_status for c in committee.status_changes] == [
        PledgeStatus.KEPT, PledgeStatus.PENDING,
    ]  # fmt: skip
    assert pledge_by_slug(session, "ecoles").status_since is None

    labels = set(session.exec(select(AuditEntry.actor_label)).all())
    assert labels == {"import"}
    actions = session.exec(select(AuditEntry.action)).all()
    assert actions.count("pledge.create") == 3
    assert actions.count("status.change") == 3


def test_importing_the_same_file_twice_changes_nothing(session):
    data = load("valid.json")
    import_data(session, data, now=NOW)
    session.commit()
    before = row_counts(session)
    version = get_data_version(session)
    pledge_versions = {p.slug: p.version for p in session.exec(select(Pledge))}

    summary = import_data(session, copy.deepcopy(data), now=NOW)
    session.commit()

    assert not summary.changed
    assert summary.counts["pledges"] == {"unchanged": 3}
    assert summary.counts["status_changes"] == {"unchanged": 3}
    assert row_counts(session) == before  # no new rows, rulings or audit entries
    assert get_data_version(session) == version  # nothing written at all
    assert {p.slug: p.version for p in session.exec(select(Pledge))} == pledge_versions


def test_a_changed_field_updates_the_row_and_is_audited(session):
    data = load("valid.json")
    import_data(session, data, now=NOW)
    session.commit()
    cameras = pledge_by_slug(session, "moins-de-cameras")
    version = cameras.version

    pledge_data = data["elections"][0]["candidates"][0]["pledges"][0]
    pledge_data["title"] = "Réduire de moitié le nombre de caméras"
    summary = import_data(session, data, now=NOW)
    session.commit()

    assert summary.counts["pledges"] == {"updated": 1, "unchanged": 2}
    assert summary.counts["evidence"] == {"unchanged": 3}
    assert summary.counts["status_changes"] == {"unchanged": 3}
    session.refresh(cameras)
    assert cameras.title == "Réduire de moitié le nombre de caméras"
    assert _found(session, "moitié") == [cameras.id]  # the index follows the new title
    assert cameras.version == version + 1
    assert session.exec(select(func.count()).select_from(Pledge)).one() == 3
    update = session.exec(select(AuditEntry).where(AuditEntry.action == "pledge.update")).one()
    assert update.before == {"title": "Réduire le nombre de caméras de vidéosurveillance"}
    assert update.after == {"title": "Réduire de moitié le nombre de caméras"}
    assert update.actor_label == "import"
    assert update.pledge_id == cameras.id


def test_a_file_never_rewrites_published_evidence_or_rulings(session):
    """The ledger is append-only: published evidence and rulings are corrected in the
    open (a public correction, a new ruling entry), so a file that differs is refused
    whole, naming the record and field, and nothing changes."""
    data = load("valid.json")
    import_data(session, data, now=NOW)
    session.commit()
    cameras = pledge_by_slug(session, "moins-de-cameras")
    ruling = session.exec(select(StatusChange).where(StatusChange.pledge_id == cameras.id)).one()
    rationale = ruling.rationale

    pledge_data = data["elections"][0]["candidates"][0]["pledges"][0]
    pledge_data["title"] = "Réduire de moitié le nombre de caméras"
    pledge_data["evidence"][1]["note"] = "Note corrigée."
    pledge_data["history"][0]["rationale"] = "Motif précisé."
    with pytest.raises(InvalidImport) as error:
        import_data(session, data, now=NOW)
    session.rollback()
    pledge = "elections[0].candidates[0].pledges[0]"
    assert problems_of(error) == {
        (f"{pledge}.evidence[1]", "note"),
        (f"{pledge}.history[0]", "rationale"),
    }
    assert {p.code for p in error.value.problems} == {
        "published_evidence_changed",
        "ruling_changed",
    }
    session.refresh(cameras)
    session.refresh(ruling)
    assert cameras.title == "Réduire le nombre de caméras de vidéosurveillance"
    assert ruling.rationale == rationale


def test_invalid_file_names_each_record_and_field_and_imports_nothing(session):
    with pytest.raises(InvalidImport) as error:
        import_data(session, load("invalid.json"), now=NOW)
    pledge = "elections[0].candidates[0].pledges[0]"
    assert problems_of(error) == {
        ("elections[0]", "date"),
        ("elections[0].candidates[0]", "elected"),
        (pledge, "made_on"),
        (pledge, "keywords.include"),
        (f"{pledge}.evidence[0]", "url"),
        (f"{pledge}.evidence[0]", "kind"),
        (f"{pledge}.evidence[0]", "stance"),
        (f"{pledge}.evidence[1]", "outlet"),
        (f"{pledge}.history[0]", "cites"),  # a verdict citing nothing
        (f"{pledge}.history[1]", "cites[0]"),  # a URL that is not evidence of this pledge
        (f"{pledge}.history[2]", "to"),
        (f"{pledge}.history[2]", "effective_on"),  # in the future
        ("elections[0].candidates[0].pledges[1]", "slug"),  # duplicate pledge slug
        ("elections[0].candidates[0].pledges[1]", "title"),  # empty
        ("elections[0].candidates[1]", "slug"),  # duplicate candidate slug
    }
    messages = {str(p) for p in error.value.problems}
    assert "elections[0]: date: not an ISO date (YYYY-MM-DD)" in messages
    assert any("unknown value 'tweet'" in m for m in messages)
    assert not session.new
    session.commit()
    assert set(row_counts(session).values()) == {0}


@pytest.mark.parametrize(
    ("data", "record", "name"),
    [
        ([], "file", ""),
        ({}, "file", "elections"),
        ({"elections": {}}, "file", "elections"),
        ({"elections": ["x"]}, "elections[0]", ""),
        ({"elections": [dict(ELECTION, slug="Pas un slug")]}, "elections[0]", "slug"),
        ({"elections": [dict(ELECTION, name=3)]}, "elections[0]", "name"),
        ({"elections": [dict(ELECTION, date="20200101")]}, "elections[0]", "date"),
        ({"elections": [dict(ELECTION, candidates=[{"slug": "c"}])]},
         "elections[0].candidates[0]", "name"),
    ],
)  # fmt: skip
def test_type_and_shape_problems(session, data, record, name):
    with pytest.raises(InvalidImport) as error:
        import_data(session, data, now=NOW)
    assert (record, name) in problems_of(error)


def test_one_bad_record_keeps_the_good_ones_out_too(session):
    data = load("valid.json")
    bad = copy.deepcopy(data["elections"][0])
    bad["slug"] = "autre-election"
    bad["candidates"][1]["pledges"][0]["evidence"][0]["published_on"] = "hier"
    data["elections"].append(bad)
    with pytest.raises(InvalidImport) as error:
        import_data(session, data, now=NOW)
    assert problems_of(error) == {
        ("elections[1].candidates[1].pledges[0].evidence[0]", "published_on")
    }
    session.commit()
    assert set(row_counts(session).values()) == {0}


def test_duplicate_evidence_urls_after_cleaning_are_refused(session):
    data = load("valid.json")
    items = data["elections"][0]["candidates"][0]["pledges"][0]["evidence"]
    items[1]["url"] = "https://journal.example/a1?id=7&fbclid=xyz"
    with pytest.raises(InvalidImport) as error:
        import_data(session, data, now=NOW)
    assert problems_of(error) == {("elections[0].candidates[0].pledges[0].evidence[1]", "url")}


def test_rejected_evidence_in_the_database_is_reported_and_nothing_written(session):
    import_data(session, load("valid.json"), now=NOW)
    session.commit()
    cameras = pledge_by_slug(session, "moins-de-cameras")
    rejected = session.exec(
        select(Evidence).where(Evidence.url == "https://journal.example/a2")
    ).one()
    rejected.state = EvidenceState.REJECTED
    session.add(rejected)
    session.commit()
    before = row_counts(session)

    data = load("valid.json")
    data["elections"][0]["name"] = "Nom changé"
    with pytest.raises(InvalidImport) as error:
        import_data(session, data, now=NOW)
    assert problems_of(error) == {("elections[0].candidates[0].pledges[0].evidence[1]", "url")}
    session.rollback()
    assert row_counts(session) == before
    assert session.exec(select(Election.name)).one() == "Municipales 2020 à Ville-Fictive"
    assert cameras.id is not None


def test_submitted_evidence_with_the_same_url_is_published_by_the_import(session):
    election = make_election(session, slug="ville-fictive-2020")
    candidate = make_candidate(session, election, slug="liste-b")
    pledge = make_pledge(session, candidate, slug="comite-citoyen")
    submitted = make_evidence(
        session, pledge, url="https://journal.example/b1", state=EvidenceState.SUBMITTED
    )
    session.commit()
    import_data(session, load("valid.json"), now=NOW)
    session.commit()
    session.refresh(submitted)
    assert submitted.state == EvidenceState.PUBLISHED
    assert session.exec(select(func.count()).select_from(Evidence)).one() == 3
    session.refresh(pledge)
    assert pledge.status == PledgeStatus.PENDING
    assert len(pledge.status_changes) == 2


def test_existing_rulings_are_matched_not_repeated(session):
    """A ruling made on the site, then the same ruling in a file: one StatusChange."""
    import_data(session, load("valid.json"), now=NOW)
    session.commit()
    data = load("valid.json")
    history = data["elections"][0]["candidates"][0]["pledges"][0]["history"]
    history.append(
        {
            "to": "pending", "effective_on": "2022-01-01", "rationale": "Réexamen.",
            "cites": ["https://journal.example/a2"],
        }
    )  # fmt: skip
    summary = import_data(session, data, now=NOW)
    session.commit()
    assert summary.counts["status_changes"] == {"created": 1, "unchanged": 3}
    cameras = pledge_by_slug(session, "moins-de-cameras")
    assert cameras.status == PledgeStatus.PENDING
    assert cameras.status_since == date(2022, 1, 1)
    assert len(cameras.status_changes) == 2


def test_top_level_demo_flag_marks_elections(session):
    data = load("valid.json")
    data["demo"] = True
    import_data(session, data, now=NOW)
    assert session.exec(select(Election.is_demo)).one() is True


# --- CSV -------------------------------------------------------------------------------


def _csv_candidate(session: Session) -> Candidate:
    election = make_election(session, slug="ville-fictive-2020")
    return make_candidate(session, election, slug="liste-a")


def test_csv_creates_the_candidates_pledges_and_is_idempotent(session):
    candidate = _csv_candidate(session)
    session.commit()
    text = (DATA / "valid.csv").read_text(encoding="utf-8")
    summary = import_csv(
        session, text, election_slug="ville-fictive-2020", candidate_slug="liste-a", now=NOW
    )
    session.commit()
    assert summary.counts["pledges"] == {"created": 2}
    bikes = pledge_by_slug(session, "pistes-cyclables")
    assert bikes.candidate_id == candidate.id
    assert bikes.keywords_include == ["vélo", '"pistes cyclables"', "mobilité"]
    assert bikes.keywords_exclude == ["vélo d'appartement"]
    assert bikes.source_url == "https://liste-a.example/velo"
    assert bikes.deadline == date(2023, 6, 30)
    assert bikes.made_on == date(2020, 5, 3)
    canteens = pledge_by_slug(session, "cantines-bio")
    assert canteens.title == "Des cantines bio, locales"
    assert canteens.quote == "Du bio, tous les jours."
    assert canteens.keywords_exclude == []
    assert canteens.made_on is None
    audit = session.exec(select(func.count()).select_from(AuditEntry)).one()

    again = import_csv(
        session, text, election_slug="ville-fictive-2020", candidate_slug="liste-a", now=NOW
    )
    session.commit()
    assert not again.changed
    assert session.exec(select(func.count()).select_from(AuditEntry)).one() == audit


def test_csv_problems_are_named_by_line_and_column(session):
    _csv_candidate(session)
    text = (DATA / "invalid.csv").read_text(encoding="utf-8")
    with pytest.raises(InvalidImport) as error:
        import_csv(
            session, text, election_slug="ville-fictive-2020", candidate_slug="liste-a", now=NOW
        )
    assert problems_of(error) == {
        ("line 3", "slug"),
        ("line 3", "title"),
        ("line 3", "made_on"),
        ("line 3", "deadline"),
        ("line 4", "slug"),  # duplicate
        # "Climat Urgent" is a theme's name now (issue 10): no problem.
    }
    assert session.exec(select(func.count()).select_from(Pledge)).one() == 0


def test_csv_header_and_target_problems(session):
    with pytest.raises(InvalidImport) as error:
        import_csv(session, "slug,titel\nx,y\n", election_slug="nope", candidate_slug="x", now=NOW)
    assert problems_of(error) == {
        ("header", "title"),
        ("header", "titel"),
        ("", "election"),  # not in the file: no record, and no command-line flag either
    }
    _csv_candidate(session)
    with pytest.raises(InvalidImport) as error:
        import_csv(
            session, "slug,title\nx,y\n", election_slug="ville-fictive-2020",
            candidate_slug="inconnu", now=NOW,
        )  # fmt: skip
    assert problems_of(error) == {("", "candidate")}
    assert [p.code for p in error.value.problems] == ["unknown_candidate"]


def test_an_election_named_instead_of_its_slug_gets_the_slug_in_the_problem(session):
    _csv_candidate(session)  # "ville-fictive-2020", named "Élection municipale N"
    election = session.exec(select(Election)).one()
    with pytest.raises(InvalidImport) as error:
        import_csv(
            session, "slug,title\nx,y\n", election_slug=election.name.upper(),
            candidate_slug="liste-a", now=NOW,
        )  # fmt: skip
    (problem,) = error.value.problems
    assert (problem.record, problem.field, problem.code) == (
        "",
        "election",
        "election_name_not_slug",
    )
    assert problem.params["slug"] == "ville-fictive-2020"
    assert "--" not in str(problem)


def test_every_problem_has_a_stable_code_and_its_message_parameters(session):
    with pytest.raises(InvalidImport) as error:
        import_data(session, load("invalid.json"), now=NOW)
    codes = {(p.record, p.field): p.code for p in error.value.problems}
    pledge = "elections[0].candidates[0].pledges[0]"
    assert codes["elections[0]", "date"] == "bad_date"
    assert codes["elections[0].candidates[0]", "elected"] == "not_a_boolean"
    assert codes[f"{pledge}.evidence[0]", "kind"] == "unknown_value"
    assert codes[f"{pledge}.history[0]", "cites"] == "verdict_without_evidence"
    assert codes[f"{pledge}.history[2]", "effective_on"] == "future_date"
    assert codes["elections[0].candidates[1]", "slug"] == "duplicate_candidate"
    assert codes["elections[0].candidates[0].pledges[1]", "slug"] == "duplicate_pledge"
    kind = next(p for p in error.value.problems if p.code == "unknown_value" and p.field == "kind")
    assert kind.params["value"] == "tweet"
    assert "press_article" in str(kind.params["allowed"])
    verdict = next(p for p in error.value.problems if p.code == "verdict_without_evidence")
    assert verdict.params == {"status": "broken"}
    assert error.value.code == "invalid_import"
    assert (error.value.omitted, error.value.counted_all) == (0, True)


def test_values_from_the_file_are_shown_short_and_printable(session):
    data = {"elections": [dict(ELECTION, candidates=[{
        "slug": "c", "name": "n", "pledges": [{
            "slug": "p", "title": "t",
            "evidence": [{"url": "https://a.example/", "outlet": "o", "published_on": "2020-01-01",
                          "stance": "context", "kind": "\x1b[31m" + "x" * 500}],
        }],
    }])]}  # fmt: skip
    with pytest.raises(InvalidImport) as error:
        import_data(session, data, now=NOW)
    (problem,) = error.value.problems
    value = str(problem.params["value"])
    assert "\x1b" not in value
    assert len(value) <= 60


def test_csv_header_of_many_unknown_columns_is_one_short_problem(session):
    _csv_candidate(session)
    header = ",".join(["slug", "title", *(f"col{i}" for i in range(5000))])
    with pytest.raises(InvalidImport) as error:
        import_csv(
            session, header + "\n", election_slug="ville-fictive-2020",
            candidate_slug="liste-a", now=NOW,
        )  # fmt: skip
    (problem,) = error.value.problems
    assert (problem.record, problem.code) == ("header", "unknown_column")
    assert problem.field.startswith("col0, col1")
    assert problem.field.endswith("…")
    assert len(problem.field) < 200


def test_csv_field_over_the_csv_size_limit_is_a_problem_not_a_crash(session):
    _csv_candidate(session)
    text = "slug,title\nx," + "y" * 200_000 + "\n"
    with pytest.raises(InvalidImport) as error:
        import_csv(
            session, text, election_slug="ville-fictive-2020", candidate_slug="liste-a", now=NOW
        )
    assert [p.code for p in error.value.problems] == ["unreadable_csv"]


# --- Bounded reports (issue 9, finding 3) ------------------------------------------------


def test_finding_3_a_huge_broken_file_lists_100_problems_and_counts_the_rest(session):
    # 10 000 empty elections: four missing fields each.
    with pytest.raises(InvalidImport) as error:
        import_data(session, {"elections": [{}] * 10_000}, now=NOW)
    assert len(error.value.problems) == MAX_PROBLEMS
    assert error.value.omitted == 40_000 - MAX_PROBLEMS
    assert error.value.counted_all is True
    assert error.value.total == 40_000
    assert error.value.problems[0].record == "elections[0]"
    assert set(row_counts(session).values()) == {0}


def test_finding_3_validation_stops_walking_the_file_after_a_bound(session, monkeypatch):
    from pledges.importing import report

    calls = 0
    original = report.ProblemLog.add

    def counting_add(self, *args, **kwargs):
        nonlocal calls
        calls += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(report.ProblemLog, "add", counting_add)
    with pytest.raises(InvalidImport) as error:
        import_data(session, {"elections": [{}] * (MAX_COUNTED)}, now=NOW)  # 4 per record
    assert calls == MAX_COUNTED  # it stopped there, a quarter of the way through
    assert error.value.counted_all is False
    assert error.value.total == MAX_COUNTED
    assert len(error.value.problems) == MAX_PROBLEMS


def test_finding_3_csv_reports_are_bounded_too(session):
    _csv_candidate(session)
    text = "slug,title\n" + "Pas Un Slug,\n" * 1000  # two problems a line
    with pytest.raises(InvalidImport) as error:
        import_csv(session, text, election_slug="inconnue", candidate_slug="liste-a", now=NOW)
    assert len(error.value.problems) == MAX_PROBLEMS
    assert error.value.problems[0].code == "unknown_election"  # listed first, never hidden
    # 1 + per line: a bad slug and an empty title, and from the second line a duplicate
    assert error.value.total == 1 + 1000 * 2 + 999


# --- Histories that break the rules of pledges.status (issue 10) --------------------

RECORD = "elections[0].candidates[0].pledges[0]"
KEPT_URL = "https://journal.example/tenu"
BROKEN_URL = "https://journal.example/rompu"


def history_file(history: list[dict], *, made_on: str | None = "2020-03-01") -> dict:
    """One election (2020-06-28), one pledge with a kept and a broken item, and `history`."""
    pledge = {
        "slug": "p", "title": "Engagement", "made_on": made_on,
        "evidence": [
            {"url": KEPT_URL, "outlet": "J", "published_on": "2021-01-01", "stance": "kept"},
            {"url": BROKEN_URL, "outlet": "J", "published_on": "2022-01-01", "stance": "broken"},
        ],
        "history": history,
    }  # fmt: skip
    election = {**ELECTION, "date": "2020-06-28"}
    return {
        "elections": [{**election, "candidates": [{"slug": "c", "name": "C", "pledges": [pledge]}]}]
    }


def ruling(to: str, on: str, *cites: str) -> dict:
    return {"to": to, "effective_on": on, "rationale": "r", "cites": list(cites)}


@pytest.mark.parametrize(
    ("history", "index", "field", "code", "params"),
    [
        ([ruling("kept", "2021-02-01", BROKEN_URL)], 0, "cites",
         "verdict_contradicts_evidence", {"status": "kept"}),
        ([ruling("broken", "2021-02-01", KEPT_URL)], 0, "cites",
         "verdict_contradicts_evidence", {"status": "broken"}),
        ([ruling("pending", "2020-02-01")], 0, "effective_on",
         "ruling_before_pledge", {"made_on": "2020-03-01"}),
        ([ruling("kept", "2020-06-27", KEPT_URL)], 0, "effective_on",
         "ruling_before_election", {"election_on": "2020-06-28"}),
        ([ruling("pending", "2021-02-01")], 0, "to",
         "ruling_changes_nothing", {"status": "pending"}),
        ([ruling("kept", "2021-02-01", KEPT_URL), ruling("kept", "2022-02-01", KEPT_URL)], 1,
         "to", "ruling_changes_nothing", {"status": "kept"}),
    ],
)  # fmt: skip
def test_a_history_breaking_a_rule_is_refused_whole_naming_the_ruling(
    session, history, index, field, code, params
):
    data = history_file(history)
    with pytest.raises(InvalidImport) as error:
        import_data(session, data, now=NOW)
    [problem] = error.value.problems
    assert (problem.record, problem.field, problem.code) == (
        f"{RECORD}.history[{index}]",
        field,
        code,
    )
    assert problem.params == params
    session.rollback()
    assert set(row_counts(session).values()) == {0}


def test_a_history_without_a_date_of_making_is_checked_against_the_election(session):
    data = history_file([ruling("kept", "2020-06-01", KEPT_URL)], made_on=None)
    with pytest.raises(InvalidImport) as error:
        import_data(session, data, now=NOW)
    assert [p.code for p in error.value.problems] == ["ruling_before_election"]


def test_a_history_in_any_file_order_is_checked_in_date_order(session):
    data = history_file(
        [ruling("broken", "2022-02-01", BROKEN_URL), ruling("kept", "2021-02-01", KEPT_URL)]
    )
    import_data(session, data, now=NOW)
    session.commit()
    pledge = pledge_by_slug(session, "p")
    assert [c.to_status for c in pledge.status_changes] == [PledgeStatus.KEPT, PledgeStatus.BROKEN]
    assert pledge.status == PledgeStatus.BROKEN


def test_a_ruling_before_one_already_stored_is_refused_and_nothing_written(session):
    import_data(session, history_file([ruling("broken", "2022-02-01", BROKEN_URL)]), now=NOW)
    session.commit()
    before = row_counts(session)
    # The same file again with a ruling dated before the stored one, and a renamed pledge.
    data = history_file(
        [ruling("kept", "2021-02-01", KEPT_URL), ruling("broken", "2022-02-01", BROKEN_URL)]
    )
    data["elections"][0]["candidates"][0]["pledges"][0]["title"] = "Renommé"
    with pytest.raises(InvalidImport) as error:
        import_data(session, data, now=NOW)
    assert [(p.record, p.field, p.code, p.params) for p in error.value.problems] == [
        (f"{RECORD}.history[0]", "effective_on", "ruling_before_latest",
         {"latest_on": "2022-02-01"}),
    ]  # fmt: skip
    session.rollback()
    assert row_counts(session) == before
    assert pledge_by_slug(session, "p").title == "Engagement"


def test_a_stored_ruling_whose_citations_would_change_is_refused(session):
    """Citations of a published ruling change only by a correction (a new entry)."""
    import_data(session, history_file([ruling("kept", "2021-02-01", KEPT_URL)]), now=NOW)
    session.commit()
    data = history_file([ruling("kept", "2021-02-01", BROKEN_URL)])
    with pytest.raises(InvalidImport) as error:
        import_data(session, data, now=NOW)
    assert [(p.record, p.field, p.code) for p in error.value.problems] == [
        (f"{RECORD}.history[0]", "cites", "ruling_changed")
    ]


def test_a_new_ruling_after_the_stored_ones_is_added(session):
    import_data(session, history_file([ruling("kept", "2021-02-01", KEPT_URL)]), now=NOW)
    session.commit()
    data = history_file(
        [ruling("kept", "2021-02-01", KEPT_URL), ruling("broken", "2022-02-01", BROKEN_URL)]
    )
    summary = import_data(session, data, now=NOW)
    assert summary.counts["status_changes"] == {"unchanged": 1, "created": 1}
    assert pledge_by_slug(session, "p").status == PledgeStatus.BROKEN


def test_an_import_just_after_the_sites_midnight_may_rule_on_the_local_today(session):
    """00:30 in Paris on 1 January 2025 is 23:30 UTC on 31 December: "today" is the site's."""
    from zoneinfo import ZoneInfo

    late = datetime(2024, 12, 31, 23, 30, tzinfo=UTC)
    data = history_file([ruling("broken", "2025-01-01", BROKEN_URL)])
    with pytest.raises(InvalidImport):
        import_data(session, data, now=late)  # in UTC, 1 January is still tomorrow
    session.rollback()
    import_data(session, data, now=late, zone=ZoneInfo("Europe/Paris"))
    session.commit()
    assert pledge_by_slug(session, "p").status == PledgeStatus.BROKEN


def test_a_file_never_turns_an_existing_election_into_demo_data_or_back(session):
    """`demo unload` removes elections marked as demonstration data: only their creation
    may mark them, so no later file can send a real election there (or keep a demo one)."""
    data = load("valid.json")
    import_data(session, data, now=NOW)
    session.commit()
    election = session.exec(select(Election)).first()
    assert election is not None
    assert not election.is_demo
    data["demo"] = True
    for item in data["elections"]:
        item["is_demo"] = True
    import_data(session, data, now=NOW)
    session.commit()
    session.refresh(election)
    assert not election.is_demo
