"""CLI commands of the HTTP service (`siting serve`, `siting worker`, `siting keys`).

Registered on the main Typer app by :func:`register`; the API package is imported
lazily inside each command so that `siting rank` works without the `api` extra.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from api.settings import Settings

_MISSING_EXTRA = "the HTTP service needs the api extra: pip install 'siting[api]'"


def _settings(database_url: str | None, run_worker: bool | None = None,
              threads: int | None = None) -> Settings:
    try:
        from api.settings import get_settings, normalise_database_url
    except ImportError as exc:  # pragma: no cover - depends on the installation
        typer.echo(f"error: {_MISSING_EXTRA} ({exc.name} is missing)", err=True)
        raise typer.Exit(2) from None
    update: dict[str, object] = {}
    if database_url:
        update["database_url"] = normalise_database_url(database_url)
    if run_worker is not None:
        update["run_worker"] = run_worker
    if threads is not None:
        update["worker_threads"] = threads
    from pydantic import ValidationError

    try:
        base = get_settings()
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]) if err.get("loc") else "?"
        typer.echo(f"error: SITING_{name.upper()} = {err.get('input')!r}: {err['msg']}", err=True)
        raise typer.Exit(2) from None
    settings = base.model_copy(update=update)
    _check_database_url(settings.database_url)  # the flag's or SITING_DATABASE_URL
    return settings


_SUPPORTED = "sqlite:///FILE or postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB"


def _check_database_url(url: str) -> None:
    """A clear one-line error (exit 2) for a URL the service cannot use, before anything starts: not a URL, a
    back end other than SQLite or PostgreSQL, a driver that is not installed, a SQLite file in a missing folder."""
    import os

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    def fail(why: str) -> None:
        typer.echo(f"error: --database-url {_shown(url)!r}: {why} (use {_SUPPORTED})", err=True)
        raise typer.Exit(2)

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        fail(f"not a database URL ({exc})")
        return
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        fail(f"the {backend} back end is not supported, only SQLite and PostgreSQL")
    if backend == "sqlite" and parsed.database not in (None, "", ":memory:"):
        folder = os.path.dirname(parsed.database or "")
        if folder and not os.path.isdir(folder):
            fail(f"the folder {folder} of the SQLite file does not exist (create it first)")
    try:
        create_engine(parsed).dispose()
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        fail(f"not a database URL SQLAlchemy can use ({str(exc).splitlines()[0]})")
    except ImportError as exc:
        fail(f"its driver {exc.name or exc} is not installed")


def _shown(url: str) -> str:
    """``url`` without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: nothing to hide
        return url


def _migrated(url: str) -> None:
    """Run the migrations (they connect first); a database that cannot be reached is one line and exit 2."""
    from sqlalchemy.exc import SQLAlchemyError

    from api.migrate import upgrade

    try:
        upgrade(url)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        typer.echo(f"error: database {_shown(url)!r} cannot be used: {reason}", err=True)
        raise typer.Exit(2) from None


@contextmanager
def _keys_database(database_url: str | None) -> Iterator[Any]:
    """The migrated database of the key commands; a ValueError inside ends with one line and exit code 2."""
    settings = _settings(database_url)
    from api.db import Database

    _migrated(settings.database_url)
    db = Database(settings.database_url)
    try:
        yield db
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        db.dispose()


DbOpt = Annotated[str | None, typer.Option(
    "--database-url", help="SQLAlchemy URL (default: $SITING_DATABASE_URL or sqlite:///./siting.db)")]


