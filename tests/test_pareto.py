"""Trade-off frontiers by the epsilon-constraint method on the exact MILP."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import siting
from siting.analysis.pareto import pareto
from siting.cli import app
from siting.data.catalog import Catalog


@pytest.mark.parametrize(("criterion", "key"), [("emissions", "emissions_t_per_year"), ("rtt", "mean_rtt_ms")])
def test_frontier_runs_from_the_cost_optimum_to_the_criterion_optimum(catalog: Catalog, criterion: str,
                                                                       key: str) -> None:
    f = pareto({}, catalog, criterion=criterion, points=6)  # type: ignore[arg-type]
    pts = f.points
    assert len(pts) >= 3
    cheapest = siting.optimize({}, catalog)
    assert pts[0]["cost_yuan_per_year"] == pytest.approx(cheapest.objective_yuan_per_year, rel=1e-6)
    # strictly cheaper <-> strictly worse in the criterion: nothing dominated is kept
    for a, b in zip(pts, pts[1:], strict=False):
        assert b["cost_yuan_per_year"] >= a["cost_yuan_per_year"] - 1e-6
        assert b[key] < a[key]
    # the last point reaches the least value of the criterion the request allows
    assert pts[-1][key] == pytest.approx(min(p[key] for p in pts))
    assert sum(p["knee"] for p in pts) <= 1


def test_emissions_end_is_the_cleanest_feasible_plan(catalog: Catalog) -> None:
    # Ya'an's hydro grid (0.1404 tCO2/MWh) is the cleanest of the four default candidates and serves
    # every centre within 30 ms alone: the low-emission end puts all 20 MW there
    f = pareto({}, catalog, criterion="emissions", points=4)
    assert set(f.points[-1]["sites_mw"]) == {"yaan"}


def test_bad_arguments_name_the_field(catalog: Catalog) -> None:
    with pytest.raises(siting.RequestError, match="points = 1"):
        pareto({}, catalog, points=1)
    with pytest.raises(siting.RequestError, match="criterion = 'noise'"):
        pareto({}, catalog, criterion="noise")  # type: ignore[arg-type]


def test_cli_json(tmp_path) -> None:  # type: ignore[no-untyped-def]
    req = tmp_path / "r.yaml"
    req.write_text("it_load_mw: 20\n")
    r = CliRunner().invoke(app, ["pareto", str(req), "--criterion", "rtt", "--points", "4", "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["frontier"]["criterion"] == "rtt" and len(doc["frontier"]["points"]) >= 2
