"""models.db's typed helpers: col()'s companions for relationships, ids and tables."""

from datetime import date

import pytest
from sqlalchemy.orm import selectinload
from sqlmodel import select

from models import Candidate, Election, Pledge
from models.db import id_of, rel, table_of


def test_rel_returns_the_class_attribute_that_selectinload_takes():
    assert rel(Pledge.candidate) is Pledge.candidate
    selectinload(rel(Pledge.candidate)).selectinload(rel(Candidate.election))


def test_rel_refuses_what_is_not_a_mapped_attribute():
    with pytest.raises(TypeError, match="not a mapped attribute"):
        rel("candidate")


def test_id_of_a_flushed_row_and_refusal_of_an_unsaved_one(session):
    election = Election(slug="e", name="E", territory="T", date=date(2020, 3, 15))
    with pytest.raises(ValueError, match="Election has no id yet"):
        id_of(election)
    session.add(election)
    session.flush()
    assert id_of(election) == session.exec(select(Election.id)).one()


def test_table_of_a_table_class_and_refusal_of_another_class():
    assert table_of(Pledge).name == "pledge"
    assert "candidate_id" in table_of(Pledge).c
    with pytest.raises(TypeError, match="not a table class"):
        table_of(object)
