"""`make run` = the Procfile's web and poller under honcho (pinned), after migrate and demo data.

The processes are not started here: the Procfile is parsed as honcho parses it, and
the poller's exact arguments are run for one round through the CLI runner.
"""

import re
import shlex
from pathlib import Path

import pytest
from honcho.environ import expand_processes, parse_procfile

ROOT = Path(__file__).resolve().parents[1]


def _processes():
    procfile = parse_procfile((ROOT / "Procfile").read_text(encoding="utf-8"))
    return procfile.processes


def _make_target(name: str) -> tuple[str, list[str]]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(rf"^{name}:([^\n#]*)(?:##[^\n]*)?\n((?:\t[^\n]*\n)+)", text, re.M)
    assert match, f"no {name} target"
    return match.group(1), [line.strip() for line in match.group(2).splitlines()]


def test_the_procfile_has_the_site_and_the_poller():
    processes = _processes()
    assert set(processes) == {"web", "poller"}
    web = shlex.split(processes["web"])
    assert web[:4] == ["flask", "--app", "app", "run"]
    assert web[web.index("--host") + 1] == "127.0.0.1"
    # The port served is the one links are built with (app._served_port reads FLASK_RUN_PORT).
    assert web[web.index("--port") + 1] == "${FLASK_RUN_PORT:-${PORT:-5000}}"
    poller = shlex.split(processes["poller"])
    assert poller[:5] == ["flask", "--app", "app", "feeds", "watch"]
    # A feed added while it runs is read within a minute: the schedule is looked at often.
    assert float(poller[poller.index("--max-sleep") + 1]) <= 60


def test_make_run_migrates_loads_the_demo_then_starts_both_with_honcho():
    prerequisites, recipe = _make_target("run")
    assert "demo" in prerequisites.split()
    demo_prerequisites, demo_recipe = _make_target("demo")
    assert "migrate" in demo_prerequisites.split()
    assert any("flask demo load --if-empty" in line for line in demo_recipe)
    [line] = recipe
    assert "$(BIN)/honcho start" in line
    assert "FLASK_RUN_PORT=$(PORT)" in line
    assert "--port $(PORT)" in line
    # Processes find the virtualenv's flask first.
    assert 'PATH="$(CURDIR)/$(BIN):$$PATH"' in line
    # honcho is installed by `make install` (requirements-dev.txt), pinned.
    pins = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8").splitlines()
    assert any(re.fullmatch(r"honcho==[\d.]+", pin) for pin in pins)


def test_honcho_gives_both_processes_the_environment_they_need():
    expanded = {
        p.name: p
        for p in expand_processes(
            _processes(),
            env={"FLASK_RUN_PORT": "5401", "FEEDS_ALLOW_PRIVATE": "1", "FLASK_DEBUG": "1"},
            port=5401,
        )
    }
    assert set(expanded) == {"web.1", "poller.1"}
    for process in expanded.values():
        assert process.env["FLASK_RUN_PORT"] == "5401"
        assert process.env["FEEDS_ALLOW_PRIVATE"] == "1"


@pytest.mark.parametrize("app_overrides", [{"FEEDS_ALLOW_PRIVATE": True}])
def test_the_pollers_arguments_are_accepted_for_one_round(runner):
    args = shlex.split(_processes()["poller"])[3:]  # after "flask --app app"
    result = runner.invoke(args=[*args, "--cycles", "1"])
    assert result.exit_code == 0, result.output
