"""Accounts (admins only): invitations (create, revoke, re-send), roles, disabling,
password reset links, and the public-names site setting.

Every successful post redirects to the users page (Post/Redirect/Get). A link
that must be handed over by hand (mail off, or the mail failed) is kept in the
session for exactly one display of that page: the database only has its hash.
"""

from __future__ import annotations

from typing import cast

from flask import abort, current_app, flash, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _

from models import Invitation
from models.enums import Role
from pledges import accounts
from pledges.errors import AccountError
from views.admin import bp
from views.auth import current_actor, requires
from views.database import db_session
from views.error_messages import error_message, show_on_form
from views.forms import InviteForm, LogoutForm, SettingsForm, UserForm
from views.mail import mail_enabled, send_invitation, send_password_reset
from views.urls import absolute_url

# Session key of a link to show once on the users page: {"kind": ..., "url": ..., "email": ...}.
SHOWN_ONCE = "account_link"


def _show_once(kind: str, url: str, email: str) -> None:
    session[SHOWN_ONCE] = {"kind": kind, "url": url, "email": email}


def _users_page(
    invite_form: InviteForm,
    *,
    status: int = 200,
    failed: tuple[int, UserForm] | None = None,
) -> ResponseReturnValue:
    """The accounts page; `failed` is a user form that did not validate, shown with its errors."""
    dbs = db_session()
    users = accounts.list_users(dbs)
    forms = {
        user.id: UserForm(
            prefix=f"u{user.id}",
            formdata=None,
            data={"role": user.role.value, "active": user.active},
        )
        for user in users
    }
    if failed is not None:
        forms[failed[0]] = failed[1]
    return (
        render_template(
            "admin/users.html",
            users=users,
            forms=forms,
            invite_form=invite_form,
            invitations=accounts.list_open_invitations(dbs),
            # Popped: shown on this one page, gone on reload.
            shown_once=session.pop(SHOWN_ONCE, None),
            mail_on=mail_enabled(),
        ),
        status,
    )


@bp.get("/users")
@requires(Role.ADMIN)
def users() -> ResponseReturnValue:
    return _users_page(InviteForm(formdata=None))


@bp.get("/invitations")
@requires(Role.ADMIN)
def invitations() -> ResponseReturnValue:
    """A reload or language switch after a failed invitation post lands on the users page."""
    return redirect(url_for("admin.users"))


def _deliver_invitation(created: accounts.NewInvitation, *, sent_message: str) -> None:
    """Mail the link when mail is on; otherwise (or if the mail fails) show it once."""
    invitation = created.invitation
    link = absolute_url("auth.invitation", token=created.token, lang=None)
    if mail_enabled():
        try:
            send_invitation(
                invitation.email,
                created.token,
                language=str(get_locale()),
                inviter=current_actor(),
            )
        except Exception:  # SMTP down: the admin hands the link over instead
            current_app.logger.exception("invitation mail not sent")
            flash(_("Le courriel n'a pas pu être envoyé."), "error")
        else:
            flash(sent_message % {"email": invitation.email}, "success")
            return
    _show_once("invitation", link, invitation.email)


@bp.post("/invitations")
@requires(Role.ADMIN)
def invite() -> ResponseReturnValue:
    """Create a one-time invitation (replacing any live one to the same address)."""
    form = InviteForm()
    if not form.validate_on_submit():
        return _users_page(form, status=422)
    dbs = db_session()
    try:
        created = accounts.create_invitation(
            dbs,
            email=cast(str, form.email.data),  # required: the validators passed
            role=Role(form.role.data),
            actor=current_actor(),
        )
    except AccountError as error:
        show_on_form(form, error, field="email")
        return _users_page(form, status=422)
    dbs.commit()
    _deliver_invitation(created, sent_message=_("Invitation envoyée par courriel à %(email)s."))
    return redirect(url_for("admin.users"))


def _open_invitation(invitation_id: int) -> Invitation:
    invitation = db_session().get(Invitation, invitation_id)
    if invitation is None:
        abort(404)
    return invitation


@bp.post("/invitations/<int:invitation_id>/revoke")
@requires(Role.ADMIN)
def revoke_invitation(invitation_id: int) -> ResponseReturnValue:
    """The link stops working at once."""
    form = LogoutForm()  # CSRF only
    if not form.validate_on_submit():
        abort(400)
    dbs = db_session()
    invitation = _open_invitation(invitation_id)
    try:
        accounts.revoke_invitation(dbs, invitation, actor=current_actor())
    except AccountError as error:
        flash(error_message(error), "error")
    else:
        dbs.commit()
        flash(_("Invitation révoquée : son lien ne fonctionne plus."), "success")
    return redirect(url_for("admin.users"))


