"""CLI commands of scenario analysis (`siting compare`, `siting sweep`), registered by :func:`register`."""


import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from siting.cli.options import (
    NBSP,
    CatalogOpt,
    CsvOpt,
    JsonOpt,
    SolverOpt,
    TimeLimitOpt,
    _catalog,
    _fmt,
    _json_out,
    chart_file,
    checked_solver,
    compact_table,
    console,
    domain_errors,
    err_console,
    say,
    signed,
    status_words,
    wrap_cells,
    writable_file,
)

_MIO = 1e6


def register(app: typer.Typer) -> None:
    """Add ``compare`` and ``sweep`` to ``app``."""

    ChartOpt = Annotated[Path | None, typer.Option("--chart", help="Write a chart to FILE (.png, .svg or .pdf)",
                                                   callback=chart_file)]

    @app.command("compare")
    @domain_errors
    def compare_cmd(
        scenarios: Annotated[list[Path], typer.Argument(help="Scenario files; the first is the base")],
        catalog: CatalogOpt = None,
        explain: Annotated[bool, typer.Option("--explain/--no-explain",
                                              help="Break-even prices in the attribution")] = True,
        solver: SolverOpt = "highs",
        time_limit: TimeLimitOpt = None,
        as_json: JsonOpt = False,
        as_csv: CsvOpt = False,
        chart: ChartOpt = None,
        strict: Annotated[bool, typer.Option(
            "--strict", help="Exit 1 when a scenario is infeasible (by default an infeasible scenario is a result)")
        ] = False,
    ) -> None:
        """Compare scenarios side by side and attribute every difference against the base (first file).

        Exit status 0 also when a scenario is infeasible (its diagnosis is part of the comparison); --strict
        makes that 1 for scripts that want it."""
        from siting.analysis.compare import compare_scenarios
        from siting.analysis.scenarios import load_scenario

        cat = _catalog(catalog)
        comp = compare_scenarios([load_scenario(_scenario_file(p), catalog=cat) for p in scenarios], cat,
                                 explain=explain,
                                 solver=checked_solver(solver), time_limit_s=time_limit)
        if chart is not None:
            from siting.report.charts import cost_components_chart

            cost_components_chart(comp, chart)
            err_console.print(f"wrote {chart}")
        if as_json:
            _json_out(comp.to_dict())
        elif as_csv:
            sys.stdout.write(comp.to_frame().to_csv())
        else:
            _print_comparison(comp, console)
        if strict and any(not o.ok for o in comp.outcomes):
            raise typer.Exit(1)

    @app.command("sweep")
    @domain_errors
    def sweep_cmd(
        scenario: Annotated[Path, typer.Argument(help="Scenario file (with monte_carlo / sensitivity sections)")],
        tornado_flag: Annotated[bool, typer.Option("--tornado", help="One-at-a-time sensitivity (tornado)")] = False,
        monte_carlo: Annotated[int | None, typer.Option("--monte-carlo", min=1, max=1_000_000,
                                                        help="Monte Carlo with N samples (at most 1,000,000, as in "
                                                             "a scenario file)")] = None,
        seed: Annotated[int | None, typer.Option("--seed", min=0, help="Seed (default: the file's)")] = None,
        change: Annotated[float | None, typer.Option("--change", min=0.001, max=0.999,
                                                     help="Tornado swing +-fraction (default: file, 0.2)")] = None,
        workers: Annotated[int | None, typer.Option("--workers", min=1,
                                                    help="Local worker processes (default: CPUs)")] = None,
        scheduler: Annotated[str | None, typer.Option("--scheduler",
                                                      help="Dask scheduler, e.g. tcp://HOST:8786")] = None,
        samples_csv: Annotated[Path | None, typer.Option("--samples-csv", callback=writable_file,
                                                         help="Write every Monte Carlo sample to FILE")] = None,
        catalog: CatalogOpt = None,
        solver: SolverOpt = "highs",
        time_limit: TimeLimitOpt = None,
        as_json: JsonOpt = False,
        as_csv: CsvOpt = False,
        chart: ChartOpt = None,
    ) -> None:
        """Sensitivity (--tornado) and/or Monte Carlo (--monte-carlo N) of a scenario.

        Without either flag, runs what the file declares (monte_carlo and/or sensitivity sections).
        """
        from siting.analysis.scenarios import load_scenario

        cat = _catalog(catalog)
        sc = load_scenario(_scenario_file(scenario), catalog=cat)
        do_tornado = tornado_flag or (monte_carlo is None and sc.sensitivity is not None)
        do_mc = monte_carlo is not None or (not tornado_flag and sc.monte_carlo is not None)
        if not (do_tornado or do_mc):
            do_tornado = True
        if scheduler is not None and not do_mc:
            err_console.print("note: --scheduler applies to Monte Carlo; the tornado runs locally")
        out: dict[str, Any] = {"scenario": sc.name}
        charts: list[tuple[str, Any]] = []
        if do_tornado:
            from siting.analysis.execution import rich_progress
            from siting.analysis.sensitivity import default_parameters, tornado

            n_params = len(sc.sensitivity.parameters) if sc.sensitivity is not None else len(
                default_parameters(sc, cat))
            bar, advance = rich_progress(1 + 2 * n_params, f"{sc.name}: tornado")
            with bar:
                t = tornado(sc, cat, change_fraction=change, solver=checked_solver(solver), time_limit_s=time_limit,
                            progress=advance)
            out["tornado"] = t.to_dict()
            charts.append(("tornado", t))
            if not (as_json or as_csv):
                _print_tornado(t, console)
        if do_mc:
            from siting.analysis.execution import rich_progress
            from siting.analysis.montecarlo import run_monte_carlo

            n = monte_carlo if monte_carlo is not None else (sc.monte_carlo.samples if sc.monte_carlo else 0)
            bar, advance = rich_progress(n, f"{sc.name}: Monte Carlo")
            with bar:
                mc = run_monte_carlo(sc, cat, samples=monte_carlo, seed=seed, workers=workers,
                                     scheduler=scheduler, progress=advance, solver=checked_solver(solver),
                                     time_limit_s=time_limit)
            out["monte_carlo"] = mc.to_dict()
            charts.append(("monte-carlo", mc))
            if samples_csv is not None:
                mc.samples_frame().to_csv(samples_csv, index=False)
                err_console.print(f"wrote {mc.samples} samples to {samples_csv}")
            if not (as_json or as_csv):
                _print_monte_carlo(mc, console)
        if chart is not None:
            from siting.report.charts import monte_carlo_chart, tornado_chart

            for n_chart, (kind, obj) in enumerate(charts):
                target = chart if n_chart == 0 else chart.with_name(f"{chart.stem}-{kind}{chart.suffix}")
                tornado_chart(obj, target) if kind == "tornado" else monte_carlo_chart(obj, target)
                err_console.print(f"wrote {target}")
        if as_json:
            _json_out(out)
        elif as_csv:
            if "tornado" in out:
                sys.stdout.write(charts[0][1].to_frame().to_csv(index=False))
            if "monte_carlo" in out:
                sys.stdout.write(charts[-1][1].to_frame().to_csv())


