"""HTTP API of siting (FastAPI): sites, score cards, optimisation jobs and scenarios.

``create_app()`` builds the application; ``siting serve`` runs it with uvicorn
on SQLite; ``siting worker`` runs queued jobs in a separate process.
"""

from __future__ import annotations

__all__ = ["create_app"]


def __getattr__(name: str) -> object:
    if name == "create_app":
        from .main import create_app

        return create_app
    raise AttributeError(name)
