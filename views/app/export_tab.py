"""The export tab: one GeoPackage (results and plan layers), GeoJSON per layer, CSV tables, the map and the report.

Every file carries the run's provenance, as the command line writes it; files are made when the button
is pressed (download buttons take a function), so the page does not pay for exports nobody asks for.
"""

from __future__ import annotations

import geopandas as gpd
import streamlit as st

from spatial import export
from spatial.outputs import plan_table
from spatial.results import Results
from views import maps, report
from views.app.common import lang, tr


def render(res: Results, plans: dict[str, gpd.GeoDataFrame]) -> None:
    """Download buttons for every file a GIS analyst or a planner needs."""
    st.subheader(tr("exports"))
    layers = res.layers()
    prov = res.provenance
    stem = f"healthplan-{res.region.name}"
    language = lang()
    everything = {**{k: v for k, v in layers.items() if len(v)}, **{plan_table(k): v for k, v in plans.items() if len(v)}}
    c1, c2, c3 = st.columns(3)
    c1.download_button(tr("gpkg"), file_name=f"{stem}.gpkg", mime="application/geopackage+sqlite3", key="dl_gpkg",
                       data=lambda: export.as_bytes(lambda p: export.write_gpkg(everything, p, provenance=prov),
                                                    "results.gpkg"))
    c2.download_button(tr("csv_counties"), file_name=f"{stem}-counties.csv", mime="text/csv", key="dl_counties",
                       data=lambda: export.as_bytes(lambda p: export.write_csv(res.county_table(), p,
                                                                               provenance=prov), "counties.csv"))
    c3.download_button(tr("csv_gaps"), file_name=f"{stem}-gaps.csv", mime="text/csv", key="dl_gaps",
                       data=lambda: export.as_bytes(lambda p: export.write_csv(res.gap_table(), p, provenance=prov),
                                                    "gaps.csv"))
    c1.download_button(tr("map_html"), file_name=f"{stem}-map.html", mime="text/html", key="dl_map",
                       data=lambda: maps.map_html(maps.results_map(layers, plans, bounds=res.region.bbox,
                                                                   lang=language,
                                                                   bands_min=res.scenario.thresholds.bands_min)))
    c2.download_button(tr("report"), file_name=f"{stem}-report.html", mime="text/html", key="dl_report",
                       data=lambda: report.report_html(res, plans, lang=language))
    c3.download_button("summary.json", file_name=f"{stem}-summary.json", mime="application/json", key="dl_summary",
                       data=lambda: export.json_text({**res.summary(), "provenance": prov}))
    cols = st.columns(3)
    for i, (name, frame) in enumerate(layers.items()):
        cols[i % 3].download_button(
            tr("geojson_of", n=f"{name} ({len(frame)})"), file_name=f"{stem}-{name}.geojson",
            mime="application/geo+json", key=f"dl_geojson_{name}",
            data=lambda frame=frame, name=name: export.as_bytes(
                lambda p: export.write_geojson(frame, p, provenance=prov), f"{name}.geojson"))
