"""Seismic hazard as a constraint: a class's max_pga_g bars sites whose sourced design PGA is higher."""

from __future__ import annotations

import siting
from siting.data.catalog import Catalog


def _req(limit: float | None, **extra: object) -> dict[str, object]:
    return {"classes": [{"name": "core", "share_fraction": 1.0, "max_pga_g": limit, "demand_regions": ["east"]}],
            **extra}


def test_pga_limit_bars_zhongwei_and_changes_the_plan(catalog: Catalog) -> None:
    # catalog: zhongwei 0.20 g (GB 50011-2010 App. A), yaan 0.10 g, guian 0.05 g, chongqing 0.05 g
    assert catalog.site_value("zhongwei", "seismic_pga_g") == 0.2
    free = siting.optimize(_req(None), catalog)
    assert "zhongwei" in free.chosen_sites
    assert siting.optimize(_req(0.2), catalog).chosen_sites == free.chosen_sites  # the limit is inclusive
    limited = siting.optimize(_req(0.1), catalog)
    assert limited.status == "optimal" and "zhongwei" not in limited.chosen_sites
    assert limited.objective_yuan_per_year > free.objective_yuan_per_year
    ranking = siting.rank(_req(0.1), catalog)
    assert not ranking.at["zhongwei", "feasible_alone"]
    assert ranking.at["zhongwei", "flags"] == [
        "core may not use it: seismic PGA 0.2 g > 0.1 g (gb50011-2010-appxA-json, sourced)"]
    assert ranking.at["yaan", "feasible_alone"]  # 0.10 g is within 0.10 g


def test_pga_limit_leaving_no_site_is_diagnosed(catalog: Catalog) -> None:
    r = siting.optimize(_req(0.1, candidates=["zhongwei"]), catalog)
    assert r.status == "infeasible"
    first = r.diagnosis[0]
    assert first["field"] == "classes[0].max_pga_g"
    assert "zhongwei: seismic PGA 0.2 g > 0.1 g" in first["message"]