@bp.post("/invitations/<int:invitation_id>/resend")
@requires(Role.ADMIN)
def resend_invitation(invitation_id: int) -> ResponseReturnValue:
    """A new link for the same address and role (full validity); the old link dies."""
    form = LogoutForm()  # CSRF only
    if not form.validate_on_submit():
        abort(400)
    dbs = db_session()
    invitation = _open_invitation(invitation_id)
    try:
        created = accounts.resend_invitation(dbs, invitation, actor=current_actor())
    except AccountError as error:
        flash(error_message(error), "error")
        return redirect(url_for("admin.users"))
    dbs.commit()
    _deliver_invitation(
        created, sent_message=_("Nouvelle invitation envoyée par courriel à %(email)s.")
    )
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/reset")
@requires(Role.ADMIN)
def reset_user_password(user_id: int) -> ResponseReturnValue:
    """A one-time reset link (valid a day): mailed to the person, or shown once to hand over."""
    form = LogoutForm()  # CSRF only
    if not form.validate_on_submit():
        abort(400)
    dbs = db_session()
    user = accounts.get_user(dbs, user_id)
    if user is None:
        abort(404)
    if not user.active:
        flash(_("Ce compte est désactivé : réactivez-le d'abord."), "error")
        return redirect(url_for("admin.users"))
    created = accounts.create_password_reset(
        dbs, user, actor=current_actor(), ttl=accounts.ADMIN_RESET_TTL
    )
    dbs.commit()
    if mail_enabled():
        try:
            send_password_reset(user, created.token, by_admin=True)
        except Exception:
            current_app.logger.exception("password reset mail not sent")
            flash(_("Le courriel n'a pas pu être envoyé."), "error")
        else:
            flash(
                _("Lien de réinitialisation envoyé par courriel à %(email)s.", email=user.email),
                "success",
            )
            return redirect(url_for("admin.users"))
    link = absolute_url("auth.reset_password", token=created.token, lang=None)
    _show_once("reset", link, user.email)
    return redirect(url_for("admin.users"))


@bp.get("/users/<int:user_id>")
@requires(Role.ADMIN)
def user_page(user_id: int) -> ResponseReturnValue:
    """A reload or language switch after a failed account post lands on the users page."""
    return redirect(url_for("admin.users", _anchor=f"user-{user_id}"))


@bp.post("/users/<int:user_id>")
@requires(Role.ADMIN)
def update_user(user_id: int) -> ResponseReturnValue:
    """Change a role or disable an account (never one's own: no admin locks themself out)."""
    dbs = db_session()
    user = accounts.get_user(dbs, user_id)
    if user is None:
        abort(404)
    form = UserForm(prefix=f"u{user_id}")
    if not form.validate_on_submit():
        return _users_page(InviteForm(formdata=None), status=422, failed=(user_id, form))
    actor = current_actor()
    own = user.id == actor.id
    try:
        accounts.set_user_role(dbs, user, role=Role(form.role.data), actor=actor)
        if not own:  # one's own account is never disabled from here (no lock-out)
            accounts.set_user_active(dbs, user, active=bool(form.active.data), actor=actor)
    except AccountError as error:
        dbs.rollback()
        show_on_form(form, error, field="role")
        return _users_page(InviteForm(formdata=None), status=422, failed=(user_id, form))
    dbs.commit()
    if own and Role(form.role.data) != Role.ADMIN:
        # No longer an admin: this page is not theirs any more.
        flash(_("Votre rôle a changé."), "success")
        return redirect(url_for("public.scoreboard"))
    flash(_("Compte enregistré."), "success")
    return redirect(url_for("admin.users"))


@bp.route("/settings", methods=["GET", "POST"])
@requires(Role.ADMIN)
def settings() -> ResponseReturnValue:
    dbs = db_session()
    default = bool(current_app.config["PUBLIC_EDITOR_NAMES"])
    form = SettingsForm()
    if form.validate_on_submit():
        accounts.set_show_editor_names(
            dbs, bool(form.public_editor_names.data), actor=current_actor()
        )
        dbs.commit()
        flash(_("Réglages enregistrés."), "success")
        return redirect(url_for("admin.settings"))
    if not form.is_submitted():
        form.public_editor_names.data = accounts.show_editor_names(dbs, default=default)
    return render_template("admin/settings.html", form=form)
