"""Shields-style SVG badges (a grey label, a coloured message): text escaped, SVG well-formed.

Pure functions of their text: callers translate labels and pick the colour; the
message always carries words (and a symbol), so the colour is never the only signal.
"""

from __future__ import annotations

import unicodedata
from xml.sax.saxutils import escape, quoteattr

from models.enums import PledgeStatus

# The status colours of static/css/site.css and embed.css (--kept, --broken, --pending): one hex
# per status everywhere (tests/test_status_colours.py). Contrast with the white text:
COLOURS = {
    PledgeStatus.KEPT: "#1a7f37",  # 5.1:1 (WCAG AA)
    PledgeStatus.BROKEN: "#b42318",  # 6.6:1
    PledgeStatus.PENDING: "#5b6470",  # 6.0:1
}
NEUTRAL = "#355070"
LABEL_COLOUR = "#444d56"
SYMBOLS = {PledgeStatus.KEPT: "✓", PledgeStatus.BROKEN: "✗", PledgeStatus.PENDING: "…"}

MAX_TEXT = 60  # characters; longer names are cut with an ellipsis
FONT_SIZE = 11
PADDING = 6

# Approximate advance widths of Verdana 11px (what shields.io measures with),
# grouped by shape; anything else counts as a wide letter.
_NARROW = set("fijlrtI!.,:;'|()[]{} ")
_WIDE = set("mwMW@%")


def _char_width(char: str) -> float:
    if char in _NARROW:
        return 4.0
    if char in _WIDE:
        return 10.5
    if unicodedata.east_asian_width(char) in {"W", "F"}:
        return 11.0
    if char.isupper() or char.isdigit():
        return 7.5
    return 6.6


def text_width(text: str) -> int:
    """Estimated rendered width in pixels (badges must not clip their text)."""
    return round(sum(_char_width(c) for c in text))


def _clean(text: str) -> str:
    # Control characters are not allowed in XML 1.0, whatever the escaping.
    text = "".join(c for c in text if c in "\t" or unicodedata.category(c)[0] != "C")
    text = " ".join(text.split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def render_badge(label: str, message: str, colour: str, *, title: str | None = None) -> str:
    """An SVG document: `label` on grey, `message` on `colour`, a <title> for screen readers."""
    label, message = _clean(label), _clean(message)
    label_w = text_width(label) + 2 * PADDING
    message_w = text_width(message) + 2 * PADDING
    width = label_w + message_w
    accessible = _clean(title) if title else f"{label} : {message}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" '
        f'viewBox="0 0 {width} 20" role="img" aria-label={quoteattr(accessible)}>'
        f"<title>{escape(accessible)}</title>"
        '<linearGradient id="s" x2="0" y2="100%">'
        '<stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{width}" height="20" rx="3" fill="#fff"/></clipPath>'
        '<g clip-path="url(#r)">'
        f'<rect width="{label_w}" height="20" fill="{LABEL_COLOUR}"/>'
        f'<rect x="{label_w}" width="{message_w}" height="20" fill={quoteattr(colour)}/>'
        f'<rect width="{width}" height="20" fill="url(#s)"/></g>'
        f'<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" '
        f'font-size="{FONT_SIZE}">'
        f'<text x="{label_w / 2:g}" y="15" fill="#010101" fill-opacity=".3" aria-hidden="true">'
        f"{escape(label)}</text>"
        f'<text x="{label_w / 2:g}" y="14">{escape(label)}</text>'
        f'<text x="{label_w + message_w / 2:g}" y="15" fill="#010101" fill-opacity=".3" '
        f'aria-hidden="true">{escape(message)}</text>'
        f'<text x="{label_w + message_w / 2:g}" y="14">{escape(message)}</text>'
        "</g></svg>"
    )


def status_badge(label: str, status: PledgeStatus, status_text: str) -> str:
    """A pledge's badge: its label and "✓ Tenu" / "✗ Rompu" / "… En attente"."""
    status = PledgeStatus(status)
    return render_badge(label, f"{SYMBOLS[status]} {status_text}", COLOURS[status])


def counts_badge(label: str, message: str) -> str:
    """A candidate's badge: its name and the counts, already worded by the caller."""
    return render_badge(label, message, NEUTRAL)
