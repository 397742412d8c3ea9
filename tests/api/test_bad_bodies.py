"""The attack campaign's bodies (issue 26): every one ends in a 4xx naming the field, never a 500.

Each case is a raw JSON body (integers beyond the float range cannot be written with ``json=``), the
route it is sent to, and the field the error must name.  The limits are
``siting.analysis.scenarios.MAX_OVERRIDE_DEPTH`` (8 levels) and ``MAX_OVERRIDE_MAGNITUDE`` (the largest
finite double, about 1.8e308).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from siting.analysis.scenarios import MAX_OVERRIDE_DEPTH

from .conftest import make_settings, new_key, sqlite_url

HUGE = "1" + "0" * 400  # 1e400 as a JSON integer: no float has this value
SITE = "sites.zhongwei.electricity_price_list_yuan_per_kwh"


def nested(levels: int, leaf: str = "0.25") -> str:
    return '{"a":' * levels + leaf + "}" * levels


def scenario(overrides: str, extra: str = "") -> str:
    return '{"name":"x","request":{"it_load_mw":20}' + extra + ',"overrides":' + overrides + "}"


#: (case id, route, raw body, the field the error names, a text the message contains)
CASES: list[tuple[str, str, str, str, str]] = [
    ("deep-256-scenarios", "/v1/scenarios", scenario(nested(256)), "overrides", "nested more than 8"),
    ("deep-256-compare", "/v1/compare", '{"scenarios":[' + scenario(nested(256)) + "]}",
     "scenarios[0].overrides", "nested more than 8"),
    ("deep-lists", "/v1/scenarios", scenario('{"subsidies.remove":' + "[" * 300 + "]" * 300 + "}"),
     "overrides", "nested more than 8"),
    ("deep-just-over", "/v1/scenarios", scenario(nested(MAX_OVERRIDE_DEPTH + 1)), "overrides", "nested more than"),
    ("huge-site-value", "/v1/scenarios", scenario("{\"" + SITE + "\":" + HUGE + "}"), "overrides",
     "exceeds the limit of 1.798e+308"),
    ("huge-negative-site-value", "/v1/scenarios", scenario("{\"" + SITE + "\":-" + HUGE + "}"), "overrides",
     "exceeds the limit of 1.798e+308"),
    ("huge-nested-site-value", "/v1/compare",
     '{"scenarios":[' + scenario('{"sites":{"zhongwei":{"pue_fixed":' + HUGE + "}}}") + "]}",
     "scenarios[0].overrides", "exceeds the limit of 1.798e+308"),
    ("huge-default", "/v1/scenarios", scenario('{"defaults.discount_rate_fraction":' + HUGE + "}"), "overrides",
     "exceeds the limit"),
    ("huge-request-field", "/v1/scenarios", scenario('{"request.it_load_mw":' + HUGE + "}"), "overrides",
     "overrides.request.it_load_mw"),
    ("huge-subsidy-add", "/v1/scenarios",
     scenario('{"subsidies.add":[{"subsidy_id":"q","site":"yaan","kind":"capex","amount_yuan":' + HUGE + "}]}"),
     "overrides", "overrides.subsidies.add[0].amount_yuan"),
    ("infinity-override", "/v1/scenarios", scenario("{\"" + SITE + "\":Infinity}"), "overrides",
     "must be a finite number"),
    ("nan-override", "/v1/scenarios", scenario("{\"" + SITE + "\":NaN}"), "overrides", "must be a finite number"),
    ("huge-monte-carlo-bound", "/v1/scenarios",
     scenario("{}", ',"monte_carlo":{"samples":10,"parameters":{"' + SITE + '":{"distribution":"uniform",'
                    '"low":0,"high":' + HUGE + "}}}"),
     f"monte_carlo.parameters.{SITE}.uniform.high", "valid number"),
    ("huge-sensitivity-bound", "/v1/scenarios",
     scenario("{}", ',"sensitivity":{"parameters":{"' + SITE + '":{"low":0,"high":' + HUGE + "}}}"),
     f"sensitivity.parameters.{SITE}.high", "valid number"),
    ("huge-samples", "/v1/scenarios",
     scenario("{}", ',"monte_carlo":{"samples":' + HUGE + ',"parameters":{"' + SITE
                    + '":{"distribution":"uniform","low":0.2,"high":0.4}}}'), "monte_carlo.samples", "samples"),
    ("huge-it-load", "/v1/optimize", '{"request":{"it_load_mw":' + HUGE + "}}", "request.it_load_mw", "it_load_mw"),
    ("huge-time-limit", "/v1/optimize", '{"request":{},"time_limit_s":' + HUGE + "}", "time_limit_s",
     "time_limit_s"),
    ("infinite-time-limit", "/v1/optimize", '{"request":{},"time_limit_s":Infinity}', "time_limit_s",
     "time_limit_s"),
    ("huge-robust-seed", "/v1/optimize", '{"request":{},"robust":{"samples":5,"seed":' + HUGE + "}}",
     "robust.seed", "seed"),
    ("huge-pareto-points", "/v1/pareto", '{"request":{},"points":' + HUGE + "}", "points", "points"),
    ("huge-stage-years", "/v1/stage", '{"request":{},"years":' + HUGE + "}", "years", "years"),
    ("huge-classic-p", "/v1/classic", '{"request":{},"p":' + HUGE + "}", "p", "p"),
    ("huge-job-time-limit", "/v1/requests", '{"request":{},"time_limit_s":' + HUGE + "}", "time_limit_s",
     "time_limit_s"),
    ("bool-time-limit", "/v1/optimize", '{"request":{},"time_limit_s":true}', "time_limit_s", "time_limit_s"),
    ("deep-json-body", "/v1/optimize", "[" * 100_000 + "]" * 100_000, "body", "body"),
]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = make_settings(sqlite_url(tmp_path_factory.mktemp("bad-bodies")), sync_time_limit_s=2.0)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        client.headers.update(new_key(client, "campaign"))
        yield client


@pytest.mark.parametrize(("route", "body", "field", "text"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_bad_body_gets_a_422_naming_the_field(api: TestClient, route: str, body: str, field: str,
                                                text: str) -> None:
    r = api.post(route, content=body.encode(), headers={"Content-Type": "application/json"})
    assert r.status_code == 422, (r.status_code, r.text[:500])
    error = r.json()["error"]
    assert error["field"] == field, error
    assert text in error["message"], error
    assert len(json.dumps(error)) < 2000  # the value is described, not echoed
