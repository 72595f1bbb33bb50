"""Correcting a ruling from the editors' room; both entries on the public page and in the API."""

import re
from datetime import date

from bs4 import BeautifulSoup
from sqlmodel import select

from models import StatusChange
from models.enums import PledgeStatus, Role, Stance
from pledges.status import correct_ruling, record_status_change
from tests.factories import make_evidence, make_pledge

HX = {"HX-Request": "true"}


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _ruled(app_session):
    pledge = make_pledge(app_session, title="Moratoire")
    broken = make_evidence(app_session, pledge, title="Audit caché", stance=Stance.BROKEN)
    kept = make_evidence(app_session, pledge, title="Délibération", stance=Stance.KEPT)
    ruling = record_status_change(
        app_session, pledge, to=PledgeStatus.BROKEN, effective_on=date(2022, 3, 1),
        rationale="Audit jamais publié", cites=[broken], actor="test",
    )  # fmt: skip
    app_session.commit()
    return pledge, ruling, broken, kept


def _form(client, pledge, ruling):
    response = client.get(f"/admin/pledges/{pledge.id}/rulings/{ruling.id}/correct")
    assert response.status_code == 200
    soup = _soup(response)
    return soup, soup.find("input", {"name": "version"})["value"]


def _post(auth, client, pledge, ruling, version, headers=None, **fields):
    data = {"csrf_token": auth.csrf_token(), "version": version, **fields}
    return client.post(
        f"/admin/pledges/{pledge.id}/rulings/{ruling.id}/correct", data=data, headers=headers
    )


def test_each_past_ruling_offers_a_correction(auth, client, app_session):
    pledge, ruling, _broken, _kept = _ruled(app_session)
    auth.login_as(Role.EDITOR)
    for page in (f"/admin/pledges/{pledge.id}", f"/admin/pledges/{pledge.id}/ruling"):
        soup = _soup(client.get(page))
        link = soup.select_one(f"#ruling-{ruling.id} a")
        assert link["href"] == f"/admin/pledges/{pledge.id}/rulings/{ruling.id}/correct"
        assert "Corriger" in link.text


def test_the_correction_form_is_prefilled_with_the_ruling(auth, client, app_session):
    pledge, ruling, broken, _kept = _ruled(app_session)
    auth.login_as(Role.EDITOR)
    soup, _version = _form(client, pledge, ruling)
    assert soup.select_one('input[name="status"][checked]')["value"] == "broken"
    assert soup.find("input", {"name": "effective_on"})["value"] == "2022-03-01"
    assert soup.find("textarea", {"name": "rationale"}).text.strip() == "Audit jamais publié"
    assert [b["value"] for b in soup.select('input[name="cites"][checked]')] == [str(broken.id)]
    assert soup.find("textarea", {"name": "reason"}) is not None
    # Every citable item shows its stance, kind, outlet and date.
    facts = " ".join(soup.select_one("#cites-group").get_text(" ", strip=True).split())
    assert "va dans le sens d'un engagement tenu" in facts
    assert "Le Journal Fictif" in facts


def test_a_correction_without_javascript_redirects_and_keeps_both(auth, client, app_session):
    pledge, ruling, _broken, kept = _ruled(app_session)
    auth.login_as(Role.EDITOR)
    _soup_, version = _form(client, pledge, ruling)
    response = _post(
        auth, client, pledge, ruling, version, status="kept", effective_on="2022-03-01",
        rationale="Délibération votée", cites=[str(kept.id)], reason="Mauvais article cité",
    )  # fmt: skip
    assert response.status_code == 302
    assert response.location.endswith(f"/admin/pledges/{pledge.id}/ruling#ruling-{ruling.id + 1}")
    app_session.expire_all()
    changes = app_session.exec(select(StatusChange).order_by(StatusChange.id)).all()
    assert [(c.to_status, c.corrects_id) for c in changes] == [
        (PledgeStatus.BROKEN, None),
        (PledgeStatus.KEPT, ruling.id),
    ]
    auth.logout()
    page = _soup(client.get(f"/pledges/{pledge.id}"))
    corrected = page.select_one(f"del #ruling-{ruling.id}")
    assert corrected is not None
    assert "Décision corrigée" in corrected.select_one(".visually-hidden").text
    note = corrected.find_parent("li").select_one(".correction-note a")
    assert note["href"] == f"#ruling-{changes[1].id}"
    correction = page.find(id=f"ruling-{changes[1].id}").find_parent("li")
    assert correction.find("del") is None
    assert "Mauvais article cité" in correction.select_one(".correction-reason").text
    assert correction.select_one(".correction-of a")["href"] == f"#ruling-{ruling.id}"
    assert "Tenu" in page.select_one(".status-summary").text
    # The strongest evidence is the one the correction cites, not the corrected ruling's.
    assert "Délibération" in page.select_one(".strongest").text


