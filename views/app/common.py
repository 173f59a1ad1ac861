"""What every panel shares: the page language, the cached pipeline and plans, and the error guard.

Caches: one ``Pipeline`` for the whole server (its stages are keyed by their inputs, so sessions share
networks and population grids safely); plan inputs and plan layers per region.  The guard turns any
error into a message on the page — a sentence for a problem the user can fix, a bug notice with the
traceback file otherwise — and the rest of the page keeps working.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import time
from collections.abc import Iterator
from typing import Any

import geopandas as gpd
import streamlit as st

from healthplan import run as front
from healthplan.crash import write_crash
from layers import registry
from spatial.errors import HealthplanError
from spatial.pipeline import Pipeline
from spatial.regions import resolve
from spatial.results import PlanInputs
from views.app.state import PLAN_REGIONS
from views.strings import t


#: Set to 1 to print one ``healthplan-profile {json}`` line per script run (phases in seconds; bench/bench_app.py).
PROFILE_ENV = "HEALTHPLAN_APP_PROFILE"


@contextlib.contextmanager
def phase(name: str) -> Iterator[None]:
    """Time a part of the script run (seconds, summed per name) for the profile line."""
    t0 = time.perf_counter()
    try:
        yield
    finally:
        phases = st.session_state.setdefault("_phases", {})
        phases[name] = phases.get(name, 0.0) + time.perf_counter() - t0


def profile_line(run: str) -> None:
    """Print this run's phases (when ``HEALTHPLAN_APP_PROFILE=1``) and start the next run's afresh."""
    phases = st.session_state.pop("_phases", {})
    if os.environ.get(PROFILE_ENV) == "1":
        record = {"run": run, "t": round(time.time(), 3), "phases": {k: round(v, 4) for k, v in phases.items()}}
        print("healthplan-profile " + json.dumps(record), file=sys.stderr, flush=True)


def lang() -> str:
    """The page language ('zh' or 'en')."""
    return str(st.session_state.get("lang", "zh"))


def tr(key: str, **values: Any) -> str:
    """A UI string in the page language."""
    return t(key, lang(), **values)


#: Streamlit's own words on the page (upload box, stop button, input hints, table toolbar, the developer menu)
#: are English and cannot be set through its API: in 中文 they are replaced by CSS, or hidden where a Chinese
#: word would not fit.
_CSS_ALL = """[data-testid="stAppDeployButton"]{display:none}"""
_CSS_ZH = """
[data-testid="stFileUploaderDropzoneInstructions"]{display:none}
[data-testid="stFileUploaderDropzone"] button{font-size:0}
[data-testid="stFileUploaderDropzone"] button::after{content:"选择文件";font-size:14px}
[data-testid="stStatusWidgetRunningIcon"] + span button{font-size:0}
[data-testid="stStatusWidgetRunningIcon"] + span button::after{content:"停止";font-size:14px}
[data-testid="InputInstructions"]{display:none}
[data-testid="stElementToolbar"]{display:none}
[data-testid="stMainMenu"]{display:none}
"""


def page_css() -> None:
    """Page-wide CSS: the Deploy button off; Streamlit's English words replaced on a Chinese page."""
    st.html(f"<style>{_CSS_ALL}{_CSS_ZH if lang() == 'zh' else ''}</style>")


@st.cache_resource(show_spinner=False)
def pipeline() -> Pipeline:
    """The server's one pipeline (stages cached by their inputs, shared by sessions)."""
    return Pipeline(max_entries=6)


@st.cache_resource(show_spinner=False, max_entries=16)
def plan_inputs(area: str) -> PlanInputs:
    """The plans' candidate sites, targets and emergency sites for a coverage area."""
    return front.plan_inputs(resolve(area))


@st.cache_resource(show_spinner=False, max_entries=8)
def plan_layers(app_region: str) -> dict[str, gpd.GeoDataFrame]:
    """Every plan layer of the app region's plans, keyed "plan/layer", titled."""
    out: dict[str, gpd.GeoDataFrame] = {}
    for key in PLAN_REGIONS[app_region]:
        out.update(registry.all_layers(key))
    return out


#: Characters Streamlit's markdown gives a meaning: CommonMark punctuation, HTML, LaTeX ($), and the
#: ``:colour[…]`` / ``:emoji:`` directives.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^&])")


def plain(text: Any) -> str:
    """Text (a file's name, a facility's name, an error naming a cell) shown as itself in Streamlit markdown.

    Every markdown character is backslash-escaped, so ``[x](javascript:…)`` or ``![](http://…)`` in a name
    shows as typed and never becomes a link or an image; line breaks stay line breaks.
    """
    return "  \n".join(_MARKDOWN.sub(r"\\\1", line) for line in str(text).splitlines())


@contextlib.contextmanager
def guard(where: str = "") -> Iterator[None]:
    """Show any error of the block on the page instead of a traceback; the page goes on."""
    try:
        yield
    except HealthplanError as exc:
        st.error(f"{tr('error')}{plain(exc)}")
    except Exception as exc:  # noqa: BLE001 — never a red traceback: say it is a bug and where the details are
        path = write_crash(exc, context=f"app: {where}")
        st.error(f"{tr('error')}{tr('bug', path=plain(path))}")
