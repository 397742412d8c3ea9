"""``--json`` and ``--csv`` print only the document on stdout, in a real subprocess.

In process (``CliRunner``) the solver's C library writes straight to file
descriptor 1 and bypasses the runner's capture, so only a subprocess sees what
a pipe into another tool sees: highspy 1.16 prints a banner from the first
``Highs()`` of a process, and nothing of it may reach stdout.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples"
SCENARIOS = EXAMPLES / "scenarios"
SITING = Path(sys.executable).parent / "siting"  # the console script a user runs


def run(*args: str) -> str:
    env = {**os.environ, "COLUMNS": "80"}
    out = subprocess.run([str(SITING), *args], capture_output=True, text=True, timeout=600, cwd=ROOT, env=env)
    assert out.returncode == 0, out.stderr
    assert "Running HiGHS" not in out.stdout
    return out.stdout


JSON_COMMANDS = {
    "sites": ["sites", "--json"],
    "rank": ["rank", "--json"],
    "optimize": ["optimize", str(EXAMPLES / "default.yaml"), "--json"],
    "compare": ["compare", str(SCENARIOS / "base.yaml"), str(SCENARIOS / "carbon-100.yaml"), "--json"],
    "sweep": ["sweep", str(SCENARIOS / "monte-carlo.yaml"), "--monte-carlo", "40", "--workers", "2", "--json"],
    "pareto": ["pareto", str(EXAMPLES / "default.yaml"), "--points", "3", "--json"],
    "packages": ["packages", "--json"],
    "green-options": ["green-options", "--json"],
}
CSV_COMMANDS = {
    "sites": ["sites", "--csv"],
    "rank": ["rank", "--csv"],
    "compare": ["compare", str(SCENARIOS / "base.yaml"), str(SCENARIOS / "carbon-100.yaml"), "--csv"],
    "sweep": ["sweep", str(SCENARIOS / "monte-carlo.yaml"), "--tornado", "--csv"],
    "optimize": ["optimize", str(EXAMPLES / "default.yaml"), "--robust", "0", "--csv"],
    "pareto": ["pareto", str(EXAMPLES / "default.yaml"), "--points", "3", "--csv"],
    "classic": ["classic", str(EXAMPLES / "default.yaml"), "--csv"],
    "stage": ["stage", str(EXAMPLES / "staged-200mw.yaml"), "--csv"],
    "packages": ["packages", "--csv"],
    "green-options": ["green-options", "--csv"],
}


def test_every_command_with_a_table_has_json_and_csv_switches() -> None:
    """--json and --csv behave the same on every command: both are switches (no value) that print the
    command's document on stdout; a file export has its own option (--csv-file, --xlsx, --geojson FILE)."""
    import typer.main

    from siting.cli.main import app

    group: Any = typer.main.get_command(app)
    for name in ("sites", "rank", "optimize", "pareto", "classic", "stage", "compare", "sweep", "packages",
                 "green-options"):
        flags = {opt: p for p in group.commands[name].params if p.param_type_name == "option" for opt in p.opts}
        for switch in ("--json", "--csv"):
            assert switch in flags, (name, switch)
            assert flags[switch].is_flag, f"{name} {switch} takes a value"


@pytest.mark.parametrize("name", sorted(JSON_COMMANDS))
def test_json_stdout_parses(name: str) -> None:
    document = json.loads(run(*JSON_COMMANDS[name]))
    assert isinstance(document, dict | list) and len(document) > 0


def test_optimize_json_is_optimal_in_a_subprocess() -> None:
    document = json.loads(run("optimize", str(EXAMPLES / "ai-training-100mw.yaml"), "--json"))
    assert document["result"]["status"] == "optimal"
    # break-evens come from the direct HiGHS path: they must be numbers, not "never" for every site
    assert any(b["price_verified"] and b["break_even_price_yuan_per_kwh"] > 0 for b in document["result"]["break_even"])


@pytest.mark.parametrize("name", sorted(CSV_COMMANDS))
def test_csv_stdout_parses(name: str) -> None:
    rows = list(csv.reader(io.StringIO(run(*CSV_COMMANDS[name]))))
    assert len(rows) >= 2
    width = len(rows[0])
    assert width >= 2
    assert all(len(r) == width for r in rows), "every CSV row has the header's width"


def test_geojson_to_stdout_parses() -> None:
    document = json.loads(run("sites", "--geojson", "-"))
    assert document["type"] == "FeatureCollection"
    assert len(document["features"]) >= 4


def test_sites_table_fits_80_columns_with_every_id_whole() -> None:
    """The ids are what a request names: at 80 columns each must print whole (they once read 'z…')."""
    out = run("sites")
    assert max(len(line.rstrip()) for line in out.splitlines()) <= 80
    head, weather = out.split("Weather (CSWD typical year", 1)  # the catalog table, then the weather table

    def ids(text: str) -> list[str]:
        return [line.split()[0].rstrip("*") for line in text.splitlines()
                if line.split() and line.split()[-1].replace(",", "").isdigit() and len(line.split()) >= 6]

    catalog = json.loads(run("sites", "--json"))
    assert ids(head) == [row["site"] for row in catalog]
    assert ids(weather) == [row["site"] for row in catalog]


def test_tornado_table_fits_80_columns_with_every_parameter_whole() -> None:
    """The tornado once cut its last four columns off at 80 columns and its parameter names with '…'."""
    args = ["sweep", str(SCENARIOS / "monte-carlo.yaml"), "--tornado"]
    out = run(*args)
    assert max(len(line.rstrip()) for line in out.splitlines()) <= 80
    assert "…" not in out
    parameters = json.loads(run(*args, "--json"))["tornado"]["parameters"]
    assert len(parameters) >= 5
    for p in parameters:
        assert p["parameter"] in out


def test_rank_wide_splits_costs_in_a_second_table_within_80_columns() -> None:
    """--wide once squeezed 14 columns into 80 and printed '757…', '1…'; the split is now its own table, and
    its total is the site's total of the JSON ranking."""
    out = run("rank", "--wide")
    assert max(len(line.rstrip()) for line in out.splitlines()) <= 80
    assert "…" not in out
    split = out[out.index("Cost split of each site"):]
    rows = json.loads(run("rank", "--json"))["sites"]
    assert len(rows) == 14
    for r in rows:
        line = next(x for x in split.splitlines() if x.split() and x.split()[0] == r["site"])
        assert line.split()[6] == f"{r['total_yuan_per_year'] / 1e6:,.1f}"
