"""Scenario storage: validated scenario documents, each owned by one API key."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from .db import Database, Scenario, utcnow
from .errors import NotFoundError


def create(db: Database, key_id: str, name: str, document: dict[str, Any]) -> Scenario:
    row = Scenario(id=str(uuid.uuid4()), key_id=key_id, name=name[:200], document=document,
                   created_at=utcnow())
    with db.session() as s, s.begin():
        s.add(row)
    return row


def get_owned(db: Database, key_id: str, scenario_id: str, field: str = "scenario_id") -> Scenario:
    with db.session() as s:
        row = s.scalar(select(Scenario).where(Scenario.id == scenario_id,
                                              Scenario.key_id == key_id))
    if row is None:
        raise NotFoundError(f"no scenario with id {scenario_id!r} for this API key", field=field)
    return row


def list_owned(db: Database, key_id: str, limit: int, offset: int) -> tuple[list[Scenario], int]:
    with db.session() as s:
        total = s.scalar(select(func.count()).select_from(Scenario)
                         .where(Scenario.key_id == key_id)) or 0
        rows = s.scalars(select(Scenario).where(Scenario.key_id == key_id)
                         .order_by(Scenario.created_at.desc(), Scenario.id)
                         .limit(limit).offset(offset)).all()
    return list(rows), int(total)
