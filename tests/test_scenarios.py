"""Scenario files: parsing, overrides applied to request and catalog, errors that name the path."""

from __future__ import annotations

from pathlib import Path

import pytest

from siting.analysis.scenarios import load_scenario, parse_scenario
from siting.data.catalog import Catalog
from siting.errors import RequestError

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "scenarios"


def test_examples_load() -> None:
    for f in sorted(EXAMPLES.glob("*.yaml")):
        s = load_scenario(f)
        assert s.name
    deal = load_scenario(EXAMPLES / "zhongwei-aws-deal.yaml")
    assert deal.request.packages == ["zhongwei-aws-2015"]
    cat = deal.catalog_for()
    assert cat.site_value("zhongwei", "electricity_price_package_yuan_per_kwh") == pytest.approx(0.36)
    assert deal.request.max_share_per_site == pytest.approx(0.6)  # inherited from base.yaml
    lat = load_scenario(EXAMPLES / "latency-20ms.yaml")
    assert lat.request.classes[0].max_rtt_ms == 20


def test_nested_and_bare_paths(catalog: Catalog) -> None:
    s = parse_scenario({"name": "n", "overrides": {
        "request": {"classes": {"interactive": {"max_rtt_ms": 25}}}, "carbon_price_yuan_per_t": 50,
        "defaults.discount_rate_fraction": 0.06, "sites": {"yaan": {"electricity_price_yuan_per_kwh": 0.3}},
        "subsidies.yaan-capex-2023.cap_yuan": 1e7}}, catalog=catalog)
    assert s.request.classes[0].max_rtt_ms == 25
    assert s.request.carbon_price_yuan_per_t == 50
    cat = s.catalog_for(catalog)
    assert cat.defaults["discount_rate_fraction"] == pytest.approx(0.06)
    # the effective price of yaan is its published tariff (no package in this request)
    assert cat.site_value("yaan", "electricity_price_list_yuan_per_kwh") == pytest.approx(0.3)
    assert next(x for x in cat.subsidies if x.subsidy_id == "yaan-capex-2023").cap_yuan == 1e7


@pytest.mark.parametrize(("overrides", "field", "text"), [
    ({"sites.zhongwei.electricity_price_package_yuan_per_kwh": 5.0},
     "overrides.sites.zhongwei.electricity_price_package_yuan_per_kwh", "between 0.05 and 2"),
    ({"sites.zhongwei.no_such_parameter": 1.0}, "overrides.sites.zhongwei.no_such_parameter", "unknown parameter"),
    ({"sites.atlantis.capex_yuan_per_mw": 1e7}, "overrides.sites.atlantis.capex_yuan_per_mw", "atlantis"),
    ({"sites.zhongwei.capex_yuan_per_mw": "cheap"}, "overrides.sites.zhongwei.capex_yuan_per_mw", "number"),
    ({"request.classes.interactive.max_rtt_ms": -3}, "overrides.request.classes.interactive.max_rtt_ms",
     "greater than 0"),
    ({"request.classes.gaming.max_rtt_ms": 10}, "overrides.request.classes.gaming.max_rtt_ms", "gaming"),
    ({"request.no_field": 1}, "overrides.request.no_field", "unknown request field"),
    ({"defaults.discount_rate_fraction": 0.9}, "overrides.defaults.discount_rate_fraction", "between 0 and 0.5"),
    ({"subsidies.remove": ["nope"]}, "overrides.subsidies.remove[0]", "unknown subsidy"),
    ({"wibble.x": 1}, "overrides.wibble.x", "unknown path"),
])
def test_bad_paths_and_values_name_themselves(catalog: Catalog, overrides: dict, field: str, text: str) -> None:
    with pytest.raises(RequestError) as exc:
        parse_scenario({"name": "bad", "overrides": overrides}, catalog=catalog)
    assert exc.value.field == field
    assert field in exc.value.message
    assert text in exc.value.message


def test_unknown_keys_and_bad_distributions(catalog: Catalog) -> None:
    with pytest.raises(RequestError) as exc:
        parse_scenario({"name": "x", "overides": {}}, catalog=catalog)
    assert exc.value.field == "overides"
    with pytest.raises(RequestError) as exc:
        parse_scenario({"name": "x", "monte_carlo": {"parameters": {
            "sites.yaan.capex_yuan_per_mw": {"distribution": "uniform", "low": 2, "high": 1}}}}, catalog=catalog)
    assert "monte_carlo.parameters.sites.yaan.capex_yuan_per_mw" in str(exc.value.field)
    with pytest.raises(RequestError) as exc:  # support outside the schema range
        parse_scenario({"name": "x", "monte_carlo": {"parameters": {
            "sites.yaan.electricity_price_yuan_per_kwh": {"distribution": "uniform", "low": 0.3, "high": 9}}}},
            catalog=catalog)
    assert exc.value.field == "monte_carlo.parameters.sites.yaan.electricity_price_yuan_per_kwh"
    assert "out of range" in exc.value.message


def test_subsidy_added(catalog: Catalog) -> None:
    s = parse_scenario({"name": "x", "overrides": {"subsidies.add": [
        {"subsidy_id": "qy-bw", "site": "guian", "kind": "bandwidth", "amount_yuan": 1e8}]}}, catalog=catalog)
    assert "qy-bw" in {x.subsidy_id for x in s.catalog_for(catalog).subsidies}
    with pytest.raises(RequestError) as exc:
        parse_scenario({"name": "x", "overrides": {"subsidies.add": [
            {"subsidy_id": "b", "site": "guian", "kind": "bandwidth", "amount": 1}]}}, catalog=catalog)
    assert exc.value.field == "overrides.subsidies.add[0]"
