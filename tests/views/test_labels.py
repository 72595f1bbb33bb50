"""Labels shown to people: theme names, French dates, colons per language."""

from datetime import date

from tests.factories import make_pledge


def test_theme_names_replace_slugs_on_pages(client, app_session):
    pledge = make_pledge(app_session, theme="video-surveillance")
    make_pledge(app_session, theme="mobilite-douce")
    app_session.commit()
    page = client.get(f"/pledges/{pledge.id}").get_data(as_text=True)
    assert ">Vidéosurveillance</a>" in page
    themes = client.get("/themes/").get_data(as_text=True)
    assert ">Mobilite douce</a>" in themes
    assert ">Video surveillance</a>" not in themes


def test_first_of_the_month_is_1er_in_french_only(client, app_session):
    pledge = make_pledge(app_session, deadline=date(2022, 4, 1))
    app_session.commit()
    assert "1er avril 2022" in client.get(f"/pledges/{pledge.id}").get_data(as_text=True)
    english = client.get(f"/pledges/{pledge.id}?lang=en").get_data(as_text=True)
    assert "April 1, 2022" in english


# ------------------------------------------------------------ counts bar, cached labels

BAR_OPEN = (
    '<svg class="bar" aria-hidden="true" focusable="false" viewBox="0 0 100 10"'
    ' preserveAspectRatio="none" width="160" height="14">'
)


def _counts(kept: int, broken: int, pending: int, overdue: int = 0):
    from pledges.scoreboard import ElectionSummary

    return ElectionSummary(None, kept, broken, pending, overdue)  # type: ignore[arg-type]


def test_counts_bar_markup_for_no_pledge():
    """No pledge: one grey bar across (never a division by zero)."""
    from views.labels import counts_bar

    assert str(counts_bar(_counts(0, 0, 0))) == (
        BAR_OPEN + '<rect class="bar-empty" x="0" y="0" width="100" height="10"/></svg>'
    )
    assert str(counts_bar(_counts(0, 0, 0, overdue=3))) == str(counts_bar(_counts(0, 0, 0)))


def test_counts_bar_markup_skips_empty_statuses():
    """3 kept, 1 broken: a 75 % and a 25 % rect side by side, no pending rect."""
    from views.labels import counts_bar

    assert str(counts_bar(_counts(3, 1, 0))) == (
        BAR_OPEN
        + '<rect class="bar-kept" x="0.00" y="0" width="75.00" height="10"/>'
        + '<rect class="bar-broken" x="75.00" y="0" width="25.00" height="10"/>'
        + "</svg>"
    )
    assert str(counts_bar(_counts(0, 0, 2))) == (
        BAR_OPEN + '<rect class="bar-pending" x="0.00" y="0" width="100.00" height="10"/></svg>'
    )


def test_counts_bar_markup_for_thirds():
    """Thirds: widths 33.33, each rect starting where the last ended (rounded once)."""
    from views.labels import counts_bar

    expected = (
        BAR_OPEN
        + '<rect class="bar-kept" x="0.00" y="0" width="33.33" height="10"/>'
        + '<rect class="bar-broken" x="33.33" y="0" width="33.33" height="10"/>'
        + '<rect class="bar-pending" x="66.67" y="0" width="33.33" height="10"/>'
        + "</svg>"
    )
    assert str(counts_bar(_counts(1, 1, 1))) == expected
    assert str(counts_bar(_counts(1, 1, 1))) == expected  # from the cache
    assert str(counts_bar(_counts(2, 2, 2))) == expected  # another shape, same shares


def test_counts_bar_is_markup_and_follows_the_counts():
    """Markup (not escaped by templates) and drawn from the counts given, not a kept one."""
    from markupsafe import Markup

    from views.labels import counts_bar

    bar = counts_bar(_counts(1, 3, 0))
    assert isinstance(bar, Markup)
    assert 'class="bar-kept" x="0.00" y="0" width="25.00"' in bar
    assert 'class="bar-broken" x="25.00" y="0" width="75.00"' in bar


