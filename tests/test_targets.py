"""The plans' numeric targets (layers/targets.py): quoted from the originals, complete, and well-formed."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest

from layers import haikou, hainan13, hainan14, registry, targets, yiyang, yunnan

PLANS_DIR = Path(__file__).resolve().parents[2] / "shared" / "plans"
MODULES = (hainan13, hainan14, yunnan, yiyang, haikou)


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    """The five Chinese originals by plan id."""
    if not PLANS_DIR.is_dir():
        pytest.skip(f"the plans' originals are not at {PLANS_DIR}")
    return {m.PLAN: (PLANS_DIR / m.PLAN_FILE).read_text(encoding="utf-8") for m in MODULES}


def _positions(text: str, clause: str) -> list[tuple[int, int]]:
    """(start, end) of each " … " piece of ``clause`` found in order in ``text``; AssertionError if one is missing."""
    out, pos = [], 0
    for piece in clause.split(" … "):
        assert piece.strip() == piece and piece, f"empty or padded piece in {clause!r}"
        i = text.find(piece, pos)
        assert i >= 0, f"{piece!r} is not in the plan text (after position {pos})"
        out.append((i, i + len(piece)))
        pos = i + len(piece)
    return out


def test_every_clause_is_quoted_in_order_and_holds_the_value(texts):
    table = targets.TARGETS
    assert list(table.columns) == list(targets.COLUMNS)
    for row in table.itertuples():
        spans = _positions(texts[row.plan], row.clause)
        if row.section.startswith("第二章 “十四五”卫生与健康规划主要指标"):
            # an indicator-table row: the value follows its indicator within the same row of the table
            assert len(spans) == 2 and spans[1][0] - spans[0][1] <= 40, row.indicator
        for piece in row.value_as_written.split(" … "):
            assert piece in row.clause, (row.indicator, piece)


def test_rows_are_well_formed():
    table = targets.TARGETS
    assert not table[["plan", "indicator"]].duplicated().any()
    assert set(table["plan"]) == {m.PLAN for m in MODULES}
    assert set(table["status"]) == set(targets.STATUSES)
    assert table["per"].isin(targets.PER).all() and table["scope"].isin(targets.SCOPES).all()
    assert table["comparator"].isin(targets.COMPARATORS).all()
    for row in table.itertuples():
        assert row.status_detail.strip(), row.indicator
        if row.status == "measurable":
            assert row.input_file and row.input_columns, row.indicator
        if row.resource:
            assert row.status == "measurable" and row.resource in row.input_columns, row.indicator
            assert not math.isnan(row.value) and row.per_count > 0
            if row.per != "none":
                assert row.per in targets.CENSUS_COLUMN, row.indicator
        if row.layer:
            plan, layer = row.layer.split("/")
            assert layer in next(m for m in MODULES if m.PLAN == plan).LAYERS, row.layer


def test_the_hainan_indicator_table_is_complete(texts):
    """Every 2025 value of the 14th plan's indicator table is a target row (parsed from the text itself)."""
    text = texts["hainan-14th"]
    block = text[text.index("“十四五”卫生与健康规划主要指标") : text.index("第三章")]
    cells = [c.strip() for c in block.split("\n\t") if c.strip()]
    rows = {}
    for i, cell in enumerate(cells):
        if cell in ("预期性", "约束性"):
            # layout per row: indicator, 2020 value (may carry a note), 2025 value, nature
            indicator = next(
                c for c in reversed(cells[max(0, i - 6) : i - 2]) if re.search(r"[\u4e00-\u9fff]", c)
            )
            rows[indicator.split("\n")[0]] = cells[i - 1]
    assert len(rows) == 32, sorted(rows)
    table = targets.targets("hainan-14th")
    quoted = dict(zip(table["clause"], table["value_as_written"], strict=True))
    for indicator, value in rows.items():
        hit = [w for c, w in quoted.items() if c.split(" … ")[0] == indicator]
        assert hit == [value], (indicator, value, hit)


@pytest.mark.parametrize(
    ("plan", "resource", "per", "per_count", "value"),
    [
        ("hainan-14th", "beds", "total", 1000, 6.5),
        ("hainan-14th", "doctors", "total", 1000, 3.1),
        ("hainan-14th", "nurses", "total", 1000, 3.6),
        ("hainan-14th", "tcm_doctors", "total", 1000, 0.4),
        ("hainan-14th", "gps", "total", 10000, 4),
        ("hainan-14th", "public_health_doctors", "total", 10000, 1),
        ("hainan-14th", "childcare_places", "total", 1000, 3),
        ("hainan-14th", "paediatric_beds", "children", 1000, 2.2),
        ("hainan-14th", "elderly_nursing_beds", "60plus", 100, 1.5),
        ("hainan-14th", "township_emergency_stations", "none", 1, 100),
        ("hainan-13th", "beds", "total", 1000, 6),
        ("hainan-13th", "elderly_beds", "none", 1, 42000),
        ("yiyang", "elderly_beds", "60plus", 1000, 35),
        ("yiyang", "sports_area_m2", "total", 1, 1.6),
    ],
)
def test_the_targets_the_issue_names(plan, resource, per, per_count, value):
    rows = targets.resource_targets(plan)
    row = rows[rows["resource"] == resource].iloc[0]
    assert (row["per"], row["per_count"], row["value"]) == (per, per_count, value)


def test_circle_targets_and_their_status():
    table = targets.TARGETS.set_index(["plan", "indicator"])
    assert table.loc[("hainan-14th", "tertiary_1h_circle_share"), "status"] == "measured"
    assert table.loc[("hainan-14th", "tertiary_1h_circle_share"), "threshold_min"] == 60
    assert table.loc[("yunnan-14th", "scenic_10min_emergency_circle"), "threshold_min"] == 10
    assert table.loc[("yiyang", "fitness_15min_circle"), "threshold_min"] == 15
    assert "county_internal" in " ".join(targets.targets("hainan-14th", status="not spatial")["indicator"])
    # every plan the registry knows has its targets
    assert {m.PLAN for m in registry.modules("all")} == set(targets.TARGETS["plan"])


def test_filters_return_copies():
    frame = targets.targets("yiyang")
    frame.loc[:, "value"] = -1.0
    assert (targets.TARGETS["value"].dropna() >= 0).all()
    assert isinstance(targets.resource_targets(), pd.DataFrame) and len(targets.resource_targets()) >= 18
