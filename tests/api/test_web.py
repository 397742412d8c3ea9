"""The planner's web page, driven in Debian's Chromium by Playwright (pytest-playwright) against a live server.

The journey: enter a key once (kept in the browser, never in a URL), edit the request, optimise, read
the explanation (the same sentences the API returns and the CLI prints), open the map, compare two
scenarios, save and list a scenario, download the CSV and check its content, trigger a 4xx and a
network failure (the stale result is cleared), then the same on a 375 px phone viewport; axe-core
finds no serious or critical violation.  Screenshots go to ``artifacts/screenshots`` (CI keeps them).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from bench.bench_api_load import SERVER, database_with_key, free_port, wait_ready

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(os.environ.get("SITING_ARTIFACTS_DIR", "artifacts")) / "screenshots"

needs_browser = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                                   reason="Chromium is not installed (.ci/run installs it)")


def test_page_is_served(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert 'id="score"' in r.text and 'id="optimize"' in r.text
    assert "http://" not in r.text.replace('href="/', "") and "https://" not in r.text  # no external assets
    for path in ("/static/app.js", "/static/app.css", "/static/vendor/leaflet/leaflet.js", "/basemap.geojson"):
        assert client.get(path).status_code == 200, path
    assert "<script>" not in r.text and "<style>" not in r.text  # nothing inline: the CSP allows only 'self'


def test_score_ranks_sites_that_cannot_host_alone_last(client: TestClient, key: dict[str, str]) -> None:
    """/v1/score (the page's ranking) keeps the order the page's note states: no site that cannot host the
    default request alone above one that can, the cheaper first within each group."""
    from tests.test_cli import _assert_alone_first

    sites = client.post("/v1/score", json={}, headers=key).json()["sites"]
    assert any(not s["feasible_alone"] for s in sites)  # the default request has such sites
    _assert_alone_first(sites)


@pytest.fixture(scope="module")
def live_server() -> Iterator[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="siting-web-") as tmp:
        url, key = database_with_key(Path(tmp), "browser")
        port = free_port()
        env = {**os.environ, "SITING_DATABASE_URL": url, "SITING_RUN_WORKER": "0"}
        proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], env=env, cwd=tmp,
                                stderr=subprocess.DEVNULL)
        try:
            wait_ready(f"http://127.0.0.1:{port}", proc)
            yield f"http://127.0.0.1:{port}", key
        finally:
            proc.terminate()
            proc.wait(30)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright drives Debian's Chromium (installed by .ci/run), not a downloaded browser."""
    assert CHROMIUM is not None
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": ["--no-sandbox"]}


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"page is {width} px wide in a {viewport} px viewport"


def _chart_option(page: Any, element_id: str) -> dict[str, Any]:
    """The option of the ECharts chart drawn in ``element_id`` (what it plots, its axes and legend)."""
    option: dict[str, Any] = page.evaluate(
        f"JSON.parse(JSON.stringify(echarts.getInstanceByDom(document.getElementById('{element_id}')).getOption()))")
    return option


def _nothing_wider_than_the_viewport(page: Any) -> None:
    """No element sticks out of the viewport (the map's own panes, clipped by the map, aside)."""
    wide = page.evaluate("""() => { const w = window.innerWidth; const out = [];
      for (const el of document.body.querySelectorAll('*')) {
        if (el.closest('.leaflet-container') && !el.classList.contains('leaflet-container')) continue;
        const r = el.getBoundingClientRect();
        if (r.width > 1 && (r.right > w + 1 || r.width > w + 1))
          out.push(`${el.tagName}#${el.id}.${el.className} ${Math.round(r.width)}px to ${Math.round(r.right)}`);
      } return out; }""")
    assert wide == [], wide


def _no_text_under_11px(page: Any) -> None:
    """Every visible text node is drawn at 11 px or more; ECharts text (canvas) is checked in its options."""
    small = page.evaluate("""() => { const out = [];
      const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      while (walk.nextNode()) { const n = walk.currentNode; const el = n.parentElement;
        if (!n.textContent.trim() || !el || !el.getClientRects().length) continue;
        if (el.closest('thead') && getComputedStyle(el.closest('thead')).position === 'absolute') continue;
        const px = parseFloat(getComputedStyle(el).fontSize);
        if (px < 11) out.push(`${el.tagName} ${px}px: ${n.textContent.trim().slice(0, 30)}`); }
      return out; }""")
    assert small == [], small
    for element_id in page.evaluate("[...document.querySelectorAll('.echart')].map((e) => e.id)"):
        option = _chart_option(page, element_id)
        sizes = [a[k]["fontSize"] for axis in ("xAxis", "yAxis") for a in option[axis]
                 for k in ("axisLabel", "nameTextStyle") if "fontSize" in a.get(k, {})]
        sizes += [option["legend"][0]["textStyle"]["fontSize"], option["textStyle"]["fontSize"]]
        assert sizes and min(sizes) >= 11, (element_id, sizes)
        assert all(a.get("name") for a in option["xAxis"] if a.get("type") == "value")  # labelled axes
        assert all(a.get("name") for a in option["yAxis"] if a.get("type") == "value")


def _optimise(page: Any) -> None:
    page.click("#optimize")
    page.wait_for_selector("#explanation", timeout=90_000)


@needs_browser
def test_planner_journey(live_server: tuple[str, str], page: Any, tmp_path: Path) -> None:
    base, key = live_server
    page.goto(base)
    page.fill("#key", key)
    page.dispatch_event("#key", "change")
    page.reload()
    assert page.input_value("#key") == key            # kept in the browser ...
    assert key not in page.url                        # ... never in the URL

    # edit the request, optimise, read the explanation
    page.fill("#it_load_mw", "30")
    page.fill("#robust", "0")
    _optimise(page)
    shown = [li.strip() for li in page.locator("#explanation li").all_inner_texts()]
    request = page.evaluate("JSON.parse(document.getElementById('json').value)")
    api = httpx.post(f"{base}/v1/optimize", json={"request": request, "explain": True},
                     headers={"X-API-Key": key}, timeout=90).json()
    sections = api["result"]["explanation"]
    assert sections[0]["key"] == "headline"           # the answer in one sentence, the page's headline
    assert page.inner_text("#recommendation").strip() == " ".join(sections[0]["sentences"])
    assert page.inner_text("#recommendation").startswith("Build 30 MW at ")  # words, not "optimal"
    expected = [s for sec in sections[1:] for s in sec["sentences"]]
    assert shown == expected                          # the page shows the API's (= the CLI's) story
    assert any(t.startswith("Build at ") for t in shown)
    titles = page.locator("#explanation h3").all_inner_texts()
    assert titles[:3] == ["The question", "The answer", "Why these sites"] and "What it rests on" in titles
    cost = _chart_option(page, "cost-chart")           # the stacked cost bars (ECharts)
    assert [c for c in cost["yAxis"][0]["data"]] == api["result"]["chosen_sites"]
    assert "million yuan" in cost["xAxis"][0]["name"] and len(cost["series"]) >= 5
    _shot(page, "optimise-desktop")

    # the map: basemap polygons, centres, sites, allocation lines
    page.locator("#map").scroll_into_view_if_needed()
    assert page.locator("#map .leaflet-overlay-pane path").count() > 60
    assert "Natural Earth" in page.inner_text("#map .leaflet-control-attribution")
    _shot(page, "map")

    # download the CSV and check its content against the recommendation
    with page.expect_download() as dl:
        page.click("[data-export=csv]")
    path = tmp_path / "result.csv"
    dl.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    chosen = {r["site"] for r in rows if r["chosen"] == "True"}
    assert chosen == set(api["result"]["chosen_sites"])
    assert sum(float(r["it_mw"]) for r in rows) == pytest.approx(30.0, rel=1e-6)
    assert sum(float(r["total_yuan_per_year"]) for r in rows) == pytest.approx(
        api["result"]["objective_yuan_per_year"], rel=1e-6)

    # energy by season and time-of-use period (issue 12), shown with the result
    assert "Energy cost by season" in page.inner_text("#energy-title")

    # the cost/latency frontier and a staged build-out with cash flows
    page.fill("#frontier_points", "4")
    page.click("#frontier")
    page.wait_for_selector("#frontier-title", timeout=90_000)
    frontier = _chart_option(page, "frontier-chart")
    assert frontier["xAxis"][0]["name"] == "mean RTT [ms]" and "million yuan" in frontier["yAxis"][0]["name"]
    assert len(frontier["series"][0]["data"]) >= 2 and "dominated dropped" not in page.inner_text("#beyond")
    page.click("#stage")
    page.wait_for_selector("#staged-title", timeout=90_000)
    staged = page.inner_text("#beyond")
    assert "IRR" in staged and "year(s) in cumulative loss" in staged
    heads = page.locator("#beyond thead th").all_inner_texts()
    assert any(h.endswith("built this year MW") for h in heads) and any(h.endswith("capacity MW") for h in heads)
    _shot(page, "beyond")
    page.click("#classic")
    page.wait_for_selector("#classic-title", timeout=90_000)
    classic = page.inner_text("#beyond table")
    for view in ("cost-optimal", "p-median", "p-center", "mclp"):
        assert view in classic

    # compare two scenarios
    page.fill("#cmp_carbon", "300")
    page.click("#compare")
    page.wait_for_selector("#comparison-title", timeout=90_000)
    table = page.inner_text("#comparison table")
    assert "base" in table and "variant" in table
    assert "Why variant differs from the base" in page.inner_text("#comparison")

    # save a scenario on the server and see it listed
    page.fill("#scenario_name", "journey-30mw")
    page.click("#save")
    page.wait_for_selector("#saved li button[data-load]")
    assert "journey-30mw" in page.inner_text("#saved")

    # a 4xx: the message sits beside the field and the stale result is gone
    page.fill("#it_load_mw", "-5")
    page.click("#optimize")
    page.wait_for_selector("#err-it_load_mw:not(:empty)")
    assert "it_load_mw" in page.inner_text("#err-it_load_mw")
    assert "request_invalid" not in page.inner_text("#err-it_load_mw")  # words, not the API's code
    assert not page.inner_text("#err-it_load_mw").startswith("422")
    assert page.get_attribute("#it_load_mw", "aria-invalid") == "true"
    assert page.inner_text("#result").strip() == ""
    _shot(page, "error-4xx")

    # a network failure: said so, nothing stale, no endless "working..."
    page.fill("#it_load_mw", "20")
    _optimise(page)
    page.route("**/v1/optimize", lambda route: route.abort())
    page.click("#optimize")
    page.wait_for_selector("#status .error")
    assert "network error" in page.inner_text("#status")
    assert page.inner_text("#result").strip() == ""
    page.unroute("**/v1/optimize")

    # a wrong key: 401 shown beside the key field
    page.fill("#key", "sk_wrong")
    page.click("#score")
    page.wait_for_selector("#err-key:not(:empty)")
    assert "401" in page.inner_text("#err-key")


@needs_browser
def test_phone_viewport_and_accessibility(live_server: tuple[str, str], browser: Any) -> None:
    from axe_playwright_python.sync_playwright import Axe

    base, key = live_server
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{base}/#key={key}")
    assert key not in page.url                        # a key in the fragment is stored, then removed
    page.wait_for_selector("#catalog table")
    _no_sideways_scroll(page)
    page.fill("#robust", "10")
    _optimise(page)
    assert "How sure" in page.locator("#explanation h3").all_inner_texts()
    _no_sideways_scroll(page)
    _shot(page, "optimise-phone")
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert serious == [], results.generate_report()
    context.close()


@needs_browser
def test_chinese_names_have_a_font(live_server: tuple[str, str], page: Any) -> None:
    """CI installs fonts-noto-cjk; the page's font stack names it, so 中卫 is not drawn as boxes."""
    base, _ = live_server
    page.goto(base)
    page.wait_for_selector("#catalog table")
    assert "中卫" in page.inner_text("#catalog")
    assert page.evaluate("document.fonts.check('16px \"Noto Sans CJK SC\"', '中卫贵安')")
    family = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Noto Sans CJK SC" in family


@needs_browser
def test_docs_and_redoc_render_offline(live_server: tuple[str, str], page: Any) -> None:
    """/docs and /redoc load Swagger UI and ReDoc from the package: no request leaves the server."""
    base, _ = live_server
    outside: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((base, "data:", "blob:")) else None)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/docs")
    page.wait_for_selector(".opblock", timeout=60_000)
    assert page.locator(".opblock").count() >= 15
    assert "/v1/optimize" in page.inner_text("#swagger-ui")
    page.goto(f"{base}/redoc")
    page.wait_for_selector("h1", timeout=60_000)
    assert "siting API" in page.inner_text("body")
    assert outside == []
    assert not [e for e in errors if "Content Security Policy" in e], errors


