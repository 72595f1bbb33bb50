"""Full-text search (models.full_text, pledges.full_text) on SQLite and PostgreSQL: a labelled
set of 30 queries gives the same pledges on both databases, the index follows every write
by itself, unpublished evidence and archived pledges are never found, hostile queries are
words, and SQLite's analysis of text is PostgreSQL's."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from models import Evidence
from models.db import utc_now
from models.enums import EvidenceState
from models.full_text import search_lexemes
from pledges.full_text import parse_query, snippet
from pledges.pledge_search import PledgeSearch, search_pledges
from pledges.scoreboard import PledgeFilters, list_pledges
from tests.factories import make_candidate, make_election, make_evidence, make_pledge

TODAY = date(2024, 1, 15)


def build(session: Session) -> dict:
    election = make_election(session, slug="marseille-2020", name="Municipales de Marseille")
    payan = make_candidate(session, election, slug="payan", name="Benoît Payan")
    vassal = make_candidate(session, election, slug="vassal", name="Martine Vassal")
    delogu = make_candidate(session, election, slug="delogu", name="Sébastien Delogu")

    def pledge(candidate, slug, title, body, **kw):
        return make_pledge(session, candidate, slug=slug, title=title, body=body, **kw)

    moratoire = pledge(
        payan,
        "moratoire-cameras",
        "Moratoire sur les caméras de vidéosurveillance",
        "Aucune nouvelle caméra ne sera installée avant un audit indépendant.",
    )
    pledge(
        payan,
        "audit-videoprotection",
        "Audit public de la vidéoprotection",
        "Un audit des **caméras** existantes, publié en ligne.",
    )
    pledge(
        vassal, "pistes-cyclables", "Pistes cyclables sécurisées", "Cent kilomètres pour les vélos."
    )
    pledge(
        vassal, "ecoles-renovees", "Rénover les écoles", "Toutes les écoles rénovées d'ici 2026."
    )
    pledge(delogu, "cantines-bio", "Cantines bio", "Des repas bio dans les cantines scolaires.")
    pledge(delogu, "metro-nuit", "Métro la nuit", "Le métro ouvert jusqu'à 2 h le week-end.")
    police = pledge(
        payan,
        "police-municipale",
        "Police municipale de proximité",
        "Des agents dans chaque quartier.",
    )
    make_evidence(
        session,
        police,
        title="Délibération du conseil municipal",
        quote="Le conseil vote le recrutement de cent policiers.",
    )
    logement = pledge(vassal, "logement-social", "Logement social", "25 % de logements sociaux.")
    make_evidence(
        session, logement, title="Charte signée", quote="Les bailleurs signent la charte."
    )
    arbres = pledge(
        delogu, "arbres", "Planter des arbres", "Dix mille arbres dans les cours d'école."
    )
    for state, word in [
        (EvidenceState.SUBMITTED, "hélicoptère"),
        (EvidenceState.REJECTED, "sous-marin"),
        (EvidenceState.WITHDRAWN, "dirigeable"),
    ]:
        make_evidence(session, arbres, title="Non publiée", quote=f"Un {word}.", state=state)
    pledge(
        payan, "cameras-pietons", "Caméras piétons", "Des caméras portées.", archived_at=utc_now()
    )
    pledge(
        payan,
        "transparence",
        "Transparence des comptes",
        "<script>alert('x')</script> Publier les **comptes** et budgets <b>ouverts</b>.",
    )
    pledge(vassal, "video-surveillance-gares", "Vidéo-surveillance des gares", "Des caméras.")
    make_evidence(session, moratoire, title="Audit lancé", quote="Un audit indépendant est lancé.")
    session.commit()
    return {"payan": payan, "police": police}


CAMERAS = ["moratoire-cameras", "audit-videoprotection", "video-surveillance-gares"]
VIDEO = ["moratoire-cameras", "audit-videoprotection", "video-surveillance-gares"]

# (query, expected slugs, how many of the first are in a ranked order; the rest is a set)
LABELLED = [
    ("caméras", CAMERAS, 1),  # the title first
    ("camera", CAMERAS, 1),  # no accent, singular: same stem
    ("CAMÉRA", CAMERAS, 1),  # case
    ("video", VIDEO, 0),  # "vidéo", "vidéosurveillance", "vidéoprotection"
    ("vidéo", VIDEO, 0),
    ("vidéos", ["moratoire-cameras", "video-surveillance-gares"], 0),  # "vidéo", "vidéos…"
    ("vélo", ["pistes-cyclables"], 1),
    ("pistes cyclables", ["pistes-cyclables"], 1),  # two words
    ("écoles", ["ecoles-renovees", "arbres"], 2),  # title and body before body alone
    ("ecole", ["ecoles-renovees", "arbres"], 2),
    ("audit", ["audit-videoprotection", "moratoire-cameras"], 2),  # title before body
    ("de", [], 0),  # a stop word (PostgreSQL's list has "le" and "des", not "les")
    ("le la des du", [], 0),  # only stop words
    ("école 2026", ["ecoles-renovees"], 1),  # a word and a number
    ("d'ici", ["ecoles-renovees"], 1),  # elision: "d" is a stop word
    (
        "payan",
        ["moratoire-cameras", "audit-videoprotection", "police-municipale", "transparence"],
        0,
    ),
    ("Delogu métro", ["metro-nuit"], 1),  # candidate name and title
    ("bailleurs", ["logement-social"], 1),  # only in a published evidence quote
    ("délibération conseil", ["police-municipale"], 1),  # evidence title and quote
    ("hélicoptère", [], 0),  # submitted evidence
    ("sous-marin", [], 0),  # rejected evidence
    ("dirigeable", [], 0),  # withdrawn evidence
    ("piétons", [], 0),  # archived pledge
    ("vidéo-surveillance", ["video-surveillance-gares"], 1),  # a hyphenated word
    ('"caméras" NEAR(écoles) OR *', [], 0),  # FTS5 / tsquery syntax is only words here
    ("-caméras*", CAMERAS, 1),
    ("script alert", [], 0),  # tags and scripts are not text on either database
    ("comptes budgets", ["transparence"], 1),
    ("vélos\x00pistes", ["pistes-cyclables"], 1),  # NUL
    ("x" * 5000, [], 0),  # very long
]


def slugs(session, q: str) -> list[str]:
    page = list_pledges(session, PledgeFilters(q=q), per_page=100, today=TODAY)
    return [row.pledge.slug for row in page.items]


def test_the_labelled_set_has_30_queries():
    assert len(LABELLED) == 30


@pytest.mark.parametrize(("query", "expected", "ranked"), LABELLED)
def test_labelled_queries_find_the_same_pledges_on_every_database(session, query, expected, ranked):
    build(session)
    found = slugs(session, query)
    assert sorted(found) == sorted(expected)
    assert found[:ranked] == expected[:ranked]


def test_the_index_follows_every_write(session):
    ids = build(session)
    payan, police = ids["payan"], ids["police"]
    payan.name = "Jean Nouveau"
    session.commit()
    assert "police-municipale" in slugs(session, "nouveau")
    assert slugs(session, "payan") == []
    police.title = "Gendarmes à cheval"
    session.commit()
    assert slugs(session, "cheval") == ["police-municipale"]
    assert slugs(session, "proximité") == []
    (evidence,) = police.evidence
    evidence.state = EvidenceState.WITHDRAWN
    session.commit()
    assert slugs(session, "délibération") == []
    evidence.state = EvidenceState.PUBLISHED
    session.commit()
    assert slugs(session, "délibération") == ["police-municipale"]
    session.delete(evidence)
    session.commit()
    assert slugs(session, "délibération") == []
    # A submission becomes findable when it is published, and its corrections follow.
    submitted = session.exec(
        select(Evidence).where(Evidence.state == EvidenceState.SUBMITTED)
    ).one()
    submitted.state = EvidenceState.PUBLISHED
    session.commit()
    assert slugs(session, "hélicoptère") == ["arbres"]
    submitted.quote = "Un planeur."
    session.commit()
    assert slugs(session, "hélicoptère") == []
    assert slugs(session, "planeur") == ["arbres"]


def test_the_editors_search_uses_it_and_keeps_slugs_and_names(session):
    build(session)

    def found(q):
        page = search_pledges(session, PledgeSearch(q=q), per_page=100, today=TODAY)
        return [row.pledge.slug for row in page.items]

    assert found("audit") == ["moratoire-cameras", "audit-videoprotection"]  # by id
    assert found("metro-nu") == ["metro-nuit"]  # part of a slug
    assert "cameras-pietons" in found("caméras")  # editors see archived pledges
    assert found("hélicoptère") == []


def test_snippets_mark_the_matched_words_and_come_from_public_text(session):
    build(session)
    page = list_pledges(session, PledgeFilters(q="caméras"), today=TODAY, snippets=True)
    first = page.items[0]
    assert first.pledge.slug == "moratoire-cameras"
    assert first.snippet.source == "body"
    assert ("caméra", True) in first.snippet.parts
    evidence = list_pledges(session, PledgeFilters(q="bailleurs"), today=TODAY, snippets=True)
    assert evidence.items[0].snippet.source == "evidence"
    assert ("bailleurs", True) in evidence.items[0].snippet.parts
    # Markdown and tags are not shown as such; the script's text is gone.
    shown = list_pledges(session, PledgeFilters(q="comptes"), today=TODAY, snippets=True)
    body = "".join(part for part, _ in shown.items[0].snippet.parts)
    assert "**" not in body
    assert "alert" not in body
    assert "<b>" not in body


def test_snippet_window():
    query = parse_query("vidéo")
    long = "mot " * 100 + "la vidéosurveillance et la vidéo " + "fin " * 100
    parts = snippet(long, query)
    assert parts[0] == ("… ", False)
    assert parts[-1] == (" …", False)
    assert [p for p, hit in parts if hit] == ["vidéosurveillance", "vidéo"]
    assert sum(len(p) for p, _ in parts) < 260
    assert snippet("rien ici", query) is None
    assert snippet("Vidéo <b>", query) == [("Vidéo", True), (" <b>", False)]


@pytest.mark.parametrize(
    "q",
    [
        *["\"'", "*", "NEAR", "-", "AND OR NOT", "(((", "'):* & !", "\\", "^", "ʼ", "١٢٣"],
        # Word characters that fold to nothing: no empty lexeme may reach the tsquery.
        *["ͺͺ caméra", "\uff9e\uff9f", "\ufe70 vidéo"],
    ],
)
def test_hostile_queries_are_words_and_never_errors(session, q):
    build(session)
    assert isinstance(slugs(session, q), list)


def test_sqlite_analysis_is_postgresql_analysis(session):
    """The lexemes SQLite indexes are those PostgreSQL makes, on the labelled set's text."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("compares with PostgreSQL's own analysis")
    samples = [
        "Moratoire sur les caméras de vidéosurveillance, l'école d'ici 2026 : 3,5 M€ ou 3.5 %.",
        "Vidéo-surveillance, covid-19, abc-1a, 12-abc, 2020-2026, 1er-mai, C'est-à-dire.",
        "Été, œuvre, naïve, 12ème, Saint-Étienne, COVID19, ça, aujourd'hui, x_y, mot- -mot.",
        "<script>alert('x')</script> Publier les **comptes** et budgets <b>ouverts</b>.",
        "Les bailleurs signent la charte ; le conseil vote le recrutement de cent policiers.",
    ]
    for sample in samples:
        document = session.execute(
            text("SELECT to_tsvector('pledge_search_fr', :t)"), {"t": sample}
        ).scalar_one()
        postgres = {lexeme.split("'")[1] for lexeme in document.split(" ") if lexeme}
        assert set(search_lexemes(sample).split()) == postgres, sample


