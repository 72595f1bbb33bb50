"""Pages and PDFs the archive tests, browser tests and bench serve on 127.0.0.1."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import event

from models import Snapshot

ARTICLE_PARAGRAPHS = (
    "La maire a inauguré mardi la nouvelle ligne de tramway promise pendant la campagne, "
    "qui relie désormais le port aux quartiers nord en vingt-cinq minutes.",
    "Les travaux, commencés il y a trois ans, ont coûté quatre cents millions d'euros, "
    "soit un quart de plus que le budget annoncé lors du vote du conseil municipal.",
    "Les associations d'usagers saluent la fréquence des rames mais regrettent "
    "l'absence de service de nuit, qui faisait pourtant partie de l'engagement initial.",
)
ARTICLE_TITLE = "Le tramway des quartiers nord enfin inauguré"
ARTICLE_AUTHOR = "Camille Martin"
ARTICLE_DATE = "2026-03-10"
# What trafilatura reads from article_html(): the headline, then each paragraph.
ARTICLE_TEXT = "\n".join((ARTICLE_TITLE, *ARTICLE_PARAGRAPHS))


def article_html(
    paragraphs: tuple[str, ...] = ARTICLE_PARAGRAPHS,
    *,
    title: str = ARTICLE_TITLE,
    head_extra: str = "",
) -> bytes:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{title} – La Gazette</title>
<meta name="author" content="{ARTICLE_AUTHOR}">
<meta property="article:published_time" content="{ARTICLE_DATE}T08:00:00+01:00">
<meta property="og:title" content="{title}">
{head_extra}
</head><body>
<nav><a href="/">Accueil</a> <a href="/politique">Politique</a></nav>
<main><article><h1>{title}</h1>
{body}
</article></main>
<footer>© La Gazette</footer>
</body></html>""".encode()


def pdf_bytes(pages: list[str], *, title: str = "Programme", author: str = "Liste") -> bytes:
    """A real PDF of one text line per page, made with fpdf2."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creation_date(datetime(2026, 2, 1, 12, 0))
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    out = io.BytesIO()
    pdf.output(out)
    return out.getvalue()


@contextmanager
def snapshots_refused(url_part: str) -> Iterator[None]:
    """The database refuses the Snapshot rows of URLs containing url_part (whatever the
    cause: a NUL byte on PostgreSQL, a full disk…), on both databases."""

    def refuse(_mapper, _connection, target):
        if url_part in target.url:
            raise ValueError("refused by the test")

    event.listen(Snapshot, "before_insert", refuse)
    try:
        yield
    finally:
        event.remove(Snapshot, "before_insert", refuse)
