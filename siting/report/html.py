"""A self-contained HTML report of a request: ranking, optimal allocation, charts and a map.

One file with the charts embedded as base64 PNG (matplotlib, Agg) and no external assets,
so it can be mailed or archived and opens offline.  The map is drawn from the catalog's
WGS84 coordinates (equirectangular, longitude scaled by cos(35 deg)); there is no base map
because nothing may be fetched at run time.
"""

from __future__ import annotations

import base64
import html
import io
import math
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
    ax.set_xlim(72, 135)
    ax.set_ylim(0, 54)
    ax.set_xlabel("longitude [deg E]")
    ax.set_ylabel("latitude [deg N]")
    ax.set_title("Sites, demand centres and the optimal allocation")
    ax.legend(fontsize=7, loc="lower left")
    return _png(fig)


def _table(df: pd.DataFrame, formats: dict[str, str]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in [df.index.name or "", *df.columns])
    rows = []
    for idx, r in df.iterrows():
        cells = [f"<td>{html.escape(str(idx))}</td>"]
        for col in df.columns:
            v = r[col]
            fmt = formats.get(col)
            text = "-" if v is None or (isinstance(v, float) and np.isnan(v)) else (
                format(v, fmt) if fmt and isinstance(v, int | float) else str(v))
            cells.append(f"<td>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


_CSS = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
table{border-collapse:collapse;font-size:13px;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 7px;
text-align:right}td:first-child,th:first-child{text-align:left}th{background:#f0f0f0}
img{max-width:100%}.note{color:#555;font-size:13px}li{margin:.2em 0}"""


def _rests_on(catalog: Catalog, request: SiteRequest, ranking: pd.DataFrame,
              result: OptimizationResult | None) -> str:
    """What the answer rests on: packages applied, the share of cost on assumption values, sites that cannot
    host the request alone and why (latency SLA, capacity by year, residency, PUE cap)."""
    from siting.analysis.robust import cost_on_assumptions

    items = []
    if request.packages:
        for pid in request.packages:
            pkg = catalog.packages[pid]
            items.append(f"Package applied: <b>{html.escape(pid)}</b> ({html.escape(pkg.kind.replace('_', ' '))}, "
                         f"{pkg.year}, {html.escape(pkg.source)}): {html.escape(pkg.summary())}. Conditions: "
                         f"{html.escape(pkg.conditions)}")
    else:
        items.append("No negotiated deal or policy package: every site at its published tariff "
                     "(see <code>siting packages</code> for what could be opted into).")
    if result is not None and result.objective_yuan_per_year is not None:
        share, names = cost_on_assumptions(catalog, request, result.cost_breakdown)
        items.append(f"{100 * share:.0f} % of the recommended plan's cost is computed from catalog values that are "
                     "assumptions" + (f" ({html.escape(', '.join(names))})" if names else "") +
                     "; each has a range in the catalog, and <code>siting optimize --robust N</code> re-solves "
                     "over them.")
    if "feasible_alone" in ranking.columns:
        for site, r in ranking.iterrows():
            if not r["feasible_alone"]:
                items.append(f"{html.escape(str(site))} cannot host the request alone: "
                             f"{html.escape('; '.join(r['flags']))}")
    return "<h2>What this answer rests on</h2><ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def render_report(catalog: Catalog, request: SiteRequest, ranking: pd.DataFrame,
                  result: OptimizationResult | None) -> str:
    """The report as one HTML string."""
    rank_cols = {"levelised_cost_yuan_per_kw_month": ",.1f", "score": ".0f", "price_yuan_per_kwh": ".3f",
                 "pue": ".3f", "total_yuan_per_year": ",.0f", "bandwidth_net_yuan_per_year": ",.0f",
                 "emissions_t_per_year": ",.0f"}
    rt = ranking[["role", *rank_cols]]
    parts = [f"<h1>Site report: {html.escape(request.name)}</h1>",
             f"<p class=note>siting, {date.today().isoformat()}. {request.it_load_mw:g} MW of IT load, "
             f"{len(request.classes)} workload class(es), {request.cooling} cooling, carbon price "
             f"{request.carbon_price_yuan_per_t:g} yuan/t. Costs are annualised (yuan/yr) over the horizon; "
             "every input traces to a row of the catalog (sources below).</p>"]
    parts.append(_rests_on(catalog, request, ranking, result))
    if result is not None:
        parts.append(f"<h2>Recommendation: {result.status}</h2>")
        if result.objective_yuan_per_year is not None:
            parts.append(f"<p>Total {result.objective_yuan_per_year / _MIO:,.2f} million yuan/yr = "
                         f"{result.levelised_cost_yuan_per_kw_month:,.1f} yuan/kW/month at "
                         f"{', '.join(result.chosen_sites)}; emissions "
                         f"{(result.emissions_t_per_year or 0) / 1000:,.1f} ktCO2/yr.</p>")
            cb = (result.cost_breakdown / _MIO).round(3)
            cb.index.name = "site (million yuan/yr)"
            parts.append(_table(cb, {c: ",.2f" for c in cb.columns}))
            if not result.latency.empty:
                lat = result.latency.groupby("class").agg(demand_mw=("demand_mw", "sum"),
                                                          worst_rtt_ms=("max_rtt_ms", "max"))
                parts.append(_table(lat, {"demand_mw": ",.1f", "worst_rtt_ms": ".1f"}))
            if not result.energy_by_period.empty:
                e = result.energy_by_period.pivot_table(index=["site", "season"], columns="period",
                                                        values="energy_cost_yuan", aggfunc="sum", fill_value=0.0)
                e = e / _MIO
                e.columns = [f"{c.replace('_', ' ')} (M yuan/yr)" for c in e.columns]
                e.index = pd.Index([f"{site}, {season}" for site, season in e.index], name="site, season")
                parts.append("<h3>Energy cost by season and time-of-use period</h3><p class=note>Sites without a "
                             "provincial time-of-use table are priced flat; a class's flexible share is moved to "
                             "the cheapest hours.</p>")
                parts.append(_table(e, {c: ",.2f" for c in e.columns}))
            if not result.green_purchases.empty:
                g = result.green_purchases.set_index("site")
                parts.append("<h3>Renewable energy bought</h3>")
                parts.append(_table(g, {"mwh_per_year": ",.0f", "cost_yuan_per_year": ",.0f"}))
            if result.break_even is not None and not result.break_even.empty:
                items = []
                for r in result.break_even.to_dict("records"):
                    be = r.get("break_even_price_yuan_per_kwh")
                    txt = (f"enters below {be:.3f} yuan/kWh (now {r['price_yuan_per_kwh']:.3f})"
                           if be is not None and not pd.isna(be) else str(r.get("note", "does not enter")))
                    items.append(f"<li><b>{html.escape(str(r['site']))}</b>: {html.escape(txt)}</li>")
                parts.append("<h3>Sites not chosen: break-even (verified by re-solving)</h3><ul>"
                             + "".join(items) + "</ul>")
        else:
            parts.append("<ul>" + "".join(f"<li>{html.escape(f['message'])}</li>" for f in result.diagnosis)
                         + "</ul>")
    parts.append(f'<h2>Map</h2><img alt="map" src="data:image/png;base64,{map_chart(catalog, result, ranking)}">')
    parts.append("<h2>Every site hosting the whole request</h2>")
    parts.append(f'<img alt="ranking" src="data:image/png;base64,{ranking_chart(ranking)}">')
    parts.append(_table(rt, rank_cols))
    used = sorted(set(catalog.site_parameters[catalog.site_parameters["site"].isin(ranking.index)]["source"]))
    src = catalog.sources.set_index("key")
    items = []
    for key in used:
        if key in src.index:
            row: Any = src.loc[key]
            url = str(row.get("url") or "")
            link = f' <a href="{html.escape(url)}">{html.escape(url)}</a>' if url.startswith("http") else ""
            items.append(f"<li><b>{html.escape(key)}</b>: {html.escape(str(row['title']))}"
                         f" ({html.escape(str(row['publisher']))}, {html.escape(str(row['year']))}){link}</li>")
    parts.append("<h2>Sources of the site parameters</h2><ul>" + "".join(items) + "</ul>")
    body = "\n".join(parts)
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>siting report: "
            f"{html.escape(request.name)}</title><style>{_CSS}</style></head><body>{body}</body></html>")
