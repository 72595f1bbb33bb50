"""Editors' room: moderation, rulings (and conflicts), editing, feeds, import, audit, accounts."""

import io
import json
from datetime import date

import pytest
from babel.numbers import format_decimal
from bs4 import BeautifulSoup
from flask import message_flashed
from flask_wtf import FlaskForm
from sqlmodel import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired

from models import AuditEntry, Candidate, Election, Feed, Invitation, Pledge, User
from models.enums import EvidenceKind, EvidenceState, PledgeStatus, Role, Stance
from pledges import accounts
from pledges import evidence as evidence_ops
from pledges.errors import ConflictError, DomainError, EditError
from pledges.importing import MAX_COUNTED, MAX_PROBLEMS
from pledges.status import record_status_change
from tests.factories import make_candidate, make_evidence, make_pledge, make_user
from tests.views.conftest import PASSWORD, AuthActions, token_from
from views.admin.editing import Saved, VersionCheck, edit_page

HX = {"HX-Request": "true"}


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.fixture
def submitted(app_session):
    pledge = make_pledge(app_session, title="Moratoire sur la vidéosurveillance")
    volunteer = make_user(app_session, Role.VOLUNTEER, display_name="Bénévole Un")
    evidence = evidence_ops.submit_evidence(
        app_session,
        pledge,
        url="https://journal.example/audit",
        outlet="Le Journal Fictif",
        published_on=date(2021, 10, 20),
        stance=Stance.BROKEN,
        title="L'audit jamais publié",
        actor=volunteer,
    )
    app_session.commit()
    return pledge, evidence, volunteer


def test_moderation_queue_rows_are_self_targeting(auth, client, submitted):
    _pledge, evidence, _ = submitted
    auth.login_as(Role.EDITOR)
    soup = _soup(client.get("/admin/moderation"))
    row = soup.find(id=f"submission-{evidence.id}")
    assert row["data-hx-target"] == "this"
    assert row["data-hx-swap"] == "outerHTML"
    assert "L'audit jamais publié" in row.text
    assert "Bénévole Un" in row.text


def test_publish_with_htmx(auth, client, app_session, submitted):
    _pledge, evidence, _ = submitted
    editor = auth.login_as(Role.EDITOR)
    response = client.post(
        f"/admin/evidence/{evidence.id}/publish", data={"csrf_token": auth.csrf_token()}, headers=HX
    )
    assert response.status_code == 200
    row = _soup(response).find("article")
    assert row["id"] == f"submission-{evidence.id}"
    assert "Publiée." in row.text
    app_session.refresh(evidence)
    assert evidence.state == EvidenceState.PUBLISHED
    assert evidence.reviewed_by_id == editor.id


def test_reject_needs_a_reason_which_the_submitter_sees(auth, client, app, app_session, submitted):
    _pledge, evidence, volunteer = submitted
    auth.login_as(Role.EDITOR)
    token = auth.csrf_token()
    url = f"/admin/evidence/{evidence.id}/reject"
    htmx = client.post(url, data={"csrf_token": token, f"r{evidence.id}-reason": "  "}, headers=HX)
    assert htmx.status_code == 200
    assert "obligatoire" in _soup(htmx).find("article").text
    plain = client.post(url, data={"csrf_token": token})
    assert plain.status_code == 422
    app_session.refresh(evidence)
    assert evidence.state == EvidenceState.SUBMITTED
    done = client.post(
        url, data={"csrf_token": token, f"r{evidence.id}-reason": "Source non vérifiable"}
    )
    assert done.status_code == 302
    assert done.headers["Location"] == "/admin/moderation"
    app_session.refresh(evidence)
    assert evidence.state == EvidenceState.REJECTED

    # The submitter sees the reason.
    volunteer = app_session.merge(volunteer)
    volunteer.password_hash = accounts.hash_password("volunteer password")
    app_session.commit()
    other = AuthActions(app.test_client(), app, app_session)
    assert other.login(volunteer.email, "volunteer password").status_code == 302
    html = other.client.get("/volunteer/contributions").get_data(as_text=True)
    assert "Refusée" in html
    assert "Source non vérifiable" in html


def _ruling_form(client, pledge_id):
    response = client.get(f"/admin/pledges/{pledge_id}/ruling")
    soup = _soup(response)
    return soup, soup.find("input", {"name": "version"})["value"]


