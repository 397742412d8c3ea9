"""CLI commands of scenario analysis (`siting compare`, `siting sweep`), registered by :func:`register`."""


import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from siting.cli.options import (
    CatalogOpt,
    CsvOpt,
    JsonOpt,
    SolverOpt,
    TimeLimitOpt,
    _catalog,
    _json_out,
    chart_file,
    checked_solver,
    compact_table,
    console,
    domain_errors,
    err_console,
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
        comp = compare_scenarios([load_scenario(p, catalog=cat) for p in scenarios], cat, explain=explain,
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
        sc = load_scenario(scenario, catalog=cat)
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


def _m(v: float | None, digits: int = 1, sign: bool = False) -> str:
    if v is None:
        return "-"
    return f"{v / _MIO:+,.{digits}f}" if sign else f"{v / _MIO:,.{digits}f}"


def _print_comparison(comp: Any, console: Any) -> None:
    outs = comp.outcomes
    t = Table(title=f"Scenarios compared with '{comp.base.scenario.name}' (costs in million yuan/yr; "
                    "deltas against the base)", title_justify="left")
    t.add_column("", no_wrap=True)
    for o in outs:
        t.add_column(o.scenario.name, justify="right")
    base_c = outs[0].components()

    def row(label: str, cells: list[str]) -> None:
        t.add_row(label, *cells)

    row("status", [o.result.status for o in outs])
    row("total cost", [_m(o.result.objective_yuan_per_year) + (
        "" if n == 0 or o.result.objective_yuan_per_year is None or outs[0].result.objective_yuan_per_year is None
        else f" ({_m(o.result.objective_yuan_per_year - outs[0].result.objective_yuan_per_year, 1, True)})")
        for n, o in enumerate(outs)])
    row("yuan/kW/month", [f"{o.result.levelised_cost_yuan_per_kw_month:,.1f}"
                          if o.result.levelised_cost_yuan_per_kw_month is not None else "-" for o in outs])
    sites = list(dict.fromkeys(s for o in outs for s in o.problem.sites))
    for s in sites:
        row(f"MW at {s}", [f"{o.mw()[s]:.1f}" if s in o.mw() else "." for o in outs])
    keys = list(dict.fromkeys(k for o in outs for k in o.components()))
    for k in keys:
        cells = []
        for n, o in enumerate(outs):
            v = o.components().get(k)
            d = "" if n == 0 or v is None else f" ({_m(v - base_c.get(k, 0.0), 2, True)})"
            cells.append(_m(v, 2) + d)
        row(k, cells)
    row("emissions ktCO2/yr", [f"{(o.result.emissions_t_per_year or 0) / 1000:,.1f}" if o.ok else "-" for o in outs])
    classes = list(dict.fromkeys(c for o in outs for c in o.summary()["latency"]))
    for c in classes:
        row(f"{c} RTT mean/worst ms", [
            "{mean_rtt_ms:.1f} / {worst_rtt_ms:.1f}".format(**o.summary()["latency"][c])
            if c in o.summary()["latency"] else "-" for o in outs])
    console.print(t)
    for a, o in zip(comp.attributions, outs[1:], strict=True):
        console.print(f"\n[bold]{a.scenario}[/] vs {comp.base.scenario.name}"
                      + (f": {o.scenario.description}" if o.scenario.description else ""), highlight=False)
        if a.delta_total_yuan_per_year is None:
            console.print(f"  {a.base_plan_note}", highlight=False)
            for d in o.result.diagnosis:
                console.print(f"  - {d.get('message')}", highlight=False)
            continue
        for ch in a.request_changes:
            console.print(f"  request: {ch}", highlight=False)
        moved = sorted(((v, k) for k, v in a.components.items() if abs(v) >= 5e3), key=lambda x: -abs(x[0]))
        console.print(f"  total {_m(a.delta_total_yuan_per_year, 2, True)} M yuan/yr "
                      f"({a.delta_levelised_yuan_per_kw_month:+,.1f} yuan/kW/month) = "
                      + (" ".join(f"{k} {_m(v, 2, True)}" for v, k in moved) or "no component moved"),
                      highlight=False)
        if a.repricing is not None and a.resiting is not None:
            rp, rs = sum(a.repricing.values()), sum(a.resiting.values())
            console.print(f"  = repricing of the base plan {_m(rp, 2, True)} + re-siting {_m(rs, 2, True)}",
                          highlight=False)
        elif a.base_plan_note:
            console.print(f"  {a.base_plan_note}", highlight=False)
        for s in a.sites:
            console.print(f"  {s['site']} {s['change']} ({s['mw_base']:.1f} -> {s['mw_scenario']:.1f} MW): "
                          + "; ".join(s["reasons"]), highlight=False)
        if a.delta_emissions_t_per_year:
            console.print(f"  emissions {a.delta_emissions_t_per_year / 1000:+,.1f} ktCO2/yr", highlight=False)


def _print_tornado(t: Any, console: Any) -> None:
    """The tornado at 80 columns: the two cost changes first, then the parameter with its base and range
    (wrapping under itself), and which sites the plan moves to where it changes."""
    console.print(f"Tornado for '{t.scenario}': optimal cost {t.base_objective_yuan_per_year / _MIO:,.2f} million "
                  "yuan/yr at the base (" + ", ".join(f"{s} {m:.1f} MW" for s, m in t.base_sites.items()) + ")",
                  highlight=False, markup=False)
    tab = compact_table()
    tab.add_column("cost low", justify="right", no_wrap=True)
    tab.add_column("cost high", justify="right", no_wrap=True)
    tab.add_column("*", no_wrap=True)
    tab.add_column("parameter (base; low .. high)", overflow="fold")

    def num(v: Any) -> str:
        return "-" if v is None or v != v else f"{v:,.4g}"

    for r in t.frame.to_dict("records"):
        low_high = (f"{num(r['low_value'])} .. {num(r['high_value'])}"
                    if r["low_value"] is not None and r["low_value"] == r["low_value"] else r["change"])
        known = r["base_value"] is not None and r["base_value"] == r["base_value"]
        what = f"{r['parameter']} ({num(r['base_value']) if known else 'per site'}; {low_high})"
        if r["sites_change"]:
            what += f"; sites at low: {r['sites_low'] or '-'}; at high: {r['sites_high'] or '-'}"
        tab.add_row(_m(r["delta_low_yuan_per_year"], 2, True), _m(r["delta_high_yuan_per_year"], 2, True),
                    "*" if r["sites_change"] else "", Text(what))
    console.print(tab)
    console.print("cost low/high: change of the optimal cost in million yuan/yr when the parameter is at its low/high "
                  "end, all else at the base.  * the chosen sites change.  sites.*: every candidate together.",
                  highlight=False)


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
