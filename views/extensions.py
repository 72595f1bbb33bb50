"""Flask extensions and the locale rule (query string, then Accept-Language; never a cookie).

Also the account machinery of issue 4: CSRF protection on every state-changing
request (API and embed exempt: read-only, cookie-less), the login manager, the
rate limiter's storage, and a session cookie that turns Secure over HTTPS.
"""

from __future__ import annotations

from flask import Flask, g, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

babel = Babel()
htmx = Htmx()
csrf = CSRFProtect()
login_manager = LoginManager()
# Why no Flask-Login "session protection": it stores a hash of the visitor's IP
# address in the session and logs people out whenever their (mobile) address
# changes. Sessions are instead tied to the password hash (views.auth.SessionUser).
login_manager.session_protection = None
login_manager.login_view = "auth.login"
login_manager.login_message = None  # a flash would be the only use of it


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure when SESSION_COOKIE_SECURE is set or the request is HTTPS.

    Behind a TLS-terminating proxy the app sees plain HTTP: set
    SESSION_COOKIE_SECURE=1 there (we do not trust X-Forwarded-Proto by default:
    a client could send it to a directly exposed server).
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def get_limiter() -> Limiter:
    """This app's limiter (one per app: its storage follows RATELIMIT_STORAGE_URI)."""
    from flask import current_app

    return current_app.extensions["login_limiter"]


def _no_key() -> str:
    # Only explicit hits (views.auth) are counted; no route is limited by address
    # automatically, so no address is handed to the storage anywhere else.
    return "unused"


def select_locale() -> str:
    """`?lang=` wins, then the browser's Accept-Language, then French.

    Anonymous visitors get no cookie, so the choice travels in the URL:
    `keep_lang_in_urls` adds it to every url_for on the page.
    """
    languages = current_languages()
    if not has_request_context():  # CLI commands speak the site's first language
        return languages[0]
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
    app.session_interface = SessionInterface()
    csrf.init_app(app)
    from views import api, embed

    csrf.exempt(api.bp)
    csrf.exempt(embed.bp)
    login_manager.init_app(app)
    from views.auth import load_user

    login_manager.user_loader(load_user)
    # Storage from RATELIMIT_STORAGE_URI (memory:// by default, Redis in production);
    # counters expire with their window. Keys are HMACs, never raw addresses.
    app.extensions["login_limiter"] = Limiter(
        key_func=_no_key, app=app, default_limits=[], headers_enabled=False
    )
    babel.init_app(app, locale_selector=select_locale)
    app.before_request(remember_explicit_lang)
    app.url_defaults(keep_lang_in_urls)
