"""One colour per status (kept, broken, pending, overdue): site, widget, icons and badges agree.

The hex values are read from the files that use them, so a colour changed in one place fails
here until it is changed everywhere; each must meet WCAG AA (4.5:1) as text on white and behind
the badges' white text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from models.enums import PledgeStatus
from pledges.badges import COLOURS

ROOT = Path(__file__).resolve().parent.parent
STATUSES = ("kept", "broken", "pending", "overdue")
AA = 4.5


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def block_tokens(css: str, selector: str) -> dict[str, str]:
    """The custom properties declared in the first `selector { … }` block."""
    body = re.search(re.escape(selector) + r"\s*\{(.*?)\}", css, re.S)
    assert body, selector
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", body.group(1)))


def site_tokens() -> dict[str, str]:
    return block_tokens((ROOT / "static/css/site.css").read_text(encoding="utf-8"), ":root")


def test_site_widget_icons_and_badges_share_one_colour_per_status():
    site = site_tokens()
    widget = block_tokens((ROOT / "static/css/embed.css").read_text(encoding="utf-8"), ":root")
    for status in STATUSES:
        colour = site[status].lower()
        assert widget[status].lower() == colour, status
        icon = (ROOT / f"static/img/status-{status}.svg").read_text(encoding="utf-8")
        assert colour in icon.lower(), status
    for status, colour in COLOURS.items():
        assert colour.lower() == site[PledgeStatus(status).value].lower(), status


@pytest.mark.parametrize("status", STATUSES)
def test_status_colours_meet_wcag_aa(status):
    colour = site_tokens()[status]
    assert contrast(colour, "#ffffff") >= AA  # status text on white, white text on a badge


def test_widget_dark_theme_status_colours_meet_wcag_aa():
    css = (ROOT / "static/css/embed.css").read_text(encoding="utf-8")
    dark = block_tokens(css, ".theme-dark")
    for status in STATUSES:
        assert contrast(dark[status], dark["bg"]) >= AA, status
