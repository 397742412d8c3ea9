"""The self-contained HTML report: opens offline, carries the recommendation, charts and sources."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from siting.cli.main import app
from siting.data.catalog import Catalog

from .helpers import EVERY_CITY

EXAMPLES = Path(__file__).parent.parent / "examples"


def test_report_is_self_contained(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    r = CliRunner().invoke(app, ["report", "-r", str(EXAMPLES / "video-30mw.yaml"), "-o", str(out)])
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!doctype html>")
    assert len(re.findall(r'src="data:image/png;base64,', text)) == 3  # ranking, trade-off frontier, map
    assert not re.search(r'src="https?://', text)  # nothing fetched when opened
    # the answer the engine gives for the same request, in the report's words
    import siting
    from siting.data.request import load_request

    result = siting.optimize(load_request(EXAMPLES / "video-30mw.yaml"))
    placed = result.sites.loc[result.chosen_sites].sort_values("it_mw", ascending=False)
    answer = "Build at " + ", ".join(f"{s} ({mw:,.1f} MW)" for s, mw in placed["it_mw"].items())
    assert answer in text
    assert "36kr-2022" in text  # the sources behind the numbers
    assert "What would change it" in text and "would enter below" in text  # verified break-evens
    assert "Trade-offs: cost against mean RTT" in text and "knee" in text
    assert "Classic location views" in text and "p-median" in text and "p-center" in text


def test_report_says_what_the_answer_rests_on(catalog: Catalog) -> None:
    from siting import optimize, parse_request, rank
    from siting.report.html import render_report

    req = parse_request({**EVERY_CITY, "packages": ["zhongwei-aws-2015"]})
    page = render_report(catalog, req, rank(req, catalog), optimize(req, catalog))
    assert "What it rests on" in page
    assert "Packages applied: zhongwei-aws-2015 (negotiated deal 2015:" in page
    assert "of this cost is computed from at least one value that is an assumption" in page
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


def test_report_tells_the_same_story_as_the_cli_and_links_every_number(catalog: Catalog) -> None:
    from markupsafe import escape

    from siting import optimize, parse_request, rank
    from siting.analysis.explain import as_text, explain
    from siting.report.html import render_report

    req = parse_request({"it_load_mw": 30, "max_share_per_site": 0.6})
    result = optimize(req, catalog, explain=True)
    page = render_report(catalog, req, rank(req, catalog), result)
    sentences = as_text(explain(result, req, catalog))
    assert len(sentences) >= 10
    for s in sentences:  # the story's sentences, verbatim (HTML-escaped), in order
        assert str(escape(s)) in page, s
    positions = [page.index(str(escape(s))) for s in sentences]
    assert positions == sorted(positions)
    titles = re.findall(r"<h2>([^<]+)</h2>", page)
    assert titles[:7] == ["In short", "The question", "The answer", "Why these sites", "How sure",
                          "What would change it", "What it rests on"]
    # every link in a table points at a catalog row of the page, and that row at a listed source
    links = set(re.findall(r'href="#(row-[^"]+)"', page))
    assert len(links) >= 20
    for anchor in links:
        assert f'id="{anchor}"' in page, anchor
    for key in set(re.findall(r'href="#(source-[^"]+)"', page)):
        assert f'id="{key}"' in page, key
    assert 'href="#row-zhongwei-electricity_price_list_yuan_per_kwh"' in page


def test_report_of_a_phased_request_has_the_staged_plan(tmp_path: Path) -> None:
    out = tmp_path / "staged.html"
    r = CliRunner().invoke(app, ["report", "-r", str(EXAMPLES / "staged-200mw.yaml"), "-o", str(out), "--robust",
                                 "0", "--price", "900"])
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert "Staged build-out and cash flows" in text and "IRR" in text and "year(s) in cumulative loss" in text


def test_report_and_sites_show_each_sites_weather_station_pue_and_pv(catalog: Catalog, tmp_path: Path) -> None:
    """Every site's station (from weather_stations.csv), annual and worst-hour PUE and PV yield are shown."""
    from siting import optimize, parse_request, rank
    from siting.analysis.site_facts import site_weather
    from siting.report.html import render_report

    req = parse_request({})
    page = render_report(catalog, req, rank(req, catalog), optimize(req, catalog))
    assert "Weather and PUE: the typical year of every site" in page
    stations = catalog.climate.set_index("site")
    weather = site_weather("airside", catalog)
    for site in catalog.site_ids:
        assert f"{stations.at[site, 'station']} ({stations.at[site, 'wmo']})" in page
        dust = catalog.site_value(site, "dust_days_per_year")  # unassessed (NaN): no dust days, as the engine reads it
        hours = catalog.pue_hours_of(site, "airside", dust if dust == dust else 0.0)
        assert weather.at[site, "pue_annual_airside"] == hours.annual
        assert weather.at[site, "pue_peak_airside"] == float(hours.hourly.max()) > hours.annual
    r = CliRunner().invoke(app, ["sites", "--json"])
    assert r.exit_code == 0, r.output
    import json

    rows = {row["site"]: row for row in json.loads(r.stdout)}
    assert rows["guian"]["station"] == stations.at["guian", "station"]
    assert rows["zhongwei"]["pv_yield_kwh_per_kwp_year"] == pytest.approx(catalog.pv_yield_kwh_per_kwp("zhongwei"))


def test_report_ranks_sites_that_cannot_host_alone_after_those_that_can(catalog: Catalog) -> None:
    """The report's sentence 'Sites that cannot host it alone are ranked after those that can' is what its
    table shows: every flagged row of the 'Every site' table comes after every other row."""
    from siting import optimize, parse_request, rank
    from siting.report.html import render_report

    req = parse_request({})
    ranking = rank(req, catalog)
    page = render_report(catalog, req, ranking, optimize(req, catalog))
    section = page.split('<section id="alone">')[1].split("</section>")[0]
    assert "ranked after those that can" in section
    flagged = [' class="flagged"' in row for row in re.findall(r"<tr[^>]*>", section.split("<tbody>")[1])]
    assert len(flagged) == len(ranking) and any(flagged) and not all(flagged)
    assert flagged == sorted(flagged)  # False (can host) before True (flagged)
