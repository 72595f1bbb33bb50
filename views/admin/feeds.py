"""News feeds from the site: register (the poller's SSRF checks apply), rename, reschedule;
each feed's page (its items and their suggestions, last outcomes), read now, pause, resume,
delete; and the keywords preview of the pledge edit form.
"""

from __future__ import annotations

from dataclasses import replace
from typing import cast

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from models import Feed, Pledge
from models.db import utc_now
from pledges import editing
from pledges.errors import DomainError
from pledges.feeds import polling
from pledges.feeds.fetch import AddressGuard
from pledges.feeds.ingest import count_feed_items, list_feed_page
from pledges.feeds.polling import add_feed as register_feed
from pledges.feeds.polling import list_feeds
from pledges.feeds.rematch import count_pledges_to_catch_up, preview_matches
from views.admin import bp
from views.admin.editing import Saved, VersionCheck, edit_page, render_edit_form
from views.auth import current_actor
from views.database import db_session, get_engine, get_or_404
from views.error_messages import code_message, show_on_form
from views.forms import FeedForm
from views.query import parse_id, wants_fragment

ITEMS_PER_PAGE = 20
# "Lire maintenant" holds a web worker while the news site answers: at most this long
# (and never longer than FEEDS_DEADLINE_SECONDS), below gunicorn's 30 s worker timeout.
READ_NOW_DEADLINE = 25.0
MAX_PREVIEW_TERMS = 200  # keyword lines read by the preview (the form allows 20,000 chars)


def _guard() -> AddressGuard:
    # FEEDS_ALLOW_PRIVATE is refused outside development and tests (app._validate_config).
    return AddressGuard(allow_private=bool(current_app.config["FEEDS_ALLOW_PRIVATE"]))


def _settings() -> polling.PollSettings:
    return polling.PollSettings.from_config(current_app.config)


def _feed_or_404(feed_id: int) -> Feed:
    feed = polling.get_feed(db_session(), feed_id)
    if feed is None:
        abort(404)
    return feed


def _render_list(form: FeedForm) -> str:
    dbs = db_session()
    return render_template(
        "admin/feeds.html",
        feeds=[(feed, items, polling.outcome_of(feed)) for feed, items in list_feeds(dbs)],
        form=form,
        waiting_catch_up=count_pledges_to_catch_up(dbs),
    )


@bp.get("/feeds")
def feeds() -> ResponseReturnValue:
    return _render_list(FeedForm(formdata=None))