def test_ruling_offers_only_published_evidence_and_enforces_citations(auth, client, app_session):
    pledge = make_pledge(app_session)
    published = make_evidence(app_session, pledge, title="Publiée")
    make_evidence(app_session, pledge, title="Pas encore", state=EvidenceState.SUBMITTED)
    app_session.commit()
    auth.login_as(Role.EDITOR)
    soup, version = _ruling_form(client, pledge.id)
    boxes = soup.select('input[name="cites"]')
    assert [int(b["value"]) for b in boxes] == [published.id]
    response = client.post(
        f"/admin/pledges/{pledge.id}/ruling",
        data={
            "csrf_token": auth.csrf_token(),
            "version": version,
            "status": "kept",
            "effective_on": "2021-11-01",
            "rationale": "Sans preuve",
        },
    )
    assert response.status_code == 422
    assert "au moins une preuve publiée" in _soup(response).find(id="cites-errors").text
    app_session.refresh(pledge)
    assert pledge.status == PledgeStatus.PENDING


def test_ruling_form_lists_each_item_with_stance_kind_outlet_and_date(auth, client, app_session):
    pledge = make_pledge(app_session)
    broken = make_evidence(
        app_session, pledge, title="Audit caché", outlet="La Gazette",
        kind=EvidenceKind.PRESS_ARTICLE, published_on=date(2021, 10, 1),
    )  # fmt: skip
    kept = make_evidence(
        app_session, pledge, title="Délibération", outlet="Conseil", stance=Stance.KEPT,
        kind=EvidenceKind.COUNCIL_DELIBERATION, published_on=date(2022, 3, 15),
    )  # fmt: skip
    app_session.commit()
    auth.login_as(Role.EDITOR)
    soup, _version = _ruling_form(client, pledge.id)
    items = {
        int(li.input["value"]): " ".join(li.get_text(" ", strip=True).split())
        for li in soup.select("#cites-group li")
    }
    assert "Audit caché" in items[broken.id]
    assert "va dans le sens d'un engagement rompu" in items[broken.id]
    assert "article de presse" in items[broken.id].lower()
    assert "La Gazette" in items[broken.id]
    assert "1er octobre 2021" in items[broken.id]
    assert "va dans le sens d'un engagement tenu" in items[kept.id]
    assert "15 mars 2022" in items[kept.id]
    # Nothing is checked in advance: an item checked for the editor could contradict
    # the verdict they choose (and the form works without JavaScript).
    assert soup.select('input[name="cites"][checked]') == []
    box = soup.select_one("#cites-group li input")
    assert soup.find("label", {"for": box["id"]}) is not None
    facts = soup.find(id=box["aria-describedby"]).get_text()
    assert "va dans le sens" in facts  # the facts are read with the checkbox


def _post_ruling(auth, client, pledge_id, version, **fields):
    data = {
        "csrf_token": auth.csrf_token(),
        "version": version,
        "rationale": "r",
        **fields,
    }
    return client.post(f"/admin/pledges/{pledge_id}/ruling", data=data)


def test_ruling_contradicting_its_evidence_is_refused_beside_the_citations(
    auth, client, app_session
):
    pledge = make_pledge(app_session)
    against = make_evidence(app_session, pledge, stance=Stance.BROKEN)
    app_session.commit()
    auth.login_as(Role.EDITOR)
    _s, version = _ruling_form(client, pledge.id)
    response = _post_ruling(
        auth, client, pledge.id, version, status="kept", effective_on="2021-11-01",
        cites=[str(against.id)],
    )  # fmt: skip
    assert response.status_code == 422
    errors = _soup(response).find(id="cites-errors").text
    assert "ne va dans le sens de ce verdict" in errors
    # The editor's own choice stays as they left it, so they see what they cited.
    assert _soup(response).select('input[name="cites"][checked]')[0]["value"] == str(against.id)
    app_session.refresh(pledge)
    assert pledge.status == PledgeStatus.PENDING


@pytest.mark.parametrize(
    ("made_on", "ruled_on", "effective_on", "french"),
    [
        (None, None, "2020-06-27", "précède l'élection"),  # the factory's election: 2020-06-28
        (date(2021, 5, 1), None, "2021-04-30", "précède la date de l'engagement"),
        (None, date(2021, 6, 1), "2021-05-31", "précède celle de la décision en vigueur"),
    ],
)
def test_ruling_with_an_impossible_date_is_refused_beside_the_date(
    auth, client, app_session, made_on, ruled_on, effective_on, french
):
    pledge = make_pledge(app_session, made_on=made_on)
    broken = make_evidence(app_session, pledge, stance=Stance.BROKEN)
    kept = make_evidence(app_session, pledge, stance=Stance.KEPT)
    if ruled_on is not None:
        record_status_change(
            app_session, pledge, to=PledgeStatus.BROKEN, effective_on=ruled_on, rationale="r",
            cites=[broken], actor="test",
        )  # fmt: skip
    app_session.commit()
    status_before = pledge.status
    auth.login_as(Role.EDITOR)
    _s, version = _ruling_form(client, pledge.id)
    response = _post_ruling(
        auth, client, pledge.id, version, status="kept", effective_on=effective_on,
        cites=[str(kept.id)],
    )  # fmt: skip
    assert response.status_code == 422
    assert french in _soup(response).find(id="effective_on-errors").text
    app_session.refresh(pledge)
    assert pledge.status == status_before
    assert len(pledge.status_changes) == (1 if ruled_on else 0)


