"""The application factory: configuration, extensions, blueprints, commands, headers.

No module creates an app at import time (Flask's `--app app` finds create_app).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask
from flask.helpers import get_debug_flag
from werkzeug.middleware.proxy_fix import ProxyFix

from models.data_version import track_data_version
from views import register_blueprints
from views.cli import register_commands
from views.database import init_db
from views.extensions import init_extensions
from views.logging import init_logging
from views.mail import init_mail
from views.page_cache import init_page_cache
from views.security import (
    install_private_responses,
    install_request_guards,
    install_security_headers,
)
from views.templating import init_templating


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, template_folder="views/templates", instance_relative_config=True)
    _load_config(app, overrides)
    init_logging(app)  # first: its request log and id wrap every other hook
    install_request_guards(app)
    init_db(app)
    # Every cached page and ETag is keyed by the data version: count public
    # writes in every session (requests, CLI commands) from here on.
    track_data_version()
    init_page_cache(app)
    init_extensions(app)
    init_mail(app)
    register_blueprints(app)
    init_templating(app)
    register_commands(app)
    install_security_headers(app)
    install_private_responses(app)
    _trust_proxies(app)
    _validate_config(app)
    return app


# Each setting read from the environment, with its default. README's
# configuration table is checked against this list (tests/test_docs.py).
ENV_SETTINGS: dict[str, Any] = {
    "DATABASE_URL": None,  # default: sqlite:///<instance>/pledges.db
    "SECRET_KEY": None,  # default in debug/testing: generated into instance/secret_key
    # Default in development and tests: the address actually served,
    # http://127.0.0.1:<port of `flask run`>; required in production.
    "SITE_URL": None,
    "EMBED_ALLOWED_ORIGINS": "*",
    "FEEDS_ALLOW_PRIVATE": False,
    "FEEDS_MAX_BYTES": 5 * 1024 * 1024,
    "FEEDS_MAX_ITEMS": 200,  # new items stored per feed and fetch
    "RATELIMIT_STORAGE_URI": "memory://",
    "SESSION_COOKIE_SECURE": False,
    "PUBLIC_EDITOR_NAMES": True,
    "PAGE_CACHE_SIZE": 2000,  # rendered anonymous pages kept per worker; 0 disables
    "TRUSTED_PROXIES": 0,  # reverse proxies in front whose X-Forwarded-For/-Proto we believe
    # Login limits, in the limiter's storage under HMAC keys (views/auth.py says why):
    # every attempt per address (checked before any password is hashed); failures
    # per account and address together; failures per account from every address;
    # wrong current passwords on the password page, per account.
    "LOGIN_LIMIT_ADDRESS": "20 per minute;200 per hour",
    "LOGIN_LIMIT_ACCOUNT_ADDRESS": "5 per minute;30 per hour",
    "LOGIN_LIMIT_ACCOUNT": "30 per hour;100 per day",
    "PASSWORD_LIMIT_ACCOUNT": "5 per minute;30 per hour",
    # "Mot de passe oublié" requests, per client address and per address asked about.
    "RESET_LIMIT": "5 per 15 minutes;20 per day",
    # The feed poller's limits, in seconds.
    "FEEDS_CONNECT_TIMEOUT": 10.0,
    "FEEDS_READ_TIMEOUT": 20.0,
    "FEEDS_DEADLINE_SECONDS": 60.0,
    "FEEDS_LEASE_SECONDS": 600,
    "FEEDS_REMATCH_DAYS": 365,  # stored items matched again when a pledge's keywords change
    # Archived copies of cited pages (pledges.archive): WARC files live under
    # ARCHIVE_DIR (default: <instance>/archive), fetched with the feeds' guard and timeouts.
    "ARCHIVE_DIR": "",
    "ARCHIVE_MAX_BYTES": 16 * 1024 * 1024,
    "ARCHIVE_DEADLINE_SECONDS": 60.0,
    "ARCHIVE_MAX_ATTEMPTS": 5,  # temporary failures retried with backoff, then "failed"
    "ARCHIVE_FSYNC": True,  # each WARC file flushed to disk before its row is committed
    "LINKCHECK_HOST_DELAY": 1.0,  # seconds between two link checks on one host
    "LINKCHECK_CHANGE_THRESHOLD": 0.2,  # share of words changed for "modifié"
    # Largest request body anywhere (form posts are small) and on the import page.
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "MAX_UPLOAD_BYTES": 20 * 1024 * 1024,
    # Seconds a login lasts (the signed cookie's age is checked on every request).
    "PERMANENT_SESSION_LIFETIME": 12 * 3600,
    # The zone of dates and times people see and of "today" (storage stays UTC).
    "SITE_TIMEZONE": "Europe/Paris",
    # Outgoing mail (views/mail.py): off when empty; smtp://user:pass@host:587?starttls=1,
    # smtps://host or ?ssl=1 for TLS. MAIL_FROM defaults to noreply@<SITE_URL's host>.
    "MAIL_URL": "",
    "MAIL_FROM": "",
    # Log lines (views/logging.py): "json" (one object a line) or "console" (for reading).
    "LOG_FORMAT": "json",
}


def _env_value(name: str, default: Any) -> Any:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def _load_config(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    """Defaults, then environment variables, then overrides (tests)."""
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(
        BABEL_DEFAULT_LOCALE="fr",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(app.root_path) / "views" / "translations"),
        LANGUAGES=("fr", "en"),
        # Session cookies exist only for logged-in people (issue 4); anonymous
        # visitors never get one.
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        REMEMBER_COOKIE_NAME="remember_token",  # Flask-Login's name, read by views.page_cache
        PAGE_SIZE=20,
        PROJECT_URL="https://example.org/pledge-tracker",
    )
    for name, default in ENV_SETTINGS.items():
        app.config[name] = _env_value(name, default)
    if overrides:
        app.config.update(overrides)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'pledges.db'}"
    if not app.config["ARCHIVE_DIR"]:
        app.config["ARCHIVE_DIR"] = str(Path(app.instance_path) / "archive")
    if not app.config["SECRET_KEY"] and (app.debug or app.testing or _is_dev_server()):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))
    if not app.config["SITE_URL"] and _is_development(app):
        app.config["SITE_URL"] = f"http://127.0.0.1:{_served_port()}"
    if app.config["TRUSTED_HOSTS"] is None and app.config["SITE_URL"]:
        app.config["TRUSTED_HOSTS"] = trusted_hosts(app)
    # Flask-Babel's datetime filters convert stored UTC times to this zone.
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["SITE_TIMEZONE"]


def trusted_hosts(app: Flask) -> list[str]:
    """The host names this site answers to: SITE_URL's, and loopback in development and tests.

    Flask answers 400 to any other Host header. Without it, a request naming a
    foreign host gets links built for that host (url_for(_external=True), feeds),
    and a shared cache could hand them to the next visitor. Ports are not checked.
    """
    hosts = [urlsplit(app.config["SITE_URL"]).hostname or "127.0.0.1"]
    if _is_development(app):
        hosts += ["127.0.0.1", "localhost"]
    return list(dict.fromkeys(hosts))


def _is_development(app: Flask) -> bool:
    return bool(app.debug or app.testing or _is_dev_server() or get_debug_flag())


def _served_port() -> int:
    """The port `flask run` serves (`make run` passes PORT as FLASK_RUN_PORT), else 5000."""
    for name in ("FLASK_RUN_PORT", "PORT"):
        raw = os.environ.get(name, "")
        if raw.isascii() and raw.isdigit() and 0 < int(raw) < 65536:
            return int(raw)
    return 5000


def _is_dev_server() -> bool:
    # `flask run` and the flask CLI set FLASK_RUN_FROM_CLI; gunicorn does not.
    return os.environ.get("FLASK_RUN_FROM_CLI") == "true"


def _instance_secret_key(instance: Path) -> str:
    """A per-install key for development, generated once (never a shared default)."""
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _trust_proxies(app: Flask) -> None:
    """Behind N proxies, take the client address and scheme from their headers.

    Without it every visitor has the proxy's address, and the per-address login
    limit would lock everyone out at once. Off by default: a directly exposed
    server must not believe headers any client can send.
    """
    hops = int(app.config["TRUSTED_PROXIES"])
    if hops > 0:
        proxied = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)
        # Replacing wsgi_app is how Flask documents adding middleware; mypy sees a method.
        app.wsgi_app = proxied  # type: ignore[method-assign]  # documented Flask pattern


def _check_zone(name: object) -> None:
    """Refuse to start on a zone the IANA database does not know (a typo would show wrong times)."""
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder ("Europe")
        raise RuntimeError(
            f"SITE_TIMEZONE {name!r} is not a known time zone: use an IANA name "
            "such as Europe/Paris (the tzdata package provides them)."
        ) from None


def _validate_config(app: Flask) -> None:
    if not app.config["SECRET_KEY"]:
        raise RuntimeError(
            "SECRET_KEY is not set. Set it in the environment for production "
            "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)."
        )
    if not app.config["SITE_URL"]:
        raise RuntimeError(
            "SITE_URL is not set. Set it to the site's public address for production "
            "(e.g. https://suivi.example.org): API, feeds, widget, oEmbed and invitation "
            "links are built on it, and it is the only Host the site answers."
        )
    _check_zone(app.config["SITE_TIMEZONE"])
    # Not _is_dev_server(): every flask command sets that flag, the poller included.
    if app.config["FEEDS_ALLOW_PRIVATE"] and not (app.debug or app.testing or get_debug_flag()):
        raise RuntimeError(
            "FEEDS_ALLOW_PRIVATE is for development and tests only (set FLASK_DEBUG=1)."
        )
