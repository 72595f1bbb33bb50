"""Flask extensions and the locale rule (query string, then Accept-Language; never a cookie).

Also the account machinery of issue 4: CSRF protection on every state-changing
request (API and embed exempt: read-only, cookie-less), the login manager, the
rate limiter's storage, and a session cookie that turns Secure over HTTPS.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, g, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from limits.errors import StorageError
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter, RateLimiter

from views import request_locale

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


def user_for_templates() -> dict[str, Any]:
    """Templates' `current_user` (in place of Flask-Login's context processor).

    Flask-Login's loads the user for every page it renders, the widget's included,
    hashing the visitor's address and user agent on the way (its session
    identifier, computed even with session protection off). A request with neither
    our session nor our remember cookie cannot be logged in (views.page_cache): it
    gets the anonymous user straight away, as Flask-Login would have given it.
    """
    if not has_request_context():  # a mail or an export rendered by a command
        return {"current_user": None}
    if is_anonymous_request():
        return {"current_user": login_manager.anonymous_user()}
    return {"current_user": current_user._get_current_object()}  # a LocalProxy


def is_anonymous_request() -> bool:
    """No session (or remember-me) cookie: the request comes from an anonymous visitor.

    Anonymous visitors never get a cookie, so a request without one cannot be
    logged in, and its response may be shared (page cache, public HTTP caching).
    """
    from flask import current_app

    config = current_app.config
    cookies = request.cookies
    return config["SESSION_COOKIE_NAME"] not in cookies and (
        config["REMEMBER_COOKIE_NAME"] not in cookies
    )


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure when SESSION_COOKIE_SECURE is set or the request is HTTPS.

    Behind a TLS-terminating proxy the app sees plain HTTP: set
    SESSION_COOKIE_SECURE=1 there (we do not trust X-Forwarded-Proto by default:
    a client could send it to a directly exposed server).
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


class LimitCounters:
    """What views.auth counts login and reset attempts with: the limiter's storage
    (Redis in production) or, while it is unreachable, this process's memory.

    The login limits call the limiter directly (explicit hits), a path where
    Flask-Limiter's own in-memory fallback never engages: with Redis down every
    login would be a 500. Here a storage error switches to a per-process memory
    counter (logins stay limited, per worker, rather than failing or going
    unlimited), and the storage is tried again every RECHECK_SECONDS.
    """

    RECHECK_SECONDS = 5.0

    def __init__(self, limiter: Limiter) -> None:
        self.flask_limiter = limiter
        self.fallback: RateLimiter = FixedWindowRateLimiter(MemoryStorage())
        self.down_since: float | None = None

    @property
    def primary(self) -> RateLimiter:
        return self.flask_limiter.limiter

    def _call(self, method: str, *args: Any) -> Any:
        if self.down_since is not None:
            if time.monotonic() - self.down_since < self.RECHECK_SECONDS:
                return getattr(self.fallback, method)(*args)
            self.down_since = None  # time to try the storage again
        try:
            return getattr(self.primary, method)(*args)
        except StorageError:  # the storage's own errors, wrapped (see _storage_options)
            from flask import current_app

            current_app.logger.warning(
                "rate-limit storage unreachable: counting in this process's memory"
            )
            self.down_since = time.monotonic()
            return getattr(self.fallback, method)(*args)

    def hit(self, *args: Any) -> bool:
        return self._call("hit", *args)

    def test(self, *args: Any) -> bool:
        return self._call("test", *args)

    def get_window_stats(self, *args: Any) -> Any:
        return self._call("get_window_stats", *args)

    def clear(self, *args: Any) -> None:
        self._call("clear", *args)


def limit_counters() -> LimitCounters:
    """This app's login and reset counters (views.auth)."""
    from flask import current_app

    return current_app.extensions["limit_counters"]


def _storage_options(uri: str) -> dict[str, Any]:
    # Storage errors arrive as limits' StorageError, whatever the backend, for
    # LimitCounters to catch; a Redis that hangs must not hold a login for ever:
    # give up after a second (then LimitCounters counts in memory).
    options: dict[str, Any] = {"wrap_exceptions": True}
    if uri.startswith(("redis://", "rediss://", "redis+")):
        options.update(socket_connect_timeout=1, socket_timeout=1)
    return options


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
    login_manager.init_app(app, add_context_processor=False)
    app.context_processor(user_for_templates)
    from views.auth import load_user

    login_manager.user_loader(load_user)
    # Storage from RATELIMIT_STORAGE_URI (memory:// by default, Redis in production);
    # counters expire with their window. Keys are HMACs, never raw addresses.
    limiter = Limiter(
        key_func=_no_key,
        default_limits=[],
        headers_enabled=False,
        storage_options=_storage_options(app.config["RATELIMIT_STORAGE_URI"]),
    )
    # No route is limited automatically (only explicit hits count), so the
    # limiter's per-request hooks (a limit check before every request, headers
    # after, a context release on teardown) would only cost time on every page:
    # init_app skips registering them for a limiter the app already lists.
    app.extensions.setdefault("limiter", set()).add(limiter)
    limiter.init_app(app)
    app.extensions["login_limiter"] = limiter
    app.extensions["limit_counters"] = LimitCounters(limiter)
    babel.init_app(app, locale_selector=select_locale)
    # The same callables as flask_babel's, reading the request's catalogue once
    # (views.request_locale): templates call them hundreds of times per page.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
        gettext=request_locale.gettext,
        ngettext=request_locale.ngettext,
        pgettext=request_locale.pgettext,
        npgettext=request_locale.npgettext,
        newstyle=True,
    )
    # `_`, `gettext` and `ngettext` in one call each (views.request_locale).
    app.jinja_env.globals.update(
        _=request_locale.template_gettext,
        gettext=request_locale.template_gettext,
        ngettext=request_locale.template_ngettext,
    )
    app.before_request(remember_explicit_lang)
    app.url_defaults(keep_lang_in_urls)
