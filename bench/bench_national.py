"""Benchmark (c): a synthetic national instance, 300 candidate sites x 340 demand centres x 3 classes.

The instance is a seeded synthetic *catalog* (written as the same CSV tables as
``sites/`` and loaded through the validating loader), so the whole pipeline is
measured: load -> build_site_problem (PUE from 300 climates, 340 x 300 RTTs,
costs, subsidies) -> build the MILP -> HiGHS -> result tables.

- sites: 300 points spread over mainland China's data-centre provinces, with
  prices, climate, costs and capacities drawn around the shipped catalog's values;
- centres: 340 cities with log-normal populations;
- classes: interactive (<= 30 ms, 40 %), batch (50 %), cold storage (10 %);
- load: 5,000 MW, at most 40 % per site.

Reported: time per stage, total time, peak RSS, and the ratio of the total to
the bar (60 s, 4 GB).  The baseline in the same run is the PuLP reference build
of the same problem (``--pulp``; slow, off by default), else the time of the
HiGHS solve alone.

    python -m bench.bench_national [--seed 7] [--sites 300 --centres 340] [--pulp] [--smoke]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from siting import load_catalog, parse_request
from siting.data.catalog import default_catalog_dir
from siting.optimization.emit_highs import DirectModel
from siting.optimization.emit_pulp import solve_pulp, to_pulp
from siting.optimization.model import define
from siting.optimization.problem import build_site_problem
from siting.optimization.results import build_result

from .timing import peak_rss_mb, report

BAR_SECONDS = 60.0
BAR_MEMORY_MB = 4096.0
_PARAMS = {
    "electricity_price_list_yuan_per_kwh": (0.30, 0.75, "yuan/kWh"),
    "grid_emission_factor_t_per_mwh": (0.10, 0.90, "tCO2/MWh"),
    "renewable_share_fraction": (0.05, 0.85, "fraction"),
    "bandwidth_price_yuan_per_gbps_month": (15000, 40000, "yuan/(Gbps*month)"),
    "capex_yuan_per_mw": (35e6, 60e6, "yuan/MW"),
    "land_price_yuan_per_m2": (100, 3000, "yuan/m2"),
    "wage_yuan_per_year": (80000, 200000, "yuan/year"),
    "water_price_yuan_per_m3": (2.5, 7.0, "yuan/m3"),
    "available_capacity_mw": (20, 600, "MW"),
    "seismic_pga_g": (0.05, 0.3, "g"),
    "demand_charge_yuan_per_kw_month": (0.0, 45.0, "yuan/(kW*month)"),
}


def write_synthetic_catalog(directory: Path, n_sites: int, n_centres: int, seed: int) -> None:
    """Write a seeded synthetic catalog with the shipped schema, sources and defaults."""
    rng = np.random.default_rng(seed)
    src = default_catalog_dir()
    for name in ("schema.csv", "defaults.csv"):
        shutil.copy(src / name, directory / name)
    pd.DataFrame([{"key": "synthetic", "title": "Synthetic benchmark instance", "publisher": "siting bench",
                   "url": "", "year": 2026, "accessed": "", "note": f"seed {seed}"},
                  *pd.read_csv(src / "sources.csv", dtype=str, keep_default_na=False).to_dict("records")]
                 ).to_csv(directory / "sources.csv", index=False)
    lat = rng.uniform(22.0, 42.0, n_sites)
    lon = rng.uniform(100.0, 122.0, n_sites)
    ids = [f"s{j:03d}" for j in range(n_sites)]
    pd.DataFrame({"site": ids, "name_en": ids, "name_zh": ids, "province": "synthetic", "hub": "", "cluster": "",
                  "role": "western", "default_candidate": "true"}).to_csv(directory / "sites.csv", index=False)
    rows = []
    for j, s in enumerate(ids):
        rows.append((s, "lat_deg", lat[j], "deg"))
        rows.append((s, "lon_deg", lon[j], "deg"))
        for p, (lo, hi, unit) in _PARAMS.items():
            rows.append((s, p, rng.uniform(lo, hi), unit))
    sp = pd.DataFrame(rows, columns=["site", "parameter", "value", "unit"])
    sp["source"], sp["year"], sp["status"], sp["note"] = "synthetic", 2026, "assumption", "synthetic benchmark"
    sp.to_csv(directory / "site_parameters.csv", index=False)
    # climate: annual mean falls with latitude, amplitude grows with it
    month = np.arange(1, 13)
    clim = []
    for j, s in enumerate(ids):
        mean_annual = 28.0 - 0.6 * (lat[j] - 18.0) + rng.normal(0, 1.5)
        amp = 4.0 + 0.45 * (lat[j] - 18.0)
        tmean = mean_annual - amp * np.cos(2 * np.pi * (month - 1) / 12)
        span = rng.uniform(6, 13)
        rh = np.clip(rng.uniform(45, 80) + 8 * np.sin(2 * np.pi * (month - 4) / 12), 20, 95)
        for m in range(12):
            clim += [(s, m + 1, "temp_mean_c", tmean[m], "degC"), (s, m + 1, "temp_max_c", tmean[m] + span / 2, "degC"),
                     (s, m + 1, "temp_min_c", tmean[m] - span / 2, "degC"), (s, m + 1, "rh_pct", rh[m], "%")]
    cl = pd.DataFrame(clim, columns=["site", "month", "parameter", "value", "unit"])
    cl["source"], cl["year"], cl["status"], cl["note"] = "synthetic", 2026, "assumption", "synthetic benchmark"
    cl.to_csv(directory / "climate.csv", index=False)  # kept for reference; the engine reads the hours below
    # hourly weather: each synthetic site takes the typical year of the nearest shipped site (its series file is
    # copied once and shared), so PUE, tariffs and PV run on real hours as in the shipped catalog
    stations = pd.read_csv(src / "weather_stations.csv", dtype=str, keep_default_na=False)
    real = pd.read_csv(src / "site_parameters.csv", dtype=str, keep_default_na=False)
    real = real[real["parameter"].isin(["lat_deg", "lon_deg"])].pivot(index="site", columns="parameter",
                                                                       values="value").astype(float)
    (directory / "weather").mkdir(exist_ok=True)
    rows_w = []
    for j, s in enumerate(ids):
        d2 = (real["lat_deg"] - lat[j]) ** 2 + ((real["lon_deg"] - lon[j]) * np.cos(np.radians(lat[j]))) ** 2
        near = str(d2.idxmin())
        st = stations[stations["site"] == near].iloc[0].to_dict()
        if not (directory / "weather" / st["file"]).exists():
            shutil.copy(src / "weather" / st["file"], directory / "weather" / st["file"])
        rows_w.append({**st, "site": s, "source": "synthetic", "year": "2026", "status": "assumption",
                       "note": f"synthetic benchmark: the typical year of the nearest shipped site, {near}"})
    pd.DataFrame(rows_w).to_csv(directory / "weather_stations.csv", index=False)
    cids = [f"c{i:03d}" for i in range(n_centres)]
    regions = np.where(rng.uniform(size=n_centres) < 0.5, "east", "central")
    pd.DataFrame({"centre": cids, "name_en": cids, "name_zh": cids, "province": "synthetic", "region": regions}
                 ).to_csv(directory / "centres.csv", index=False)
    clat = rng.uniform(20.0, 45.0, n_centres)
    clon = rng.uniform(100.0, 125.0, n_centres)
    pop = np.clip(rng.lognormal(1.0, 0.8, n_centres), 0.2, 30)
    cp = pd.DataFrame(
        [(c, "lat_deg", clat[i], "deg") for i, c in enumerate(cids)]
        + [(c, "lon_deg", clon[i], "deg") for i, c in enumerate(cids)]
        + [(c, "population_million", pop[i], "million people") for i, c in enumerate(cids)],
        columns=["centre", "parameter", "value", "unit"])
    cp["source"], cp["year"], cp["status"], cp["note"] = "synthetic", 2026, "assumption", "synthetic benchmark"
    cp.to_csv(directory / "centre_parameters.csv", index=False)
    pd.DataFrame(columns=["subsidy_id", "site", "kind", "amount_yuan", "rate_fraction", "price_reduction_yuan_per_kwh",
                          "cap_yuan", "duration_years", "conditions", "requires", "package", "source", "year",
                          "status", "note"]).to_csv(directory / "subsidies.csv", index=False)
    pd.DataFrame(columns=["package_id", "title", "kind", "requires", "conditions", "source", "year", "status", "note"]
                 ).to_csv(directory / "packages.csv", index=False)
    pd.DataFrame(columns=["package_id", "site", "parameter", "value", "unit", "source", "year", "status", "note"]
                 ).to_csv(directory / "package_terms.csv", index=False)
    pd.DataFrame(columns=["province", "months", "period", "hours_per_day", "multiplier", "source", "year", "status",
                          "note"]).to_csv(directory / "tou_periods.csv", index=False)
    pd.DataFrame(columns=["site", "from_year", "value", "unit", "source", "year", "status", "note", "low", "high"]
                 ).to_csv(directory / "grid_capacity.csv", index=False)
    pd.DataFrame(columns=["option_id", "title", "kind", "price_basis", "scope", "price_yuan_per_mwh",
                          "max_share_of_grid_energy", "source", "year", "status", "note", "low", "high"]
                 ).to_csv(directory / "green_options.csv", index=False)


REQUEST = {
    "name": "national-5gw",
    "it_load_mw": 5000,
    "max_share_per_site": 0.4,
    "classes": [
        {"name": "interactive", "share_fraction": 0.4, "max_rtt_ms": 30, "egress_gbps_per_mw": 1.0},
        {"name": "batch", "share_fraction": 0.5, "egress_gbps_per_mw": 0.2},
        {"name": "cold_storage", "share_fraction": 0.1, "egress_gbps_per_mw": 0.05},
    ],
}


def main(argv: list[str] | None = None) -> dict[str, object]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sites", type=int, default=300)
    ap.add_argument("--centres", type=int, default=340)
    ap.add_argument("--pulp", action="store_true", help="also time the PuLP reference build + HiGHS solve")
    ap.add_argument("--smoke", action="store_true", help="30 sites x 40 centres, for CI")
    ap.add_argument("--time-limit", type=float, default=600.0)
    args = ap.parse_args(argv)
    n_sites, n_centres = (30, 40) if args.smoke else (args.sites, args.centres)
    request = {**REQUEST, "it_load_mw": 5000 * n_sites / 300}
    stages: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        write_synthetic_catalog(d, n_sites, n_centres, args.seed)
        t_start = time.perf_counter()
        catalog = load_catalog(d)
        stages["load_catalog_s"] = time.perf_counter() - t_start
    t0 = time.perf_counter()
    problem = build_site_problem(catalog, parse_request(request))
    stages["build_problem_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = DirectModel(problem)
    stages["build_model_s"] = time.perf_counter() - t0
    outcome, opened, alloc, subsidy = model.solve(time_limit_s=args.time_limit, mip_gap=1e-6)
    stages["solve_s"] = outcome.solve_seconds
    t0 = time.perf_counter()
    result = build_result(problem, outcome, opened, alloc, subsidy)
    stages["results_s"] = time.perf_counter() - t0
    total = time.perf_counter() - t_start
    K, I, J = problem.shape
    n_alloc = model.model.arrays.columns.n_alloc
    summary: dict[str, object] = {
        "benchmark": "national", "sites": J, "centres": I, "classes": K, "seed": args.seed,
        "allocation_variables": n_alloc, "status": outcome.status, "mip_gap": outcome.mip_gap,
        "objective_yuan_per_year": outcome.objective, "chosen_sites": len(result.chosen_sites),
        **{k: round(v, 3) for k, v in stages.items()},
        "total_s": round(total, 2), "peak_rss_mb": round(peak_rss_mb()),
        "bar_seconds": BAR_SECONDS, "bar_memory_mb": BAR_MEMORY_MB,
        "ratio_time_to_bar": round(total / BAR_SECONDS, 3),
        "ratio_memory_to_bar": round(peak_rss_mb() / BAR_MEMORY_MB, 3),
        "meets_bar": total <= BAR_SECONDS and peak_rss_mb() <= BAR_MEMORY_MB and outcome.status == "optimal",
    }
    if args.pulp:
        t0 = time.perf_counter()
        ref = solve_pulp(to_pulp(define(problem)), "highs", time_limit_s=args.time_limit, mip_gap=1e-6).outcome
        pulp_s = time.perf_counter() - t0
        summary["pulp_reference_s"] = round(pulp_s, 2)
        summary["pulp_objective_yuan_per_year"] = ref.objective
        summary["ratio_direct_to_pulp"] = round((stages["build_model_s"] + stages["solve_s"]) / pulp_s, 3)
    print(f"national {J} sites x {I} centres x {K} classes ({n_alloc:,} allocation variables): "
          f"{outcome.status} in {total:.1f} s total (solve {stages['solve_s']:.1f} s), "
          f"peak RSS {peak_rss_mb():.0f} MB; "
          f"{len(result.chosen_sites)} sites chosen; bars {BAR_SECONDS:.0f} s, {BAR_MEMORY_MB:.0f} MB")
    report(summary)
    return summary


if __name__ == "__main__":
    main()
