"""API keys: created by ``siting keys create``, shown once, stored only as a SHA-256 hash.

Keys are 256-bit random tokens, so a plain (unsalted) SHA-256 is enough to make a
leaked table useless and lets a request's key be found by an indexed look-up.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from sqlalchemy import select, update

from .db import ApiKey, Database, Job, utcnow

KEY_PREFIX = "sk_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(db: Database, owner: str) -> tuple[ApiKey, str]:
    """Store a new key for ``owner``; returns the row and the plaintext key (never stored)."""
    owner = owner.strip()
    if not owner or len(owner) > 200:
        raise ValueError("owner must be 1 to 200 characters")
    plain = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(id=str(uuid.uuid4()), owner=owner, key_hash=hash_key(plain), prefix=plain[:10])
    with db.session() as s, s.begin():
        s.add(row)
    return row, plain


def find_key(db: Database, plain: str) -> ApiKey | None:
    """The active key row for a plaintext key, or None."""
    if not plain.startswith(KEY_PREFIX) or len(plain) > 200:
        return None
    with db.session() as s:
        row = s.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(plain)))
    if row is None or row.revoked_at is not None:
        return None
    return row


def list_keys(db: Database) -> list[ApiKey]:
    """Every key, oldest first (revoked ones included, with their ``revoked_at``)."""
    with db.session() as s:
        return list(s.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)))


def revoke_key(db: Database, ident: str) -> tuple[ApiKey, int]:
    """Revoke the key whose id or shown prefix is ``ident``; its queued jobs fail with ``key_revoked``.

    Returns the key and the number of queued jobs that will not run.  A running job finishes.
    """
    ident = ident.strip().removesuffix("...")
    with db.session() as s, s.begin():
        rows = list(s.scalars(select(ApiKey).where((ApiKey.id == ident) | (ApiKey.prefix == ident))))
        if len(rows) != 1:
            raise ValueError(f"key {ident!r}: {'no key has' if not rows else 'several keys have'} this id or prefix "
                             "(see `siting keys list`)")
        row = rows[0]
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
