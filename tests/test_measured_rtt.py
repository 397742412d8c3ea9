"""measured_rtt_ms replaces the modelled RTT for the pairs it names, in rank and optimise."""

from __future__ import annotations

import pytest

import siting
from siting.data.catalog import Catalog
from siting.optimization.problem import build_site_problem

from .helpers import EVERY_CITY


def measured(catalog: Catalog, site: str, ms: float) -> dict[str, object]:
    return {"measured_rtt_ms": {site: {c: ms for c in catalog.centre_ids}},
            "measured_rtt_source": "hand-made test values"}


def test_only_the_named_pairs_change(catalog: Catalog) -> None:
    base = build_site_problem(catalog, siting.parse_request({}))
    req = siting.parse_request({"measured_rtt_ms": {"zhongwei": {"shanghai": 12.5}},
                                "measured_rtt_source": "hand-made test values"})
    p = build_site_problem(catalog, req)
    i, j = p.centres.index("shanghai"), p.sites.index("zhongwei")
    assert base.rtt_ms is not None and p.rtt_ms is not None
    assert p.rtt_ms[i, j] == 12.5 and base.rtt_ms[i, j] != 12.5
    changed = p.rtt_ms != base.rtt_ms
    assert int(changed.sum()) == 1


def test_rank_and_optimise_follow_the_measurements(catalog: Catalog) -> None:
    # modelled, Zhongwei serves 98.2 % of the interactive demand within 30 ms; measured at 20 ms: all of it
    before = siting.rank(EVERY_CITY, catalog).loc["zhongwei"]
    after = siting.rank({**EVERY_CITY, **measured(catalog, "zhongwei", 20.0)}, catalog).loc["zhongwei"]
    assert before["within_sla_share[interactive]"] == pytest.approx(0.982, abs=1e-3)
    assert not before["feasible_alone"]
    assert after["within_sla_share[interactive]"] == 1.0 and after["feasible_alone"]
    # Gui'an aside: Zhongwei is then the cheapest
    # no minimum campus: the second site may carry just the centres the first cannot reach
    cands = {**EVERY_CITY, "candidates": ["zhongwei", "yaan", "chongqing"], "min_site_it_load_mw": 0.0}
    r0 = siting.optimize(cands, catalog)
    r1 = siting.optimize({**measured(catalog, "zhongwei", 20.0), **cands}, catalog)
    assert r0.chosen_sites == ["zhongwei", "yaan"]  # yaan only for the centres zhongwei cannot reach
    assert r1.chosen_sites == ["zhongwei"]
    assert r1.objective_yuan_per_year < r0.objective_yuan_per_year
    # measured slower than the limit everywhere: zhongwei can no longer serve the interactive class
    r2 = siting.optimize({**measured(catalog, "zhongwei", 45.0), **cands}, catalog)
    interactive = r2.allocation[r2.allocation.iloc[:, 0] == "interactive"]
    assert "zhongwei" not in set(interactive.iloc[:, 2][interactive.iloc[:, 3] > 1e-9])


def test_measurements_need_a_source_and_known_ids(catalog: Catalog) -> None:
    with pytest.raises(siting.RequestError, match="measured_rtt_source"):
        siting.parse_request({"measured_rtt_ms": {"zhongwei": {"shanghai": 20}}})
    with pytest.raises(siting.UnknownIdError, match="atlantis"):
        siting.rank({"measured_rtt_ms": {"zhongwei": {"atlantis": 20}}, "measured_rtt_source": "abc"}, catalog)
    with pytest.raises(siting.RequestError, match="less than or equal to 1000"):
        siting.parse_request({"measured_rtt_ms": {"zhongwei": {"shanghai": 5000}}, "measured_rtt_source": "abc"})
