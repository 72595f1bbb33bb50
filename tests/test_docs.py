"""README and code agree on every setting and command, in both directions."""

import re
from pathlib import Path

import click
import pytest

from app import ENV_SETTINGS, create_app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
# Read by the Makefile and the test suite rather than by the app.
OUTSIDE_APP = {"PORT", "TEST_DATABASE_URL", "TEST_WORKERS"}
FLASK_BUILTINS = {"run", "shell", "routes"}


def documented_settings() -> set[str]:
    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\|\s*`([A-Z][A-Z0-9_]+)`", section, flags=re.M))


def documented_commands() -> set[tuple[str, ...]]:
    found = set()
    for line in re.findall(r"flask --app app ([a-z][a-z -]*)", README):
        words = tuple(w for w in line.split() if re.fullmatch(r"[a-z]+(?:-[a-z]+)*", w))
        if words:
            found.add(words)
    return found


def cli_commands(app) -> set[tuple[str, ...]]:
    commands = set()

    def walk(group: click.Group, prefix: tuple[str, ...]) -> None:
        for name, command in group.commands.items():
            if not prefix and name in FLASK_BUILTINS:
                continue
            if isinstance(command, click.Group):
                walk(command, (*prefix, name))
            else:
                commands.add((*prefix, name))

    walk(app.cli, ())
    return commands


@pytest.fixture(scope="module")
def bare_app(tmp_path_factory):
    db = tmp_path_factory.mktemp("docs") / "docs.db"
    return create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{db}"})


def test_readme_starts_with_the_two_commands():
    head = README.split("## ", 1)[0] + README.split("## ", 2)[1]
    assert "make run" in head
    assert "make test" in head


def test_every_setting_is_documented_and_exists():
    assert documented_settings() == set(ENV_SETTINGS) | OUTSIDE_APP


def test_every_command_is_documented_and_exists(bare_app):
    documented = documented_commands()
    existing = cli_commands(bare_app)
    # A documented line may stop at a group's command ("feeds add URL ...").
    assert {c for c in documented if c not in existing} == set()
    assert {c for c in existing if c not in documented} == set()
