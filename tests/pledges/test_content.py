"""Creating elections, candidates, pledges and themes; slugs derived, edited, redirected; moves."""

from datetime import date

import pytest
from sqlmodel import select

from models import AuditEntry, Pledge, Theme
from models.enums import Role
from pledges import content, editing
from pledges.errors import EditError
from tests.factories import make_candidate, make_election, make_pledge, make_user


def _actions(session) -> list[str]:
    return [e.action for e in session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()]


def test_create_election_candidate_pledge_with_derived_slugs(session):
    editor = make_user(session, Role.EDITOR)
    election = content.create_election(
        session, name="Municipales de Sète", territory="Sète", date=date(2026, 3, 15), actor=editor
    )
    assert election.slug == "municipales-de-sete"
    candidate = content.create_candidate(
        session, election, name="Émilie Dupré", list_name="Émilie Dupré", actor=editor
    )
    assert candidate.slug == "emilie-dupre"
    pledge = content.create_pledge(
        session,
        candidate,
        title="Gratuité des transports",
        body="Pour **tous**.",
        theme="Transports en commun",
        keywords_include=["bus", "Bus", " tram "],
        actor=editor,
    )
    assert pledge.slug == "gratuite-des-transports"
    assert pledge.theme == "transports-en-commun"
    assert pledge.keywords_include == ["bus", "tram"]
    theme = session.exec(select(Theme).where(Theme.slug == "transports-en-commun")).one()
    assert theme.name_fr == "Transports en commun"
    # Same title again: a free slug, not a refusal.
    again = content.create_pledge(session, candidate, title="Gratuité des transports", actor=editor)
    assert again.slug == "gratuite-des-transports-2"
    assert _actions(session) == [
        "election.create", "candidate.create", "pledge.create", "pledge.create",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("slug", "code"),
    [("Avec Majuscule", "slug_format"), ("é-accent", "slug_format"), ("x" * 121, "too_long")],
)
def test_typed_slugs_are_checked(session, slug, code):
    with pytest.raises(EditError) as error:
        content.create_election(
            session, name="Élection", territory="T", date=date(2026, 1, 1), slug=slug, actor="t"
        )
    assert (error.value.code, error.value.field) == (code, "slug")


def test_duplicates_are_refused(session):
    election = make_election(session, slug="municipales")
    make_candidate(session, election, slug="liste-a")
    with pytest.raises(EditError) as error:
        content.create_election(
            session, name="Municipales", territory="T", date=date(2026, 1, 1), actor="t"
        )
    assert error.value.code == "election_slug_taken"
    with pytest.raises(EditError) as error:
        content.create_candidate(session, election, name="Liste A", actor="t")
    assert error.value.code == "candidate_slug_taken"
    with pytest.raises(EditError) as error:
        content.create_election(
            session, name="!!!", territory="T", date=date(2026, 1, 1), actor="t"
        )
    assert error.value.code == "invalid_slug"
    content.create_theme(session, name_fr="Sécurité publique", actor="t")
    with pytest.raises(EditError) as error:
        content.create_theme(session, name_fr="Securite Publique", slug="autre", actor="t")
    assert error.value.code == "theme_name_taken"
    with pytest.raises(EditError) as error:
        content.create_theme(session, name_fr="Autre", slug="securite-publique", actor="t")
    assert error.value.code == "theme_slug_taken"


