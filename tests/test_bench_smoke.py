"""Smoke runs of the engine benchmarks (a)-(c) so they cannot rot; the figures live in bench/README.md."""

from __future__ import annotations

from bench import bench_national, bench_orlib, bench_request


def test_request_benchmark_smoke() -> None:
    s = bench_request.main(["--smoke"])
    assert s["chosen_sites"] and s["median_end_to_end_ms"] > 0  # type: ignore[operator]


def test_orlib_benchmark_smoke() -> None:
    s = bench_orlib.main(["--smoke"])
    for inst in s["instances"]:  # type: ignore[attr-defined]
        for label in ("bare_highs", "siting_direct", "siting_pulp"):
            assert inst[label]["rel_error"] < 1e-6


def test_national_benchmark_smoke() -> None:
    s = bench_national.main(["--smoke"])
    assert s["status"] == "optimal"
    assert s["sites"] == 30 and s["centres"] == 40


def test_robust_benchmark_smoke() -> None:
    from bench import bench_robust

    s = bench_robust.main(["--smoke"])
    assert s["feasible_samples"] == 20 and s["median_robust_s"] > 0  # type: ignore[operator]


def test_beyond_benchmark_smoke() -> None:
    from bench import bench_beyond

    s = bench_beyond.main(["--smoke"])
    assert s["staged_status"] == "optimal" and s["frontier_points"] >= 2  # type: ignore[operator]


def test_cli_benchmark_smoke() -> None:
    from bench import bench_cli

    s = bench_cli.main(["--smoke"])
    assert s["median_help_s"] > 0 and s["median_optimize_s"] > s["median_baseline_s"]  # type: ignore[operator]


def test_break_even_benchmark_smoke() -> None:
    from bench import bench_breakeven

    s = bench_breakeven.main(["--smoke"])
    # one row per candidate site not chosen, each break-even verified by re-solving either side
    assert s["sites_explained"] == s["sites"] - len(s["chosen_sites"])  # type: ignore[operator,arg-type]
    assert s["all_verified"] is True
