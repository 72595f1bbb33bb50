"""Programmes archived (URL or upload) and pledges anchored to their passages: offsets
recomputed from the snapshot, bad pages, offsets and hashes refused, the anchor audited."""

import hashlib

import pytest
from sqlmodel import select

from models import AuditEntry, Pledge, ProgrammePassage
from pledges import programmes
from pledges.archive import ArchiveSettings
from pledges.audit import AuditAction
from pledges.errors import DomainError, ProgrammeError
from tests.archive_pages import article_html, pdf_bytes
from tests.factories import make_candidate
from tests.pledges.feed_server import Reply, serving

PAGES = [
    "Introduction : Sete pour tous.",
    "Nous rendrons les bus gratuits le dimanche.\nNous planterons mille arbres.",
    "Conclusion.",
]
MB = 1024 * 1024


@pytest.fixture
def settings(tmp_path):
    return ArchiveSettings(
        archive_dir=tmp_path / "archive",
        allow_private=True,
        max_bytes=MB,
        connect_timeout=2,
        read_timeout=1,
        deadline_seconds=3,
    )


@pytest.fixture
def pdf_programme(session, settings):
    candidate = make_candidate(session)
    body = pdf_bytes(PAGES, title="Programme 2026")
    programme = programmes.register_upload(
        session, candidate, body, settings, filename="prog.pdf", max_bytes=MB, actor="test"
    )
    found = programmes.get_programme(session, programme.id)
    assert found is not None
    return found


def test_an_uploaded_pdf_keeps_its_pages_and_is_audited(session, settings, pdf_programme):
    programme, snapshot = pdf_programme
    assert snapshot.page_count == 3
    assert snapshot.http_status is None
    assert snapshot.url == "upload:prog.pdf"
    assert programme.title == "prog.pdf"
    pages = programmes.page_texts(snapshot)
    assert "bus gratuits" in pages[1]
    entry = session.exec(
        select(AuditEntry).where(AuditEntry.action == AuditAction.PROGRAMME_CREATE.value)
    ).one()
    assert entry.object_type == "programme"
    assert entry.object_id == programme.id
    assert entry.after["sha256"] == snapshot.sha256


def test_paragraph_offsets_give_back_their_text():
    text = "  Premier point.  \n\nSecond point.\n"
    found = programmes.paragraphs(text)
    assert [(p.number, p.text) for p in found] == [(1, "Premier point."), (2, "Second point.")]
    for p in found:
        assert text[p.start : p.end] == p.text


def test_a_pledge_from_a_passage_quotes_the_archive_exactly(session, pdf_programme):
    programme, snapshot = pdf_programme
    page_text = programmes.page_texts(snapshot)[1]
    first = programmes.paragraphs(page_text)[0]
    # Surrounding whitespace is trimmed: the offsets kept are the quote's own.
    passage = programmes.read_passage(
        programme, snapshot, page=2, start=max(0, first.start - 1), end=first.end + 1,
        sha256=snapshot.sha256,
    )  # fmt: skip
    assert passage.text == page_text[passage.start : passage.end] == first.text
    pledge = programmes.create_pledge_from_passage(
        session, passage, title="Bus gratuits le dimanche", actor="test"
    )
    assert pledge.quote == first.text
    assert pledge.candidate_id == programme.candidate_id
    anchor = session.get(ProgrammePassage, pledge.id)
    assert (anchor.programme_id, anchor.snapshot_id, anchor.page) == (
        programme.id, snapshot.id, 2,
    )  # fmt: skip
    assert (anchor.start, anchor.end) == (passage.start, passage.end)
    assert anchor.sha256 == snapshot.sha256
    assert programmes.passage_of(session, pledge.id) == (anchor, programme)
    assert [p.id for _a, p in programmes.list_passages(session, programme.id)] == [pledge.id]
    actions = session.exec(
        select(AuditEntry.action).where(AuditEntry.pledge_id == pledge.id).order_by(AuditEntry.id)
    ).all()
    assert actions == [AuditAction.PLEDGE_CREATE.value, AuditAction.PLEDGE_FROM_PASSAGE.value]


def test_a_passage_may_span_paragraphs(session, pdf_programme):
    programme, snapshot = pdf_programme
    page_text = programmes.page_texts(snapshot)[1]
    paras = programmes.paragraphs(page_text)
    passage = programmes.read_passage(
        programme, snapshot, page=2, start=paras[0].start, end=paras[-1].end,
        sha256=snapshot.sha256,
    )  # fmt: skip
    assert "bus gratuits" in passage.text
    assert "mille arbres" in passage.text


