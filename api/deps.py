"""Dependencies as ``Annotated`` aliases: settings, database, the caller's API key."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from .db import ApiKey, Database
from .errors import AuthError
from .keys import find_key
from .settings import Settings, get_settings

SettingsDep = Annotated[Settings, Depends(get_settings)]

_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False,
                               description="API key from `siting keys create OWNER`")


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


DbDep = Annotated[Database, Depends(get_db)]


def require_key(db: DbDep, key: Annotated[str | None, Depends(_api_key_header)]) -> ApiKey:
    """The caller's key row; 401 if the header is missing or the key unknown or revoked."""
    if not key:
        raise AuthError("missing API key: send it in the X-API-Key header", field="X-API-Key")
    row = find_key(db, key)
    if row is None:
        raise AuthError("unknown, revoked or expired API key", field="X-API-Key")
    return row


KeyDep = Annotated[ApiKey, Depends(require_key)]