def test_a_refused_correction_is_422_with_the_french_error(auth, client, app_session):
    pledge, ruling, broken, _kept = _ruled(app_session)
    auth.login_as(Role.EDITOR)
    _soup_, version = _form(client, pledge, ruling)
    response = _post(
        auth, client, pledge, ruling, version, status="kept", effective_on="2022-03-01",
        rationale="r", cites=[str(broken.id)], reason="erreur",
    )  # fmt: skip
    assert response.status_code == 422
    assert "ne va dans le sens de ce verdict" in _soup(response).find(id="cites-errors").text
    response = _post(
        auth, client, pledge, ruling, version, status="broken", effective_on="2022-03-01",
        rationale="autre", cites=[str(broken.id)], reason="",
    )  # fmt: skip
    assert response.status_code == 422
    assert _soup(response).find(id="reason-errors") is not None
    assert len(app_session.exec(select(StatusChange)).all()) == 1


def test_the_domain_error_is_in_english_for_english_readers(auth, client, app_session):
    pledge, ruling, broken, _kept = _ruled(app_session)
    auth.login_as(Role.EDITOR)
    client.get("/?lang=en")
    _soup_, version = _form(client, pledge, ruling)
    response = client.post(
        f"/admin/pledges/{pledge.id}/rulings/{ruling.id}/correct?lang=en",
        data={
            "csrf_token": auth.csrf_token(), "version": version, "status": "broken",
            "effective_on": "2022-03-01", "rationale": "Audit jamais publié",
            "cites": [str(broken.id)], "reason": "rien",
        },
        headers={"Accept-Language": "en"},
    )  # fmt: skip
    assert response.status_code == 422
    text = _soup(response).select_one(".form-errors").text
    assert "changes nothing" in text.lower()


def test_htmx_swaps_the_form_and_redirects_on_success(auth, client, app_session):
    pledge, ruling, broken, _kept = _ruled(app_session)
    auth.login_as(Role.EDITOR)
    soup, version = _form(client, pledge, ruling)
    assert soup.select_one("#correction form")["data-hx-target"] == "#correction"
    refused = _post(
        auth, client, pledge, ruling, version, headers=HX, status="broken",
        effective_on="2019-01-01", rationale="r", cites=[str(broken.id)], reason="date",
    )  # fmt: skip
    assert refused.status_code == 200  # htmx swaps only 2xx answers
    fragment = _soup(refused)
    assert fragment.find("html") is None
    assert fragment.select_one("div#correction #effective_on-errors") is not None
    done = _post(
        auth, client, pledge, ruling, version, headers=HX, status="broken",
        effective_on="2022-02-01", rationale="r", cites=[str(broken.id)], reason="date",
    )  # fmt: skip
    assert done.status_code == 204
    assert re.search(rf"/admin/pledges/{pledge.id}/ruling#ruling-\d+$", done.headers["HX-Redirect"])


def test_a_corrected_ruling_offers_no_second_correction(auth, client, app_session):
    pledge, ruling, broken, _kept = _ruled(app_session)
    correction = correct_ruling(
        app_session, ruling, to_status=PledgeStatus.BROKEN, effective_on=date(2022, 2, 1),
        rationale="r", cites=[broken], reason="date", actor="test",
    )  # fmt: skip
    app_session.commit()
    auth.login_as(Role.EDITOR)
    soup = _soup(client.get(f"/admin/pledges/{pledge.id}/ruling"))
    row = soup.select_one(f"#ruling-{ruling.id}")
    assert row.find("del") is not None
    assert row.select_one("a")["href"] == f"#ruling-{correction.id}"
    _s, version = _form(client, pledge, ruling)
    response = _post(
        auth, client, pledge, ruling, version, status="broken", effective_on="2022-01-01",
        rationale="r", cites=[str(broken.id)], reason="again",
    )  # fmt: skip
    assert response.status_code == 422
    assert "déjà été corrigée" in response.get_data(as_text=True)


