"""What a planner waits for in the Streamlit app, measured in a real browser (Debian's Chromium via Playwright).

Run: ``python bench/bench_app.py [--repeat 3] [--baseline DIR]`` from the repository root.  The data folder is
``$HEALTHPLAN_DATA`` (else ``../shared/data``).  Prints one row per measurement (median, min, max of the
repeats, and the bar the issue sets), then one JSON line.

Each app under test is started with ``python -m streamlit run app.py`` from its own root on its own port.
``--baseline DIR`` names another checkout (for instance ``git archive <commit> | tar -x -C DIR``) that is
started beside this one; the rounds alternate between the two servers so they share the machine's load,
and the table shows both medians and their ratio.

One round, in a fresh browser page (a new Streamlit session), timed from the user's action to what the
user waits for; caches are warm (one unmeasured round first: network, population, static map):

* first load: ``goto`` → the metric cards show the 1-hour share (and, reported beside it, the map drawn);
* layer toggle: tick "分县覆盖率" in the map's layer control → Leaflet has drawn (or removed) its paths;
* map click: a click at a gap's road node → the "加入候选点后" card shows the new share, and (reported
  beside it) the map draws the new site's marker (two clicks per round, at different gaps, so every
  click is a new site the server has not seen);
* optimiser k = 3: "运行优化" → the optimiser's result is on the page and the app is idle (the pool holds
  the round's own clicked sites, so the choice is computed, not taken from the cache);
* threshold change: a new tertiary threshold (a value this server has not seen) → the cards name it, and
  the app is idle with the map redrawn.

Server-side timings: when ``HEALTHPLAN_APP_PROFILE=1`` the app prints one ``healthplan-profile {json}`` line
per script run (its phases in seconds); the bench sets it and sums those lines per action (apps that do
not print them show none).  The bytes the browser receives on the app's websocket are counted per action.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
WAIT_MS = 180_000
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
#: The issue's bars (seconds).
BARS_S: dict[str, float] = {"first_load_cards": 8.0, "map_click_gain": 2.0, "layer_toggle": 1.0,
                            "threshold_change": 5.0, "optimiser_k3": 5.0}
PROFILE_PREFIX = "healthplan-profile "


def free_port() -> int:
    """An unused TCP port on localhost."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``streamlit run app.py`` from ``root`` on a free port, its output in a log file."""

    def __init__(self, name: str, root: Path, log_dir: Path) -> None:
        self.name, self.root = name, root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / f"{name}.log"
        env = {**os.environ, "HEALTHPLAN_APP_PROFILE": "1", "PYTHONUNBUFFERED": "1",
               "PYTHONPATH": str(root)}  # its own code, whatever is installed or exported
        env.setdefault("HEALTHPLAN_DATA", str(ROOT.parent / "shared" / "data"))
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port",
                 str(self.port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
                 "--server.fileWatcherType", "none"],  # an edit elsewhere must not stop the app mid-measurement
                cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
        for _ in range(240):
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"{name}: streamlit did not start; see {self.log}")

    def profile_lines(self) -> list[dict[str, Any]]:
        """Every profile record the app has printed so far."""
        out = []
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith(PROFILE_PREFIX):
                try:
                    out.append(json.loads(line[len(PROFILE_PREFIX):]))
                except ValueError:
                    pass
        return out

    def stop(self) -> None:
        """Stop the server (this process started it)."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def gap_nodes(n: int) -> list[tuple[float, float]]:
    """Road nodes nearest the ``n`` most populous 1-hour gaps of Hainan that lie ≥ 15 km apart (WGS84)."""
    # run as `python bench/bench_app.py`, the script's folder comes first on sys.path: this checkout's engine,
    # imported here (not at the top) so that it is the checkout under test, not an installed copy
    sys.path.insert(0, str(ROOT))
    from spatial import traveltime
    from spatial.pipeline import Pipeline
    from spatial.scenario import Scenario

    res = Pipeline().run(Scenario(region="hainan"), None, geometry=False)
    net = res.inputs.network
    table = res.gap_table()
    out: list[tuple[float, float]] = []
    for lon, lat in zip(table["lon"], table["lat"], strict=True):
        node = int(traveltime.snap(net, [float(lon)], [float(lat)]).node[0])
        p = (float(net.lon[node]), float(net.lat[node]))
        if all(abs(p[0] - q[0]) + abs(p[1] - q[1]) > 0.15 for q in out):
            out.append(p)
        if len(out) == n:
            break
    return out


class Meter:
    """Bytes received on the app's websocket (counted per action)."""

    def __init__(self, page: Any) -> None:
        self.bytes = 0
        page.on("websocket", self._attach)

    def _attach(self, ws: Any) -> None:
        ws.on("framereceived", lambda payload: self._add(payload))

    def _add(self, payload: Any) -> None:
        self.bytes += len(payload)

    def take(self) -> int:
        """Bytes since the last call."""
        n, self.bytes = self.bytes, 0
        return n