@needs_browser
def test_avoiding_water_scarce_regions_from_the_form(live_server: tuple[str, str], page: Any) -> None:
    """The form's checkbox puts avoid_water_scarce_sites in the request; the ranking then says why
    Zhongwei (Ningxia, named water-scarce by Jiang et al. 2025) cannot host the request."""
    base, key = live_server
    page.goto(base)
    page.fill("#key", key)
    page.dispatch_event("#key", "change")
    page.check("#avoid_water_scarce_sites")
    request = page.evaluate("JSON.parse(document.getElementById('json').value)")
    assert request["avoid_water_scarce_sites"] is True
    page.click("#score")
    page.wait_for_selector("#ranking")
    row = page.locator("#result tr", has_text="zhongwei").inner_text()
    assert "water-scarce region (jiang-2025-appene, sourced)" in row


@needs_browser
def test_hazard_limits_from_the_form(live_server: tuple[str, str], page: Any) -> None:
    """The seismic and flood fields put the same limit on every class; the ranking then bars Zhongwei
    (0.20 g; 20-year Yellow River levees) with the reason, and an out-of-range value is shown beside its field."""
    base, key = live_server
    page.goto(base)
    page.fill("#key", key)
    page.dispatch_event("#key", "change")
    request = page.evaluate("JSON.parse(document.getElementById('json').value)")
    assert all("max_pga_g" not in c and "min_flood_return_period_years" not in c for c in request["classes"])
    page.fill("#min_flood_return_period_years", "50")
    page.fill("#max_pga_g", "0.15")
    request = page.evaluate("JSON.parse(document.getElementById('json').value)")
    assert len(request["classes"]) == 2
    assert all(c["min_flood_return_period_years"] == 50 and c["max_pga_g"] == 0.15 for c in request["classes"])
    page.click("#score")
    page.wait_for_selector("#ranking")
    row = page.locator("#result tr", has_text="zhongwei").inner_text()
    assert "flood protection 20-year < 50-year (zgslb-2018-zhongwei-levee, sourced)" in row
    assert "seismic PGA 0.2 g > 0.15 g" in row
    page.fill("#max_pga_g", "5")
    page.click("#score")
    page.wait_for_selector("#err-max_pga_g:not(:empty)")
    assert "less than or equal to 2" in page.inner_text("#err-max_pga_g")
    assert page.inner_text("#result") == ""


