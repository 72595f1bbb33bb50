"""The full-text index of pledges, kept by the database itself on every write.

One document per pledge: its title (weight A), its body (B), the titles and quotes
of its *published* evidence (C) and its candidate's name (D). PostgreSQL keeps it in
`pledge_search` (a `tsvector`, GIN index) through triggers, with a French text search
configuration that removes accents (`unaccent`) before the Snowball French stemmer.
SQLite keeps it in the FTS5 table `pledge_fts` through triggers that call
`search_lexemes()`, a function every connection registers (`models.db.make_engine`):
it turns text into the lexemes PostgreSQL would make (same parser rules for words,
hyphenated words and numbers, same stop words, the same Snowball stemmer), so that a
query finds the same pledges on both databases.

Neither object is a model: the tests' `create_all` makes them through the metadata's
DDL events below, migration 0009 through `create_full_text`. A migration that
recreates `pledge`, `evidence` or `candidate` on SQLite (Alembic's batch mode) drops
their triggers: it must call `drop_full_text` before and `create_full_text` after.
No Flask here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import snowballstemmer
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

# PostgreSQL's own list (share/tsearch_data/french.stop, from the Snowball project), so
# that both databases drop the same words.
STOP_WORDS = frozenset((Path(__file__).with_name("french.stop")).read_text("utf-8").split())
# The parts of a document that are indexed, bounded so that a huge body cannot make a
# tsvector past PostgreSQL's 1 MB limit (the same bounds on both databases).
MAX_BODY_CHARS = 100_000
MAX_EVIDENCE_CHARS = 100_000
# PostgreSQL ignores longer words ("word is too long to be indexed").
MAX_WORD_BYTES = 2047
# Rank weights: title, body, published evidence, candidate name (PostgreSQL's A, B, C, D).
WEIGHTS = (1.0, 0.4, 0.2, 0.1)

# Tables and shadow tables that are no model's (Alembic's comparisons leave them out).
FULL_TEXT_TABLES = frozenset(
    {"pledge_search"}
    | {f"pledge_fts{suffix}" for suffix in ("", "_data", "_idx", "_content", "_docsize", "_config")}
)


def fold(text: str) -> str:
    """Lower-case, strip accents, turn ligatures and odd spaces into plain letters."""
    text = text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    # The pinned snowballstemmer (2.2.0) is the Snowball version PostgreSQL 15 ships:
    # tests/pledges/test_full_text.py compares them word by word on PostgreSQL.
    return snowballstemmer.stemmer("french")


@lru_cache(maxsize=50_000)
def lexeme_of(folded: str) -> str | None:
    """The lexeme of one folded word, as PostgreSQL's configuration makes it: words with
    a digit are kept as they are (its `simple` dictionary), stop words give None, other
    words their Snowball stem."""
    if any(c.isdigit() for c in folded):
        return folded
    if folded in STOP_WORDS:
        return None
    return str(_stemmer().stemWord(folded))


@dataclass(frozen=True)
class Token:
    """A word of a text: where it is, its folded form and its lexeme (None: a stop word)."""

    start: int
    end: int
    folded: str
    lexeme: str | None


# What PostgreSQL's default parser skips (tags, and the content of script and style
# elements), numbers with a decimal point, chains of words joined by hyphens, and
# signed integers. Everything else separates words. Of a script or style element,
# only the start of its opening tag is matched here; tokenize finds the rest (the
# tag's ">", the element's end) with searches whose results it remembers: one pattern
# for it all scanned the rest of the text again from every unclosed opening, a
# quadratic time on a text of them.
_TOKENS = (
    r"(?P<skip></?[A-Za-z][^<>]*>)"
    r"|(?P<float>\d+(?:\.\d+)+)"
    r"|(?P<chain>[^\W_]+(?:-[^\W_]+)*)"
    r"|(?P<signed>-\d+)(?![^\W_])"
)
_SCANNER = re.compile(
    r"(?P<open><(?P<element>script|style)\b)|" + _TOKENS, re.IGNORECASE | re.DOTALL
)
_OTHER_THAN_OPEN = re.compile(_TOKENS, re.IGNORECASE | re.DOTALL)


@lru_cache(maxsize=64)
def _element_end(element: str) -> re.Pattern[str]:
    """The end tag of the element opened as `element` (as written: case-insensitive
    matching also takes look-alike letters, "ſcript" or "scrİpt")."""
    return re.compile(rf"</{re.escape(element)}\s*>", re.IGNORECASE)


def _word(text: str, start: int, end: int) -> Token:
    folded = fold(text[start:end])
    return Token(start, end, folded, lexeme_of(folded))


def _chain(text: str, start: int, end: int) -> Iterator[Token]:
    """Hyphenated words as PostgreSQL's parser reads them: "vidéo-surveillance" is the
    whole word and its two parts; a number part ends the chain ("covid-19" is "covid"
    and the integer "-19"); a chain never starts with a number ("12-abc")."""
    spans: list[tuple[int, int]] = []
    position = start
    for part in text[start:end].split("-"):
        spans.append((position, position + len(part)))
        position += len(part) + 1
    group: list[tuple[int, int]] = []

    def close() -> Iterator[Token]:
        if len(group) > 1:
            whole = fold(text[group[0][0] : group[-1][1]])
            numeric = any(c.isdigit() for c in whole)
            lexeme = whole if numeric else lexeme_of(whole)
            yield Token(group[0][0], group[-1][1], whole, lexeme)
        for a, b in group:
            yield _word(text, a, b)
        group.clear()

    for index, (a, b) in enumerate(spans):
        if text[a:b].isdigit():
            yield from close()
            # After a word or a number, "-12" is a signed integer; first, a plain one.
            yield _word(text, a - 1 if index else a, b)
        else:
            group.append((a, b))
    yield from close()


def tokenize(text: str) -> list[Token]:
    """The words of `text` (NFC-normalised, as the offsets refer to), in order."""
    tokens: list[Token] = []
    # What was found once holds for every later position (they only move forward):
    # the next ">" (-1: none left), and the elements with no end after some point.
    next_close = 0
    unclosed: set[str] = set()
    position = 0
    while (match := _SCANNER.search(text, position)) is not None:
        if match.lastgroup in ("open", "element"):
            if next_close != -1 and next_close < match.end():
                next_close = text.find(">", match.end())
            element = match.group("element").lower()
            end = None
            if next_close != -1 and element not in unclosed:
                end = _element_end(element).search(text, next_close + 1)
                if end is None:
                    unclosed.add(element)
            if end is not None:
                position = end.end()  # the element and its content: skipped
                continue
            # No end: as a lone tag, like any other (what the one pattern found then).
            found = _OTHER_THAN_OPEN.match(text, match.start())
            if found is None:
                position = match.start() + 1
                continue
            match = found
        position = match.end()
        kind = match.lastgroup
        if kind == "skip":
            continue
        if kind == "chain":
            tokens.extend(_chain(text, match.start(), match.end()))
        else:
            tokens.append(_word(text, match.start(), match.end()))
    return [t for t in tokens if len(t.folded.encode()) <= MAX_WORD_BYTES]


def search_lexemes(value: str | None) -> str:
    """The lexemes of a text joined by spaces: what SQLite's index stores."""
    if not value:
        return ""
    normalised = unicodedata.normalize("NFC", value)
    return " ".join(t.lexeme for t in tokenize(normalised) if t.lexeme)