def card(page: Any, label_part: str) -> Any:
    """The metric card whose label contains ``label_part``."""
    return page.locator('[data-testid="stMetric"]').filter(has_text=label_part).first


def card_value(page: Any, label_part: str) -> str:
    """The displayed value of that card ('' when absent)."""
    loc = card(page, label_part).locator('[data-testid="stMetricValue"]')
    return loc.inner_text().strip() if loc.count() else ""


def wait_idle(page: Any) -> None:
    """Until the app has finished its rerun (Streamlit's running indicator is gone)."""
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=WAIT_MS)


def wait_settled(page: Any, quiet_s: float = 1.5) -> None:
    """Until the app has been idle for ``quiet_s`` (a click may start a second rerun); not timed."""
    calm_since = None
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        running = page.locator('[data-testid="stStatusWidget"]').count() > 0
        now = time.monotonic()
        if running:
            calm_since = None
        elif calm_since is None:
            calm_since = now
        elif now - calm_since >= quiet_s:
            return
        time.sleep(0.1)
    raise TimeoutError("the app never settled")


def wait_map(page: Any) -> Any:
    """Until exactly one map iframe exists and Leaflet has drawn paths in it; returns its Frame."""
    page.wait_for_function(f"""() => {{ const f = document.querySelectorAll('{MAP_IFRAME}');
        if (f.length !== 1 || !f[0].contentDocument) return false;
        return f[0].contentDocument.querySelectorAll('.leaflet-map-pane svg path').length > 0; }}""", timeout=WAIT_MS)
    return page.locator(MAP_IFRAME).element_handle().content_frame()


def path_count(page: Any) -> int:
    """Vector paths drawn in the map."""
    return int(page.evaluate(f"""() => document.querySelector('{MAP_IFRAME}').contentDocument
        .querySelectorAll('.leaflet-map-pane svg path').length"""))


def marker_count(page: Any) -> int:
    """Markers (points) drawn in the map."""
    return int(page.evaluate(f"""() => document.querySelector('{MAP_IFRAME}').contentDocument
        .querySelectorAll('.leaflet-marker-icon').length"""))


