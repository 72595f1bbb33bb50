"""The audit log: filters (account, action, object, pledge, dates), pagination, and every
entry said in words in French and English (no stored key, True/None or raw record)."""

from datetime import UTC, date, datetime

import pytest
from bs4 import BeautifulSoup

from models.enums import PledgeStatus, Role, Stance
from pledges import editing
from pledges.audit import AuditAction, log_change
from pledges.evidence import publish_evidence, submit_evidence
from pledges.status import record_status_change
from tests.factories import make_candidate, make_election, make_pledge
from views import audit_words

RAW = ("True", "False", "None", "keywords_include", "status_since", "published_on", "{'", '{"')


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def results(page) -> list[str]:
    return [" ".join(p.get_text(" ", strip=True).split()) for p in page.select(".audit-sentence")]


@pytest.fixture
def history(app_session, auth):
    """An editor's edits, a submission, a publication and a ruling, at known instants."""
    s = app_session
    editor = auth.create(Role.EDITOR, display_name="Edith Éditrice")
    other = auth.create(Role.EDITOR, display_name="Oscar Autre")
    election = make_election(s, slug="ville-2020", name="Municipales 2020")
    candidate = make_candidate(s, election, name="Alice Fictive")
    pledge = make_pledge(
        s, candidate, title="Moratoire sur les caméras", deadline=date(2024, 1, 1), theme="climat"
    )
    s.commit()
    editing.update_pledge(
        s,
        pledge,
        expected_version=pledge.version,
        title="Moratoire sur la vidéosurveillance",
        body="Un texte " + "très long " * 40,
        theme="École",
        made_on=date(2020, 3, 1),
        source_url="",
        quote="",
        deadline=None,
        keywords_include=["caméras", "vidéo"],
        keywords_exclude=[],
        actor=editor,
        now=datetime(2024, 5, 2, 10, 0, tzinfo=UTC),
    )
    editing.update_candidate(
        s,
        candidate,
        expected_version=candidate.version,
        name="Alice Fictive",
        list_name="Ville Claire",
        elected=True,
        office="Maire",
        actor=other,
        now=datetime(2024, 6, 1, 10, 0, tzinfo=UTC),
    )
    evidence = submit_evidence(
        s,
        pledge,
        url="https://journal.example/article",
        outlet="Le Journal",
        published_on=date(2024, 6, 3),
        stance=Stance.BROKEN,
        title="Les caméras restent",
        actor=other,
        now=datetime(2024, 6, 3, 9, 0, tzinfo=UTC),
    )
    publish_evidence(s, evidence, actor=editor, now=datetime(2024, 6, 4, 9, 0, tzinfo=UTC))
    record_status_change(
        s,
        pledge,
        to=PledgeStatus.BROKEN,
        effective_on=date(2024, 6, 5),
        rationale="Rompu.",
        cites=[evidence],
        actor=editor,
        now=datetime(2024, 6, 5, 9, 0, tzinfo=UTC),
    )
    s.commit()
    return {"editor": editor, "other": other, "pledge": pledge, "candidate": candidate}


def test_entries_in_words_in_french(client, auth, history):
    auth.login(history["editor"].email)
    page = soup(client.get("/admin/audit"))
    sentences = results(page)
    assert "a modifié l'engagement « Moratoire sur la vidéosurveillance »" in sentences[-1]
    assert (
        "a changé le statut de l'engagement « Moratoire sur la vidéosurveillance »"
        in (sentences[0])
    )
    assert any("a publié la preuve « Les caméras restent »" in t for t in sentences)
    edit = page.select("table.audit tbody tr")[-1]
    changes = {
        li.select_one(".field-label").get_text(strip=True): " ".join(li.get_text(" ").split())
        for li in edit.select(".audit-changes li")
    }
    assert "titre" in changes
    assert "Moratoire sur les caméras → Moratoire sur la vidéosurveillance" in changes["titre"]
    assert "(vide) → 1er mars 2020" in changes["date de l'engagement"]
    assert "1er janvier 2024 → (vide)" in changes["échéance"]
    assert "Climat → École" in changes["thème"]
    assert "(vide) → caméras, vidéo" in changes["mots-clés à rechercher"]
    assert edit.select_one("details.long-value summary")  # the long body folds
    candidate = [r for r in page.select("table.audit tbody tr") if "candidature" in r.text][0]
    assert "non → oui" in " ".join(candidate.get_text(" ").split())
    ruling = page.select("table.audit tbody tr")[0]
    ruling_text = " ".join(ruling.get_text(" ").split())
    assert "En attente → Rompu" in ruling_text
    assert "5 juin 2024" in ruling_text
    body = page.select_one("#audit-results").get_text(" ")
    for raw in RAW:
        assert raw not in body, raw
    assert "Edith Éditrice" in body
    assert "@" not in body  # editors see names, not emails


def test_entries_in_words_in_english(client, auth, history):
    auth.login(history["editor"].email)
    page = soup(client.get("/admin/audit?lang=en"))
    sentences = results(page)
    assert "edited the pledge “Moratoire sur la vidéosurveillance”" in sentences[-1]
    assert "changed the status of the pledge" in sentences[0]
    text = " ".join(page.select_one("#audit-results").get_text(" ").split())
    assert "Pending → Broken" in text
    assert "June 5, 2024" in text
    assert "(empty) → March 1, 2020" in text
    assert "no → yes" in text
    for raw in RAW:
        assert raw not in text, raw


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("action=pledge.update", ["a modifié l'engagement"]),
        ("action=evidence.publish", ["a publié la preuve"]),
        ("object_type=candidate", ["a modifié la candidature"]),
        ("from=2024-06-03&to=2024-06-04", ["a publié la preuve", "a proposé la preuve"]),
        ("to=2024-05-31", ["a modifié l'engagement"]),
        ("from=2025-01-01", []),
        ("action=nothing.here", []),
    ],
)
def test_filters(client, auth, history, query, expected):
    auth.login(history["editor"].email)
    sentences = results(soup(client.get(f"/admin/audit?{query}")))
    assert len(sentences) == len(expected)
    for sentence, start in zip(sentences, expected, strict=True):
        assert sentence.startswith(start)


