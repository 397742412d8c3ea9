"""Admin API for keys (list, create, revoke, rotate), the same as ``siting keys``.

Off unless ``SITING_ADMIN_TOKEN`` is set (then every route is a 404); the token travels in the
``X-Admin-Token`` header and is compared in constant time.  Created and rotated keys are shown
once, in the response, and stored only as their hash.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path

from siting.errors import RequestError

from .. import keys as key_store
from ..db import ApiKey
from ..deps import DbDep, SettingsDep
from ..errors import AuthError, NotFoundError
from ..schemas import KeyAdminCreate, KeyAdminIssued, KeyAdminPublic, error_responses

router = APIRouter(prefix="/v1/admin/keys", tags=["admin"])

KeyIdent = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$", description="Key id or shown prefix")]


def require_admin(settings: SettingsDep,
                  token: Annotated[str | None, Header(alias="X-Admin-Token")] = None) -> None:
    """The token is checked here, never by a schema constraint: a validation error would echo it in a 422."""
    if not settings.admin_token:
        raise NotFoundError("the admin API is off (set SITING_ADMIN_TOKEN)", field="path")
    if not token or not hmac.compare_digest(token.encode(), settings.admin_token.encode()):
        raise AuthError("missing or wrong admin token: send it in the X-Admin-Token header", field="X-Admin-Token")


AdminDep = Depends(require_admin)


def _public(row: ApiKey) -> KeyAdminPublic:
    return KeyAdminPublic(id=row.id, prefix=row.prefix, owner=row.owner, state=key_store.key_state(row),  # type: ignore[arg-type]
                          created_at=row.created_at, expires_at=row.expires_at, last_used_at=row.last_used_at,
                          revoked_at=row.revoked_at)


def _issued(row: ApiKey, plain: str) -> KeyAdminIssued:
    return KeyAdminIssued(**_public(row).model_dump(), key=plain)


def _bad(exc: ValueError) -> NotFoundError:
    return NotFoundError(str(exc), field="key")


@router.get("", response_model=list[KeyAdminPublic], dependencies=[AdminDep],
            responses=error_responses(401, 404), summary="Every key (prefix, owner, state, expiry, last use)")
def list_keys(db: DbDep) -> list[KeyAdminPublic]:
    return [_public(r) for r in key_store.list_keys(db)]


@router.post("", status_code=201, response_model=KeyAdminIssued, dependencies=[AdminDep],
             responses=error_responses(401, 404, 422), summary="Create a key (shown once, in this response)")
def create(body: KeyAdminCreate, db: DbDep) -> KeyAdminIssued:
    try:
        row, plain = key_store.create_key(db, body.owner, expires_in_days=body.expires_in_days)
    except ValueError as exc:  # e.g. an owner of blanks, or with a line separator the schema's pattern lets by
        raise RequestError(str(exc), field="owner") from None
    return _issued(row, plain)


@router.post("/{ident}/revoke", response_model=KeyAdminPublic, dependencies=[AdminDep],
             responses=error_responses(401, 404, 422), summary="Revoke a key; its queued jobs do not run")
def revoke(ident: KeyIdent, db: DbDep) -> KeyAdminPublic:
    try:
        row, _ = key_store.revoke_key(db, ident)
    except ValueError as exc:
        raise _bad(exc) from None
    return _public(row)


@router.post("/{ident}/rotate", response_model=KeyAdminIssued, dependencies=[AdminDep],
             responses=error_responses(401, 404, 422),
             summary="Replace a key: a new one (shown once), the old one revoked, its jobs and scenarios moved over")
def rotate(ident: KeyIdent, db: DbDep) -> KeyAdminIssued:
    try:
        row, plain, _ = key_store.rotate_key(db, ident)
    except ValueError as exc:
        raise _bad(exc) from None
    return _issued(row, plain)