def test_unknown_ruling_or_other_pledge_is_404(auth, client, app_session):
    pledge, ruling, _broken, _kept = _ruled(app_session)
    other = make_pledge(app_session)
    app_session.commit()
    auth.login_as(Role.EDITOR)
    assert client.get(f"/admin/pledges/{other.id}/rulings/{ruling.id}/correct").status_code == 404
    assert client.get(f"/admin/pledges/{pledge.id}/rulings/999999/correct").status_code == 404


def test_volunteers_cannot_correct(auth, client, app_session):
    pledge, ruling, _broken, _kept = _ruled(app_session)
    auth.login_as(Role.VOLUNTEER)
    response = client.get(f"/admin/pledges/{pledge.id}/rulings/{ruling.id}/correct")
    assert response.status_code in (403, 404)


def test_the_api_history_names_corrections(client, app_session):
    pledge, ruling, broken, _kept = _ruled(app_session)
    correction = correct_ruling(
        app_session, ruling, to_status=PledgeStatus.BROKEN, effective_on=date(2022, 2, 1),
        rationale="r", cites=[broken], reason="Mauvaise date", actor="test",
    )  # fmt: skip
    app_session.commit()
    history = client.get(f"/api/v1/pledges/{pledge.id}").get_json()["history"]
    by_id = {h["id"]: h for h in history}
    assert (by_id[ruling.id]["corrects"], by_id[ruling.id]["corrected_by"]) == (
        None,
        correction.id,
    )
    assert (by_id[correction.id]["corrects"], by_id[correction.id]["corrected_by"]) == (
        ruling.id,
        None,
    )
    assert by_id[correction.id]["correction_reason"] == "Mauvaise date"
    items = client.get("/api/v1/status-changes").get_json()["items"]
    assert {(i["id"], i["corrects"], i["corrected_by"]) for i in items} == {
        (ruling.id, None, correction.id),
        (correction.id, ruling.id, None),
    }
    # The dump replays the effective history only (the import format has no corrections).
    dump = client.get("/api/v1/dump.json").get_json()
    history = dump["elections"][0]["candidates"][0]["pledges"][0]["history"]
    assert [h["effective_on"] for h in history] == ["2022-02-01"]
    # ... and says, without ids, what each correction replaced and why.
    assert history[0]["correction_reason"] == "Mauvaise date"
    assert history[0]["corrects"]["effective_on"] == "2022-03-01"
    assert history[0]["corrects"]["rationale"] == "Audit jamais publié"
    assert history[0]["corrects"]["corrects"] is None
    # The Atom feed of rulings lists the correction, not the corrected ruling.
    atom = client.get("/api/v1/feeds/status-changes.atom").get_data(as_text=True)
    assert f":status-change/{correction.id}</id>" in atom
    assert f":status-change/{ruling.id}</id>" not in atom


def test_everything_derived_from_the_status_follows_the_correction(client, app_session):
    pledge, ruling, _broken, kept = _ruled(app_session)
    client.get(f"/embed/pledges/{pledge.id}")  # warm the caches: the correction must show
    correct_ruling(
        app_session, ruling, to_status=PledgeStatus.KEPT, effective_on=date(2022, 3, 1),
        rationale="Délibération votée", cites=[kept], reason="Mauvais verdict", actor="test",
    )  # fmt: skip
    app_session.commit()
    listed = client.get("/api/v1/pledges?status=kept").get_json()["items"]
    assert [(p["id"], p["status_since"]) for p in listed] == [(pledge.id, "2022-03-01")]
    assert client.get("/api/v1/pledges?status=broken").get_json()["items"] == []
    widget = _soup(client.get(f"/embed/pledges/{pledge.id}"))
    assert "Tenu" in widget.get_text()
    assert "Rompu" not in widget.get_text()
    scoreboard = _soup(client.get("/pledges/"))
    assert "Tenu" in scoreboard.select_one("#pledge-list").get_text()