@pytest.mark.parametrize(
    ("page", "start", "end", "code"),
    [
        (0, 0, 5, "passage_bad_page"),
        (4, 0, 5, "passage_bad_page"),
        (2, 5, 5, "passage_bad_offsets"),
        (2, 9, 3, "passage_bad_offsets"),
        (2, 0, 100_000, "passage_bad_offsets"),
        (2, -1, 3, "passage_bad_offsets"),
    ],
)
def test_bad_pages_and_offsets_are_refused(session, pdf_programme, page, start, end, code):
    programme, snapshot = pdf_programme
    with pytest.raises(ProgrammeError) as raised:
        programmes.read_passage(
            programme, snapshot, page=page, start=start, end=end, sha256=snapshot.sha256
        )
    assert raised.value.code == code


def test_a_blank_passage_is_refused(session, settings):
    candidate = make_candidate(session)
    body = pdf_bytes(["Un.", "Deux."])
    programme = programmes.register_upload(
        session, candidate, body, settings, max_bytes=MB, actor="test"
    )
    _, snapshot = programmes.get_programme(session, programme.id)
    text = programmes.page_texts(snapshot)[0] + "   "
    snapshot.text = text + "\f" + programmes.page_texts(snapshot)[1]
    with pytest.raises(ProgrammeError) as raised:
        programmes.read_passage(
            programme, snapshot, page=1, start=len(text) - 3, end=len(text),
            sha256=snapshot.sha256,
        )  # fmt: skip
    assert raised.value.code == "passage_empty"


def test_another_hash_is_refused(session, pdf_programme):
    programme, snapshot = pdf_programme
    with pytest.raises(ProgrammeError) as raised:
        programmes.read_passage(
            programme, snapshot, page=2, start=0, end=5, sha256=hashlib.sha256(b"x").hexdigest()
        )
    assert raised.value.code == "passage_hash_mismatch"


def test_a_too_long_passage_is_refused(session, settings):
    candidate = make_candidate(session)
    html = article_html(("mot " * 3000,))
    programme = programmes.register_upload(
        session, candidate, html, settings, max_bytes=MB, actor="test"
    )
    _, snapshot = programmes.get_programme(session, programme.id)
    with pytest.raises(ProgrammeError) as raised:
        programmes.read_passage(
            programme, snapshot, page=1, start=0, end=len(snapshot.text), sha256=snapshot.sha256
        )
    assert raised.value.code == "passage_too_long"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"", "programme_empty_file"),
        (b"PK\x03\x04 a zip file", "programme_bad_file"),
        (b"just some text, no markup", "programme_bad_file"),
        (b"<html>\x00\x01 binary</html>", "programme_bad_file"),
        (b"%PDF-1.4 not really a pdf", "programme_no_text"),
        (b"x" * (MB + 1), "programme_too_large"),
    ],
)
def test_uploads_are_checked_by_content(session, settings, body, code):
    candidate = make_candidate(session)
    with pytest.raises(ProgrammeError) as raised:
        programmes.register_upload(
            session, candidate, body, settings, filename="f.pdf", max_bytes=MB, actor="test"
        )
    assert raised.value.code == code
    # Refused, even after its archiving (no text to quote): no WARC left on disk.
    assert [p for p in settings.archive_dir.rglob("*") if p.is_file()] == []


def test_an_html_upload_is_one_page(session, settings):
    candidate = make_candidate(session)
    programme = programmes.register_upload(
        session, candidate, article_html(), settings, filename="p.html", max_bytes=MB,
        actor="test",
    )  # fmt: skip
    _, snapshot = programmes.get_programme(session, programme.id)
    assert snapshot.content_type == "text/html"
    assert len(programmes.page_texts(snapshot)) == 1
    assert programme.title == "p.html"


def test_a_programme_by_url_is_archived_through_the_guard(session, settings):
    candidate = make_candidate(session)
    body = pdf_bytes(PAGES)
    with serving() as server:
        server.routes["/programme.pdf"] = Reply(
            body=body, headers={"Content-Type": "application/pdf"}
        )
        server.routes["/missing"] = Reply(status=404)
        programme = programmes.register_url(
            session, candidate, server.url("/programme.pdf"), settings, title="Le programme",
            actor="test",
        )  # fmt: skip
        with pytest.raises(ProgrammeError) as missing:
            programmes.register_url(
                session, candidate, server.url("/missing"), settings, actor="test"
            )
    _, snapshot = programmes.get_programme(session, programme.id)
    assert snapshot.sha256 == hashlib.sha256(body).hexdigest()
    assert snapshot.page_count == 3
    assert programme.title == "Le programme"
    assert missing.value.code == "programme_not_found"


def test_a_private_address_is_refused_without_the_allowance(session, settings, tmp_path):
    candidate = make_candidate(session)
    guarded = ArchiveSettings(archive_dir=tmp_path / "a", allow_private=False)
    with pytest.raises(ProgrammeError) as raised:
        programmes.register_url(
            session, candidate, "http://127.0.0.1:9/programme.pdf", guarded, actor="test"
        )
    assert raised.value.code == "programme_unsafe_url"
    with pytest.raises(DomainError) as bad:
        programmes.register_url(session, candidate, "ftp://example.org/x", guarded, actor="test")
    assert bad.value.code == "bad_url"
    assert session.exec(select(Pledge)).all() == []
