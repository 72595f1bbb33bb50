"""Feed dates: RFC 822, ISO 8601, French forms, Paris local time, and None rather than a guess."""

from datetime import UTC, datetime

import pytest

from pledges.feeds.dates import parse_feed_date


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Mon, 23 Mar 2026 10:00:00 +0100", utc(2026, 3, 23, 9, 0)),
        ("Mon, 23 Mar 2026 10:00:00 GMT", utc(2026, 3, 23, 10, 0)),
        ("Mon, 23 Mar 26 10:00:00 UT", utc(2026, 3, 23, 10, 0)),
        ("Mon, 23 Mar 2026 10:00:00 +0100 (CET)", utc(2026, 3, 23, 9, 0)),
        # zone abbreviations that feedparser reads as UTC
        ("Mon, 23 Mar 2026 14:30:00 CET", utc(2026, 3, 23, 13, 30)),
        ("Tue, 14 Jul 2026 10:00:00 CEST", utc(2026, 7, 14, 8, 0)),
        ("2026-03-23T14:30:00Z", utc(2026, 3, 23, 14, 30)),
        ("2026-03-23T14:30:00.250+02:00", utc(2026, 3, 23, 12, 30)),
        # naive local times are Europe/Paris: winter UTC+1, summer UTC+2
        ("2026-01-10 08:00", utc(2026, 1, 10, 7, 0)),
        ("2026-07-01 10:00", utc(2026, 7, 1, 8, 0)),
        # feedparser reads this one as 1 November
        ("2026/03/23", utc(2026, 3, 22, 23, 0)),
        ("lundi 23 mars 2026 14:30", utc(2026, 3, 23, 13, 30)),
        ("Lundi 23 Mars 2026 à 14h30", utc(2026, 3, 23, 13, 30)),
        ("1er avril 2026 à 9h05", utc(2026, 4, 1, 7, 5)),
        ("le 23 février 2026", utc(2026, 2, 22, 23, 0)),
        ("23 déc. 2025 18:00 CET", utc(2025, 12, 23, 17, 0)),
        ("23 août 2025", utc(2025, 8, 22, 22, 0)),
        ("23/03/2026 14h30", utc(2026, 3, 23, 13, 30)),
        ("March 23, 2026", utc(2026, 3, 22, 23, 0)),
    ],
)
def test_dates_are_read_in_utc(raw, expected):
    assert parse_feed_date(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        None,
        "demain matin",
        "31/02/2026",  # impossible day
        "Mon, 23 Mar 2026 10:00:00 XYZ",  # unknown zone: no guess
        "23 brumaire 2026",  # unknown month
        "Funday, 23 Mar 2026",  # unknown day name
        "2026-13-01",
        "0001-01-01T00:00:00Z",  # placeholder dates
    ],
)
def test_unreadable_dates_give_none_rather_than_a_guess(raw):
    assert parse_feed_date(raw) is None
