"""CSV exports: UTF-8 with BOM, one row per record, attachment, formula-safe, filters."""

from __future__ import annotations

import csv
import io

import pytest

from tests.factories import make_candidate, make_election, make_pledge
from tests.views.partner_data import seed

SITE = "https://suivi.example.org"


@pytest.fixture
def app_overrides():
    return {"SITE_URL": SITE}


@pytest.fixture
def data(app_session):
    return seed(app_session)


def read_csv(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert "Set-Cookie" not in response.headers
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM spreadsheets need to read UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    return response, rows


def test_pledges_csv_has_one_row_per_pledge(client, data):
    response, rows = read_csv(client, "/api/v1/pledges.csv")
    assert 'filename="pledges.csv"' in response.headers["Content-Disposition"]
    assert [int(r["id"]) for r in rows] == [
        data.kept.id,
        data.broken.id,
        data.overdue.id,
        data.quiet.id,
    ]
    kept = rows[0]
    assert kept["title"] == "Moratoire sur la vidéosurveillance"  # accents survive
    assert kept["status"] == "kept"
    assert kept["status_since"] == "2021-02-01"
    assert kept["candidate"] == "liste-alpha"
    assert kept["election"] == "marseille-2020"
    assert kept["evidence_count"] == "1"
    assert kept["url"] == f"{SITE}/pledges/{data.kept.id}"
    assert rows[2]["overdue"] == "1"
    assert rows[2]["deadline"] == "2022-01-01"
    assert rows[3]["candidate_name"] == "Liste Bêta"


def test_text_that_looks_like_a_formula_is_neutralised(client, data):
    _, rows = read_csv(client, "/api/v1/pledges.csv")
    title = rows[2]["title"]
    assert title.startswith("'=HYPERLINK")


def test_evidence_csv_is_published_evidence_only(client, data):
    _, rows = read_csv(client, "/api/v1/evidence.csv")
    assert [int(r["id"]) for r in rows] == [data.kept_evidence.id, data.broken_evidence.id]
    broken = rows[1]
    assert broken["outlet"] == "La Gazette Imaginaire"
    assert broken["stance"] == "broken"
    assert broken["quote"] == "« Jamais publié »"
    assert int(broken["pledge_id"]) == data.broken.id
    assert "Rumeur" not in {r["outlet"] for r in rows}


def test_multiline_text_stays_in_one_record(client, app_session, data):
    make_pledge(app_session, data.bob, title='Sur deux\nlignes, avec « guillemets » et "quotes"')
    app_session.commit()
    _, rows = read_csv(client, "/api/v1/pledges.csv")
    assert len(rows) == 5
    assert rows[-1]["title"] == 'Sur deux\nlignes, avec « guillemets » et "quotes"'


def test_filters(client, app_session, data):
    make_pledge(app_session, make_candidate(app_session, make_election(app_session, slug="lyon")))
    app_session.commit()
    assert len(read_csv(client, "/api/v1/pledges.csv")[1]) == 5
    assert len(read_csv(client, "/api/v1/pledges.csv?election=marseille-2020")[1]) == 4
    _, rows = read_csv(client, "/api/v1/pledges.csv?election=marseille-2020&candidate=liste-beta")
    assert [int(r["id"]) for r in rows] == [data.quiet.id]
    _, rows = read_csv(client, "/api/v1/evidence.csv?candidate=liste-beta")
    assert rows == []
