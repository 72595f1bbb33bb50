"""Dates read from news feeds: RFC 822, ISO 8601 and the French forms local sites use.

We parse the raw string ourselves instead of trusting feedparser's `*_parsed`,
which silently gets some forms wrong (it reads "2026/03/23" as 1 November and
"14:30 CEST" as 14:30 UTC). A wrong date is worse than none: anything we do not
recognise gives None, and the caller falls back to the first-seen time.
Nothing here touches the database.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Literal
from zoneinfo import ZoneInfo

from pledges.search import fold

# Local feeds without a zone mean the newsroom's wall clock.
LOCAL_ZONE = ZoneInfo("Europe/Paris")

MONTHS = {
    # French (folded: no accents), full and abbreviated
    "janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4,
    "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9,
    "octobre": 10, "novembre": 11, "decembre": 12, "dec": 12,
    # English, full and abbreviated
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12,
}  # fmt: skip
DAY_NAMES = {
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    "lun", "mar", "mer", "jeu", "ven", "sam", "dim",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
}  # fmt: skip
# Zone abbreviations we accept; any other alphabetic zone makes the date unreadable.
ZONES_HOURS = {
    "z": 0, "ut": 0, "utc": 0, "gmt": 0, "wet": 0, "west": 1, "bst": 1,
    "cet": 1, "cest": 2, "met": 1, "mest": 2, "eet": 2, "eest": 3,
    "est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7, "mdt": -6, "pst": -8, "pdt": -7,
}  # fmt: skip

_TIME = (
    r"(?:[t ]+(?:a )?(?P<hour>\d{1,2})(?:[:h](?P<minute>\d{2}))?"
    r"(?::(?P<second>\d{2})(?:[.,]\d+)?)?)?"
)
_ZONE = r"(?: ?(?P<zone>[+-]\d{2}:?\d{2}|[+-]\d{2}|[a-z]{1,5}))?"
_DAY = r"(?:(?P<dayname>[a-z]+)\.?,? )?"
_PATTERNS = [
    # 2026-03-23T14:30:00+01:00, 2026/03/23, 2026-03-23 14h30
    re.compile(
        rf"^(?P<year>\d{{4}})[-/.](?P<month>\d{{1,2}})[-/.](?P<day>\d{{1,2}}){_TIME}{_ZONE}$"
    ),
    # 23/03/2026 14:30 (French order: day first)
    re.compile(
        rf"^{_DAY}(?P<day>\d{{1,2}})[/.-](?P<month>\d{{1,2}})[/.-](?P<year>\d{{4}}){_TIME}{_ZONE}$"
    ),
    # Mon, 23 Mar 2026 14:30:00 +0100 ; lundi 23 mars 2026 a 14h30 ; 1er avril 2026
    re.compile(
        rf"^{_DAY}(?P<day>\d{{1,2}})(?:er)? (?P<monthname>[a-z]+)\.?,? (?P<year>\d{{2}}|\d{{4}}),?"
        rf"{_TIME}{_ZONE}$"
    ),
    # March 23, 2026 14:30
    re.compile(
        rf"^{_DAY}(?P<monthname>[a-z]+)\.? (?P<day>\d{{1,2}}),? (?P<year>\d{{4}}),?{_TIME}{_ZONE}$"
    ),
]


def parse_feed_date(raw: str | None) -> datetime | None:
    """The instant a feed's date string means, in UTC; None when we cannot be sure.

    A date without a zone is read as Europe/Paris local time; CET/CEST and the
    usual RFC 822 abbreviations are understood; unknown zones, impossible dates
    and unrecognised forms give None rather than a guess.
    """
    if not raw:
        return None
    text = _normalise(raw)
    if not text:
        return None
    for pattern in _PATTERNS:
        match = pattern.match(text)
        if match:
            return _build(match.groupdict())
    return None


def _normalise(raw: str) -> str:
    text = re.sub(r"\([^)]*\)", " ", raw[:200])  # "+0100 (CET)": the comment repeats the zone
    text = fold(text)
    # "23 mars 2026, 14:30" and "le 23 mars" carry words that say nothing.
    text = re.sub(r"^(?:le|publie le|mis a jour le) ", "", text)
    text = text.replace(" a ", " ").replace(" - ", " ")
    text = re.sub(r"(\d)(?=[a-z]{3,5}$)", r"\1 ", text)  # "14:30CET"
    return " ".join(text.split())


def _build(parts: dict[str, str | None]) -> datetime | None:
    dayname = parts.get("dayname")
    if dayname and dayname not in DAY_NAMES:
        return None
    monthname = parts.get("monthname")
    if monthname:
        month = MONTHS.get(monthname)
        if month is None:
            return None
    else:
        month = int(_captured(parts, "month"))
    year_text = _captured(parts, "year")
    year = int(year_text)
    if len(year_text) == 2:  # RFC 822 two-digit years
        year += 2000 if year < 70 else 1900
    if not 1990 <= year <= 2200:
        return None
    hour = _optional_number(parts.get("hour"))
    minute = _optional_number(parts.get("minute"))
    second = _optional_number(parts.get("second"))
    if second == 60:  # leap second: close enough
        second = 59
    zone = _zone(parts.get("zone"))
    if zone is False:
        return None
    try:
        naive = datetime(year, month, int(_captured(parts, "day")), hour, minute, second)
    except ValueError:
        return None
    local = naive.replace(tzinfo=LOCAL_ZONE if zone is None else zone)
    return local.astimezone(UTC)


def _captured(parts: dict[str, str | None], name: str) -> str:
    """A group every pattern that can produce `parts` captures (the regex guarantees it)."""
    value = parts[name]
    if value is None:
        raise ValueError(f"date pattern matched without its {name!r} group")
    return value


def _optional_number(text: str | None) -> int:
    """An optional time field: absent or empty means zero."""
    return int(text) if text else 0


def _zone(text: str | None) -> timezone | Literal[False] | None:
    """A fixed offset, None for "no zone given" (local time), False for an unknown zone."""
    if not text:
        return None
    if text[0] in "+-":
        digits = text[1:].replace(":", "")
        hours = int(digits[:2])
        minutes = int(digits[2:4]) if len(digits) >= 4 else 0
        if hours > 14 or minutes > 59:
            return False
        delta = timedelta(hours=hours, minutes=minutes)
        return timezone(-delta if text[0] == "-" else delta)
    if text in ZONES_HOURS:
        return timezone(timedelta(hours=ZONES_HOURS[text]))
    return False
