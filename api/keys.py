"""API keys: created by ``siting keys create``, shown once, stored only as a SHA-256 hash.

Keys are 256-bit random tokens, so a plain (unsalted) SHA-256 is enough to make a
leaked table useless and lets a request's key be found by an indexed look-up.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from .db import ApiKey, Database, Job, Scenario, utcnow

KEY_PREFIX = "sk_"
#: last_used_at is written at most this often per key (a write per request would serialise the service)
LAST_USED_RESOLUTION = timedelta(seconds=60)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(db: Database, owner: str, expires_in_days: float | None = None) -> tuple[ApiKey, str]:
    """Store a new key for ``owner`` (optionally expiring); returns the row and the plaintext key (never stored)."""
    owner = owner.strip()
    if not owner or len(owner) > 200:
        raise ValueError(f"owner = {owner!r}: must be 1 to 200 characters")
    if not owner.isprintable():  # one line in `siting keys list`: no newline or other control character
        raise ValueError(f"owner = {owner!r}: must be one line of printable characters (no control characters)")
    if expires_in_days is not None and not 0 < expires_in_days <= 3650:
        raise ValueError(f"expires_in_days = {expires_in_days}: must be more than 0 and at most 3650")
    plain = KEY_PREFIX + secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(days=expires_in_days) if expires_in_days is not None else None
    row = ApiKey(id=str(uuid.uuid4()), owner=owner, key_hash=hash_key(plain), prefix=plain[:10], expires_at=expires)
    with db.session() as s, s.begin():
        s.add(row)
    return row, plain


def key_state(row: ApiKey, now: datetime | None = None) -> str:
    """``active``, ``revoked`` or ``expired``."""
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None and row.expires_at <= (now or utcnow()):
        return "expired"
    return "active"


def find_key(db: Database, plain: str) -> ApiKey | None:
    """The active (not revoked, not expired) key row for a plaintext key, or None; notes the time of use."""
    if not plain.startswith(KEY_PREFIX) or len(plain) > 200:
        return None
    with db.session() as s:
        row = s.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(plain)))
    now = utcnow()
    if row is None or key_state(row, now) != "active":
        return None
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        with db.session() as s, s.begin():
            s.execute(update(ApiKey).where(ApiKey.id == row.id).values(last_used_at=now))
        row.last_used_at = now
    return row


def list_keys(db: Database) -> list[ApiKey]:
    """Every key, oldest first (revoked ones included, with their ``revoked_at``)."""
    with db.session() as s:
        return list(s.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)))


def _one(s: Session, ident: str) -> ApiKey:
    rows = list(s.scalars(select(ApiKey).where((ApiKey.id == ident) | (ApiKey.prefix == ident))))
    if len(rows) != 1:
        raise ValueError(f"key {ident!r}: {'no key has' if not rows else 'several keys have'} this id or prefix "
                         "(see `siting keys list`)")
    return rows[0]


def rotate_key(db: Database, ident: str) -> tuple[ApiKey, str, int]:
    """Replace a key: a new one for the same owner and expiry (remaining), the old one revoked, and everything the
    old key owned moved to the new key: its jobs in every state (queued ones still run) and its stored scenarios
    (so compares by scenario id keep working).  Returns the new row, its plaintext and the queued jobs moved."""
    ident = ident.strip().removesuffix("...")
    plain = KEY_PREFIX + secrets.token_urlsafe(32)
    with db.session() as s, s.begin():
        old = _one(s, ident)
        if key_state(old) != "active":
            raise ValueError(f"key {ident!r} is {key_state(old)}: create a new one (siting keys create)")
        new = ApiKey(id=str(uuid.uuid4()), owner=old.owner, key_hash=hash_key(plain), prefix=plain[:10],
                     expires_at=old.expires_at)
        s.add(new)
        s.flush()
        old.revoked_at = utcnow()
        moved = int(s.scalar(select(func.count()).select_from(Job).where(Job.key_id == old.id,
                                                                          Job.status == "queued")) or 0)
        s.execute(update(Job).where(Job.key_id == old.id).values(key_id=new.id))
        s.execute(update(Scenario).where(Scenario.key_id == old.id).values(key_id=new.id))
        s.flush()
        s.expunge(new)
    return new, plain, moved


def revoke_key(db: Database, ident: str) -> tuple[ApiKey, int]:
    """Revoke the key whose id or shown prefix is ``ident``; its queued jobs fail with ``key_revoked``.

    Returns the key and the number of queued jobs that will not run.  A running job finishes.
    """
    ident = ident.strip().removesuffix("...")
    with db.session() as s, s.begin():
        row = _one(s, ident)
        if row.revoked_at is None:
            row.revoked_at = utcnow()
        res = s.execute(update(Job).where(Job.key_id == row.id, Job.status == "queued").values(
            status="failed", finished_at=utcnow(),
            error={"code": "key_revoked", "message": "the API key that submitted this job was revoked before it ran",
                   "field": "X-API-Key"}))
        cancelled = int(getattr(res, "rowcount", 0) or 0)
        s.flush()
        s.expunge(row)
    return row, cancelled
