"""A real browser (Debian's Chromium via Playwright) drives `streamlit run app.py`: load, read, hover, click, see.

Offline machines cannot fetch the map tiles (fine: the overlays still draw) nor Leaflet from its CDN; the app
then uses the local Leaflet of the ``folium-offline`` package (views.offline).  Every wait polls for the
change it expects; none is a fixed sleep.  Screenshots are kept in tests/artifacts/ (the README's come from
there: docs/screenshots/README.md says which).  In CI (``CI`` set) a missing Chromium fails the test
instead of skipping it.
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

from layers import registry
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
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
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


def road_node(res, lon: float, lat: float) -> tuple[float, float]:
    """The road node nearest (lon, lat)."""
    net = res.inputs.network
    node = int(traveltime.snap(net, [lon], [lat]).node[0])
    return float(net.lon[node]), float(net.lat[node])


@pytest.fixture(scope="module")
def gap_nodes(hainan_results) -> list[tuple[float, float]]:
    """Road nodes nearest the three most populous 1-hour gaps of Hainan (sites there must add people)."""
    top = hainan_results.gap_table().head(3)
    return [road_node(hainan_results, float(x), float(y)) for x, y in zip(top["lon"], top["lat"], strict=True)]


def artifact_dir() -> Path:
    """tests/artifacts/ (gitignored): the screenshots are kept there as the test's artifacts."""
    out = ROOT / "tests" / "artifacts"
    out.mkdir(exist_ok=True)
    return out


def card(page, label: str):
    """The metric card whose label contains ``label``."""
    return page.locator('[data-testid="stMetric"]').filter(has_text=label).first


def metric_value(page, label: str) -> str:
    """The displayed value of the metric card with ``label``."""
    return card(page, label).locator('[data-testid="stMetricValue"]').inner_text().strip()


def wait_idle(page) -> None:
    """Wait until the app has finished its rerun (no 'running' status widget)."""
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=WAIT_MS)


MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'


def map_frame(page):
    """The map's Frame once exactly one map iframe exists and Leaflet has drawn in it."""
    page.wait_for_function(f"""() => {{ const f = document.querySelectorAll('{MAP_IFRAME}');
        return f.length === 1 && f[0].contentWindow && f[0].contentWindow.map !== undefined
            && f[0].contentDocument.querySelectorAll('.leaflet-map-pane svg path').length > 0; }}""", timeout=WAIT_MS)
    return page.locator(MAP_IFRAME).element_handle().content_frame()


def path_count(page) -> int:
    """Vector paths Leaflet has drawn in the map."""
    return int(page.evaluate(f"""() => document.querySelector('{MAP_IFRAME}').contentDocument
        .querySelectorAll('.leaflet-map-pane svg path').length"""))


def point_on_map(page, lat: float, lon: float, zoom: int) -> tuple[float, float]:
    """Centre the map on (lat, lon) at ``zoom`` with the whole map in view; the point's pixel in the map."""
    # the whole iframe in view first: Playwright scrolls a partly hidden iframe while clicking, and the
    # click would land off the point by the distance scrolled
    page.locator(MAP_IFRAME).scroll_into_view_if_needed()
    frame = map_frame(page)
    frame.evaluate("([lat, lon, z]) => window.map.setView([lat, lon], z, {animate: false})", [lat, lon, zoom])
    x, y = frame.evaluate("([lat, lon]) => { const p = window.map.latLngToContainerPoint([lat, lon]);"
                          " return [p.x, p.y]; }", [lat, lon])
    return float(x), float(y)


def mouse_at(page, x: float, y: float) -> tuple[float, float]:
    """The page coordinates of map pixel (x, y)."""
    box = page.locator(MAP_IFRAME).bounding_box()
    return box["x"] + x, box["y"] + y


def settle(page, frame) -> None:
    """For a clean screenshot: the map redrawn at its view (Leaflet re-renders its vectors on the next frames)."""
    frame.evaluate("() => new Promise(r => { window.map.invalidateSize(); window.map.fire('moveend');"
                   " requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 250))); })")
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


TRUNCATED = """(selector) => [...document.querySelectorAll(selector + ' *')]
    .filter(e => e.innerText && e.innerText.trim() && e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)
    .map(e => e.innerText)"""


def fits(page, selector: str) -> None:
    """Every text inside ``selector`` elements fits its box (none cut with an ellipsis), once the layout settles."""
    try:
        page.wait_for_function(f"(s) => ({TRUNCATED})(s).length === 0", arg=selector, timeout=5_000)
    except Exception:  # noqa: BLE001 — say which texts were cut
        pytest.fail(f"cut texts: {page.evaluate(TRUNCATED, selector)}")


