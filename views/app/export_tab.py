"""The export tab: one GeoPackage (results and plan layers), GeoJSON per layer, CSV tables, the map and the report.

Every file carries the run's provenance, as the command line writes it: GeoJSON and GeoPackage inside the
file, CSV tables beside it (``<table>.csv.provenance.json``), so a CSV comes as a zip of the two files the
CLI would write.  Files are made when the button is pressed (download buttons take a function), so the
page does not pay for exports nobody asks for.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from spatial import export
from spatial.outputs import plan_table
from spatial.results import Results
from views import maps, report
from views.app.common import lang, tr
from views.strings import OVERLAYS, overlay


def csv_zip(tables: Mapping[str, pd.DataFrame], provenance: Mapping[str, Any]) -> bytes:
    """A zip of ``<name>.csv`` and ``<name>.csv.provenance.json`` per table, written as the CLI writes them."""
    with tempfile.TemporaryDirectory() as tmp:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            for name, frame in tables.items():
                path = export.write_csv(frame, Path(tmp) / f"{name}.csv", provenance=provenance)
                z.write(path, path.name)
                sidecar = path.with_name(path.name + ".provenance.json")
                z.write(sidecar, sidecar.name)
        return buffer.getvalue()


def render(res: Results, plans: dict[str, gpd.GeoDataFrame], optimised: Any = None) -> None:
    """Download buttons for every file a GIS analyst or a planner needs (``optimised``: the app's kept result)."""
    st.subheader(tr("exports"))
    layers = dict(res.layers())
    if optimised is not None:
        layers["optimised_sites"] = optimised["chosen"].drop(columns=["node"], errors="ignore")
    prov = res.provenance
    stem = f"healthplan-{res.region.name}"
    language = lang()
    tables = dict(res.tables())
    everything = {**{k: v for k, v in layers.items() if len(v)}, **{plan_table(k): v for k, v in plans.items() if len(v)}}
    st.caption(tr("exports_note"))
    c1, c2, c3 = st.columns(3)
    c1.download_button(tr("gpkg"), file_name=f"{stem}.gpkg", mime="application/geopackage+sqlite3", key="dl_gpkg",
                       data=lambda: export.as_bytes(lambda p: export.write_gpkg(everything, p, provenance=prov),
                                                    "results.gpkg"))
    c2.download_button(tr("csv_counties"), file_name=f"{stem}-counties.zip", mime="application/zip", key="dl_counties",
                       data=lambda: csv_zip({"counties": tables["counties"]}, prov))
    c3.download_button(tr("csv_gaps"), file_name=f"{stem}-gaps.zip", mime="application/zip", key="dl_gaps",
                       data=lambda: csv_zip({"gaps": tables["gaps"]}, prov))
    c1.download_button(tr("map_html"), file_name=f"{stem}-map.html", mime="text/html", key="dl_map",
                       data=lambda: maps.map_html(maps.results_map(layers, plans, bounds=res.region.bbox,
                                                                   lang=language,
                                                                   bands_min=res.scenario.thresholds.bands_min)))
    c2.download_button(tr("report"), file_name=f"{stem}-report.html", mime="text/html", key="dl_report",
                       data=lambda: report.report_html(res, plans, lang=language, optimised=optimised))
    c3.download_button(tr("csv_all"), file_name=f"{stem}-tables.zip", mime="application/zip", key="dl_tables",
                       data=lambda: csv_zip(tables, prov))
    c1.download_button("summary.json", file_name=f"{stem}-summary.json", mime="application/json", key="dl_summary",
                       data=lambda: export.json_text({**res.summary(), "provenance": prov}))
    if plans:
        combined = {plan_table(k): v for k, v in plans.items() if len(v)}
        c2.download_button(tr("plans_geojson", n=len(combined)), file_name=f"{stem}-plans.geojson",
                           mime="application/geo+json", key="dl_plans",
                           data=lambda: export.as_bytes(lambda p: export.write_geojson(
                               gpd.GeoDataFrame(pd.concat(list(combined.values()), ignore_index=True),
                                                geometry="geometry", crs="EPSG:4326"), p, provenance=prov),
                               "plans.geojson"))
    st.markdown(f"**{tr('geojson_layers')}**")
    cols = st.columns(3)
    for i, (name, frame) in enumerate(layers.items()):
        cols[i % 3].download_button(
            tr("geojson_of", n=f"{overlay(name, language) if name in OVERLAYS else name} ({len(frame)})"),
            file_name=f"{stem}-{name}.geojson", mime="application/geo+json", key=f"dl_geojson_{name}",
            data=lambda frame=frame, name=name: export.as_bytes(
                lambda p: export.write_geojson(frame, p, provenance=prov), f"{name}.geojson"))

