"""Parsing: bytes only, every format and encoding, hostile XML refused, truncation, not-a-feed."""

import pytest

from pledges.feeds.parsing import FeedParseError, declares_entities, parse
from tests.pledges.feed_server import sample

XML = {"content-type": "application/xml"}


@pytest.mark.parametrize(
    ("name", "version", "titles"),
    [
        ("rss091.xml", "rss091n", ["Le conseil municipal vote le budget", "Fermeture d'une école"]),
        ("rss092.xml", "rss092", ["Un moratoire sur les antennes"]),
        ("rss10.rdf", "rss10", ["Piscine municipale rénovée"]),
        (
            "rss20.xml",
            "rss20",
            ["Vidéoprotection : 50 nouvelles caméras installées", "Le caméraman du festival"],
        ),
        ("atom.xml", "atom10", ["Tramway : la ligne <em>prolongée</em>"]),
    ],
)
def test_each_format(name, version, titles):
    parsed = parse(sample(name), XML)
    assert parsed.version == version
    assert [e.title for e in parsed.entries] == titles
    assert parsed.warning == ""


def test_atom_dates_and_ids():
    (entry,) = parse(sample("atom.xml"), XML).entries
    assert entry.guid == "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
    assert entry.published_raw == "2026-03-21T08:00:00Z"
    assert entry.updated_raw == "2026-03-22T08:00:00Z"


@pytest.mark.parametrize(
    ("name", "title", "summary"),
    [
        (
            "latin1.xml",
            "Été : la fête de la musique à l'hôtel de ville",
            "Des élèves chantent « à tue-tête ».",
        ),
        ("cp1252.xml", "L’œuvre coûte 5 000 € – un débat", "« Trop cher » selon l’opposition…"),
    ],
)
def test_declared_encodings_give_correct_accents(name, title, summary):
    (entry,) = parse(sample(name), XML).entries
    assert entry.title == title
    assert entry.summary == summary


def test_charset_from_the_http_header_is_used():
    body = sample("latin1.xml").replace(b' encoding="ISO-8859-1"', b"")
    (entry,) = parse(body, {"content-type": "application/rss+xml; charset=iso-8859-1"}).entries
    assert entry.title.startswith("Été")


def test_html_entities_are_decoded_and_bozo_alone_is_no_refusal():
    parsed = parse(sample("entities.xml"), XML)
    (entry,) = parsed.entries
    assert entry.title == "Café\u00a0: l’été & la «\u00a0canicule\u00a0»"
    assert entry.summary == "Numérique é é"
    assert "undefined entity" in parsed.warning


@pytest.mark.parametrize("headers", [{"content-type": "text/html; charset=utf-8"}, {}])
def test_wrong_or_missing_content_type_is_no_problem(headers):
    parsed = parse(sample("rss20.xml"), headers)
    assert len(parsed.entries) == 2
    assert parsed.warning == ""


def test_malformed_xml_keeps_what_was_read_and_records_the_error():
    parsed = parse(sample("malformed.xml"), XML)
    assert [e.guid for e in parsed.entries] == ["mal-1", "mal-2"]
    assert parsed.entries[0].title == "Marché & brocante"
    assert "not well-formed" in parsed.warning
    assert parsed.dropped == 0


def test_truncated_document_never_yields_the_cut_entry():
    parsed = parse(sample("truncated.xml"), XML)
    assert [e.guid for e in parsed.entries] == ["cut-1", "cut-2"]
    assert parsed.dropped == 1
    assert parsed.warning


@pytest.mark.parametrize("cut", [40, 120, 200, 260, 330])
def test_truncation_anywhere_keeps_only_closed_entries(cut):
    body = sample("rss20.xml")
    cut_at = body.index(b"</item>") + cut
    parsed = parse(body[:cut_at], XML)
    closed = body[:cut_at].count(b"</item>")
    assert len(parsed.entries) == closed
    assert [e.guid for e in parsed.entries] == ["jf-cameras-7", "jf-cameraman"][:closed]


def test_an_html_page_is_not_a_feed():
    with pytest.raises(FeedParseError, match="not a feed"):
        parse(sample("not_a_feed.html"), {"content-type": "text/html"})


@pytest.mark.parametrize("body", [b"", b"   \n", b"just some text", b'{"json": true}'])
def test_junk_is_not_a_feed(body):
    with pytest.raises(FeedParseError):
        parse(body, XML)


@pytest.mark.parametrize("name", ["xxe.xml", "billion_laughs.xml"])
def test_documents_declaring_entities_are_refused_whole(name):
    with pytest.raises(FeedParseError, match="declares XML entities"):
        parse(sample(name), XML)


def test_entity_declarations_are_found_in_utf16_documents():
    body = sample("xxe.xml").decode("utf-8").replace('encoding="utf-8"', 'encoding="utf-16"')
    assert declares_entities(body.encode("utf-16"))
    with pytest.raises(FeedParseError):
        parse(body.encode("utf-16"), XML)


def test_entity_text_inside_an_article_is_not_a_declaration():
    body = sample("rss20.xml").replace(
        b"Portrait.", b"Portrait &lt;!ENTITY x&gt; <![CDATA[<!ENTITY y>]]>"
    )
    assert not declares_entities(body)
    assert len(parse(body, XML).entries) == 2