@needs_browser
def test_green_power_chosen_on_the_form_is_bought_as_the_engine_buys_it(live_server: tuple[str, str],
                                                                        page: Any) -> None:
    """The form lists the catalog's green options (GET /v1/options) with where each is offered; ticking the
    Ningxia PPA and on-site solar puts them in the request, and the result's table shows the purchases the
    engine computes for that same request (siting.optimize in this process), row by row."""
    import siting

    base, key = live_server
    page.goto(base)
    page.fill("#key", key)
    page.dispatch_event("#key", "change")
    page.wait_for_selector("[data-green='ppa-nx-pv']")
    offered = page.locator("#green-list div", has_text="ppa-nx-pv").inner_text()
    assert "273.1 yuan/MWh delivered" in offered and "offered at zhongwei (" in offered
    page.check("[data-green='ppa-nx-pv']")
    page.check("[data-green='onsite-pv']")
    page.fill("#robust", "0")
    request = page.evaluate("JSON.parse(document.getElementById('json').value)")
    assert request["green_options"] == ["onsite-pv", "ppa-nx-pv"]
    _optimise(page)
    page.wait_for_selector("#green-title")
    expected = siting.optimize(request).green_purchases
    assert len(expected) >= 1
    rows = page.locator("#green-title + div tbody tr")
    assert rows.count() == len(expected)
    for n, (_, g) in enumerate(expected.iterrows()):
        cells = rows.nth(n).locator("td").all_inner_texts()
        assert cells[:3] == [g["site"], g["option"], g["price_basis"]]
        assert cells[3] == f"{g['mwh_per_year']:,.0f}"
        assert cells[7] == f"{g['net_cost_yuan_per_year'] / 1e6:,.2f}"
    # bought at Zhongwei only (the PPA's scope is Ningxia), and each is cheaper than the grid energy it replaces
    assert set(expected["site"]) == {"zhongwei"}
    assert (expected["net_cost_yuan_per_year"] < 0).all()