def test_ruling_that_changes_nothing_is_refused_beside_the_status(auth, client, app_session):
    pledge = make_pledge(app_session)
    app_session.commit()
    auth.login_as(Role.EDITOR)
    _s, version = _ruling_form(client, pledge.id)
    response = _post_ruling(
        auth, client, pledge.id, version, status="pending", effective_on="2021-11-01"
    )
    assert response.status_code == 422
    assert "déjà ce statut" in _soup(response).find(id="status-errors").text
    app_session.refresh(pledge)
    assert pledge.status_changes == []


def test_ruling_shows_at_once_on_the_public_page_and_the_api(auth, client, app_session):
    pledge = make_pledge(app_session)
    evidence = make_evidence(app_session, pledge, title="Audit")
    app_session.commit()
    client.get(f"/pledges/{pledge.id}")  # warm the anonymous page cache
    auth.login_as(Role.EDITOR)
    _soup_, version = _ruling_form(client, pledge.id)
    response = client.post(
        f"/admin/pledges/{pledge.id}/ruling",
        data={
            "csrf_token": auth.csrf_token(),
            "version": version,
            "status": "broken",
            "effective_on": "2021-11-01",
            "rationale": "L'audit n'a **jamais** été publié.",
            "cites": [str(evidence.id)],
        },
    )
    assert response.status_code == 302
    auth.logout()
    page = client.get(f"/pledges/{pledge.id}").get_data(as_text=True)
    assert "Rompu" in page
    assert "<strong>jamais</strong>" in page
    api = client.get(f"/api/v1/pledges/{pledge.id}").get_json()
    assert api["status"] == "broken"
    assert api["history"][-1]["to"] == "broken"


def test_two_editors_saving_the_same_pledge(auth, client, app, app_session):
    """One wins, the other gets the conflict message and the current version; one audit entry."""
    pledge = make_pledge(app_session, title="Titre initial")
    app_session.commit()
    first = auth
    first.login_as(Role.EDITOR)
    second = AuthActions(app.test_client(), app, app_session)
    second.login_as(Role.EDITOR)

    def form_data(actions):
        soup = _soup(actions.client.get(f"/admin/pledges/{pledge.id}/edit"))
        data = {
            i["name"]: i.get("value", "")
            for i in soup.select("form.work-form input")
            if i.get("name")
        }
        data.update(
            {t["name"]: t.text.lstrip("\n") for t in soup.select("form.work-form textarea")}
        )
        return data

    data_a, data_b = form_data(first), form_data(second)
    assert data_a["version"] == data_b["version"] == "1"
    data_a["title"] = "Titre de A"
    data_b["title"] = "Titre de B"
    saved = first.client.post(f"/admin/pledges/{pledge.id}/edit", data=data_a)
    assert saved.status_code == 302
    refused = second.client.post(f"/admin/pledges/{pledge.id}/edit", data=data_b)
    assert refused.status_code == 409
    soup = _soup(refused)
    conflict = soup.find(id="conflict")
    assert "Quelqu'un d'autre a enregistré" in conflict.text
    assert "Version actuelle : 2." in conflict.text
    assert "Titre de A" in conflict.text  # the current values
    assert soup.find("input", {"name": "title"})["value"] == "Titre de B"  # typing kept
    assert soup.find("input", {"name": "version"})["value"] == "2"
    app_session.expire_all()
    assert app_session.get(Pledge, pledge.id).title == "Titre de A"
    entries = app_session.exec(
        select(AuditEntry).where(
            AuditEntry.pledge_id == pledge.id, AuditEntry.action == "pledge.update"
        )
    ).all()
    assert len(entries) == 1
    log = first.client.get(f"/admin/pledges/{pledge.id}/audit").get_data(as_text=True)
    sentences = [p.text for p in _soup_text(log).select(".audit-sentence")]
    assert sum("a modifié l'engagement" in t for t in sentences) == 1
    assert "Titre de A" in log
    assert "Titre de B" not in log


