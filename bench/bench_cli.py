"""What a user waits for at the command line: whole ``healthplan`` commands, end to end, cold and warm.

Run from the repository root: ``python bench/bench_cli.py [--repeat 5] [--baseline DIR] [--only NAME …]``.
Prints a table, then one JSON line.

Each command runs in a fresh process, exactly as typed (``python -m healthplan …``), on the data folder
(``$HEALTHPLAN_DATA`` or ``../shared/data``; commands whose data is missing are skipped and named):

* **warm** — the caches already hold the road network, the plan layers, the compiled kernels (one
  untimed run first) and the checkout's bytecode (compiled first, as the setup scripts do: where
  ``PYTHONDONTWRITEBYTECODE`` is set Python never writes it itself); the median of ``--repeat`` runs;
* **cold** — an empty cache folder (``HEALTHPLAN_CACHE`` and ``NUMBA_CACHE_DIR``): the network is built,
  the kernels compile, the plan layers are built — a new machine's first run; one run.

Then each command once more in-process through ``healthplan.cli.main``, warm, split into imports, the
pipeline's stages (``Pipeline.timings``) and writing the files, to show where the seconds go.

``--baseline DIR`` runs the same commands from another checkout (e.g. ``git worktree add /tmp/base
<commit>``) alternating with this one, and prints this/baseline ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

#: name → (arguments after ``healthplan``, data-folder files it needs, or () for the embedded default)
COMMANDS: dict[str, tuple[list[str], tuple[str, ...]]] = {
    "help": (["--help"], ()),
    "hainan": (["coverage", "--region", "hainan", "--out", "{out}"], ()),
    "haikou": (["coverage", "--region", "460100", "--out", "{out}"], ()),
    "kunming-500m": (["coverage", "--region", "530100", "--cell-m", "500", "--out", "{out}"],
                     ("roads/kunming_roads.gpkg",)),
    "hainan-optimise-k3": (["sites", "optimize", "--region", "hainan", "--k", "3", "--out", "{out}"], ()),
}

#: In-process driver: times imports, the pipeline's stages and writing for one command (prints JSON).
DRIVER = r"""
import json, sys, time
t0 = time.perf_counter()
import healthplan.run as front
from healthplan import cli
from spatial import pipeline
t1 = time.perf_counter()
pipes, writes = [], []
init, write = pipeline.Pipeline.__init__, front.write
def tracked_init(self, *a, **k):
    init(self, *a, **k)
    pipes.append(self)
def timed_write(*a, **k):
    t = time.perf_counter()
    try:
        return write(*a, **k)
    finally:
        writes.append(time.perf_counter() - t)
pipeline.Pipeline.__init__, front.write = tracked_init, timed_write
code = cli.main(sys.argv[1:])
t2 = time.perf_counter()
stages = {}
for p in pipes:
    for k, v in p.timings.items():
        stages[k] = stages.get(k, 0.0) + v
print(json.dumps({"code": code, "imports_s": t1 - t0, "total_s": t2 - t0, "write_s": sum(writes),
                  "stages_s": stages}), file=sys.stderr)
"""


def data_dir() -> Path:
    """The data folder the commands read."""
    return Path(os.environ.get("HEALTHPLAN_DATA") or ROOT.parent / "shared" / "data")


class Failed(Exception):
    """A command that did not succeed in a checkout (its last stderr line)."""


def entry(checkout: Path) -> list[str]:
    """How to start the command of a checkout: ``-m healthplan``, or the older ``spatial.cli`` entry point."""
    if (checkout / "healthplan" / "__main__.py").is_file():
        return ["-m", "healthplan"]
    return ["-c", "import sys; from spatial.cli import main; sys.argv[0] = 'healthplan'; main()"]


def run_once(checkout: Path, args: list[str], env: dict[str, str]) -> float:
    """Seconds one ``healthplan ARGS`` takes from ``checkout``; ``Failed`` if it does not succeed."""
    with tempfile.TemporaryDirectory() as tmp:
        argv = [a.replace("{out}", str(Path(tmp) / "out")) for a in args]
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, *entry(checkout), *argv], cwd=checkout, env=env,
                              capture_output=True, text=True)
        seconds = time.perf_counter() - t0
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise Failed(f"exit {done.returncode}: {last[:200]}")
    return seconds


def compile_bytecode(checkout: Path) -> None:
    """Compile a checkout's own modules to bytecode, as ``scripts/run_app.sh`` and ``scripts/test.sh`` do."""
    mine = [n for n in ("spatial", "layers", "views", "healthplan", "app.py") if (checkout / n).exists()]
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", *mine], cwd=checkout, check=True,
                   capture_output=True)


