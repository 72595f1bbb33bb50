"""The editors' form flow, written once: fill, validate, version check, save, answer.

Every admin edit page calls `edit_page`: on GET the form is filled from the
object (or left empty, for a create page); a valid POST saves; a stale version
answers 409 with the values saved meanwhile, a refused rule 422 with the error
beside its field, and success commits, flashes and redirects. Nothing here
rolls back: the request's session does that when it closes (views.database).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import Field

from pledges.errors import ConflictError, DomainError
from views.database import db_session
from views.error_messages import show_on_form
from views.query import parse_id


def set_hidden(field: Field, value: object) -> None:
    """Replace a hidden field's submitted value (e.g. the current version after a conflict)."""
    field.data = str(value)
    field.raw_data = [str(value)]


def version_of(field: Field) -> int:
    """The version the form was read at; a missing or garbled one is a conflict."""
    version = parse_id(field.data)
    if version is None:
        raise ConflictError("The form carries no version.", code="conflict")
    return version


@dataclass(frozen=True)
class VersionCheck:
    """How a page carries the version it was read at (optimistic locking).

    `field` is the hidden form field; `current` reads the object's version (or
    fingerprint) now; `reload` re-reads the object from the database after a
    conflict, so the page shows what was saved meanwhile.
    """

    field: Field
    current: Callable[[], object]
    reload: Callable[[], None]


@dataclass(frozen=True)
class Saved:
    """What to tell the editor after a successful save, and where to send them."""

    message: str
    url: str


def edit_page(
    form: FlaskForm,
    *,
    fill: Callable[[], Mapping[str, Any]] | None,
    version: VersionCheck | None,
    save: Callable[[], Saved],
    render: Callable[[bool], str],
) -> ResponseReturnValue:
    """Run one edit (or create) page; `render(conflict)` draws the form page.

    `fill` gives the form's values on GET (None: an empty form). `save` does the
    write through pledges/ (raising DomainError when a rule refuses) and says
    what to flash and where to go; the commit happens here, once, on success.
    """
    status = 200
    conflict = False
    if not form.is_submitted():
        if fill is not None:
            form.process(data=fill())
        if version is not None:
            set_hidden(version.field, version.current())
    elif not form.validate():
        status = 422
    else:
        try:
            saved = save()
        except DomainError as error:
            if isinstance(error, ConflictError) and version is not None:
                # The editor's typing stays in the form; the hidden field takes the
                # current version, so saving again deliberately overrides.
                version.reload()
                set_hidden(version.field, version.current())
                conflict, status = True, 409
            else:
                show_on_form(form, error)
                status = 422
        else:
            db_session().commit()
            flash(saved.message, "success")
            return redirect(saved.url)
    return render(conflict), status


def create_page(
    form: FlaskForm, *, heading: str, action: str, save: Callable[[], Saved]
) -> ResponseReturnValue:
    """A page that creates one thing with the shared simple form (nothing to fill,
    no version to check: a new object cannot conflict)."""
    return edit_page(
        form,
        fill=None,
        version=None,
        save=save,
        render=lambda conflict: render_edit_form(
            form, heading=heading, action=action, hidden=None, conflict=conflict, current=[]
        ),
    )


def render_edit_form(
    form: FlaskForm,
    *,
    heading: str,
    action: str,
    hidden: Field | None,
    conflict: bool,
    current: list[tuple[str, str]],
) -> str:
    """The shared simple edit page: the form, and on a conflict the values saved meanwhile."""
    return render_template(
        "admin/edit_simple.html",
        form=form,
        heading=heading,
        action=action,
        hidden=hidden,
        conflict=conflict,
        current_values=current if conflict else None,
    )
