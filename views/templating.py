"""Everything templates can call besides their context: labels, URL helpers, safe-output filters.

Registered once by the factory (create_app → init_templating), so no template
depends on which blueprints happen to be registered.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask
from markupsafe import Markup, escape

from pledges.links import is_http_url
from pledges.text import render_markdown, sanitise_html, stored_html
from views.embed import alternate_links, embed_snippets
from views.error_messages import archive_reason, code_message
from views.fragments import demo_notice, fixed_fragment
from views.labels import (
    candidate_link,
    colon,
    counts_bar,
    counts_text,
    date_html,
    evidence_heading,
    iso_instant,
    kind_label,
    link_status_label,
    local_datetime,
    long_date,
    overdue_mark,
    stance_label,
    status_badge,
    status_label,
    status_line,
    theme_label,
    today,
)
from views.request_locale import locale_code
from views.urls import language_switch, path_for


def http_href(url: str | None) -> str:
    """A stored link fit for href: http(s) only (autoescaping does not stop javascript:)."""
    return url if url and is_http_url(url) else "#"


def sanitised(html: str | None) -> Markup:
    """Stored HTML (feed summaries) through the nh3 allowlist before it reaches a page."""
    return Markup(sanitise_html(html or ""))  # noqa: S704  (sanitised by nh3)


def select_options(options: Iterable[tuple[str, str]], selected: str | None) -> Markup:
    """`<option>`s for (value, text) pairs, `selected` marked: a board's filter offers a
    hundred candidates, and a template loop costs ten times this."""
    lines = []
    for value, text in options:
        mark = " selected" if value == selected else ""
        lines.append(f'<option value="{escape(value)}"{mark}>{escape(text)}</option>')
    return Markup("\n        ".join(lines))  # noqa: S704  (every value and text escaped)


def init_templating(app: Flask) -> None:
    """Template globals and filters shared by every template (public pages, widget, admin)."""
    # Labels, dates and language
    app.add_template_global(status_label)
    app.add_template_global(status_badge, "status_badge_html")
    # Markup built once per shape and language, called as the macros they replaced
    app.add_template_global(counts_text)
    app.add_template_global(counts_bar)
    app.add_template_global(status_line)
    app.add_template_global(candidate_link)
    app.add_template_global(date_html, "date")
    app.add_template_global(overdue_mark, "overdue_mark_html")
    app.add_template_global(theme_label)
    app.add_template_filter(long_date)
    app.add_template_filter(local_datetime)
    app.add_template_filter(iso_instant)
    app.add_template_global(kind_label)
    app.add_template_global(evidence_heading)
    app.add_template_global(stance_label)
    app.add_template_global(today)
    app.add_template_global(locale_code)  # the language's code as a string, read once per request
    app.add_template_global(colon)
    app.add_template_global(code_message)
    app.add_template_global(archive_reason)
    app.add_template_global(link_status_label)
    # URLs: url_for with its patterns kept per request (lists repeat the same links)
    app.jinja_env.globals["url_for"] = path_for
    app.add_template_global(language_switch)
    app.add_template_global(embed_snippets)
    # Fragments that read no data, rendered once per language and link shape
    app.add_template_global(fixed_fragment)
    app.add_template_global(demo_notice)
    app.add_template_global(alternate_links)
    # Untrusted text and links (security: every stored string passes one of these)
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(stored_html, "stored_html")  # Markdown rendered at write time
    app.add_template_filter(http_href, "http_href")
    app.add_template_filter(sanitised, "sanitise")
    app.add_template_global(select_options)