def register_sqlite_functions(dbapi_connection: Any) -> None:
    """Give a SQLite connection the function its full-text triggers call."""
    dbapi_connection.create_function("search_lexemes", 1, search_lexemes, deterministic=True)


# --- PostgreSQL ---------------------------------------------------------------------------

# Every piece of SQL text here is built from this module's constants, never from input.
_PG_DOCUMENT = f"""
SELECT setweight(to_tsvector('pledge_search_fr', p.title), 'A')
    || setweight(to_tsvector('pledge_search_fr', left(p.body, {MAX_BODY_CHARS})), 'B')
    || setweight(to_tsvector('pledge_search_fr', left(coalesce((
           SELECT string_agg(e.title || ' ' || e.quote, ' ' ORDER BY e.id)
           FROM evidence e WHERE e.pledge_id = p.id AND e.state = 'published'
       ), ''), {MAX_EVIDENCE_CHARS})), 'C')
    || setweight(to_tsvector('pledge_search_fr', c.name), 'D')
FROM pledge p JOIN candidate c ON c.id = p.candidate_id
WHERE p.id = pledge_key
"""  # noqa: S608

PG_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE TEXT SEARCH CONFIGURATION pledge_search_fr (COPY = french)",
    # Accents go before the stemmer ("vidéo" and "video" are one lexeme), for words
    # and for words with digits ("12ème").
    "ALTER TEXT SEARCH CONFIGURATION pledge_search_fr"
    " ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem",
    "ALTER TEXT SEARCH CONFIGURATION pledge_search_fr"
    " ALTER MAPPING FOR numword, numhword, hword_numpart WITH unaccent, simple",
    "CREATE TABLE pledge_search ("
    " pledge_id INTEGER PRIMARY KEY REFERENCES pledge (id) ON DELETE CASCADE,"
    " document TSVECTOR NOT NULL)",
    "CREATE INDEX ix_pledge_search_document ON pledge_search USING GIN (document)",
    "CREATE FUNCTION pledge_search_document(pledge_key INTEGER) RETURNS TSVECTOR"
    f" LANGUAGE sql STABLE AS $$ {_PG_DOCUMENT} $$",
    "CREATE FUNCTION pledge_search_refresh(pledge_key INTEGER) RETURNS VOID LANGUAGE sql AS $$"
    " INSERT INTO pledge_search (pledge_id, document)"
    " SELECT id, pledge_search_document(id) FROM pledge WHERE id = pledge_key"
    " ON CONFLICT (pledge_id) DO UPDATE SET document = EXCLUDED.document $$",
    """CREATE FUNCTION pledge_search_on_pledge() RETURNS TRIGGER LANGUAGE plpgsql AS $$
    BEGIN PERFORM pledge_search_refresh(NEW.id); RETURN NULL; END $$""",
    """CREATE FUNCTION pledge_search_on_evidence() RETURNS TRIGGER LANGUAGE plpgsql AS $$
    BEGIN
        -- Only published evidence is indexed: a submission or a rejection changes nothing.
        IF TG_OP <> 'INSERT' AND OLD.state = 'published' THEN
            PERFORM pledge_search_refresh(OLD.pledge_id);
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.state = 'published'
           AND (TG_OP = 'INSERT' OR OLD.state <> 'published' OR OLD.pledge_id <> NEW.pledge_id
                OR OLD.title <> NEW.title OR OLD.quote <> NEW.quote) THEN
            PERFORM pledge_search_refresh(NEW.pledge_id);
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION pledge_search_on_candidate() RETURNS TRIGGER LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE pledge_search SET document = pledge_search_document(pledge_id)
        WHERE pledge_id IN (SELECT id FROM pledge WHERE candidate_id = NEW.id);
        RETURN NULL;
    END $$""",
    # Inserts are indexed once per statement (transition tables): a bulk insert of
    # 20,000 evidence items refreshes each of their pledges once, not once per row.
    """CREATE FUNCTION pledge_search_on_pledge_insert() RETURNS TRIGGER LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO pledge_search (pledge_id, document)
        SELECT id, pledge_search_document(id) FROM new_pledges
        ON CONFLICT (pledge_id) DO UPDATE SET document = EXCLUDED.document;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION pledge_search_on_evidence_insert() RETURNS TRIGGER LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO pledge_search (pledge_id, document)
        SELECT key, pledge_search_document(key)
        FROM (SELECT DISTINCT pledge_id AS key FROM new_evidence WHERE state = 'published') AS k
        ON CONFLICT (pledge_id) DO UPDATE SET document = EXCLUDED.document;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER pledge_search_pledge AFTER UPDATE OF title, body, candidate_id"
    " ON pledge FOR EACH ROW EXECUTE FUNCTION pledge_search_on_pledge()",
    "CREATE TRIGGER pledge_search_evidence"
    " AFTER DELETE OR UPDATE OF title, quote, state, pledge_id"
    " ON evidence FOR EACH ROW EXECUTE FUNCTION pledge_search_on_evidence()",
    "CREATE TRIGGER pledge_search_pledge_insert AFTER INSERT ON pledge"
    " REFERENCING NEW TABLE AS new_pledges FOR EACH STATEMENT"
    " EXECUTE FUNCTION pledge_search_on_pledge_insert()",
    "CREATE TRIGGER pledge_search_evidence_insert AFTER INSERT ON evidence"
    " REFERENCING NEW TABLE AS new_evidence FOR EACH STATEMENT"
    " EXECUTE FUNCTION pledge_search_on_evidence_insert()",
    "CREATE TRIGGER pledge_search_candidate AFTER UPDATE OF name"
    " ON candidate FOR EACH ROW EXECUTE FUNCTION pledge_search_on_candidate()",
]
PG_REBUILD = [
    "INSERT INTO pledge_search (pledge_id, document)"
    " SELECT id, pledge_search_document(id) FROM pledge"
    " ON CONFLICT (pledge_id) DO UPDATE SET document = EXCLUDED.document",
]
# The extension stays: other objects of the database may use it.
PG_DROP = [
    "DROP TRIGGER IF EXISTS pledge_search_evidence_insert ON evidence",
    "DROP TRIGGER IF EXISTS pledge_search_pledge_insert ON pledge",
    "DROP TRIGGER IF EXISTS pledge_search_candidate ON candidate",
    "DROP TRIGGER IF EXISTS pledge_search_evidence ON evidence",
    "DROP TRIGGER IF EXISTS pledge_search_pledge ON pledge",
    "DROP FUNCTION IF EXISTS pledge_search_on_evidence_insert()",
    "DROP FUNCTION IF EXISTS pledge_search_on_pledge_insert()",
    "DROP FUNCTION IF EXISTS pledge_search_on_candidate()",
    "DROP FUNCTION IF EXISTS pledge_search_on_evidence()",
    "DROP FUNCTION IF EXISTS pledge_search_on_pledge()",
    "DROP FUNCTION IF EXISTS pledge_search_refresh(INTEGER)",
    "DROP FUNCTION IF EXISTS pledge_search_document(INTEGER)",
    "DROP TABLE IF EXISTS pledge_search",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS pledge_search_fr",
]

# --- SQLite -------------------------------------------------------------------------------


def _sqlite_insert(where: str) -> str:
    """The statement that indexes the pledges `where` selects (aliases p, c)."""
    return f"""INSERT INTO pledge_fts (rowid, title, body, evidence, candidate)
    SELECT p.id, search_lexemes(p.title), search_lexemes(substr(p.body, 1, {MAX_BODY_CHARS})),
        search_lexemes(substr(coalesce((
            SELECT group_concat(t, ' ') FROM (
                SELECT e.title || ' ' || e.quote AS t FROM evidence e
                WHERE e.pledge_id = p.id AND e.state = 'published' ORDER BY e.id)
        ), ''), 1, {MAX_EVIDENCE_CHARS})),
        search_lexemes(c.name)
    FROM pledge p JOIN candidate c ON c.id = p.candidate_id {where}"""  # noqa: S608


def _sqlite_refresh(key: str) -> str:
    """Trigger statements that replace the index row of the pledge whose id is `key`."""
    insert = _sqlite_insert(f"WHERE p.id = {key}")
    return f"DELETE FROM pledge_fts WHERE rowid = {key}; {insert};"  # noqa: S608


SQLITE_CREATE = [
    # The index holds lexemes made by search_lexemes(): the tokenizer only splits them
    # ('-' and '.' stay inside "video-surveil" or "3.5"); diacritics are already gone.
    "CREATE VIRTUAL TABLE pledge_fts USING fts5(title, body, evidence, candidate,"
    " tokenize = \"unicode61 remove_diacritics 2 tokenchars '-.'\")",
    f"CREATE TRIGGER pledge_fts_pledge_insert AFTER INSERT ON pledge BEGIN"
    f" {_sqlite_refresh('NEW.id')} END",
    f"CREATE TRIGGER pledge_fts_pledge_update AFTER UPDATE OF title, body, candidate_id"
    f" ON pledge BEGIN {_sqlite_refresh('NEW.id')} END",
    "CREATE TRIGGER pledge_fts_pledge_delete AFTER DELETE ON pledge BEGIN"
    " DELETE FROM pledge_fts WHERE rowid = OLD.id; END",
    # Only published evidence is indexed: a submission or a rejection changes nothing.
    f"CREATE TRIGGER pledge_fts_evidence_insert AFTER INSERT ON evidence"
    f" WHEN NEW.state = 'published' BEGIN {_sqlite_refresh('NEW.pledge_id')} END",
    f"CREATE TRIGGER pledge_fts_evidence_update AFTER UPDATE OF title, quote, state, pledge_id"
    f" ON evidence WHEN OLD.state = 'published' OR NEW.state = 'published'"
    f" BEGIN {_sqlite_refresh('OLD.pledge_id')} {_sqlite_refresh('NEW.pledge_id')} END",
    f"CREATE TRIGGER pledge_fts_evidence_delete AFTER DELETE ON evidence"
    f" WHEN OLD.state = 'published' BEGIN {_sqlite_refresh('OLD.pledge_id')} END",
    "CREATE TRIGGER pledge_fts_candidate_update AFTER UPDATE OF name ON candidate BEGIN"
    " UPDATE pledge_fts SET candidate = search_lexemes(NEW.name)"
    " WHERE rowid IN (SELECT id FROM pledge WHERE candidate_id = NEW.id); END",
]
SQLITE_REBUILD = ["DELETE FROM pledge_fts", _sqlite_insert("")]


@contextmanager
def indexed_once(connection: Connection, election_id: int) -> Iterator[None]:
    """Bulk inserts of one election's pledges and evidence, indexed once at the end.

    SQLite's row triggers index a pledge again on each of its evidence rows (20,000
    items: 20,000 re-indexings). Here SQLite's two insert triggers are dropped for the
    block and put back after one indexing pass, all in the caller's transaction (its
    write lock keeps every other writer out meanwhile; a failure rolls the DDL back too).
    PostgreSQL indexes inserts once per statement already.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    names = ("pledge_fts_pledge_insert", "pledge_fts_evidence_insert")
    creates = [next(sql for sql in SQLITE_CREATE if f"TRIGGER {name} " in sql) for name in names]
    for name in names:
        connection.exec_driver_sql(f"DROP TRIGGER {name}")
    yield
    key = int(election_id)
    connection.exec_driver_sql(
        f"DELETE FROM pledge_fts WHERE rowid IN (SELECT id FROM pledge WHERE election_id = {key})"  # noqa: S608
    )
    connection.exec_driver_sql(_sqlite_insert(f"WHERE p.election_id = {key}"))
    for sql in creates:
        connection.exec_driver_sql(sql)


