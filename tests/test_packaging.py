"""The built wheel works on its own: committed data inside it, the CLI answering from it outside a checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def unpacked_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built here (no network: no build isolation) and unpacked into a folder."""
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist),
                    str(ROOT)], check=True, capture_output=True, text=True)
    (wheel,) = dist.glob("healthplan-*.whl")
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
    return site


def test_wheel_carries_the_committed_data_and_the_packages(unpacked_wheel: Path):
    committed = {p.relative_to(ROOT / "data").as_posix() for p in (ROOT / "data").rglob("*") if p.is_file()}
    shipped = {p.relative_to(unpacked_wheel / "spatial" / "_data").as_posix()
               for p in (unpacked_wheel / "spatial" / "_data").rglob("*") if p.is_file()}
    tracked = set(subprocess.run(["git", "ls-files", "data"], cwd=ROOT, capture_output=True, text=True)
                  .stdout.split()) if (ROOT / ".git").exists() else set()
    expected = {t.removeprefix("data/") for t in tracked} or committed
    assert expected <= shipped
    for package in ("spatial", "layers", "views", "views/app", "healthplan", "healthplan/cli"):
        assert (unpacked_wheel / package / "__init__.py").is_file(), package
    assert (unpacked_wheel / "spatial" / "speeds.csv").is_file()


@pytest.mark.slow
def test_wheel_runs_outside_a_checkout_on_the_embedded_default(unpacked_wheel: Path, tmp_path: Path):
    env = {**os.environ, "PYTHONPATH": str(unpacked_wheel), "HEALTHPLAN_DATA": str(tmp_path / "no-data"),
           "HEALTHPLAN_CACHE": str(tmp_path / "cache")}

    def healthplan(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "healthplan", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True)

    listed = healthplan("layers", "list", "--region", "hainan")
    assert listed.returncode == 0, listed.stderr
    assert "hainan-13th/five-centres" in listed.stdout
    run = healthplan("coverage", "--region", "hainan", "--cell-m", "3000", "--out", str(tmp_path / "out"))
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert summary["population_total"] == 10078899  # the census table inside the wheel
    assert "embedded" in summary["network"]["note"]
    assert (tmp_path / "out" / "results.gpkg").is_file()
    where = subprocess.run([sys.executable, "-c", "from spatial import settings; print(settings.COMMITTED_DATA)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert Path(where.stdout.strip()) == unpacked_wheel / "spatial" / "_data"  # the wheel's, not the checkout's
