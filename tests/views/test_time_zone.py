"""SITE_TIMEZONE in the views (issue 10): evidence dates, "today", and times shown with their zone.

Stored times are UTC; people see the site's local time, the zone named, in French
and English, while <time datetime> keeps the instant with its offset.
"""

from datetime import UTC, date, datetime

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from app import create_app
from models import Evidence
from models.enums import Role
from pledges import accounts
from pledges.audit import AuditAction, log_change
from pledges.feeds.dates import parse_feed_date
from tests.factories import make_evidence, make_feed, make_pledge, make_suggestion
from views import labels

HX = {"HX-Request": "true"}
# The +0100 item of issue 10: 1 January in Paris, still 31 December in UTC.
NEW_YEAR_ITEM = "Wed, 01 Jan 2025 00:30:00 +0100"
WINTER_NIGHT = datetime(2024, 12, 31, 23, 30, tzinfo=UTC)
# 01:30 on 1 July 2025 in Paris (+0200), 23:30 on 30 June in UTC.
SUMMER_NIGHT = datetime(2025, 6, 30, 23, 30, tzinfo=UTC)


def _text(response) -> str:
    """The page's text with Babel's no-break spaces made plain ("12:30\u202fAM")."""
    text = BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text(" ")
    return text.replace("\u202f", " ").replace("\xa0", " ")


def _times(response) -> list[str]:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return [t["datetime"] for t in soup.find_all("time")]


def _accept(client, suggestion, token):
    return client.post(
        f"/volunteer/suggestions/{suggestion.id}",
        data={f"s{suggestion.id}-decision": "kept", "csrf_token": token},
        headers=HX,
    )


@pytest.mark.parametrize(
    ("published", "dated"),
    [(NEW_YEAR_ITEM, date(2025, 1, 1)), ("Tue, 01 Jul 2025 01:30:00 +0200", date(2025, 7, 1))],
)
def test_an_item_accepted_in_the_queue_is_dated_in_paris(
    auth, client, app_session, published, dated
):
    suggestion = make_suggestion(app_session, published_at=parse_feed_date(published))
    app_session.commit()
    auth.login_as(Role.VOLUNTEER)
    assert _accept(client, suggestion, auth.csrf_token()).status_code == 200
    assert app_session.exec(select(Evidence)).one().published_on == dated


class TestInUTC:
    @pytest.fixture
    def app_overrides(self):
        return {"SITE_TIMEZONE": "UTC"}

    def test_the_same_item_is_dated_the_utc_day(self, auth, client, app_session):
        suggestion = make_suggestion(app_session, published_at=parse_feed_date(NEW_YEAR_ITEM))
        app_session.commit()
        auth.login_as(Role.VOLUNTEER)
        _accept(client, suggestion, auth.csrf_token())
        assert app_session.exec(select(Evidence)).one().published_on == date(2024, 12, 31)

    def test_times_are_shown_in_utc(self, auth, client, app_session):
        make_suggestion(app_session, published_at=parse_feed_date(NEW_YEAR_ITEM))
        app_session.commit()
        auth.login_as(Role.VOLUNTEER)
        response = client.get("/volunteer/")
        assert "31 déc. 2024, 23:30 (UTC)" in _text(response)
        assert "2024-12-31T23:30:00+00:00" in _times(response)


def test_the_queue_shows_the_item_time_in_paris_with_its_zone(auth, client, app_session):
    make_suggestion(app_session, published_at=parse_feed_date(NEW_YEAR_ITEM))
    app_session.commit()
    auth.login_as(Role.VOLUNTEER)
    french = client.get("/volunteer/")
    assert "1 janv. 2025, 00:30 (heure de Paris)" in _text(french)
    assert "2025-01-01T00:30:00+01:00" in _times(french)
    english = client.get("/volunteer/?lang=en")
    assert "Jan 1, 2025, 12:30 AM (Paris time)" in _text(english)


def test_the_feeds_page_shows_the_fetch_time_in_paris_summer_time(auth, client, app_session):
    make_feed(app_session, name="Journal d'été", last_fetched_at=SUMMER_NIGHT)
    app_session.commit()
    auth.login_as(Role.ADMIN)
    french = client.get("/admin/feeds")
    assert "1 juil. 2025, 01:30 (heure de Paris)" in _text(french)
    assert "2025-07-01T01:30:00+02:00" in _times(french)
    assert "Jul 1, 2025, 1:30 AM (Paris time)" in _text(client.get("/admin/feeds?lang=en"))


def test_the_audit_log_shows_local_times_with_the_zone(auth, client, app_session):
    pledge = make_pledge(app_session)
    log_change(
        app_session,
        actor="test",
        action=AuditAction.PLEDGE_UPDATE,
        object_type="pledge",
        object_id=pledge.id,
        pledge_id=pledge.id,
        now=WINTER_NIGHT,
    )
    app_session.commit()
    auth.login_as(Role.ADMIN)
    french = client.get(f"/admin/pledges/{pledge.id}/audit")
    assert "1 janv. 2025, 00:30 (heure de Paris)" in _text(french)
    assert "2025-01-01T00:30:00+01:00" in _times(french)
    english = client.get(f"/admin/pledges/{pledge.id}/audit?lang=en")
    assert "Jan 1, 2025, 12:30 AM (Paris time)" in _text(english)


