"""The access and plan-targets tabs, headless through streamlit.testing (AppTest).

What a planner sees must be what the engine computes for the scenario the page's state describes (the
same scenario the CLI replays); the template facility file of issue 14 goes through the targets tab as an
upload does (the state the upload button writes).
"""

from __future__ import annotations


import pytest
from streamlit.testing.v1 import AppTest

from apptools import fresh, no_exception
from clitools import ok
from healthplan import run as front
from spatial.pipeline import Pipeline
from spatial.scenario import save_scenario
from spatial.settings import PACKAGE_ROOT
from views.app import state

pytestmark = pytest.mark.slow  # each flow runs the whole page several times

TEMPLATE = PACKAGE_ROOT / "data" / "templates" / "facilities_template_zh.csv"


def scenario(at: AppTest):
    """The scenario the page's state describes."""
    return state.scenario_from_state({k: at.session_state[k] for k in state.defaults()})


def run_button(at: AppTest, form: str):
    """The Run button of one access panel (the panels appear in order: capacity, fca, referral, scaling)."""
    runs = [b for b in at.button if b.label in ("运行", "Run")]
    return runs[("capacity", "fca", "referral", "scaling").index(form)]


def metrics(at: AppTest) -> dict[str, str]:
    """Metric label → value."""
    return {m.label: m.value for m in at.metric}


def test_capacity_panel_runs_through_the_pipeline_and_the_page_keeps_it():
    at = fresh()
    no_exception(at)
    assert at.session_state["access"] == {}
    at.number_input(key="acc_cap_assume").set_value(800.0)
    run_button(at, "capacity").click().run()
    no_exception(at)
    assert at.session_state["access"] == {"capacity": {"column": "beds", "assumed_units": 800.0, "threshold_min": 60.0,
                                                       "order": "demand"}}
    res = front.run(scenario(at), pipeline=Pipeline())
    s = res.summary()["access"]["capacity"]
    assert metrics(at)["获得服务"] == f"{100 * s['served_share']:.1f}%"
    assert metrics(at)["满负荷医院"] == f"{s['facilities_full']} / {s['n_facilities']}"
    assert any("每家按 800 假设" in w.value for w in at.warning)  # the assumption is said, in Chinese
    frames = [d.value for d in at.dataframe]
    assert any(len(f) == s["n_facilities"] and "负荷系数" in f.columns for f in frames)
    # what the export tab's GeoPackage writes: the run's layers, now with the catchments and their load
    layers = res.layers()
    assert {"catchments", "facility_load", "access_counties"} <= set(layers)
    # switched off, the page runs without it
    at.button(key="acc_off_capacity").click().run()
    no_exception(at)
    assert at.session_state["access"] == {}
    assert "获得服务" not in metrics(at)


def test_fca_and_referral_panels_in_english():
    at = fresh()
    at.radio(key="lang").set_value("en").run()
    at.selectbox(key="acc_fca_method").set_value("2sfca")
    at.selectbox(key="acc_fca_supply").set_value("count")
    at.number_input(key="acc_fca_d0").set_value(45.0)
    run_button(at, "fca").click().run()
    no_exception(at)
    assert at.session_state["access"]["fca"] == {"method": "2sfca", "catchment_min": 45.0, "supply": "count"}
    res = front.run(scenario(at), pipeline=Pipeline())
    f = res.summary()["access"]["fca"]
    assert f["decay"] == "none"  # plain 2SFCA unless a decay is named
    assert metrics(at)["Persons with a facility in reach"] == f"{100 * f['reached_share']:.1f}%"
    run_button(at, "referral").click().run()
    no_exception(at)
    assert set(at.session_state["access"]) == {"fca", "referral"}
    r = front.run(scenario(at), pipeline=Pipeline()).summary()["access"]["referral"]
    assert metrics(at)["Median chain (minutes)"] == f"{r['median_chain_min']:.1f}"
    assert any("county seats stand in" in w.value for w in at.warning)
    assert not any("县" in w.value for w in at.warning if "county" in w.value)


def test_scaling_panel_and_a_bad_choice_said_in_the_panel():
    at = fresh()
    # only "my candidate sites", and there are none: the panel says so; the page keeps its coverage
    at.multiselect(key="acc_sc_pool").set_value(["points"])
    run_button(at, "scaling").click().run()
    assert not at.exception
    assert any("no candidate sites" in e.value for e in at.error)
    assert at.session_state["access"] == {} and "60 分钟三级医院" in metrics(at)
    at.multiselect(key="acc_sc_pool").set_value(["seats"])
    at.number_input(key="acc_sc_k").set_value(2)
    at.selectbox(key="acc_sc_method").set_value("greedy")
    run_button(at, "scaling").click().run()
    no_exception(at)
    res = front.run(scenario(at), pipeline=Pipeline())
    s = res.summary()["access"]["scaling"]
    assert s["n_sites"] == 2 and s["method"] == "greedy" and not s["proven_optimal"]
    assert metrics(at)["新增后服务人口"] == f"{100 * s['served_share_after']:.1f}%"
    assert any(len(d.value) == 2 and "边际新增人口" in d.value.columns for d in at.dataframe)


def test_targets_tab_measures_the_template_and_replays_in_the_cli(tmp_path):
    at = fresh()
    no_exception(at)
    before = front.run(scenario(at), pipeline=Pipeline()).targets.summary()
    assert any(len(d.value) == before["targets"] for d in at.dataframe)
    assert any(f"已测量 {before['measured']} 项" in m.value for m in at.markdown)
    # what the upload button stores once the file has been read without error
    at.session_state["src_resources"] = {"kind": "file", "path": str(TEMPLATE), "options": {"datum": "wgs84"}}
    at.run()
    no_exception(at)
    res = front.run(scenario(at), pipeline=Pipeline())
    after = res.targets.summary()
    assert after["measured"] > before["measured"] and "hainan-14th/beds_per_1000" in after["measured_indicators"]
    assert any(f"已测量 {after['measured']} 项" in m.value for m in at.markdown)
    assert any(TEMPLATE.name in c.value for c in at.caption)
    # the by-county table of the first measured target with county rows: Hainan's 18 units
    assert any(len(d.value) == 18 and "达标" in d.value.columns for d in at.dataframe)
    # the page's scenario, saved and replayed by the CLI, measures the same
    path = save_scenario(scenario(at), tmp_path / "app.json")
    printed = ok("scenario", "run", path, "--out", tmp_path / "out")
    assert printed["plan_targets"] == after