SQLITE_DROP = [
    *(
        f"DROP TRIGGER IF EXISTS pledge_fts_{name}"
        for name in (
            "pledge_insert",
            "pledge_update",
            "pledge_delete",
            "evidence_insert",
            "evidence_update",
            "evidence_delete",
            "candidate_update",
        )
    ),
    "DROP TABLE IF EXISTS pledge_fts",
]


def _statements(dialect: str, kind: str) -> list[str]:
    table = {
        ("postgresql", "create"): PG_CREATE,
        ("postgresql", "rebuild"): PG_REBUILD,
        ("postgresql", "drop"): PG_DROP,
        ("sqlite", "create"): SQLITE_CREATE,
        ("sqlite", "rebuild"): SQLITE_REBUILD,
        ("sqlite", "drop"): SQLITE_DROP,
    }
    return table[(dialect, kind)]


def create_full_text(connection: Connection) -> None:
    """Create the index, its functions and triggers, and fill it from the rows there."""
    dialect = connection.dialect.name
    for statement in _statements(dialect, "create") + _statements(dialect, "rebuild"):
        connection.exec_driver_sql(statement)


def drop_full_text(connection: Connection) -> None:
    """Remove everything `create_full_text` made (not the unaccent extension)."""
    for statement in _statements(connection.dialect.name, "drop"):
        connection.exec_driver_sql(statement)


def is_model_table(name: str | None, type_: str, *_: Any) -> bool:
    """Alembic's include_name: False for the full-text tables, which no model describes."""
    return not (type_ == "table" and name in FULL_TEXT_TABLES)


def full_text_exists(connection: Connection) -> bool:
    """True when the index is there (`create_all` on an existing schema leaves it as it is)."""
    if connection.dialect.name == "postgresql":
        found = connection.exec_driver_sql("SELECT to_regclass('pledge_search')").scalar()
    else:
        found = connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE name = 'pledge_fts'"
        ).scalar()
    return found is not None


def _after_create(target: Any, connection: Connection, **_: Any) -> None:
    if not full_text_exists(connection):
        create_full_text(connection)


def _before_drop(target: Any, connection: Connection, **_: Any) -> None:
    drop_full_text(connection)


event.listen(SQLModel.metadata, "after_create", _after_create)
event.listen(SQLModel.metadata, "before_drop", _before_drop)
