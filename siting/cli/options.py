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


class _NoTrailingBlanks:
    """A text stream that drops the blanks rich pads each line with before its newline, then writes to the
    current ``sys.stdout`` / ``sys.stderr`` (looked up at each write, so test runners that swap them see it)."""

    def __init__(self, stream_name: str) -> None:
        self.stream_name = stream_name

    @property
    def _stream(self) -> Any:
        return getattr(sys, self.stream_name)

    def write(self, text: str) -> int:
        lines = text.split("\n")
        return int(self._stream.write("\n".join([*(line.rstrip(" ") for line in lines[:-1]), lines[-1]])) or 0)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return bool(getattr(self._stream, "isatty", lambda: False)())

    def fileno(self) -> int:
        return int(self._stream.fileno())

    @property
    def encoding(self) -> str:
        return str(getattr(self._stream, "encoding", None) or "utf-8")


# the terminal's width (80 when not a terminal; COLUMNS overrides); no line ends in blanks
console = Console(file=_NoTrailingBlanks("stdout"))  # type: ignore[arg-type]
err_console = Console(file=_NoTrailingBlanks("stderr"))  # type: ignore[arg-type]

NBSP = "\u00a0"  # joins a number to its unit (or the two halves of 'mean / worst') so a line never splits them

# solver statuses and catalog roles as a planner reads them (the machine outputs keep the codes)
STATUS_WORDS = {"optimal": "solved", "time_limit": "stopped at the time limit", "infeasible": "no plan",
                "unbounded": "no plan (unbounded)", "not_solved": "not solved", "error": "solver error"}
ROLE_WORDS = {"western": "western candidate", "national_cluster": "other national cluster",
              "eastern_baseline": "eastern baseline"}


def status_words(status: str) -> str:
    """A solver status in words: ``optimal`` -> 'solved', ``infeasible`` -> 'no plan' (unknown ones as given)."""
    return STATUS_WORDS.get(status, status.replace("_", " "))


def wrap_cells(text: str, width: int, *, indent: int = 0, hang: int = 2) -> list[str]:
    """Greedy word wrap that counts terminal cells (an East Asian wide character is two), breaks only at
    ASCII spaces (so :data:`NBSP` keeps a number with its unit), indents continuation lines by ``hang`` more
    than the first and never leaves blanks at a line's end.  A word longer than a line gets a line of its own."""
    from rich.cells import cell_len

    lines: list[str] = []
    line, used = " " * indent, indent
    fresh = True
    for word in text.split(" "):
        if not word:
            continue
        need = cell_len(word) + (0 if fresh else 1)
        if not fresh and used + need > width:
            lines.append(line.rstrip())
            line, used, fresh = " " * (indent + hang), indent + hang, True
            need = cell_len(word)
        line += ("" if fresh else " ") + word
        used += need
        fresh = False
    lines.append(line.rstrip())
    return [x.replace(NBSP, " ") for x in lines]


def say(text: str, *, indent: int = 0, hang: int = 2, bold: str = "") -> None:
    """Print a paragraph wrapped at the console's width by :func:`wrap_cells` (not by rich): numbers stay with
    their units, continuation lines are indented, no line ends in blanks.  ``bold`` is a leading part (no
    spaces) printed bold, directly followed by ``text``."""
    lines = wrap_cells(bold + text, max(20, console.width), indent=indent, hang=hang)
    for n, line in enumerate(lines):
        if n == 0 and bold and line.startswith(" " * indent + bold):
            console.print(" " * indent, end="", highlight=False, markup=False)
            console.print(bold, end="", style="bold", highlight=False, markup=False)
            console.print(line[indent + len(bold):], highlight=False, markup=False, soft_wrap=True)
        else:
            console.print(line, highlight=False, markup=False, soft_wrap=True)


def signed(v: float | None, digits: int = 1) -> str:
    """A change with its sign ('+1.2', '-0.4'); a change that rounds to zero is '0.0', never '-0.0' or '+0.0'."""
    if v is None or v != v:
        return "-"
    if round(v, digits) == 0:
        return f"{0.0:.{digits}f}"
    return f"{v:+,.{digits}f}"

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


def write_output(path: Path, content: str | bytes) -> None:
    """Write an output file; an I/O error (/dev/full, a read-only file) names the file (see domain_errors)."""
    try:
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None


#: What --chart can write (matplotlib's savefig picks the format from the suffix).
CHART_SUFFIXES = (".png", ".svg", ".pdf")


def chart_file(value: Path | None) -> Path | None:
    """Option callback: a writable file whose suffix is a chart format (.png, .svg or .pdf)."""
    checked = writable_file(value)
    if checked is not None and checked.suffix.lower() not in CHART_SUFFIXES:
        raise typer.BadParameter(f"{checked}: a chart is written as {', '.join(CHART_SUFFIXES)}; "
                                 f"got {checked.suffix or 'no suffix'!r}")
    return checked


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
        except OSError as exc:  # writing an output: /dev/full, a read-only file, a full disk
            where = f"{exc.filename}: " if exc.filename else ""
            err_console.print(f"[bold red]error:[/] cannot write the output: {where}{exc.strerror or exc}",
                              highlight=False, soft_wrap=True)
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


def _csv_out(records: list[dict[str, Any]]) -> None:
    """The records as CSV on stdout (``--csv`` of every command): lists joined by ';', mappings as
    'key value' pairs joined by ';', nothing else printed."""
    def cell(v: Any) -> Any:
        if isinstance(v, dict):
            return "; ".join(f"{k} {x:g}" if isinstance(x, float) else f"{k} {x}" for k, x in v.items())
        if isinstance(v, list | tuple):
            return ";".join(str(x) for x in v)
        return v

    sys.stdout.write(pd.DataFrame([{k: cell(v) for k, v in r.items()} for r in records]).to_csv(index=False))


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


