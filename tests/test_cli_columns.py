"""The CLI's human output at 80 columns, in a real subprocess (COLUMNS=80, as a pipe sees it).

Every line fits 80 terminal cells (an East Asian wide character counts two), no line ends in blanks,
a number is never split from its unit at a line's end, continuation lines are indented, the scenario
comparison shows every scenario name and status whole, and a request file given where a scenario is
expected is a usage error that says so and how to wrap it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples"
SCENARIOS = EXAMPLES / "scenarios"
SITING = Path(sys.executable).parent / "siting"
UNITS = ("%", "MW", "ms", "yuan", "yuan/kWh", "yuan/MWh", "ktCO2/yr", "M", "kW")


def run(*args: str, code: int = 0, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "80"}
    out = subprocess.run([str(SITING), "-q", *args], capture_output=True, text=True, timeout=900, cwd=cwd, env=env)
    assert out.returncode == code, out.stderr
    return out


def assert_fits(text: str) -> None:
    for n, line in enumerate(text.splitlines()):
        assert cell_len(line) <= 80, f"line {n} is {cell_len(line)} cells: {line!r}"
        assert line == line.rstrip(), f"line {n} ends in blanks: {line!r}"
        first = line.split(" ")[0] if line.strip() else ""
        if first in UNITS and n > 0:  # a unit alone at the start of a line: split from its number
            prev = text.splitlines()[n - 1]
            assert not re.search(r"[0-9]$", prev), f"unit split from its number at line {n}: {prev!r} / {line!r}"


HUMAN = {
    "sites": ["sites"],
    "rank": ["rank"],
    "rank-wide": ["rank", "--wide"],
    "packages": ["packages"],
    "green-options": ["green-options"],
    "optimize": ["optimize", str(EXAMPLES / "measured-rtt-published.yaml"), "--robust", "0"],
    "pareto": ["pareto", str(EXAMPLES / "default.yaml"), "--points", "3"],
    "classic": ["classic", str(EXAMPLES / "default.yaml")],
    "stage": ["stage", str(EXAMPLES / "staged-200mw.yaml")],
}


@pytest.mark.parametrize("name", sorted(HUMAN))
def test_human_output_fits_80_columns(name: str) -> None:
    assert_fits(run(*HUMAN[name]).stdout)


@pytest.mark.parametrize("command", ["packages", "green-options"])
def test_continuation_lines_are_indented(command: str) -> None:
    """Each entry starts at column 0 with its id; everything else of the entry is indented."""
    import json

    ids = {r.get("package_id") or r.get("option_id") for r in json.loads(run(command, "--json").stdout)}
    lines = run(command).stdout.splitlines()
    note = next(n for n, line in enumerate(lines) if line.startswith(("Apply with", "Use with")))
    starts = [line.split(" ")[0] for line in lines[:note] if not line.startswith(" ")]
    assert set(starts) == ids and len(starts) == len(ids)  # only an entry's first line starts at column 0
    assert all(line.startswith("  ") for line in lines[note + 1:])


def test_compare_shows_names_and_statuses_whole_in_one_table_style() -> None:
    out = run("compare", *[str(p) for p in sorted(SCENARIOS.glob("*.yaml"))]).stdout
    assert_fits(out)
    assert "…" not in out  # nothing truncated
    for box_char in "┏┃┡│└":  # the heavy box style of rich's default table; the CLI's style is a rule only
        assert box_char not in out
    names = ["base", "carbon-100", "latency-20ms", "base-uncertain", "zhongwei-aws-deal"]
    header_words = " ".join(line for line in out.splitlines() if not line.startswith((" status", " total")))
    for name in names:
        assert name in header_words
    statuses = [w for line in out.splitlines() if line.startswith(" status") for w in line.split()[1:]]
    assert "no plan" in " ".join(statuses) and set(statuses) <= {"solved", "no", "plan"}
    assert "optimal" not in out.split("solved = ")[0] and "infeasible" not in out.split("solved = ")[0]
    assert "-0.0" not in out and "+0.00" not in out  # a change that rounds to zero is 0.00


def test_a_request_file_where_a_scenario_is_expected_says_so(tmp_path: Path) -> None:
    out = run("compare", str(SCENARIOS / "base.yaml"), str(EXAMPLES / "default.yaml"), code=2)
    assert "default.yaml is a request file, not a scenario" in out.stderr
    assert "'name: default' and 'request: default.yaml'" in out.stderr
    assert "Extra inputs" not in out.stderr and "Traceback" not in out.stderr
    # the wrapping it describes works
    (tmp_path / "default.yaml").write_text((EXAMPLES / "default.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "wrapped.yaml").write_text("name: default\nrequest: default.yaml\n", encoding="utf-8")
    wrapped = run("compare", str(SCENARIOS / "base.yaml"), "wrapped.yaml", cwd=tmp_path)
    assert "default" in wrapped.stdout and "solved" in wrapped.stdout


def test_keys_fit_80_columns(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    made = run("keys", "create", "a-planner-with-a-long-name@example.com", "--expires-days", "30",
               "--database-url", url)
    listed = run("keys", "list", "--database-url", url)
    for text in (made.stdout, made.stderr, listed.stdout):
        assert_fits(text)
    assert "a-planner-with-a-long-name@example.com" in listed.stdout and "expires" in listed.stdout


def test_measured_rtts_are_said() -> None:
    out = run("optimize", str(EXAMPLES / "measured-rtt-published.yaml"), "--robust", "0", "--no-explain").stdout
    assert "Measured RTTs replace the modelled ones" in " ".join(out.split())


def test_stage_shows_what_was_built_each_year_and_the_capacity() -> None:
    """'built' is the increase of the capacity in place over the year before (hand differences of the JSON's
    cumulative built_mw); 'total' is that capacity."""
    import json

    plan = json.loads(run("stage", str(EXAMPLES / "staged-200mw.yaml"), "--json").stdout)["staged"]
    used = [s for s in plan["sites"] if plan["open_year"][s] is not None]
    text = run("stage", str(EXAMPLES / "staged-200mw.yaml")).stdout
    lines = text.split("Cash flows")[0].splitlines()  # the build table, before the cash flows
    rows = {int(line.split()[0]): line.split() for line in lines if re.match(r"^ \d{4} ", line)}
    for n, year in enumerate(plan["years"]):
        cells = rows[year]
        for k, s in enumerate(used):
            capacity = plan["built_mw"][s][n]
            built = capacity - (plan["built_mw"][s][n - 1] if n else 0.0)
            assert cells[2 + 2 * k] == (f"{built:,.0f}" if round(built) else ".")
            assert cells[3 + 2 * k] == f"{capacity:,.0f}"
