"""Blueprint "volunteer" (/volunteer): review queue, hand-added evidence, my contributions.

Every route needs a logged-in volunteer (or more). The queue shows one card per
article (volunteer/_card.html) with a row per pledge it matched; rows are
self-targeting htmx components (volunteer/_suggestion.html) whose answers also
carry the counters out of band (volunteer/_counters.html); without JavaScript
the same forms post and redirect back to the queue. Checked rows are decided
at once by bulk_review (review.review_in_bulk).

"Sans rapport" can be undone: right after it (the row's "Annuler", or without
JavaScript the notice the queue shows after the redirect), and from the list
of dismissed suggestions ("Remettre dans la file"). review.restore_suggestion
decides who may (whoever dismissed it, or an editor) and logs it.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]

from models.enums import EvidenceState, Role, Stance, SuggestionState
from pledges import evidence as evidence_ops
from pledges import scoreboard as reads
from pledges.archiving import is_gone
from pledges.errors import DomainError, DuplicateEvidence
from pledges.feeds import review
from pledges.scoreboard import PledgeFilters
from views.auth import current_actor, protect_blueprint
from views.database import db_session
from views.error_messages import ERROR_MESSAGES, error_message, show_on_form
from views.forms import EvidenceForm, Form, ReviewForm
from views.labels import site_zone, today
from views.query import parse_id, wants_fragment

bp = Blueprint("volunteer", __name__)
protect_blueprint(bp, Role.VOLUNTEER)

PER_PAGE = 20


class RestoreForm(Form):
    """Put a dismissed suggestion back in the queue (a button: the CSRF token only)."""


class BulkForm(Form):
    """The queue's selection: the checked suggestions (`ids`, read by bulk_review, bounded),
    then "Retenir la sélection" (action=accept, as `stance`) or "Écarter la sélection"
    (action=dismiss)."""

    stance = SelectField(
        _l("Retenir comme"),
        choices=lambda: [
            SelectChoice("context", str(_l("Contexte"))),
            SelectChoice("kept", str(_l("Preuve : engagement tenu"))),
            SelectChoice("broken", str(_l("Preuve : engagement rompu"))),
        ],
        default="context",
    )


def duplicate_message(error: DuplicateEvidence) -> Markup:
    """The refusal, with a link to the evidence that already cites this URL."""
    existing = evidence_ops.get_evidence(db_session(), error.existing_id)
    if existing is None or not (
        _sees_private(existing) or existing.evidence.state == EvidenceState.PUBLISHED
    ):
        # Someone else's submission not yet published: say it exists, show nothing of it.
        return Markup("{}").format(error_message(error))
    link = url_for("volunteer.evidence", evidence_id=error.existing_id)
    return Markup('{} <a href="{}">{}</a>').format(
        error_message(error),
        link,
        _("Voir la preuve existante"),
    )


def _int_arg(name: str) -> int | None:
    return parse_id(request.args.get(name))


def _queue_args() -> dict[str, Any]:
    """The queue's own parameters (pledge filter, position), for links back to it."""
    # Any: these are spread into url_for, whose own keywords (_external...) have other types.
    args: dict[str, Any] = {}
    pledge_id = _int_arg("pledge")
    if pledge_id:
        args["pledge"] = pledge_id
    after = review.QueueKey.parse(request.args.get("after"))
    if after is not None:
        args["after"] = str(after)
    return args


def _queue_context(pledge_id: int | None, after: review.QueueKey | None) -> dict[str, Any]:
    """One page of the queue, from `after` on: a fixed number of queries whatever its length.

    One card per article (review.list_articles: every pledge it matched, at most
    review.PLEDGES_PER_CARD). Pages follow the last card's (date, item id) key
    instead of an offset, and counts stop at review.COUNT_CAP, so a queue of
    250 000 costs what one of 20 does.
    """
    dbs = db_session()
    cards = review.list_articles(dbs, pledge_id=pledge_id, after=after, limit=PER_PAGE + 1)
    more = len(cards) > PER_PAGE
    cards = cards[:PER_PAGE]
    return {
        "cards": cards,
        "total": review.count_suggestions(dbs, pledge_id=pledge_id),
        "after": str(after) if after else None,
        "next_after": str(cards[-1].key) if more else None,
        "pledge_id": pledge_id,
        "pledge_choices": review.list_pledges_with_suggestions(dbs),
        "forms": {
            row.suggestion.id: ReviewForm(prefix=f"s{row.suggestion.id}")
            for card in cards
            for row in card.rows
        },
        "outcomes": {},
        "bulk_form": BulkForm(),
        "restore_form": RestoreForm(),
    }


