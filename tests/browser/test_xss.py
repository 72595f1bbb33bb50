"""XSS corpus through every free-text field, then every page that shows it opened in Chromium.

Payloads go in through the real forms (the live app's own views, CSRF
included). Then Chromium visits the public and the logged-in pages: no dialog
opens, no console error appears (a CSP refusal would log one), the DOM holds
no script, event attribute, javascript:/data: link, frame or style element
that came from the data, and htmx fetched nothing a payload asked for.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from models import (
    Candidate,
    Election,
    Evidence,
    EvidenceCorrection,
    Feed,
    FeedFetch,
    FeedItem,
    Pledge,
    StatusChange,
    Suggestion,
    Theme,
    User,
)
from models.enums import EvidenceState, Role, SuggestionState
from pledges import accounts
from tests.browser.conftest import assert_only_loopback
from tests.views.conftest import AuthActions, token_from

PAYLOADS = [
    "<script>alert('xss-script')</script>",
    "<img src=x onerror=alert('xss-img')>",
    "<svg onload=alert('xss-svg')><circle r=1 /></svg>",
    "<svg><script>alert('xss-svg-script')</script></svg>",
    "\"><script>alert('xss-break')</script>",
    "' onmouseover='alert(1)' x='",
    "[lien](javascript:alert('xss-md-link'))",
    "![image](javascript:alert('xss-md-img'))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<a href=\"jav&#x09;ascript:alert('xss-entity')\">x</a>",
    "&lt;script&gt;alert('xss-entities')&lt;/script&gt;",
    "<a href=\"&#106;avascript:alert('xss-dec')\">y</a>",
    "<iframe srcdoc=\"<script>alert('xss-frame')</script>\"></iframe>",
    '<div hx-get="/xss-htmx" hx-trigger="load">htmx</div>',
    '<div data-hx-get="/xss-data-htmx" data-hx-trigger="load">htmx</div>',
    "<style>body{display:none}</style>",
    "<details open ontoggle=alert('xss-toggle')>",
    '[x](vbscript:msgbox(1)) <object data="data:text/html,<script>alert(2)</script>">',
]
CORPUS = "\n\n".join(PAYLOADS)

SCAN = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (tag === 'script' && !el.src) bad.push('inline script');
    if (['iframe', 'object', 'embed', 'style', 'frame'].includes(tag)) bad.push(tag);
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/\\s+/g, '').toLowerCase();
      if (name.startsWith('on')) bad.push(tag + ' ' + name);
      if (name === 'style') bad.push(tag + ' style');
      if (name === 'srcdoc') bad.push(tag + ' srcdoc');
      if (['href', 'src', 'action', 'formaction', 'data', 'xlink:href'].includes(name)
          && /^(javascript|data|vbscript):/.test(value)) bad.push(tag + ' ' + name + '=' + value);
      if (/^(data-)?hx-/.test(name) && value.includes('xss')) bad.push(tag + ' ' + name);
    }
  }
  return bad;
}"""


def _form_values(html: str, form_selector: str) -> dict:
    soup = BeautifulSoup(html, "html.parser")
    form = soup.select_one(form_selector)
    data = {
        i["name"]: i.get("value", "")
        for i in form.find_all("input")
        if i.get("name") and i.get("type") not in {"checkbox", "radio"}
    }
    data.update({t["name"]: t.text.lstrip("\n") for t in form.find_all("textarea")})
    return data


