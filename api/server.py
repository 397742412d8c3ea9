"""Run the API with uvicorn (``siting serve``)."""

from __future__ import annotations

import uvicorn

from .main import create_app
from .settings import Settings, get_settings


def run_server(host: str = "127.0.0.1", port: int = 8000, settings: Settings | None = None,
               log_level: str = "info") -> None:
    """Serve the API until interrupted; SQLite at ``./siting.db`` unless SITING_DATABASE_URL."""
    app = create_app(settings or get_settings())
    uvicorn.run(app, host=host, port=port, log_level=log_level, proxy_headers=True)