@needs_browser
@pytest.mark.parametrize("width", [375, 1280])
def test_every_view_fits_the_screen(live_server: tuple[str, str], browser: Any, width: int) -> None:
    """At 375 and 1280 px, with the ranking, the optimisation, the frontier, the staged plan and a comparison
    on screen: no element wider than the viewport, no text under 11 px, every chart's value axes named;
    at 375 px the tables are cards (each cell labelled with its column), and axe finds nothing serious."""
    base, key = live_server
    context = browser.new_context(viewport={"width": width, "height": 900}, is_mobile=width < 600,
                                  has_touch=width < 600)
    page = context.new_page()
    page.goto(f"{base}/#key={key}")
    page.wait_for_selector("#catalog table")
    page.click("#score")
    page.wait_for_selector("#ranking")
    _nothing_wider_than_the_viewport(page)
    _no_text_under_11px(page)
    roles = page.locator("#result tbody td[data-label=role]").all_inner_texts()
    assert roles and not [r for r in roles if "_" in r]          # roles in words
    first = page.locator("#result tbody tr").first.locator("td[data-label='can host alone']").inner_text()
    assert first.strip() == "yes"                                 # the top-ranked site can host alone
    if width < 600:  # a row is a card: its cells stack, each with its column's name before it
        cell = page.locator("#result tbody tr").first.locator("td").nth(1)
        assert page.evaluate("(el) => getComputedStyle(el, '::before').content", cell.element_handle()) == '"site"'
    _shot(page, f"rank-{width}")
    page.fill("#robust", "0")
    _optimise(page)
    page.fill("#frontier_points", "3")
    page.click("#frontier")
    page.wait_for_selector("#frontier-title", timeout=90_000)
    _nothing_wider_than_the_viewport(page)
    _no_text_under_11px(page)
    _shot(page, f"frontier-{width}")
    page.click("#stage")
    page.wait_for_selector("#staged-title", timeout=90_000)
    page.click("#compare")
    page.wait_for_selector("#comparison-title", timeout=90_000)
    _nothing_wider_than_the_viewport(page)
    _no_text_under_11px(page)
    assert "optimal" not in page.inner_text("#comparison table")  # statuses in words
    assert "-0.0" not in page.inner_text("#comparison")
    _shot(page, f"stage-compare-{width}")
    if width < 600:
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(page)
        serious = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
        assert serious == [], results.generate_report()
    context.close()


def test_service_level_and_campus_size_on_the_form(live_server: tuple[str, str], page: Any) -> None:
    """The form's service level (percent of the interactive users within the RTT) and smallest campus go into
    the request as the engine names them; 100 % means every centre (the field is left out)."""
    base, key = live_server
    page.goto(base)
    page.fill("#key", key)
    page.dispatch_event("#key", "change")

    def request() -> Any:
        return page.evaluate("JSON.parse(document.getElementById('json').value)")

    interactive = request()["classes"][0]
    assert interactive["service_level_fraction"] == 0.95 and "min_site_it_load_mw" not in request()
    page.fill("#service_level_pct", "100")
    assert "service_level_fraction" not in request()["classes"][0]
    page.fill("#min_site_it_load_mw", "8")
    assert request()["min_site_it_load_mw"] == 8
    page.fill("#min_site_it_load_mw", "30")  # above the 20 MW asked: no plan, and the headline says why
    page.fill("#robust", "0")
    _optimise(page)
    assert "min_site_it_load_mw" in page.inner_text("#recommendation")