def _scenario_file(path: Path) -> Path:
    """``path`` if it may be a scenario; a request file (its fields at the top, no ``request:`` or ``extends:``)
    is a usage error that says so and shows how to wrap it, instead of the scenario's 'Extra inputs'."""
    from siting.data.request import SiteRequest, load_mapping
    from siting.errors import RequestError

    data = load_mapping(path)
    if isinstance(data, dict) and not {"request", "extends"} & data.keys() \
            and set(data) & (set(SiteRequest.model_fields) - {"name"}):
        raise RequestError(
            f"{path} is a request file, not a scenario. compare and sweep take scenarios; wrap it in a file of two "
            f"lines, 'name: {path.stem}' and 'request: {path.name}' (the path relative to that file), or put its "
            f"fields under 'request:'. Example: examples/scenarios/base.yaml", field="scenario")
    return path


def _m(v: float | None, digits: int = 1, sign: bool = False) -> str:
    """Million yuan from yuan ('-' for none); ``sign`` gives a change ('+1.20'); never '-0.00'."""
    if v is None or v != v:
        return "-"
    if sign:
        return signed(v / _MIO, digits)
    return _fmt(float(v) / _MIO, digits)


def _natural_width(table: Table, console: Any) -> int:
    """The width a table takes when nothing is wrapped or cut (rich measures within the console's width)."""
    from rich.measure import Measurement

    return Measurement.get(console, console.options.update_width(10_000), table).maximum