def timed(fn: Callable[[], Any]) -> float:
    """Wall seconds of ``fn``."""
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def one_round(browser: Any, server: Server, clicks: list[tuple[float, float]], threshold: float) -> dict[str, Any]:
    """One measured round in a fresh page; returns seconds, bytes and server profile per action."""
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    meter = Meter(page)
    out: dict[str, Any] = {"s": {}, "bytes": {}, "server": {}}
    n_prof = len(server.profile_lines())

    def record(name: str, seconds: float) -> None:
        nonlocal n_prof
        out["s"].setdefault(name, []).append(seconds)
        out["bytes"].setdefault(name, []).append(meter.take())
        prof = server.profile_lines()
        out["server"].setdefault(name, []).append(prof[n_prof:])
        n_prof = len(prof)

    try:
        # first load: cards, then the map
        t0 = time.perf_counter()
        page.goto(server.url, wait_until="domcontentloaded")
        page.wait_for_function("""() => [...document.querySelectorAll('[data-testid="stMetric"]')].some(
            m => m.innerText.includes('三级') && /%/.test(m.innerText))""", timeout=WAIT_MS)
        t_cards = time.perf_counter() - t0
        frame = wait_map(page)
        t_map = time.perf_counter() - t0
        wait_idle(page)
        wait_settled(page)
        record("first_load_cards", t_cards)
        out["s"]["first_load_map"] = [t_map]

        # layer toggle, in the map's own control (on, then off)
        frame.wait_for_function("() => window.map !== undefined", timeout=WAIT_MS)
        for _ in range(2):
            before = path_count(page)
            control = page.frame_locator(MAP_IFRAME).locator(".leaflet-control-layers")
            control.hover()
            box = page.frame_locator(MAP_IFRAME).locator(".leaflet-control-layers-overlays label",
                                                         has_text="分县覆盖率").locator("input")
            box.wait_for(timeout=WAIT_MS)

            def toggle(box: Any = box, before: int = before) -> None:
                box.click()
                page.wait_for_function(f"""() => document.querySelector('{MAP_IFRAME}').contentDocument
                    .querySelectorAll('.leaflet-map-pane svg path').length !== {before}""", timeout=WAIT_MS)

            record("layer_toggle", timed(toggle))
            page.mouse.move(5, 5)

        # map clicks at gap road nodes: until the candidate card shows the new share
        for lon, lat in clicks:
            frame = wait_map(page)
            frame.wait_for_function("() => window.map !== undefined", timeout=WAIT_MS)
            # the whole map in view first: Playwright scrolls a partly hidden iframe while clicking and the
            # click would land off the point by the scrolled distance
            page.locator(MAP_IFRAME).scroll_into_view_if_needed()
            frame.evaluate("([lat, lon]) => window.map.setView([lat, lon], 13, {animate: false})", [lat, lon])
            x, y = frame.evaluate("([lat, lon]) => { const p = window.map.latLngToContainerPoint([lat, lon]);"
                                  " return [p.x, p.y]; }", [lat, lon])
            before = card_value(page, "加入候选点后")
            markers = marker_count(page)

            def click(x: float = x, y: float = y, before: str = before) -> None:
                page.frame_locator(MAP_IFRAME).locator("#map_div").click(position={"x": float(x), "y": float(y)})
                page.wait_for_function(f"""() => {{ const m = [...document.querySelectorAll('[data-testid="stMetric"]')]
                    .find(m => m.innerText.includes('加入候选点后'));
                    if (!m) return false;
                    const v = m.querySelector('[data-testid="stMetricValue"]').innerText.trim();
                    return v.endsWith('%') && v !== {json.dumps(before)}; }}""", timeout=WAIT_MS)

            t_gain = timed(click)
            # … and until the site is drawn on the map (one more marker: the candidate's diamond)
            t_marker = timed(lambda markers=markers: page.wait_for_function(
                f"""() => document.querySelector('{MAP_IFRAME}').contentDocument
                    .querySelectorAll('.leaflet-marker-icon').length > {markers}""", timeout=WAIT_MS))
            out["s"].setdefault("map_click_marker", []).append(t_gain + t_marker)
            wait_settled(page)
            record("map_click_gain", t_gain)  # bytes and server runs of the whole click, until settled

        # optimiser k = 3 (the default k) in the candidate-sites tab
        page.get_by_role("tab", name=re.compile("候选院址")).click()
        run = page.get_by_role("button", name=re.compile("运行优化"))
        run.wait_for(timeout=WAIT_MS)
        meter.take()

        def optimise() -> None:
            run.click()
            page.get_by_text(re.compile("^优化结果")).first.wait_for(timeout=WAIT_MS)
            wait_idle(page)

        record("optimiser_k3", timed(optimise))
        wait_settled(page)

        # a new tertiary threshold in the sidebar: until the cards name it and the map is redrawn
        expander = page.locator('[data-testid="stSidebar"] [data-testid="stExpander"] summary').first
        expander.click()
        box = page.locator('[data-testid="stSidebar"] [data-testid="stNumberInput"]').filter(
            has_text="三级医院服务圈").locator("input")
        box.wait_for(timeout=WAIT_MS)
        meter.take()

        def threshold_change() -> None:
            box.fill(f"{threshold:g}")
            box.press("Enter")
            page.wait_for_function(f"""() => [...document.querySelectorAll('[data-testid="stMetric"]')].some(
                m => m.innerText.includes('{threshold:g} 分钟') && m.innerText.includes('三级'))""", timeout=WAIT_MS)

        t_cards = timed(threshold_change)
        t_rest = timed(lambda: (wait_idle(page), wait_map(page)))
        record("threshold_change", t_cards)
        out["s"].setdefault("threshold_change_map", []).append(t_cards + t_rest)
    except Exception:
        shot = Path(tempfile.gettempdir()) / f"bench-app-failure-{server.name}.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"{server.name}: failed; screenshot {shot}, server log {server.log}", file=sys.stderr)
        raise
    finally:
        page.close()
    return out


