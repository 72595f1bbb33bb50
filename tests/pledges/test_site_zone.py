"""The site's time zone in the domain: "today" and "the future" start at the local midnight.

Paris is ahead of UTC, so between its midnight and UTC's (00:00-01:00 in winter,
00:00-02:00 in summer) the local date is already tomorrow's UTC date.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from models.enums import PledgeStatus, Stance
from pledges import evidence as ops
from pledges.errors import DomainError
from pledges.status import record_status_change
from tests.factories import make_evidence, make_pledge, make_user

PARIS = ZoneInfo("Europe/Paris")
# 00:30 on 1 January 2025 in Paris; 23:30 on 31 December 2024 in UTC.
WINTER_NIGHT = datetime(2024, 12, 31, 23, 30, tzinfo=UTC)
# 01:30 on 1 July 2025 in Paris (+0200); 23:30 on 30 June in UTC.
SUMMER_NIGHT = datetime(2025, 6, 30, 23, 30, tzinfo=UTC)


def _submit(session, published_on, **kw):
    return ops.submit_evidence(
        session,
        make_pledge(session),
        url=f"https://journal.example/{published_on.isoformat()}",
        outlet="Le Journal Fictif",
        published_on=published_on,
        stance=Stance.CONTEXT,
        actor=make_user(session),
        **kw,
    )


@pytest.mark.parametrize(
    ("now", "local_today"), [(WINTER_NIGHT, date(2025, 1, 1)), (SUMMER_NIGHT, date(2025, 7, 1))]
)
def test_evidence_may_be_dated_the_local_today(session, now, local_today):
    assert _submit(session, local_today, zone=PARIS, now=now).published_on == local_today
    with pytest.raises(ops.EvidenceError) as caught:
        _submit(session, date.fromordinal(local_today.toordinal() + 1), zone=PARIS, now=now)
    assert caught.value.code == "future_date"


def test_in_utc_the_same_date_is_still_the_future(session):
    with pytest.raises(ops.EvidenceError) as caught:
        _submit(session, date(2025, 1, 1), zone=UTC, now=WINTER_NIGHT)
    assert caught.value.code == "future_date"


@pytest.mark.parametrize(
    ("now", "local_today"), [(WINTER_NIGHT, date(2025, 1, 1)), (SUMMER_NIGHT, date(2025, 7, 1))]
)
def test_a_ruling_may_take_effect_on_the_local_today(session, now, local_today):
    def rule(zone):
        pledge = make_pledge(session)
        # A verdict that changes the status, citing an item that supports it.
        cited = make_evidence(session, pledge, stance=Stance.BROKEN)
        return record_status_change(
            session,
            pledge,
            to=PledgeStatus.BROKEN,
            effective_on=local_today,
            rationale="",
            cites=[cited],
            actor="test",
            zone=zone,
            now=now,
        )

    assert rule(PARIS).effective_on == local_today
    with pytest.raises(DomainError) as caught:
        rule(UTC)
    assert caught.value.code == "future_ruling"
