"""One answer from every front end: the CLI, ``healthplan scenario run`` and the app give the same figures.

Each front end only writes a scenario and runs the one pipeline, so Hainan and Haikou must come out with the
same totals, shares and county tables to the last digit in the files, and to the shown digit on the page.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from apptools import new_session
from clitools import ok

#: region as the CLI takes it → the app's region
REGIONS = {"hainan": "hainan", "haikou": "haikou"}

#: Summary keys that name where a run wrote, not what it found.
WHERE = ("command", "out", "scenario")


def without_where(summary: dict) -> dict:
    """A summary without the keys that say which command wrote it and where."""
    return {k: v for k, v in summary.items() if k not in WHERE}


@pytest.fixture(scope="module", params=list(REGIONS))
def cli_run(request, tmp_path_factory) -> tuple[str, Path, dict]:
    """``healthplan coverage --region R``: its folder and summary line."""
    out = tmp_path_factory.mktemp(f"cli-{request.param}") / "out"
    return request.param, out, ok("coverage", "--region", request.param, "--out", str(out))


def test_scenario_run_of_the_cli_scenario_gives_the_same_files(cli_run, tmp_path):
    region, out, printed = cli_run
    again = ok("scenario", "run", str(out / "scenario.json"), "--out", str(tmp_path / "again"))
    assert without_where(again) == without_where(printed)
    for table in ("counties.csv", "gaps.csv", "plan_targets.csv"):
        assert (tmp_path / "again" / table).read_bytes() == (out / table).read_bytes(), table
    first = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    second = json.loads((tmp_path / "again" / "summary.json").read_text(encoding="utf-8"))
    assert first["covered_share"] == second["covered_share"] == printed["covered_share"]
    assert first["health_circles"] == second["health_circles"]


@pytest.mark.slow
def test_the_app_shows_the_cli_figures(cli_run, monkeypatch):
    region, out, printed = cli_run
    at = new_session()
    at.session_state["region"] = REGIONS[region]
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    cards = {m.label: m.value for m in at.metric}
    shown = [v for v in cards.values() if v == f"{100 * printed['covered_share']:.1f}%"]
    assert shown, (cards, printed["covered_share"])
    circles = printed["health_circles"]
    for part in ("urban_share", "rural_share"):  # the 15-minute urban and 30-minute rural circles
        assert f"{100 * circles[part]:.1f}%" in cards.values(), (part, cards)
    counties = pd.read_csv(out / "counties.csv", encoding="utf-8-sig")
    table = next(df.value for df in at.dataframe if len(df.value) == len(counties))
    page = {str(row.iloc[0]): {str(v) for v in row} for _, row in table.iterrows()}  # name → the row's cells
    assert set(page) == set(counties["name_zh"])
    for _, county in counties.iterrows():  # each county's persons and share as the file has them, as shown
        cells = page[county["name_zh"]]
        assert f"{county['population']:,.0f}" in cells, (county["name_zh"], cells)
        assert f"{100 * county['share']:.1f}%" in cells, (county["name_zh"], cells)
