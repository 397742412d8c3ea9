"""The self-contained HTML report: opens offline, carries the recommendation, charts and sources."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from siting.cli.main import app
from siting.data.catalog import Catalog

EXAMPLES = Path(__file__).parent.parent / "examples"


def test_report_is_self_contained(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    r = CliRunner().invoke(app, ["report", "-r", str(EXAMPLES / "video-30mw.yaml"), "-o", str(out)])
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!doctype html>")
    assert len(re.findall(r'src="data:image/png;base64,', text)) == 2
    assert not re.search(r'src="https?://', text)  # nothing fetched when opened
    assert "Recommendation: optimal" in text and "zhongwei" in text and "yaan" in text
    assert "36kr-2022" in text  # the sources behind the numbers
    assert "break-even" in text


def test_report_says_what_the_answer_rests_on(catalog: Catalog) -> None:
    from siting import optimize, parse_request, rank
    from siting.report.html import render_report

    req = parse_request({"packages": ["zhongwei-aws-2015"]})
    page = render_report(catalog, req, rank(req, catalog), optimize(req, catalog))
    assert "What this answer rests on" in page
    assert "Package applied: <b>zhongwei-aws-2015</b> (negotiated deal, 2015, 36kr-2022)" in page
    assert "of the recommended plan's cost is computed from catalog values that are assumptions" in page
    assert "cannot host the request alone: serves 98.2 % of interactive demand within 30 ms" in page


def test_report_shows_energy_by_period_and_green_purchases(catalog: Catalog) -> None:
    from siting import optimize, parse_request, rank
    from siting.report.html import render_report

    req = parse_request({"min_green_share_fraction": 0.9, "green_options": ["gec"], "candidates": ["yaan", "zhongwei"]})
    result = optimize(req, catalog)
    page = render_report(catalog, req, rank(req, catalog), result)
    assert "Energy cost by season and time-of-use period" in page
    assert result.chosen_sites
    for site in result.chosen_sites:
        assert f"{site}, summer (Jun-Aug)" in page
    assert "Renewable energy bought" in page and "gec" in page
