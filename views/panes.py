"""Drawing order on the map: one Leaflet pane per kind of overlay, points above lines above areas above the surface.

Leaflet draws a layer in its pane; panes stack by z-index, so the order holds whatever the user switches on
and off (a layer switched back on would otherwise come back on top of everything).  Plan areas answer the
mouse on their outline only, so hovering inside one still shows the travel time of the surface below.
"""

from __future__ import annotations

import folium

#: Pane name → z-index (Leaflet's own: overlays 400, markers 600, tooltips 650, popups 700).
PANES: dict[str, int] = {
    "hp-surface": 405,  # travel-time surface
    "hp-counties": 410,  # county choropleth
    "hp-plan-areas": 420,  # plan areas (outline answers the mouse, the inside lets it through)
    "hp-gaps": 430,  # coverage gaps
    "hp-lines": 440,  # county outlines, isochrones, candidate isochrones, plan lines
    "hp-plan-points": 610,  # plan points (rings)
    "hp-points": 620,  # primary care, emergency sites
    "hp-facilities": 630,  # tertiary hospitals
    "hp-sites": 640,  # candidate and optimised sites
}

#: Panes whose paths answer the mouse on their stroke only.
STROKE_ONLY: tuple[str, ...] = ("hp-plan-areas",)

CSS = "".join(
    f".leaflet-pane.leaflet-{name}-pane > svg path.leaflet-interactive{{pointer-events:visibleStroke}}"
    for name in STROKE_ONLY
)


def add_panes(m: folium.Map) -> None:
    """Create the panes on ``m`` once (later calls do nothing)."""
    if getattr(m, "_hp_panes", False):
        return
    for name, z in PANES.items():
        folium.map.CustomPane(name, z_index=z, pointer_events=True).add_to(m)
    m.get_root().header.add_child(folium.Element(f"<style>{CSS}</style>"))
    m._hp_panes = True  # type: ignore[attr-defined]
