"""Validation of the JSON import contract: untrusted data in, typed records or every problem out.

Nothing here touches the database; problems are collected (not raised one by one)
so that a file's author sees them all at once, up to the bounds in report.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from models.db import utc_now
from models.enums import EvidenceKind, PledgeStatus, Stance
from pledges.importing.records import (
    CandidateIn,
    ElectionIn,
    EvidenceIn,
    HistoryIn,
    ImportFile,
    PledgeIn,
    ThemeIn,
)
from pledges.importing.report import ProblemLog, TooManyProblems, shown
from pledges.links import MAX_URL_LENGTH, clean_url, is_http_url, url_problem
from pledges.search import slugify
from pledges.status import VERDICTS
from pledges.themes import MAX_SLUG as MAX_THEME_SLUG
from pledges.themes import MAX_THEME_NAME

SLUG_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

E = TypeVar("E", bound=StrEnum)


class Reader:
    """Typed accessors over untrusted dicts that log a problem instead of raising."""

    def __init__(self) -> None:
        self.log = ProblemLog()

    def problem(self, record: str, name: str, code: str, **params: str | int) -> None:
        self.log.add(record, name, code, **params)

    def obj(self, value: Any, record: str, name: str = "") -> Mapping[str, Any] | None:
        if not isinstance(value, dict):
            self.problem(record, name, "not_an_object")
            return None
        return value

    def items(self, data: Mapping[str, Any], key: str, record: str) -> list[Any]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(record, key, "not_a_list")
            return []
        return value

    def text(
        self, data: Mapping[str, Any], key: str, record: str, *, required: bool = False,
        max_length: int | None = None,
    ) -> str:  # fmt: skip
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(record, key, "missing" if value is None else "empty")
            return ""
        if not isinstance(value, str):
            self.problem(record, key, "not_a_string")
            return ""
        # This length is checked on the text as written in the file, before any cleaning.
        if max_length is not None and len(value) > max_length:
            self.problem(record, key, "too_long", max_length=max_length)
        if "\x00" in value:  # PostgreSQL refuses NUL in text: report it, do not crash later
            self.problem(record, key, "nul_character")
        return value.strip()

    def slug(self, data: Mapping[str, Any], record: str, max_length: int) -> str:
        value = self.text(data, "slug", record, required=True, max_length=max_length)
        if value and not SLUG_RE.match(value):
            self.problem(record, "slug", "not_a_slug")
        return value

    def date_field(
        self, data: Mapping[str, Any], key: str, record: str, *, required: bool
    ) -> date | None:
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.problem(record, key, "missing")
            return None
        return self.parse_date(value, record, key)

    def parse_date(self, value: Any, record: str, key: str) -> date | None:
        if isinstance(value, str) and ISO_DATE_RE.match(value.strip()):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.problem(record, key, "bad_date")
        return None

    def boolean(self, data: Mapping[str, Any], key: str, record: str, default: bool) -> bool:
        value = data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problem(record, key, "not_a_boolean")
            return default
        return value

    def enum(
        self, data: Mapping[str, Any], key: str, record: str, enum: type[E], default: E | None
    ) -> E | None:
        value = data.get(key)
        if value is None or value == "":
            if default is None:
                self.problem(record, key, "missing")
            return default
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(m.value for m in enum)
            self.problem(record, key, "unknown_value", value=shown(value), allowed=allowed)
            return None

    def url(self, data: Mapping[str, Any], key: str, record: str, *, required: bool) -> str:
        # The length is checked once cleaned: clean_url can lengthen a URL (it
        # re-encodes characters), and the column holds what is stored.
        value = self.text(data, key, record, required=required)
        if not value:
            return ""
        cleaned = clean_url(value)
        problem = url_problem(cleaned)
        if problem == "url_too_long":
            self.problem(record, key, "too_long", max_length=MAX_URL_LENGTH)
            return ""
        if problem is not None:
            self.problem(record, key, "not_a_url")
            return ""
        return cleaned

    def strings(self, value: Any, record: str, key: str) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(record, key, "not_a_string_list")
            return []
        return [v.strip() for v in value if v.strip()]


def validate_data(data: Any, *, now: datetime | None = None) -> list[ElectionIn]:
    """The file's elections as typed records; raises InvalidImport listing the problems."""
    return validate_file(data, now=now).elections


def validate_file(data: Any, *, now: datetime | None = None) -> ImportFile:
    """The file's content (themes, elections) as typed records; raises InvalidImport."""
    reader = Reader()
    try:
        elections = _elections(reader, data, (now or utc_now()).date())
        themes = _themes(reader, data) if isinstance(data, dict) else []
    except TooManyProblems:
        raise reader.log.error(counted_all=False) from None
    if reader.log:
        raise reader.log.error()
    return ImportFile(themes=themes, elections=elections)


