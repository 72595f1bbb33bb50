"""pledges.text: untrusted Markdown becomes sanitised HTML (nh3 allowlist)."""

import pytest

from pledges.text import render_markdown, sanitise_html


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("<script>alert(1)</script>", ["<script", "alert(1)"]),
        ('<a href="/x" hx-get="/admin" hx-trigger="load">x</a>', ["hx-get", "hx-trigger"]),
        ('<p onclick="alert(1)" onmouseover="x()">t</p>', ["onclick", "onmouseover"]),
        ('<p style="position:fixed">t</p>', ["style="]),
        ("[clic](javascript:alert(1))", ["javascript:"]),
        ('<a href="JaVaScRiPt:alert(1)">x</a>', ["javascript", "JaVaScRiPt"]),
        ("[data](data:text/html;base64,PHNjcmlwdD4=)", ["data:"]),
        ("![img](https://tracker.example/pixel.png)", ["<img", "tracker.example"]),
        ('<svg onload="alert(1)"><circle/></svg>', ["<svg", "onload"]),
        ('<iframe src="https://evil.example"></iframe>', ["<iframe", "evil.example"]),
        ("<!-- <script>x</script> -->", ["<!--", "<script"]),
    ],
)
def test_dangerous_markup_does_not_survive(source, forbidden):
    html = str(render_markdown(source))
    for needle in forbidden:
        assert needle.lower() not in html.lower()


def test_markdown_is_rendered_and_links_are_hardened():
    html = str(render_markdown("**gras** et [source](https://exemple.fr/a)\n\n- un\n- deux"))
    assert "<strong>gras</strong>" in html
    assert '<a href="https://exemple.fr/a" rel="noopener noreferrer nofollow">source</a>' in html
    assert "<li>un</li>" in html


def test_empty_text_gives_empty_markup():
    assert str(render_markdown("")) == ""
    assert str(render_markdown(None)) == ""


def test_sanitise_html_keeps_only_allowed_tags():
    assert sanitise_html("<h1>t</h1><em>e</em>") == "t<em>e</em>"
