"""Accounts (admins only): invitations, roles, disabling, and the public-names site setting."""

from __future__ import annotations

from typing import cast

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from models.enums import Role
from pledges import accounts
from pledges.errors import AccountError
from views.admin import bp
from views.auth import current_actor, requires
from views.database import db_session
from views.error_messages import show_on_form
from views.forms import InviteForm, SettingsForm, UserForm
from views.urls import absolute_url


def _users_page(
    invite_form: InviteForm,
    *,
    link: str | None = None,
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
            invitation_link=link,
        ),
        status,
    )


@bp.get("/users")
@requires(Role.ADMIN)
def users() -> ResponseReturnValue:
    return _users_page(InviteForm(formdata=None))


@bp.post("/invitations")
@requires(Role.ADMIN)
def invite() -> ResponseReturnValue:
    """Create a one-time invitation; its link is shown once, here (only its hash is stored)."""
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
    link = absolute_url("auth.invitation", token=created.token)
    return _users_page(InviteForm(formdata=None), link=link)


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
    if user.id == actor.id:
        flash(
            _("Vous ne pouvez pas modifier votre propre rôle ni désactiver votre compte."), "error"
        )
        return redirect(url_for("admin.users"))
    accounts.set_user_role(dbs, user, role=Role(form.role.data), actor=actor)
    accounts.set_user_active(dbs, user, active=bool(form.active.data), actor=actor)
    dbs.commit()
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