def test_filter_by_user_object_and_pledge(client, auth, history, app_session):
    auth.login(history["editor"].email)
    other = history["other"]
    by_other = results(soup(client.get(f"/admin/audit?user={other.id}")))
    assert [s.split(" « ")[0] for s in by_other] == [
        "a proposé la preuve",
        "a modifié la candidature",
    ]
    object_query = f"object_type=candidate&object_id={history['candidate'].id}"
    assert len(results(soup(client.get(f"/admin/audit?{object_query}")))) == 1
    assert results(soup(client.get("/admin/audit?object_type=candidate&object_id=999"))) == []
    pledge_id = history["pledge"].id
    assert len(results(soup(client.get(f"/admin/audit?pledge={pledge_id}")))) == 4
    per_pledge = soup(client.get(f"/admin/pledges/{pledge_id}/audit?action=status.change"))
    assert len(results(per_pledge)) == 1
    form = soup(client.get(f"/admin/audit?user={other.id}")).select_one("form#audit-filters")
    assert form["method"] == "get"
    assert form.select_one(f"select[name=user] option[value='{other.id}']").has_attr("selected")
    labels = [o.get_text() for o in form.select("select[name=action] option")]
    assert "a modifié l'engagement « … »" in labels
    assert not any("compte" in label for label in labels)  # account actions: admins only


@pytest.mark.parametrize("query", ["from=yesterday", "user=abc", "object_id=-1", "action=<x>"])
def test_bad_filter_values_are_ignored_and_said(client, auth, history, query):
    auth.login(history["editor"].email)
    response = client.get(f"/admin/audit?{query}")
    assert response.status_code == 200
    assert soup(response).select_one("#audit-results .notice")
    assert len(results(soup(response))) == 5


def test_pagination_and_fragment(app, client, auth, history, app_session, monkeypatch):
    monkeypatch.setattr("views.admin.audit.PER_PAGE", 2)
    auth.login(history["editor"].email)
    page = soup(client.get("/admin/audit?from=2024-01-01"))
    assert len(results(page)) == 2
    nxt = page.select_one("#audit-results a[rel=next]")
    assert "from=2024-01-01" in nxt["href"]
    assert nxt["data-hx-target"] == "#audit-results"
    fragment = soup(
        client.get(nxt["href"], headers={"HX-Request": "true", "HX-Target": "audit-results"})
    )
    assert fragment.find("html") is None
    assert len(results(fragment)) == 2
    last = results(soup(client.get("/admin/audit?page=999")))  # clamped to the last page
    assert last == [results(soup(client.get("/admin/audit?page=3")))[0]]


def test_every_action_has_its_own_sentence_and_unknown_ones_still_read(app):
    assert set(AuditAction) <= set(audit_words.ACTION_SENTENCES)
    with app.test_request_context("/?lang=en"):
        from models import AuditEntry
        from pledges.audit import EntryView

        entry = AuditEntry(action="election.archive", object_type="election", object_id=3)
        sentence = audit_words.sentence(EntryView(entry, "archive", "Municipales", []))
        assert sentence == "a archivé l'élection « Municipales »" or "archived" in sentence
        odd = AuditEntry(action="widget.frobnicate", object_type="widget", object_id=4)
        words = audit_words.sentence(EntryView(odd, "frobnicate", "", []))
        assert "frobnicate" in words
        assert "widget." not in words
        assert audit_words.field_label("brand_new_field") == "brand new field"
        assert audit_words.format_value("active", True) in ("oui", "yes")
        assert audit_words.format_value("cites", [3, 5]) in ("n° 3, n° 5", "no. 3, no. 5")
        assert audit_words.format_value("anything", None) in ("(vide)", "(empty)")


def test_every_entry_the_app_writes_reads_without_raw_values(client, auth, app_session):
    """An admin sees account entries too: they read as words as well."""
    admin = auth.login_as(Role.ADMIN)
    log_change(
        app_session,
        actor="feeds",
        action=AuditAction.FEED_ITEMS_STORED,
        object_type="feed",
        object_id=77,
        after={"new_items": 3, "suggestions": 1, "over_limit": 0},
    )
    log_change(
        app_session,
        actor=admin,
        action=AuditAction.SETTING_UPDATE,
        object_type="sitesetting",
        object_id=None,
        before={"value": "1"},
        after={"key": "public_editor_names", "value": "0"},
    )
    app_session.commit()
    page = soup(client.get("/admin/audit"))
    text = " ".join(page.select_one("#audit-results").get_text(" ").split())
    assert "a modifié le réglage « nom des éditeurs sur les pages publiques »" in text
    assert "valeur : oui → non" in text, text
    assert "a relevé le flux n° 77" in text
    assert "relevé des flux" in text  # who: the poller, in words
    assert "a créé le compte" in text
    for raw in ("True", "None", "public_editor_names", "new_items"):
        assert raw not in text
