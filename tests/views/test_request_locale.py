"""views.request_locale: the request's catalogue and language, read once per request and
kept per Locale, still follow flask_babel.force_locale (a widget's `?lang=`) both ways."""

from __future__ import annotations

import flask
import flask_babel
import pytest

from views import request_locale


def test_force_locale_switches_gettext_and_the_code_and_back(app):
    """Read in French first (so the values are kept), then inside force_locale("en"):
    English; after the block: French again, from the same request."""
    with app.test_request_context("/"):
        app.preprocess_request()
        assert request_locale.gettext("Tenu") == "Tenu"
        assert request_locale.locale_code() == "fr"
        assert str(request_locale.locale()) == "fr"
        with flask_babel.force_locale("en"):
            assert request_locale.gettext("Tenu") == "Kept"
            assert request_locale.gettext("Rompu") == "Broken"
            assert request_locale.locale_code() == "en"
            assert str(request_locale.locale()) == "en"
            assert request_locale.ngettext("%(num)d rompu", "%(num)d rompus", 2) == (
                "%(num)d broken"
            )
        assert request_locale.gettext("Tenu") == "Tenu"
        assert request_locale.gettext("Rompu") == "Rompu"
        assert request_locale.locale_code() == "fr"
        assert str(request_locale.locale()) == "fr"


def test_force_locale_french_inside_an_english_request(app):
    """The other way round: `?lang=en`, forced to French, then English again."""
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        assert request_locale.gettext("Tenu") == "Kept"
        assert request_locale.locale_code() == "en"
        with flask_babel.force_locale("fr"):
            assert request_locale.gettext("Tenu") == "Tenu"
            assert request_locale.locale_code() == "fr"
        assert request_locale.gettext("Tenu") == "Kept"
        assert request_locale.locale_code() == "en"


def test_templates_gettext_follows_force_locale(app):
    """Jinja's `_` is request_locale.gettext (views.extensions): a rendered template
    follows force_locale and leaves it with the request's language."""
    with app.test_request_context("/"):
        app.preprocess_request()
        template = "{{ _('Tenu') }}|{{ ngettext('%(num)d rompu', '%(num)d rompus', 2) }}"
        assert flask.render_template_string(template) == "Tenu|2 rompus"
        with flask_babel.force_locale("en"):
            assert flask.render_template_string(template) == "Kept|2 broken"
        assert flask.render_template_string(template) == "Tenu|2 rompus"


def test_each_request_reads_its_own_language(app):
    """The values are kept on the request, never on the worker: a French request after
    an English one is French."""
    for query, expected in (("?lang=en", "Kept"), ("", "Tenu"), ("?lang=en", "Kept")):
        with app.test_request_context("/" + query):
            app.preprocess_request()
            assert request_locale.gettext("Tenu") == expected
            assert flask.render_template_string("{{ _('Tenu') }}") == expected


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("autoescape", [True, False])
def test_template_gettext_answers_as_jinjas_newstyle_callables(app, lang, autoescape):
    """Templates' `_()` and `ngettext()` (views.request_locale) give exactly what
    jinja2.ext's newstyle callables give: translated, escaped values under autoescape,
    raw ones without, "%%" as a percent sign, `num` filled in, other keywords kept."""
    from jinja2 import Environment

    from views import request_locale

    source = (
        "{{ _('Tenu') }}|{{ _('Rompu') }}|{{ _('100%% <b>%(name)s</b>', name=who) }}|"
        "{{ ngettext('%(num)d rompu', '%(num)d rompus', n) }}|"
        "{{ ngettext('%(num)d rompu', '%(num)d rompus', 1) }}|"
        "{{ ngettext('%(num)d x %(what)s', '%(num)d x %(what)s', n, what=who) }}|"
        "{{ _('%(string)s', string=who) }}"
    )
    context = {"who": "<i>A&B</i>", "n": 3}

    def environment(ours: bool) -> Environment:
        # Both settings on purpose: the catalogue's text is Markup only where autoescaped.
        env = Environment(extensions=["jinja2.ext.i18n"], autoescape=autoescape)  # noqa: S701
        env.install_gettext_callables(  # type: ignore[attr-defined]
            request_locale.gettext, request_locale.ngettext, newstyle=True
        )
        if ours:
            env.globals.update(
                _=request_locale.template_gettext,
                gettext=request_locale.template_gettext,
                ngettext=request_locale.template_ngettext,
            )
        return env

    with app.test_request_context(f"/?lang={lang}"):
        app.preprocess_request()
        theirs = environment(False).from_string(source).render(context)
        mine = environment(True).from_string(source).render(context)
    assert mine == theirs
    assert ("Kept" in mine) is (lang == "en")
    assert "100% <b>" in mine
    assert ("&lt;i&gt;A&amp;B" in mine) is autoescape
    assert "3 " in mine


def test_the_apps_templates_use_the_one_call_gettext(app):
    from views import request_locale

    assert app.jinja_env.globals["_"] is request_locale.template_gettext
    assert app.jinja_env.globals["ngettext"] is request_locale.template_ngettext
