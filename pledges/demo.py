"""Demonstration data: the bundled Marseille file, and large synthetic sets for benchmarks.

`load_demo` is an ordinary import of pledges/data/demo-marseille.json.
`generate` builds one fictional election of N candidates × M pledges × K
evidence items with bulk INSERTs (a few statements per table, not one per
row): the status history it writes keeps the rules of pledges.status by
construction (each verdict cites published evidence of its pledge that
supports it, rulings are dated from the election on, in order, each changing
the status; the pledge's status is its last change), so it does not need
record_status_change's per-row checks (tests/pledges/test_demo.py checks them).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert
from sqlmodel import Session, SQLModel, col, select

from models import Candidate, Election, Evidence, Pledge, StatusChange, StatusChangeCitation
from models.db import id_of, table_of, utc_now
from models.enums import EvidenceKind, EvidenceState, Origin, PledgeStatus, Stance
from models.full_text import indexed_once
from pledges.audit import Actor, AuditAction, log_change
from pledges.errors import DomainError
from pledges.importing import ImportSummary, import_data
from pledges.text import with_rendered_html

DEMO_FILE = Path(__file__).parent / "data" / "demo-marseille.json"


def read_demo_file() -> dict[str, Any]:
    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))


def has_data(session: Session) -> bool:
    return session.exec(select(Election.id).limit(1)).first() is not None


def load_demo(
    session: Session,
    *,
    if_empty: bool = False,
    actor: Actor = "import",
    now: datetime | None = None,
) -> ImportSummary | None:
    """Import the Marseille demo file; with `if_empty`, None (and no write) when data exists."""
    if if_empty and has_data(session):
        return None
    return import_data(session, read_demo_file(), actor=actor, now=now)


# --- Synthetic data ---------------------------------------------------------------------

THEMES = [
    "video-surveillance", "transparence", "police-predictive", "climat", "logement", "ecole",
    "culture", "sport", "democratie-locale",
]  # fmt: skip
SUBJECTS = {
    "video-surveillance": ("caméras", "vidéosurveillance"),
    "transparence": ("marchés publics", "documents administratifs"),
    "police-predictive": ("algorithmes prédictifs", "observatoire des données"),
    "climat": ("îlots de fraîcheur", "plan climat"),
    "logement": ("immeubles insalubres", "relogements"),
    "ecole": ("écoles", "cantines"),
    "culture": ("bibliothèques", "lieux culturels"),
    "sport": ("gymnases", "piscines"),
    "democratie-locale": ("assemblées de quartier", "budget participatif"),
}
VERBS = ["Rénover", "Publier", "Réduire", "Créer", "Évaluer", "Ouvrir", "Financer", "Auditer"]
LIST_WORDS = [
    "Avenir", "Horizon", "Collectif", "Alliance", "Élan", "Union", "Renouveau", "Cap", "Voix",
    "Pacte",
]  # fmt: skip
PLACES = ["Quartiers", "Calanques", "Vieux-Port", "Collines", "Rivages", "Faubourgs", "Treilles"]
OUTLETS = [
    ("La Gazette fictive", "gazette-fictive.example"),
    ("Le Courrier imaginaire", "courrier-imaginaire.example"),
    ("Recueil des actes (fictif)", "actes-fictifs.example"),
    ("Observatoire citoyen (fictif)", "observatoire-fictif.example"),
]
KINDS = list(EvidenceKind)
STATUS_WEIGHTS = {PledgeStatus.KEPT: 3, PledgeStatus.BROKEN: 3, PledgeStatus.PENDING: 4}
BATCH = 5000


@dataclass
class GeneratedCounts:
    elections: int
    candidates: int
    pledges: int
    evidence: int
    status_changes: int


def generate(
    session: Session,
    *,
    candidates: int,
    pledges: int,
    evidence: int,
    seed: int = 0,
    election_slug: str | None = None,
    actor: Actor = "demo",
    now: datetime | None = None,
) -> GeneratedCounts:
    """One fictional election of `candidates` × `pledges` × `evidence`; flushes, never commits."""
    if candidates < 1 or pledges < 0 or evidence < 0:
        raise DomainError(
            "candidates must be at least 1; pledges and evidence at least 0.",
            code="bad_generation_counts",
        )
    now = now or utc_now()
    rng = random.Random(seed)  # noqa: S311  (reproducible fiction, not security)
    slug = election_slug or f"election-synthetique-{seed}"
    if session.exec(select(Election.id).where(Election.slug == slug)).first() is not None:
        raise DomainError(
            f"An election with the slug {slug!r} already exists.", code="election_slug_taken"
        )

    # Each step draws from `rng` in turn: keep their order, or a seed gives other data.
    election, candidate_rows = _add_election(
        session, rng, slug=slug, seed=seed, count=candidates, now=now
    )
    pledge_rows, plans = _pledge_rows(rng, election, candidate_rows, per_candidate=pledges, now=now)
    with indexed_once(session.connection(), id_of(election)):
        pledge_ids = _bulk_insert_returning(session, Pledge, pledge_rows)
        evidence_rows = _evidence_rows(rng, pledge_ids, plans, per_pledge=evidence, now=now)
        evidence_ids = _bulk_insert_returning(session, Evidence, evidence_rows)
    history = _status_history(
        rng, pledge_ids, plans, evidence_rows, evidence_ids, evidence, election.date, now
    )
    change_ids = _write_status_history(session, history)

    counts = GeneratedCounts(
        1, len(candidate_rows), len(pledge_ids), len(evidence_ids), len(change_ids)
    )
    log_change(
        session, actor=actor, action=AuditAction.DEMO_GENERATE, object_type="election",
        object_id=election.id, after={"seed": seed, **counts.__dict__}, now=now,
    )  # fmt: skip
    session.flush()
    return counts


def _add_election(
    session: Session, rng: random.Random, *, slug: str, seed: int, count: int, now: datetime
) -> tuple[Election, list[Candidate]]:
    election = Election(
        slug=slug,
        name=f"Élection synthétique n° {seed} (données fictives)",
        territory="Ville-Fictive",
        date=date(2020, 6, 28),
        is_demo=True,
        created_at=now,
    )
    session.add(election)
    session.flush()  # through the ORM, so the data version moves (models.db)
    candidate_rows = [
        Candidate(
            election_id=id_of(election),
            slug=f"liste-{i + 1:04d}",
            name=f"{rng.choice(LIST_WORDS)} {rng.choice(PLACES)} n° {i + 1} (liste fictive)",
            list_name=f"Liste fictive n° {i + 1}",
            elected=i == 0,
            office="Maire (fiction)" if i == 0 else "",
        )
        for i in range(count)
    ]
    session.add_all(candidate_rows)
    session.flush()
    return election, candidate_rows


# (final status, passed through "kept" first), one per pledge row
Plan = tuple[PledgeStatus, bool]


def _pledge_rows(
    rng: random.Random,
    election: Election,
    candidate_rows: list[Candidate],
    *,
    per_candidate: int,
    now: datetime,
) -> tuple[list[dict[str, Any]], list[Plan]]:
    pledge_rows: list[dict[str, Any]] = []
    plans: list[Plan] = []
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    for c_index, candidate in enumerate(candidate_rows):
        for j in range(per_candidate):
            theme = THEMES[(c_index + j) % len(THEMES)]
            subject = rng.choice(SUBJECTS[theme])
            title = f"{rng.choice(VERBS)} les {subject} ({candidate.slug}, engagement {j + 1})"
            body = (
                f"Engagement **fictif** n° {j + 1} sur le thème {theme}, généré pour les mesures."
            )
            made_on = date(2020, 2, 1) + timedelta(days=rng.randrange(140))
            deadline = None
            if rng.random() < 0.6:
                deadline = date(2021, 1, 1) + timedelta(days=rng.randrange(365 * 6))
            status = rng.choices(statuses, weights)[0]
            plans.append((status, status == PledgeStatus.BROKEN and rng.random() < 0.2))
            pledge_rows.append(
                {
                    "election_id": election.id,
                    "candidate_id": candidate.id,
                    "slug": f"{candidate.slug}-engagement-{j + 1:03d}",
                    "title": title,
                    "body": body,
                    "theme": theme,
                    "made_on": made_on,
                    "source_url": f"https://programme-fictif.example/{candidate.slug}#e{j + 1}",
                    "quote": "",
                    "deadline": deadline,
                    "status": PledgeStatus.PENDING,
                    "status_since": None,
                    "keywords_include": [subject, theme.replace("-", " ")],
                    "keywords_exclude": ["caméraman"] if theme == "video-surveillance" else [],
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    return pledge_rows, plans


def _evidence_rows(
    rng: random.Random, pledge_ids: list[int], plans: list[Plan], *, per_pledge: int, now: datetime
) -> list[dict[str, Any]]:
    today = now.date()
    evidence_rows: list[dict[str, Any]] = []
    for pledge_id, (status, was_kept) in zip(pledge_ids, plans, strict=True):
        for k in range(per_pledge):
            outlet, domain = rng.choice(OUTLETS)
            published_on = date(2020, 9, 1) + timedelta(days=rng.randrange(365 * 4))
            published_on = min(published_on, today)
            if status == PledgeStatus.PENDING:
                stance = Stance.CONTEXT
            else:
                # The first item supports the verdict, so every verdict has one to cite;
                # a pledge kept before it was broken has a second one that said "kept".
                stance = Stance(status.value) if k == 0 else rng.choice(list(Stance))
                if was_kept and k == 1:
                    stance = Stance.KEPT
            evidence_rows.append(
                {
                    "pledge_id": pledge_id,
                    "url": f"https://{domain}/{pledge_id}/{k + 1}",
                    "outlet": outlet,
                    "published_on": published_on,
                    "kind": rng.choice(KINDS),
                    "title": f"Document fictif {k + 1} sur l'engagement {pledge_id}",
                    "quote": "",
                    "note": "Document généré pour les mesures (fictif).",
                    "stance": stance,
                    "state": EvidenceState.PUBLISHED,
                    "origin": Origin.IMPORT,
                    "rejection_reason": "",
                    "created_at": now,
                    "reviewed_at": now,
                }
            )
    return evidence_rows


@dataclass
class _History:
    """Status changes to insert, the evidence each cites, and each pledge's final status."""

    change_rows: list[dict[str, Any]]
    citations: list[list[int]]
    final: list[tuple[int, PledgeStatus, date]]


