"""Markdown rendered at write time: every write path stores the sanitised HTML of its text,
exactly what render_markdown gives, and keeps it in step when the text changes."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from models import Evidence, Pledge, StatusChange
from models.enums import EvidenceState, PledgeStatus, Stance
from pledges import content, editing, evidence, status
from pledges.demo import generate, load_demo
from pledges.feeds import review
from pledges.importing import import_data
from pledges.text import render_markdown, stored_html
from tests.factories import make_candidate, make_evidence, make_pledge, make_suggestion, make_user
from tests.pledges.test_importer import load

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
HOSTILE = (
    "**Gras** <script>alert(1)</script> [lien](javascript:alert(1)) et [ok](https://a.example)"
)


def rendered(text: str) -> str:
    return str(render_markdown(text))


def assert_in_step(session) -> int:
    """Every stored row's HTML is its text rendered now; the number of rows checked."""
    session.flush()
    session.expire_all()  # read what the database holds, not what the objects remember
    checked = 0
    for model, source, target in (
        (Pledge, "body", "body_html"),
        (Evidence, "note", "note_html"),
        (StatusChange, "rationale", "rationale_html"),
    ):
        for row in session.exec(select(model)):
            assert getattr(row, target) == rendered(getattr(row, source)), (model, row.id)
            checked += 1
    return checked


def test_rendering_is_sanitised_and_stored_html_is_sanitised_again():
    html = rendered(HOSTILE)
    assert "<strong>Gras</strong>" in html
    assert "<script" not in html
    assert "javascript:" not in html
    # What comes back from the database goes through nh3 again, unchanged when clean.
    assert str(stored_html(html)) == html
    assert "<script" not in str(stored_html("<p>a</p><script>x</script>"))
    # A row whose HTML a write left empty is rendered on the read instead.
    assert str(stored_html("", HOSTILE)) == html
    assert str(stored_html("", "")) == ""


def test_pledge_created_and_edited(session):
    candidate = make_candidate(session)
    pledge = content.create_pledge(
        session, candidate, title="Un engagement", body=HOSTILE, actor="t", now=NOW
    )
    session.flush()
    assert pledge.body_html == rendered(HOSTILE) != ""
    editing.update_pledge(
        session, pledge, expected_version=pledge.version, title=pledge.title, body="_nouveau_",
        theme="", made_on=None, source_url="", quote="", deadline=None, keywords_include=[],
        keywords_exclude=[], actor="t", now=NOW,
    )  # fmt: skip
    assert assert_in_step(session) == 1
    assert session.get(Pledge, pledge.id).body_html == "<p><em>nouveau</em></p>"


def test_evidence_submitted_edited_and_corrected(session):
    pledge = make_pledge(session)
    volunteer = make_user(session)
    item = evidence.submit_evidence(
        session, pledge, url="https://journal.example/a", outlet="Journal",
        published_on=date(2021, 1, 5), stance=Stance.BROKEN, note=HOSTILE, actor=volunteer,
        now=NOW,
    )  # fmt: skip
    session.flush()
    assert item.note_html == rendered(HOSTILE)
    evidence.publish_evidence(session, item, actor=volunteer, now=NOW)

    def correct(note: str) -> None:
        evidence.update_evidence(
            session, item, expected_fingerprint=evidence.evidence_fingerprint(item),
            url=item.url, outlet=item.outlet, published_on=item.published_on,
            stance=item.stance, kind=item.kind, title=item.title, quote=item.quote, note=note,
            reason="Coquille", actor=volunteer, now=NOW,
        )  # fmt: skip

    correct("Note *corrigée*")
    assert assert_in_step(session) == 2  # the pledge and the evidence
    assert session.get(Evidence, item.id).note_html == "<p>Note <em>corrigée</em></p>"


def test_rulings_and_their_corrections(session):
    pledge = make_pledge(session)
    cited = make_evidence(session, pledge, stance=Stance.BROKEN)
    ruling = status.record_status_change(
        session, pledge, to=PledgeStatus.BROKEN, effective_on=date(2021, 10, 10),
        rationale=HOSTILE, cites=[cited], actor="t", now=NOW,
    )  # fmt: skip
    session.flush()
    assert ruling.rationale_html == rendered(HOSTILE)
    correction = status.correct_ruling(
        session, ruling, to_status=PledgeStatus.BROKEN, effective_on=date(2021, 10, 12),
        rationale="Motif **corrigé**", cites=[cited], reason="Mauvaise date", actor="t",
        now=NOW,
    )  # fmt: skip
    assert_in_step(session)
    # The correction is a new entry; the corrected one keeps its own text and HTML.
    assert session.get(StatusChange, correction.id).rationale_html == (
        "<p>Motif <strong>corrigé</strong></p>"
    )
    assert session.get(StatusChange, ruling.id).rationale_html == rendered(HOSTILE)


def test_editors_ruling_form(session):
    pledge = make_pledge(session)
    cited = make_evidence(session, pledge, stance=Stance.KEPT)
    editing.rule_on_pledge(
        session, pledge, expected_version=pledge.version, to=PledgeStatus.KEPT,
        effective_on=date(2021, 10, 10), rationale="*Tenu*", cite_ids=[cited.id], actor="t",
        now=NOW,
    )  # fmt: skip
    assert assert_in_step(session) == 3


def test_accepted_feed_suggestion(session):
    pledge = make_pledge(session)
    suggestion = make_suggestion(session, pledge)
    item = review.accept_suggestion(
        session, review.get_suggestion(session, suggestion.id), stance=Stance.CONTEXT,
        note="*vu* dans la presse", actor=make_user(session), zone=ZoneInfo("Europe/Paris"),
        now=NOW,
    )  # fmt: skip
    session.flush()
    assert item.note_html == "<p><em>vu</em> dans la presse</p>"
    assert_in_step(session)


def test_import_creates_and_updates(session):
    data = load("valid.json")
    import_data(session, data, now=NOW)
    assert assert_in_step(session) > 3
    pledge = data["elections"][0]["candidates"][0]["pledges"][0]
    pledge["body"] = "Texte **modifié** par l'import"
    import_data(session, data, now=NOW)
    assert_in_step(session)
    assert session.exec(
        select(Pledge).where(
            Pledge.body_html == "<p>Texte <strong>modifié</strong> par l'import</p>"
        )
    ).one()


def test_demo_load_and_generate(session):
    load_demo(session, now=NOW)
    generate(session, candidates=3, pledges=4, evidence=3, seed=5, now=NOW)
    assert assert_in_step(session) > 3 * 4 * 3
    generated = session.exec(select(Evidence).where(Evidence.state == EvidenceState.PUBLISHED))
    assert all(e.note_html for e in generated if e.note)


@pytest.mark.parametrize("size", [100, 20_000])
def test_stored_html_is_cleaned_every_time_it_is_shown_short_or_long(size):
    """Short stored texts are cleaned once per worker and kept, long ones on each call: both
    answer exactly what the allowlist gives, the first time and every time after."""
    from pledges.text import MAX_KEPT_HTML, sanitise_html

    padding = "x" * size
    hostile = (
        f'<p onclick="steal()">{padding}</p><script>alert(1)</script><a href="javascript:x">l</a>'
    )
    expected = sanitise_html(hostile)
    assert (len(hostile) <= MAX_KEPT_HTML) is (size == 100)
    for _ in range(3):
        shown = stored_html(hostile)
        assert str(shown) == expected
        assert "<script" not in shown
        assert "onclick" not in shown
        assert "javascript:" not in shown
