"""Untrusted Markdown to safe HTML: the one place where user text becomes markup.

Python-Markdown passes raw HTML through, so everything it produces goes
through an nh3 allowlist: no scripts, no `on*`, `style` or `hx-*` attributes,
only http(s) and mailto links, no images (they would be third-party requests).

Markdown is rendered at write time: setting a pledge's body, an evidence note
or a ruling's rationale also sets its `*_html` column (`keep_rendered_html`,
whatever code path writes it), so pages only pass the stored HTML through nh3
again (`stored_html`) and never run Markdown on a read.
"""

from __future__ import annotations

import functools
import threading
from html import unescape
from typing import Any

import markdown
import nh3
from markupsafe import Markup
from sqlalchemy import event, inspect

from models import Evidence, Pledge, StatusChange

ALLOWED_TAGS = {
    "p",
    "br",
    "em",
    "strong",
    "a",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "del",
    "sup",
    "sub",
    "abbr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


def _cleaner(tags: set[str]) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=tags,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


# Built once: a page passes every stored HTML through it again (pledges.text.stored_html),
# and nh3.clean() would build the same allowlist on each call.
_DEFAULT_CLEANER = _cleaner(ALLOWED_TAGS)


def sanitise_html(html: str, *, tags: set[str] | None = None) -> str:
    """Keep only allowlisted tags and attributes; links get rel=noopener noreferrer nofollow."""
    cleaner = _DEFAULT_CLEANER if tags is None else _cleaner(tags)
    return cleaner.clean(html)


_converters = threading.local()


def _converter() -> markdown.Markdown:
    """This thread's Markdown instance: building one costs more than most conversions,
    and an instance is not safe to share between threads."""
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = markdown.Markdown(extensions=["sane_lists"], output_format="html")
        _converters.markdown = converter
    return converter


def render_markdown(text: str | None) -> Markup:
    """Markdown → sanitised HTML, safe to insert in a template."""
    if not text:
        return Markup("")
    html = _converter().reset().convert(text)
    return Markup(sanitise_html(html))  # noqa: S704  (sanitised just above)


def stored_html(html: str | None, source: str | None = None) -> Markup:
    """HTML rendered at write time, through the allowlist again on its way out (nothing
    active may come from the database); rendered now if a write left it empty."""
    if not html:
        return render_markdown(source)
    if len(html) <= MAX_KEPT_HTML:
        return _sanitised_stored(html)
    return Markup(sanitise_html(html))  # noqa: S704  (sanitised just above)


# A page shows a dozen stored texts (a pledge's body, each item's note, each ruling's
# rationale), and every page showing them cleaned them again: each distinct text is
# cleaned once per worker instead. The key is the stored text itself, so whatever the
# database holds still goes through the allowlist before it is shown. Bounded: 512
# texts of at most 8 KiB each (longer ones are cleaned on every call).
MAX_KEPT_HTML = 8 * 1024


@functools.lru_cache(maxsize=512)
def _sanitised_stored(html: str) -> Markup:
    return Markup(sanitise_html(html))  # noqa: S704  (sanitised just here)


# Markdown column → the column holding it rendered, per table class.
RENDERED_COLUMNS: tuple[tuple[type, str, str], ...] = (
    (Pledge, "body", "body_html"),
    (Evidence, "note", "note_html"),
    (StatusChange, "rationale", "rationale_html"),
)


def with_rendered_html(model: type, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for a bulk (Core) INSERT of `model`, each with its rendered column: no ORM
    event runs on such an insert. Each distinct text is rendered once."""
    for table, source, target in RENDERED_COLUMNS:
        if table is model:
            rendered = functools.cache(lambda text: str(render_markdown(text)))
            return [{**row, target: rendered(row.get(source, ""))} for row in rows]
    return rows


def keep_rendered_html() -> None:
    """Render each Markdown column into its `*_html` column when its row is inserted,
    or updated with that text changed: whatever code path writes (constructor, edit,
    import, correction). Idempotent; connected when this module is imported."""
    for model, _, _ in RENDERED_COLUMNS:
        for name in ("before_insert", "before_update"):
            if not event.contains(model, name, _render_row):
                event.listen(model, name, _render_row)


def _render_row(_mapper: Any, _connection: Any, row: Any) -> None:
    state = inspect(row)
    for model, source, target in RENDERED_COLUMNS:
        if isinstance(row, model) and (state.pending or state.attrs[source].history.has_changes()):
            # An ordinary assignment within the flush: written with its source.
            setattr(row, target, str(render_markdown(getattr(row, source))))


keep_rendered_html()


def plain_text(text: str | None) -> str:
    """Markdown → the text a reader sees, without markup (for search snippets); not
    safe to insert as HTML: let the template escape it."""
    if not text:
        return ""
    rendered = _converter().reset().convert(text)
    return unescape(nh3.clean(rendered.replace("<", " <"), tags=set()))
