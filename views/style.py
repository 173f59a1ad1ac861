"""The map's designed palette and symbols: one look for every map, legend and chart.

* Travel time: viridis (yellow = near … purple = far) — sequential, colour-blind safe, readable in grey.
  No red in the ramp, so nothing else on the map is confused with a band.
* Facilities, candidates, chosen sites and gaps each have their own hue *and* shape (square with a
  cross, diamond, star, magenta outline), so they read apart even without colour.
* Plan layers: areas in a soft qualitative palette (ColorBrewer Set2/Pastel-like, drawn translucent),
  points as hollow rings with a thick outline — a plan's centre sits *around* the hospital square, not
  under it.
* County coverage: a sequential blue choropleth of the share.
Drawing order (bottom to top): surface, county choropleth, plan areas, plan lines, isochrone lines,
gaps, plan points, facilities, candidates, chosen sites.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

#: viridis sampled for up to 6 bands (0–15, 15–30, 30–60, 60–90, > 90 and one spare), nearest first.
VIRIDIS: tuple[str, ...] = ("#fde725", "#7ad151", "#22a884", "#2a788e", "#414487", "#440154")


def band_colours(n: int) -> list[str]:
    """n colours of the viridis ramp, nearest band first (evenly spread when n < 6)."""
    if n <= 0:
        return []
    if n >= len(VIRIDIS):
        return [*VIRIDIS, *[VIRIDIS[-1]] * (n - len(VIRIDIS))]
    idx = [round(i * (len(VIRIDIS) - 1) / max(n - 1, 1)) for i in range(n)]
    return [VIRIDIS[i] for i in idx]


#: County share choropleth (ColorBrewer Blues, 5 classes) and its class edges (share 0–1).
SHARE_EDGES: tuple[float, ...] = (0.5, 0.7, 0.85, 0.95)
SHARE_COLOURS: tuple[str, ...] = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")


def share_colour(share: float) -> str:
    """The choropleth colour of a coverage share (0–1)."""
    for edge, colour in zip(SHARE_EDGES, SHARE_COLOURS, strict=False):
        if share < edge:
            return colour
    return SHARE_COLOURS[-1]


@dataclass(frozen=True)
class Symbol:
    """A point marker: shape (square | circle | diamond | star | triangle | ring), fill, outline, size (px)."""

    shape: str
    fill: str
    stroke: str
    size: int
    glyph: str = ""  # a character drawn inside (the hospital cross)


SYMBOLS: dict[str, Symbol] = {
    "facilities": Symbol("square", "#b2182b", "#ffffff", 16, "+"),
    "primary_care": Symbol("circle", "#2166ac", "#ffffff", 9),
    "emergency_sites": Symbol("triangle", "#1b7837", "#ffffff", 13),
    "candidates": Symbol("diamond", "#f46d43", "#3f3f3f", 16),
    "rejected": Symbol("diamond", "#d9d9d9", "#737373", 13),
    "optimised_sites": Symbol("star", "#ffd92f", "#000000", 22),
}

#: Line and area styles of the result overlays.
GAP_COLOUR = "#c51b7d"  # magenta: no other layer uses it
ISOCHRONE_COLOURS: tuple[str, ...] = ("#08306b", "#2171b5", "#6baed6", "#9ecae1")  # innermost darkest
CANDIDATE_ISOCHRONE_COLOUR = "#f46d43"
COUNTY_OUTLINE = "#525252"

#: Plan roles: areas (translucent fills) and points (rings), fixed so a role looks the same everywhere.
PLAN_AREA_COLOURS: dict[str, str] = {
    "core": "#e78ac3", "pole": "#fc8d62", "zone": "#a6d854", "cluster": "#8da0cb", "agglomeration": "#66c2a5",
    "border-radiation": "#ffd92f", "belt": "#e5c494", "belt-area": "#e5c494", "border-county": "#b3b3b3",
    "extension": "#fc8d62", "feature": "#a6d854", "chronic-disease-candidate": "#66c2a5",
    "regional-centre": "#8da0cb", "management-area": "#b3b3b3",
}
PLAN_POINT_COLOURS: dict[str, str] = {
    "centre": "#7570b3", "national-centre": "#7570b3", "provincial-centre": "#1b9e77",
    "provincial-centre-hospital": "#66a61e", "candidate": "#d95f02", "upgrade-to-tertiary": "#e7298a",
    "platform-hospital": "#666666", "tcm-hospital": "#1b9e77", "management-area": "#000000",
}
#: Fallback hues for roles not listed (chosen by a stable hash of the role).
FALLBACK: tuple[str, ...] = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666")


def plan_colour(role: str, *, point: bool) -> str:
    """The fixed colour of a plan role (area palette or point palette, else a stable fallback)."""
    table = PLAN_POINT_COLOURS if point else PLAN_AREA_COLOURS
    return table.get(role) or FALLBACK[zlib.crc32(role.encode("utf-8")) % len(FALLBACK)]


def svg(symbol: Symbol) -> str:
    """An inline SVG of a marker symbol (used on the map and in the legend)."""
    s, f, k = symbol.size, symbol.fill, symbol.stroke
    h = s / 2
    if symbol.shape == "square":
        body = f'<rect x="1" y="1" width="{s - 2}" height="{s - 2}" rx="2" fill="{f}" stroke="{k}" stroke-width="1.5"/>'
    elif symbol.shape == "diamond":
        body = f'<polygon points="{h},1 {s - 1},{h} {h},{s - 1} 1,{h}" fill="{f}" stroke="{k}" stroke-width="1.5"/>'
    elif symbol.shape == "triangle":
        body = f'<polygon points="{h},1 {s - 1},{s - 1} 1,{s - 1}" fill="{f}" stroke="{k}" stroke-width="1.5"/>'
    elif symbol.shape == "star":
        pts = []
        for i in range(10):
            r = h - 1 if i % 2 == 0 else (h - 1) * 0.45
            a = math.pi / 2 + i * math.pi / 5
            pts.append(f"{h + r * math.cos(a):.1f},{h - r * math.sin(a):.1f}")
        body = f'<polygon points="{" ".join(pts)}" fill="{f}" stroke="{k}" stroke-width="1.2"/>'
    elif symbol.shape == "ring":
        body = f'<circle cx="{h}" cy="{h}" r="{h - 2.5}" fill="none" stroke="{f}" stroke-width="3"/>'
    else:
        body = f'<circle cx="{h}" cy="{h}" r="{h - 1}" fill="{f}" stroke="{k}" stroke-width="1.5"/>'
    if symbol.glyph:
        body += (f'<text x="{h}" y="{h + 0.5}" text-anchor="middle" dominant-baseline="middle" fill="{k}" '
                 f'font-size="{s - 3}" font-weight="bold" font-family="sans-serif">{symbol.glyph}</text>')
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{s}" height="{s}" viewBox="0 0 {s} {s}">{body}</svg>'


# Access analyses (views/accessmap.py) ------------------------------------------------------------------------

#: Load factor of a catchment (persons in reach ÷ capacity): ≤ 1 fits, then ever more over capacity
#: (ColorBrewer YlOrRd, 5 classes; no band of the travel-time ramp uses these).
LOAD_EDGES: tuple[float, ...] = (1.0, 2.0, 5.0, 10.0)
LOAD_COLOURS: tuple[str, ...] = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
#: Floating-catchment score by county (ColorBrewer Greens, 5 classes by quantile of the shown values).
SCORE_COLOURS: tuple[str, ...] = ("#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c")
#: Referral links: primary care → county hospital, county hospital → tertiary.
REFERRAL_COLOURS: tuple[str, str] = ("#2166ac", "#b2182b")
COUNTY_HOSPITAL = Symbol("square", "#4393c3", "#ffffff", 12)


def load_colour(load_factor: float) -> str:
    """The colour of a catchment's load factor."""
    for edge, colour in zip(LOAD_EDGES, LOAD_COLOURS, strict=False):
        if load_factor <= edge:
            return colour
    return LOAD_COLOURS[-1]
