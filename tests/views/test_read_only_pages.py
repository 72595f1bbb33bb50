"""Reading a public page writes nothing, and each answer names the data version it shows.

The election board once assigned an already loaded relationship: the autoflush then
counted a public write, and every board view locked the data-version row until its
rollback (views serialised on it; on PostgreSQL a snapshot read failed outright).
"""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlmodel import select

from models.data_version import get_data_version
from models.elections import Election
from tests.factories import make_candidate, make_election, make_pledge
from views.database import db_session


@pytest.fixture
def pages(app_session) -> list[str]:
    election = make_election(app_session, slug="ville")
    candidate = make_candidate(app_session, election, slug="liste")
    make_candidate(app_session, election, slug="autre")
    pledge = make_pledge(app_session, candidate)
    app_session.commit()
    return [
        "/elections/ville",
        "/elections/ville?sort=kept",
        "/elections/ville/liste",
        f"/pledges/{pledge.id}",
        "/themes/",
        "/themes/video-surveillance",
        f"/embed/pledges/{pledge.id}",
        "/embed/candidates/ville/liste",
        f"/api/v1/pledges/{pledge.id}",
        "/api/v1/pledges",
        "/api/v1/elections/ville",
    ]


def test_public_pages_write_nothing_and_name_the_data_version(app, client, app_session, pages):
    version = str(get_data_version(app_session))
    app_session.commit()
    writes: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            writes.append(statement)

    engine = app.extensions["db_engine"]
    event.listen(engine, "before_cursor_execute", record)
    try:
        for path in pages:
            response = client.get(path)
            assert response.status_code == 200, path
            assert response.headers["X-Data-Version"] == version, path
            assert writes == [], f"GET {path} wrote: {writes}"
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_what_a_request_leaves_uncommitted_is_rolled_back_at_its_end(app, app_session):
    """The request's session ends with `close()` alone (views.database): a flushed,
    uncommitted public write is gone afterwards, its data-version bump with it."""
    version = get_data_version(app_session)
    app_session.rollback()
    with app.test_request_context("/"):
        session = db_session()
        make_election(session, slug="jamais")  # flushed by the factory, never committed
        assert session.in_transaction()
        assert get_data_version(session) == version + 1
    with app.test_request_context("/"):
        assert db_session().exec(select(Election).where(Election.slug == "jamais")).first() is None
        assert get_data_version(db_session()) == version
