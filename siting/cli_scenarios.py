"""CLI commands of scenario analysis (`siting compare`, `siting sweep`), registered by :func:`register`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the scenario commands to ``app`` (implemented with scenarios, issue 4)."""