def _status_history(
    rng: random.Random,
    pledge_ids: list[int],
    plans: list[Plan],
    evidence_rows: list[dict[str, Any]],
    evidence_ids: list[int],
    per_pledge: int,
    election_on: date,
    now: datetime,
) -> _History:
    today = now.date()
    history = _History([], [], [])
    for index, (pledge_id, (status, was_kept)) in enumerate(zip(pledge_ids, plans, strict=True)):
        if status == PledgeStatus.PENDING or per_pledge == 0:
            continue
        first = index * per_pledge
        items = evidence_rows[first : first + per_pledge]
        ids = evidence_ids[first : first + per_pledge]
        effective_on = min(items[0]["published_on"] + timedelta(days=rng.randrange(1, 60)), today)
        effective_on = max(effective_on, election_on)
        previous = PledgeStatus.PENDING
        # Kept first, broken later: a history of two rulings. The earlier one cites
        # the item that said "kept" (so it needs two items) and is dated between
        # the election (after every pledge was made) and the later ruling, as
        # pledges.status requires.
        earlier = effective_on - timedelta(days=rng.randrange(60, 400)) if was_kept else None
        if earlier is not None and per_pledge >= 2:
            earlier = min(max(earlier, election_on), effective_on)
            history.change_rows.append(
                _change_row(pledge_id, previous, PledgeStatus.KEPT, earlier, now)
            )
            history.citations.append([ids[1]])
            previous = PledgeStatus.KEPT
        history.change_rows.append(_change_row(pledge_id, previous, status, effective_on, now))
        # The supporting first item, plus a second one of the same stance when there is one.
        same = [
            i for i, e in zip(ids[1:], items[1:], strict=True) if e["stance"] == items[0]["stance"]
        ]
        history.citations.append([ids[0], *same[:1]])
        history.final.append((pledge_id, status, effective_on))
    return history


