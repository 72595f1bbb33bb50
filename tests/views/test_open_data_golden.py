"""Everything partner sites read, byte for byte: JSON API, CSV, Atom, dump, oEmbed, widget, badges.

A fixed data set is served through every open-data route and compared with
tests/data/open_data_golden.txt, so a refactoring of the serialisers cannot
change a field name, a column, an element or a byte unnoticed. After a change
that is meant to alter the output, regenerate the file with
`GOLDEN_UPDATE=1 pytest tests/views/test_open_data_golden.py` and review the diff.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from models import (
    Election,
    Evidence,
    LinkCheck,
    Pledge,
    Programme,
    ProgrammePassage,
    Snapshot,
    StatusChange,
)
from models.enums import PledgeStatus, Stance
from pledges.status import record_status_change
from tests.factories import make_evidence, make_pledge
from tests.views.partner_data import NOW, seed

SITE = "https://suivi.example.org"
GOLDEN = Path(__file__).resolve().parents[1] / "data" / "open_data_golden.txt"
# Headers partners depend on; security headers have their own tests and owner.
HEADERS = (
    "Content-Type",
    "Content-Disposition",
    "Access-Control-Allow-Origin",
    "Cache-Control",
    "Cross-Origin-Resource-Policy",
)
URLS = [
    "/api/v1/pledges",
    "/api/v1/pledges?per_page=2",
    "/api/v1/pledges?status=kept",
    "/api/v1/pledges/{kept}",
    "/api/v1/pledges/{broken}",
    "/api/v1/pledges/{rich}",
    "/api/v1/pledges/999999",
    "/api/v1/pledges?page=0",
    "/api/v1/pledges?page=9",
    "/api/v1/elections",
    "/api/v1/elections?per_page=1",
    "/api/v1/elections/marseille-2020",
    "/api/v1/elections/nowhere",
    "/api/v1/candidates/marseille-2020/liste-alpha",
    "/api/v1/candidates/marseille-2020/nobody",
    "/api/v1/evidence",
    "/api/v1/evidence?per_page=1&election=marseille-2020",
    "/api/v1/evidence?pledge={broken}",
    "/api/v1/evidence?pledge=abc",
    "/api/v1/status-changes",
    "/api/v1/status-changes?candidate=liste-alpha&per_page=2",
    "/api/v1/status-changes?page=5",
    "/api/v1/pledges.csv",
    "/api/v1/pledges.csv?election=marseille-2020&candidate=liste-alpha",
    "/api/v1/evidence.csv",
    "/api/v1/evidence.csv?pledge=x",
    "/api/v1/feeds/status-changes.atom",
    "/api/v1/feeds/evidence.atom",
    "/api/v1/feeds/evidence.atom?lang=en",
    "/api/v1/feeds/elections/marseille-2020/status-changes.atom",
    "/api/v1/feeds/candidates/marseille-2020/liste-alpha/evidence.atom",
    "/api/v1/feeds/pledges/{rich}/status-changes.atom",
    "/api/v1/feeds/pledges/999999/evidence.atom",
    "/api/v1/dump.json",
    "/api/v1/openapi.json",
    "/api/v1/no-such-route",
    "/oembed?url=" + SITE + "/pledges/{kept}",
    "/oembed?url=" + SITE + "/elections/marseille-2020/liste-alpha%3Flang%3Den&maxwidth=300",
    "/oembed?url=" + SITE + "/embed/pledges/{rich}&maxheight=200",
    "/oembed?url=https://other.example/pledges/{kept}",
    "/oembed?url=" + SITE + "/pledges/{kept}&format=xml",
    "/embed/candidates/marseille-2020/liste-alpha",
    "/embed/candidates/marseille-2020/liste-alpha?lang=en&theme=dark&compact=1",
    "/embed/pledges/{broken}",
    "/embed/pledges/{rich}?lang=en",
    "/badge/pledges/{kept}.svg",
    "/badge/pledges/{overdue}.svg?lang=en",
    "/badge/candidates/marseille-2020/liste-alpha.svg",
]


@pytest.fixture
def app_overrides():
    return {"SITE_URL": SITE}


@pytest.fixture
def data(app_session):
    """The partner data set, one richer pledge (every field, two rulings), fixed times."""
    data = seed(app_session)
    rich = make_pledge(
        app_session,
        data.bob,
        slug="rich",
        title="Ouvrir les données",
        body="Publier **tout** en [CSV](https://exemple.example/csv).\n\n- un\n- deux",
        theme="transparence",
        made_on=date(2020, 3, 1),
        deadline=date(2099, 1, 1),
        source_url="https://exemple.example/programme",
        quote="« Nous publierons tout »",
        keywords_include=["données", "open data"],
        keywords_exclude=["fuite"],
    )
    first = make_evidence(
        app_session,
        rich,
        stance=Stance.KEPT,
        url="https://exemple.example/a",
        outlet="Le Journal Fictif",
        title="Portail ouvert",
        quote=None,
        note="Vu sur place",
        published_on=date(2021, 5, 1),
    )
    second = make_evidence(
        app_session,
        rich,
        stance=Stance.BROKEN,
        url="https://exemple.example/b",
        outlet="+Canard",
        title="=SUM(A1)",
        quote="-1 jeu de données",
        published_on=date(2022, 5, 1),
    )
    record_status_change(
        app_session,
        rich,
        to=PledgeStatus.KEPT,
        effective_on=date(2021, 5, 2),
        rationale="Portail **ouvert**.",
        cites=[first],
        actor="test",
        now=NOW,
    )
    record_status_change(
        app_session,
        rich,
        to=PledgeStatus.BROKEN,
        effective_on=date(2022, 5, 2),
        rationale="Fermé depuis.",
        # In id order: the API lists citations in database order, which is not pinned.
        cites=[first, second],
        actor="test",
        now=datetime(2024, 3, 2, 9, 30, tzinfo=UTC),
    )
    # Its quote comes from page 2 of an archived programme (issue 13): source_passage.
    programme_text = "Page un.\fIntro.\n« Nous publierons tout »"
    snapshot = Snapshot(
        url="upload:programme.pdf",
        content_type="application/pdf",
        retrieved_at=NOW,
        sha256="ab" * 32,
        size=1234,
        warc_path="ab/ab/" + "ab" * 32 + ".warc.gz",
        text=programme_text,
        page_count=2,
    )
    app_session.add(snapshot)
    app_session.flush()
    programme = Programme(candidate_id=data.bob.id, snapshot_id=snapshot.id, created_at=NOW)
    app_session.add(programme)
    app_session.flush()
    start = programme_text.split("\f")[1].index("«")
    app_session.add(
        ProgrammePassage(
            pledge_id=rich.id,
            programme_id=programme.id,
            snapshot_id=snapshot.id,
            page=2,
            start=start,
            end=start + len(rich.quote),
            sha256=snapshot.sha256,
            created_at=NOW,
        )  # fmt: skip
    )
    # The factories number slugs and URLs from a counter shared by the whole run.
    data.bob.list_name = "Bêta"
    for pledge in app_session.exec(select(Pledge)).all():
        pledge.slug = f"engagement-{pledge.id}" if pledge is not rich else pledge.slug
    for i, evidence in enumerate(app_session.exec(select(Evidence).order_by(Evidence.id)).all()):
        if not evidence.url.startswith("https://exemple.example/"):
            evidence.url = f"https://journal-fictif.example/preuve-{evidence.id}"
        evidence.created_at = datetime(2024, 1, 1 + i, 8, 0, tzinfo=UTC)
        evidence.reviewed_at = datetime(2024, 2, 1 + i, 8, 0, tzinfo=UTC) if i % 2 else None
    for pledge in app_session.exec(select(Pledge)).all():
        pledge.created_at = pledge.updated_at = datetime(2024, 1, 1, tzinfo=UTC)
    for election in app_session.exec(select(Election)).all():
        election.created_at = datetime(2024, 1, 1, tzinfo=UTC)
    assert len(app_session.exec(select(StatusChange)).all()) == 4
    # An archived copy and a link check (issue 13): `snapshots` and `link_status`.
    cited = app_session.exec(
        select(Evidence).where(Evidence.url == "https://exemple.example/a")
    ).one()
    app_session.add(
        Snapshot(
            evidence_id=cited.id,
            url=cited.url,
            final_url="https://exemple.example/a/",
            http_status=200,
            content_type="text/html; charset=utf-8",
            retrieved_at=datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC),
            sha256="ab" * 32,
            size=1234,
            warc_path=f"cd/cd/{'cd' * 32}.warc.gz",
            text="Portail ouvert.",
        )
    )
    app_session.add(LinkCheck(evidence_id=cited.id, status="changed"))
    app_session.commit()
    data.rich = rich
    return data


def render(client, data) -> str:
    keys = {
        "kept": data.kept.id,
        "broken": data.broken.id,
        "overdue": data.overdue.id,
        "rich": data.rich.id,
    }
    parts = []
    for template in URLS:
        url = template.format(**keys)
        response = client.get(url)
        again = client.get(url)  # the second answer may come from the page cache
        assert (again.status_code, again.get_data()) == (response.status_code, response.get_data())
        for name in HEADERS:
            assert again.headers.getlist(name) == response.headers.getlist(name), (url, name)
        lines = [f"=== {template}", f"status: {response.status_code}"]
        lines += [
            f"{name}: {value}" for name in HEADERS for value in response.headers.getlist(name)
        ]
        lines += ["", response.get_data(as_text=True), ""]
        parts.append("\n".join(lines))
    return "\n".join(parts)


def test_partner_outputs_are_unchanged(client, data, database_url):
    output = render(client, data)
    if os.environ.get("GOLDEN_UPDATE") and database_url.startswith("sqlite"):
        with GOLDEN.open("w", encoding="utf-8", newline="") as file:
            file.write(output)
    with GOLDEN.open(encoding="utf-8", newline="") as file:
        expected = file.read()
    # Compare by lines first for a readable failure, then exactly.
    assert output.splitlines() == expected.splitlines()
    assert output == expected


# The widget's and badges' answers in the golden file, hashed, for each FORMAT_VERSION.
# Their ETag is strong and names no bytes, only the data and this version: when their
# markup changes, FORMAT_VERSION must change too, or partners' caches keep the old
# answer as if it were the new one. Changed the markup? Bump FORMAT_VERSION
# (pledges/widgets.py), then add its hash here (the failure prints it).
WIDGET_FORMATS = {
    "1": "6524f956c78b5ab9c65bc3fbe20a02839b6b1cbc57144ac7cb600239e1b3fb22",
    "2": "b0847d64bf421b1acb480175e2a1026bb07df219cb73b8956549f93e8c3cf0b2",
}


def widget_sections(golden: str) -> str:
    sections = golden.split("\n=== ")
    kept = [s for s in sections if s.startswith(("/embed/", "/badge/"))]
    assert len(kept) == 7
    return "\n=== ".join(kept)


def test_widget_markup_changes_with_its_format_version():
    from pledges.widgets import FORMAT_VERSION

    with GOLDEN.open(encoding="utf-8", newline="") as file:
        digest = hashlib.sha256(widget_sections(file.read()).encode()).hexdigest()
    assert WIDGET_FORMATS.get(FORMAT_VERSION) == digest, (
        f"the widget or badge markup changed: bump FORMAT_VERSION, then add "
        f'"{FORMAT_VERSION}": "{digest}" to WIDGET_FORMATS'
    )