def test_invitation_expiry_and_contributions_are_local(auth, client, app_session):
    # Expires 7 days later: 23:30 UTC on 7 January 2030 is 00:30 on the 8th in Paris.
    accounts.create_invitation(
        app_session,
        email="new@example.org",
        role=Role.VOLUNTEER,
        actor="test",
        now=datetime(2029, 12, 31, 23, 30, tzinfo=UTC),
    )
    app_session.commit()
    auth.login_as(Role.ADMIN)
    assert "8 janv. 2030, 00:30 (heure de Paris)" in _text(client.get("/admin/users"))
    pledge = make_pledge(app_session)
    app_session.add(
        Evidence(
            pledge_id=pledge.id,
            url="https://journal.example/nuit",
            outlet="Le Journal Fictif",
            published_on=date(2024, 12, 31),
            stance="context",
            submitted_by_id=auth.user.id,
            created_at=WINTER_NIGHT,
        )
    )
    app_session.commit()
    english = client.get("/volunteer/contributions?lang=en")
    assert "Jan 1, 2025, 12:30 AM (Paris time)" in _text(english)


def test_today_is_the_local_date(app, monkeypatch):
    monkeypatch.setattr(labels, "utc_now", lambda: WINTER_NIGHT)
    with app.app_context():
        assert labels.today() == date(2025, 1, 1)
    app.config["SITE_TIMEZONE"] = "UTC"
    with app.app_context():
        assert labels.today() == date(2024, 12, 31)


def test_evidence_of_the_local_today_is_accepted_after_paris_midnight(
    auth, client, app_session, monkeypatch
):
    import pledges.evidence

    pledge = make_pledge(app_session)
    app_session.commit()
    auth.login_as(Role.VOLUNTEER)
    token = auth.csrf_token()
    # 00:30 in Paris, 23:30 the day before in UTC: the form and the domain agree it is 1 January.
    monkeypatch.setattr(labels, "utc_now", lambda: WINTER_NIGHT)
    monkeypatch.setattr(pledges.evidence, "utc_now", lambda: WINTER_NIGHT)
    response = client.post(
        f"/volunteer/pledges/{pledge.id}/evidence",
        data={
            "url": "https://journal.example/minuit",
            "outlet": "Le Journal Fictif",
            "published_on": "2025-01-01",
            "kind": "press_article",
            "stance": "kept",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302, _text(response)
    assert app_session.exec(select(Evidence)).one().published_on == date(2025, 1, 1)


def test_a_ruling_may_take_effect_on_the_local_today_after_paris_midnight(
    auth, client, app_session, monkeypatch
):
    import pledges.status

    pledge = make_pledge(app_session)
    evidence = make_evidence(app_session, pledge)
    app_session.commit()
    auth.login_as(Role.EDITOR)
    token = auth.csrf_token()
    monkeypatch.setattr(labels, "utc_now", lambda: WINTER_NIGHT)
    monkeypatch.setattr(pledges.status, "utc_now", lambda: WINTER_NIGHT)
    response = client.post(
        f"/admin/pledges/{pledge.id}/ruling",
        data={
            "csrf_token": token,
            "version": str(pledge.version),
            "status": "broken",
            "effective_on": "2025-01-01",
            "rationale": "Décidé juste après minuit.",
            "cites": [str(evidence.id)],
        },
    )
    assert response.status_code == 302, _text(response)
    app_session.refresh(pledge)
    assert pledge.status_since == date(2025, 1, 1)


def _config(tmp_path, **overrides):
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'tz.db'}",
        **overrides,
    }


@pytest.mark.parametrize("name", ["Mars/Olympus", "Europe", "europe/paris", "", "../etc/passwd"])
def test_an_unknown_zone_refuses_to_start(tmp_path, name):
    with pytest.raises(RuntimeError, match="SITE_TIMEZONE .* is not a known time zone"):
        create_app(_config(tmp_path, SITE_TIMEZONE=name))


def test_the_zone_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SITE_TIMEZONE", "America/New_York")
    app = create_app(_config(tmp_path))
    assert app.config["SITE_TIMEZONE"] == "America/New_York"
    assert app.config["BABEL_DEFAULT_TIMEZONE"] == "America/New_York"
    monkeypatch.setenv("SITE_TIMEZONE", "Nowhere/Land")
    with pytest.raises(RuntimeError, match="Nowhere/Land"):
        create_app(_config(tmp_path))


def test_the_default_zone_is_paris(app):
    assert app.config["SITE_TIMEZONE"] == "Europe/Paris"
