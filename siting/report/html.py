"""A self-contained HTML report of a request: ranking, optimal allocation, charts and a map.

One file with the charts embedded as base64 PNG (matplotlib, Agg) and no external assets,
so it can be mailed or archived and opens offline.  The map is drawn from the catalog's
WGS84 coordinates (equirectangular, longitude scaled by cos(35 deg)) over the basemap shipped
in ``basemap/`` (Natural Earth 1:50m countries), the same the web page draws; nothing is fetched.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from siting.data.catalog import Catalog
from siting.data.request import SiteRequest
from siting.optimization.results import OptimizationResult

_MIO = 1e6
_ROLE_COLOUR = {"western": "#1b7837", "national_cluster": "#2166ac", "eastern_baseline": "#b2182b"}


def _png(fig: Figure) -> str:
    FigureCanvasAgg(fig)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _basemap() -> Any:
    """Natural Earth 1:50m countries shipped with the package (basemap/README.md), as a GeoDataFrame."""
    from importlib import resources

    import geopandas as gpd

    with resources.as_file(resources.files("siting.report").joinpath("basemap/east_asia_50m.geojson")) as path:
        return gpd.read_file(path)


def ranking_chart(ranking: pd.DataFrame) -> str:
    """Stacked horizontal bars of each site's levelised cost by component [yuan/(kW*month)]."""
    comps = ["energy", "capex", "land", "labour", "water", "bandwidth_net", "carbon", "fixed"]
    df = ranking.iloc[::-1]
    kw_month = df["levelised_cost_yuan_per_kw_month"] / df["total_yuan_per_year"]
    fig = Figure(figsize=(9, 0.38 * len(df) + 1.6))
    ax = fig.add_subplot()
    left = np.zeros(len(df))
    for c in comps:
        col = f"{c}_yuan_per_year"
        v = (df[col] * kw_month).to_numpy()
        ax.barh(df.index, v, left=left, label=c.replace("_net", " (net)"))
        left += v
    sub = (df["other_subsidies_yuan_per_year"] * kw_month).to_numpy()
    ax.barh(df.index, -sub, label="capex/energy subsidies")
    ax.set_xlabel("levelised cost [yuan per kW of IT per month]")
    ax.set_title("Cost of hosting the whole request at each site")
    ax.legend(fontsize=7, ncols=4, loc="lower center", bbox_to_anchor=(0.5, 1.06))
    return _png(fig)


def map_chart(catalog: Catalog, result: OptimizationResult | None, ranking: pd.DataFrame) -> str:
    """Sites (by role, chosen ones ringed), demand centres (area ~ population) and allocation lines."""
    fig = Figure(figsize=(8, 6.2))
    ax = fig.add_subplot()
    ax.set_facecolor("#dbe9f6")
    for geom in _basemap().geometry:
        for poly in getattr(geom, "geoms", [geom]):
            x, y = poly.exterior.xy
            ax.fill(x, y, facecolor="#f6f3ea", edgecolor="#8c959f", linewidth=0.5, zorder=0)
    c = catalog.centres
    ax.scatter(c["lon_deg"], c["lat_deg"], s=6 * c["population_million"], color="#999999", alpha=0.5,
               label="demand centres (area ~ population)")
    s = catalog.sites.loc[ranking.index]
    if result is not None and not result.allocation.empty:
        flows = result.allocation.groupby(["site", "centre"])["mw"].sum()
        top = flows.max()
        for (site, centre), mw in flows.items():
            if centre not in c.index:
                continue
            ax.plot([catalog.sites.at[site, "lon_deg"], c.at[centre, "lon_deg"]],
                    [catalog.sites.at[site, "lat_deg"], c.at[centre, "lat_deg"]],
                    color="#1b7837", alpha=0.25, linewidth=0.5 + 3 * mw / top)
    for role, colour in _ROLE_COLOUR.items():
        sel = s[s["role"] == role]
        ax.scatter(sel["lon_deg"], sel["lat_deg"], marker="s", s=40, color=colour, label=role.replace("_", " "))
    for site, row in s.iterrows():
        ax.annotate(str(site), (row["lon_deg"], row["lat_deg"]), fontsize=7, xytext=(3, 3),
                    textcoords="offset points")
    if result is not None:
        chosen = s.loc[[x for x in result.chosen_sites if x in s.index]]
        ax.scatter(chosen["lon_deg"], chosen["lat_deg"], s=220, facecolors="none", edgecolors="black",
                   linewidths=1.5, label="chosen")
    ax.set_aspect(1.0 / math.cos(math.radians(35.0)))
    ax.set_xlim(85, 128)
    ax.set_ylim(17, 50)
    ax.set_xlabel("longitude [deg E]")
    ax.set_ylabel("latitude [deg N]")
    ax.set_title("Sites, demand centres and the optimal allocation")
    ax.legend(fontsize=7, loc="lower left")
    return _png(fig)


