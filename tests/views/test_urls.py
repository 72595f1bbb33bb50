"""Absolute links: views/urls.py is the only view module that reads SITE_URL, and its helpers
build links on SITE_URL whatever host the request named."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from views.urls import absolute_path, absolute_url, site_authority, site_root

ROOT = Path(__file__).resolve().parents[2]
# (module, function) that may read SITE_URL without building a link from it.
NOT_LINKS = {
    # The widget's cache key: cached renderings hold links built on SITE_URL.
    ("views/embed.py", "_key"),
}


def site_url_readers(path: Path) -> set[tuple[str, str]]:
    """(module, innermost function) of every "SITE_URL" string used as code, not as a docstring."""
    module = path.relative_to(ROOT).as_posix()
    found: set[tuple[str, str]] = set()

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        if isinstance(node, ast.Constant) and node.value == "SITE_URL":
            found.add((module, function))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(ast.parse(path.read_text(), filename=str(path)), "<module>")
    return found


def test_only_views_urls_reads_site_url():
    readers = set()
    for path in sorted((ROOT / "views").rglob("*.py")):
        if path.relative_to(ROOT).as_posix() != "views/urls.py":
            readers |= site_url_readers(path)
    assert readers - NOT_LINKS == set()


@pytest.fixture
def app_overrides():
    return {"SITE_URL": "https://suivi.example.org/"}


def test_links_are_built_on_site_url_not_the_request_host(app):
    # Another host than SITE_URL's that the app still serves (loopback, in tests):
    # a foreign host is refused before any link is built (TRUSTED_HOSTS).
    with app.test_request_context("/", base_url="http://localhost:8123"):
        assert site_root() == "https://suivi.example.org"
        assert absolute_path("/x?y=1") == "https://suivi.example.org/x?y=1"
        assert absolute_url("public.pledge", pledge_id=7) == "https://suivi.example.org/pledges/7"
        assert site_authority() == "suivi.example.org"


def test_absolute_url_keeps_the_visitors_language_unless_told(app, client):
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        assert absolute_url("public.pledge", pledge_id=7).endswith("/pledges/7?lang=en")
        assert absolute_url("public.pledge", pledge_id=7, lang=None).endswith("/pledges/7")


def test_in_development_site_url_is_the_address_served(monkeypatch, tmp_path):
    """`PORT=5401 make run`: every absolute link points at port 5401, not 5000."""
    from app import create_app

    monkeypatch.delenv("SITE_URL", raising=False)
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")  # what `flask run` sets
    monkeypatch.setenv("FLASK_RUN_PORT", "5401")  # what `make run` passes
    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'd.db'}"})
    assert app.config["SITE_URL"] == "http://127.0.0.1:5401"
    with app.test_request_context("/", base_url="http://127.0.0.1:5401"):
        assert absolute_url("public.pledge", pledge_id=7) == "http://127.0.0.1:5401/pledges/7"
    app.extensions["db_engine"].dispose()


def test_outside_development_the_app_refuses_to_start_without_site_url(monkeypatch, tmp_path):
    from app import create_app

    for name in ("SITE_URL", "FLASK_RUN_FROM_CLI", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match="SITE_URL is not set"):
        create_app({"SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'd.db'}"})
