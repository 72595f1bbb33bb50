"""Values no row can have are refused at routing; the editor-name setting reaches public pages."""

from datetime import date

import pytest

from models.enums import PledgeStatus
from pledges import accounts
from pledges.status import record_status_change
from tests.factories import make_evidence, make_pledge, make_user


@pytest.mark.parametrize(
    "path",
    ["/pledges/2147483648", "/api/v1/pledges/99999999999", "/embed/pledges/2147483648"],
)
def test_ids_beyond_the_database_range_are_not_found(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "path", ["/elections/%00/x", "/themes/a%00", "/badge/candidates/a/%00.svg"]
)
def test_nul_bytes_in_paths_are_refused_before_any_query(client, path):
    assert client.get(path).status_code == 400


def test_public_timeline_follows_the_editor_names_setting(client, app_session):
    editor = make_user(app_session, display_name="Rédactrice Fictive")
    pledge = make_pledge(app_session)
    evidence = make_evidence(app_session, pledge)
    record_status_change(
        app_session,
        pledge,
        to=PledgeStatus.BROKEN,
        effective_on=date(2022, 4, 1),
        rationale="Audit non publié.",
        cites=[evidence],
        actor=editor,
    )
    app_session.commit()
    assert "Rédactrice Fictive" in client.get(f"/pledges/{pledge.id}").get_data(as_text=True)

    accounts.set_show_editor_names(app_session, False, actor=editor)
    app_session.commit()
    # The cached page is invalidated by the setting change.
    assert "Rédactrice Fictive" not in client.get(f"/pledges/{pledge.id}").get_data(as_text=True)
