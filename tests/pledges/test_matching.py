"""Keyword matching: one combined index, folded words, plurals, phrases, excludes, visible text."""

import random
import time

import pytest

from pledges.feeds.matching import KeywordIndex, stem, visible_text, words


def index_of(*pledges):
    return KeywordIndex.build(pledges)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("La ville installe des caméras", True),
        ("UNE CAMERA de plus", True),
        ("Le caméraman du festival", False),  # word boundary
        ("photo-caméra rue de Rome", True),  # hyphen separates words
        ("les vidéocaméras", False),
    ],
)
def test_words_match_on_boundaries_case_and_accent_insensitively(text, found):
    index = index_of((1, ["caméra"], []))
    assert (1 in index.match(text)) is found


def test_plural_forms_match_both_ways():
    index = index_of((1, ["moratoires"], []), (2, ["journal"], []), (3, ["caméra"], []))
    assert index.match("Un moratoire sur les antennes") == {1: ["moratoires"]}
    assert index.match("Les journaux locaux") == {2: ["journal"]}
    assert index.match("Deux caméras") == {3: ["caméra"]}
    assert stem("bateaux") == stem("bateau")
    assert stem("jeux") == stem("jeu")


def test_phrases_need_consecutive_words_with_hyphens_and_nbsp_as_spaces():
    index = index_of((1, ['"vidéo protection"'], []))
    assert index.match("Plus de vidéo-protection en ville") == {1: ["vidéo protection"]}
    assert index.match("Plus de vidéo\u00a0protection") == {1: ["vidéo protection"]}
    assert index.match("Vidéo : la protection des données") == {}
    assert index.match("la protection vidéo") == {}


def test_phrase_does_not_span_title_and_summary():
    index = index_of((1, ['"budget participatif"'], []))
    assert index.match("Le budget", "<p>participatif ?</p>") == {}
    assert index.match("Le budget participatif", "") == {1: ["budget participatif"]}


def test_exclude_terms_veto_the_pledge_only():
    index = index_of((1, ["tramway"], ["Nice"]), (2, ["tramway"], []))
    assert index.match("Le tramway de Nice est prolongé") == {2: ["tramway"]}
    assert index.match("Le tramway de Marseille") == {1: ["tramway"], 2: ["tramway"]}


def test_matched_terms_are_all_found_terms_in_the_pledge_order():
    index = index_of((1, ["piscine", "stade", "gymnase"], []))
    assert index.match("Un gymnase et une piscine", "") == {1: ["piscine", "gymnase"]}


def test_markup_and_urls_are_not_text():
    index = index_of((1, ["camera"], []), (2, ["onclick"], []))
    html = (
        '<p onclick="x"><a href="https://example.org/camera">lien</a> '
        "https://video.example/camera?x=1 www.camera.example <script>camera</script></p>"
    )
    assert visible_text(html).split() == ["lien"]
    assert index.match("Titre", html) == {}


def test_entities_are_decoded_before_matching():
    index = index_of((1, ["été"], []))
    assert index.match("Caf&eacute;", "&Eacute;t&eacute; 2026") == {1: ["été"]}


def test_words_fold_ligatures_and_apostrophes():
    assert words("L'œuvre d’art") == ["l", "oeuvre", "d", "art"]


def test_five_thousand_items_against_ten_thousand_pledges_stays_practical():
    rng = random.Random(7)  # noqa: S311  (test data, not secrets)
    vocabulary = [f"mot{i}" for i in range(30_000)]
    pledges = [
        (p, [rng.choice(vocabulary), f'"{rng.choice(vocabulary)} {rng.choice(vocabulary)}"'],
         [rng.choice(vocabulary)])
        for p in range(10_000)
    ]  # fmt: skip
    index = KeywordIndex.build(pledges)
    assert len(index) == 30_000
    items = [" ".join(rng.choices(vocabulary, k=120)) for _ in range(5000)]
    started = time.perf_counter()
    matched = sum(len(index.match(text)) for text in items)
    elapsed = time.perf_counter() - started
    assert matched > 5000  # about 120 words × 1/3 single terms per word: many matches
    # A loop of regexes per pledge would take hours here; the index takes about a second.
    assert elapsed < 15, f"matching took {elapsed:.1f}s"