def server_phases(records: list[list[dict[str, Any]]]) -> str:
    """Median server seconds per phase over the action's repeats, and the reruns per action."""
    if not any(records):
        return ""
    runs = statistics.median(len(r) for r in records)
    phases: dict[str, list[float]] = {}
    for rec in records:
        total: dict[str, float] = {}
        for run in rec:
            for k, v in run.get("phases", {}).items():
                total[k] = total.get(k, 0.0) + float(v)
        for k, v in total.items():
            phases.setdefault(k, []).append(v)
    top = sorted(((statistics.median(v), k) for k, v in phases.items()), reverse=True)[:5]
    return f"{runs:g} run(s): " + ", ".join(f"{k} {v:.2f}" for v, k in top if v >= 0.01)


def main() -> None:
    """Parse options, run the rounds, print the table and the JSON line."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="measured rounds per app (default 3)")
    ap.add_argument("--baseline", type=Path, help="another checkout to run side by side (the 'before')")
    ap.add_argument("--no-warmup", action="store_true", help="measure the first round too (cold caches)")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright  # a test/bench-only dependency (the dev extra)

    apps = {"current": ROOT}
    if args.baseline:
        apps = {"baseline": args.baseline.resolve(), **apps}
    n_rounds = args.repeat + (0 if args.no_warmup else 1)
    points = gap_nodes(2 * n_rounds)
    thresholds = [60.0 + 5 * (i + 1) for i in range(n_rounds)]  # a value the server has not seen, each round
    results: dict[str, dict[str, Any]] = {name: {"s": {}, "bytes": {}, "server": {}} for name in apps}
    log_dir = Path(tempfile.mkdtemp(prefix="bench-app-"))
    servers = {name: Server(name, root, log_dir) for name, root in apps.items()}
    print("servers: " + ", ".join(f"{n} {s.url} ({s.root})" for n, s in servers.items()), file=sys.stderr)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                for r in range(n_rounds):
                    for name, server in servers.items():  # alternate: both share the machine's load
                        got = one_round(browser, server, points[2 * r:2 * r + 2], thresholds[r])
                        if r == 0 and not args.no_warmup:
                            print(f"warm-up {name}: " + ", ".join(f"{k} {v[0]:.2f}s" for k, v in got["s"].items()),
                                  file=sys.stderr)
                            continue
                        for part in ("s", "bytes", "server"):
                            for k, v in got[part].items():
                                results[name][part].setdefault(k, []).extend(v)
                        print(f"round {r} {name}: " + ", ".join(f"{k} {statistics.median(v):.2f}s"
                                                                 for k, v in got["s"].items()), file=sys.stderr)
            finally:
                browser.close()
    finally:
        for s in servers.values():
            s.stop()

    names = ["first_load_cards", "first_load_map", "map_click_gain", "map_click_marker", "layer_toggle",
             "optimiser_k3", "threshold_change", "threshold_change_map"]
    line: dict[str, Any] = {"repeat": args.repeat, "machine_cpus": os.cpu_count()}
    header = "| what the user waits for | " + " | ".join(f"{n}: median (min–max) s" for n in apps) + \
             (" | ratio |" if len(apps) == 2 else " |") + " bar | MB received | server (current) |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for k in names:
        cells, med = [], {}
        for n in apps:
            v = results[n]["s"].get(k, [])
            if v:
                med[n] = statistics.median(v)
                cells.append(f"{med[n]:.2f} ({min(v):.2f}–{max(v):.2f})")
                line[f"{k}_s_{n}"] = round(med[n], 3)
            else:
                cells.append("—")
        ratio = ""
        if len(med) == 2:
            ratio = f"{med['baseline'] / med['current']:.1f}× faster" if med["current"] > 0 else ""
            line[f"{k}_speedup"] = round(med["baseline"] / med["current"], 2)
        bar = f"< {BARS_S[k]:g} s" if k in BARS_S else ""
        if k in BARS_S and "current" in med:
            line[f"{k}_meets_bar"] = med["current"] < BARS_S[k]
        mb = " / ".join(f"{statistics.median(results[n]['bytes'][k]) / 1e6:.2f}" for n in apps
                        if results[n]["bytes"].get(k))
        prof = server_phases(results["current"]["server"].get(k, []))
        print(f"| {k} | " + " | ".join(cells) + (f" | {ratio}" if len(apps) == 2 else "") + f" | {bar} | {mb} | {prof} |")
    print(json.dumps(line))


if __name__ == "__main__":
    main()