@pytest.fixture
def poisoned(live_server):
    """Everything a visitor or an editor can type, typed as payloads, through the forms."""
    app = live_server.app
    with live_server.session() as s:
        election = Election(slug="e", name="Élection", territory="Ville", date=date(2020, 6, 28))
        s.add(election)
        s.flush()
        candidate = Candidate(election_id=election.id, slug="c", name="Candidat")
        s.add(candidate)
        s.flush()
        pledge = Pledge(
            election_id=election.id,
            candidate_id=candidate.id,
            slug="p",
            title="Titre",
            theme="securite",
        )
        s.add(pledge)
        s.flush()
        feed = Feed(url="http://127.0.0.1:9/rss", name=PAYLOADS[1])
        s.add(feed)
        s.flush()
        # A feed item as if stored unsanitised: the queue must still neutralise it.
        item = FeedItem(
            feed_id=feed.id,
            dedup_key="k",
            link="https://journal.example/item",
            title=PAYLOADS[0],
            summary_html=CORPUS,
            published_at=datetime(2021, 10, 4, tzinfo=UTC),
        )
        hostile = FeedItem(
            feed_id=feed.id,
            dedup_key="k2",
            link="javascript:alert('xss-item')",
            title=PAYLOADS[6],
            summary_html=CORPUS,
            published_at=datetime(2021, 10, 5, tzinfo=UTC),
        )
        s.add_all([item, hostile])
        s.flush()
        s.add(Suggestion(feed_item_id=item.id, pledge_id=pledge.id, matched_terms=[PAYLOADS[2]]))
        # Stays in the queue: its javascript: link must never become a live href.
        s.add(Suggestion(feed_item_id=hostile.id, pledge_id=pledge.id, matched_terms=["x"]))
        # A fetch outcome: its technical message and a web page's advertised feeds come
        # from the remote site (shown on the feed's page).
        s.add(
            FeedFetch(
                feed_id=feed.id,
                at=datetime(2021, 10, 5, tzinfo=UTC),
                outcome="error",
                code="feed_is_a_page",
                message=CORPUS,
                alternates=[{"url": "javascript:alert('xss-alt')", "title": PAYLOADS[3]}],
            )
        )
        # Dismissed: the list of dismissed suggestions shows its payload title and link.
        dismissed = FeedItem(
            feed_id=feed.id,
            dedup_key="k3",
            link="javascript:alert('xss-dismissed')",
            title=PAYLOADS[4],
            summary_html=CORPUS,
            published_at=datetime(2021, 10, 6, tzinfo=UTC),
        )
        s.add(dismissed)
        s.flush()
        s.add(
            Suggestion(
                feed_item_id=dismissed.id, pledge_id=pledge.id, matched_terms=["x"],
                state=SuggestionState.DISMISSED, reviewed_at=datetime(2021, 10, 7, tzinfo=UTC),
            )
        )  # fmt: skip
        accounts.create_user(
            s,
            email="admin@example.org",
            role=Role.ADMIN,
            password="mot de passe admin",
            display_name="Admin",
            actor="test",
        )
        ids = {
            "election": election.id,
            "candidate": candidate.id,
            "pledge": pledge.id,
            "feed": feed.id,
        }

    client = app.test_client()
    with live_server.session() as s:
        admin = AuthActions(client, app, s)
        assert admin.login("admin@example.org", "mot de passe admin").status_code == 302
        token = admin.csrf_token()
        # An editor whose display name is a payload (shown in nav, users, audit, public timeline).
        page = client.post(
            "/admin/invitations",
            data={"csrf_token": token, "email": "xss-editor@example.org", "role": "editor"},
            follow_redirects=True,  # Post/Redirect/Get: the link is shown once on the users page
        )
        link = page.get_data(as_text=True).split('class="invitation-anchor">')[1].split("<")[0]
        invite_path = link.replace(app.config["SITE_URL"], "")
        assert client.get(f"/admin/feeds/{feed.id}/edit").status_code == 200

    editor_client = app.test_client()
    html = editor_client.get(invite_path).get_data(as_text=True)
    response = editor_client.post(
        invite_path,
        data={
            "csrf_token": token_from(html),
            "display_name": PAYLOADS[4][:120],
            "password": "mot de passe éditeur",
            "confirm": "mot de passe éditeur",
        },
    )
    assert response.status_code == 302
    etoken = token_from(editor_client.get("/auth/password").get_data(as_text=True))
    # The display name again, from the account page (a second way to write it).
    response = editor_client.post(
        "/auth/account",
        data={"csrf_token": etoken, "display_name": PAYLOADS[3][:120], "language": "fr"},
    )
    assert response.status_code == 302

    # Election, candidate, pledge (title, body, theme, quote, keywords).
    html = editor_client.get(f"/admin/elections/{ids['election']}/edit").get_data(as_text=True)
    data = _form_values(html, "form.work-form")
    data.update(name=PAYLOADS[0], territory=PAYLOADS[1], csrf_token=etoken)
    assert (
        editor_client.post(f"/admin/elections/{ids['election']}/edit", data=data).status_code == 302
    )
    html = editor_client.get(f"/admin/candidates/{ids['candidate']}/edit").get_data(as_text=True)
    data = _form_values(html, "form.work-form")
    data.update(name=PAYLOADS[2], list_name=PAYLOADS[3], office=PAYLOADS[5], csrf_token=etoken)
    assert (
        editor_client.post(f"/admin/candidates/{ids['candidate']}/edit", data=data).status_code
        == 302
    )
    html = editor_client.get(f"/admin/pledges/{ids['pledge']}/edit").get_data(as_text=True)
    data = _form_values(html, "form.work-form")
    data.update(
        title=PAYLOADS[4],
        body=CORPUS,
        quote=CORPUS,
        theme="xss<b>theme",
        keywords_include="\n".join(PAYLOADS),
        csrf_token=etoken,
    )
    assert editor_client.post(f"/admin/pledges/{ids['pledge']}/edit", data=data).status_code == 302

    # The create forms: election, candidate, theme (French and English names), and a
    # pledge whose new theme is a payload name.
    response = editor_client.post(
        "/admin/elections/new",
        data={"csrf_token": etoken, "name": PAYLOADS[13], "territory": PAYLOADS[14],
              "date": "2020-06-28", "slug": "e2"},
    )  # fmt: skip
    assert response.status_code == 302
    with live_server.session() as s:
        ids["new_election"] = s.exec(select(Election.id).where(Election.slug == "e2")).one()
    response = editor_client.post(
        f"/admin/elections/{ids['new_election']}/candidates/new",
        data={"csrf_token": etoken, "name": PAYLOADS[16], "list_name": PAYLOADS[15],
              "office": PAYLOADS[5], "slug": "c2"},
    )  # fmt: skip
    assert response.status_code == 302
    response = editor_client.post(
        "/admin/themes/new",
        data={"csrf_token": etoken, "name_fr": PAYLOADS[9], "name_en": PAYLOADS[11], "slug": ""},
    )
    assert response.status_code == 302
    with live_server.session() as s:
        ids["new_candidate"] = s.exec(select(Candidate.id).where(Candidate.slug == "c2")).one()
        theme = s.exec(select(Theme).where(Theme.name_fr == PAYLOADS[9])).one()
        ids["theme"], ids["theme_slug"] = theme.id, theme.slug
    response = editor_client.post(
        f"/admin/elections/{ids['new_election']}/pledges/new",
        data={"csrf_token": etoken, "candidate": str(ids["new_candidate"]), "title": PAYLOADS[17],
              "body": CORPUS, "quote": CORPUS, "new_theme": PAYLOADS[10],
              "keywords_exclude": "\n".join(PAYLOADS)},
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    with live_server.session() as s:
        ids["new_theme_slug"] = s.exec(
            select(Pledge.theme).where(Pledge.candidate_id == ids["new_candidate"])
        ).one()
    # The no-JavaScript preview renders the payload body inside the form.
    response = editor_client.post(
        f"/admin/elections/{ids['new_election']}/pledges/new",
        data={"csrf_token": etoken, "candidate": str(ids["new_candidate"]), "title": "t",
              "body": CORPUS, "preview": "1"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True).split('id="preview"')[1]

    # Evidence by hand: title, outlet, quote, note (Markdown).
    for n, stance in enumerate(["broken", "kept"]):
        response = editor_client.post(
            f"/volunteer/pledges/{ids['pledge']}/evidence",
            data={
                "csrf_token": etoken,
                "url": f"https://journal.example/{n}?q=<script>",
                "outlet": PAYLOADS[1 + n],
                "published_on": "2021-10-12",
                "kind": "press_article",
                "stance": stance,
                "title": PAYLOADS[n],
                "quote": CORPUS,
                "note": CORPUS,
            },
        )
        assert response.status_code == 302, response.get_data(as_text=True)
    # Review of the suggestion: quote and note.
    with live_server.session() as s:
        suggestion = s.exec(select(Suggestion).order_by(Suggestion.id)).first()
    prefix = f"s{suggestion.id}-"
    response = editor_client.post(
        f"/volunteer/suggestions/{suggestion.id}",
        data={
            "csrf_token": etoken,
            prefix + "decision": "context",
            prefix + "quote": CORPUS,
            prefix + "note": CORPUS,
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    with live_server.session() as s:
        evidence = s.exec(select(Evidence).order_by(Evidence.id)).all()
    assert len(evidence) == 3
    # Publish one, reject one with a payload reason, keep one submitted.
    assert (
        editor_client.post(
            f"/admin/evidence/{evidence[0].id}/publish", data={"csrf_token": etoken}
        ).status_code
        == 302
    )
    assert (
        editor_client.post(
            f"/admin/evidence/{evidence[1].id}/reject",
            data={"csrf_token": etoken, f"r{evidence[1].id}-reason": CORPUS},
        ).status_code
        == 302
    )
    # A ruling with a payload rationale, citing the published one.
    html = editor_client.get(f"/admin/pledges/{ids['pledge']}/ruling").get_data(as_text=True)
    version = BeautifulSoup(html, "html.parser").find("input", {"name": "version"})["value"]
    response = editor_client.post(
        f"/admin/pledges/{ids['pledge']}/ruling",
        data={
            "csrf_token": etoken,
            "version": version,
            "status": "broken",
            "effective_on": date.today().isoformat(),
            "rationale": CORPUS,
            "cites": [str(evidence[0].id)],
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    # Its correction: a payload reason (shown publicly) and rationale.
    with live_server.session() as s:
        ruling_id = s.exec(select(StatusChange)).one().id
    correct_url = f"/admin/pledges/{ids['pledge']}/rulings/{ruling_id}/correct"
    html = editor_client.get(correct_url).get_data(as_text=True)
    version = BeautifulSoup(html, "html.parser").find("input", {"name": "version"})["value"]
    response = editor_client.post(
        correct_url,
        data={
            "csrf_token": etoken,
            "version": version,
            "status": "broken",
            "effective_on": date.today().isoformat(),
            "rationale": CORPUS + "\n\ncorrigé",
            "cites": [str(evidence[0].id)],
            "reason": CORPUS,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)

    # Corrections and withdrawal: the submitted item is edited, published, then corrected
    # with a payload title and reason; the cited one is withdrawn with a payload reason
    # (shown publicly, and on the dashboard's flagged rulings).
    def edit(evidence_id: int, **changes: str) -> None:
        path = f"/admin/evidence/{evidence_id}/edit"
        data = _form_values(editor_client.get(path).get_data(as_text=True), "form.work-form")
        data.update(stance="context", csrf_token=etoken, **changes)
        response = editor_client.post(path, data=data)
        assert response.status_code == 302, response.get_data(as_text=True)

    edit(evidence[2].id, title=PAYLOADS[7], outlet=PAYLOADS[8])
    assert (
        editor_client.post(
            f"/admin/evidence/{evidence[2].id}/publish", data={"csrf_token": etoken}
        ).status_code
        == 302
    )
    edit(evidence[2].id, title=PAYLOADS[9], quote=PAYLOADS[10], reason=CORPUS)
    response = editor_client.post(
        f"/admin/evidence/{evidence[0].id}/withdraw",
        data={"csrf_token": etoken, "withdraw-reason": CORPUS},
    )
    assert response.status_code == 302, response.get_data(as_text=True)

    _paste_programme(editor_client, etoken, ids["election"])
    return {
        **ids, "evidence": [e.id for e in evidence], "suggestion": suggestion.id,
        "ruling": ruling_id,
    }  # fmt: skip


def _paste_programme(client, token, election_id):
    """A pasted programme (issue 10): a new candidate's name, titles and themes as typed."""
    lines = ["candidat\ttitre\tthème"]
    for n, payload in enumerate(PAYLOADS):
        text = " ".join(payload.split())
        lines.append(f"C {PAYLOADS[0]}\tT{n} {text}\tTh {PAYLOADS[n % 3]}")
    data = {"csrf_token": token, "election": str(election_id), "text": "\n".join(lines)}
    preview = client.post("/admin/import/programme", data={**data, "action": "preview"})
    assert preview.status_code == 200, preview.get_data(as_text=True)
    soup = BeautifulSoup(preview.get_data(as_text=True), "html.parser")
    table = soup.find("table", class_="programme-preview")
    assert len(table.tbody.find_all("tr")) == len(PAYLOADS)
    assert table.find(["script", "img", "svg", "iframe", "style", "details", "object"]) is None
    done = client.post("/admin/import/programme", data={**data, "action": "confirm"})
    assert done.status_code == 302, done.get_data(as_text=True)


def test_stored_text_is_kept_as_typed_not_as_html(live_server, poisoned):
    with live_server.session() as s:
        pledge = s.get(Pledge, poisoned["pledge"])
        assert pledge.body == CORPUS  # Markdown source, rendered and sanitised on output only
        change, correction = s.exec(select(StatusChange).order_by(StatusChange.id)).all()
        assert change.rationale == CORPUS
        assert correction.corrects_id == change.id
        assert correction.correction_reason == CORPUS
        rejected = s.get(Evidence, poisoned["evidence"][1])
        assert rejected.state == EvidenceState.REJECTED
        assert rejected.rejection_reason == CORPUS
        assert all(e.url.startswith("https://") for e in s.exec(select(Evidence)))
        withdrawn = s.get(Evidence, poisoned["evidence"][0])
        assert withdrawn.state == EvidenceState.WITHDRAWN
        assert withdrawn.withdrawal_reason == CORPUS
        correction = s.exec(select(EvidenceCorrection)).one()
        assert correction.reason == CORPUS
        assert {"field": "title", "before": PAYLOADS[7], "after": PAYLOADS[9]} in correction.changes
        editor = s.exec(select(User).where(User.email == "xss-editor@example.org")).one()
        assert editor.display_name == PAYLOADS[3]  # as typed on the account page


def _visit(page, url):
    response = page.goto(url)
    assert response.status < 500, url
    page.wait_for_load_state("networkidle")
    found = page.evaluate(SCAN)
    assert found == [], (url, found)


def test_nothing_executes_anywhere(live_server, poisoned, new_context, recorder):
    base = live_server.url
    pledge, candidate = poisoned["pledge"], poisoned["candidate"]
    public = [
        "/",
        "/?q=xss",
        "/themes/",
        "/themes/xss-b-theme",  # the edit form turns the typed theme into its slug
        f"/pledges/{pledge}",
        f"/pledges/{pledge}?lang=en",
        "/elections/e/c",
        f"/embed/pledges/{pledge}",
        "/embed/candidates/e/c",
        "/themes/?lang=en",
        f"/themes/{poisoned['new_theme_slug']}",
        "/elections/e2/c2",
        "/embed/candidates/e2/c2",
    ]

    def context():
        ctx = new_context(locale="fr-FR")
        # Chromium asks for /favicon.ico where a page has no icon link (embed pages);
        # answered here so that the only console errors left would be real ones.
        ctx.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
        return ctx

    visitor = context().new_page()
    for path in public:
        _visit(visitor, base + path)

    editor = context().new_page()
    editor.goto(f"{base}/auth/login")
    editor.get_by_label("Adresse e-mail").fill("admin@example.org")
    editor.get_by_label("Mot de passe").fill("mot de passe admin")
    editor.get_by_role("button", name="Se connecter").click()
    editor.wait_for_load_state()
    private = [
        "/volunteer/",
        f"/volunteer/?pledge={pledge}",
        "/volunteer/pledges",
        f"/volunteer/pledges/{pledge}/evidence",
        "/admin/",
        "/admin/moderation",
        "/admin/pledges",
        f"/admin/pledges/{pledge}",
        f"/admin/pledges/{pledge}/edit",
        f"/admin/pledges/{pledge}/ruling",
        f"/admin/pledges/{pledge}/rulings/{poisoned['ruling']}/correct",
        f"/admin/pledges/{pledge}/rulings/{poisoned['ruling'] + 1}/correct",
        "/volunteer/suggestions/dismissed",
        f"/admin/pledges/{pledge}/audit",
        "/admin/audit",
        "/admin/elections",
        f"/admin/elections/{poisoned['election']}/edit",
        f"/admin/candidates/{candidate}/edit",
        "/admin/feeds",
        f"/admin/feeds/{poisoned['feed']}",
        f"/admin/pledges/{pledge}/keywords-preview",
        "/admin/users",
        "/admin/themes",
        f"/admin/themes/{poisoned['theme']}/edit",
        f"/admin/elections/{poisoned['new_election']}",
        f"/admin/candidates/{poisoned['new_candidate']}/edit",
        f"/admin/elections/{poisoned['new_election']}/pledges/new",
        "/auth/account",
        *[f"/volunteer/evidence/{i}" for i in poisoned["evidence"]],
        *[f"/admin/evidence/{i}/edit" for i in poisoned["evidence"]],
        f"/pledges/{pledge}",
        "/",
    ]
    for path in private:
        _visit(editor, base + path)
    # The live preview (htmx) of a payload body, swapped into the form.
    editor.goto(f"{base}/admin/elections/{poisoned['new_election']}/pledges/new")
    editor.locator("[name=body]").fill(CORPUS)
    editor.locator("[name=body]").press("End")
    editor.locator("#preview .pledge-body").wait_for()
    editor.wait_for_load_state("networkidle")
    assert editor.evaluate(SCAN) == []
    # The volunteer's own view of a rejection reason.
    editor.goto(f"{base}/volunteer/contributions")
    editor.wait_for_load_state("networkidle")
    assert editor.evaluate(SCAN) == []

    assert recorder.dialogs == []
    # A CSP refusal of anything inline would be logged here.
    assert recorder.console_errors == []
    # The htmx payload would have fetched /xss-htmx; image payloads would have fetched x.
    paths = [urlsplit(u).path for u in recorder.requests]
    assert not [p for p in paths if p.startswith("/xss") or p.endswith("/x")]
    assert_only_loopback(recorder.requests)


def test_payload_text_is_visible_as_text(live_server, poisoned, new_context):
    """Escaped, not dropped: the visitor reads the title as the characters typed."""
    page = new_context(locale="fr-FR").new_page()
    page.goto(f"{live_server.url}/pledges/{poisoned['pledge']}")
    assert "<script>alert('xss-break')</script>" in page.locator("h1").inner_text()
