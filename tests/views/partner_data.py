"""Data shared by the partner-site tests (widget, badges, oEmbed, open data, CSV, Atom)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel import Session

from models import Candidate, Election, Evidence, Pledge
from models.enums import EvidenceState, PledgeStatus, Stance
from pledges.status import record_status_change
from tests.factories import make_candidate, make_election, make_evidence, make_pledge

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class PartnerData:
    election: Election
    alice: Candidate  # three pledges: kept, broken, pending and overdue
    bob: Candidate  # one pending pledge, no evidence
    kept: Pledge
    broken: Pledge
    overdue: Pledge
    quiet: Pledge
    kept_evidence: Evidence
    broken_evidence: Evidence
    hidden_evidence: Evidence  # submitted, never public


def seed(session: Session) -> PartnerData:
    """One election, two candidates, one pledge per status, published and unpublished evidence."""
    election = make_election(
        session, slug="marseille-2020", name="Municipales Marseille 2020", is_demo=True
    )
    alice = make_candidate(
        session, election, slug="liste-alpha", name="Liste Alpha <b>&</b>", list_name="Alpha"
    )
    bob = make_candidate(session, election, slug="liste-beta", name="Liste Bêta")
    kept = make_pledge(session, alice, title="Moratoire sur la vidéosurveillance")
    broken = make_pledge(session, alice, title="Publier l'audit des caméras")
    overdue = make_pledge(
        session, alice, title='=HYPERLINK("http://evil.example") piste', deadline=date(2022, 1, 1)
    )
    quiet = make_pledge(session, bob, title="Cantines bio")
    kept_evidence = make_evidence(
        session,
        kept,
        stance=Stance.KEPT,
        outlet="Le Journal Fictif",
        title="Le moratoire voté",
        published_on=date(2021, 2, 1),
    )
    broken_evidence = make_evidence(
        session,
        broken,
        stance=Stance.BROKEN,
        outlet="La Gazette Imaginaire",
        title="L'audit <script>alert(1)</script> reste secret",
        quote="« Jamais publié »",
        published_on=date(2021, 10, 15),
    )
    hidden_evidence = make_evidence(
        session, broken, state=EvidenceState.SUBMITTED, outlet="Rumeur", title="Non vérifié"
    )
    for pledge, to, cites in (
        (kept, PledgeStatus.KEPT, [kept_evidence]),
        (broken, PledgeStatus.BROKEN, [broken_evidence]),
    ):
        record_status_change(
            session,
            pledge,
            to=to,
            effective_on=cites[0].published_on,
            rationale="Voir la **preuve**.",
            cites=cites,
            actor="test",
            now=NOW,
        )
    session.commit()
    return PartnerData(
        election,
        alice,
        bob,
        kept,
        broken,
        overdue,
        quiet,
        kept_evidence,
        broken_evidence,
        hidden_evidence,
    )
