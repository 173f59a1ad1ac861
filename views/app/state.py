"""The app's session state and the scenario it describes — plain dicts in, a ``Scenario`` out (no Streamlit here).

The page keeps its widgets' values in ``st.session_state``; ``scenario_from_state`` turns them into the
one value every front end runs, so the app, ``healthplan scenario run`` and the CLI compute the same thing.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, MutableMapping
from typing import Any

from spatial import settings
from spatial.errors import OptionError
from spatial.scenario import Candidate, Optimiser, Scenario, Sites, Source, Thresholds, access_from_dict

#: The regions the app offers and the area coverage is measured on when the user picks each.
APP_REGIONS: tuple[str, ...] = ("hainan", "yunnan", "yiyang", "haikou")
#: Yunnan's only road network here is Kunming's, so Yunnan opens on Kunming (530100).
DEFAULT_AREA: dict[str, str] = {"yunnan": "530100"}
#: Plan layers of each app region (layers.registry regions).
PLAN_REGIONS: dict[str, tuple[str, ...]] = {"hainan": ("hainan",), "yunnan": ("yunnan",), "yiyang": ("yiyang",),
                                            "haikou": ("haikou", "hainan")}
#: Ranges of the threshold widgets (minutes), the same as a scenario file allows.
THRESHOLD_RANGE: tuple[float, float] = (5.0, 240.0)
MAX_SITES: int = 200  # candidate sites one session keeps (each is tested on every change)


def defaults() -> dict[str, Any]:
    """The session's starting values (widgets and app state)."""
    return {
        "lang": "zh", "region": "hainan", "area_yunnan": DEFAULT_AREA["yunnan"], "basemap": "positron",
        "data_dir": os.environ.get("HEALTHPLAN_DATA") or str(settings.data_dir()),
        "candidates": [],  # list of {name, lon, lat} WGS84, unique by name
        "compare": {}, "optimised": None, "opt_k": 3, "opt_method": "greedy",
        "src_network": {}, "src_facilities": None, "src_primary": None, "src_population": {},  # by coverage area
        "click_adds": True, "snap_click": True, "scenario_name": "",
        "t_tertiary": float(settings.TERTIARY_THRESHOLD_MIN), "t_urban": float(settings.URBAN_THRESHOLD_MIN),
        "t_rural": float(settings.RURAL_THRESHOLD_MIN), "last_click": None, "site_counter": 0,
        "access": {}, "src_resources": None,  # the access and plan-targets panels (access_tab.py, targets_tab.py)
    }  # fmt: skip


def init(state: MutableMapping[str, Any]) -> None:
    """Give every missing key its starting value (once per session)."""
    for key, value in defaults().items():
        state.setdefault(key, value)


def area(state: Mapping[str, Any]) -> str:
    """The region or adcode coverage is measured on."""
    return str(state["area_yunnan"]) if state["region"] == "yunnan" else str(state["region"])


def scenario_from_state(state: Mapping[str, Any], *, optimise: bool = False) -> Scenario:
    """The scenario a session's state describes (pure: a plain dict works); ``optimise`` adds the optimiser."""
    # only a data folder the user changed goes into the scenario, so a saved file replays on another machine
    default_dir = os.environ.get("HEALTHPLAN_DATA") or str(settings.data_dir())
    given = (state.get("data_dir") or "").strip()
    lo, hi = THRESHOLD_RANGE
    for key in ("t_tertiary", "t_urban", "t_rural"):
        if not lo <= float(state[key]) <= hi:
            raise OptionError(f"the {key[2:]} threshold must be {lo:g}–{hi:g} minutes, got {state[key]}")
    points = tuple(Candidate(str(c["name"]), float(c["lon"]), float(c["lat"])) for c in state["candidates"])
    s = Scenario(
        region=area(state),
        name=str(state.get("scenario_name") or ""),
        data_dir=given if given and given != default_dir else None,
        thresholds=Thresholds(tertiary_min=float(state["t_tertiary"]), urban_min=float(state["t_urban"]),
                              rural_min=float(state["t_rural"])),
        sites=Sites(points=points),
    )
    where = area(state)  # a network or population is the coverage area's (a Yunnan prefecture's), not Yunnan's
    if where in state["src_network"]:
        s = dataclasses.replace(s, network=Source(**state["src_network"][where]))
    if state.get("src_facilities"):
        s = dataclasses.replace(s, facilities=Source(**state["src_facilities"]))
    if state.get("src_primary"):
        s = dataclasses.replace(s, primary=Source(**state["src_primary"]))
    if where in state["src_population"]:
        s = dataclasses.replace(s, population=Source(**state["src_population"][where]))
    if state.get("access"):  # the access panel's analyses, validated as a scenario file's access block
        s = dataclasses.replace(s, access=access_from_dict(state["access"]))
    if state.get("src_resources"):  # the plan-targets panel's facility file with capacities
        s = dataclasses.replace(s, resources=Source(**state["src_resources"]))
    if optimise:
        s = dataclasses.replace(s, optimiser=Optimiser(k=int(state["opt_k"]), method=str(state["opt_method"])))
    return s


def add_site(state: MutableMapping[str, Any], lon: float, lat: float, *, name: str | None = None) -> bool:
    """Add a candidate site (WGS84); False when the same point (to 1 m) or the site limit is already there."""
    sites = list(state["candidates"])
    if len(sites) >= MAX_SITES:
        raise OptionError(f"at most {MAX_SITES} candidate sites per session; remove some, or test a file with the "
                          "command line (healthplan sites test)")
    if any(abs(c["lon"] - lon) < 1e-5 and abs(c["lat"] - lat) < 1e-5 for c in sites):
        return False
    state["site_counter"] = int(state.get("site_counter", 0)) + 1
    label = (name or "").strip() or f"#{state['site_counter']}"
    taken = {c["name"] for c in sites}
    unique, n = label, 2
    while unique in taken:
        unique, n = f"{label} ({n})", n + 1
    state["candidates"] = [*sites, {"name": unique, "lon": round(float(lon), 6), "lat": round(float(lat), 6)}]
    return True


def remove_site(state: MutableMapping[str, Any], name: str) -> None:
    """Remove the candidate site called ``name``."""
    state["candidates"] = [c for c in state["candidates"] if c["name"] != name]


def clear_sites(state: MutableMapping[str, Any]) -> None:
    """Remove every candidate site."""
    state["candidates"] = []


def new_region(state: MutableMapping[str, Any]) -> None:
    """A new region starts without the previous region's candidate sites and optimiser result."""
    state["candidates"] = []
    state["optimised"] = None
    state["last_click"] = None