def _elections(reader: Reader, data: Any, today: date) -> list[ElectionIn]:
    elections: list[ElectionIn] = []
    root = reader.obj(data, "file")
    if root is None:
        return []
    if "elections" not in root:
        reader.problem("file", "elections", "missing")
    demo_default = reader.boolean(root, "demo", "file", False)
    seen_elections: set[str] = set()
    for e_index, raw in enumerate(reader.items(root, "elections", "file")):
        record = f"elections[{e_index}]"
        if (item := reader.obj(raw, record)) is None:
            continue
        election = ElectionIn(
            record=record,
            slug=reader.slug(item, record, 120),
            name=reader.text(item, "name", record, required=True, max_length=300),
            territory=reader.text(item, "territory", record, required=True, max_length=300),
            date=reader.date_field(item, "date", record, required=True) or date.min,
            is_demo=reader.boolean(item, "is_demo", record, demo_default),
        )
        unique(reader, seen_elections, election.slug, record, "duplicate_election")
        seen_candidates: set[str] = set()
        seen_pledges: set[str] = set()
        for c_index, raw_candidate in enumerate(reader.items(item, "candidates", record)):
            c_record = f"{record}.candidates[{c_index}]"
            if (c_item := reader.obj(raw_candidate, c_record)) is None:
                continue
            candidate = CandidateIn(
                record=c_record,
                slug=reader.slug(c_item, c_record, 120),
                name=reader.text(c_item, "name", c_record, required=True, max_length=300),
                list_name=reader.text(c_item, "list_name", c_record, max_length=300),
                elected=reader.boolean(c_item, "elected", c_record, False),
                office=reader.text(c_item, "office", c_record, max_length=300),
            )
            unique(reader, seen_candidates, candidate.slug, c_record, "duplicate_candidate")
            for p_index, raw_pledge in enumerate(reader.items(c_item, "pledges", c_record)):
                p_record = f"{c_record}.pledges[{p_index}]"
                if (p_item := reader.obj(raw_pledge, p_record)) is None:
                    continue
                pledge = validate_pledge(reader, p_item, p_record, today)
                unique(reader, seen_pledges, pledge.slug, p_record, "duplicate_pledge")
                if not reader.log.full:  # a failed import keeps no records, only counts
                    candidate.pledges.append(pledge)
            if not reader.log.full:
                election.candidates.append(candidate)
        if not reader.log.full:
            elections.append(election)
    return elections


def unique(reader: Reader, seen: set[str], slug: str, record: str, code: str) -> None:
    """Log `code` when `slug` was seen before in the same scope."""
    if not slug:
        return
    if slug in seen:
        reader.problem(record, "slug", code, slug=slug)
    seen.add(slug)


def validate_pledge(reader: Reader, item: Mapping[str, Any], record: str, today: date) -> PledgeIn:
    """One pledge record (from JSON or a CSV row) with its evidence and rulings."""
    include, exclude = _keywords(reader, item, record)
    pledge = PledgeIn(
        record=record,
        slug=reader.slug(item, record, 160),
        title=reader.text(item, "title", record, required=True, max_length=500),
        body=reader.text(item, "body", record),
        theme=_theme(reader, item, record),
        made_on=reader.date_field(item, "made_on", record, required=False),
        source_url=reader.url(item, "source_url", record, required=False),
        quote=reader.text(item, "quote", record),
        deadline=reader.date_field(item, "deadline", record, required=False),
        keywords_include=include,
        keywords_exclude=exclude,
    )
    pledge.evidence.extend(_evidence_list(reader, item, record))
    # Rulings may cite only the pledge's own evidence, by (cleaned) URL.
    evidence_urls = {evidence.url for evidence in pledge.evidence if evidence.url}
    pledge.history.extend(_history(reader, item, record, today, evidence_urls))
    return pledge


def _keywords(reader: Reader, item: Mapping[str, Any], record: str) -> tuple[list[str], list[str]]:
    """The feed-matching terms (include, exclude) of a pledge; none when absent."""
    keywords = item.get("keywords")
    include: list[str] = []
    exclude: list[str] = []
    if keywords is not None:
        if isinstance(keywords, dict):
            include = reader.strings(keywords.get("include"), record, "keywords.include")
            exclude = reader.strings(keywords.get("exclude"), record, "keywords.exclude")
        else:
            reader.problem(record, "keywords", "keywords_not_an_object")
    return include, exclude