def test_browser_reads_hovers_clicks_uploads_and_optimises(server, gap_nodes, hainan_results, tmp_path):
    from playwright.sync_api import sync_playwright

    shots = artifact_dir()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.goto(server, wait_until="domcontentloaded")
            card(page, "60 分钟三级医院").locator('[data-testid="stMetricValue"]').wait_for(timeout=WAIT_MS)
            frame = map_frame(page)
            frame.locator(".leaflet-marker-pane svg, .leaflet-hp-facilities-pane svg").first.wait_for(timeout=WAIT_MS)
            wait_idle(page)
            assert metric_value(page, "加入候选点后") == "—"
            before = metric_value(page, "60 分钟三级医院")
            assert before.endswith("%")
            page.screenshot(path=str(shots / "overview_zh_1440.png"))
            first_view = frame.evaluate("() => { const c = window.map.getCenter(); return [c.lat, c.lng, window.map.getZoom()]; }")

            # hovering inside a plan area shows the travel time of the surface below (areas answer on their rim)
            areas = registry.all_layers("hainan")["hainan-14th/regional-medical-centres"].union_all()
            covered = hainan_results.cells_layer()
            inside = covered[covered["covered"] & covered.within(areas)].geometry.representative_point()
            for i in range(0, len(inside), max(len(inside) // 12, 1)):  # a spot clear of any marker
                lon, lat = float(inside.x.iloc[i]), float(inside.y.iloc[i])
                x, y = point_on_map(page, lat, lon, 11)
                hit = frame.evaluate("([x, y]) => { const e = document.elementFromPoint(x, y);"
                                     " return e.closest('.leaflet-pane').className; }", [x, y])
                if "hp-surface" in hit:  # not a marker, not a plan area's rim
                    break
            assert "hp-surface" in hit, hit  # the surface takes the mouse, not the plan area drawn over it
            page.mouse.move(*mouse_at(page, x, y))
            tip = frame.locator(".leaflet-tooltip-pane .leaflet-tooltip").first
            tip.wait_for(timeout=WAIT_MS)
            assert "出行时间" in tip.inner_text() and "分钟" in tip.inner_text()

            # clicking a plan point opens a readable popup (inside the map, not one character per line), no site
            centre = registry.all_layers("hainan")["hainan-14th/building-projects"].geometry.iloc[0]
            x, y = point_on_map(page, centre.y, centre.x, 12)
            page.mouse.click(*mouse_at(page, x, y))
            popup = frame.locator(".leaflet-popup-content").first
            popup.wait_for(timeout=WAIT_MS)
            box = frame.evaluate("""() => { const c = document.querySelector('.leaflet-popup-content').getBoundingClientRect();
                const m = window.map.getContainer().getBoundingClientRect();
                return [c.width, c.left - m.left, c.top - m.top, m.right - c.right, m.bottom - c.bottom]; }""")
            assert box[0] >= 230 and min(box[1:]) >= 0, box
            assert "规划原文" in popup.inner_text()
            page.wait_for_timeout(600)  # longer than the component's 250 ms debounce: a rerun would have begun
            wait_idle(page)
            assert metric_value(page, "加入候选点后") == "—"  # reading a plan point added no site
            frame.evaluate("() => window.map.closePopup()")

            # a real click on the map at a gap's road node adds a candidate site and the card shows its gain
            lon, lat = gap_nodes[0]
            x, y = point_on_map(page, lat, lon, 13)
            assert frame.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('.leaflet-control, .hp-legend')"
                                  " === null", [x, y])
            n_markers = frame.locator(".leaflet-marker-icon").count()
            page.mouse.click(*mouse_at(page, x, y))
            card(page, "加入候选点后").locator('[data-testid="stMetricDelta"]').wait_for(timeout=WAIT_MS)
            after = metric_value(page, "加入候选点后")
            assert after.endswith("%") and float(after.rstrip("%")) >= float(before.rstrip("%"))
            delta = card(page, "加入候选点后").locator('[data-testid="stMetricDelta"]').inner_text().strip()
            gained = delta.lstrip("+").replace(",", "")
            assert gained.endswith("万") or float(gained) > 0, delta  # the site brings people within the hour
            page.wait_for_function(f"""() => document.querySelector('{MAP_IFRAME}').contentDocument
                .querySelectorAll('.leaflet-marker-icon').length > {n_markers}""", timeout=WAIT_MS)  # drawn, no remount
            wait_idle(page)
            frame = map_frame(page)
            frame.evaluate("([lat, lon, z]) => window.map.setView([lat, lon], z, {animate: false})", first_view)
            page.mouse.move(0, 0)  # no tooltip in the picture
            page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollTo(0, 0)")
            settle(page, frame)
            page.screenshot(path=str(shots / "candidate_site_zh_1440.png"))

            # toggle a layer in the map's own layer control: the county choropleth appears, no rerun needed
            n_paths = path_count(page)
            control = page.frame_locator(MAP_IFRAME).locator(".leaflet-control-layers")
            control.hover()
            control.locator(".leaflet-control-layers-overlays label", has_text="分县覆盖率").locator("input").check()
            page.mouse.move(0, 0)  # the control folds away again
            page.wait_for_function(f"""() => document.querySelector('{MAP_IFRAME}').contentDocument
                .querySelectorAll('.leaflet-map-pane svg path').length > {n_paths}""", timeout=WAIT_MS)
            control.hover()
            control.locator(".leaflet-control-layers-overlays label", has_text="分县覆盖率").locator("input").uncheck()
            page.mouse.move(0, 0)

            # the candidate-sites tab: a file used twice adds its sites once
            page.get_by_role("tab", name="候选院址").click()
            csv = tmp_path / "sites.csv"
            csv.write_text("name,lon,lat\n" + "".join(f"文件点{i},{x:.6f},{y:.6f}\n"
                                                       for i, (x, y) in enumerate(gap_nodes[1:], 1)), encoding="utf-8")
            uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text="上传候选点")
            uploader.locator('input[type="file"]').set_input_files(str(csv))
            use = page.locator(".st-key-use_sites button")
            for expected in ("加入了 2 个", "加入了 0 个"):
                use.wait_for(timeout=WAIT_MS)
                use.click()
                page.get_by_text(expected).first.wait_for(timeout=WAIT_MS)
                wait_idle(page)
            # the click's site and the file's two, each with its remove button
            page.wait_for_function("""() => document.querySelectorAll('[class*="st-key-rm_"] button').length === 3""",
                                   timeout=WAIT_MS)

            # the optimiser: its result is a table and a sixth card, and the six cards fit at 1280 px
            page.locator(".st-key-run_opt button").click()
            card(page, "优化 3 个新院址后").wait_for(timeout=WAIT_MS)
            wait_idle(page)
            page.set_viewport_size({"width": 1280, "height": 800})
            # six cards once the rerun has replaced the five (Streamlit keeps stale elements until a run ends)
            page.wait_for_function("""() => document.querySelectorAll('[data-testid="stMetric"]').length === 6""",
                                   timeout=WAIT_MS)
            fits(page, '[data-testid="stMetric"]')
            page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollTo(0, 0)")
            settle(page, map_frame(page))
            page.screenshot(path=str(shots / "optimiser_cards_zh_1280.png"))
            # the optimiser's rerun kept the open tab
            assert page.locator('[role="tablist"]').first.locator('[role="tab"][aria-selected="true"]').inner_text() == "候选院址"
            page.get_by_text("优化结果", exact=True).first.scroll_into_view_if_needed()
            page.screenshot(path=str(shots / "optimiser_table_zh_1280.png"))
        finally:
            browser.close()
    assert (shots / "overview_zh_1440.png").stat().st_size > 10_000


def test_browser_english_page_at_1280(server):
    from playwright.sync_api import sync_playwright

    shots = artifact_dir()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(server, wait_until="domcontentloaded")
            card(page, "60 分钟三级医院").locator('[data-testid="stMetricValue"]').wait_for(timeout=WAIT_MS)
            page.get_by_text("English").click()
            card(page, "60 min to tertiary").wait_for(timeout=WAIT_MS)
            wait_idle(page)
            # the map is made again in the page's language (a new map: the old one is replaced)
            page.wait_for_function(f"""() => {{ const f = document.querySelectorAll('{MAP_IFRAME}');
                if (f.length !== 1 || !f[0].contentDocument) return false;
                const l = f[0].contentDocument.querySelector('.hp-legend');
                return l !== null && l.innerText.includes('Travel time'); }}""", timeout=WAIT_MS)
            legend = map_frame(page).locator(".hp-legend").inner_text()
            assert "分钟" not in legend and "规划" not in legend, legend
            fits(page, '[data-testid="stMetric"]')
            page.screenshot(path=str(shots / "overview_en_1280.png"))
        finally:
            browser.close()