def test_cached_labels_follow_the_request_language(app, app_session):
    """status, kind and theme labels are cached per language: a French request, then an
    English one, then French again each get their own words."""
    from models.enums import EvidenceKind, PledgeStatus
    from models.themes import Theme
    from views.labels import kind_label, status_label, theme_label

    app_session.add(Theme(slug="mobilite", name_fr="Mobilité", name_en="Mobility"))
    app_session.add(Theme(slug="quartiers", name_fr="Quartiers"))
    app_session.commit()
    french = ("Tenu", "Rompu", "article de presse", "Climat", "Mobilité", "Quartiers")
    english = ("Kept", "Broken", "press article", "Climate", "Mobility", "Quartiers")
    for query, expected in (("", french), ("?lang=en", english), ("", french)):
        with app.test_request_context("/" + query):
            app.preprocess_request()
            found = (
                status_label(PledgeStatus.KEPT),
                status_label("broken"),
                kind_label(EvidenceKind.PRESS_ARTICLE),
                theme_label("climat"),
                theme_label("mobilite"),
                theme_label("quartiers"),
            )
            assert found == expected, query
            assert theme_label("mobilite-douce") == "Mobilite douce"


def test_candidate_link_escapes_the_name_and_the_address(app):
    """The link is Markup built in Python: a name or slug holding markup must come out
    as text (the same as the template macro it replaced, which autoescaped both)."""
    from types import SimpleNamespace

    from views.labels import candidate_link

    election = SimpleNamespace(slug="ville-2020")
    hostile = SimpleNamespace(
        slug='a"b<c', name='<script>alert("x")</script> & co', election=election
    )
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        html = str(candidate_link(hostile))
        plain = str(candidate_link(SimpleNamespace(slug="eve", name="Ève", election=election)))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co" in html
    assert 'href="/elections/ville-2020/a%22b%3Cc?lang=en"' in html
    assert plain == '<a href="/elections/ville-2020/eve?lang=en">Ève</a>'


def test_date_html_writes_a_time_element_per_language(app):
    """templates' `date`: the ISO date in the attribute, the day in words in the reader's
    language (cached per day and language), nothing for no date."""
    from views.labels import date_html

    with app.test_request_context("/"):
        app.preprocess_request()
        assert (
            str(date_html(date(2024, 4, 1))) == '<time datetime="2024-04-01">1er avril 2024</time>'
        )
        assert str(date_html(None)) == ""
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        assert (
            str(date_html(date(2024, 4, 1))) == '<time datetime="2024-04-01">April 1, 2024</time>'
        )


def test_long_date_outside_an_app_context_is_french():
    """A script formatting a date without the app (no request language): Babel's French."""
    from views.labels import long_date

    assert long_date(date(2024, 4, 1)) == "1er avril 2024"


def test_evidence_heading_escapes_every_value_in_either_language(app):
    """templates' `evidence_heading` (a pledge's timeline): kind, stance, link and outlet,
    each value escaped, the labels and colon in the reader's language."""
    from types import SimpleNamespace

    from models.enums import EvidenceKind, Stance
    from views.labels import evidence_heading

    item = SimpleNamespace(
        kind=EvidenceKind.COUNCIL_VOTE,
        stance=Stance.CONTEXT,
        url='https://presse.example/a?b=1&c="x"',
        title='<script>alert("t")</script>',
        outlet="L'Écho <b>",
    )
    expected = {
        "fr": (
            "<p><strong>Preuve</strong> (vote du conseil, contexte)\u00a0:\n"
            '          <a href="https://presse.example/a?b=1&amp;c=&#34;x&#34;" '
            'rel="noopener noreferrer nofollow">&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;</a>'
            " — L&#39;Écho &lt;b&gt;</p>"
        ),
        "en": "<p><strong>Evidence</strong> (council vote, context):\n",
    }
    for lang, start in expected.items():
        with app.test_request_context(f"/?lang={lang}"):
            app.preprocess_request()
            assert str(evidence_heading(item)).startswith(start)
    untitled = SimpleNamespace(**{**vars(item), "title": ""})
    with app.test_request_context("/"):
        app.preprocess_request()
        assert ">https://presse.example/a?b=1&amp;c=&#34;x&#34;</a>" in evidence_heading(untitled)