def _fitted_tables(title: str, labels: list[str], columns: list[tuple[str, list[str]]], console: Any, *,
                   repeat_first: bool = True) -> list[Table]:
    """One table of ``labels`` against ``columns`` (name, cells), split into as many tables as the console's
    width needs, each repeating the label column (and the first, base, column when ``repeat_first``); names
    and cells are never cut."""
    def build(cols: list[tuple[str, list[str]]], part: str) -> Table:
        t = compact_table(title + part)
        t.add_column("", no_wrap=True)
        for name, _ in cols:
            t.add_column(name, justify="right", no_wrap=True)
        for n, label in enumerate(labels):
            t.add_row(label, *[cells[n] for _, cells in cols])
        return t

    groups: list[list[tuple[str, list[str]]]] = [[columns[0]]]
    fixed = 1 if repeat_first else 0
    for col in columns[1:]:
        trial = [*groups[-1], col]
        if len(groups[-1]) > fixed and _natural_width(build(trial, ""), console) > console.width:
            groups.append([columns[0], col] if repeat_first else [col])
        else:
            groups[-1] = trial
    return [build(g, "" if len(groups) == 1 else f" ({n + 1} of {len(groups)})") for n, g in enumerate(groups)]


def _print_comparison(comp: Any, console: Any) -> None:
    """The comparison at the console's width: the scenarios' values, then their changes against the base,
    each a table split into parts when the scenarios do not fit side by side; then each scenario's story."""
    outs = comp.outcomes
    base_o = outs[0]
    sites = list(dict.fromkeys(s for o in outs for s in o.problem.sites))
    keys = list(dict.fromkeys(k for o in outs for k in o.components()))
    classes = list(dict.fromkeys(c for o in outs for c in o.summary()["latency"]))
    labels = (["status", "total M yuan/yr", "yuan/kW/month"] + [f"MW at {s}" for s in sites] + keys
              + ["emissions ktCO2/yr"] + [f"RTT {c} ms" for c in classes])
    columns = []
    for o in outs:
        r = o.result
        lat = o.summary()["latency"]
        cells = [status_words(r.status), _m(r.objective_yuan_per_year),
                 _fmt(r.levelised_cost_yuan_per_kw_month, 1) if r.levelised_cost_yuan_per_kw_month is not None
                 else "-"]
        cells += [f"{o.mw()[s]:.1f}" if s in o.mw() else "." for s in sites]
        cells += [_m(o.components().get(k), 2) for k in keys]
        cells += [_fmt((r.emissions_t_per_year or 0.0) / 1000, 1) if o.ok else "-"]
        cells += ["{:.1f}/{:.1f}".format(lat[c]["mean_rtt_ms"], lat[c]["worst_rtt_ms"]) if c in lat else "-"
                  for c in classes]
        columns.append((o.scenario.name, cells))
    for t in _fitted_tables(f"Scenarios compared with '{base_o.scenario.name}'", labels, columns, console):
        console.print(t)
    if len(outs) > 1:
        base_c = base_o.components()
        base_total = base_o.result.objective_yuan_per_year
        d_labels = ["total M yuan/yr", *keys, "emissions ktCO2/yr"]
        d_columns = []
        for o in outs[1:]:
            r = o.result
            total = r.objective_yuan_per_year
            cells = [_m(total - base_total, 2, True) if total is not None and base_total is not None else "-"]
            cells += [_m(o.components()[k] - base_c.get(k, 0.0), 2, True) if k in o.components() else "-"
                      for k in keys]
            cells += [signed(((r.emissions_t_per_year or 0.0) - (base_o.result.emissions_t_per_year or 0.0)) / 1000, 1)
                      if o.ok and base_o.ok else "-"]
            d_columns.append((o.scenario.name, cells))
        for t in _fitted_tables(f"Change against '{base_o.scenario.name}'", d_labels, d_columns, console,
                                repeat_first=False):
            console.print(t)
    say("solved = the best plan meeting every limit was found; no plan = no plan meets every limit (its "
        "diagnosis below).  Costs in million yuan a year; '.' = no MW at that site; RTT = "
        "demand-weighted mean/worst.", hang=0)
    for a, o in zip(comp.attributions, outs[1:], strict=True):
        console.print()
        say(f" vs {comp.base.scenario.name}" + (f": {o.scenario.description}" if o.scenario.description else ""),
            bold=a.scenario)
        if a.delta_total_yuan_per_year is None:
            say(f"{a.base_plan_note}", indent=2)
            for d in o.result.diagnosis:
                say(f"- {d.get('message')}", indent=2)
            continue
        for ch in a.request_changes:
            say(f"request: {ch}", indent=2)
        moved = sorted(((v, k) for k, v in a.components.items() if round(v / _MIO, 2) != 0), key=lambda x: -abs(x[0]))
        if round(a.delta_total_yuan_per_year / _MIO, 2) == 0 and not moved:
            say("the same cost: no component moved", indent=2)
        else:
            say(f"total {_m(a.delta_total_yuan_per_year, 2, True)}{NBSP}M{NBSP}yuan/yr "
                f"({signed(a.delta_levelised_yuan_per_kw_month, 1)}{NBSP}yuan/kW/month) = "
                + (" ".join(f"{k}{NBSP}{_m(v, 2, True)}" for v, k in moved) or "no component moved"), indent=2)
        if a.repricing is not None and a.resiting is not None:
            rp, rs = sum(a.repricing.values()), sum(a.resiting.values())
            if round(rp / _MIO, 2) or round(rs / _MIO, 2):
                say(f"= repricing of the base plan {_m(rp, 2, True)} + re-siting {_m(rs, 2, True)}", indent=2)
        elif a.base_plan_note:
            say(f"{a.base_plan_note}", indent=2)
        for st in a.sites:
            say(f"{st['site']} {st['change']} ({st['mw_base']:.1f} -> {st['mw_scenario']:.1f}{NBSP}MW): "
                + "; ".join(st["reasons"]), indent=2)
        if a.delta_emissions_t_per_year and round(a.delta_emissions_t_per_year / 1000, 1) != 0:
            say(f"emissions {signed(a.delta_emissions_t_per_year / 1000, 1)}{NBSP}ktCO2/yr", indent=2)