def env_for(checkout: Path, cache: Path | None) -> dict[str, str]:
    """Environment of a run from ``checkout``: its code first on the path; ``cache`` for an empty cache."""
    env = {**os.environ, "PYTHONPATH": str(checkout), "HEALTHPLAN_DATA": str(data_dir())}
    if cache is not None:
        env["HEALTHPLAN_CACHE"] = str(cache)
        env["NUMBA_CACHE_DIR"] = str(cache / "numba")
    return env


def breakdown(args: list[str]) -> dict[str, Any]:
    """Imports, stages and writing of one warm run in-process (this checkout)."""
    with tempfile.TemporaryDirectory() as tmp:
        argv = [a.replace("{out}", str(Path(tmp) / "out")) for a in args]
        done = subprocess.run([sys.executable, "-c", DRIVER, *argv], cwd=ROOT, env=env_for(ROOT, None),
                              capture_output=True, text=True)
    return json.loads(done.stderr.strip().splitlines()[-1])


def main() -> None:
    """Time every command and print the table and one JSON line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="warm runs per command (the median is reported)")
    ap.add_argument("--baseline", type=Path, help="another checkout to run side by side")
    ap.add_argument("--only", nargs="*", choices=list(COMMANDS), help="run only these commands")
    ap.add_argument("--no-cold", action="store_true", help="skip the cold (empty cache) runs")
    a = ap.parse_args()
    checkouts = {"this": ROOT, **({"baseline": a.baseline.resolve()} if a.baseline else {})}
    for checkout in checkouts.values():
        compile_bytecode(checkout)
    rows: list[dict[str, Any]] = []
    for name in a.only or COMMANDS:
        args, needs = COMMANDS[name]
        missing = [f for f in needs if not (data_dir() / f).is_file()]
        if missing:
            print(f"skipped {name}: needs {', '.join(str(data_dir() / f) for f in missing)}", file=sys.stderr)
            continue
        row: dict[str, Any] = {"command": name, "args": " ".join(args)}
        here = dict(checkouts)
        for label, checkout in checkouts.items():
            try:
                run_once(checkout, args, env_for(checkout, None))  # fills the caches
            except Failed as exc:
                if label == "this":
                    raise SystemExit(f"healthplan {' '.join(args)} failed here: {exc}") from None
                row[f"{label}_failed"] = str(exc)  # an older CLI without this command or option
                del here[label]
        warm: dict[str, list[float]] = {label: [] for label in here}
        for _ in range(a.repeat):  # alternating, so load on the machine hits both alike
            for label, checkout in here.items():
                warm[label].append(run_once(checkout, args, env_for(checkout, None)))
        for label in here:
            row[f"warm_{label}_s"] = statistics.median(warm[label])
            if not a.no_cold and name != "help":
                cache = Path(tempfile.mkdtemp(prefix="hp-bench-cache-"))
                try:
                    row[f"cold_{label}_s"] = run_once(checkouts[label], args, env_for(checkouts[label], cache))
                finally:
                    shutil.rmtree(cache, ignore_errors=True)
        if name != "help":
            row["breakdown"] = breakdown(args)
        rows.append(row)
        print(f"{name}: warm {row['warm_this_s']:.2f} s", file=sys.stderr)
    print(table(rows, "baseline" in checkouts))
    print(json.dumps({"bench": "cli", "machine": machine(), "repeat": a.repeat,
                      "baseline": str(a.baseline) if a.baseline else None, "rows": rows}))


def machine() -> str:
    """CPU count, platform and Python of this machine."""
    return f"{os.cpu_count()} cores, {platform.machine()}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def table(rows: list[dict[str, Any]], baseline: bool) -> str:
    """A Markdown table of the rows (seconds; ratios this/baseline)."""
    head = "| command | warm s | cold s |" + (" baseline s | this/baseline (warm) |" if baseline else "") + \
        " imports s | stages (s) | write s |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        b = r.get("breakdown") or {}
        stages = ", ".join(f"{k} {v:.2f}" for k, v in sorted(b.get("stages_s", {}).items(), key=lambda kv: -kv[1])
                           if v >= 0.02)
        cells = [r["command"], f"{r['warm_this_s']:.2f}", f"{r['cold_this_s']:.1f}" if "cold_this_s" in r else "–"]
        if baseline and "warm_baseline_s" in r:
            cold = f", cold {r['cold_baseline_s']:.1f}" if "cold_baseline_s" in r else ""
            cells += [f"{r['warm_baseline_s']:.2f}{cold}", f"{r['warm_this_s'] / r['warm_baseline_s']:.2f}×"]
        elif baseline:
            cells += [f"could not run ({r.get('baseline_failed', '')[:60]})", "–"]
        cells += [f"{b['imports_s']:.2f}" if b else "–", stages or "–", f"{b['write_s']:.2f}" if b else "–"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