def _write_status_history(session: Session, history: _History) -> list[int]:
    """Insert the changes and their citations, set each pledge's status; the changes' ids."""
    change_ids = _bulk_insert_returning(session, StatusChange, history.change_rows)
    link_rows = [
        {"status_change_id": change_id, "evidence_id": evidence_id}
        for change_id, cited in zip(change_ids, history.citations, strict=True)
        for evidence_id in cited
    ]
    for start in range(0, len(link_rows), BATCH):
        session.execute(insert(StatusChangeCitation), link_rows[start : start + BATCH])
    final = history.final
    for start in range(0, len(final), BATCH):
        session.execute(
            table_of(Pledge)
            .update()
            .where(col(Pledge.id) == bindparam("pid"))
            .values(status=bindparam("st"), status_since=bindparam("since")),
            [{"pid": p, "st": s, "since": d} for p, s, d in final[start : start + BATCH]],
        )
    return change_ids


def _change_row(
    pledge_id: int, from_status: PledgeStatus, to: PledgeStatus, effective_on: date, now: datetime
) -> dict[str, Any]:
    return {
        "pledge_id": pledge_id,
        "from_status": from_status,
        "to_status": to,
        "effective_on": effective_on,
        "rationale": f"Décision fictive ({to.value}), générée pour les mesures.",
        "author_id": None,
        "created_at": now,
    }


def _bulk_insert_returning(
    session: Session, model: type[SQLModel], rows: list[dict[str, Any]]
) -> list[int]:
    """Insert rows in batches; their new ids in the order of `rows` (both databases).

    A Core insert runs no ORM event, so the Markdown columns are rendered here
    (pledges.text); the generated texts repeat, so each distinct one is rendered once.
    """
    rows = with_rendered_html(model, rows)
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        result = session.execute(
            insert(model).returning(table_of(model).c.id, sort_by_parameter_order=True),
            rows[start : start + BATCH],
        )
        ids.extend(result.scalars().all())
    return ids
