"""The CLI as a planner uses it: tables, JSON with provenance, and one-line errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from siting.cli.main import app

runner = CliRunner()
EXAMPLES = Path(__file__).parent.parent / "examples"


def test_rank_table() -> None:
    r = runner.invoke(app, ["rank"])
    assert r.exit_code == 0, r.output
    for s in ("zhongwei", "guian", "yaan", "chongqing", "beijing"):
        assert s in r.output
    text = " ".join(r.output.split())  # the title and notes wrap at the terminal's width
    assert "cost in yuan per kW of IT per month" in text
    assert "helinger cannot host the request alone: serves" in text  # below the default 95 % service level
    assert "of interactive demand within 30 ms (service level 95 %)" in text
    assert "zhongwei cannot host" not in text  # 98 % of the demand within 30 ms meets the 95 % level
    assert max(len(line) for line in r.output.splitlines()) <= 80
    assert "Packages: none" in r.output


def test_rank_json_has_the_four_criteria_with_provenance() -> None:
    r = runner.invoke(app, ["rank", "--json"])
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    sites = {row["site"]: row for row in data["sites"]}
    for s in ("zhongwei", "guian", "yaan", "chongqing"):
        row = sites[s]
        assert row["price_yuan_per_kwh"] > 0
        assert 1.0 < row["pue"] < 1.5
        assert row["bandwidth_net_yuan_per_year"] >= 0
        assert row["rtt_mean_ms[interactive]"] > 0
        assert row["levelised_cost_yuan_per_kw_month"] > 0
        prov = row["provenance"]
        assert prov["price"]["source"] and prov["price"]["unit"] == "yuan/kWh"
        assert prov["bandwidth_price"]["status"] in ("sourced", "derived", "assumption")
        assert prov["climate"]["sources"]
    # by default: the published tariff, no deal
    assert data["packages"] == []
    assert sites["zhongwei"]["price_yuan_per_kwh"] == pytest.approx(0.44)
    assert sites["zhongwei"]["provenance"]["price"]["source"] == "36kr-2022"
    assert sites["zhongwei"]["bandwidth_subsidy_yuan_per_year"] == 0


def test_rank_with_the_2015_deal_as_a_package() -> None:
    r = runner.invoke(app, ["rank", "--package", "zhongwei-aws-2015", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert [p["package_id"] for p in data["packages"]] == ["zhongwei-aws-2015"]
    zw = next(row for row in data["sites"] if row["site"] == "zhongwei")
    assert zw["price_yuan_per_kwh"] == 0.36
    assert zw["provenance"]["price"]["status"] == "sourced"
    # Zhongwei's 190 M yuan bandwidth subsidy (annualised) covers its bandwidth bill
    assert zw["bandwidth_subsidy_yuan_per_year"] > 0


def test_a_package_whose_conditions_are_not_met_is_refused() -> None:
    r = runner.invoke(app, ["rank", "--package", "sichuan-hydro-demo-zone"])
    assert r.exit_code == 2
    assert "packages[0] = 'sichuan-hydro-demo-zone' applies only to projects with eligibility" in r.output
    assert "sichuan_hydro_demo_zone" in r.output


def test_rank_csv() -> None:
    r = runner.invoke(app, ["rank", "--csv"])
    assert r.exit_code == 0
    assert r.stdout.splitlines()[0].startswith("site,")


def test_sites_geojson_to_stdout() -> None:
    r = runner.invoke(app, ["sites", "--geojson", "-"])
    assert r.exit_code == 0
    assert json.loads(r.stdout)["type"] == "FeatureCollection"


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_examples_optimise(example: str) -> None:
    r = runner.invoke(app, ["optimize", str(EXAMPLES / example), "--json", "--no-explain"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["result"]["status"] == "optimal"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("it_load_mw: -5\n", "it_load_mw = -5: Input should be greater than or equal to 0.1"),
        ("it_load_mw: true\n", "it_load_mw = True: Input should be a valid number"),
        ("budget_yuan_per_year: .inf\n", "budget_yuan_per_year = inf: Input should be a finite number"),
        ("candidates: [atlantis]\n", "unknown site id 'atlantis'"),
        ("it_load_mw: [1, 2\n", "is not valid YAML/JSON"),
        ("colour: blue\n", "colour = 'blue': Extra inputs are not permitted"),
        ("classes:\n  - {name: a, share_fraction: 0.5}\n", "share_fraction must sum to 1, got 0.5"),
    ],
)
def test_bad_input_is_one_line_no_traceback(tmp_path: Path, content: str, expected: str) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(content)
    r = runner.invoke(app, ["rank", "--request", str(f)])
    assert r.exit_code == 2
    assert expected in r.output
    assert "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1


def test_missing_file() -> None:
    r = runner.invoke(app, ["optimize", "does-not-exist.yaml"])
    assert r.exit_code == 2
    assert "cannot read does-not-exist.yaml" in r.output


def test_infeasible_request_exits_1_with_diagnosis(tmp_path: Path) -> None:
    f = tmp_path / "tight.yaml"
    f.write_text("classes:\n  - {name: live, share_fraction: 1, max_rtt_ms: 5, demand_weights: {guangzhou: 1}}\n")
    r = runner.invoke(app, ["optimize", str(f)])
    assert r.exit_code == 1
    assert "no candidate within 5 ms of guangzhou" in r.output


def test_unreadable_inputs_and_unwritable_outputs_end_in_one_line(tmp_path: Path) -> None:
    binary = tmp_path / "bad.yaml"
    binary.write_bytes(b"\xff\xfe it_load_mw: 5")
    r = runner.invoke(app, ["rank", "--request", str(binary)])
    assert r.exit_code == 2 and "is not UTF-8 text (byte 0xff at position 0)" in r.output
    deep = tmp_path / "deep.yaml"
    deep.write_text("[" * 5000)
    r = runner.invoke(app, ["rank", "--request", str(deep)])
    assert r.exit_code == 2 and "nested too deeply" in r.output
    for args in (["sites", "--geojson", str(tmp_path / "no" / "x.geojson")],
                 ["report", "-o", str(tmp_path / "no" / "r.html")]):
        r = runner.invoke(app, args)
        assert r.exit_code == 2, r.output
        text = " ".join(r.output.replace("│", " ").split())  # the usage box wraps the message
        assert "does not exist (create it first)" in text
        assert "Traceback" not in r.output


def test_compare_infeasible_is_a_result_unless_strict(tmp_path: Path) -> None:
    base = Path(__file__).parent.parent / "examples" / "scenarios" / "base.yaml"
    bad = tmp_path / "impossible.yaml"
    bad.write_text(f"name: impossible\nextends: {base}\noverrides:\n  request.it_load_mw: 5000\n"
                   "  request.candidates: [chongqing]\n")
    r = runner.invoke(app, ["compare", str(base), str(bad), "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert [s["status"] for s in doc["scenarios"]] == ["optimal", "infeasible"]
    assert runner.invoke(app, ["compare", "--strict", str(base), str(bad)]).exit_code == 1


def test_quiet_turns_progress_off_and_json_stays_clean() -> None:
    from siting.analysis.execution import PROGRESS, rich_progress

    r = runner.invoke(app, ["--quiet", "optimize", str(Path(__file__).parent.parent / "examples" / "default.yaml"),
                            "--robust", "10", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["robust"]["samples"] == 10
    assert PROGRESS["enabled"] is False
    bar, advance = rich_progress(5, "x")
    with bar:
        advance(1)  # a silent stand-in: nothing to show, nothing raised
    assert type(bar).__name__ == "_Silent"
    runner.invoke(app, ["sites", "--json"])
    assert PROGRESS["enabled"] is True  # the next command without --quiet shows progress again


def _assert_alone_first(sites: list[dict[str, object]]) -> None:
    """The ranking's promise: no site that cannot host the request alone is ranked above one that can, and
    within each group the cheaper site comes first."""
    alone = [bool(s["feasible_alone"]) for s in sites]
    assert alone == sorted(alone, reverse=True), [(s["site"], s["feasible_alone"]) for s in sites]
    assert alone[0] or not any(alone)  # the top-ranked site can host alone, or every site is flagged
    for group in (True, False):
        costs = [float(str(s["levelised_cost_yuan_per_kw_month"])) for s in sites if bool(s["feasible_alone"]) is group]
        assert costs == sorted(costs)
    assert [int(str(s["rank"])) for s in sites] == list(range(1, len(sites) + 1))


def test_rank_puts_sites_that_cannot_host_alone_last() -> None:
    """The default request has sites that cannot host it alone (Helinger serves 87 % within 30 ms, below the
    95 % level) yet are cheaper than one that can: they are ranked after every site that can."""
    r = runner.invoke(app, ["rank", "--json"])
    assert r.exit_code == 0, r.output
    sites = json.loads(r.stdout)["sites"]
    flagged = [s for s in sites if not s["feasible_alone"]]
    cheapest = min(sites, key=lambda s: s["levelised_cost_yuan_per_kw_month"])
    assert flagged and not cheapest["feasible_alone"]  # the case the rule is for
    _assert_alone_first(sites)
    assert cheapest["score"] == pytest.approx(100.0)  # the score stays relative to the cheapest site of all
    table = runner.invoke(app, ["rank"]).output
    top = next(line for line in table.splitlines() if line.strip().startswith("1 "))
    assert top.split()[1] == sites[0]["site"] and top.rstrip().endswith("yes")


def test_rank_when_no_site_can_host_alone_flags_every_site() -> None:
    """5,000 MW is beyond every site's capacity: every site is flagged and the order is the cost order."""
    from siting import rank

    df = rank({"it_load_mw": 5000})
    assert not df["feasible_alone"].any()
    assert list(df["levelised_cost_yuan_per_kw_month"]) == sorted(df["levelised_cost_yuan_per_kw_month"])
    _assert_alone_first(df.reset_index().to_dict("records"))
