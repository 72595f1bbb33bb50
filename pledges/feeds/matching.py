"""Matching feed items to pledges by keywords, through one combined index of all pledges.

Text and keywords are folded the same way (case, accents, ligatures), split into
words (hyphens, apostrophes and non-breaking spaces separate words, so
"caméra" never matches "caméraman") and reduced to a plural-tolerant form
(caméras → caméra, journaux → journal). Each item is tokenised once and looked up
in a dict from word to the keywords starting with it: the cost grows with the
item's length, not with the number of pledges. No database access here.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import nh3

from pledges.search import fold

_WORD = re.compile(r"[^\W_]+")
_URL = re.compile(r"(?:\bhttps?://|\bwww\.)\S+", re.I)
# pledges.search.fold, precomputed for the Latin letters of French text: folding
# character by character is most of the matching cost otherwise (bench/feeds.py).
_LATIN = {chr(c): fold(chr(c)) for c in range(0xC0, 0x250)}
_FOLD_TABLE = str.maketrans({c: f for c, f in _LATIN.items() if f.isascii() and f.isalpha()})


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A folded word without its French plural mark (symmetric: applied to text and keywords)."""
    if len(word) <= 3:
        return word
    if word.endswith("eaux"):
        return word[:-1]  # bateaux → bateau
    if word.endswith("aux"):
        return word[:-3] + "al"  # journaux → journal, canaux → canal
    if word.endswith(("eux", "oux")):
        return word[:-1]  # jeux → jeu, genoux → genou
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]  # caméras → caméra, moratoires → moratoire
    return word


def words(text: str) -> list[str]:
    """The plural-tolerant words of plain text, in order (folded as pledges.search.fold does)."""
    result = []
    for word in _WORD.findall(text.translate(_FOLD_TABLE).lower()):
        if word.isascii():
            result.append(stem(word))
        else:  # other scripts, ligatures, odd letters: the full fold
            result.extend(stem(w) for w in _WORD.findall(fold(word)))
    return result


def visible_text(html_text: str) -> str:
    """What a reader sees: markup stripped (script/style content dropped), URLs removed."""
    if "<" in html_text or "&" in html_text:
        html_text = html.unescape(nh3.clean(html_text, tags=set()))
    return _URL.sub(" ", html_text)


@dataclass(frozen=True)
class Term:
    pledge_id: int
    text: str  # as the editor wrote it, recorded in Suggestion.matched_terms
    words: tuple[str, ...]
    exclude: bool


@dataclass
class KeywordIndex:
    """All pledges' include and exclude terms, keyed by their first word."""

    by_first_word: dict[str, list[Term]] = field(default_factory=lambda: defaultdict(list))
    # The order of each pledge's include terms, so matched_terms reads like the pledge.
    order: dict[tuple[int, str], int] = field(default_factory=dict)

    @classmethod
    def build(cls, pledges: Iterable[tuple[int, list[str], list[str]]]) -> KeywordIndex:
        """From (pledge_id, includes, excludes); a quoted or multi-word term is a phrase."""
        index = cls()
        for pledge_id, includes, excludes in pledges:
            for position, raw in enumerate(includes or []):
                index._add(pledge_id, raw, exclude=False, position=position)
            for raw in excludes or []:
                index._add(pledge_id, raw, exclude=True, position=0)
        return index

    def _add(self, pledge_id: int, raw: str, *, exclude: bool, position: int) -> None:
        text = str(raw).strip().strip("\"'«»“”").strip()
        term_words = tuple(words(text))
        if not term_words:
            return
        term = Term(pledge_id, text, term_words, exclude)
        self.by_first_word[term_words[0]].append(term)
        if not exclude:
            self.order.setdefault((pledge_id, text), position)

    def __len__(self) -> int:
        return sum(len(terms) for terms in self.by_first_word.values())

    def match_words(self, item_words: list[str]) -> dict[int, list[str]]:
        """pledge id → include terms found, for pledges with no exclude term found."""
        positions: dict[str, list[int]] = defaultdict(list)
        for i, word in enumerate(item_words):
            positions[word].append(i)
        included: dict[int, set[str]] = defaultdict(set)
        excluded: set[int] = set()
        for word, starts in positions.items():
            for term in self.by_first_word.get(word, ()):
                if not _occurs(term.words, starts, item_words):
                    continue
                if term.exclude:
                    excluded.add(term.pledge_id)
                else:
                    included[term.pledge_id].add(term.text)
        return {
            pledge_id: self._in_order(pledge_id, found)
            for pledge_id, found in included.items()
            if pledge_id not in excluded
        }

    def _in_order(self, pledge_id: int, found: set[str]) -> list[str]:
        """The terms found, in the order the pledge lists them (then alphabetically)."""
        return [term for _, term in sorted((self.order.get((pledge_id, t), 0), t) for t in found)]

    def match(self, title: str, summary_html: str = "") -> dict[int, list[str]]:
        """Match the visible text of an item's title and summary (one pass over its words)."""
        # The empty word keeps a phrase from spanning the end of the title and the summary.
        item_words = [*words(visible_text(title)), "", *words(visible_text(summary_html))]
        return self.match_words(item_words)


def _occurs(term_words: tuple[str, ...], starts: list[int], item_words: list[str]) -> bool:
    if len(term_words) == 1:
        return True
    n = len(term_words)
    return any(tuple(item_words[s : s + n]) == term_words for s in starts)