def register(app: typer.Typer) -> None:
    """Add the service commands to ``app``."""

    @app.command()
    def serve(
        host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="TCP port", min=1, max=65535)] = 8000,
        database_url: DbOpt = None,
        worker: Annotated[bool, typer.Option("--worker/--no-worker",
                                             help="Run jobs in this process")] = True,
        threads: Annotated[int, typer.Option(help="In-process worker threads", min=1, max=16)] = 1,
    ) -> None:
        """Start the HTTP API (SQLite in ./siting.db unless --database-url; docs at /docs)."""
        settings = _settings(database_url, worker, threads)
        _migrated(settings.database_url)  # an unreachable database: one line now, not a traceback at start-up
        from api.server import run_server

        typer.echo(f"siting API on http://{host}:{port} (docs /docs), database "
                   f"{_shown(settings.database_url)}", err=True)
        run_server(host, port, settings)

    @app.command("worker")
    def worker_cmd(
        database_url: DbOpt = None,
        threads: Annotated[int, typer.Option(help="Worker threads", min=1, max=16)] = 1,
        once: Annotated[bool, typer.Option("--once", help="Run queued jobs, then exit")] = False,
    ) -> None:
        """Run queued optimisation jobs (a separate process next to `siting serve --no-worker`)."""
        import logging

        settings = _settings(database_url)
        _migrated(settings.database_url)
        from api.worker import run_worker_process

        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        n = run_worker_process(settings, threads=threads, once=once)
        typer.echo(f"worker stopped after {n} job(s)", err=True)

    keys = typer.Typer(help="API keys: create one per client (shown once, stored hashed).",
                       no_args_is_help=True)

    @keys.command("create")
    def keys_create(
        owner: Annotated[str, typer.Argument(help="Who the key is for (name or e-mail)")],
        expires_days: Annotated[float | None, typer.Option(
            "--expires-days", min=0.001, max=3650, help="The key stops working after this many days")] = None,
        database_url: DbOpt = None,
    ) -> None:
        """Create an API key for OWNER and print it once (only its hash is stored)."""
        from api.keys import create_key

        with _keys_database(database_url) as db:
            row, plain = create_key(db, owner, expires_in_days=expires_days)
        typer.echo(plain)
        until = f"valid until {row.expires_at:%Y-%m-%d %H:%M} UTC\n" if row.expires_at else ""
        typer.echo(f"key {row.prefix}... created for {row.owner!r}\n{until}it is shown only now: send it in the "
                   "X-API-Key header", err=True)

    @keys.command("rotate")
    def keys_rotate(
        key: Annotated[str, typer.Argument(help="The key's id or its shown prefix (siting keys list)")],
        database_url: DbOpt = None,
    ) -> None:
        """Replace a key: print a new one for the same owner; the old one stops working, its jobs and scenarios move
        over."""
        from api.keys import rotate_key

        with _keys_database(database_url) as db:
            row, plain, moved = rotate_key(db, key)
        typer.echo(plain)
        typer.echo(f"key {row.prefix}... replaces {key} for {row.owner!r}; {moved} queued job(s) moved to it, "
                   "with the old key's finished jobs and scenarios", err=True)

    @keys.command("list")
    def keys_list(database_url: DbOpt = None) -> None:
        """List the keys: prefix, owner, created, expiry, last use, state (the keys themselves are never stored)."""
        from api.keys import key_state, list_keys

        with _keys_database(database_url) as db:
            rows = list_keys(db)
        for r in rows:
            state = key_state(r)
            when = f" {r.revoked_at:%Y-%m-%d %H:%M}" if state == "revoked" else ""
            expires = f"  expires {r.expires_at:%Y-%m-%d %H:%M}" if r.expires_at else ""
            used = f"  last used {r.last_used_at:%Y-%m-%d %H:%M}" if r.last_used_at else "  never used"
            # two lines a key, within 80 columns: who and in what state, then the id and the dates; an old owner
            # with a line break is shown quoted, so a key is always its lines
            owner = r.owner if r.owner.isprintable() else repr(r.owner)
            typer.echo(f"{r.prefix}...  {owner}  {state}{when}")
            typer.echo(f"  id {r.id}")
            typer.echo(f"  created {r.created_at:%Y-%m-%d %H:%M}{expires}{used}")
        if not rows:
            typer.echo("no keys yet: siting keys create OWNER", err=True)

    @keys.command("revoke")
    def keys_revoke(
        key: Annotated[str, typer.Argument(help="The key's id or its shown prefix (siting keys list)")],
        database_url: DbOpt = None,
    ) -> None:
        """Revoke a key: its requests get 401 from now on and its queued jobs do not run."""
        from api.keys import revoke_key

        with _keys_database(database_url) as db:
            row, cancelled = revoke_key(db, key)
        typer.echo(f"key {row.prefix}... of {row.owner!r} revoked; {cancelled} queued job(s) will not run", err=True)

    app.add_typer(keys, name="keys")
