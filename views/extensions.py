"""Flask extensions and the locale rule (query string, then Accept-Language; never a cookie)."""

from __future__ import annotations

from flask import Flask, g, request
from flask_babel import Babel
from htmx_flask import Htmx

babel = Babel()
htmx = Htmx()


def select_locale() -> str:
    """`?lang=` wins, then the browser's Accept-Language, then French.

    Anonymous visitors get no cookie, so the choice travels in the URL:
    `keep_lang_in_urls` adds it to every url_for on the page.
    """
    languages = current_languages()
    asked = request.args.get("lang")
    if asked in languages:
        return asked
    return request.accept_languages.best_match(languages) or languages[0]


def current_languages() -> tuple[str, ...]:
    from flask import current_app

    return tuple(current_app.config["LANGUAGES"])


def keep_lang_in_urls(endpoint: str, values: dict) -> None:
    lang = g.get("explicit_lang")
    if lang and endpoint != "static" and "lang" not in values:
        values["lang"] = lang


def remember_explicit_lang() -> None:
    asked = request.args.get("lang")
    if asked in current_languages():
        g.explicit_lang = asked


def init_extensions(app: Flask) -> None:
    htmx.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    app.before_request(remember_explicit_lang)
    app.url_defaults(keep_lang_in_urls)