def _soup_text(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def test_stale_ruling_is_refused_with_the_current_state(auth, client, app_session):
    pledge = make_pledge(app_session)
    evidence = make_evidence(app_session, pledge)
    app_session.commit()
    auth.login_as(Role.EDITOR)
    _s, version = _ruling_form(client, pledge.id)
    data = {
        "csrf_token": auth.csrf_token(),
        "version": version,
        "status": "broken",
        "effective_on": "2021-11-01",
        "rationale": "r",
        "cites": [str(evidence.id)],
    }
    assert client.post(f"/admin/pledges/{pledge.id}/ruling", data=data).status_code == 302
    again = client.post(f"/admin/pledges/{pledge.id}/ruling", data={**data, "status": "kept"})
    assert again.status_code == 409
    text = _soup(again).find(id="conflict").text
    assert "Version actuelle : 2." in text
    assert "Rompu" in text


def test_edit_pledge_keywords(auth, client, app_session):
    pledge = make_pledge(app_session)
    app_session.commit()
    auth.login_as(Role.EDITOR)
    response = client.post(
        f"/admin/pledges/{pledge.id}/edit",
        data={
            "csrf_token": auth.csrf_token(),
            "version": "1",
            "title": "Caméras",
            "keywords_include": 'vidéosurveillance\n"vidéo protection"\n\ncaméras',
            "keywords_exclude": "caméraman",
            "source_url": "https://x.example/?utm_source=a",
        },
    )
    assert response.status_code == 302
    app_session.refresh(pledge)
    assert pledge.keywords_include == ["vidéosurveillance", '"vidéo protection"', "caméras"]
    assert pledge.keywords_exclude == ["caméraman"]
    assert pledge.source_url == "https://x.example/"
    bad = client.post(
        f"/admin/pledges/{pledge.id}/edit",
        data={
            "csrf_token": auth.csrf_token(),
            "version": "2",
            "title": "",
            "source_url": "javascript:alert(1)",
        },
    )
    assert bad.status_code == 422
    soup = _soup(bad)
    assert soup.find(id="title-errors")
    assert soup.find(id="source_url-errors")


def test_edit_election_and_candidate(auth, client, app_session):
    candidate = make_candidate(app_session)
    app_session.commit()
    auth.login_as(Role.EDITOR)
    assert candidate.name in client.get("/admin/elections").get_data(as_text=True)
    soup = _soup(client.get(f"/admin/elections/{candidate.election_id}/edit"))
    fingerprint = soup.find("input", {"name": "fingerprint"})["value"]
    response = client.post(
        f"/admin/elections/{candidate.election_id}/edit",
        data={
            "csrf_token": auth.csrf_token(),
            "fingerprint": fingerprint,
            "name": "Municipales",
            "territory": "Marseille",
            "date": "2020-06-28",
        },
    )
    assert response.status_code == 302
    stale = client.post(
        f"/admin/elections/{candidate.election_id}/edit",
        data={
            "csrf_token": auth.csrf_token(),
            "fingerprint": fingerprint,
            "name": "Autre",
            "territory": "Marseille",
            "date": "2020-06-28",
        },
    )
    assert stale.status_code == 409
    # The conflict shows what was saved meanwhile, beside the form.
    assert "Municipales" in _soup(stale).select_one(".current-values").text
    response = client.post(
        f"/admin/candidates/{candidate.id}/edit",
        data={
            "csrf_token": auth.csrf_token(),
            "version": "1",
            "name": "Liste Nouvelle",
            "elected": "y",
            "office": "Maire",
        },
    )
    assert response.status_code == 302
    app_session.expire_all()
    assert app_session.get(Election, candidate.election_id).name == "Municipales"
    fresh = app_session.get(Candidate, candidate.id)
    assert (fresh.name, fresh.elected, fresh.version) == ("Liste Nouvelle", True, 2)


def test_feeds_add_refuses_private_addresses(auth, client, app_session):
    auth.login_as(Role.EDITOR)
    for url in [
        "http://127.0.0.1:9/rss",
        "file:///etc/passwd",
        "http://[::1]/rss",
        "http://10.1.2.3/rss",
    ]:
        response = client.post(
            "/admin/feeds",
            data={"csrf_token": auth.csrf_token(), "url": url, "interval_minutes": "60"},
        )
        assert response.status_code == 422, url
        assert "Adresse refusée" in _soup(response).find(id="url-errors").text
    assert app_session.exec(select(Feed)).all() == []


@pytest.mark.parametrize("app_overrides", [{"FEEDS_ALLOW_PRIVATE": True}])
def test_feeds_add_and_edit(auth, client, app_session):
    auth.login_as(Role.EDITOR)
    response = client.post(
        "/admin/feeds",
        data={
            "csrf_token": auth.csrf_token(),
            "url": "http://127.0.0.1:9/rss.xml",
            "name": "Journal local",
            "interval_minutes": "30",
        },
    )
    assert response.status_code == 302
    feed = app_session.exec(select(Feed)).one()
    assert (feed.name, feed.interval_minutes) == ("Journal local", 30)
    soup = _soup(client.get(f"/admin/feeds/{feed.id}/edit"))
    fingerprint = soup.find("input", {"name": "fingerprint"})["value"]
    response = client.post(
        f"/admin/feeds/{feed.id}/edit",
        data={
            "csrf_token": auth.csrf_token(),
            "fingerprint": fingerprint,
            "url": feed.url,
            "name": "Renommé",
            "interval_minutes": "15",
        },
    )
    assert response.status_code == 302
    app_session.refresh(feed)
    assert (feed.name, feed.interval_minutes, feed.active) == ("Renommé", 15, False)
    assert "Renommé" in client.get("/admin/feeds").get_data(as_text=True)


def _import_file(data, name="data.json"):
    return (io.BytesIO(json.dumps(data).encode()), name)


GOOD = {
    "elections": [
        {
            "slug": "m2020",
            "name": "Municipales 2020",
            "territory": "Ville",
            "date": "2020-06-28",
            "candidates": [
                {
                    "slug": "liste-a",
                    "name": "Liste A",
                    "list_name": "A",
                    "elected": False,
                    "pledges": [
                        {
                            "slug": "p1",
                            "title": "Engagement importé",
                            "body": "",
                            "theme": "t",
                            "keywords": {"include": ["x"], "exclude": []},
                        }
                    ],
                }
            ],
        }
    ]
}


def test_import_upload_all_or_nothing(auth, client, app_session):
    auth.login_as(Role.EDITOR)
    bad = json.loads(json.dumps(GOOD))
    bad["elections"][0]["date"] = "pas une date"
    bad["elections"][0]["candidates"][0]["pledges"].append({"slug": "p2"})
    response = client.post(
        "/admin/import",
        data={"csrf_token": auth.csrf_token(), "file": _import_file(bad)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    report = _soup(response).find(class_="import-report")
    assert "Rien n'a été importé" in report.text
    cells = [tuple(td.text for td in tr.find_all("td")) for tr in report.select("tbody tr")]
    assert any(c[1] == "date" for c in cells)
    assert any(c[1] == "title" for c in cells)
    assert app_session.exec(select(Election)).all() == []

    response = client.post(
        "/admin/import",
        data={"csrf_token": auth.csrf_token(), "file": _import_file(GOOD)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "Import terminé" in response.get_data(as_text=True)
    assert app_session.exec(select(Pledge)).one().title == "Engagement importé"

    junk = client.post(
        "/admin/import",
        data={"csrf_token": auth.csrf_token(), "file": (io.BytesIO(b"{oops"), "x.json")},
        content_type="multipart/form-data",
    )
    assert junk.status_code == 422
    assert "JSON invalide" in junk.get_data(as_text=True)


def test_audit_log_site_wide_and_per_pledge(auth, client, app_session, submitted):
    pledge, evidence, _ = submitted
    other = make_pledge(app_session)
    make_evidence(app_session, other)
    from pledges.audit import log_change

    log_change(
        app_session,
        actor="test",
        action="evidence.submit",
        object_type="evidence",
        object_id=999,
        pledge_id=other.id,
        after={"title": "<script>alert(1)</script>"},
    )
    app_session.commit()
    auth.login_as(Role.EDITOR)
    site = client.get("/admin/audit")
    assert site.status_code == 200
    soup = _soup(site)
    assert soup.find("script", string="alert(1)") is None
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in site.get_data(as_text=True)
    per_pledge = _soup(client.get(f"/admin/pledges/{pledge.id}/audit"))
    rows = per_pledge.select("table.audit tbody tr")
    assert len(rows) == 1
    assert "a proposé la preuve" in rows[0].text
    assert "999" not in per_pledge.text


def test_admin_manages_accounts_but_not_their_own(auth, client, app_session):
    admin = auth.login_as(Role.ADMIN)
    editor = make_user(app_session, Role.EDITOR)
    app_session.commit()
    response = client.post(
        f"/admin/users/{editor.id}",
        data={"csrf_token": auth.csrf_token(), f"u{editor.id}-role": "volunteer"},
    )
    assert response.status_code == 302
    app_session.expire_all()
    changed = app_session.get(User, editor.id)
    assert changed.role == Role.VOLUNTEER
    assert changed.active is False
    client.post(
        f"/admin/users/{admin.id}",
        data={"csrf_token": auth.csrf_token(), f"u{admin.id}-role": "volunteer"},
    )
    app_session.expire_all()
    assert app_session.get(User, admin.id).role == Role.ADMIN


def test_a_refused_account_change_shows_why_on_that_row(auth, client, app_session):
    auth.login_as(Role.ADMIN)
    editor = make_user(app_session, Role.EDITOR)
    app_session.commit()
    response = client.post(
        f"/admin/users/{editor.id}",
        data={"csrf_token": auth.csrf_token(), f"u{editor.id}-role": "superuser"},
    )
    assert response.status_code == 422
    errors = _soup(response).find(id=f"u{editor.id}-role-errors")
    assert errors is not None
    assert errors.text.strip()
    app_session.expire_all()
    assert app_session.get(User, editor.id).role == Role.EDITOR


def test_settings_public_editor_names(auth, client, app_session):
    auth.login_as(Role.ADMIN)
    soup = _soup(client.get("/admin/settings"))
    assert soup.find("input", {"name": "public_editor_names"}).has_attr("checked")
    response = client.post("/admin/settings", data={"csrf_token": auth.csrf_token()})
    assert response.status_code == 302
    assert accounts.show_editor_names(app_session, default=True) is False


def test_evidence_of_a_submitted_item_is_visible_to_its_submitter_not_others(
    auth, client, app_session, submitted
):
    _p, evidence, volunteer = submitted
    volunteer.password_hash = accounts.hash_password(PASSWORD)
    app_session.add(volunteer)
    app_session.commit()
    assert auth.login(volunteer.email).status_code == 302
    html = client.get(f"/volunteer/evidence/{evidence.id}").get_data(as_text=True)
    assert "En attente de relecture" in html
    # Another volunteer: unmoderated work is not theirs to read (hardening).
    auth.logout()
    auth.login_as(Role.VOLUNTEER)
    assert client.get(f"/volunteer/evidence/{evidence.id}").status_code == 404


def test_users_cli(runner, app_session):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Ed@Example.org",
            "--role",
            "editor",
            "--password",
            "a long password",
        ]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=["users", "create", "vol@example.org", "--role", "volunteer"],
        input="password from stdin\n",
    )
    assert result.exit_code == 0, result.output
    assert accounts.authenticate(app_session, "vol@example.org", "password from stdin")
    app_session.rollback()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "ed@example.org",
            "--role",
            "admin",
            "--password",
            "a long password",
        ]
    )
    assert result.exit_code != 0
    assert "already exists" in result.output
    result = runner.invoke(
        args=["users", "create", "x@example.org", "--role", "boss", "--password", "a long password"]
    )
    assert result.exit_code == 2
    result = runner.invoke(args=["users", "disable", "ed@example.org"])
    assert result.exit_code == 0
    listed = json.loads(runner.invoke(args=["users", "list", "--json"]).output)
    assert [(u["email"], u["role"], u["active"]) for u in listed] == [
        ("ed@example.org", "editor", False),
        ("vol@example.org", "volunteer", True),
    ]
    assert all("password" not in key for u in listed for key in u)
    result = runner.invoke(args=["users", "disable", "nobody@example.org"])
    assert result.exit_code == 1


# --- The shared edit flow (views.admin.editing.edit_page), branch by branch -------------


class _NameForm(FlaskForm):
    version = HiddenField()
    name = StringField(validators=[DataRequired()])


def _run_edit_page(app, *, method="GET", data=None, save=None, version=True, fill=True):
    """Run edit_page in a request of its own; returns (response, calls) without a live view."""
    calls = {"reload": 0, "conflicts": [], "saved": 0}
    state = {"version": 3, "name": "Saved meanwhile"}

    def reload():
        calls["reload"] += 1
        state["version"] = 4

    def render(conflict):
        calls["conflicts"].append(conflict)
        return f"conflict={conflict} version={form.version.data} errors={form.name.errors}"

    with app.test_request_context("/edit", method=method, data=data or {}):
        form = _NameForm(meta={"csrf": False})
        response = edit_page(
            form,
            fill=(lambda: {"name": state["name"]}) if fill else None,
            version=VersionCheck(form.version, current=lambda: state["version"], reload=reload)
            if version
            else None,
            save=save or (lambda: Saved("Enregistré.", "/done")),
            render=render,
        )
        if isinstance(response, tuple):
            page, status = response
            return status, page, form, calls
        return response.status_code, response.location, form, calls


def test_edit_page_fills_the_form_and_its_version_on_get(app):
    status, page, form, _calls = _run_edit_page(app)
    assert status == 200
    assert (form.name.data, form.version.data) == ("Saved meanwhile", "3")
    assert "conflict=False" in page


def test_edit_page_create_form_starts_empty(app):
    status, _page, form, _calls = _run_edit_page(app, fill=False, version=False)
    assert status == 200
    assert form.name.data is None


def test_edit_page_invalid_form_is_422_without_saving(app):
    def save():
        raise AssertionError("an invalid form must not reach the domain")

    status, _page, form, _calls = _run_edit_page(
        app, method="POST", data={"version": "3", "name": ""}, save=save
    )
    assert status == 422
    assert form.name.errors


def test_edit_page_conflict_is_409_with_the_current_version(app):
    def save():
        raise ConflictError("stale", code="conflict")

    status, page, form, calls = _run_edit_page(
        app, method="POST", data={"version": "3", "name": "Mine"}, save=save
    )
    assert status == 409
    assert calls["reload"] == 1
    assert calls["conflicts"] == [True]
    assert form.name.data == "Mine"  # the editor's typing is kept
    assert form.version.data == "4"  # saving again deliberately overrides
    assert "conflict=True version=4" in page


def test_edit_page_domain_error_is_422_beside_its_field(app):
    def save():
        raise EditError("too long", code="too_long", field="name")

    status, _page, form, calls = _run_edit_page(
        app, method="POST", data={"version": "3", "name": "Mine"}, save=save
    )
    assert status == 422
    assert calls["reload"] == 0
    assert form.name.errors == ["Ce texte est trop long."]


def test_edit_page_domain_error_without_a_field_shows_above_the_form(app):
    def save():
        raise DomainError("no", code="duplicate_ruling")

    status, _page, form, _calls = _run_edit_page(
        app, method="POST", data={"version": "3", "name": "Mine"}, save=save
    )
    assert status == 422
    assert form.form_errors == ["Cette décision est impossible : vérifiez la date et les preuves."]


def test_edit_page_success_commits_flashes_and_redirects(app, monkeypatch):
    class Session:
        commits = 0

        def commit(self):
            Session.commits += 1

    monkeypatch.setattr("views.admin.editing.db_session", Session)
    flashed = []
    with message_flashed.connected_to(lambda _app, message, category: flashed.append(message), app):
        status, location, _form, _calls = _run_edit_page(
            app, method="POST", data={"version": "3", "name": "Mine"}
        )
    assert (status, location) == (302, "/done")
    assert (Session.commits, flashed) == (1, ["Enregistré."])


def test_edit_page_domain_error_on_a_real_page_changes_nothing(auth, client, app_session):
    pledge = make_pledge(app_session, title="Titre initial")
    app_session.commit()
    auth.login_as(Role.EDITOR)
    response = client.post(
        f"/admin/pledges/{pledge.id}/edit",
        data={
            "csrf_token": auth.csrf_token(),
            "version": "1",
            "title": "Nouveau titre",
            "keywords_include": "x" * 121,  # a keyword has at most 120 characters
        },
    )
    assert response.status_code == 422
    assert "Ce texte est trop long." in _soup(response).find(id="keywords_include-errors").text
    app_session.expire_all()
    assert app_session.get(Pledge, pledge.id).title == "Titre initial"


@pytest.mark.parametrize("app_overrides", [{"FEEDS_ALLOW_PRIVATE": True}])
def test_feed_already_registered_is_refused_by_the_domain(auth, client, app_session):
    auth.login_as(Role.EDITOR)
    data = {"url": "http://127.0.0.1:9/rss.xml", "interval_minutes": "30"}
    assert (
        client.post("/admin/feeds", data={**data, "csrf_token": auth.csrf_token()}).status_code
        == 302
    )
    again = client.post("/admin/feeds", data={**data, "csrf_token": auth.csrf_token()})
    assert again.status_code == 422
    assert "Ce flux est déjà enregistré." in _soup(again).find(id="url-errors").text
    assert len(app_session.exec(select(Feed)).all()) == 1


def test_a_refused_write_is_rolled_back_when_the_request_ends(auth, client, app, app_session):
    """accept_invitation claims the invitation, then finds the email taken: the claim must go."""
    admin = auth.create(Role.ADMIN)
    created = accounts.create_invitation(
        app_session, email="late@example.org", role=Role.VOLUNTEER, actor=admin
    )
    app_session.commit()
    auth.create(Role.VOLUNTEER, email="late@example.org")  # the email is taken meanwhile
    url = f"/auth/invitation/{created.token}"
    token = token_from(client.get(url).get_data(as_text=True))
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "display_name": "Retardataire",
            "password": "a long enough password",
            "confirm": "a long enough password",
        },
    )
    assert "Un compte existe déjà avec cette adresse." in response.get_data(as_text=True)
    app_session.expire_all()
    assert app_session.get(Invitation, created.invitation.id).used_at is None


