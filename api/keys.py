"""API keys: created by ``siting keys create``, shown once, stored only as a SHA-256 hash.

Keys are 256-bit random tokens, so a plain (unsalted) SHA-256 is enough to make a
leaked table useless and lets a request's key be found by an indexed look-up.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from sqlalchemy import select

from .db import ApiKey, Database

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
