"""The CLI's failure paths (issue 26): bad files, bad values and failing outputs end in one line naming the
field or the path, exit status 2, and never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from siting.cli.main import app

runner = CliRunner()
HUGE = "1" + "0" * 400  # 1e400: an integer with no float value


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
