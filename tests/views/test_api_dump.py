"""GET /api/v1/dump.json: the public download of the published data (issue 5)."""

from pledges.demo import load_demo
from pledges.open_data.dump import dump_published
from tests.factories import make_election


def test_dump_download(client, app_session):
    load_demo(app_session)
    app_session.commit()

    response = client.get("/api/v1/dump.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="pledge-tracker-dump.json"'
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Set-Cookie" not in response.headers
    assert response.get_json() == dump_published(app_session)
    assert "vidéosurveillance" in response.get_data(as_text=True)  # UTF-8, not \u escapes


def test_dump_etag_and_304(client, app_session):
    load_demo(app_session)
    app_session.commit()
    first = client.get("/api/v1/dump.json")
    etag = first.headers["ETag"]
    assert etag

    cached = client.get("/api/v1/dump.json", headers={"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.get_data() == b""
    assert cached.headers["ETag"] == etag
    assert cached.headers["Access-Control-Allow-Origin"] == "*"

    # Any write to public data changes the ETag.
    make_election(app_session, slug="autre")
    app_session.commit()
    fresh = client.get("/api/v1/dump.json", headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.headers["ETag"] != etag
    assert "autre" in {e["slug"] for e in fresh.get_json()["elections"]}
