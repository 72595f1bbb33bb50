"""Plain factory functions: sensible defaults, flush, return the object."""

from __future__ import annotations

import itertools
from datetime import date

from sqlmodel import Session

from models import Candidate, Election, Evidence, Pledge, User
from models.enums import EvidenceKind, EvidenceState, Origin, PledgeStatus, Role, Stance

_seq = itertools.count(1)


def make_election(session: Session, **kw) -> Election:
    n = next(_seq)
    election = Election(
        slug=kw.pop("slug", f"election-{n}"),
        name=kw.pop("name", f"Élection municipale {n}"),
        territory=kw.pop("territory", "Ville-Fictive"),
        date=kw.pop("date", date(2020, 6, 28)),
        **kw,
    )
    session.add(election)
    session.flush()
    return election


def make_candidate(session: Session, election: Election | None = None, **kw) -> Candidate:
    election = election or make_election(session)
    n = next(_seq)
    candidate = Candidate(
        election_id=election.id,
        slug=kw.pop("slug", f"candidate-{n}"),
        name=kw.pop("name", f"Liste Fictive {n}"),
        list_name=kw.pop("list_name", f"Liste {n}"),
        **kw,
    )
    session.add(candidate)
    session.flush()
    return candidate


def make_pledge(session: Session, candidate: Candidate | None = None, **kw) -> Pledge:
    candidate = candidate or make_candidate(session)
    n = next(_seq)
    title = kw.pop("title", f"Engagement numéro {n}")
    body = kw.pop("body", "Un engagement de **démonstration**.")
    pledge = Pledge(
        election_id=candidate.election_id,
        candidate_id=candidate.id,
        slug=kw.pop("slug", f"pledge-{n}"),
        title=title,
        body=body,
        theme=kw.pop("theme", "video-surveillance"),
        status=kw.pop("status", PledgeStatus.PENDING),
        **kw,
    )
    session.add(pledge)
    session.flush()
    return pledge


def make_evidence(session: Session, pledge: Pledge | None = None, **kw) -> Evidence:
    pledge = pledge or make_pledge(session)
    n = next(_seq)
    evidence = Evidence(
        pledge_id=pledge.id,
        url=kw.pop("url", f"https://journal-fictif.example/article-{n}"),
        outlet=kw.pop("outlet", "Le Journal Fictif"),
        published_on=kw.pop("published_on", date(2021, 10, 1)),
        kind=kw.pop("kind", EvidenceKind.PRESS_ARTICLE),
        title=kw.pop("title", f"Article {n}"),
        stance=kw.pop("stance", Stance.BROKEN),
        state=kw.pop("state", EvidenceState.PUBLISHED),
        origin=kw.pop("origin", Origin.MANUAL),
        **kw,
    )
    session.add(evidence)
    session.flush()
    return evidence


def make_user(session: Session, role: Role = Role.VOLUNTEER, **kw) -> User:
    n = next(_seq)
    user = User(
        email=kw.pop("email", f"user{n}@example.org"),
        display_name=kw.pop("display_name", f"Bénévole {n}"),
        role=role,
        **kw,
    )
    session.add(user)
    session.flush()
    return user


def make_feed(session: Session, **kw):
    from models import Feed

    n = next(_seq)
    feed = Feed(
        url=kw.pop("url", f"https://journal-fictif.example/rss-{n}.xml"),
        name=kw.pop("name", "Le Journal Fictif"),
        **kw,
    )
    session.add(feed)
    session.flush()
    return feed


def make_suggestion(session: Session, pledge: Pledge | None = None, **kw):
    """A feed item (on its own feed unless `feed` is given) suggested for `pledge`."""
    from datetime import UTC, datetime

    from models import FeedItem, Suggestion

    pledge = pledge or make_pledge(session)
    feed = kw.pop("feed", None) or make_feed(session)
    n = next(_seq)
    item = FeedItem(
        feed_id=feed.id,
        dedup_key=f"key-{n}",
        link=kw.pop("link", f"https://journal-fictif.example/actu-{n}"),
        title=kw.pop("title", f"Actualité {n}"),
        summary_html=kw.pop("summary_html", "<p>Résumé de l'article.</p>"),
        published_at=kw.pop("published_at", datetime(2021, 10, 5, 8, 0, tzinfo=UTC)),
    )
    session.add(item)
    session.flush()
    suggestion = Suggestion(
        feed_item_id=item.id,
        pledge_id=pledge.id,
        item_date=item.published_at or item.first_seen_at,
        matched_terms=kw.pop("matched_terms", ["caméras"]),
        **kw,
    )
    session.add(suggestion)
    session.flush()
    return suggestion
