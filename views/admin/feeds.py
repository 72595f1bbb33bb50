"""News feeds from the site: register (the poller's SSRF checks apply), rename, reschedule."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlmodel import select

from models import Feed
from models.db import utc_now
from pledges import editing
from pledges.errors import ConflictError, DomainError, UnsafeFeedURL
from pledges.feeds.fetch import AddressGuard, FeedFetchError
from pledges.feeds.polling import add_feed as register_feed
from pledges.feeds.polling import list_feeds
from views.admin import bp, render_edit_form
from views.admin.content import _field_error
from views.admin.rulings import set_hidden
from views.auth import current_actor
from views.common import db_session
from views.forms import FeedForm


def _guard() -> AddressGuard:
    # FEEDS_ALLOW_PRIVATE is refused outside development and tests (app._validate_config).
    return AddressGuard(allow_private=bool(current_app.config["FEEDS_ALLOW_PRIVATE"]))


def _url_error(form: FeedForm, exc: DomainError) -> None:
    if isinstance(exc, UnsafeFeedURL):
        message = _(
            "Adresse refusée : seules les adresses http(s) de serveurs publics sont acceptées."
        )
    elif isinstance(exc, FeedFetchError):
        message = _("Ce nom d'hôte est introuvable.")
    else:
        message = _("Adresse refusée.")
    form.url.errors = [*form.url.errors, message]


@bp.get("/feeds")
def feeds():
    return render_template(
        "admin/feeds.html", feeds=list_feeds(db_session()), form=FeedForm(formdata=None)
    )


@bp.post("/feeds")
def add_feed():
    dbs = db_session()
    form = FeedForm()
    if form.validate_on_submit():
        url = form.url.data.strip()
        if dbs.exec(select(Feed.id).where(Feed.url == url)).first() is not None:
            form.url.errors = [*form.url.errors, _("Ce flux est déjà enregistré.")]
        else:
            try:
                register_feed(
                    dbs,
                    url,
                    guard=_guard(),
                    name=form.name.data or "",
                    interval_minutes=form.interval_minutes.data,
                    actor=current_actor(),
                    now=utc_now(),
                )
            except DomainError as exc:
                dbs.rollback()
                _url_error(form, exc)
            else:
                dbs.commit()
                flash(_("Flux ajouté : il sera lu au prochain passage du lecteur."), "success")
                return redirect(url_for("admin.feeds"))
    return render_template("admin/feeds.html", feeds=list_feeds(dbs), form=form), 422


@bp.route("/feeds/<int:feed_id>/edit", methods=["GET", "POST"])
def edit_feed(feed_id: int):
    dbs = db_session()
    feed = dbs.get(Feed, feed_id)
    if feed is None:
        abort(404)
    form = FeedForm()
    conflict = False
    status = 200
    if not form.is_submitted():
        form.process(
            data={
                "url": feed.url,
                "name": feed.name,
                "interval_minutes": feed.interval_minutes,
                "active": feed.active,
            }
        )
        set_hidden(form.fingerprint, editing.fingerprint(feed, editing.FEED_FIELDS))
    elif form.validate():
        try:
            changed = editing.update_feed(
                dbs,
                feed,
                expected_fingerprint=form.fingerprint.data or "",
                url=form.url.data,
                name=form.name.data or "",
                interval_minutes=form.interval_minutes.data,
                active=form.active.data,
                guard=_guard(),
                actor=current_actor(),
            )
        except ConflictError:
            dbs.rollback()
            dbs.refresh(feed)
            conflict, status = True, 409
            set_hidden(form.fingerprint, editing.fingerprint(feed, editing.FEED_FIELDS))
        except editing.EditError as error:
            dbs.rollback()
            _field_error(form, error)
            status = 422
        except DomainError as exc:
            dbs.rollback()
            _url_error(form, exc)
            status = 422
        else:
            dbs.commit()
            flash(_("Flux enregistré.") if changed else _("Aucune modification."), "success")
            return redirect(url_for("admin.feeds"))
    else:
        status = 422
    return render_edit_form(
        form,
        heading=_("Modifier le flux"),
        action=url_for("admin.edit_feed", feed_id=feed_id),
        hidden=form.fingerprint,
        status=status,
        conflict=conflict,
        current=[
            (_("Adresse"), feed.url),
            (_("Nom"), feed.name),
            (_("Intervalle (minutes)"), str(feed.interval_minutes)),
        ],
    )
