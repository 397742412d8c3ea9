"""Command-line interface ``siting``: a thin layer over the Python API.

Tables for people (rich), ``--json`` / ``--csv`` for machines.  Domain errors
end with one line on stderr and exit code 2; no tracebacks for bad input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from siting.cli.lazy import LazyModule, lazy_function
from siting.cli.options import (
    NBSP,
    CatalogOpt,
    CsvOpt,
    GreenOpt,
    JsonOpt,
    PackageOpt,
    RequestOpt,
    SolverOpt,
    TimeLimitOpt,
    _catalog,
    _csv_out,
    _fmt,
    _json_default,
    _json_out,
    _records,
    _request,
    checked_solver,
    compact_table,
    console,
    domain_errors,
    err_console,
    packages_line,
    say,
    status_words,
    with_green,
    with_packages,
    writable_file,
    write_output,
)
from siting.cli.scenarios import register as register_scenarios
from siting.cli.service import register as register_service

# imported on first use (siting.cli.lazy): `siting --help` needs none of them
if TYPE_CHECKING:
    import pandas as pd

    from siting.analysis.explain import Section, assumption_share, leading
    from siting.analysis.explain import explain as tell_story
    from siting.analysis.scorecard import provenance_for, rank
    from siting.analysis.site_facts import site_weather
    from siting.data.request import SiteRequest, load_request
    from siting.optimization.optimize import optimize
    from siting.optimization.results import OptimizationResult
else:
    pd = LazyModule("pandas")
    assumption_share = lazy_function("siting.analysis.explain", "assumption_share")
    leading = lazy_function("siting.analysis.explain", "leading")
    tell_story = lazy_function("siting.analysis.explain", "explain")
    provenance_for = lazy_function("siting.analysis.scorecard", "provenance_for")
    rank = lazy_function("siting.analysis.scorecard", "rank")
    site_weather = lazy_function("siting.analysis.site_facts", "site_weather")
    load_request = lazy_function("siting.data.request", "load_request")
    optimize = lazy_function("siting.optimization.optimize", "optimize")

app = typer.Typer(
    help="Data-centre site selection for western China: rank sites, optimise requests, compare scenarios.\n\n"
         "Exit status: 0 success (an infeasible scenario in compare is a result; compare --strict makes it 1); "
         "1 no feasible plan (optimize, stage) or a runtime error; 2 a usage error (option, file or value).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: flags show as --x / --x/--no-x (the rich help labels them <bool>)
)


@app.callback()
def _main_options(
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars (on stderr)")] = False,
) -> None:
    """Options for every command (the exit statuses are in the app's help)."""
    from siting.analysis.execution import PROGRESS

    PROGRESS["enabled"] = not quiet
@app.command()
@domain_errors
def sites(
    catalog: CatalogOpt = None,
    geojson: Annotated[Path | None, typer.Option("--geojson", help="Write the catalog as GeoJSON to FILE ('-' for stdout)", callback=writable_file)] = None,  # noqa: E501
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
    cooling: Annotated[str, typer.Option("--cooling", help="Cooling technology of the PUE columns: airside, "
                                                           "waterside, chiller or liquid")] = "airside",
) -> None:
    """List the catalog's sites with their key numbers, weather station, PUE and PV yield (or write GeoJSON)."""
    from siting.models.pue import COOLING_TECHNOLOGIES

    if cooling not in COOLING_TECHNOLOGIES:
        raise typer.BadParameter(f"cooling = {cooling!r} is not one of {', '.join(COOLING_TECHNOLOGIES)}",
                                 param_hint="--cooling")
    cat = _catalog(catalog)
    if geojson is not None:
        text = json.dumps(cat.sites_geojson(), ensure_ascii=False, indent=1, default=_json_default)
        if str(geojson) == "-":
            sys.stdout.write(text + "\n")
        else:
            geojson.write_text(text, encoding="utf-8")
            err_console.print(f"wrote {len(cat.site_ids)} sites to {geojson}")
        return
    cols = ["name_en", "name_zh", "province", "role", "default_candidate", "lat_deg", "lon_deg",
            "electricity_price_list_yuan_per_kwh",
            "bandwidth_price_yuan_per_gbps_month", "grid_emission_factor_t_per_mwh", "available_capacity_mw"]
    df = pd.DataFrame(cat.sites[cols])
    if as_json or as_csv:
        df = df.join(site_weather(cooling, cat))
    if as_json:
        _json_out(_records(df))
        return
    if as_csv:
        sys.stdout.write(df.to_csv())
        return
    # 80 columns: the id whole (it is what requests name), the role as a letter, units in the footer
    t = compact_table(f"Site catalog ({len(df)} sites)")
    for c in ["site", "", "name", "province", "yuan/kWh", "bw", "tCO2/MWh", "MW"]:
        t.add_column(c, justify="left" if c in ("site", "", "name", "province") else "right",
                     no_wrap=True, max_width=None if c in ("site", "") else 12, overflow="ellipsis")
    for s, r in df.iterrows():
        t.add_row(
            str(s) + ("*" if r["default_candidate"] else ""), _ROLE_MARK.get(str(r["role"]), "?"),
            str(r["name_zh"]), r["province"], f"{r['electricity_price_list_yuan_per_kwh']:.3f}",
            _fmt(r["bandwidth_price_yuan_per_gbps_month"] / 1000, 0), _fmt(r["grid_emission_factor_t_per_mwh"], 3),
            _fmt(r["available_capacity_mw"]),
        )
    console.print(t)
    console.print("* default candidate.  W western candidate, N other national cluster, E eastern baseline.  "
                  "yuan/kWh = list electricity price (siting rank adds time of use and demand charges); bw = bandwidth "
                  "[thousand yuan per Gbps per month]; tCO2/MWh = grid emission factor; MW = IT capacity a new "
                  "project can obtain.  Sources: siting sites --json, sites/*.csv, or GET /v1/sites.",
                  highlight=False, markup=False)
    weather = site_weather(cooling, cat)
    w = compact_table(f"Weather (CSWD typical year, 8,760 hours) and PUE with {cooling} cooling")
    for c in ["site", "station", "km", "PUE", "peak", "PV kWh/kWp"]:
        w.add_column(c, justify="left" if c in ("site", "station") else "right", no_wrap=True)
    for s, r in weather.iterrows():
        w.add_row(str(s), str(r["station"] or "-"), _fmt(r["distance_km"], 0), _fmt(r[f"pue_annual_{cooling}"], 3),
                  _fmt(r[f"pue_peak_{cooling}"], 3), _fmt(r["pv_yield_kwh_per_kwp_year"], 0))
    console.print(w)
    console.print("km = station to site; PUE = annual mean over the hours, peak = the worst hour (dust days "
                  "included); PV = on-site fixed-tilt yield from the same hours (pvlib).  Stations, corrections and "
                  "sources: sites/weather_stations.csv; --cooling for another technology.", highlight=False)
    console.print("Negotiated deals and policy prices are opt-in packages: siting packages.")


@app.command("packages")
@domain_errors
def packages_cmd(catalog: CatalogOpt = None, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Negotiated deals and policy packages a request may opt into (request field `packages`)."""
    cat = _catalog(catalog)
    if as_json:
        _json_out([p.to_dict() for p in cat.packages.values()])
        return
    if as_csv:
        _csv_out([{k: v for k, v in p.to_dict().items() if k != "terms"} | {"changes": p.summary()}
                  for p in cat.packages.values()])
        return
    for p in cat.packages.values():
        say(f" ({p.kind.replace('_', ' ')}, {p.year}, {p.source}): {p.title}", bold=p.package_id, hang=4)
        say(f"changes: {p.summary()}", indent=2)
        say(f"conditions: {p.conditions}", indent=2)
        if p.requires:
            say(f"requires eligibility: {' or '.join(p.requires)}", indent=2)
    say("Apply with `packages: [id, ...]` in a request, or --package ID on rank and optimize.")


@app.command("green-options")
@domain_errors
def green_options_cmd(catalog: CatalogOpt = None, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Ways to buy or make renewable energy a request may use (request field `green_options`, --green)."""
    cat = _catalog(catalog)
    records = cat.green_option_records()
    if as_json:
        _json_out(records)
        return
    if as_csv:
        _csv_out(records)
        return
    for r in records:
        price = ("levelised cost at each site" if r["price_basis"] == "lcoe"
                 else f"{r['price_yuan_per_mwh']:g}{NBSP}yuan/MWh {r['price_basis']}")
        say(f" ({r['kind'].replace('_', ' ')}, {r['year']}, {r['source']}, {r['status']}): {r['title']}",
            bold=r["option_id"], hang=4)
        say(f"price: {price}; up to {100 * r['max_share_of_grid_energy']:g}{NBSP}% of a site's non-renewable energy",
            indent=2)
        say(f"offered at: {', '.join(r['sites']) or 'no site of the catalog'}", indent=2)
    say("Use with `green_options: [id, ...]` in a request, or --green ID on optimize.")


@app.command("rank")
@domain_errors
def rank_cmd(
    request: RequestOpt = None,
    catalog: CatalogOpt = None,
    candidates_only: Annotated[bool, typer.Option("--candidates-only", help="Rank only the request's candidates")] = False,  # noqa: E501
    package: PackageOpt = None,
    wide: Annotated[bool, typer.Option("--wide", help="Show the cost split (needs about 130 columns)")] = False,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Rank sites by levelised cost for a request (default: 20 MW, 30 % interactive <= 30 ms, east users)."""
    cat = _catalog(catalog)
    req = with_packages(_request(request), package)
    df = rank(req, cat, all_sites=False if candidates_only else None)
    if as_json:
        out = _records(df)
        for row in out:
            row["provenance"] = provenance_for(cat, str(row["site"]), req)
        applied = [cat.packages[p].to_dict() for p in req.packages]
        _json_out({"request": req.model_dump(mode="json"), "packages": applied, "sites": out})
        return
    if as_csv:
        sys.stdout.write(df.to_csv())
        return
    _print_rank(df, req, wide)
    if req.measured_rtt_ms:
        pairs = sum(len(v) for v in req.measured_rtt_ms.values())
        say(f"Measured RTTs replace the modelled ones for {pairs} site-centre pair(s): "
            f"{req.measured_rtt_source or 'source not given'}")
    console.print(packages_line([cat.packages[p].to_dict() for p in req.packages]), highlight=False)


_ROLE_MARK = {"western": "W", "national_cluster": "N", "eastern_baseline": "E"}


def _print_rank(df: pd.DataFrame, req: SiteRequest, wide: bool = False) -> None:
    """The ranking as a table at 80 columns (costs in one column); ``wide`` adds a second table, also within
    80 columns, with each site's cost split in million yuan a year."""
    first = req.classes[0]
    t = compact_table(f"Sites ranked for '{req.name}': {req.it_load_mw:g} MW IT, {req.cooling} cooling; "
                      "cost in yuan per kW of IT per month")
    heads = ["#", "site", "", "cost", "score", "yuan/kWh", "PUE", "RTT ms", "SLA", "alone"]
    for h in heads:
        t.add_column(h, justify="left" if h in ("site", "", "alone") else "right", no_wrap=True)
    for s, r in df.iterrows():
        row = [str(int(r["rank"])), str(s), _ROLE_MARK.get(str(r["role"]), "?"),
               _fmt(r["levelised_cost_yuan_per_kw_month"], 1), _fmt(r["score"], 0),
               _fmt(r["price_yuan_per_kwh"], 3), _fmt(r["pue"], 3)]
        row += [f"{_fmt(r.get(f'rtt_mean_ms[{first.name}]'), 1)}/{_fmt(r.get(f'rtt_max_ms[{first.name}]'), 0)}",
                f"{100 * r.get(f'within_sla_share[{first.name}]', float('nan')):.0f}%",
                "yes" if r["feasible_alone"] else "[bold]no[/]"]
        t.add_row(*row)
    if wide:
        console.print(t)
        mio = 1e6
        t = compact_table("Cost split of each site hosting the whole request, million yuan/yr")
        for h in ["site", "energy", "capex", "other", "bw net", "carbon", "total", "ktCO2/yr"]:
            t.add_column(h, justify="left" if h == "site" else "right", no_wrap=True)
        for s, r in df.iterrows():
            other = r["land_yuan_per_year"] + r["labour_yuan_per_year"] + r["water_yuan_per_year"]
            other += r["fixed_yuan_per_year"] - r["other_subsidies_yuan_per_year"]
            t.add_row(str(s), _fmt(r["energy_yuan_per_year"] / mio, 1), _fmt(r["capex_yuan_per_year"] / mio, 1),
                      _fmt(other / mio, 1), _fmt(r["bandwidth_net_yuan_per_year"] / mio, 2),
                      _fmt(r["carbon_yuan_per_year"] / mio, 1), _fmt(r["total_yuan_per_year"] / mio, 1),
                      _fmt(r.get("emissions_t_per_year", float("nan")) / 1000, 1))
    console.print(t)
    limit = f"{first.max_rtt_ms:g} ms" if first.max_rtt_ms is not None else "no limit"
    if first.max_rtt_ms is not None and first.service_level_fraction < 1.0:
        limit += f" (service level {100 * first.service_level_fraction:g} %)"
    not_alone = [(s, r["flags"]) for s, r in df.iterrows() if not r["feasible_alone"]]
    for s, flags in not_alone:
        # a hanging indent keeps each site's reason one block at 80 columns
        say(f"{s} cannot host the request alone: {'; '.join(flags)}", indent=2)
    say("W western candidate, N other national cluster, E eastern baseline.  Sites that can host the whole "
        "request alone (alone = yes: latency, capacity, residency, PUE cap) come first, then those that cannot, "
        "each by cost.  cost = annual cost / (kW IT x 12); score = 100 x the cheapest site's cost / this "
        "site's; yuan/kWh all in (demand charge at the load factor).  "
        f"RTT = demand-weighted mean/worst of class {first.name}; SLA = share of its demand within "
        f"{limit.replace(' ', NBSP)}.  "
        + ("other = land + labour + water + fixed - energy/capex subsidies (M yuan/yr).  " if wide else
           "Cost split: --wide.  ")
        + "Every number traces to a catalog row: siting rank --json.", hang=0)


@app.command("optimize")
@domain_errors
def optimize_cmd(
    request: Annotated[Path, typer.Argument(help="Request file (YAML or JSON)")],
    catalog: CatalogOpt = None,
    solver: Annotated[str, typer.Option(help="highs (default) or cbc")] = "highs",
    time_limit: Annotated[float | None, typer.Option("--time-limit", help="Solver time limit [s]", min=0.01)] = None,  # noqa: E501
    explain: Annotated[bool, typer.Option("--explain/--no-explain", help="Shadow prices and break-evens")] = True,  # noqa: E501
    explain_time_limit: Annotated[float, typer.Option(
        "--explain-time-limit", min=0.1, help="Time budget of all break-even re-solves together [s]")] = 30.0,
    package: PackageOpt = None,
    green: GreenOpt = None,
    robust_samples: Annotated[int, typer.Option(
        "--robust", min=0, max=20_000, help="Re-solve over N samples of the catalog's ranges (0: off)")] = 200,
    as_json: JsonOpt = False,
    as_csv: Annotated[bool, typer.Option(
        "--csv", help="The per-site table as CSV on stdout (nothing else printed), as --csv on every command")] = False,
    csv_out: Annotated[Path | None, typer.Option(
        "--csv-file", help="Write the per-site table as CSV to FILE", callback=writable_file)] = None,
    xlsx_out: Annotated[Path | None, typer.Option(
        "--xlsx", help="Write every table (sites, allocation, latency, energy, explanation) as XLSX to FILE",
        callback=writable_file)] = None,
    geojson_out: Annotated[Path | None, typer.Option(
        "--geojson", help="Write sites and allocation lines as flat GeoJSON to FILE ('-': stdout)",
        callback=writable_file)] = None,
) -> None:
    """Choose sites and allocate load for a request, exactly (MILP, HiGHS), with explanations and robustness."""
    if solver not in ("highs", "cbc"):
        raise typer.BadParameter(f"solver = {solver!r} is not one of highs, cbc", param_hint="--solver")
    cat = _catalog(catalog)
    req = with_green(with_packages(load_request(request), package), green)
    result = optimize(req, cat, solver=solver, time_limit_s=time_limit, explain=explain,  # type: ignore[arg-type]
                      explain_time_limit_s=explain_time_limit)
    robust_result = None
    ok = result.status in ("optimal", "time_limit")
    if ok and robust_samples > 0:
        from siting.analysis.execution import rich_progress
        from siting.analysis.robust import robust

        bar, advance = rich_progress(robust_samples, "how sure: re-solving over the catalog's ranges")
        with bar:
            robust_result = robust(req, cat, samples=robust_samples, solver=solver,  # type: ignore[arg-type]
                                   progress=advance)
    story = tell_story(result, req, cat, robust_result)
    if as_csv:
        csv_out = Path("-")
    to_stdout = [o for o in (csv_out, geojson_out) if o is not None and str(o) == "-"]
    if len(to_stdout) + bool(as_json) > 1:
        raise typer.BadParameter("only one of --json, --csv, --geojson - may write to stdout", param_hint="--csv")
    if ok and (csv_out or xlsx_out or geojson_out):
        _write_exports(result, cat, story, csv_out, xlsx_out, geojson_out)
    if to_stdout:
        pass  # the document went to stdout; nothing else may
    elif as_json:
        out = {"request": req.model_dump(mode="json"), "result": result.to_dict(),
               "explanation": [s.to_dict() for s in story]}
        if ok:
            share, names = assumption_share(result, req, cat)
            out["cost_on_assumptions"] = {"share": share, "values": names}
            out["leading_inputs"] = leading(result, req, cat)
        if robust_result is not None:
            out["robust"] = robust_result.to_dict()
        _json_out(out)
    else:
        print_result(result, req)
        print_story(story)
    if result.status not in ("optimal", "time_limit"):
        raise typer.Exit(1)


def print_result(result: OptimizationResult, req: SiteRequest) -> None:
    """Human summary of an optimisation result."""
    say(f": {req.it_load_mw:g}{NBSP}MW IT, {len(req.classes)} class(es), {req.cooling} cooling -> "
        f"{status_words(result.status)} ({result.solver}, {result.solve_seconds * 1000:.0f}{NBSP}ms)", bold=req.name)
    if req.measured_rtt_ms:
        pairs = sum(len(v) for v in req.measured_rtt_ms.values())
        say(f"Measured RTTs replace the modelled ones for {pairs} site-centre pair(s) "
            f"({', '.join(req.measured_rtt_ms)}): {req.measured_rtt_source or 'source not given'}", indent=2)
    if result.status not in ("optimal", "time_limit"):
        return
    assert result.objective_yuan_per_year is not None
    # one space between columns so that 200+ MW plans (four-digit costs) fit 80 columns untruncated
    t = compact_table("Chosen sites: cost in million yuan/yr", padding=(0, 0))
    cb = result.cost_breakdown
    grouped = {"energy": ["energy"], "capex": ["capex"], "other": ["land", "labour", "water", "fixed"],
               "bw": ["bandwidth"], "carbon": ["carbon"], "subs": ["subsidies"]}
    for h in ["site", "MW", "PUE", *grouped, "total", "/kW/mo"]:
        t.add_column(h, justify="left" if h == "site" else "right", no_wrap=True)
    for s in result.chosen_sites:
        r = result.sites.loc[s]
        parts = [sum(float(cb.at[s, c]) for c in cs if c in cb.columns) / 1e6 for cs in grouped.values()]
        t.add_row(s, _fmt(r["it_mw"], 1), _fmt(r.get("pue"), 3), *[_fmt(v, 1) for v in parts],
                  _fmt(cb.at[s, "total"] / 1e6, 1), _fmt(r["levelised_cost_yuan_per_kw_month"], 1))
    console.print(t)
    say("other = land + labour + water + fixed site cost; bw = bandwidth; subs = subsidies; "
        "/kW/mo = yuan per kW of IT per month; the full split: --json", hang=0)
    if not result.latency.empty:
        lat = result.latency
        t2 = compact_table("Latency by class (demand-weighted over centres, ms)")
        for h in ["class", "MW", "mean", "worst", "at", "limit", "sites used (MW)"]:
            t2.add_column(h, justify="left" if h in ("class", "at", "sites used (MW)") else "right")
        for cls, g in lat.groupby("class", sort=False):
            w = g["demand_mw"]
            worst = g.loc[g["max_rtt_ms"].idxmax()]
            used = result.allocation[result.allocation["class"] == cls].groupby("site")["mw"].sum()
            t2.add_row(str(cls), _fmt(float(w.sum()), 1), _fmt(float((g["mean_rtt_ms"] * w).sum() / w.sum()), 1),
                       _fmt(float(worst["max_rtt_ms"]), 1), str(worst["centre"]), _fmt(worst["limit_ms"], 0),
                       ", ".join(f"{s} {v:.1f}" for s, v in used.items()))
        console.print(t2)
    if not result.energy_by_period.empty:
        e = result.energy_by_period
        for site, g in e.groupby("site", sort=False):
            by_period = g.groupby("period", sort=False)["energy_cost_yuan"].sum()
            by_season = g.groupby("season", sort=False)["energy_cost_yuan"].sum()
            total = float(by_period.sum())
            schedule = str(g["schedule"].iloc[0])
            # 'flat (no time-of-use table)' from the tariff model, said as a planner would
            how = ("one price all day: no time-of-use table for this province" if schedule.startswith("flat")
                   else schedule)
            say(f"Energy cost at {site} ({how}): "
                + ", ".join(f"{p.replace('_', ' ')} {100 * v / total:.0f}{NBSP}%" for p, v in by_period.items())
                + "; by season " + ", ".join(f"{s.split(' ')[0]} {v / 1e6:,.1f}" for s, v in by_season.items())
                + f"{NBSP}M{NBSP}yuan", hang=2)


def _write_exports(result: OptimizationResult, cat: Any, story: list[Section], csv_out: Path | None,
                   xlsx_out: Path | None, geojson_out: Path | None) -> None:
    from siting.report import exports

    for path, text in ((csv_out, lambda: exports.to_csv(result, cat)),
                       (geojson_out, lambda: exports.geojson_text(result, cat))):
        if path is None:
            continue
        if str(path) == "-":
            sys.stdout.write(text())
        else:
            write_output(path, text())
            err_console.print(f"wrote {path}")
    if xlsx_out is not None:
        write_output(xlsx_out, exports.to_xlsx(result, cat, story))
        err_console.print(f"wrote {xlsx_out}")


def print_story(story: list[Section]) -> None:
    """The explanation every interface shows (siting.analysis.explain), as titled bullet lists."""
    for section in story:
        console.print(f"[bold]{section.title}[/]")
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column()
        for sentence in section.sentences:
            grid.add_row("  -", Text(sentence))
        console.print(grid)


@app.command("pareto")
@domain_errors
def pareto_cmd(
    request: Annotated[Path, typer.Argument(help="Request file (YAML or JSON)")],
    criterion: Annotated[str, typer.Option(help="emissions (tCO2/yr) or rtt (demand-weighted mean, ms)")] = "emissions",
    points: Annotated[int, typer.Option(min=2, max=50, help="Epsilon steps between the two ends")] = 8,
    catalog: CatalogOpt = None,
    package: PackageOpt = None,
    solver: SolverOpt = "highs",
    time_limit: TimeLimitOpt = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Cost against emissions or latency: the exact trade-off frontier (epsilon-constraint), knee marked."""
    from siting.analysis.pareto import CRITERIA, pareto

    if criterion not in CRITERIA:
        raise typer.BadParameter(f"criterion = {criterion!r} is not one of {', '.join(CRITERIA)}",
                                 param_hint="--criterion")
    cat = _catalog(catalog)
    req = with_packages(load_request(request), package)
    f = pareto(req, cat, criterion=criterion, points=points, solver=checked_solver(solver),  # type: ignore[arg-type]
               time_limit_s=time_limit)
    if as_json:
        _json_out({"request": req.model_dump(mode="json"), "frontier": f.to_dict()})
        return
    if as_csv:
        _csv_out(f.points)
        return
    key, unit = CRITERIA[criterion]
    dropped = (f"; {f.dropped} plan(s) costing more for no gain left out" if f.dropped else "")
    t = compact_table(f"Cost against {criterion} for '{req.name}': {len(f.points)} plans where one cannot be "
                      f"cheaper without being worse{dropped}")
    for h in ["M yuan/yr", unit, "sites (MW)", ""]:
        t.add_column(h, justify="left" if h in ("sites (MW)", "") else "right",
                     no_wrap=h != "sites (MW)")
    for pt in f.points:
        t.add_row(_fmt(pt["cost_yuan_per_year"] / 1e6, 2), _fmt(pt[key], 1 if criterion == "rtt" else 0),
                  ", ".join(f"{s} {mw:.1f}" for s, mw in pt["sites_mw"].items()), "knee" if pt["knee"] else "")
    console.print(t)
    knee = f.knee
    if knee is not None and f.points:
        first = f.points[0]
        say(f"Knee (the plan after which each further {unit} costs most): "
            f"{(knee['cost_yuan_per_year'] - first['cost_yuan_per_year']) / 1e6:,.2f}{NBSP}M{NBSP}yuan/yr more "
            f"than the cheapest plan buys {first[key] - knee[key]:,.1f}{NBSP}{unit} less.")


@app.command("classic")
@domain_errors
def classic_cmd(
    request: Annotated[Path, typer.Argument(help="Request file (YAML or JSON)")],
    p: Annotated[int | None, typer.Option(
        "--p", min=1, help="Sites to open (default: as many as the cost optimum)")] = None,
    radius_ms: Annotated[float | None, typer.Option(
        "--radius-ms", min=0.1, help="MCLP covering radius [ms] (default: the tightest class limit)")] = None,
    catalog: CatalogOpt = None,
    package: PackageOpt = None,
    solver: SolverOpt = "highs",
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """The cost-optimal plan beside the p-median, p-center and maximal-covering answers, each costed."""
    from siting.analysis.classic import classic_views

    cat = _catalog(catalog)
    req = with_packages(load_request(request), package)
    v = classic_views(req, cat, p=p, radius_ms=radius_ms, solver=checked_solver(solver))
    if as_json:
        _json_out({"request": req.model_dump(mode="json"), "classic": v.to_dict()})
        return
    if as_csv:
        _csv_out(v.to_dict()["rows"])
        return
    radius = f"{v.radius_ms:g} ms" if v.radius_ms is not None else "none"
    t = compact_table(f"Where to put {v.p} site(s) for '{req.name}': cost against the classic answers (radius "
                      f"{radius})")
    for h in ["view", "sites", "mean RTT", "worst", "covered", "M yuan/yr"]:
        t.add_column(h, justify="left" if h in ("view", "sites") else "right", no_wrap=h != "sites")
    for r in v.rows:
        cost = (_fmt(r.cost_yuan_per_year / 1e6, 2) if r.cost_yuan_per_year is not None
                else status_words(r.cost_status))
        t.add_row(r.view, "+".join(r.sites), _fmt(r.mean_rtt_ms, 1), _fmt(r.worst_rtt_ms, 1),
                  f"{100 * r.covered_fraction:.0f} %" if r.covered_fraction == r.covered_fraction else "-", cost)
    console.print(t)
    say("RTT in ms from each demand centre to its nearest open site, weighted by the request's MW there; "
        "covered = demand within the radius; M yuan/yr = the request served from exactly those sites "
        "(siting.analysis.classic).", hang=0)


@app.command("stage")
@domain_errors
def stage_cmd(
    request: Annotated[Path, typer.Argument(help="Request file (YAML or JSON) with phases (year_offset, it_load_mw)")],
    years: Annotated[int | None, typer.Option(min=1, max=40, help="Plan length [years] (default: the horizon)")] = None,
    block_mw: Annotated[float, typer.Option("--block-mw", min=0, max=1000,
                                            help="Minimum build block [MW] (0: any amount)")] = 0.0,
    lead_years: Annotated[int, typer.Option(
        "--lead-years", min=0, max=10, help="Construction period: capital is spent this many years before use")] = 0,
    price: Annotated[float | None, typer.Option(
        "--price", min=0, help="Revenue [yuan per kW of IT per month]: gives NPV, IRR and payback")] = None,
    residual_value: Annotated[bool, typer.Option(
        "--residual-value", help="Credit the capital not yet recovered at the end of the plan (terminal value)")
    ] = False,
    catalog: CatalogOpt = None,
    package: PackageOpt = None,
    solver: SolverOpt = "highs",
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Staged build-out: when each site opens and how much it builds each year, with yearly cash flows."""
    from siting.optimization.staging import StagingOptions, stage

    cat = _catalog(catalog)
    req = with_packages(load_request(request), package)
    plan = stage(req, cat, StagingOptions(years=years, build_block_mw=block_mw, lead_time_years=lead_years,
                                          price_yuan_per_kw_month=price, residual_value=residual_value),
                 solver=checked_solver(solver))
    if as_json:
        _json_out({"request": req.model_dump(mode="json"), "staged": plan.to_dict()})
    elif as_csv:
        rows = []
        for n, cf in enumerate(plan.cash_flows):
            row: dict[str, Any] = dict(cf)
            for s in plan.sites:
                row[f"capacity_mw[{s}]"] = plan.built_mw[s][n] if plan.built_mw.get(s) else 0.0
                row[f"built_this_year_mw[{s}]"] = (plan.built_mw[s][n] - (plan.built_mw[s][n - 1] if n else 0.0)
                                                   if plan.built_mw.get(s) else 0.0)
            rows.append(row)
        _csv_out(rows)
    else:
        print_staged(plan)
    if plan.pv_cost_yuan is None:
        raise typer.Exit(1)


def print_staged(plan: Any) -> None:
    """Human view of a staged plan: the build schedule and the cash flows, M yuan."""
    if plan.pv_cost_yuan is None:
        say(f"staged build-out: {status_words(plan.status)}. {plan.message}")
        return
    used = [s for s in plan.sites if plan.open_year[s] is not None]
    # plan.built_mw is the IT capacity in place each year; what was built that year is its increase
    say(f"Staged build-out from {plan.start_year}: IT capacity [MW] built that year and in place")
    t = compact_table()
    t.add_column("year", justify="right", no_wrap=True)
    t.add_column("load", justify="right", no_wrap=True)
    for s in used:
        t.add_column(f"{s}\nbuilt", justify="right", no_wrap=True)
        t.add_column("\ntotal", justify="right", no_wrap=True)
    for n, cf in enumerate(plan.cash_flows):
        cells = []
        for s in used:
            built = plan.built_mw[s][n] - (plan.built_mw[s][n - 1] if n else 0.0)
            cells += [_fmt(built, 0) if round(built) else ".", _fmt(plan.built_mw[s][n], 0)]
        t.add_row(str(int(cf["year"])), _fmt(cf["load_mw"], 0), *cells)
    console.print(t)
    say("Cash flows [M yuan]")
    c = compact_table()
    for h in ["year", "capex", "opex", "subsidies", "revenue", "net", "cumulative"]:
        c.add_column(h, justify="right", no_wrap=True)
    for cf in plan.cash_flows:
        c.add_row(str(int(cf["year"])), *[_fmt(cf[k] / 1e6, 0) for k in ("capex_yuan", "opex_yuan", "subsidies_yuan",
                                                                        "revenue_yuan", "net_yuan", "cumulative_yuan")])
    console.print(c)
    say("load = IT load served [MW]; built = IT capacity built that year (. none); total = IT capacity in place.",
        hang=0)
    opened = ", ".join(f"{s} {plan.open_year[s]}" for s in used)
    line = f"Sites open: {opened}. Present value of all costs {plan.pv_cost_yuan / 1e6:,.1f} M yuan"
    if plan.npv_yuan is not None:
        irr_text = f"{100 * plan.irr_fraction:.1f} %" if plan.irr_fraction is not None else "none"
        line += (f"; NPV {plan.npv_yuan / 1e6:,.1f} M yuan at {100 * plan.discount_rate_fraction:.0f} %, IRR "
                 f"{irr_text}, payback {plan.payback_year or 'not within the plan'}, {plan.years_in_loss} year(s) "
                 "in loss (cumulative)")
    if plan.residual_value_yuan:
        line += f"; residual value {plan.residual_value_yuan / 1e6:,.1f} M yuan credited in {plan.years[-1]}"
    if plan.npv_yuan is None:
        line += ("; no revenue was given, so the net is the cost alone: --price (yuan per kW of IT per month) "
                 "adds revenue, NPV, IRR and payback")
    say(line + ".", hang=0)


@app.command("report")
@domain_errors
def report_cmd(
    request: RequestOpt = None,
    catalog: CatalogOpt = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write",
                                         callback=writable_file)] = Path("siting-report.html"),
    robust_samples: Annotated[int, typer.Option(
        "--robust", min=0, max=20_000, help="Samples of the catalog's ranges for 'How sure' (0: off)")] = 200,
    price: Annotated[float | None, typer.Option(
        "--price", min=0, help="Revenue [yuan per kW of IT per month] for the staged cash flows (requests with "
                               "phases)")] = None,
) -> None:
    """Write a self-contained HTML report: the question, the answer, why, how sure, what would change it, what it
    rests on; every site alone; map; the catalog rows and sources behind every number."""
    from siting.analysis.robust import robust
    from siting.report.html import render_report

    cat = _catalog(catalog)
    req = _request(request)
    ranking = rank(req, cat)
    result = optimize(req, cat, explain=True, explain_time_limit_s=30.0)
    feasible = result.objective_yuan_per_year is not None
    sure = robust(req, cat, samples=robust_samples) if robust_samples > 0 and feasible else None
    frontier = views = None
    if feasible:
        from siting.analysis.classic import classic_views
        from siting.analysis.pareto import pareto

        has_sla = any(c.max_rtt_ms is not None for c in req.classes)
        frontier = pareto(req, cat, criterion="rtt" if has_sla else "emissions", points=8)
        views = classic_views(req, cat)
    staged = None
    if feasible and req.phases:
        from siting.optimization.staging import StagingOptions, stage

        staged = stage(req, cat, StagingOptions(price_yuan_per_kw_month=price))
    write_output(output, render_report(cat, req, ranking, result, sure, frontier, views, staged))
    err_console.print(f"wrote {output} ({output.stat().st_size / 1024:,.0f} KB): {result.status}, "
                      f"chosen {', '.join(result.chosen_sites) or '-'}")


def main() -> None:  # pragma: no cover
    app()


register_scenarios(app)
register_service(app)

from siting.cli.climate import climate_app  # noqa: E402

app.add_typer(climate_app, name="climate")
