"""Matching that catches up: stored items matched again when a pledge's keywords change,
and the keywords preview (which stored items given keywords would match, highlighted).

The poller calls `catch_up` every round: it compares each pledge's keywords with
the fingerprint it was last matched with (PledgeMatch), so a new pledge or new
keywords, from any write path, are matched against the items of the last
FEEDS_REMATCH_DAYS days. Every pair is suggested once: an existing suggestion of
the same item and pledge, whatever its state (dismissed ones included), is never
made again. Bounded: a batch of pledges and a number of items per round.
Flushes, never commits. No network here.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, insert
from sqlmodel import Session, col, select

from models import Feed, FeedItem, Pledge, PledgeMatch, Suggestion
from models.enums import SuggestionState
from pledges.archiving import visible_pledges
from pledges.audit import Actor, AuditAction, log_change
from pledges.feeds.matching import _WORD, KeywordIndex, visible_text, words

PLEDGES_PER_ROUND = 200  # pledges caught up per poller round (one scan of the items for all)
MAX_ITEMS_SCANNED = 20_000  # newest stored items read per catch-up or preview
PREVIEW_LIMIT = 20  # articles listed by the keywords preview
PREVIEW_SCAN = 5_000  # newest items the live preview reads (it runs while an editor types)
IN_CHUNK = 500
# As at ingestion: an article matching more pledges than this says little about any of them.
MAX_SUGGESTIONS_PER_ITEM = 10


def keywords_hash(includes: Sequence[str] | None, excludes: Sequence[str] | None) -> str:
    """A fingerprint of a pledge's keywords; no include term means nothing to match."""
    payload = json.dumps([list(includes or []), list(excludes or [])], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass
class CatchUpReport:
    pledges: list[int] = field(default_factory=list)
    items_scanned: int = 0
    suggestions: int = 0


@dataclass(frozen=True)
class StoredText:
    id: int
    title: str
    summary_html: str


def list_pledges_to_catch_up(
    session: Session, *, limit: int = PLEDGES_PER_ROUND
) -> list[tuple[int, list[str], list[str], str]]:
    """(pledge id, includes, excludes, fingerprint) of pledges whose keywords changed
    since they were last matched, oldest pledge first (two queries)."""
    done = dict(session.exec(select(PledgeMatch.pledge_id, PledgeMatch.keywords_hash)).all())
    rows = session.exec(
        select(col(Pledge.id), col(Pledge.keywords_include), col(Pledge.keywords_exclude))
        .where(visible_pledges())
        .order_by(col(Pledge.id))
    ).all()
    pending = []
    for pledge_id, includes, excludes in rows:
        fingerprint = keywords_hash(includes, excludes)
        if pledge_id is not None and done.get(pledge_id) != fingerprint:
            pending.append((pledge_id, list(includes or []), list(excludes or []), fingerprint))
            if len(pending) >= limit:
                break
    return pending


def list_recent_texts(
    session: Session, *, since: datetime, limit: int = MAX_ITEMS_SCANNED
) -> list[StoredText]:
    """The newest stored items first seen since `since`, of feeds not deleted (one query).

    Only what matching reads: the dates of the few items that match are read after."""
    rows = session.exec(
        select(col(FeedItem.id), col(FeedItem.title), col(FeedItem.summary_html))
        .join(Feed, col(Feed.id) == col(FeedItem.feed_id))
        .where(col(Feed.deleted_at).is_(None), col(FeedItem.first_seen_at) >= since)
        .order_by(col(FeedItem.id).desc())
        .limit(limit)
    ).all()
    return [StoredText(item_id, title, summary) for item_id, title, summary in rows if item_id]


def _item_dates(session: Session, item_ids: list[int]) -> dict[int, datetime]:
    """Each item's date as the queue orders it: published, else first seen."""
    dates: dict[int, datetime] = {}
    for start in range(0, len(item_ids), IN_CHUNK):
        chunk = item_ids[start : start + IN_CHUNK]
        for item_id, published, seen in session.exec(
            select(col(FeedItem.id), col(FeedItem.published_at), col(FeedItem.first_seen_at)).where(
                col(FeedItem.id).in_(chunk)
            )
        ).all():
            if item_id is not None:
                dates[item_id] = published or seen
    return dates


_TAG = re.compile(r"<[^>]*>")


def _quick_fold(text: str) -> str:
    """Lower-case ASCII with accents and compatibility forms (ligatures such as "ﬁ",
    full-width letters) undone, tags and entities removed: a superset of what
    matching.words reads, so a start it finds is found here too."""
    if "<" in text:
        text = _TAG.sub("", text)  # nothing in their place, as matching.visible_text does
    if "&" in text:
        text = html.unescape(text)
    if not text.isascii():
        for letter, plain in (("œ", "oe"), ("Œ", "oe"), ("æ", "ae"), ("Æ", "ae"), ("ß", "ss")):
            text = text.replace(letter, plain)
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return text.lower()


class QuickFilter:
    """A necessary condition for a match, far cheaper than tokenising: the quickly folded
    text contains the start of some include term's first word.

    The start is the plural-tolerant form less its last two letters, so every plural
    `stem` accepts (journaux → journal, caméras → caméra) still contains it.
    """

    def __init__(self, includes: Iterable[str]) -> None:
        starts = set()
        for term in includes:
            term_words = words(str(term).strip().strip("\"'«»“”"))
            if term_words:
                first = term_words[0]
                starts.add(first[:-2] if len(first) > 4 else first)
        self.starts = sorted(starts)

    def may_match(self, title: str, summary_html: str) -> bool:
        text = _quick_fold(f"{title} {summary_html}")
        return any(start in text for start in self.starts)


def match_texts(
    index: KeywordIndex, texts: Iterable[StoredText], quick: QuickFilter | None = None
) -> list[tuple[StoredText, dict[int, list[str]]]]:
    """Each text with the pledges it matches (texts matching none left out). No database."""
    found = []
    for text in texts:
        if quick is not None and not quick.may_match(text.title, text.summary_html):
            continue
        matches = index.match(text.title, text.summary_html)
        if matches:
            found.append((text, matches))
    return found


def catch_up(
    session: Session,
    *,
    now: datetime,
    days: int,
    actor: Actor = "feeds",
    pledges_per_round: int = PLEDGES_PER_ROUND,
    max_items: int = MAX_ITEMS_SCANNED,
) -> CatchUpReport:
    """Match the pledges whose keywords changed against recent items; new suggestions once each.

    Records each pledge's fingerprint, so the next round leaves it alone until
    its keywords change again. Flushes.
    """
    report = CatchUpReport()
    pending = list_pledges_to_catch_up(session, limit=pledges_per_round)
    if not pending:
        return report
    report.pledges = [pledge_id for pledge_id, *_ in pending]
    index = KeywordIndex.build((pid, inc, exc) for pid, inc, exc, _ in pending if inc)
    if len(index):
        texts = list_recent_texts(session, since=now - timedelta(days=days), limit=max_items)
        report.items_scanned = len(texts)
        quick = QuickFilter(term for _, inc, _, _ in pending for term in inc)
        found = match_texts(index, texts, quick)
        report.suggestions = _suggest(session, found, now=now)
    _record_fingerprints(session, pending, now)
    log_change(
        session,
        actor=actor,
        action=AuditAction.FEED_ITEMS_REMATCHED,
        object_type="pledge",
        object_id=report.pledges[0] if len(report.pledges) == 1 else None,
        after={
            "pledges": report.pledges,
            "items_scanned": report.items_scanned,
            "suggestions": report.suggestions,
        },
        now=now,
    )
    session.flush()
    return report


def _suggest(
    session: Session, found: list[tuple[StoredText, dict[int, list[str]]]], *, now: datetime
) -> int:
    """Insert the pairs not suggested before, keeping each item under the per-item cap."""
    item_ids = [text.id for text, _ in found]
    dates = _item_dates(session, item_ids)
    existing: dict[int, set[int]] = {}
    for start in range(0, len(item_ids), IN_CHUNK):
        chunk = item_ids[start : start + IN_CHUNK]
        for item_id, pledge_id in session.exec(
            select(Suggestion.feed_item_id, Suggestion.pledge_id).where(
                col(Suggestion.feed_item_id).in_(chunk)
            )
        ).all():
            existing.setdefault(item_id, set()).add(pledge_id)
    rows = []
    for text, matches in found:
        already = existing.get(text.id, set())
        room = MAX_SUGGESTIONS_PER_ITEM - len(already)
        ranked = sorted(matches.items(), key=lambda match: (-len(match[1]), match[0]))
        for pledge_id, terms in ranked:
            if room <= 0:
                break
            if pledge_id in already:
                continue
            rows.append(
                {
                    "feed_item_id": text.id,
                    "pledge_id": pledge_id,
                    "matched_terms": terms,
                    "state": SuggestionState.NEW,
                    "item_date": dates[text.id],
                    "created_at": now,
                }
            )
            room -= 1
    if rows:
        session.execute(insert(Suggestion), rows)
    return len(rows)


def _record_fingerprints(
    session: Session, pending: list[tuple[int, list[str], list[str], str]], now: datetime
) -> None:
    ids = [pledge_id for pledge_id, *_ in pending]
    rows = {row.pledge_id: row for row in session.exec(
        select(PledgeMatch).where(col(PledgeMatch.pledge_id).in_(ids))
    ).all()}  # fmt: skip
    for pledge_id, _inc, _exc, fingerprint in pending:
        row = rows.get(pledge_id)
        if row is None:
            session.add(PledgeMatch(pledge_id=pledge_id, keywords_hash=fingerprint, matched_at=now))
        else:
            row.keywords_hash = fingerprint
            row.matched_at = now
            session.add(row)


def count_pledges_to_catch_up(session: Session) -> int:
    """How many pledges wait for a catch-up (the poller does it within a round)."""
    return len(list_pledges_to_catch_up(session, limit=10_000))


# --- The keywords preview -------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    text: str
    matched: bool


@dataclass
class PreviewRow:
    item: FeedItem
    feed: Feed
    terms: list[str]
    title: list[Segment]
    excerpt: list[Segment]


@dataclass
class Preview:
    rows: list[PreviewRow]
    scanned: int
    more: bool  # more than the list shows


def preview_matches(
    session: Session,
    includes: Sequence[str],
    excludes: Sequence[str],
    *,
    now: datetime,
    days: int,
    limit: int = PREVIEW_LIMIT,
    max_items: int = PREVIEW_SCAN,
) -> Preview:
    """The newest stored items the given keywords would match, with matched words marked."""
    index = KeywordIndex.build([(0, list(includes), list(excludes))])
    if not len(index) or not includes:
        return Preview([], 0, False)
    texts = list_recent_texts(session, since=now - timedelta(days=days), limit=max_items)
    found = match_texts(index, texts, QuickFilter(includes))
    shown = found[:limit]
    items = {
        item.id: (item, feed)
        for item, feed in session.exec(
            select(FeedItem, Feed)
            .join(Feed, col(Feed.id) == col(FeedItem.feed_id))
            .where(col(FeedItem.id).in_([text.id for text, _ in shown]))
        ).all()
    }
    term_words = [tuple(words(term)) for term in includes]
    term_words = [t for t in term_words if t]
    rows = []
    for text, matches in shown:
        item, feed = items[text.id]
        plain = " ".join(visible_text(item.summary_html).split())
        rows.append(
            PreviewRow(
                item=item,
                feed=feed,
                terms=matches.get(0, []),
                title=highlight(item.title, term_words),
                excerpt=highlight(excerpt(plain, term_words), term_words),
            )
        )
    return Preview(rows, len(texts), len(found) > limit)


def _word_spans(text: str) -> list[tuple[str, int, int]]:
    """(matching form, start, end) of each word, with the offsets of the original text."""
    spans = []
    for found in _WORD.finditer(text):
        for form in words(found.group()):
            spans.append((form, found.start(), found.end()))
    return spans


def _matched_ranges(text: str, terms: Sequence[tuple[str, ...]]) -> list[tuple[int, int]]:
    spans = _word_spans(text)
    forms = [form for form, _, _ in spans]
    ranges = []
    for term in terms:
        n = len(term)
        for i in range(len(forms) - n + 1):
            if tuple(forms[i : i + n]) == term:
                ranges.append((spans[i][1], spans[i + n - 1][2]))
    ranges.sort()
    merged: list[tuple[int, int]] = []
    for start, end in ranges:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, terms: Sequence[tuple[str, ...]]) -> list[Segment]:
    """The text cut into plain and matched segments (the views mark the matched ones)."""
    segments = []
    position = 0
    for start, end in _matched_ranges(text, terms):
        if start > position:
            segments.append(Segment(text[position:start], False))
        segments.append(Segment(text[start:end], True))
        position = end
    if position < len(text):
        segments.append(Segment(text[position:], False))
    return segments


def excerpt(text: str, terms: Sequence[tuple[str, ...]], *, width: int = 300) -> str:
    """About `width` characters of the text around its first match (the start when none)."""
    if len(text) <= width:
        return text
    ranges = _matched_ranges(text, terms)
    start = max(0, ranges[0][0] - width // 3) if ranges else 0
    end = min(len(text), start + width)
    cut = text[start:end]
    return ("…" if start else "") + cut + ("…" if end < len(text) else "")


def count_recent_items(session: Session, *, since: datetime) -> int:
    """Stored items first seen since `since` (for the preview's "among N articles")."""
    return session.exec(
        select(func.count()).select_from(FeedItem).where(col(FeedItem.first_seen_at) >= since)
    ).one()