@bp.post("/feeds")
def add_feed() -> ResponseReturnValue:
    dbs = db_session()
    form = FeedForm()
    if form.validate_on_submit():
        try:
            feed = register_feed(
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
            flash(
                _(
                    "Flux ajouté : le lecteur de flux le lira dans la minute "
                    "(ou maintenant, avec « Lire maintenant »)."
                ),
                "success",
            )
            return redirect(url_for("admin.feed", feed_id=feed.id))
    return _render_list(form), 422


@bp.get("/feeds/<int:feed_id>")
def feed(feed_id: int) -> ResponseReturnValue:
    """A feed: its last outcomes, its actions, and its stored items with their suggestions."""
    dbs = db_session()
    found = _feed_or_404(feed_id)
    total = count_feed_items(dbs, feed_id)
    pages = max(1, -(-total // ITEMS_PER_PAGE))
    page = min(parse_id(request.args.get("page")) or 1, pages)
    history = polling.list_fetches(dbs, feed_id)
    outcome, code = polling.outcome_of(found)
    return render_template(
        "admin/feed.html",
        feed=found,
        outcome=outcome,
        code=code,
        history=history,
        alternates=history[0].alternates if history else [],
        rows=list_feed_page(dbs, feed_id, page=page, per_page=ITEMS_PER_PAGE),
        total=total,
        page=page,
        pages=pages,
        add_form=FeedForm(formdata=None),
    )


@bp.post("/feeds/<int:feed_id>/read")
def read_feed(feed_id: int) -> ResponseReturnValue:
    """Fetch the feed now, within the fetch deadline and the same address guard; PRG."""
    _feed_or_404(feed_id)
    db_session().rollback()  # no transaction held open while the news site answers
    settings = _settings()
    settings = replace(settings, deadline_seconds=min(settings.deadline_seconds, READ_NOW_DEADLINE))
    report = polling.read_feed_now(get_engine(), settings, feed_id)
    if report is None:
        flash(
            _("Ce flux est en pause ou déjà en cours de lecture : réessayez dans un instant."),
            "error",
        )
    elif report.outcome == polling.ERROR:
        flash(_("Lecture échouée : %(message)s", message=code_message(report.code)), "error")
    else:
        message = _(
            "Flux lu : %(new)s nouvel(s) article(s), %(sugg)s suggestion(s).",
            new=report.ingest.new_items,
            sugg=report.ingest.suggestions,
        )
        if report.outcome == polling.UNCHANGED:
            message = _("Flux lu : inchangé depuis la dernière lecture.")
        if report.outcome == polling.WARNING:
            message += " " + _("Avertissement : %(message)s", message=code_message(report.code))
        flash(message, "warning" if report.outcome == polling.WARNING else "success")
    return redirect(url_for("admin.feed", feed_id=feed_id))


@bp.post("/feeds/<int:feed_id>/pause")
def pause_feed(feed_id: int) -> ResponseReturnValue:
    dbs = db_session()
    if polling.pause_feed(dbs, _feed_or_404(feed_id), actor=current_actor(), now=utc_now()):
        dbs.commit()
    flash(_("Flux mis en pause : il ne sera plus lu."), "success")
    return redirect(url_for("admin.feed", feed_id=feed_id))


@bp.post("/feeds/<int:feed_id>/resume")
def resume_feed(feed_id: int) -> ResponseReturnValue:
    dbs = db_session()
    if polling.resume_feed(dbs, _feed_or_404(feed_id), actor=current_actor(), now=utc_now()):
        dbs.commit()
    flash(_("Flux repris : le lecteur de flux le lira dans la minute."), "success")
    return redirect(url_for("admin.feed", feed_id=feed_id))


@bp.post("/feeds/<int:feed_id>/delete")
def delete_feed(feed_id: int) -> ResponseReturnValue:
    dbs = db_session()
    withdrawn = polling.delete_feed(
        dbs, _feed_or_404(feed_id), actor=current_actor(), now=utc_now()
    )
    dbs.commit()
    flash(
        _(
            "Flux supprimé. Ses articles restent enregistrés pour les preuves qui les citent ; "
            "%(count)s suggestion(s) en attente retirée(s).",
            count=withdrawn,
        ),
        "success",
    )
    return redirect(url_for("admin.feeds"))


def _keyword_lines(name: str) -> list[str]:
    values = request.form.get(name, "")
    return [line.strip() for line in values.splitlines() if line.strip()][:MAX_PREVIEW_TERMS]


@bp.route("/pledges/<int:pledge_id>/keywords-preview", methods=["GET", "POST"])
def keywords_preview(pledge_id: int) -> ResponseReturnValue:
    """The stored articles the given keywords would match, matched words marked.

    POST, because keywords are lines and a query argument may hold no newline
    (views.security): htmx posts the two keyword fields live as they change;
    without JavaScript the edit form's "Prévisualiser" button posts the whole
    form here. Only the keywords are read and nothing is written, so the answer
    is the page itself (no redirect). GET shows the pledge's saved keywords.
    """
    dbs = db_session()
    pledge = get_or_404(Pledge, pledge_id)
    given = request.method == "POST"
    includes = _keyword_lines("keywords_include") if given else list(pledge.keywords_include)
    excludes = _keyword_lines("keywords_exclude") if given else list(pledge.keywords_exclude)
    preview = preview_matches(
        dbs,
        includes,
        excludes,
        now=utc_now(),
        days=int(current_app.config["FEEDS_REMATCH_DAYS"]),
    )
    context = {
        "pledge": pledge,
        "preview": preview,
        "includes": includes,
        "excludes": excludes,
        "live": True,
    }
    if wants_fragment("keywords-preview"):
        response = current_app.make_response(
            render_template("admin/_keywords_preview.html", **context)
        )
    else:
        response = current_app.make_response(
            render_template("admin/keywords_preview.html", **context)
        )
    response.vary.add("HX-Request")
    return response


@bp.route("/feeds/<int:feed_id>/edit", methods=["GET", "POST"])
def edit_feed(feed_id: int) -> ResponseReturnValue:
    dbs = db_session()
    feed = _feed_or_404(feed_id)
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
        return Saved(message, url_for("admin.feed", feed_id=feed_id))

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
