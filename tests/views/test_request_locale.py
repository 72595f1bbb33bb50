"""views.request_locale: the request's catalogue and language, read once per request and
kept per Locale, still follow flask_babel.force_locale (a widget's `?lang=`) both ways."""

from __future__ import annotations

import flask
import flask_babel

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
