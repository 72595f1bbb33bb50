"""Archived objects answer 410 on every public URL and leave every list; the editors' archive,
restore and delete pages; the admins' demo removal and `flask --app app demo unload`."""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import quote

import pytest
from sqlmodel import select

from models import Election, Pledge
from models.enums import EvidenceState, PledgeStatus, Role, Stance
from pledges import archiving
from pledges.status import record_status_change
from tests.factories import make_candidate, make_election, make_evidence, make_pledge
from tests.views.conftest import token_from

SITE = "https://suivi.example.org"


@pytest.fixture
def app_overrides():
    return {"SITE_URL": SITE}


@pytest.fixture
def site(app_session):
    s = app_session
    election = make_election(s, slug="ville-2020", name="Municipales de Ville")
    candidate = make_candidate(s, election, slug="liste-a", name="Liste Alpha")
    target = make_pledge(s, candidate, title="Caméras retirées", theme="theme-rare")
    make_pledge(s, make_candidate(s, election), title="Sur le même thème", theme="transparence")
    item = make_evidence(s, target, stance=Stance.BROKEN, title="Article sur les caméras")
    record_status_change(
        s, target, to=PledgeStatus.BROKEN, effective_on=date(2022, 1, 1),
        rationale="Rompu.", cites=[item], actor="test",
    )  # fmt: skip
    other = make_pledge(s, candidate, title="Budget ouvert", theme="transparence")
    s.commit()
    return election, candidate, target, other


def text(response) -> str:
    return response.get_data(as_text=True)


def mentions_target(body: str) -> bool:
    """The archived pledge's title or its evidence's, as written in HTML, CSV, XML or JSON."""
    names = ("Caméras retirées", "Article sur les caméras")
    return any(n in body or json.dumps(n)[1:-1] in body for n in names)


def pledge_urls(pledge_id: int) -> dict[str, str]:
    return {
        "page": f"/pledges/{pledge_id}",
        "widget": f"/embed/pledges/{pledge_id}",
        "badge": f"/badge/pledges/{pledge_id}.svg",
        "api": f"/api/v1/pledges/{pledge_id}",
        "feed": f"/api/v1/feeds/pledges/{pledge_id}/status-changes.atom",
        "oembed": "/oembed?url=" + quote(f"{SITE}/pledges/{pledge_id}"),
    }


LISTS = {
    "api list": "/api/v1/pledges?per_page=100",
    "csv": "/api/v1/pledges.csv",
    "evidence csv": "/api/v1/evidence.csv",
    "evidence api": "/api/v1/evidence",
    "atom rulings": "/api/v1/feeds/status-changes.atom",
    "atom evidence": "/api/v1/feeds/evidence.atom",
    "search": "/pledges/?q=cameras",
    "election board": "/elections/ville-2020",
    "dump": "/api/v1/dump.json",
    "candidate page": "/elections/ville-2020/liste-a",
    "candidate api": "/api/v1/candidates/ville-2020/liste-a",
}


def test_an_archived_pledge_is_gone_everywhere_and_restore_brings_it_back(
    client, app_session, site
):
    _, _, target, _ = site
    urls = pledge_urls(target.id)
    for name, url in urls.items():
        assert client.get(url).status_code == 200, name
    assert "/themes/theme-rare" in text(client.get("/themes/"))
    for name, url in LISTS.items():
        assert mentions_target(text(client.get(url))), name

    archiving.archive(app_session, target, actor="test")
    app_session.commit()

    page = client.get(urls["page"])
    assert page.status_code == 410
    assert "Page archivée" in text(page)
    assert 'class="site-header"' in text(page)
    widget = client.get(urls["widget"])
    assert widget.status_code == 410
    assert "archivé" in text(widget)
    assert "Set-Cookie" not in widget.headers
    # Restorable: no browser may keep a 410 as permanently fresh.
    for url in urls.values():
        assert client.get(url).headers["Cache-Control"] == "no-cache", url
    badge = client.get(urls["badge"])
    assert badge.status_code == 410
    assert badge.mimetype == "image/svg+xml"
    assert "archivé" in text(badge)
    api = client.get(urls["api"])
    assert api.status_code == 410
    assert api.get_json()["error"] == "gone"
    assert client.get(urls["feed"]).status_code == 410
    assert client.get(urls["oembed"]).status_code == 410
    for name, url in LISTS.items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert not mentions_target(text(response)), name
    # Its theme had no other pledge: the theme leaves the list and its page.
    assert client.get("/themes/theme-rare").status_code == 404
    assert "/themes/theme-rare" not in text(client.get("/themes/"))
    assert "Budget ouvert" in text(client.get(LISTS["api list"]))

    archiving.restore(app_session, target, actor="test")
    app_session.commit()
    for name, url in urls.items():
        assert client.get(url).status_code == 200, name
    assert mentions_target(text(client.get(LISTS["dump"])))


def test_an_archived_election_takes_its_candidates_and_pledges_with_it(client, app_session, site):
    election, _, target, other = site
    archiving.archive(app_session, election, actor="test")
    app_session.commit()
    gone = [
        "/elections/ville-2020/liste-a",
        "/embed/candidates/ville-2020/liste-a",
        "/badge/candidates/ville-2020/liste-a.svg",
        "/api/v1/elections/ville-2020",
        "/api/v1/candidates/ville-2020/liste-a",
        "/api/v1/feeds/elections/ville-2020/evidence.atom",
        "/api/v1/feeds/candidates/ville-2020/liste-a/evidence.atom",
        *pledge_urls(other.id).values(),
    ]
    for url in gone:
        assert client.get(url).status_code == 410, url
    assert client.get("/api/v1/candidates/ville-2020/liste-a").get_json()["error"] == "gone"
    assert client.get("/api/v1/elections").get_json()["items"] == []
    assert "Municipales de Ville" not in text(client.get("/"))
    assert client.get("/elections/ville-2020").status_code == 410
    assert json.loads(text(client.get("/api/v1/dump.json")))["elections"] == []


