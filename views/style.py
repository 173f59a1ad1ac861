"""The map's designed palette and symbols: one look for every map, legend and chart.

* Travel time: viridis (yellow = near … purple = far) — sequential, colour-blind safe, readable in grey.
  No red, orange or magenta in the ramp, so nothing else on the map is confused with a band.
* Results each have their own hue *and* shape: tertiary hospitals a red square with a white cross,
  primary care a small white dot with a dark rim, scenic areas of the emergency circle a brown triangle,
  candidate sites an orange diamond (grey when rejected), chosen sites a gold star, gaps a magenta outline.
* Plan layers: every (layer, role) of a map gets its own colour from ``PLAN_PALETTE`` (Kelly's colours of
  maximum contrast and Paul Tol's "muted" scheme, without the hues the results use); areas are outlines
  with a faint fill, points hollow rings with a white halo — a plan's centre sits *around* the hospital
  square, not under it.  Past the palette's length a second cycle draws rings with a centre dot.
* County coverage: a sequential blue choropleth of the share (ColorBrewer Blues).
Drawing order (bottom to top, ``views.panes``): surface, county choropleth, plan areas, gaps, lines
(county outlines, isochrones, plan lines), plan points, primary care and scenic areas, hospitals, sites.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable
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
    dot: bool = False  # a ring with a centre dot (the plan palette's second cycle)


SYMBOLS: dict[str, Symbol] = {
    "facilities": Symbol("square", "#d7191c", "#ffffff", 16, "+"),
    "primary_care": Symbol("circle", "#ffffff", "#252525", 9),
    "emergency_sites": Symbol("triangle", "#8c510a", "#ffffff", 14),
    "candidates": Symbol("diamond", "#ff7f00", "#252525", 16),
    "rejected": Symbol("diamond", "#d9d9d9", "#737373", 13),
    "optimised_sites": Symbol("star", "#ffd92f", "#000000", 22),
}

#: Line and area styles of the result overlays.
GAP_COLOUR = "#c51b7d"  # magenta: no other layer uses it
ISOCHRONE_COLOURS: tuple[str, ...] = ("#000000", "#252525", "#525252", "#737373")  # innermost darkest
ISOCHRONE_WEIGHTS: tuple[float, ...] = (2.5, 2.0, 1.5, 1.2)
CANDIDATE_ISOCHRONE_COLOUR = SYMBOLS["candidates"].fill
COUNTY_OUTLINE = "#525252"
REGION_OUTLINE = "#252525"

#: Plan colours, assigned in order to the (layer, role) pairs of one map: Kelly (1965) and Tol "muted",
#: without red, orange, magenta, gold and brown (the results') and without viridis-like yellows.
PLAN_PALETTE: tuple[str, ...] = (
    "#0067a5", "#008856", "#875692", "#e68fac", "#604e97", "#8db600", "#44aa99", "#332288", "#a1caf1",
    "#999933", "#882255", "#c2b280", "#117733", "#aa4499", "#f99379", "#2b3d26", "#88ccee", "#848482",
    "#cc6677", "#ddcc77",
)  # fmt: skip


@dataclass(frozen=True)
class PlanLook:
    """How one plan role is drawn: its colour, and a centre dot in rings past the palette's first cycle."""

    colour: str
    dot: bool = False


def plan_looks(pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], PlanLook]:
    """A distinct look for every (layer key, role) pair, in order of first appearance."""
    out: dict[tuple[str, str], PlanLook] = {}
    for pair in pairs:
        if pair not in out:
            i = len(out)
            out[pair] = PlanLook(PLAN_PALETTE[i % len(PLAN_PALETTE)], dot=i >= len(PLAN_PALETTE))
    return out


#: Fixed colours of the common roles, for a layer drawn alone (no map-wide assignment).
PLAN_AREA_COLOURS: dict[str, str] = {
    "core": "#875692", "pole": "#0067a5", "zone": "#8db600", "cluster": "#604e97", "agglomeration": "#44aa99",
    "border-radiation": "#999933", "belt": "#882255", "belt-area": "#c2b280", "border-county": "#848482",
    "extension": "#0067a5", "feature": "#8db600", "chronic-disease-candidate": "#44aa99",
    "regional-centre": "#604e97", "management-area": "#848482",
}
PLAN_POINT_COLOURS: dict[str, str] = {
    "centre": "#604e97", "national-centre": "#875692", "provincial-centre": "#008856",
    "provincial-centre-hospital": "#44aa99", "candidate": "#0067a5", "upgrade-to-tertiary": "#882255",
    "platform-hospital": "#848482", "tcm-hospital": "#117733", "management-area": "#2b3d26",
}


def plan_colour(role: str, *, point: bool) -> str:
    """The fixed colour of a plan role drawn alone (area or point palette, else a stable pick of the palette)."""
    table = PLAN_POINT_COLOURS if point else PLAN_AREA_COLOURS
    return table.get(role) or PLAN_PALETTE[zlib.crc32(role.encode("utf-8")) % len(PLAN_PALETTE)]


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
    elif symbol.shape == "ring":  # a coloured ring on a white halo, readable on any band of the surface
        body = (f'<circle cx="{h}" cy="{h}" r="{h - 2.5}" fill="none" stroke="#ffffff" stroke-width="4.5"/>'
                f'<circle cx="{h}" cy="{h}" r="{h - 2.5}" fill="none" stroke="{f}" stroke-width="2.5"/>')
        if symbol.dot:
            body += f'<circle cx="{h}" cy="{h}" r="2.5" fill="{f}" stroke="#ffffff" stroke-width="1"/>'
    else:
        body = f'<circle cx="{h}" cy="{h}" r="{h - 1.5}" fill="{f}" stroke="{k}" stroke-width="2"/>'
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
