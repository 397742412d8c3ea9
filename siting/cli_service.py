"""CLI commands of the HTTP service (`siting serve`, `siting worker`, `siting keys`).

Registered on the main Typer app by :func:`register`; the API package is imported
lazily inside each command so that `siting rank` works without the `api` extra.
"""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the service commands to ``app`` (implemented with the HTTP API, issue 5)."""
