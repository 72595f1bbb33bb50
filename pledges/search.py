"""Accent- and case-folding, so that "video" finds "vidéo" on every database."""

from __future__ import annotations

import re

from models.full_text import fold

__all__ = ["fold", "like_pattern", "slugify"]


def like_pattern(query: str) -> str:
    """A LIKE pattern for a folded query, with LIKE's wildcards escaped (escape char '\\')."""
    folded = fold(query)
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def slugify(text: str) -> str:
    """A URL- and import-safe slug: "Sécurité publique" → "securite-publique"."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
