"""Domain errors raised by the engine.

Interfaces (CLI, HTTP API) map these to exit codes and status codes in one
place each; the engine never formats tracebacks for users.  Every error names
the offending field, the value and the limit where there is one.
"""

from __future__ import annotations

from typing import Any


class SitingError(Exception):
    """Base class of all domain errors.  ``code`` is a stable machine-readable tag."""

    code = "siting_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class CatalogError(SitingError):
    """The shipped or user-supplied catalog data is invalid."""

    code = "catalog_invalid"


class RequestError(SitingError):
    """A site request (or scenario, or other user input) is invalid."""

    code = "request_invalid"

    @classmethod
    def out_of_range(cls, field: str, value: Any, limit: str) -> RequestError:
        return cls(f"{field} = {value!r} is out of range: must be {limit}", field=field)


class UnknownIdError(SitingError):
    """A site or demand-centre id that is not in the catalog."""

    code = "unknown_id"

    def __init__(self, kind: str, value: str, known: list[str], *, field: str | None = None):
        shown = ", ".join(known[:20]) + (" ..." if len(known) > 20 else "")
        super().__init__(f"unknown {kind} id {value!r}; known ids: {shown}", field=field)
        self.value = value


class SolverError(SitingError):
    """The solver failed for a reason other than infeasibility (not installed, crashed)."""

    code = "solver_error"
