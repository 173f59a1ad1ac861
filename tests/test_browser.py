"""A real browser (Debian's Chromium via Playwright) drives `streamlit run app.py`: load, toggle, click, see.

Offline machines cannot fetch the map tiles (fine: the overlays still draw) nor Leaflet from its CDN; the app
then uses the local Leaflet of the ``folium-offline`` package (views.offline).  Every wait polls for the
change it expects; none is a fixed sleep.  In CI (``CI`` set) a missing Chromium fails the test instead of
skipping it.
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

from spatial import traveltime

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT_MS = 120_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"),
                       reason="needs Debian's chromium at /usr/bin/chromium (scripts/test.sh installs it)"),
]


def free_port() -> int:
    """An unused TCP port on localhost."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    """`streamlit run app.py` on a free port on 127.0.0.1, reading the tests' data folder; yields its URL."""
    port = free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = dict(os.environ)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
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
def gap_node(hainan_results) -> tuple[float, float]:
    """The road node nearest the most populous 1-hour gap of Hainan (a click there must add people)."""
    top = hainan_results.gap_table().iloc[0]
    net = hainan_results.inputs.network
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
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=WAIT_MS)


MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'


def map_frame(page):
    """The map's iframe once a rerun has replaced any stale copy (there is then exactly one)."""
    page.wait_for_function(f"() => document.querySelectorAll('{MAP_IFRAME}').length === 1", timeout=WAIT_MS)
    return page.frame_locator(MAP_IFRAME)


def path_count(frame) -> int:
    """Vector paths Leaflet has drawn in the map."""
    return frame.locator(".leaflet-overlay-pane path").count()


def test_browser_toggle_click_and_metric_changes(server, gap_node):
    from playwright.sync_api import sync_playwright

    shots = artifact_dir()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.goto(server, wait_until="domcontentloaded")
            page.get_by_text("60 分钟三级医院").first.wait_for(timeout=WAIT_MS)
            wait_idle(page)
            assert metric_value(page, "加入候选点后") == "—"
            before = metric_value(page, "60 分钟三级医院")
            assert before.endswith("%")

            # the map draws (Leaflet + overlays) even with no tiles reachable
            frame = map_frame(page)
            frame.locator(".leaflet-overlay-pane path").first.wait_for(timeout=WAIT_MS)
            frame.locator(".leaflet-marker-pane svg").first.wait_for(timeout=WAIT_MS)  # hospital squares drawn

            # a real click on the map at the gap's road node adds a candidate site
            lon, lat = gap_node
            handle = page.locator(MAP_IFRAME).element_handle()
            inner = handle.content_frame()
            inner.wait_for_function("() => window.map !== undefined", timeout=WAIT_MS)
            # a planner zooms in to place a site (at the island-wide zoom a pixel is ≈ 600 m)
            inner.evaluate("([lat, lon]) => window.map.setView([lat, lon], 13, {animate: false})", [lat, lon])
            x, y = inner.evaluate("([lat, lon]) => { const p = window.map.latLngToContainerPoint([lat, lon]);"
                                  " return [p.x, p.y]; }", [lat, lon])
            # nothing (legend, control, popup) covers that point of the map
            assert inner.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('.leaflet-control, .hp-legend')"
                                  " === null", [x, y])
            inner.locator(".folium-map, #map_div").first.click(position={"x": float(x), "y": float(y)})
            page.locator('[data-testid="stMetric"]').filter(has_text="加入候选点后").locator(
                '[data-testid="stMetricDelta"]').wait_for(timeout=WAIT_MS)
            wait_idle(page)
            after = metric_value(page, "加入候选点后")
            delta = page.locator('[data-testid="stMetric"]').filter(has_text="加入候选点后").locator(
                '[data-testid="stMetricDelta"]').inner_text().strip()
            assert after.endswith("%") and after != "—"
            assert float(after.rstrip("%")) >= float(before.rstrip("%"))
            gained = delta.lstrip("+").replace(",", "")
            assert gained.endswith("万") or float(gained) > 0, delta  # the site brings people within the hour
            # toggle a layer in the map's own layer control: the county choropleth appears, no rerun needed
            n_paths = path_count(map_frame(page))
            map_frame(page).locator(".leaflet-control-layers").hover()
            map_frame(page).locator(".leaflet-control-layers-overlays label", has_text="分县覆盖率").locator("input").check()
            page.mouse.move(0, 0)  # the control folds away again
            page.wait_for_function(
                f"""() => {{ const f = document.querySelector('{MAP_IFRAME}').contentDocument;
                    return f.querySelectorAll('.leaflet-overlay-pane path').length > {n_paths}; }}""",
                timeout=WAIT_MS)

            shot = shots / "browser_candidate_site.png"
            page.screenshot(path=str(shot), full_page=False)
            assert shot.stat().st_size > 10_000
        finally:
            browser.close()