# ---------------------------------------------------------------- editors' pages


def post_form(client, url, **data):
    page = client.get(url)
    return client.post(url, data={"csrf_token": token_from(text(page)), **data})


def test_editor_archives_after_a_confirmation_then_restores(client, auth, app_session, site):
    _, _, target, _ = site
    auth.login_as(Role.EDITOR)
    workspace = text(client.get(f"/admin/pledges/{target.id}"))
    confirm_url = f"/admin/archives/pledge/{target.id}/archive"
    assert confirm_url in workspace
    confirm = client.get(confirm_url)
    assert confirm.status_code == 200
    assert "Archiver l&#39;engagement" in text(confirm)

    done = post_form(client, confirm_url)
    assert done.status_code == 302
    assert done.headers["Location"].endswith("/admin/archives")
    app_session.expire_all()
    assert app_session.get(Pledge, target.id).archived_at is not None
    archives = client.get("/admin/archives")
    assert "Caméras retirées" in text(archives)
    assert "Restaurer" in text(archives)

    restored = client.post(
        f"/admin/archives/pledge/{target.id}/restore",
        data={"csrf_token": token_from(text(archives))},
    )
    assert restored.status_code == 302
    app_session.expire_all()
    assert app_session.get(Pledge, target.id).archived_at is None
    listing = text(client.get("/admin/archives"))
    assert "Rien n'est archivé" in listing
    # Restoring twice: a clear 422, not a 500.
    again = client.post(
        f"/admin/archives/pledge/{target.id}/restore",
        data={"csrf_token": token_from(text(archives))},
    )
    assert again.status_code == 422
    assert "rien à restaurer" in text(again)


def test_hard_delete_is_refused_with_a_ledger_and_allowed_without(client, auth, app_session, site):
    _, candidate, target, _ = site
    fresh = make_pledge(app_session, candidate, title="Brouillon")
    make_evidence(app_session, fresh, state=EvidenceState.SUBMITTED)
    app_session.commit()
    auth.login_as(Role.EDITOR)

    url = f"/admin/archives/pledge/{target.id}/delete"
    assert "Archivez plutôt" in text(client.get(url))
    refused = post_form(client, url)
    assert refused.status_code == 422
    assert "Suppression refusée" in text(refused)
    app_session.expire_all()
    assert app_session.get(Pledge, target.id) is not None

    fresh_id = fresh.id
    deleted = post_form(client, f"/admin/archives/pledge/{fresh_id}/delete")
    assert deleted.status_code == 302
    app_session.expire_all()
    assert app_session.exec(select(Pledge.id).where(Pledge.id == fresh_id)).first() is None


def test_unknown_kind_or_action_is_404(client, auth, site):
    auth.login_as(Role.EDITOR)
    assert client.get("/admin/archives/theme/1/archive").status_code == 404
    assert client.get("/admin/archives/pledge/1/erase").status_code == 404
    assert client.get("/admin/archives/pledge/999/archive").status_code == 404


def test_elections_page_links_to_archiving(client, auth, site):
    election, candidate, _, _ = site
    auth.login_as(Role.EDITOR)
    body = text(client.get("/admin/elections"))
    assert f"/admin/archives/election/{election.id}/archive" in body
    assert f"/admin/archives/candidate/{candidate.id}/delete" in body


# ---------------------------------------------------------------- demo data


@pytest.fixture
def with_demo(app_session, site):
    demo = make_election(
        app_session, slug="demo-ville", name="Élection de démonstration", is_demo=True
    )
    make_pledge(app_session, make_candidate(app_session, demo), title="Promesse fictive")
    app_session.commit()
    return demo


def test_demo_banner_says_how_to_remove_it(client, with_demo):
    body = text(client.get("/"))
    assert "flask --app app demo unload" in body
    assert "Données de démonstration" in body


def test_only_admins_remove_the_demo_data(client, auth, app_session, with_demo):
    auth.login_as(Role.EDITOR)
    assert client.get("/admin/demo").status_code == 403


def test_admin_removes_the_demo_data_and_nothing_else(client, auth, app_session, with_demo):
    auth.login_as(Role.ADMIN)
    page = client.get("/admin/demo")
    assert "Élection de démonstration" in text(page)
    done = post_form(client, "/admin/demo")
    assert done.status_code == 302
    after = client.get(done.headers["Location"])
    assert "Données de démonstration retirées" in text(after)
    assert "1 élection" in text(after)
    assert "1 engagement" in text(after)
    app_session.expire_all()
    assert app_session.exec(select(Election.slug)).all() == ["ville-2020"]
    home = text(client.get("/"))
    assert "Élection de démonstration" not in home
    assert "Municipales de Ville" in home


def test_cli_demo_unload_is_idempotent(runner, app_session, with_demo):
    first = runner.invoke(args=["demo", "unload"])
    assert first.exit_code == 0, first.output
    assert "Données de démonstration retirées" in first.output
    assert "1 élection" in first.output
    second = runner.invoke(args=["demo", "unload"])
    assert second.exit_code == 0
    assert "Il n'y a pas de données de démonstration." in second.output
    app_session.expire_all()
    assert app_session.exec(select(Election.slug)).all() == ["ville-2020"]