_UNIT_WORDS = {"mw": "MW", "kw": "kW", "kwh": "kWh", "mwh": "MWh", "gbps": "Gbps", "t": "t", "month": "month",
               "year": "yr", "m2": "m2", "mu": "mu"}


def _with_unit(v: Any, parameter: str) -> str:
    """A sweep value with the unit its parameter's name carries: 50,480,000 for ``capex_yuan_per_mw`` is
    '50.48 M yuan/MW', 0.08 for ``discount_rate_fraction`` is '8 %' (never '5.048e+07')."""
    if v is None or v != v:
        return "-"
    name = parameter.rsplit(".", 1)[-1]
    if name.endswith("_fraction"):
        return f"{100 * v:,.3g}{NBSP}%"
    unit = ""
    if "_yuan_per_" in name:
        unit = "yuan/" + "/".join(_UNIT_WORDS.get(w, w) for w in name.split("_yuan_per_", 1)[1].split("_"))
    elif name.endswith("_yuan"):
        unit = "yuan"
    for suffix, word in (("_mw", "MW"), ("_ms", "ms"), ("_years", "years"), ("_c", "degC"), ("_g", "g")):
        if not unit and name.endswith(suffix):
            unit = word
    a = abs(float(v))
    text = (f"{v / 1e6:,.2f}{NBSP}M" if a >= 1e6 else f"{v:,.0f}" if a >= 1000 else f"{v:,.4g}")
    return text + (f"{NBSP}{unit}" if unit else "")


