"""A real browser (Debian's Chromium via Playwright) drives `streamlit run app.py`: load, toggle, click, see.

Offline machines cannot fetch the map tiles (fine: the overlays still draw) nor Leaflet from its CDN; the app
then uses the local Leaflet of the ``folium-offline`` package (spatial.report.embed_leaflet).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from spatial import datafolder, traveltime
from spatial import scenario as sc

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT_MS = 120_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]


def free_port() -> int:
    """An unused TCP port on localhost."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    """`streamlit run app.py` on a free port, reading the shared data folder; yields its URL."""
    port = free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = {**os.environ, "HEALTHPLAN_DATA": str(shared_data)}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
             "--server.port", str(port), "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"streamlit did not start; log: {log.read_text()[-2000:]}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def gap_node(shared_data: Path) -> tuple[float, float]:
    """The road node nearest the most populous 1-hour gap of Hainan (a click there must add people)."""
    res = sc.run_scenario(sc.Scenario(data_dir=str(shared_data)))
    top = res.coverage.report.gap_table.iloc[0]
    net = datafolder.default_network("hainan", data_dir=shared_data)
    node = int(traveltime.snap(net, [float(top["lon"])], [float(top["lat"])]).node[0])
    return float(net.lon[node]), float(net.lat[node])


def artifact_dir() -> Path:
    """tests/artifacts/ (gitignored): the screenshot is kept there as the test's artifact."""
    out = ROOT / "tests" / "artifacts"
    out.mkdir(exist_ok=True)
    return out


def metric_value(page, label: str) -> str:
    """The displayed value of the metric card with ``label``."""
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return card.locator('[data-testid="stMetricValue"]').inner_text().strip()


def wait_idle(page) -> None:
    """Wait until the app has finished its rerun (no 'running' status widget)."""
    page.wait_for_timeout(500)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=WAIT_MS)


MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'


def map_frame(page):
    """The map's iframe once a rerun has replaced any stale copy (there is then exactly one)."""
    page.wait_for_function(f"() => document.querySelectorAll('{MAP_IFRAME}').length === 1", timeout=WAIT_MS)
    return page.frame_locator(MAP_IFRAME)


def test_browser_toggle_click_and_metric_changes(server, gap_node):
    from playwright.sync_api import sync_playwright

    shots = artifact_dir()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(server, wait_until="domcontentloaded")
            page.get_by_text("60 分钟三级医院服务圈").first.wait_for(timeout=WAIT_MS)
            wait_idle(page)
            assert metric_value(page, "加入候选点后") == "—"
            before = metric_value(page, "60 分钟三级医院服务圈")
            assert before.endswith("%")

            # the map draws (Leaflet + overlays) even with no tiles reachable
            frame = map_frame(page)
            frame.locator(".leaflet-overlay-pane path").first.wait_for(timeout=WAIT_MS)
            n_paths = frame.locator(".leaflet-overlay-pane path").count()

            # toggle a layer: the county outlines appear on the map
            page.get_by_text("县级单元覆盖率", exact=True).click()
            wait_idle(page)
            frame = map_frame(page)
            frame.locator(".leaflet-overlay-pane path").first.wait_for(timeout=WAIT_MS)
            page.wait_for_timeout(1500)
            assert frame.locator(".leaflet-overlay-pane path").count() > n_paths

            # a real click on the map at the gap's road node adds a candidate site
            lon, lat = gap_node
            map_frame(page)
            handle = page.locator(MAP_IFRAME).element_handle()
            inner = handle.content_frame()
            inner.wait_for_function("() => window.map !== undefined", timeout=WAIT_MS)
            x, y = inner.evaluate("([lat, lon]) => { const p = window.map.latLngToContainerPoint([lat, lon]);"
                                  " return [p.x, p.y]; }", [lat, lon])
            inner.locator(".folium-map, #map_div").first.click(position={"x": float(x), "y": float(y)})
            page.locator('[data-testid="stMetric"]').filter(has_text="加入候选点后").locator(
                '[data-testid="stMetricDelta"]').wait_for(timeout=WAIT_MS)
            wait_idle(page)
            after = metric_value(page, "加入候选点后")
            assert after.endswith("%") and after != "—"
            assert float(after.rstrip("%")) > float(before.rstrip("%"))
            shot = shots / "browser_candidate_site.png"
            page.screenshot(path=str(shot), full_page=False)
            print(f"screenshot: {shot}")
            assert shot.stat().st_size > 10_000
        finally:
            browser.close()