def test_slug_changes_are_recorded_and_followed(session):
    election = make_election(session, slug="old-election", name="Municipales")
    candidate = make_candidate(session, election, slug="old-candidate", name="Liste A")
    fp = editing.fingerprint(election, editing.ELECTION_FIELDS)
    assert editing.update_election(
        session, election, expected_fingerprint=fp, name="Municipales", territory="T",
        date=election.date, slug="", actor="t",
    )  # fmt: skip
    assert election.slug == "municipales"
    assert editing.update_candidate(
        session, candidate, expected_version=1, name="Liste A", list_name="", elected=False,
        office="", slug="liste-a-2026", actor="t",
    )  # fmt: skip
    assert candidate.slug == "liste-a-2026"
    assert content.current_slugs(session, election="old-election", candidate="old-candidate") == {
        "election": "municipales",
        "candidate": "liste-a-2026",
    }
    assert content.current_slugs(session, election="municipales", candidate="liste-a-2026") == {}
    assert content.current_slugs(session, election="nothing", candidate="old-candidate") == {}
    # A live object that takes an old slug wins over the redirect.
    make_election(session, slug="old-election")
    assert content.current_slugs(session, election="old-election") == {}
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "candidate.update")).one()
    assert entry.before["slug"] == "old-candidate"
    assert entry.after["slug"] == "liste-a-2026"
    # `slug=None` (a form without the field) keeps it.
    assert not editing.update_candidate(
        session, candidate, expected_version=2, name="Liste A", list_name="", elected=False,
        office="", actor="t",
    )  # fmt: skip


def test_candidate_slug_taken_on_rename(session):
    election = make_election(session)
    make_candidate(session, election, slug="pris")
    other = make_candidate(session, election, slug="libre")
    with pytest.raises(EditError) as error:
        editing.update_candidate(
            session, other, expected_version=1, name="X", list_name="", elected=False,
            office="", slug="pris", actor="t",
        )  # fmt: skip
    assert error.value.code == "candidate_slug_taken"


def test_theme_rename_moves_pledges_and_redirects(session):
    theme = content.create_theme(session, name_fr="Sécurité", actor="t")
    assert theme.slug == "securite"
    pledges = [make_pledge(session, theme="securite") for _ in range(3)]
    untouched = make_pledge(session, theme="ecole")
    fp = editing.fingerprint(theme, content.THEME_FIELDS)
    assert content.update_theme(
        session, theme, expected_fingerprint=fp, name_fr="Sécurité publique",
        name_en="Public safety", slug="", actor="t",
    )  # fmt: skip
    assert theme.slug == "securite-publique"
    for pledge in pledges:
        session.refresh(pledge)
        assert pledge.theme == "securite-publique"
    session.refresh(untouched)
    assert untouched.theme == "ecole"
    assert content.current_slugs(session, theme="securite") == {"theme": "securite-publique"}
    assert "theme.update" in _actions(session)


def test_move_pledge_within_election_only(session):
    election = make_election(session)
    a, b = make_candidate(session, election), make_candidate(session, election)
    elsewhere = make_candidate(session)
    pledge = make_pledge(session, a)
    assert content.move_pledge(session, pledge, b, expected_version=1, actor="t") is True
    assert pledge.candidate_id == b.id
    assert pledge.version == 2
    assert content.move_pledge(session, pledge, b, actor="t") is False
    with pytest.raises(EditError) as error:
        content.move_pledge(session, pledge, elsewhere, actor="t")
    assert error.value.code == "move_other_election"
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "pledge.move")).one()
    assert (entry.before, entry.after) == ({"candidate_id": a.id}, {"candidate_id": b.id})


def test_update_pledge_resolves_theme_names(session):
    content.create_theme(session, name_fr="École", name_en="School", actor="t")
    pledge = make_pledge(session, theme="")
    values = {
        "title": pledge.title, "body": "", "made_on": None, "source_url": "", "quote": "",
        "deadline": None, "keywords_include": [], "keywords_exclude": [], "actor": "t",
    }  # fmt: skip
    editing.update_pledge(session, pledge, expected_version=1, theme="ecole", **values)
    assert pledge.theme == "ecole"
    editing.update_pledge(session, pledge, expected_version=2, theme="SCHOOL", **values)
    assert pledge.theme == "ecole"
    editing.update_pledge(session, pledge, expected_version=2, theme="Vie associative", **values)
    assert pledge.theme == "vie-associative"
    assert session.exec(select(Theme).where(Theme.slug == "vie-associative")).one().name_fr == (
        "Vie associative"
    )
    assert session.exec(select(Pledge.theme).where(Pledge.id == pledge.id)).one() == (
        "vie-associative"
    )