def _print_tornado(t: Any, console: Any) -> None:
    """The tornado at 80 columns: the two cost changes first, then the parameter with its base and range
    (wrapping under itself), and which sites the plan moves to where it changes."""
    say(f"Tornado for '{t.scenario}': optimal cost {t.base_objective_yuan_per_year / _MIO:,.2f}{NBSP}million "
        "yuan/yr at the base (" + ", ".join(f"{s} {m:.1f}{NBSP}MW" for s, m in t.base_sites.items()) + ")")
    tab = compact_table()
    tab.add_column("cost low", justify="right", no_wrap=True)
    tab.add_column("cost high", justify="right", no_wrap=True)
    tab.add_column("*", no_wrap=True)
    tab.add_column("parameter (base; low .. high)", overflow="fold")

    def num(v: Any) -> str:
        return _with_unit(v, str(r["parameter"]))

    rows = t.frame.to_dict("records")
    # the last column is wrapped here (units kept with their numbers), in the width the cost columns leave
    costs = [(_m(r["delta_low_yuan_per_year"], 2, True), _m(r["delta_high_yuan_per_year"], 2, True)) for r in rows]
    left = max([len("cost high"), *(len(c) for pair in costs for c in pair)])
    what_width = max(30, console.width - (1 + len("cost low") + 2 + left + 2 + 1 + 2))
    for r, (low, high) in zip(rows, costs, strict=True):
        low_high = (f"{num(r['low_value'])} .. {num(r['high_value'])}"
                    if r["low_value"] is not None and r["low_value"] == r["low_value"] else r["change"])
        known = r["base_value"] is not None and r["base_value"] == r["base_value"]
        what = f"{r['parameter']} ({num(r['base_value']) if known else 'per site'}; {low_high})"
        if r["sites_change"]:
            what += f"; sites at low: {r['sites_low'] or '-'}; at high: {r['sites_high'] or '-'}"
        tab.add_row(low, high, "*" if r["sites_change"] else "",
                    Text("\n".join(wrap_cells(what, what_width, hang=2))))
    console.print(tab)
    say("cost low/high: change of the optimal cost in million yuan/yr when the parameter is at its low/high "
        "end, all else at the base.  * the chosen sites change.  sites.*: every candidate together.", hang=0)


def _print_monte_carlo(mc: Any, console: Any) -> None:
    d = mc.to_dict()
    c = d["cost"]
    console.print(f"[bold]{mc.scenario}[/]: {mc.samples} samples (seed {mc.seed}), "
                  f"{d['infeasible_samples']} infeasible", highlight=False)
    if c.get("p50_yuan_per_year") is not None:
        console.print("  optimal cost P5 / P50 / P95: "
                      f"{_m(c['p5_yuan_per_year'])} / {_m(c['p50_yuan_per_year'])} / {_m(c['p95_yuan_per_year'])} "
                      f"million yuan/yr = {c['p5_yuan_per_kw_month']:,.1f} / {c['p50_yuan_per_kw_month']:,.1f} / "
                      f"{c['p95_yuan_per_kw_month']:,.1f} yuan/kW/month", highlight=False)
    b = d["base_recommendation"]
    console.print(f"  base recommendation {'+'.join(b['sites']) or '-'} is still optimal in "
                  f"{100 * b['share_still_optimal']:.1f}% of samples", highlight=False)
    t = Table(title="Sites over the samples (MW of IT load)", title_justify="left")
    for h in ["site", "P(chosen)", "mean MW", "P5", "P50", "P95", "in base"]:
        t.add_column(h, justify="left" if h == "site" else "right")
    for s, r in mc.to_frame().iterrows():
        t.add_row(str(s), f"{100 * r['p_chosen']:.1f}%", f"{r['mw_mean']:.1f}", f"{r['mw_p5']:.1f}",
                  f"{r['mw_p50']:.1f}", f"{r['mw_p95']:.1f}", "yes" if r["in_base"] else "")
    console.print(t)
    console.print("  most frequent optimal site sets: " + "; ".join(
        f"{'+'.join(x['sites']) or 'none'} {100 * x['share']:.1f}%" for x in d["site_sets"][:5]), highlight=False)
