"""Domain errors raised by the engine.

Interfaces (CLI, HTTP API) map these to exit codes and status codes in one
place each; the engine never formats tracebacks for users.  Every error names
the offending field, the value and the limit where there is one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def field_path(loc: Iterable[Any]) -> str:
    """One spelling of a field's place in a document, for every error the engine and the API report:
    names joined by dots, list positions in brackets: ``("classes", 0, "max_pga_g")`` ->
    ``classes[0].max_pga_g`` (the form the diagnosis and the engine's own errors use)."""
    out = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class SitingError(Exception):
    """Base class of all domain errors.  ``code`` is a stable machine-readable tag."""

    code = "siting_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle with message, field and any other attribute (errors cross process boundaries: the API's
        compute pool, the job processes), whatever the subclass's constructor takes."""
        return _rebuild, (type(self), self.args, dict(self.__dict__))


def _rebuild(cls: type[SitingError], args: tuple[Any, ...], state: dict[str, Any]) -> SitingError:
    err = cls.__new__(cls)
    Exception.__init__(err, *args)
    err.__dict__.update(state)
    return err


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
