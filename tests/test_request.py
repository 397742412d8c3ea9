"""Request parsing: defaults, YAML numbers, and one-line errors naming the field, value and limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from siting import RequestError, load_request, parse_request
from siting.analysis.scenarios import load_scenario


def test_defaults() -> None:
    r = parse_request({})
    assert r.it_load_mw == 20.0
    assert sum(c.share_fraction for c in r.classes) == pytest.approx(1.0)
    assert (r.min_sites, r.max_sites, r.max_share_per_site) == (1, None, 1.0)


@pytest.mark.parametrize("text", ["1e9", "1.0e9", "1E+9", "1_000_000_000"])
def test_yaml_exponent_numbers_are_numbers(tmp_path: Path, text: str) -> None:
    f = tmp_path / "r.yaml"
    f.write_text(f"it_load_mw: 50\nbudget_yuan_per_year: {text}\n")
    assert load_request(f).budget_yuan_per_year == 1e9


def test_scenario_yaml_reads_exponents_as_numbers(tmp_path: Path) -> None:
    (tmp_path / "req.yaml").write_text("it_load_mw: 30\n")
    (tmp_path / "s.yaml").write_text("name: s\nrequest: req.yaml\noverrides:\n  request.budget_yuan_per_year: 2e9\n")
    s = load_scenario(tmp_path / "s.yaml")
    assert s.request.budget_yuan_per_year == 2e9


@pytest.mark.parametrize(("data", "message"), [
    ({"it_load_mw": -5}, "it_load_mw = -5: Input should be greater than or equal to 0.1"),
    ({"max_share_per_site": 0}, "max_share_per_site = 0: Input should be greater than 0"),
    ({"classes": [{"name": "a", "share_fraction": 0.5}]}, "share_fraction must sum to 1, got 0.5"),
    ({"min_sites": 3, "max_sites": 2}, "max_sites (2) must be >= min_sites (3)"),
    ({"locked_sites": ["yaan"], "excluded_sites": ["yaan"]}, "['yaan'] are both locked and excluded"),
    ({"wat": 1}, "wat = 1: Extra inputs are not permitted"),
])
def test_bad_input_names_field_value_and_limit(data: dict, message: str) -> None:
    with pytest.raises(RequestError) as exc:
        parse_request(data)
    assert message in exc.value.message
