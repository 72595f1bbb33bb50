"""Blueprint "auth" (/auth): login, logout, password change, invitations; and the access rules.

Sessions begin here: the login form's CSRF token is the first thing that
writes a session cookie. Public pages never do (issue 4).

Access is checked on the server for every route: each protected blueprint
calls `protect_blueprint(bp, minimum_role)`, and single routes that need more
use `@requires(role)`. `required_role(endpoint)` tells tests what each route
demands, so a test generated from the URL map covers every new route.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Callable
from functools import wraps
from typing import Any, cast
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin, current_user, login_user, logout_user
from limits import parse_many
from werkzeug.wrappers import Response as BaseResponse

from models import User
from models.enums import Role
from pledges import accounts
from pledges.errors import AccountError
from views import mail
from views.database import db_session
from views.error_messages import error_message, show_on_form
from views.errors import RoleRequired
from views.extensions import csrf, limit_counters
from views.forms import (
    AccountForm,
    ForgotForm,
    InvitationForm,
    LoginForm,
    LogoutForm,
    PasswordForm,
    ResetForm,
)
from views.query import parse_id

bp = Blueprint("auth", __name__)

# Login limits, counted in the limiter's storage under HMAC keys (no raw address
# or email is kept) and expiring with their window:
# - every attempt per address, counted before any password is hashed (argon2
#   costs ~100 ms), so nobody can use the login form to burn our CPU;
# - failures per account *and* address: a guesser is slowed down without locking
#   the account's owner out from elsewhere; a success resets it;
# - failures per account from all addresses: once exhausted, only an address
#   that has not failed on this account may still try, so spreading guesses over
#   many addresses buys one guess each, and the owner's right password from a
#   new address still works.
# Successes are never counted against the account.
# The limits themselves are settings (app.ENV_SETTINGS: LOGIN_LIMIT_*, PASSWORD_LIMIT_ACCOUNT).

# The minimum role of each protected blueprint (filled by protect_blueprint).
BLUEPRINT_ROLES: dict[str, Role] = {}
# Auth routes open to anonymous visitors (they *start* a session).
# Forgotten passwords and digest unsubscribes work without an account session too.
ANONYMOUS_ENDPOINTS = frozenset(
    {"auth.login", "auth.invitation", "auth.forgot", "auth.reset_password", "auth.unsubscribe"}
)


# --- The logged-in user -------------------------------------------------------------


class SessionUser(UserMixin):
    """The User row behind current_user; its id embeds the password fingerprint."""

    def __init__(self, user: User) -> None:
        self.user = user

    def get_id(self) -> str:
        return f"{self.user.id}:{accounts.session_token(self.user)}"

    @property
    def is_active(self) -> bool:
        return bool(self.user.active)

    @property
    def role(self) -> Role:
        return Role(self.user.role)

    @property
    def display_name(self) -> str:
        return self.user.display_name or self.user.email

    def at_least(self, role: Role) -> bool:
        return self.role.at_least(role)

    @property
    def can_edit(self) -> bool:
        return self.at_least(Role.EDITOR)

    @property
    def is_admin(self) -> bool:
        return self.at_least(Role.ADMIN)


def load_user(user_id: str) -> SessionUser | None:
    """Flask-Login's loader: a disabled account or a changed password ends the session."""
    raw_id, _, token = (user_id or "").partition(":")
    row_id = parse_id(raw_id)
    if row_id is None:
        return None
    user = accounts.get_user(db_session(), row_id)
    if user is None or not user.active:
        return None
    if not hmac.compare_digest(token, accounts.session_token(user)):
        return None
    return SessionUser(user)


def current_actor() -> User:
    """The User row of the logged-in person (the `actor` of pledges/ writes)."""
    return current_user.user


# --- Access rules ----------------------------------------------------------------------


def _refusal(needed: Role | None) -> BaseResponse | None:
    if not current_user.is_authenticated:
        login_url = url_for("auth.login", next=_safe_next(request.full_path))
        if request.headers.get("HX-Request"):
            # htmx would swap the login page into a row: ask it to navigate instead.
            response = make_response("", 401)
            response.headers["HX-Redirect"] = login_url
            return response
        return redirect(login_url)
    if needed is not None and not current_user.at_least(needed):
        raise RoleRequired(needed)
    return None


