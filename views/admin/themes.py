"""Themes: the list, a new theme, a theme's names (French, English) and slug.

A new slug moves the theme's pledges with it and keeps the old address
answering 301 (pledges.content.update_theme); the form carries a fingerprint
of the fields it was read at (themes have no version column).
"""

from __future__ import annotations

from typing import cast

from flask import render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from models import Theme
from pledges import content, editing
from pledges.scoreboard import list_themes as count_themes
from views.admin import bp
from views.admin.editing import Saved, VersionCheck, create_page, edit_page, render_edit_form
from views.auth import current_actor
from views.database import db_session, get_or_404
from views.forms import NewThemeForm, ThemeForm


@bp.get("/themes")
def themes() -> ResponseReturnValue:
    """Every theme with its names, slug and number of pledges."""
    dbs = db_session()
    counts = dict(count_themes(dbs))
    return render_template("admin/themes.html", themes=content.list_themes(dbs), counts=counts)


@bp.route("/themes/new", methods=["GET", "POST"])
def new_theme() -> ResponseReturnValue:
    form = NewThemeForm()

    def save() -> Saved:
        content.create_theme(
            db_session(),
            name_fr=cast(str, form.name_fr.data),  # required: validated before save()
            name_en=form.name_en.data or "",
            slug=form.slug.data or "",
            actor=current_actor(),
        )
        return Saved(_("Thème créé."), url_for("admin.themes"))

    return create_page(
        form, heading=_("Nouveau thème"), action=url_for("admin.new_theme"), save=save
    )


@bp.route("/themes/<int:theme_id>/edit", methods=["GET", "POST"])
def edit_theme(theme_id: int) -> ResponseReturnValue:
    dbs = db_session()
    theme = get_or_404(Theme, theme_id)
    form = ThemeForm()

    def save() -> Saved:
        changed = content.update_theme(
            dbs,
            theme,
            expected_fingerprint=form.fingerprint.data or "",
            name_fr=cast(str, form.name_fr.data),  # required: validated before save()
            name_en=form.name_en.data or "",
            slug=form.slug.data or "",
            actor=current_actor(),
        )
        message = _("Thème enregistré.") if changed else _("Aucune modification.")
        return Saved(message, url_for("admin.themes"))

    return edit_page(
        form,
        fill=lambda: {"name_fr": theme.name_fr, "name_en": theme.name_en, "slug": theme.slug},
        version=VersionCheck(
            form.fingerprint,
            current=lambda: editing.fingerprint(theme, content.THEME_FIELDS),
            reload=lambda: dbs.refresh(theme),
        ),
        save=save,
        render=lambda conflict: render_edit_form(
            form,
            heading=_("Modifier le thème"),
            action=url_for("admin.edit_theme", theme_id=theme_id),
            hidden=form.fingerprint,
            conflict=conflict,
            current=[
                (_("Nom en français"), theme.name_fr),
                (_("Nom en anglais"), theme.name_en or "—"),
                (_("Identifiant dans les adresses (slug)"), theme.slug),
            ],
        ),
    )
