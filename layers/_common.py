"""Small helpers shared by the Yunnan, Yiyang and Haikou layer modules (feature rows, named points)."""

from __future__ import annotations

import re
from typing import Any

import shapely
from shapely.geometry import Point

from layers.institutions import institution, placeholder_flags

#: A point whose coordinate is this imprecise (or a planned site) is drawn as approximate (dashed).
APPROXIMATE_FROM_KM: float = 5.0

_PRECISION = re.compile(r"(?:precision\s*)?≈\s*([0-9]+(?:\.[0-9]+)?)\s*km")


def precision_km(location_source: str) -> float | None:
    """The largest "≈ N km" precision stated in a location_source text (km), or None if none is stated."""
    values = [float(v) for v in _PRECISION.findall(location_source)]
    return max(values) if values else None


def feature(
    plan: str, layer: str, role: str, name_zh: str, name_en: str, geometry: shapely.Geometry, **extra: Any
) -> dict[str, Any]:
    """One feature dict in the layers.schema column set; ``extra`` overrides defaults and adds columns."""
    row: dict[str, Any] = {
        "plan": plan, "layer": layer, "role": role, "name_zh": name_zh, "name_en": name_en,
        "members": [], "clause": "", "location_source": "", "geometry_approximate": False,
    }  # fmt: skip
    row.update(extra)
    row["geometry"] = geometry
    return row


def named_point(plan: str, layer: str, role: str, name: str, clause: str, **extra: Any) -> dict[str, Any]:
    """A point feature for an institution/place in data/facilities/*_institutions.csv (looked up by name or alias).

    ``geometry_approximate`` is True for planned sites and for coordinates whose stated precision is
    APPROXIMATE_FROM_KM or worse (or, in tables with it, ``precision_m``).
    """
    inst = institution(name)
    source = str(inst["location_source"])
    stated = precision_km(source)
    if "precision_m" in inst.index and str(inst["precision_m"]).strip() not in ("", "nan"):
        stated = float(inst["precision_m"]) / 1000.0
    flags = placeholder_flags(inst)
    approximate = bool(flags["placeholder"]) or str(inst["tier"]) == "planned" or stated is None or stated >= APPROXIMATE_FROM_KM
    return feature(
        plan, layer, role, str(inst["name_zh"]), str(inst["name_en"]), Point(float(inst["lon"]), float(inst["lat"])),
        clause=clause, location_source=source, geometry_approximate=approximate, tier=str(inst["tier"]),
        kind=str(inst["kind"]), precision_km=stated, institution=str(inst["name_zh"]), **{**flags, **extra},
    )  # fmt: skip