def _index_rows(session: Session) -> list:
    if session.get_bind().dialect.name == "sqlite":
        query = "SELECT rowid, title, body, evidence, candidate FROM pledge_fts ORDER BY rowid"
    else:
        query = "SELECT pledge_id, document::text FROM pledge_search ORDER BY pledge_id"
    return [tuple(row) for row in session.execute(text(query))]


def test_generated_data_is_indexed_as_a_rebuild_would_and_triggers_come_back(session):
    """demo generate indexes its bulk inserts once (SQLite drops its insert triggers for the
    block): the index equals a full rebuild, and later writes are indexed again."""
    from models.full_text import _statements
    from pledges.demo import generate

    generate(session, candidates=3, pledges=4, evidence=3, seed=7)
    session.commit()
    indexed = _index_rows(session)
    assert len(indexed) == 12
    for sql in _statements(session.get_bind().dialect.name, "rebuild"):
        session.execute(text(sql))
    assert _index_rows(session) == indexed
    make_pledge(session, title="Une patinoire municipale")
    make_evidence(session, title="La patinoire inaugurée", state=EvidenceState.PUBLISHED)
    session.commit()
    assert len(slugs(session, "patinoire")) == 2  # by its title, and by its evidence


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("a <script>b</script> c <STYLE x=1>d</style > e", ["a", "c", "e"]),
        ("<SCRIPT>x</script> y", ["y"]),  # either case, as PostgreSQL's parser
        ("a <script>b c", ["a", "b", "c"]),  # never closed: a lone tag
        ("<script>x</script><script>y", ["y"]),
        ("<style>x</script> y</style> z", ["z"]),  # only its own end closes it
        ("<script a<b>x</script> y", ["y"]),
        # Letters that case-insensitive matching takes for "s" or "i" (review: a 500).
        ("<ſcript>x", ["x"]),
        ("<scrıpt>y</scrıpt> z", ["z"]),
        ("<scrİpt>a", ["a"]),
        ("<ſtyle>b</ſtyle> c", ["c"]),
    ],
)
def test_script_and_style_content_is_skipped(value, words):
    from models.full_text import tokenize

    assert [t.folded for t in tokenize(value)] == words


def test_many_unclosed_script_tags_take_linear_time():
    """A body of thousands of unclosed openings (an editor's 50 KB at most) took ten
    seconds: the one pattern looked for an end from each of them."""
    import time

    from models.full_text import tokenize

    started = time.perf_counter()
    found = tokenize("<script>x" * 8000 + "<style>" * 600 + " fin")
    assert [t.folded for t in found] == ["x"] * 8000 + ["fin"]
    # Openings that never find their ">": each scanned the rest of the text too.
    assert len(tokenize("<script" * 40_000)) == 40_000
    assert time.perf_counter() - started < 2  # about 12 s before, 0.3 s after, on a 2-core machine