def _with_row_first(context: dict[str, Any], row: review.SuggestionRow) -> None:
    """Show `row` (a failed review, a linked suggestion) on the page, first if not there."""
    if all(r.suggestion.id != row.suggestion.id for c in context["cards"] for r in c.rows):
        context["cards"] = [review.ArticleCard([row]), *context["cards"]]
        context["forms"][row.suggestion.id] = ReviewForm(prefix=f"s{row.suggestion.id}")


def _remaining_text(count: review.Count) -> str:
    if count.capped:
        return _("Plus de %(num)s restantes.", num=format_decimal(count))
    return ngettext("%(num)d restante.", "%(num)d restantes.", count)


def _counters(pledge_id: int | None, announce: str) -> str:
    """The queue's counters and filter counts, and what happened, swapped out of band."""
    dbs = db_session()
    total = review.count_suggestions(dbs, pledge_id=pledge_id)
    return render_template(
        "volunteer/_counters.html",
        total=total,
        pledge_id=pledge_id,
        pledge_choices=review.list_pledges_with_suggestions(dbs),
        announce=f"{announce} {_remaining_text(total)}",
    )


@bp.get("/")
def queue() -> ResponseReturnValue:
    """New suggestions, newest news first (review.list_suggestions), by pledge; 20 a page."""
    context = _queue_context(_int_arg("pledge"), review.QueueKey.parse(request.args.get("after")))
    # Without JavaScript, the dismissal redirects here with ?undo=N: its "Annuler" notice.
    undo_id = _int_arg("undo")
    undo = review.get_suggestion(db_session(), undo_id) if undo_id else None
    if undo is not None and (
        undo.suggestion.state != SuggestionState.DISMISSED
        or not review.may_restore(undo, current_actor())
    ):
        undo = None
    context["undo"] = undo
    if wants_fragment("suggestion-list"):
        response = render_template("volunteer/_suggestion_list.html", **context)
    else:
        response = render_template("volunteer/queue.html", **context)
    return response, 200, {"Vary": "HX-Request"}


@bp.get("/suggestions/<int:suggestion_id>")
def suggestion(suggestion_id: int) -> ResponseReturnValue:
    """The queue with this suggestion first: where a reload or a language switch of a
    failed review (no JavaScript) lands, instead of a 405."""
    row = review.get_suggestion(db_session(), suggestion_id)
    if row is None:
        abort(404)
    context = _queue_context(_int_arg("pledge"), review.QueueKey.parse(request.args.get("after")))
    _with_row_first(context, row)
    return render_template("volunteer/queue.html", **context)


@bp.post("/suggestions/<int:suggestion_id>")
def review_suggestion(suggestion_id: int) -> ResponseReturnValue:
    """Kept / broken / context (→ submitted evidence) or not relevant; the row re-renders itself."""
    dbs = db_session()
    row = review.get_suggestion(dbs, suggestion_id)
    if row is None:
        abort(404)
    form = ReviewForm(prefix=f"s{suggestion_id}")
    outcome: dict[str, object] | None = None
    error: str | Markup | None = None
    if form.validate_on_submit():
        actor = current_actor()
        try:
            if form.decision.data == "dismiss":
                review.dismiss_suggestion(dbs, row, actor=actor)
                outcome = {"kind": "dismissed"}
            else:
                created = review.accept_suggestion(
                    dbs,
                    row,
                    stance=Stance(form.decision.data),
                    quote=form.quote.data or "",
                    note=form.note.data or "",
                    actor=actor,
                    zone=site_zone(),
                )
                outcome = {"kind": "accepted", "evidence_id": created.id}
        except DuplicateEvidence as dup:
            error = duplicate_message(dup)
        except DomainError as exc:
            error = error_message(exc)
        else:
            dbs.commit()
    elif not form.errors:
        error = str(ERROR_MESSAGES["unknown"])
    if request.headers.get("HX-Request"):
        # Errors come back with 200: htmx swaps only 2xx answers into the row. After a
        # decision, the counters follow out of band and the live region says what happened.
        html = render_template(
            "volunteer/_suggestion.html", row=row, form=form, outcome=outcome, error=error,
            restore_form=RestoreForm(), pledge_id=_int_arg("pledge"),
            focus_next=outcome is not None,
        )  # fmt: skip
        if outcome is not None:
            html += _counters(
                _int_arg("pledge"),
                _("Preuve proposée.")
                if outcome["kind"] == "accepted"
                else _("Suggestion écartée."),
            )
        return html
    if outcome is not None:
        flash(
            _("Preuve proposée : elle attend la relecture d'un éditeur.")
            if outcome["kind"] == "accepted"
            else _("Suggestion écartée."),
            "success",
        )
        args = _queue_args()
        if outcome["kind"] == "dismissed":
            args["undo"] = suggestion_id
        return redirect(url_for("volunteer.queue", **args))
    # Without JavaScript: the queue again, this row showing its errors.
    context = _queue_context(_int_arg("pledge"), review.QueueKey.parse(request.args.get("after")))
    _with_row_first(context, row)
    context["forms"][row.suggestion.id] = form
    context["errors"] = {row.suggestion.id: error} if error else {}
    return render_template("volunteer/queue.html", **context), 422


