"""Compare: side by side, attribution sums to the total difference, repricing + re-siting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from siting.analysis.compare import compare_scenarios
from siting.analysis.scenarios import load_scenario
from siting.data.catalog import Catalog

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "scenarios"


@pytest.fixture(scope="module")
def comparison(catalog: Catalog):  # type: ignore[no-untyped-def]
    names = ["base", "zhongwei-aws-deal", "carbon-100", "latency-20ms"]
    return compare_scenarios([load_scenario(EXAMPLES / f"{n}.yaml") for n in names], catalog, explain=True)


def test_attribution_sums_to_total(comparison) -> None:  # type: ignore[no-untyped-def]
    base = comparison.outcomes[0].result
    assert [o.ok for o in comparison.outcomes] == [True, True, True, False]  # latency-20ms is infeasible
    assert comparison.attributions[2].delta_total_yuan_per_year is None
    for a, o in zip(comparison.attributions[:2], comparison.outcomes[1:3], strict=True):
        delta = o.result.objective_yuan_per_year - base.objective_yuan_per_year
        assert sum(a.components.values()) == pytest.approx(delta, rel=1e-6, abs=1.0)
        # the base plan stays feasible under a price change: the split is reported and adds up
        assert a.repricing is not None and a.resiting is not None
        assert sum(a.repricing.values()) + sum(a.resiting.values()) == pytest.approx(delta, rel=1e-6, abs=1.0)
        assert sum(a.resiting.values()) <= 1.0  # the optimiser never does worse than the old plan


def test_the_deal_is_an_opt_in_package(comparison) -> None:  # type: ignore[no-untyped-def]
    base, deal = comparison.outcomes[0].result, comparison.outcomes[1].result
    assert base.packages == []
    assert [p["package_id"] for p in deal.packages] == ["zhongwei-aws-2015"]
    a = comparison.attributions[0]
    assert a.delta_total_yuan_per_year < 0
    assert a.components["energy"] < 0 and a.components["subsidies"] < 0  # 0.36 yuan/kWh and the bandwidth subsidy
    assert any("packages" in r and "zhongwei-aws-2015" in r for r in a.request_changes)
    # 100 yuan/t: the base plan repriced pays exactly 100 x its emissions more; moving to a greener plan can
    # only save on that (re-siting <= 0)
    carbon = comparison.attributions[1]
    base_t = comparison.outcomes[0].result.emissions_t_per_year
    assert carbon.repricing is not None and carbon.resiting is not None
    assert sum(carbon.repricing.values()) == pytest.approx(100.0 * base_t, rel=1e-6)
    assert sum(carbon.resiting.values()) <= 1.0
    assert comparison.outcomes[3].result.status == "infeasible"


def test_outputs_are_json_and_frame(comparison) -> None:  # type: ignore[no-untyped-def]
    d = comparison.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["base"] == "base" and len(d["scenarios"]) == 4
    frame = comparison.to_frame()
    assert list(frame.index) == ["base", "zhongwei-aws-deal", "carbon-100", "latency-20ms"]
    assert "mw[zhongwei]" in frame.columns


def test_chart(comparison, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from siting.report.charts import cost_components_chart

    out = cost_components_chart(comparison, tmp_path / "c.png")
    assert out.stat().st_size > 1000