def test_an_external_dtd_is_never_read():
    (entry,) = parse(sample("external_dtd.xml"), XML).entries
    assert entry.title == "Article sans surprise"


def test_a_body_that_looks_like_a_path_is_not_opened(tmp_path):
    secret = tmp_path / "secret.xml"
    secret.write_bytes(sample("rss20.xml"))
    # Given bare bytes, feedparser would open() this path and parse the file.
    with pytest.raises(FeedParseError):
        parse(str(secret).encode(), XML)


def test_strings_are_refused():
    with pytest.raises(TypeError):
        parse("file:///etc/passwd", XML)  # type: ignore[arg-type]


# Finding 1: entity declarations hidden from a prolog check that took the first
# "<letter" for the root element, or in encodings it did not decode.
HIDDEN_ENTITY_FEED = (
    '<?xml version="1.0"?>\n{hide}\n'
    '<!DOCTYPE rss [<!ENTITY a "EXPANDED">]>\n'
    '<rss version="2.0"><channel><title>t</title>'
    "<item><title>&a;</title><guid>g1</guid></item></channel></rss>\n"
)


@pytest.mark.parametrize(
    "hide",
    [
        "<!-- <x -->",
        "<?pi <x ?>",
        "",
    ],
    ids=["comment", "processing-instruction", "plain"],
)
def test_finding_1_entities_hidden_behind_a_fake_root_are_refused(hide):
    body = HIDDEN_ENTITY_FEED.format(hide=hide).encode()
    assert declares_entities(body)
    with pytest.raises(FeedParseError, match="declares XML entities") as refused:
        parse(body, XML)
    assert refused.value.code == "feed_entities_refused"


def test_finding_1_entities_after_a_system_literal_holding_a_tag_are_refused():
    body = (
        b'<?xml version="1.0"?>\n'
        b'<!DOCTYPE rss SYSTEM "<x" [<!ENTITY a "EXPANDED">]>\n'
        b'<rss version="2.0"><channel><item><title>&a;</title></item></channel></rss>'
    )
    with pytest.raises(FeedParseError, match="declares XML entities"):
        parse(body, XML)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "cp037"])
def test_finding_1_entities_in_documents_without_a_bom_are_refused(encoding):
    text = HIDDEN_ENTITY_FEED.format(hide="<!-- <x -->").replace(
        '<?xml version="1.0"?>', f'<?xml version="1.0" encoding="{encoding}"?>'
    )
    body = text.encode(encoding)  # the -le/-be codecs write no BOM
    assert not body.startswith((b"\xff\xfe", b"\xfe\xff"))
    with pytest.raises(FeedParseError) as refused:
        parse(body, XML)
    assert "EXPANDED" not in str(refused.value)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-32-be", "cp037"])
def test_finding_1_plain_feeds_in_those_encodings_still_parse(encoding):
    text = sample("rss20.xml").decode("utf-8").replace('encoding="utf-8"', f'encoding="{encoding}"')
    body = text.encode(encoding, errors="xmlcharrefreplace")
    titles = [e.title for e in parse(body, XML).entries]
    assert titles == [
        "Vidéoprotection : 50 nouvelles caméras installées",
        "Le caméraman du festival",
    ]


def test_finding_1_an_unreadable_prolog_fails_closed():
    # A DOCTYPE expat cannot read: the guard cannot tell, so nothing is parsed.
    body = b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "X"\n<rss><item><title>&a;</title>'
    with pytest.raises(FeedParseError):
        parse(body, XML)


def test_finding_1_one_huge_entity_referenced_many_times_is_refused_at_once():
    import time

    big = "A" * (1024 * 1024)
    body = (
        f'<?xml version="1.0"?>\n<!-- <x -->\n<!DOCTYPE rss [<!ENTITY a "{big}">]>\n'
        '<rss version="2.0"><channel>'
        + "".join(f"<item><title>&a;</title><guid>{i}</guid></item>" for i in range(96))
        + "</channel></rss>"
    ).encode()
    started = time.monotonic()
    with pytest.raises(FeedParseError, match="declares XML entities"):
        parse(body, XML)
    assert time.monotonic() - started < 2


def test_finding_1_a_doctype_without_internal_subset_is_still_accepted():
    (entry,) = parse(sample("external_dtd.xml"), XML).entries
    assert entry.title == "Article sans surprise"


def test_finding_1_entities_feedparser_would_rebuild_from_a_comment_are_refused():
    # feedparser lifts "<!ENTITY" lines out of the prolog, comments included, and
    # rebuilds them into an internal subset when a DOCTYPE is present.
    body = (
        b'<?xml version="1.0"?>\n<!--\n<!ENTITY a "EXPANDED">\n-->\n<!DOCTYPE rss>\n'
        b'<rss version="2.0"><channel><title>t</title>'
        b"<item><title>&a;</title><guid>g</guid></item></channel></rss>"
    )
    assert declares_entities(body)
    with pytest.raises(FeedParseError, match="declares XML entities"):
        parse(body, XML)