@bp.get("/suggestions/bulk")
def bulk_page() -> ResponseReturnValue:
    """Where a reload or a language switch of a refused bulk decision lands: the queue."""
    context = _queue_context(_int_arg("pledge"), review.QueueKey.parse(request.args.get("after")))
    return render_template("volunteer/queue.html", **context)


@bp.post("/suggestions/bulk")
def bulk_review() -> ResponseReturnValue:
    """Accept or dismiss the checked suggestions at once (review.review_in_bulk).

    A forged request (ids that are not ids, more than review.MAX_BULK, an
    unknown action) gets a 400; an empty selection the queue again with a
    422. Otherwise one transaction, then PRG with a flash (without JavaScript)
    or the list again with the counters and the live region (htmx). Suggestions
    someone else decided meanwhile are skipped and said so.
    """
    form = BulkForm()
    if not form.validate_on_submit():
        abort(400)
    action = request.form.get("action")
    raw_ids = request.form.getlist("ids")
    if action not in ("accept", "dismiss") or len(raw_ids) > review.MAX_BULK:
        abort(400)
    ids = [parse_id(raw) for raw in raw_ids]
    if any(i is None for i in ids):
        abort(400)
    pledge_id = _int_arg("pledge")
    dbs = db_session()
    try:
        done = review.review_in_bulk(
            dbs, [i for i in ids if i is not None], accept=action == "accept",
            stance=Stance(form.stance.data), actor=current_actor(), zone=site_zone(),
        )  # fmt: skip
    except DomainError as exc:
        context = _queue_context(pledge_id, review.QueueKey.parse(request.args.get("after")))
        context["bulk_error"] = error_message(exc)
        if request.headers.get("HX-Request"):
            # htmx swaps only 2xx answers: the list with its error, announced.
            return render_template("volunteer/_suggestion_list.html", **context)
        return render_template("volunteer/queue.html", **context), 422
    dbs.commit()
    messages = _bulk_messages(done, accepted=action == "accept")
    if request.headers.get("HX-Request"):
        context = _queue_context(pledge_id, review.QueueKey.parse(request.args.get("after")))
        context["bulk_messages"] = messages
        context["focus_first"] = True
        html = render_template("volunteer/_suggestion_list.html", **context)
        return html + _counters(pledge_id, " ".join(text for _c, text in messages))
    for category, text in messages:
        flash(text, category)
    return redirect(url_for("volunteer.queue", **_queue_args()))


def _bulk_messages(done: review.BulkOutcome, *, accepted: bool) -> list[tuple[str, str]]:
    """What a bulk decision did, in words: (flash category, text), bounded by MAX_BULK."""
    n = len(done.done)
    messages = [
        (
            "success",
            ngettext("%(num)d suggestion retenue", "%(num)d suggestions retenues", n)
            if accepted
            else ngettext("%(num)d suggestion écartée", "%(num)d suggestions écartées", n),
        )
    ]
    if done.skipped:
        messages.append((
            "warning",
            ngettext(
                "%(num)d suggestion déjà traitée par quelqu'un d'autre : laissée telle quelle.",
                "%(num)d suggestions déjà traitées par quelqu'un d'autre : "
                "laissées telles quelles.",
                len(done.skipped),
            ),
        ))  # fmt: skip
    for suggestion_id, exc in done.refused.items():
        messages.append((
            "error",
            _("Suggestion %(id)s : %(reason)s", id=suggestion_id, reason=error_message(exc)),
        ))  # fmt: skip
    return messages


