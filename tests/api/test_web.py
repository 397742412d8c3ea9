"""The planner's web page: served by the API, and driven in a real headless Chromium against a live server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bench.bench_api_load import SERVER, database_with_key, free_port, wait_ready

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_page_is_served(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert 'id="score"' in r.text and 'id="optimize"' in r.text
    assert 'src="http' not in r.text and 'stylesheet" href="http' not in r.text  # no external assets


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


def _chromium_dom(url: str, screenshot: Path | None = None) -> str:
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory(prefix="siting-chromium-") as profile:
        flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={profile}", "--virtual-time-budget=15000", "--run-all-compositor-stages-before-draw"]
        if screenshot is not None:
            subprocess.run([*flags, f"--screenshot={screenshot}", "--window-size=1280,1400", url],
                           capture_output=True, timeout=120, check=False)
        out = subprocess.run([*flags, "--dump-dom", url], capture_output=True, timeout=120, check=True)
    return out.stdout.decode("utf-8")


needs_browser = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                                   reason="Chromium is not installed (.ci/run installs it)")


@needs_browser
def test_browser_ranks_and_optimises(live_server: tuple[str, str], tmp_path: Path) -> None:
    base, key = live_server
    dom = _chromium_dom(f"{base}/#key={key}&run=score", screenshot=tmp_path / "rank.png")
    assert 'id="ranking"' in dom
    for site in ("zhongwei", "guian", "yaan", "chongqing"):
        assert site in dom
    assert "Catalog" in dom and "tariff yuan/kWh" in dom  # the catalog table came from GET /v1/sites
    dom = _chromium_dom(f"{base}/#key={key}&run=optimize")
    assert 'id="recommendation"' in dom and "Recommendation: optimal" in dom
    assert "yuan/kW/month; chosen:" in dom


@needs_browser
def test_browser_shows_the_api_error(live_server: tuple[str, str]) -> None:
    base, _ = live_server
    dom = _chromium_dom(f"{base}/#key=sk_wrong&run=score")
    assert 'class="error"' in dom and "401" in dom
