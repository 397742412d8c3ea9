"""Every route through the TestClient: sites, score, optimize, errors, limits, health."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from fastapi.testclient import TestClient

from .conftest import make_settings, new_key, running_client, sqlite_url

SMALL = {"name": "t", "it_load_mw": 20, "candidates": ["zhongwei", "guian", "yaan"]}


def assert_error(resp: object, status: int, code: str, field: str | None = None) -> dict[str, str]:
    assert resp.status_code == status, resp.text  # type: ignore[attr-defined]
    body = resp.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}
    assert body["error"]["code"] == code, body
    if field is not None:
        assert body["error"]["field"] == field, body
    return body["error"]


def test_healthz(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok" and r.json()["database"] == "sqlite"


def test_sites_geojson_with_units_and_sources(client: TestClient) -> None:
    r = client.get("/v1/sites")
    assert r.status_code == 200
    fc = r.json()
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) >= 4
    zw = next(f for f in fc["features"] if f["id"] == "zhongwei")
    assert zw["geometry"]["type"] == "Point"
    price = zw["properties"]["parameters"]["electricity_price_list_yuan_per_kwh"]
    assert {"value", "unit", "source", "year", "status", "low", "high"} <= set(price)
    # years are integers, and every assumption carries its range (an integrator samples from it)
    params = [p for f in fc["features"] for p in f["properties"]["parameters"].values()]
    assert all(isinstance(p["year"], int) for p in params)
    assumed = [p for p in params if p["status"] == "assumption"]
    assert assumed and all(p["low"] <= p["value"] <= p["high"] for p in assumed)
    land = zw["properties"]["parameters"]["land_price_yuan_per_m2"]
    assert (land["status"], land["low"], land["value"], land["high"]) == ("assumption", 60, 90, 150)


def test_site_by_id_and_unknown_id_is_404(client: TestClient) -> None:
    r = client.get("/v1/sites/yaan")
    assert r.status_code == 200 and r.json()["id"] == "yaan"
    err = assert_error(client.get("/v1/sites/atlantis"), 404, "not_found", "site_id")
    assert "atlantis" in err["message"]


def test_options_list_packages_and_green_options_with_where_offered(client: TestClient) -> None:
    """GET /v1/options (no key): every package and green option of the catalog, with provenance; on-site solar
    only where the catalog has sourced PV hours, the Ningxia PPA only in Ningxia."""
    import siting

    cat = siting.default_catalog()
    body = client.get("/v1/options").json()
    assert [p["package_id"] for p in body["packages"]] == list(cat.packages)
    green = {o["option_id"]: o for o in body["green_options"]}
    assert list(green) == list(cat.green_options)
    with_hours = [s for s in cat.site_ids if cat.has_irradiance(s)]
    assert green["onsite-pv"]["sites"] == with_hours and green["onsite-pv"]["price_yuan_per_mwh"] is None
    assert green["ppa-nx-pv"]["sites"] == list(cat.sites.index[cat.sites["province"] == "Ningxia"])
    assert green["gec"]["sites"] == cat.site_ids and green["gec"]["source"] == "nea-gec-2025-10"


def test_score_needs_a_key(client: TestClient) -> None:
    assert_error(client.post("/v1/score", json={}), 401, "unauthorized", "X-API-Key")
    assert_error(client.post("/v1/score", json={}, headers={"X-API-Key": "sk_nope"}), 401,
                 "unauthorized")


def test_score_cards_with_provenance(client: TestClient, key: dict[str, str]) -> None:
    r = client.post("/v1/score", json={"request": SMALL}, headers=key)
    assert r.status_code == 200, r.text
    sites = r.json()["sites"]
    assert [s["site"] for s in sites] and sorted(s["rank"] for s in sites) == [1, 2, 3]
    assert sites[0]["score"] == 100.0
    assert sites[0]["provenance"]["price"]["source"]
    assert r.json()["request"]["it_load_mw"] == 20
    bw = {s["site"]: s["provenance"]["bandwidth_price"] for s in sites}
    # Gui'an's bandwidth rests on the national carrier list only: an assumption, with that list as its range
    assert (bw["guian"]["status"], bw["guian"]["year"], bw["guian"]["low"], bw["guian"]["high"]) == (
        "assumption", 2026, 18000, 45000)


def test_flood_limit_over_http_flags_and_re_sites(client: TestClient, key: dict[str, str]) -> None:
    """classes[].min_flood_return_period_years over HTTP: the score card says why Zhongwei (20-year levees)
    is out, the optimisation leaves it out, and an impossible limit is an answer with a diagnosis naming the
    field (not an error)."""
    cls = {"name": "core", "share_fraction": 1.0, "demand_regions": ["east"], "min_flood_return_period_years": 50}
    request = {"candidates": ["zhongwei", "yaan", "chongqing"], "classes": [cls]}
    cards = {c["site"]: c for c in client.post("/v1/score", json={"request": request}, headers=key).json()["sites"]}
    assert cards["zhongwei"]["flags"] == [
        "core may not use it: flood protection 20-year < 50-year (zgslb-2018-zhongwei-levee, sourced)"]
    res = client.post("/v1/optimize", json={"request": request}, headers=key).json()["result"]
    assert res["status"] == "optimal" and "zhongwei" not in res["chosen_sites"]
    cls["min_flood_return_period_years"] = 500
    res = client.post("/v1/optimize", json={"request": request}, headers=key).json()["result"]
    assert res["status"] == "infeasible"
    assert res["diagnosis"][0]["field"] == "classes[0].min_flood_return_period_years"


def test_score_unknown_candidate_is_422_naming_it(client: TestClient, key: dict[str, str]) -> None:
    r = client.post("/v1/score", json={"request": {"candidates": ["zhongwei", "atlantis"]}},
                    headers=key)
    err = assert_error(r, 422, "unknown_id", "request.candidates[1]")
    assert "atlantis" in err["message"]


def test_engine_and_validation_errors_spell_fields_alike(client: TestClient, key: dict[str, str]) -> None:
    """A field is named from the body, list positions in brackets, whether pydantic or the engine found it."""
    cases = [({"classes": [{"name": "a", "share_fraction": 1, "max_pga_g": 3}]}, "request_invalid",
              "request.classes[0].max_pga_g"),
             ({"packages": ["nope"]}, "unknown_id", "request.packages[0]"),
             ({"green_options": ["gec", "nope"]}, "unknown_id", "request.green_options[1]"),
             ({"classes": [{"name": "a", "share_fraction": 1, "demand_regions": ["atlantis"]}]}, "request_invalid",
              "request.classes[0].demand_regions[0]")]
    for request, code, field in cases:
        for path in ("/v1/score", "/v1/optimize"):
            assert_error(client.post(path, json={"request": request}, headers=key), 422, code, field)


def test_validation_errors_name_field_value_and_limit(client: TestClient,
                                                      key: dict[str, str]) -> None:
    r = client.post("/v1/score", json={"request": {"it_load_mw": 6000}}, headers=key)
    err = assert_error(r, 422, "request_invalid", "request.it_load_mw")
    assert "6000" in err["message"] and "5000" in err["message"]
    assert_error(client.post("/v1/score", json={"request": {"bogus": 1}}, headers=key), 422,
                 "request_invalid", "request.bogus")
    r = client.post("/v1/score", content=b"{not json", headers={**key,
                                                                 "content-type": "application/json"})
    assert_error(r, 422, "request_invalid")
    r = client.post("/v1/score", content=b"\xff\xfe{", headers={**key,
                                                              "content-type": "application/json"})
    assert_error(r, 422, "request_invalid", "body")
    r = client.post("/v1/score", json={"request": {"classes": [
        {"name": "a", "share_fraction": 0.5}]}}, headers=key)
    assert "sum to 1" in assert_error(r, 422, "request_invalid")["message"]


def test_service_limits_are_explicit(tmp_path: Path) -> None:
    settings = make_settings(sqlite_url(tmp_path), max_candidates=2, sync_time_limit_s=5.0,
                             max_body_bytes=2048)
    with running_client(settings) as c:
        key = new_key(c)
        r = c.post("/v1/score", json={"request": SMALL}, headers=key)
        err = assert_error(r, 422, "limit_exceeded", "request.candidates")
        assert err["message"] == "request.candidates = 3 items exceeds the limit of 2 items"
        r = c.post("/v1/optimize", json={"request": {"candidates": ["yaan"]}, "time_limit_s": 50},
                   headers=key)
        err = assert_error(r, 422, "limit_exceeded", "time_limit_s")
        assert "50" in err["message"] and "5 s" in err["message"]
        big = {"request": {"name": "x" * 100, "eligibility": ["a" * 60] * 100}}
        err = assert_error(c.post("/v1/score", json=big, headers=key), 413, "body_too_large",
                           "body")
        assert "2048 bytes" in err["message"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted while streaming
            yield b'{"request": {"name": "'
            for _ in range(10):
                yield b"x" * 500
            yield b'"}}'

        r = c.post("/v1/score", content=chunks(), headers={**key,
                                                            "content-type": "application/json"})
        assert_error(r, 413, "body_too_large", "body")
        r = c.get("/v1/requests", params={"limit": 500}, headers=key)
        assert_error(r, 422, "request_invalid", "limit")  # the schema says le=100, as enforced
        assert "less than or equal to 100" in r.json()["error"]["message"]


def test_optimize_sync(client: TestClient, key: dict[str, str]) -> None:
    r = client.post("/v1/optimize", json={"request": SMALL, "time_limit_s": 5}, headers=key)
    assert r.status_code == 200, r.text
    res = r.json()["result"]
    assert res["status"] == "optimal" and res["chosen_sites"]
    assert res["objective_yuan_per_year"] > 0


def test_optimize_infeasible_is_an_answer_with_diagnosis(client: TestClient,
                                                         key: dict[str, str]) -> None:
    req = {**SMALL, "max_pue": 1.0001}
    r = client.post("/v1/optimize", json={"request": req}, headers=key)
    assert r.status_code == 200, r.text
    assert r.json()["result"]["status"] == "infeasible"
    assert r.json()["result"]["diagnosis"]


def test_unknown_route_and_method_use_the_error_format(client: TestClient) -> None:
    assert_error(client.get("/v1/nowhere"), 404, "not_found")
    assert_error(client.delete("/v1/sites"), 405, "method_not_allowed")


def test_openapi_has_examples_for_every_body(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            body = op.get("requestBody")
            if body is None:
                continue
            content = body["content"]["application/json"]
            schema = content["schema"]
            if "$ref" in schema:
                schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
            assert schema.get("examples") or content.get("examples"), (method, path)
    assert spec["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"


def test_truncated_json_names_the_body(client: TestClient, key: dict[str, str]) -> None:
    r = client.post("/v1/score", content=b'{"request":', headers={**key, "Content-Type": "application/json"})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["field"] == "body"
    assert "body is not valid JSON at character 11" in err["message"]


def test_non_finite_and_boolean_numbers_are_rejected(client: TestClient, key: dict[str, str]) -> None:
    for body, field in ((b'{"request": {"budget_yuan_per_year": Infinity}}', "request.budget_yuan_per_year"),
                        (b'{"request": {"it_load_mw": true}}', "request.it_load_mw"),
                        (b'{"request": {"classes": [{"name": "a", "share_fraction": 1, '
                         b'"demand_weights": {"shanghai": 1e308}}]}}', "request.classes[0].demand_weights.shanghai")):
        r = client.post("/v1/optimize", content=body, headers={**key, "Content-Type": "application/json"})
        assert r.status_code == 422, r.text
        assert r.json()["error"]["field"] == field