def _post_import(auth, client, data, name="data.json", url="/admin/import", **fields):
    # The body is encoded here, in memory: the test client would spool a large upload
    # to a temporary file that it never closes (a ResourceWarning, an error here).
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    boundary, body = encode_multipart(
        MultiDict(
            {"csrf_token": auth.csrf_token(), "file": FileStorage(io.BytesIO(raw), name), **fields}
        )
    )
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_import_problems_follow_the_requests_language(auth, client, app_session):
    auth.login_as(Role.EDITOR)
    bad = json.loads(json.dumps(GOOD))
    bad["elections"][0]["date"] = "pas une date"
    french = _soup(_post_import(auth, client, bad)).find(class_="import-report")
    assert "Rien n'a été importé : 1 problème." in french.text
    assert [td.text for td in french.select("tbody td")] == [
        "elections[0]", "date", "n'est pas une date AAAA-MM-JJ",
    ]  # fmt: skip
    english = _soup(_post_import(auth, client, bad, url="/admin/import?lang=en"))
    report = english.find(class_="import-report")
    assert "Nothing was imported: 1 problem." in report.text
    assert "not an ISO date (YYYY-MM-DD)" in report.text

    done = _post_import(auth, client, GOOD, url="/admin/import?lang=en")
    summary = _soup(done).find(class_="import-summary")
    assert "Pledges: 1 created, 0 updated, 0 unchanged" in summary.text