@bp.post("/suggestions/<int:suggestion_id>/restore")
def restore_suggestion(suggestion_id: int) -> ResponseReturnValue:
    """Undo "Sans rapport": the suggestion goes back to the queue.

    htmx: the queue's row comes back as a new suggestion with its form; a row
    of the dismissed list (target dismissed-N) says it went back. Without
    JavaScript: PRG to the queue, or to the dismissed list (?from=dismissed);
    a refusal shows the dismissed list with the error and a 422.
    """
    dbs = db_session()
    row = review.get_suggestion(dbs, suggestion_id)
    if row is None:
        abort(404)
    form = RestoreForm()
    error: str | None = None
    if not form.validate_on_submit():
        error = str(ERROR_MESSAGES["unknown"])
    else:
        try:
            review.restore_suggestion(dbs, row, actor=current_actor())
        except DomainError as exc:
            error = error_message(exc)
        else:
            dbs.commit()
    from_list = request.args.get("from") == "dismissed"
    if request.headers.get("HX-Request"):
        if request.headers.get("HX-Target") == f"dismissed-{suggestion_id}":
            return render_template(
                "volunteer/_dismissed_row.html", row=row, restore_form=RestoreForm(),
                error=error, restored=error is None,
            )  # fmt: skip
        html = render_template(
            "volunteer/_suggestion.html", row=row, restore_form=RestoreForm(),
            form=ReviewForm(prefix=f"s{suggestion_id}"),
            outcome={"kind": "dismissed"} if error else None,
            error=error, restored=error is None,
        )  # fmt: skip
        if error is None:
            html += _counters(None, _("Suggestion remise dans la file."))
        return html
    if error is None:
        flash(_("Suggestion remise dans la file."), "success")
        if from_list:
            return redirect(url_for("volunteer.dismissed"))
        return redirect(url_for("volunteer.queue", **_queue_args()))
    return _dismissed_page(errors={suggestion_id: error}), 422


@bp.get("/suggestions/dismissed")
def dismissed() -> str:
    """The dismissals I may undo (mine; everyone's for editors), the latest first."""
    return _dismissed_page()


def _dismissed_page(errors: dict[int, str] | None = None) -> str:
    rows = review.list_dismissed(db_session(), actor=current_actor())
    return render_template(
        "volunteer/dismissed.html", rows=rows, restore_form=RestoreForm(), errors=errors or {}
    )


@bp.get("/pledges")
def pledges() -> str:
    """Find the pledge to add evidence to (search over titles and bodies)."""
    q = (request.args.get("q") or "").strip()[:200]
    page = max(_int_arg("page") or 1, 1)
    result = reads.list_pledges(
        db_session(), PledgeFilters(q=q), page=page, per_page=PER_PAGE, today=today()
    )
    return render_template("volunteer/pledges.html", result=result, q=q)


@bp.route("/pledges/<int:pledge_id>/evidence", methods=["GET", "POST"])
def add_evidence(pledge_id: int) -> ResponseReturnValue:
    """Hand-added evidence: per-field errors, tracking parameters removed, duplicates refused."""
    dbs = db_session()
    pledge = evidence_ops.get_pledge_for_work(dbs, pledge_id)
    if pledge is None:
        abort(404)
    if is_gone(pledge):
        abort(410)  # archived: it takes no more evidence
    form = EvidenceForm()
    status = 200
    if form.validate_on_submit():
        try:
            evidence_ops.submit_evidence(
                dbs,
                pledge,
                # The form's required() validators have passed: these are set.
                url=cast(str, form.url.data),
                outlet=cast(str, form.outlet.data),
                published_on=cast(date, form.published_on.data),
                kind=form.kind.data,
                stance=form.stance.data,
                title=form.title.data or "",
                quote=form.quote.data or "",
                note=form.note.data or "",
                actor=current_actor(),
                zone=site_zone(),
            )
        except DuplicateEvidence as dup:
            form.url.errors = [*form.url.errors, duplicate_message(dup)]
            status = 422
        except DomainError as exc:
            show_on_form(form, exc)
            status = 422
        else:
            dbs.commit()
            flash(_("Preuve proposée : elle attend la relecture d'un éditeur."), "success")
            return redirect(url_for("volunteer.contributions"))
    elif form.is_submitted():
        status = 422
    return render_template("volunteer/add_evidence.html", form=form, pledge=pledge), status


@bp.get("/evidence/<int:evidence_id>")
def evidence(evidence_id: int) -> str:
    """One piece of evidence, whatever its state (for duplicate links and contributions)."""
    found = evidence_ops.get_evidence(db_session(), evidence_id)
    if found is None:
        abort(404)
    # Editors and the submitter see it in any state, with who submitted it and why it
    # was rejected. Other volunteers see it only once published (what anyone will
    # see): another's unmoderated or rejected note is not theirs to read.
    private = _sees_private(found)
    if not private and found.evidence.state != EvidenceState.PUBLISHED:
        abort(404)
    return render_template("volunteer/evidence.html", row=found, private=private)


def _sees_private(row: evidence_ops.EvidenceRow) -> bool:
    actor = current_actor()
    return Role(actor.role).at_least(Role.EDITOR) or row.evidence.submitted_by_id == actor.id


@bp.get("/contributions")
def contributions() -> str:
    """What I submitted and where it stands (a rejection shows its reason)."""
    rows = evidence_ops.list_contributions(db_session(), current_actor())
    return render_template("volunteer/contributions.html", rows=rows)
