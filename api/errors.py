"""One error format and ONE table from exceptions to HTTP status codes.

Every error response is ``{"error": {"code", "message", "field"}}``.  Engine
errors (:mod:`siting.errors`) and the service's own errors are mapped by
:data:`STATUS_OF`; request validation, HTTP errors and anything unexpected get
handlers here too, so no input, however malformed, escapes as a bare 500.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from siting.errors import CatalogError, RequestError, SitingError, SolverError, UnknownIdError, field_path

log = logging.getLogger("api")


class NotFoundError(SitingError):
    """A path id that does not exist, or belongs to another key (indistinguishable on purpose)."""

    code = "not_found"


class AuthError(SitingError):
    """Missing or unknown API key."""

    code = "unauthorized"


class LimitExceeded(SitingError):
    """An input is larger than a service limit; the message names field, value and limit."""

    code = "limit_exceeded"

    def __init__(self, field: str, value: Any, limit: Any, what: str = "") -> None:
        unit = f" {what}" if what else ""
        super().__init__(f"{field} = {value}{unit} exceeds the limit of {limit}{unit}", field=field)


class TooManyRequests(SitingError):
    """Admission control said no: the message names the limit; ``retry_after_s`` goes to Retry-After."""

    code = "too_many_requests"

    def __init__(self, limit: str, what: str, retry_after_s: int) -> None:
        super().__init__(f"{limit}: over the limit of {what}; retry after {retry_after_s} s", field=limit)
        self.retry_after_s = retry_after_s


class BodyTooLarge(LimitExceeded):
    """The request body is larger than ``max_body_bytes``."""

    code = "body_too_large"


class DeadlineExceeded(SitingError):
    """A synchronous request reached its deadline (wall clock from arrival, api.compute): 504, naming the limit
    and where the time went (waiting for a compute process, computing)."""

    code = "deadline_exceeded"


#: THE mapping from exceptions to status codes (most specific first; looked up along the MRO).
STATUS_OF: dict[type[BaseException], int] = {
    TooManyRequests: 429,
    DeadlineExceeded: 504,
    BodyTooLarge: 413,
    LimitExceeded: 422,
    NotFoundError: 404,
    AuthError: 401,
    UnknownIdError: 422,  # an unknown id inside a body; unknown ids in a path become NotFoundError
    RequestError: 422,
    CatalogError: 422,  # raised for user-supplied overrides; the shipped catalog is checked at start
    SolverError: 503,
    SitingError: 422,
}

_CODE_OF_STATUS = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 413: "body_too_large",
    415: "unsupported_media_type", 422: "request_invalid", 429: "too_many_requests",
}


def status_of(exc: BaseException) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls]
    return 500


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field}}


def error_response(status: int, code: str, message: str, field: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message, field), status_code=status, headers=headers)


def domain_error_response(exc: SitingError) -> JSONResponse:
    status = status_of(exc)
    headers = {"WWW-Authenticate": "X-API-Key"} if status == 401 else None
    if isinstance(exc, TooManyRequests):
        headers = {"Retry-After": str(exc.retry_after_s)}
    return error_response(status, exc.code, exc.message, exc.field, headers)


def _loc(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return field_path(parts) or "body"


def format_validation_errors(errors: list[Any]) -> tuple[str, str | None]:
    """``(message, first field)``: each error as ``field = value: what is wrong``."""
    parts: list[str] = []
    first: str | None = None
    for err in errors[:10]:
        if err.get("type") == "json_invalid":  # loc is ("body", <character position>)
            pos = err.get("loc", ("body", "?"))[-1]
            detail = err.get("ctx", {}).get("error", "JSON decode error")
            parts.append(f"body is not valid JSON at character {pos}: {detail}")
            first = first or "body"
            continue
        field = _loc(err.get("loc", ()))
        first = first or field
        value = err.get("input")
        shown = ""
        secret = bool(err.get("loc")) and err["loc"][0] == "header"  # X-API-Key, X-Admin-Token: never echoed
        if value is not None and not secret and not isinstance(value, dict | list | bytes):
            text = repr(value)
            shown = f" = {text[:80]}{'...' if len(text) > 80 else ''}"
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{field}{shown}: {msg}")
    if len(errors) > 10:
        parts.append(f"... and {len(errors) - 10} more")
    return "invalid request: " + "; ".join(parts), first


async def _on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SitingError)
    return domain_error_response(exc)


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    message, field = format_validation_errors(list(exc.errors()))
    return error_response(422, "request_invalid", message, field)


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:  # the framework could not parse the body (e.g. not UTF-8)
        return error_response(422, "request_invalid", f"body: {exc.detail} (JSON in UTF-8 "
                              "expected)", "body")
    code = _CODE_OF_STATUS.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return error_response(exc.status_code, code, message, None, dict(exc.headers or {}) or None)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(500, "internal_error", f"internal error ({type(exc).__name__}); "
                          "this is a bug, please report it")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SitingError, _on_domain_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)
