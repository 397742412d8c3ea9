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
    names = ["base", "zhongwei-before-2015", "carbon-100", "latency-20ms"]
    return compare_scenarios([load_scenario(EXAMPLES / f"{n}.yaml") for n in names], catalog, explain=True)


def test_attribution_sums_to_total(comparison) -> None:  # type: ignore[no-untyped-def]
    base = comparison.outcomes[0].result
    for a, o in zip(comparison.attributions, comparison.outcomes[1:], strict=True):
        if not o.ok:
            assert a.delta_total_yuan_per_year is None
            continue
        delta = o.result.objective_yuan_per_year - base.objective_yuan_per_year
        assert sum(a.components.values()) == pytest.approx(delta, rel=1e-6, abs=1.0)
        if a.repricing is not None:
            assert sum(a.repricing.values()) + sum(a.resiting.values()) == pytest.approx(delta, rel=1e-6, abs=1.0)
            assert sum(a.resiting.values()) <= 1.0  # the optimiser never does worse than the old plan


def test_zhongwei_story(comparison) -> None:  # type: ignore[no-untyped-def]
    a = comparison.attributions[0]
    assert a.delta_total_yuan_per_year > 0
    moves = {s["site"]: s for s in a.sites}
    assert moves["zhongwei"]["change"] == "left"
    assert any("zhongwei-bw-2015 removed" in r for r in moves["zhongwei"]["reasons"])
    assert moves["guian"]["change"] == "entered"
    carbon = comparison.attributions[1]
    assert carbon.components["carbon"] == pytest.approx(carbon.delta_total_yuan_per_year, rel=1e-6)
    assert comparison.outcomes[3].result.status == "infeasible"


def test_outputs_are_json_and_frame(comparison) -> None:  # type: ignore[no-untyped-def]
    d = comparison.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["base"] == "base" and len(d["scenarios"]) == 4
    frame = comparison.to_frame()
    assert list(frame.index) == ["base", "zhongwei-before-2015", "carbon-100", "latency-20ms"]
    assert "mw[zhongwei]" in frame.columns


def test_chart(comparison, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from siting.report.charts import cost_components_chart

    out = cost_components_chart(comparison, tmp_path / "c.png")
    assert out.stat().st_size > 1000
