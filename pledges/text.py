"""Untrusted Markdown to safe HTML: the one place where user text becomes markup.

Python-Markdown passes raw HTML through, so everything it produces goes
through an nh3 allowlist: no scripts, no `on*`, `style` or `hx-*` attributes,
only http(s) and mailto links, no images (they would be third-party requests).
"""

from __future__ import annotations

import html

import markdown
import nh3
from markupsafe import Markup

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


def sanitise_html(html: str, *, tags: set[str] | None = None) -> str:
    """Keep only allowlisted tags and attributes; links get rel=noopener noreferrer nofollow."""
    return nh3.clean(
        html,
        tags=tags if tags is not None else ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_markdown(text: str | None) -> Markup:
    """Markdown → sanitised HTML, safe to insert in a template."""
    if not text:
        return Markup("")
    html = markdown.markdown(text, extensions=["sane_lists"], output_format="html")
    return Markup(sanitise_html(html))  # noqa: S704  (sanitised just above)


def plain_text(text: str | None) -> str:
    """Markdown → the text a reader sees, without markup (for search snippets); not
    safe to insert as HTML: let the template escape it."""
    if not text:
        return ""
    rendered = markdown.markdown(text, extensions=["sane_lists"], output_format="html")
    return html.unescape(nh3.clean(rendered.replace("<", " <"), tags=set()))
