"""bench/cluster.sh, the two-machine drill, without running it (it needs root and `ip netns`).

Its shell parses, it creates interfaces only inside its own namespaces, the README tells
how to run it, and its client's parsers read what http.server and our forms write.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bench import cluster_drill

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "bench" / "cluster.sh"


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_the_drill_script_parses():
    result = subprocess.run(["bash", "-n", str(SCRIPT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_drill_touches_only_its_own_namespaces():
    text = SCRIPT.read_text(encoding="utf-8")
    # Every interface is created with both ends inside a namespace of the drill.
    for line in re.findall(r"^\s*ip link add .*$", text, flags=re.M):
        assert line.count(" netns ") == 2, line
    # Every other `ip` command names one of its namespaces (ip -n NS, ip netns ...).
    for line in re.findall(r"^\s*ip (?!link add).*$", text, flags=re.M):
        assert re.match(r"\s*ip (-n |netns )", line), line
    assert not re.search(r"\b(iptables|nft|sysctl)\b", text)


def test_the_readme_says_how_to_run_the_drill_and_what_it_checked():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Growing past one machine", 1)[1].split("\n## ", 1)[0]
    assert "sudo bench/cluster.sh" in section
    for check in ("**pages**", "**feeds**", "**logins**", "**digests**"):
        assert check in section
    assert "sudo bench/cluster.sh" in SCRIPT.read_text(encoding="utf-8")


def test_the_feed_server_log_is_counted_per_host_and_feed(tmp_path):
    log = tmp_path / "feed-server.log"
    log.write_text(
        '10.213.0.11 - - [02/Dec/2026 07:32:34] "GET /feed-2.xml HTTP/1.1" 200 -\n'
        '10.213.0.12 - - [02/Dec/2026 07:33:35] "GET /feed-10.xml HTTP/1.1" 304 -\n'
        '10.213.0.12 - - [02/Dec/2026 07:33:36] "GET /favicon.ico HTTP/1.1" 404 -\n'
    )
    assert cluster_drill.feed_log(log) == [("10.213.0.11", 2, "200"), ("10.213.0.12", 10, "304")]


def test_form_inputs_reads_hidden_text_and_date_fields():
    page = (
        '<form><input type="hidden" name="csrf_token" value="abc">'
        '<input type="hidden" name="version" value="3">'
        '<input type="date" name="effective_on" value="2026-12-02">'
        '<input type="radio" name="status" value="kept" checked></form>'
    )
    assert cluster_drill.form_inputs(page) == {
        "csrf_token": "abc",
        "version": "3",
        "effective_on": "2026-12-02",
    }