def test_an_imported_history_breaking_a_rule_is_reported_in_both_languages(
    auth, client, app_session
):
    auth.login_as(Role.EDITOR)
    data = json.loads(json.dumps(GOOD))
    pledge = data["elections"][0]["candidates"][0]["pledges"][0]
    url = "https://journal.example/rompu"
    pledge["evidence"] = [
        {"url": url, "outlet": "J", "published_on": "2021-01-01", "stance": "broken"}
    ]
    pledge["history"] = [{"to": "kept", "effective_on": "2021-02-01", "cites": [url]}]
    response = _post_import(auth, client, data)
    assert response.status_code == 422
    french = _soup(response).find(class_="import-report")
    assert [td.text for td in french.select("tbody td")] == [
        "elections[0].candidates[0].pledges[0].history[0]", "cites",
        "un verdict « tenu » doit citer au moins une preuve qui va dans son sens "
        "(la même valeur de stance) ; citez-en une ou changez le verdict",
    ]  # fmt: skip
    english = _soup(_post_import(auth, client, data, url="/admin/import?lang=en"))
    assert 'a "kept" verdict must cite at least one evidence item' in english.text
    assert app_session.exec(select(Pledge)).all() == []


def test_every_import_problem_code_has_a_french_text():
    from pledges.importing.report import PROBLEM_TEXTS
    from views.error_messages import IMPORT_PROBLEMS

    assert set(PROBLEM_TEXTS) - set(IMPORT_PROBLEMS) == set()