_CSS = """body{font-family:system-ui,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2em auto;
max-width:1100px;color:#222;padding:0 1em;line-height:1.45}table{border-collapse:collapse;font-size:13px;margin:.6em 0}
td,th{border:1px solid #ccc;padding:3px 7px;text-align:right;white-space:nowrap}
td:first-child,th:first-child{text-align:left}
th{background:#f0f0f0}.scroll{overflow-x:auto;max-width:100%}img{max-width:100%}.note{color:#555;font-size:13px}
li{margin:.2em 0}tr.flagged td{color:#666}a{color:#0b5cad}table.rows td{text-align:left}"""

# the cost components of a plan, their human label and the catalog parameter each is priced from
_PLAN_COLUMNS = [("energy", "energy", "<price>"), ("capex", "capital", "capex_yuan_per_mw"),
                 ("land", "land", "land_price_yuan_per_m2"), ("labour", "labour", "wage_yuan_per_year"),
                 ("water", "water", "water_price_yuan_per_m3"), ("bandwidth", "bandwidth",
                                                                  "bandwidth_price_yuan_per_gbps_month"),
                 ("carbon", "carbon", "grid_emission_factor_t_per_mwh"), ("green", "renewables bought", None),
                 ("fixed", "fixed site cost", None), ("subsidies", "subsidies", None), ("total", "total", None)]


def _anchor(site: str, parameter: str) -> str:
    return f"row-{site}-{parameter}"


def _water_cell(catalog: Catalog, site: str, link: Callable[[str, str | None], str | None]) -> dict[str, Any]:
    """'yes' or 'no' (linked to its catalog row: named by a source, or derived from the province's water
    resources per person), 'not assessed' where the catalog has no row."""
    flag = catalog.site_value(site, "water_scarce_region")
    if not math.isfinite(flag):
        return {"text": "not assessed"}
    return {"text": "yes" if flag == 1.0 else "no", "href": link(site, "water_scarce_region")}


def _num(v: Any, digits: int) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    if round(float(v), digits) == 0:
        return f"{0.0:,.{digits}f}"  # never '-0.00'
    return f"{float(v):,.{digits}f}"


def frontier_chart(frontier: Any) -> str:
    """Cost against the second criterion, one point per non-dominated plan, the knee marked."""
    from siting.analysis.pareto import CRITERIA

    key, unit = CRITERIA[frontier.criterion]
    xs = [pt[key] for pt in frontier.points]
    ys = [pt["cost_yuan_per_year"] / _MIO for pt in frontier.points]
    fig = Figure(figsize=(7, 3.6))
    ax = fig.add_subplot()
    ax.plot(xs, ys, "-o", color="#1f77b4")
    for pt, x, y in zip(frontier.points, xs, ys, strict=True):
        ax.annotate("+".join(pt["sites_mw"]), (x, y), fontsize=7, xytext=(4, 4), textcoords="offset points")
        if pt["knee"]:
            ax.scatter([x], [y], s=160, facecolors="none", edgecolors="black", linewidths=1.5, label="knee")
    ax.set_xlabel(f"{'demand-weighted mean RTT' if frontier.criterion == 'rtt' else frontier.criterion} [{unit}]")
    ax.set_ylabel("annual cost [million yuan]")
    ax.set_title("Trade-off frontier: every point is an optimal plan (epsilon-constraint)")
    if any(pt["knee"] for pt in frontier.points):
        ax.legend(fontsize=8)
    return _png(fig)