def _evidence_list(reader: Reader, item: Mapping[str, Any], record: str) -> list[EvidenceIn]:
    """A pledge's evidence in file order; a URL given twice is a problem on the second."""
    found: list[EvidenceIn] = []
    urls: set[str] = set()
    for index, raw in enumerate(reader.items(item, "evidence", record)):
        e_record = f"{record}.evidence[{index}]"
        if (e_item := reader.obj(raw, e_record)) is None:
            continue
        evidence = _evidence(reader, e_item, e_record)
        if evidence.url in urls:
            reader.problem(e_record, "url", "duplicate_evidence_url")
        elif evidence.url:
            urls.add(evidence.url)
        found.append(evidence)
    return found


def _evidence(reader: Reader, e_item: Mapping[str, Any], e_record: str) -> EvidenceIn:
    return EvidenceIn(
        record=e_record,
        url=reader.url(e_item, "url", e_record, required=True),
        outlet=reader.text(e_item, "outlet", e_record, required=True, max_length=300),
        published_on=reader.date_field(e_item, "published_on", e_record, required=True) or date.min,
        kind=reader.enum(e_item, "kind", e_record, EvidenceKind, EvidenceKind.PRESS_ARTICLE)
        or EvidenceKind.PRESS_ARTICLE,
        title=reader.text(e_item, "title", e_record, max_length=500),
        quote=reader.text(e_item, "quote", e_record),
        note=reader.text(e_item, "note", e_record),
        stance=reader.enum(e_item, "stance", e_record, Stance, None) or Stance.CONTEXT,
    )


def _history(
    reader: Reader, item: Mapping[str, Any], record: str, today: date, evidence_urls: set[str]
) -> list[HistoryIn]:
    """A pledge's rulings in file order; one status on one date only once."""
    found: list[HistoryIn] = []
    rulings: set[tuple[PledgeStatus, date]] = set()
    for index, raw in enumerate(reader.items(item, "history", record)):
        h_record = f"{record}.history[{index}]"
        if (h_item := reader.obj(raw, h_record)) is None:
            continue
        to = reader.enum(h_item, "to", h_record, PledgeStatus, None)
        effective_on = reader.date_field(h_item, "effective_on", h_record, required=True)
        if effective_on and effective_on > today:
            reader.problem(h_record, "effective_on", "future_date")
        raw_cites = reader.items(h_item, "cites", h_record)
        cites = _cites(reader, raw_cites, h_record, evidence_urls)
        if to in VERDICTS and not raw_cites:
            reader.problem(h_record, "cites", "verdict_without_evidence", status=str(to))
        if to is not None and effective_on is not None:
            if (to, effective_on) in rulings:
                reader.problem(h_record, "effective_on", "duplicate_ruling")
            rulings.add((to, effective_on))
            rationale = reader.text(h_item, "rationale", h_record)
            found.append(HistoryIn(h_record, to, effective_on, rationale, cites))
    return found


def _cites(
    reader: Reader, raw_cites: list[Any], h_record: str, evidence_urls: set[str]
) -> list[str]:
    """The cleaned URLs a ruling cites; each must be one of the pledge's evidence URLs."""
    cites: list[str] = []
    for c_index, url in enumerate(raw_cites):
        if not isinstance(url, str) or not is_http_url(url):
            reader.problem(h_record, f"cites[{c_index}]", "not_a_url")
        elif clean_url(url) not in evidence_urls:
            reader.problem(h_record, f"cites[{c_index}]", "not_evidence_of_pledge")
        else:
            cites.append(clean_url(url))
    return cites


def _theme(reader: Reader, item: Mapping[str, Any], record: str) -> str:
    """A theme's name or slug, as written ("école", "Transports en commun", "climat").

    writing.py resolves it (pledges.themes.resolve_theme): an existing theme by
    slug or name, else a new theme of that name; here only what would make that fail.
    """
    value = reader.text(item, "theme", record, max_length=MAX_THEME_NAME)
    value = " ".join(value.split())
    if value and not slugify(value):
        reader.problem(record, "theme", "theme_no_letter")
    return value


def _themes(reader: Reader, root: Mapping[str, Any]) -> list[ThemeIn]:
    """The file's optional theme list: slugs with their French and English names."""
    found: list[ThemeIn] = []
    seen: set[str] = set()
    for index, raw in enumerate(reader.items(root, "themes", "file")):
        record = f"themes[{index}]"
        if (item := reader.obj(raw, record)) is None:
            continue
        theme = ThemeIn(
            record=record,
            slug=reader.slug(item, record, MAX_THEME_SLUG),
            name_fr=reader.text(item, "name_fr", record, required=True, max_length=MAX_THEME_NAME),
            name_en=reader.text(item, "name_en", record, max_length=MAX_THEME_NAME),
        )
        unique(reader, seen, theme.slug, record, "duplicate_theme")
        found.append(theme)
    return found
