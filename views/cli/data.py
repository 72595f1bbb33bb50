"""`import FILE`, `demo load`, `demo generate` (filled in by the import work)."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    pass
