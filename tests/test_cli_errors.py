"""The CLI's failure paths (issue 26): bad files, bad values and failing outputs end in one line naming the
field or the path, exit status 2, and never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from siting.cli.main import app

runner = CliRunner()
HUGE = "1" + "0" * 309  # 1e309: an integer with no float value (and under the 400-digit limit on integers)


def run(args: list[str]) -> Result:
    return runner.invoke(app, args)


def assert_one_line_error(r: Result, *names: str) -> None:
    """Exit status 2, no traceback, one line on the output that starts with ``error:`` and names ``names``."""
    assert r.exit_code == 2, (r.exit_code, r.output, r.exception)
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert "Traceback" not in r.output
    lines = [line for line in r.output.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    assert len(errors) == 1, r.output
    for name in names:
        assert name in errors[0], (name, errors[0])


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(("path", "value"), [
    ("sites.zhongwei.electricity_price_list_yuan_per_kwh", HUGE),
    ("sites.zhongwei.electricity_price_list_yuan_per_kwh", "-" + HUGE),
    ("defaults.discount_rate_fraction", HUGE),
    ("request.it_load_mw", HUGE),
])
def test_an_override_beyond_the_float_range_is_one_line(tmp_path: Path, path: str, value: str) -> None:
    scenario = write(tmp_path, "huge.yaml", f"name: huge\nrequest: {{it_load_mw: 20}}\noverrides:\n  {path}: {value}\n")
    assert_one_line_error(run(["compare", str(scenario)]), f"overrides.{path}", "exceeds the limit of 1.798e+308")


def test_overrides_nested_too_deeply_are_one_line(tmp_path: Path) -> None:
    deep = "0.25"
    for _ in range(40):
        deep = "{a: " + deep + "}"
    scenario = write(tmp_path, "deep.yaml", f"name: deep\noverrides: {deep}\n")
    assert_one_line_error(run(["compare", str(scenario)]), "nested more than 8 levels")


EXAMPLES = Path(__file__).parent.parent / "examples"
FAST = ["--robust", "0", "--no-explain"]


def _bad_file(tmp_path: Path, case: str) -> Path:
    """The campaign's bad input files, by name."""
    if case == "dev-zero":
        return Path("/dev/zero")
    text = {
        "duplicate-yaml-key": "name: dup\nit_load_mw: 20\nit_load_mw: 5000\n",
        "duplicate-nested-key": "name: dup\nclasses:\n  - name: a\n    share_fraction: 1\n    name: b\n",
        "duplicate-json-key": '{"it_load_mw": 20, "it_load_mw": 5000}',
        "5000-digit-integer": "it_load_mw: " + "5" * 5000 + "\n",
        "5000-digit-json-integer": '{"it_load_mw": ' + "5" * 5000 + "}",
        "empty": "",
        "only-a-comment": "# nothing here\n",
        "empty-json": "  \n",
        "too-large": "# padding\n" * 120_000,
    }[case]
    return write(tmp_path, f"{case}.json" if "json" in case else f"{case}.yaml", text)


@pytest.mark.parametrize(("case", "names"), [
    ("duplicate-yaml-key", ["duplicate key 'it_load_mw'", "line 3", "first on line 2"]),
    ("duplicate-nested-key", ["duplicate key 'name'", "line 5", "first on line 3"]),
    ("duplicate-json-key", ["duplicate key 'it_load_mw'"]),
    ("5000-digit-integer", ["an integer of 5000 digits", "at most 400", "line 1"]),
    ("5000-digit-json-integer", ["an integer of 5000 digits", "at most 400"]),
    ("empty", ["is empty"]),
    ("only-a-comment", ["is empty"]),
    ("empty-json", ["is empty"]),
    ("too-large", ["larger than the limit of 1,000,000 bytes"]),
    ("dev-zero", ["/dev/zero", "larger than the limit of 1,000,000 bytes"]),
])
@pytest.mark.parametrize("command", ["optimize", "rank", "compare"])
def test_a_bad_input_file_is_one_line_naming_it(tmp_path: Path, case: str, names: list[str], command: str) -> None:
    path = _bad_file(tmp_path, case)
    args = {"optimize": ["optimize", str(path), *FAST], "rank": ["rank", "--request", str(path)],
            "compare": ["compare", str(path)]}[command]
    r = run(args)
    assert_one_line_error(r, path.name, *names)


@pytest.mark.parametrize("args", [
    ["optimize", str(EXAMPLES / "default.yaml"), *FAST, "--csv-file", "/dev/full"],
    ["optimize", str(EXAMPLES / "default.yaml"), *FAST, "--xlsx", "/dev/full"],
    ["optimize", str(EXAMPLES / "default.yaml"), *FAST, "--geojson", "/dev/full"],
    ["report", "-r", str(EXAMPLES / "default.yaml"), "--robust", "0", "-o", "/dev/full"],
], ids=["csv", "xlsx", "geojson", "report"])
def test_an_output_that_cannot_be_written_is_one_line_naming_it(args: list[str]) -> None:
    assert_one_line_error(run(args), "cannot write the output", "/dev/full", "No space left on device")


def test_an_output_in_an_unwritable_place_is_one_line(tmp_path: Path) -> None:
    blocker = write(tmp_path, "not-a-folder", "x")  # a file where a folder should be
    r = run(["optimize", str(EXAMPLES / "default.yaml"), *FAST, "--csv-file", str(blocker / "out.csv")])
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert f"the folder {blocker} does not exist" in r.output


@pytest.mark.parametrize(("args", "names"), [
    (["compare", str(EXAMPLES / "scenarios" / "base.yaml"), "--chart", "x.exe"], ["--chart", "x.exe", ".png"]),
    (["sweep", str(EXAMPLES / "scenarios" / "monte-carlo.yaml"), "--monte-carlo", "100000000"],
     ["--monte-carlo", "1000000"]),
])
def test_usage_errors_name_the_option(args: list[str], names: list[str]) -> None:
    assert_one_line_error(run(args), *names)


@pytest.mark.parametrize(("url", "names"), [
    ("mysql://x", ["mysql://x", "mysql back end is not supported"]),
    ("sqlite:////nonexistent-siting-folder/keys.db", ["/nonexistent-siting-folder", "does not exist"]),
    ("not a url", ["not a url", "not a database URL"]),
])
def test_an_unsupported_database_url_is_one_line(url: str, names: list[str]) -> None:
    assert_one_line_error(run(["keys", "list", "--database-url", url]), "--database-url", *names)