def test_csv_import_into_an_election_named_not_slugged_says_so_on_the_field(
    auth, client, app_session
):
    auth.login_as(Role.EDITOR)
    election = Election(
        slug="m2020", name="Municipales 2020", territory="V", date=date(2020, 6, 28)
    )
    app_session.add(election)
    app_session.commit()
    response = _post_import(
        auth, client, b"slug,title\np1,Titre\n", name="p.csv",
        election="Municipales 2020", candidate="liste-a",
    )  # fmt: skip
    assert response.status_code == 422
    page = _soup(response)
    errors = page.find(id="election-errors")
    assert (
        errors.text.strip()
        == "« Municipales 2020 » est le nom d'une élection ; son slug est « m2020 »"
    )
    assert "--election" not in response.get_data(as_text=True)
    assert "options" not in page.find(class_="import-report").text


def test_finding_3_upload_of_a_huge_broken_file_renders_a_bounded_report(auth, client, app_session):
    auth.login_as(Role.EDITOR)
    data = json.dumps({"elections": [{}] * 250_000}).encode()  # 1 MB, a million problems
    assert len(data) > 1_000_000
    response = _post_import(auth, client, data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert len(body) < 100_000  # was 91 MB
    report = _soup(response).find(class_="import-report")
    assert len(report.select("tbody tr")) == MAX_PROBLEMS
    assert "Rien n'a été importé : au moins" in report.text
    omitted = report.find(class_="import-omitted").text
    more = format_decimal(MAX_COUNTED - MAX_PROBLEMS, locale="fr")
    assert omitted == f"… et au moins {more} autres problèmes : la vérification s'est arrêtée là."
    assert app_session.exec(select(Election)).all() == []


def test_finding_3_upload_says_exactly_how_many_more_below_the_counting_bound(
    auth, client, app_session
):
    auth.login_as(Role.EDITOR)
    response = _post_import(auth, client, {"elections": [{}] * 3_000})
    report = _soup(response).find(class_="import-report")
    assert f"Rien n'a été importé : {format_decimal(12_000, locale='fr')} problèmes." in report.text
    assert len(report.select("tbody tr")) == MAX_PROBLEMS
    more = format_decimal(12_000 - MAX_PROBLEMS, locale="fr")
    assert report.find(class_="import-omitted").text == f"… et {more} autres problèmes."


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("fr", "Ce flux déclare des entités XML : il est refusé par sécurité."),
        ("en", "This feed declares XML entities: it is refused for safety."),
    ],
)
def test_a_feeds_last_error_is_shown_in_the_readers_language(auth, client, app_session, lang, text):
    from models.enums import FeedStatus
    from tests.factories import make_feed

    make_feed(
        app_session,
        last_status=FeedStatus.ERROR,
        last_error="refused: the document declares XML entities (possible XXE)",
        last_error_code="feed_entities_refused",
    )
    app_session.commit()
    auth.login_as(Role.EDITOR)
    page = client.get(f"/admin/feeds?lang={lang}").get_data(as_text=True)
    assert text in page
    assert "refused: the document" not in page