def render_report(catalog: Catalog, request: SiteRequest, ranking: pd.DataFrame,
                  result: OptimizationResult | None, robust: Any | None = None, frontier: Any | None = None,
                  classic: Any | None = None, staged: Any | None = None) -> str:
    """The report as one HTML string (Jinja2 template ``templates/report.html.j2``).

    Structure: the story (siting.analysis.explain: question, answer, why, how sure, what would change
    it, what it rests on) with the plan's tables under the answer; every site hosting the request
    alone; the map; the catalog rows behind the tables (each number links to its row, each row to
    its source); the sources.
    """
    import jinja2

    import siting
    from siting.analysis.explain import Section
    from siting.analysis.explain import explain as tell_story
    from siting.analysis.site_facts import site_weather
    from siting.optimization.problem import effective_price_parameter

    packaged = catalog.with_packages(request.packages)
    params = packaged.site_parameters
    have = {(r["site"], r["parameter"]) for r in params.to_dict("records")}

    def link(site: str, parameter: str | None) -> str | None:
        if parameter == "<price>":
            parameter = effective_price_parameter(packaged.sites.loc[site], request)
        return f"#{_anchor(site, parameter)}" if parameter and (site, parameter) in have else None

    story: list[Section] = tell_story(result, request, catalog, robust) if result is not None else []
    plan = latency = energy = green = None
    cells: list[dict[str, str | None]]
    if result is not None and result.objective_yuan_per_year is not None:
        cb = result.cost_breakdown
        rows = []
        for site in result.chosen_sites:
            r = result.sites.loc[site]
            cells = [{"text": _num(r["it_mw"], 1)}, {"text": _num(r["pue"], 3)}]
            cells += [{"text": _num(float(cb.at[site, c]) / _MIO if c in cb.columns else 0.0, 2),
                       "href": link(site, prm)} for c, _, prm in _PLAN_COLUMNS]
            cells.append({"text": _num(r["levelised_cost_yuan_per_kw_month"], 1)})
            rows.append({"site": site, "cells": cells})
        plan = {"labels": ["IT load [MW]", "PUE", *[label for _, label, _ in _PLAN_COLUMNS], "yuan per kW-month"],
                "rows": rows}
        if not result.latency.empty:
            lat = result.latency.groupby("class", sort=False).agg(
                demand_mw=("demand_mw", "sum"), worst=("max_rtt_ms", "max"), limit=("limit_ms", "first"))
            latency = {"head": ["class", "demand [MW]", "worst RTT [ms]", "limit [ms]"],
                       "rows": [[cls, _num(r["demand_mw"], 1), _num(r["worst"], 1), _num(r["limit"], 0)]
                                for cls, r in lat.iterrows()]}
        if not result.energy_by_period.empty:
            e = result.energy_by_period.pivot_table(index=["site", "season"], columns="period",
                                                    values="energy_cost_yuan", aggfunc="sum", fill_value=0.0,
                                                    sort=False)
            energy = {"head": ["site, season", *[str(c).replace("_", " ") for c in e.columns]],
                      "rows": [[f"{site}, {season}", *[_num(v / _MIO, 2) for v in r]] for (site, season), r in
                               e.iterrows()]}
        if not result.green_purchases.empty:
            green = {"head": ["site", "option", "MWh per year", "yuan per MWh", "paid, M yuan/yr",
                              "grid energy replaced, M yuan/yr", "net, M yuan/yr"],
                     "rows": [[r["site"], r["option"], _num(r["mwh_per_year"], 0), _num(r["price_yuan_per_mwh"], 1),
                               _num(r["cost_yuan_per_year"] / _MIO, 2),
                               _num(r["grid_energy_avoided_yuan_per_year"] / _MIO, 2),
                               _num(r["net_cost_yuan_per_year"] / _MIO, 2)]
                              for r in result.green_purchases.to_dict("records")]}

    first = request.classes[0].name if request.classes else None
    rank_head = ["site", "role", "can host alone", "yuan per kW-month", "score", "price [yuan/kWh]", "PUE",
                 "capacity [MW]", "seismic PGA [g]", "flood protection [years]", "water-scarce region",
                 "total [M yuan/yr]",
                 "emissions [ktCO2/yr]"]
    if first is not None:
        rank_head += [f"mean RTT {first} [ms]", f"{first} demand within its limit"]
    rank_rows = []
    for site, r in ranking.iterrows():
        site = str(site)
        cells = [{"text": f"{site} {r['name_zh']}"}, {"text": str(r["role"]).replace("_", " ")},
                 {"text": "yes" if r["feasible_alone"] else "no"},
                 {"text": _num(r["levelised_cost_yuan_per_kw_month"], 1)}, {"text": _num(r["score"], 0)},
                 {"text": _num(r["price_yuan_per_kwh"], 3), "href": link(site, "<price>")},
                 {"text": _num(r["pue"], 3)},
                 {"text": _num(r["available_capacity_mw"], 0), "href": link(site, "available_capacity_mw")},
                 {"text": _num(catalog.site_value(site, "seismic_pga_g"), 2), "href": link(site, "seismic_pga_g")},
                 {"text": _num(catalog.site_value(site, "flood_protection_return_period_years"), 0),
                  "href": link(site, "flood_protection_return_period_years")},
                 _water_cell(catalog, site, link),
                 {"text": _num(r["total_yuan_per_year"] / _MIO, 1)}, {"text": _num(r["emissions_t_per_year"] / 1e3, 1)}]
        if first is not None:
            cells += [{"text": _num(r.get(f"rtt_mean_ms[{first}]"), 1)},
                      {"text": f"{100 * float(r.get(f'within_sla_share[{first}]', float('nan'))):.0f} %"}]
        rank_rows.append({"alone": bool(r["feasible_alone"]), "cells": cells})
    not_alone = [f"{s} cannot host the request alone: {'; '.join(r['flags'])}" for s, r in ranking.iterrows()
                 if not r["feasible_alone"]]

    src = catalog.sources.set_index("key")
    shown = params[params["site"].isin(ranking.index)].sort_values(["site", "parameter"])
    rows_ctx = []
    used: list[str] = []
    for r in shown.to_dict("records"):
        key = str(r["source"])
        if key in src.index and key not in used:
            used.append(key)
        low, high = r.get("low"), r.get("high")
        rng = (f"{_fmt_value(low)} to {_fmt_value(high)}" if _finite(low) and _finite(high) else "")
        rows_ctx.append({"anchor": _anchor(str(r["site"]), str(r["parameter"])), "site": r["site"],
                         "parameter": str(r["parameter"]).replace("_", " "), "value": _fmt_value(r["value"]),
                         "unit": r["unit"], "status": r["status"], "range": rng, "year": _fmt_year(r["year"]),
                         "source": key, "source_href": f"#source-{key}" if key in src.index else None})
    # the weather behind every PUE: station, distance, correction, annual and worst-hour PUE, PV yield
    weather = site_weather(request.cooling, catalog).loc[list(ranking.index)]
    stations = catalog.climate.set_index("site")
    weather_rows = []
    for site, w in weather.iterrows():
        key = str(stations.at[site, "source"]) if site in stations.index else ""
        if key in src.index and key not in used:
            used.append(key)
        weather_rows.append([
            {"text": str(site)},
            {"text": f"{w['station']} ({w['wmo']})" if w["station"] else "-",
             "href": f"#source-{key}" if key in src.index else None},
            {"text": _num(w["distance_km"], 0)}, {"text": _num(w["drybulb_correction_k"], 2)},
            {"text": _num(w[f"pue_annual_{request.cooling}"], 3)}, {"text": _num(w[f"pue_peak_{request.cooling}"], 3)},
            {"text": _num(w["pv_yield_kwh_per_kwp_year"], 0)}])
    sources = []
    for key in sorted(used):
        row: Any = src.loc[key]
        url = str(row.get("url") or "")
        sources.append({"anchor": f"source-{key}", "key": key, "title": row["title"], "publisher": row["publisher"],
                        "year": row["year"], "url": url if url.startswith(("http://", "https://")) else "",
                        "note": "" if pd.isna(row.get("note")) else str(row.get("note"))})

    trade = None
    if frontier is not None and frontier.points:
        from siting.analysis.pareto import CRITERIA

        key, unit = CRITERIA[frontier.criterion]
        label = "mean RTT" if frontier.criterion == "rtt" else frontier.criterion
        trade = {"criterion": label, "unit": unit, "png": frontier_chart(frontier),
                 "head": ["annual cost [M yuan]", f"{label} [{unit}]", "sites (MW)", ""],
                 "rows": [[_num(pt["cost_yuan_per_year"] / _MIO, 2), _num(pt[key], 1),
                           ", ".join(f"{s} {mw:.1f}" for s, mw in pt["sites_mw"].items()),
                           "knee" if pt["knee"] else ""] for pt in frontier.points]}
    classic_ctx = None
    if classic is not None and classic.rows:
        classic_ctx = {"p": classic.p, "radius": _num(classic.radius_ms, 0) if classic.radius_ms else "-",
                       "head": ["view", "sites", "mean RTT [ms]", "worst RTT [ms]", "demand within radius",
                                "annual cost [M yuan]"],
                       "rows": [[r.view, " + ".join(r.sites), _num(r.mean_rtt_ms, 1), _num(r.worst_rtt_ms, 1),
                                 f"{100 * r.covered_fraction:.0f} %" if _finite(r.covered_fraction) else "-",
                                 _num(r.cost_yuan_per_year / _MIO, 2) if r.cost_yuan_per_year is not None
                                 else r.cost_status.replace("_", " ")] for r in classic.rows]}
    staged_ctx = None
    if staged is not None and staged.pv_cost_yuan is not None:
        used = [s for s in staged.sites if staged.open_year[s] is not None]
        staged_ctx = {
            # built_mw is the IT capacity in place each year; what was built that year is its increase
            "head": ["year", "load [MW]", *[h for s in used for h in (f"{s} built this year [MW]",
                                                                       f"{s} capacity [MW]")],
                     "capital", "operating", "subsidies", "revenue", "net", "cumulative"],
            "rows": [[str(int(cf["year"])), _num(cf["load_mw"], 0),
                      *[c for s in used for c in (
                          _num(staged.built_mw[s][n] - (staged.built_mw[s][n - 1] if n else 0.0), 0),
                          _num(staged.built_mw[s][n], 0))],
                      *[_num(cf[c] / _MIO, 0) for c in ("capex_yuan", "opex_yuan", "subsidies_yuan", "revenue_yuan",
                                                          "net_yuan", "cumulative_yuan")]]
                     for n, cf in enumerate(staged.cash_flows)],
            "summary": (f"Sites open: {', '.join(f'{s} in {staged.open_year[s]}' for s in used)}. Present value of "
                        f"all costs {staged.pv_cost_yuan / _MIO:,.1f} million yuan at "
                        f"{100 * staged.discount_rate_fraction:.0f} %."
                        + (f" NPV {staged.npv_yuan / _MIO:,.1f} million yuan, IRR "
                           + (f"{100 * staged.irr_fraction:.1f} %" if staged.irr_fraction is not None else "none")
                           + f", payback {staged.payback_year or 'not within the plan'}, {staged.years_in_loss} "
                             "year(s) in cumulative loss." if staged.npv_yuan is not None else
                           " No revenue price was given, so no NPV or payback (siting stage --price).")
                        + (f" The assets' value left at the end of the plan, {staged.residual_value_yuan / _MIO:,.1f}"
                           " million yuan (capital not yet recovered over the horizon), is credited in its last "
                           "year." if staged.residual_value_yuan else ""))}
    env = jinja2.Environment(loader=jinja2.PackageLoader("siting.report", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), trim_blocks=True,
                             lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    return env.get_template("report.html.j2").render(
        request=request, version=siting.__version__, today=date.today().isoformat(), css=_CSS, story=story,
        plan=plan, latency=latency, energy=energy, green=green, ranking={"head": rank_head, "rows": rank_rows},
        not_alone=not_alone, ranking_png=ranking_chart(ranking), map_png=map_chart(catalog, result, ranking),
        rows=rows_ctx, sources=sources, trade=trade, weather={"rows": weather_rows, "cooling": request.cooling},
        classic=classic_ctx, staged=staged_ctx)


def _finite(v: Any) -> bool:
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def _fmt_year(v: Any) -> str:
    return str(int(float(v))) if _finite(v) else str(v)


def _fmt_value(v: Any) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return f"{f:,.0f}" if abs(f) >= 1000 else f"{f:g}"
