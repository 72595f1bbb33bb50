"""News feeds from the site: register (the poller's SSRF checks apply), rename, reschedule."""

from __future__ import annotations

from typing import cast

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from models import Feed
from models.db import utc_now
from pledges import editing
from pledges.errors import DomainError
from pledges.feeds.fetch import AddressGuard
from pledges.feeds.polling import add_feed as register_feed
from pledges.feeds.polling import list_feeds
from views.admin import bp
from views.admin.editing import Saved, VersionCheck, edit_page, render_edit_form
from views.auth import current_actor
from views.database import db_session
from views.error_messages import show_on_form
from views.forms import FeedForm


def _guard() -> AddressGuard:
    # FEEDS_ALLOW_PRIVATE is refused outside development and tests (app._validate_config).
    return AddressGuard(allow_private=bool(current_app.config["FEEDS_ALLOW_PRIVATE"]))


@bp.get("/feeds")
def feeds() -> ResponseReturnValue:
    return render_template(
        "admin/feeds.html", feeds=list_feeds(db_session()), form=FeedForm(formdata=None)
    )


@bp.post("/feeds")
def add_feed() -> ResponseReturnValue:
    dbs = db_session()
    form = FeedForm()
    if form.validate_on_submit():
        try:
            register_feed(
                dbs,
                # url and interval_minutes are required: the validators passed.
                cast(str, form.url.data),
                guard=_guard(),
                name=form.name.data or "",
                interval_minutes=cast(int, form.interval_minutes.data),
                actor=current_actor(),
                now=utc_now(),
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            dbs.commit()
            flash(_("Flux ajouté : il sera lu au prochain passage du lecteur."), "success")
            return redirect(url_for("admin.feeds"))
    return render_template("admin/feeds.html", feeds=list_feeds(dbs), form=form), 422


@bp.route("/feeds/<int:feed_id>/edit", methods=["GET", "POST"])
def edit_feed(feed_id: int) -> ResponseReturnValue:
    dbs = db_session()
    feed = dbs.get(Feed, feed_id)
    if feed is None:
        abort(404)
    form = FeedForm()

    def save() -> Saved:
        changed = editing.update_feed(
            dbs,
            feed,
            expected_fingerprint=form.fingerprint.data or "",
            # Required fields: edit_page validates the form before save().
            url=cast(str, form.url.data),
            name=form.name.data or "",
            interval_minutes=cast(int, form.interval_minutes.data),
            active=form.active.data,
            guard=_guard(),
            actor=current_actor(),
        )
        message = _("Flux enregistré.") if changed else _("Aucune modification.")
        return Saved(message, url_for("admin.feeds"))

    return edit_page(
        form,
        fill=lambda: {
            "url": feed.url,
            "name": feed.name,
            "interval_minutes": feed.interval_minutes,
            "active": feed.active,
        },
        version=VersionCheck(
            form.fingerprint,
            current=lambda: editing.fingerprint(feed, editing.FEED_FIELDS),
            reload=lambda: dbs.refresh(feed),
        ),
        save=save,
        render=lambda conflict: render_edit_form(
            form,
            heading=_("Modifier le flux"),
            action=url_for("admin.edit_feed", feed_id=feed_id),
            hidden=form.fingerprint,
            conflict=conflict,
            current=[
                (_("Adresse"), feed.url),
                (_("Nom"), feed.name),
                (_("Intervalle (minutes)"), str(feed.interval_minutes)),
            ],
        ),
    )
