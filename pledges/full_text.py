"""Full-text search over pledges: what a query asks for, the SQL that finds and ranks the
pledges on PostgreSQL or SQLite (the index itself is models.full_text), and highlighted
snippets. No Flask.

A query is made of its words, analysed as the index analyses text (accents and case
folded, French stop words dropped, Snowball stems), on both databases alike: the
query is never handed to a database's own query parser, so quotes, `*`, `NEAR`, `-`
or `OR` typed by a visitor are words or nothing, never syntax. Every word must be
found (AND); a word matches the words of the same stem ("caméras" finds "caméra"),
its singular's ("vidéos" finds "vidéo"), and, from three letters on, the words that
begin with it ("vidéo" finds "vidéosurveillance", a word being typed finds).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Subquery, cast, column, func, literal, select, table
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import literal_column
from sqlmodel import col

from models import Pledge
from models.full_text import WEIGHTS, Token, lexeme_of, tokenize

MAX_TERMS = 10  # words of a query that count (a bound on the SQL it makes)
MAX_QUERY_CHARS = 1000  # of a query read at all (the pages and the API allow 200)
MIN_PREFIX = 3  # shorter words match whole words only
SNIPPET_CHARS = 200  # about two lines of text around the first match


@dataclass(frozen=True)
class Term:
    """One word of a query: any of `lexemes`, or a lexeme that starts with `prefix`."""

    lexemes: tuple[str, ...]
    prefix: str | None = None

    def matches(self, lexeme: str) -> bool:
        return lexeme in self.lexemes or bool(self.prefix and lexeme.startswith(self.prefix))


@dataclass(frozen=True)
class Query:
    """A parsed query: every term must match (empty: nothing to search for)."""

    terms: tuple[Term, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.terms)

    def matches(self, lexeme: str) -> bool:
        return any(term.matches(lexeme) for term in self.terms)

    def tsquery(self) -> str:
        """The PostgreSQL tsquery, lexemes quoted: `('camer' | 'camera':*) & ...`."""
        return self._render(
            lambda x: "'" + x.replace("\\", "\\\\").replace("'", "''") + "'", ":*", "|", "&"
        )

    def fts5(self) -> str:
        """The FTS5 query, lexemes quoted as strings: `("camer" OR "camera"*) AND ...`."""
        return self._render(lambda x: '"' + x.replace('"', '""') + '"', "*", "OR", "AND")

    def _render(self, quote: Callable[[str], str], prefix: str, any_of: str, all_of: str) -> str:
        def term(t: Term) -> str:
            options = [quote(x) for x in t.lexemes]
            if t.prefix:
                options.append(quote(t.prefix) + prefix)
            return "(" + f" {any_of} ".join(options) + ")"

        return f" {all_of} ".join(term(t) for t in self.terms)


def _term(token: Token) -> Term | None:
    if not token.lexeme:  # a word that folds to nothing ("ͺ", "ﾞ"): no term, not ''
        return None
    lexemes = [token.lexeme]
    word = token.folded
    has_letter = any(c.isalpha() for c in word)
    if has_letter and not any(c.isdigit() for c in word) and len(word) > 3 and word[-1] in "sx":
        singular = lexeme_of(word[:-1])
        if singular and singular not in lexemes:
            lexemes.append(singular)
    prefix = word if has_letter and len(word) >= MIN_PREFIX else None
    return Term(tuple(lexemes), prefix)


def parse_query(text: str) -> Query:
    """The terms of what a visitor typed; hyphenated words count by their parts (so
    "vidéo-surveillance" also finds "vidéo surveillance")."""
    normalised = unicodedata.normalize("NFC", text[:MAX_QUERY_CHARS].replace("\x00", " "))
    terms: list[Term] = []
    for token in tokenize(normalised):
        if "-" in token.folded.lstrip("-"):
            continue  # a whole hyphenated word: its parts follow
        term = _term(token)
        if term is not None and term not in terms:
            terms.append(term)
    return Query(tuple(terms[:MAX_TERMS]))


# --- SQL ------------------------------------------------------------------------------------

_PG_INDEX = table("pledge_search", column("pledge_id"), column("document"))
_FTS = table("pledge_fts", column("rowid"))
# ts_rank's weights are given in the order D, C, B, A.
_PG_WEIGHTS: ColumnElement[Any] = literal_column(
    f"'{{{', '.join(str(w) for w in reversed(WEIGHTS))}}}'::real[]"
)


class _FullText(ColumnElement[Any]):
    # Compiled per dialect below. The query is held outside SQLAlchemy's cache key, so
    # statements holding it are compiled each time rather than cached wrongly.
    inherit_cache = False

    def __init__(self, query: Query) -> None:
        self.query = query


class PledgeMatches(_FullText):
    """True for the pledges (Pledge rows of the statement) holding every term of the query."""

    inherit_cache = False
    type = Boolean()


def _fts5_match(query: Query) -> ColumnElement[bool]:
    return literal_column("pledge_fts").op("MATCH", return_type=Boolean())(literal(query.fts5()))


def _pg_query(query: Query) -> ColumnElement[Any]:
    return cast(literal(query.tsquery()), TSQUERY)


def _pg_match(query: Query) -> ColumnElement[bool]:
    return _PG_INDEX.c.document.bool_op("@@")(_pg_query(query))


@compiles(PledgeMatches, "postgresql")
def _pg_matches(element: PledgeMatches, compiler: SQLCompiler, **kw: Any) -> str:
    ids = select(_PG_INDEX.c.pledge_id).where(_pg_match(element.query))
    return compiler.process(col(Pledge.id).in_(ids), **kw)


@compiles(PledgeMatches, "sqlite")
def _sqlite_matches(element: PledgeMatches, compiler: SQLCompiler, **kw: Any) -> str:
    ids = select(_FTS.c.rowid).where(_fts5_match(element.query))
    return compiler.process(col(Pledge.id).in_(ids), **kw)


def ranked_matches(dialect: str, query: Query) -> Subquery:
    """(pledge_id, rank) of every pledge that matches, a higher rank for a better match: one
    lookup in the index, to join to Pledge."""
    if dialect == "postgresql":
        # Normalisation 1 divides by 1 + log(length): long documents weigh a little less,
        # as with SQLite's bm25().
        rank = func.ts_rank(_PG_WEIGHTS, _PG_INDEX.c.document, _pg_query(query), 1)
        found = select(_PG_INDEX.c.pledge_id.label("pledge_id"), rank.label("rank"))
        return found.where(_pg_match(query)).subquery("ranked")
    # bm25() is lower for better matches.
    score = -func.bm25(literal_column("pledge_fts"), *WEIGHTS)
    found = select(_FTS.c.rowid.label("pledge_id"), score.label("rank")).select_from(_FTS)
    return found.where(_fts5_match(query)).subquery("ranked")


# --- Snippets -------------------------------------------------------------------------------

Fragment = tuple[str, bool]  # a piece of text, and whether it is a matched word


def _matched_spans(text: str, query: Query) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for token in tokenize(text):
        if token.lexeme and query.matches(token.lexeme):
            if spans and token.start < spans[-1][1]:
                spans[-1] = (spans[-1][0], max(spans[-1][1], token.end))
            else:
                spans.append((token.start, token.end))
    return spans


def _fragments(text: str, spans: list[tuple[int, int]], start: int, end: int) -> list[Fragment]:
    parts: list[Fragment] = []
    position = start
    for a, b in spans:
        if b <= start or a >= end:
            continue
        if a > position:
            parts.append((text[position:a], False))
        parts.append((text[max(a, start) : min(b, end)], True))
        position = min(b, end)
    if position < end:
        parts.append((text[position:end], False))
    return parts


def snippet(text: str, query: Query, *, chars: int = SNIPPET_CHARS) -> list[Fragment] | None:
    """About `chars` characters of `text` around its first matched word, that word and the
    others marked, "…" where cut; None when nothing in it matches."""
    text = " ".join(unicodedata.normalize("NFC", text).split())
    spans = _matched_spans(text, query)
    if not spans:
        return None
    first = spans[0][0]
    start = max(0, first - chars // 3)
    if start:
        space = text.find(" ", start, first)
        start = space + 1 if space >= 0 else first
    end = min(len(text), max(start + chars, spans[0][1]))
    if end < len(text):
        space = text.rfind(" ", spans[0][1], end)
        end = space if space >= 0 else end
    parts = _fragments(text, spans, start, end)
    if start:
        parts.insert(0, ("… ", False))
    if end < len(text):
        parts.append((" …", False))
    return parts