def requires(role: Role) -> Callable:
    """A route's minimum role, above its blueprint's (e.g. account management: admin)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            refused = _refusal(role)
            if refused is not None:
                return refused
            return view(*args, **kwargs)

        # Read back by required_role(); functions take attributes, mypy cannot know it.
        wrapper.required_role = role  # type: ignore[attr-defined]
        return wrapper

    return decorate


def protect_blueprint(blueprint: Blueprint, minimum: Role) -> None:
    """Every route of `blueprint` needs a logged-in user of at least `minimum`."""
    BLUEPRINT_ROLES[blueprint.name] = minimum

    @blueprint.before_request
    def _check() -> BaseResponse | None:
        return _refusal(required_role(request.endpoint or "") or minimum)

    @blueprint.after_request
    def _private(response: Response) -> Response:
        _no_store(response)
        return response


def required_role(endpoint: str) -> Role | None:
    """The minimum role of an endpoint, or None when it needs none (public, or anonymous auth)."""
    view = current_app.view_functions.get(endpoint)
    blueprint = endpoint.rpartition(".")[0]
    base = BLUEPRINT_ROLES.get(blueprint)
    if blueprint == "auth" and endpoint not in ANONYMOUS_ENDPOINTS:
        base = Role.VOLUNTEER
    own = getattr(view, "required_role", None)
    if own is None:
        return base
    if base is None:
        return own
    return own if own.at_least(base) else base


def _no_store(response: Response) -> None:
    # Pages of logged-in people hold their names, tokens and queues: never cached.
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")


@bp.after_request
def _auth_private(response: Response) -> Response:
    _no_store(response)
    return response


@bp.before_request
def _auth_login_required() -> BaseResponse | None:
    if request.endpoint in ANONYMOUS_ENDPOINTS:
        return None
    return _refusal(Role.VOLUNTEER)


def _safe_next(target: str | None) -> str | None:
    """Only a local path (never another host, never //host) may follow the login."""
    if not target:
        return None
    target = target.rstrip("?")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


def home_for(user: SessionUser) -> str:
    if user.at_least(Role.EDITOR):
        return url_for("admin.index")
    return url_for("volunteer.queue")


# --- Login, logout, password ----------------------------------------------------------


def _limit_key(kind: str, value: str) -> str:
    # An HMAC, so the limiter's storage (Redis in production) holds no raw
    # addresses or emails; the counters expire with their window anyway.
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def client_network(address: str) -> str:
    """The unit a login limit counts: an IPv4 address, or an IPv6 /64 network.

    One IPv6 subscriber holds a whole /64 (2^64 addresses): keyed per address,
    "a new address may still try" would give them unbounded guesses.
    """
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


class FailureLimit:
    """Failures counted under one key, tested before the work, hit only on failure."""

    def __init__(self, setting: str, kind: str, value: str) -> None:
        self.items = parse_many(current_app.config[setting])
        self.key = _limit_key(kind, value)

    def exhausted(self) -> bool:
        limiter = limit_counters()
        return not all(limiter.test(item, "login", self.key) for item in self.items)

    def untouched(self) -> bool:
        """No failure counted in any window."""
        limiter = limit_counters()
        return all(
            limiter.get_window_stats(item, "login", self.key).remaining >= item.amount
            for item in self.items
        )

    def fail(self) -> None:
        limiter = limit_counters()
        for item in self.items:
            limiter.hit(item, "login", self.key)

    def reset(self) -> None:
        limiter = limit_counters()
        for item in self.items:
            limiter.clear(item, "login", self.key)


class LoginLimits:
    """The three login limits of one attempt (see the comment at the top of this module)."""

    def __init__(self, email: str) -> None:
        email = accounts.normalise_email(email)
        address = client_network(request.remote_addr or "")
        self.address = address
        self.pair = FailureLimit("LOGIN_LIMIT_ACCOUNT_ADDRESS", "pair", f"{email}\n{address}")
        self.account = FailureLimit("LOGIN_LIMIT_ACCOUNT", "account", email)

    def allow(self) -> bool:
        """Count the attempt per address; False when any limit refuses it (before hashing)."""
        limiter = limit_counters()
        address_key = _limit_key("address", self.address)
        allowed = True
        for item in parse_many(current_app.config["LOGIN_LIMIT_ADDRESS"]):
            if not limiter.hit(item, "login", address_key):
                allowed = False
        if self.pair.exhausted():
            return False
        if self.account.exhausted() and not self.pair.untouched():
            return False
        return allowed

    def failed(self) -> None:
        self.pair.fail()
        self.account.fail()

    def succeeded(self) -> None:
        self.pair.reset()


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Email and password; one generic error whatever went wrong (no account enumeration)."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(home_for(current_user))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        # The validators passed: both fields hold text.
        email, secret = cast(str, form.email.data), cast(str, form.password.data)
        limits = LoginLimits(email)
        if not limits.allow():
            form.form_errors.append(
                _l("Trop de tentatives de connexion. Réessayez dans quelques minutes.")
            )
            status = 429
        else:
            dbs = db_session()
            user = accounts.authenticate(dbs, email, secret)
            if user is None:
                limits.failed()
                form.form_errors.append(_l("Adresse e-mail ou mot de passe incorrect."))
                status = 401
            else:
                dbs.commit()
                limits.succeeded()
                return _start_session(user, request.args.get("next"))
    return render_template("auth/login.html", form=form), status


def _start_session(user: User, next_url: str | None) -> BaseResponse:
    # A fresh session at login: nothing from before (e.g. an old CSRF secret) survives.
    session.clear()
    session_user = SessionUser(user)
    login_user(session_user)
    # Flask-Login also stores a hash of the visitor's IP address and browser;
    # we keep no address, not even hashed, in the cookie.
    session.pop("_id", None)
    return redirect(_safe_next(next_url) or home_for(session_user))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """POST with CSRF only (a link could be triggered by another site)."""
    form = LogoutForm()
    if not form.validate_on_submit():
        abort(400)
    # A new generation voids this cookie everywhere, even a copy taken earlier.
    dbs = db_session()
    accounts.end_sessions(dbs, current_actor())
    dbs.commit()
    logout_user()
    # An empty session: Flask deletes the cookie, the visitor is anonymous again.
    session.clear()
    return redirect(url_for("public.index"))


def _renew_session(user: User) -> None:
    # The session id embeds the session fingerprint: renew ours once the others end.
    login_user(SessionUser(user))
    session.pop("_id", None)


def _account_page(form: PasswordForm, *, status: int = 200) -> ResponseReturnValue:
    return render_template("auth/password.html", form=form), status


@bp.route("/password", methods=["GET", "POST"])
def password() -> ResponseReturnValue:
    """Password change; wrong current passwords are limited per account (a stolen
    session must not become a way to guess the password)."""
    form = PasswordForm()
    if form.validate_on_submit():
        dbs = db_session()
        user = current_actor()
        guesses = FailureLimit("PASSWORD_LIMIT_ACCOUNT", "password", str(user.id))
        if guesses.exhausted():
            form.form_errors.append(_l("Trop de tentatives. Réessayez dans quelques minutes."))
            return _account_page(form, status=429)
        try:
            accounts.change_password(  # both fields required: the validators passed
                dbs,
                user,
                current=cast(str, form.current.data),
                new=cast(str, form.new.data),
                actor=user,
            )
        except AccountError as error:
            if error.code == "wrong_password":
                guesses.fail()
            # The password rules name no field: here they are about the new one.
            show_on_form(form, error, field=error.field or "new")
        else:
            dbs.commit()
            guesses.reset()
            _renew_session(user)
            flash(
                _("Votre mot de passe a été changé. Vos autres sessions sont fermées."), "success"
            )
            return redirect(url_for("auth.password"))
        return _account_page(form, status=422)
    if form.is_submitted():
        return _account_page(form, status=422)
    return _account_page(form)


@bp.post("/sessions/end-others")
def end_other_sessions() -> ResponseReturnValue:
    """Log out everywhere else (a forgotten session, a lost device); this one stays."""
    form = LogoutForm()
    if not form.validate_on_submit():
        abort(400)
    dbs = db_session()
    user = current_actor()
    accounts.end_sessions(dbs, user)
    dbs.commit()
    _renew_session(user)
    flash(_("Vos sessions sur les autres appareils sont fermées."), "success")
    return redirect(url_for("auth.password"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token: str) -> ResponseReturnValue:
    """The invitee chooses a display name and a password; the link then stops working."""
    dbs = db_session()
    found = accounts.get_invitation(dbs, token)
    if found is None:
        response = make_response(render_template("auth/invitation_invalid.html"), 404)
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
    form = InvitationForm()
    if form.validate_on_submit():
        try:
            user = accounts.accept_invitation(  # both fields required: the validators passed
                dbs,
                token,
                display_name=cast(str, form.display_name.data),
                password=cast(str, form.password.data),
                language=str(get_locale()),
            )
        except AccountError as error:
            form.form_errors.append(error_message(error))
        else:
            dbs.commit()
            return _start_session(user, None)
    response = make_response(
        render_template("auth/invitation.html", form=form, invitation=found, token=token),
        422 if form.is_submitted() else 200,
    )
    # The token is in the URL: never send it on in a Referer header.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# --- One's account: display name, mail language, digests ------------------------------


@bp.route("/account", methods=["GET", "POST"])
def account() -> ResponseReturnValue:
    """Everyone edits their display name (shown beside their rulings), mail language, digests."""
    user = current_actor()
    form = AccountForm()
    if form.validate_on_submit():
        dbs = db_session()
        try:
            accounts.update_account(
                dbs,
                user,
                display_name=cast(str, form.display_name.data),
                language=cast(str, form.language.data),
                actor=user,
            )
            accounts.set_digest_opt_out(dbs, user, not form.digests.data, actor=user)
        except AccountError as error:
            show_on_form(form, error)
        else:
            dbs.commit()
            flash(_("Compte enregistré."), "success")
            return redirect(url_for("auth.account"))
    if form.is_submitted():
        return render_template("auth/account.html", form=form), 422
    form.display_name.data = user.display_name
    form.language.data = user.language if user.language in accounts.LANGUAGES else "fr"
    form.digests.data = not user.digest_opt_out
    return render_template("auth/account.html", form=form)


# --- Forgotten password ----------------------------------------------------------------


def _reset_allowed(email: str) -> bool:
    """RESET_LIMIT per client address and per address asked about (both HMAC keys)."""
    limiter = limit_counters()
    keys = [
        _limit_key("reset-address", client_network(request.remote_addr or "")),
        _limit_key("reset-email", accounts.normalise_email(email)),
    ]
    allowed = True
    for item in parse_many(current_app.config["RESET_LIMIT"]):
        for key in keys:
            if not limiter.hit(item, "reset", key):
                allowed = False
    return allowed


@bp.route("/forgot", methods=["GET", "POST"])
def forgot() -> ResponseReturnValue:
    """Ask for a reset link by mail; the same answer whether the address has an account or not."""
    form = ForgotForm()
    if not mail.mail_enabled():
        # Nothing to send: say who can help (the same for every address).
        return render_template("auth/forgot.html", form=form, mail_off=True)
    if form.validate_on_submit():
        email = cast(str, form.email.data)
        if not _reset_allowed(email):
            form.form_errors.append(_l("Trop de demandes. Réessayez dans quelques minutes."))
            return render_template("auth/forgot.html", form=form), 429
        dbs = db_session()
        created = accounts.request_password_reset(dbs, email)
        dbs.commit()
        if created is not None:
            try:
                mail.send_password_reset(created.user, created.token)
            except Exception:  # SMTP down: logged; the answer must not tell (no oracle)
                current_app.logger.exception("password reset mail not sent")
        flash(
            _(
                "Si un compte actif correspond à cette adresse, un lien de réinitialisation "
                "vient d'y être envoyé. Il expire dans une heure."
            ),
            "success",
        )
        return redirect(url_for("auth.login"))
    if form.is_submitted():
        return render_template("auth/forgot.html", form=form), 422
    return render_template("auth/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> ResponseReturnValue:
    """Choose a new password from a one-time link; every session of the account ends."""
    dbs = db_session()
    if accounts.get_password_reset(dbs, token) is None:
        response = make_response(render_template("auth/reset_invalid.html"), 404)
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
    form = ResetForm()
    status = 200
    if form.validate_on_submit():
        try:
            accounts.reset_password(dbs, token, password=cast(str, form.password.data))
        except AccountError as error:
            show_on_form(form, error, field=error.field or "password")
        else:
            dbs.commit()
            if current_user.is_authenticated:
                logout_user()
            session.clear()
            flash(_("Votre mot de passe a été changé. Connectez-vous avec le nouveau."), "success")
            return redirect(url_for("auth.login"))
    if form.is_submitted():
        status = 422
    response = make_response(render_template("auth/reset.html", form=form, token=token), status)
    # The token is in the URL: never send it on in a Referer header.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# --- Digests: one-click unsubscribe ------------------------------------------------------


# Exempt from CSRF: mail clients POST "List-Unsubscribe=One-Click" (RFC 8058) without
# any token of ours; the signed token in the URL is the authorisation, and the only
# effect is to stop the digests.
@csrf.exempt
@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str) -> ResponseReturnValue:
    """GET asks to confirm (link scanners must not unsubscribe anyone); POST unsubscribes."""
    user_id = mail.unsubscribe_user_id(token)
    dbs = db_session()
    user = accounts.get_user(dbs, user_id) if user_id is not None else None
    if user is None:
        return render_template("auth/unsubscribe.html", invalid=True, token=token), 404
    if request.method == "POST":
        accounts.set_digest_opt_out(dbs, user, True, actor=user)
        dbs.commit()
        return redirect(url_for("auth.unsubscribe", token=token))
    return render_template("auth/unsubscribe.html", user=user, token=token, invalid=False)
