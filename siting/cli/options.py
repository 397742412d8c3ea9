"""Options, consoles and output helpers shared by the CLI commands (no commands here)."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from siting.cli.lazy import LazyModule, lazy_function
from siting.errors import SitingError

# imported on first use (siting.cli.lazy): `siting --help` needs none of them
if TYPE_CHECKING:
    import pandas as pd

    from siting.data.catalog import default_catalog, load_catalog
    from siting.data.request import SiteRequest, load_request, parse_request
    from siting.serialize import frame_records
else:
    pd = LazyModule("pandas")
    default_catalog = lazy_function("siting.data.catalog", "default_catalog")
    load_catalog = lazy_function("siting.data.catalog", "load_catalog")
    load_request = lazy_function("siting.data.request", "load_request")
    parse_request = lazy_function("siting.data.request", "parse_request")
    frame_records = lazy_function("siting.serialize", "frame_records")

console = Console()  # the terminal's width (80 when not a terminal; COLUMNS overrides)
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])

RequestOpt = Annotated[Path | None, typer.Option("--request", "-r", help="Request file (YAML or JSON)")]
CatalogOpt = Annotated[Path | None, typer.Option("--catalog", help="Catalog directory (default: shipped)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout")]
CsvOpt = Annotated[bool, typer.Option("--csv", help="CSV on stdout")]
PackageOpt = Annotated[list[str] | None, typer.Option(
    "--package", help="Apply a deal or policy package (repeatable; see `siting packages`)")]
GreenOpt = Annotated[list[str] | None, typer.Option(
    "--green", help="Let the optimiser buy or make green power with this option (repeatable; sites/green_options.csv: "
                    "gec, green-trade, ppa-nx-pv, onsite-pv)")]
SolverOpt = Annotated[str, typer.Option("--solver", help="highs (default) or cbc")]
TimeLimitOpt = Annotated[float | None, typer.Option("--time-limit", help="Time limit per solve [s]", min=0.01)]


def compact_table(title: str | None = None, *, padding: tuple[int, int] = (0, 1)) -> Table:
    """The CLI's table style, made to fit 80 columns: a rule under the header only, no padding at the
    edges and one gap between columns (``padding=(0, 0)`` leaves only the column separator)."""
    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, padding=padding,
                 collapse_padding=True)


def with_packages(req: SiteRequest, packages: list[str] | None) -> SiteRequest:
    """The request with --package ids added (validated like the request field)."""
    if not packages:
        return req
    return parse_request({**req.model_dump(mode="json"), "packages": [*req.packages, *packages]})


def with_green(req: SiteRequest, options: list[str] | None) -> SiteRequest:
    """The request with --green option ids added (validated like the request field ``green_options``)."""
    if not options:
        return req
    return parse_request({**req.model_dump(mode="json"), "green_options": [*req.green_options, *options]})


def packages_line(packages: list[dict[str, Any]]) -> str:
    """One line saying which deals and policies an answer rests on: the story's sentence (one wording)."""
    from siting.analysis.explain import packages_sentence

    return packages_sentence(packages)


def writable_file(value: Path | None) -> Path | None:
    """Option callback: an output file whose folder exists and is writable (checked before any work)."""
    if value is None or str(value) == "-":
        return value
    folder = value.parent if str(value.parent) else Path(".")
    if not folder.is_dir():
        raise typer.BadParameter(f"{value}: the folder {folder} does not exist (create it first)")
    if value.is_dir():
        raise typer.BadParameter(f"{value} is a folder; give a file name")
    if not os.access(folder, os.W_OK):
        raise typer.BadParameter(f"{value}: the folder {folder} is not writable")
    return value


def checked_solver(solver: str) -> Any:
    """The --solver value, or a usage error naming the allowed ones."""
    if solver not in ("highs", "cbc"):
        raise typer.BadParameter(f"solver = {solver!r} is not one of highs, cbc", param_hint="--solver")
    return solver


def domain_errors(fn: F) -> F:
    """Turn domain errors into a one-line message and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SitingError as exc:
            err_console.print(f"[bold red]error:[/] {exc.message}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def _catalog(path: Path | None) -> Any:
    return load_catalog(path) if path is not None else default_catalog()


def _request(path: Path | None) -> SiteRequest:
    return load_request(path) if path is not None else parse_request({})


def _fmt(v: Any, digits: int = 0) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "-"
    if isinstance(v, float):
        return f"{v + 0.0:,.{digits}f}" if round(v, digits) != 0 else f"{0.0:.{digits}f}"
    return str(v)


def _json_out(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_json_default) + "\n")


def _json_default(o: Any) -> Any:
    if hasattr(o, "item"):
        return o.item()
    if isinstance(o, float):
        return None
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return frame_records(df) or []


