"""The "your data" tab: upload facilities, primary care, a road network, a population GeoTIFF; get real data;
and, for a region with no network, the ways to get one (download an extract, Overpass, upload).
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from spatial import download, facilities, netcache, population
from spatial.errors import HealthplanError
from spatial.regions import Region
from spatial.scenario import Scenario, Source
from views.app import state, uploads
from views.app.common import guard, lang, pipeline, plain, tr
from views.strings import DATUMS


def _datum(key: str) -> str:
    """A datum picker."""
    return st.selectbox(tr("datum"), list(DATUMS), key=key, format_func=DATUMS.get)


def _facility_upload(label: str, key: str, state_key: str, kind: str) -> None:
    """One facility-like upload: read it now (errors name the row and column), then use it."""
    ss = st.session_state
    st.markdown(f"**{label}**")
    f1, f2 = st.columns([3, 1])
    up = f1.file_uploader(label, type=["csv", "xlsx", "geojson", "json", "gpkg"], key=key, label_visibility="collapsed")
    with f2:
        datum = _datum(f"{key}_datum")
    if up is not None and st.button(tr("use_file"), key=f"use_{key}"):
        with guard(f"upload {kind}"):
            path = uploads.save(up, "facilities")
            facilities.read_facilities(path, datum=datum)  # validate now: errors name the row and column
            ss[state_key] = {"kind": "file", "path": str(path), "options": {"datum": datum}}
            st.rerun()


def _roads_upload(s: Scenario) -> None:
    """A road network upload (OSM .pbf, or road lines with a class and an optional one-way field)."""
    ss = st.session_state
    st.markdown(f"**{tr('up_roads')}**")
    r1, r2, r3 = st.columns([3, 1, 1])
    up = r1.file_uploader(tr("up_roads"), type=["pbf", "gpkg", "geojson", "json"], key="up_roads",
                          label_visibility="collapsed")
    field = r2.text_input(tr("class_field"), value="highway", key="road_class_field")
    oneway = r3.text_input(tr("oneway_field"), value="", key="road_oneway_field")
    if up is not None and st.button(tr("use_file"), key="use_roads"):
        with guard("upload roads"):
            path = uploads.save(up, "roads")
            if path.name.endswith(".pbf"):
                src = {"kind": "pbf", "path": str(path), "options": {}}
            else:
                options = {"class_field": field.strip()}
                if oneway.strip():
                    options["oneway_field"] = oneway.strip()
                src = {"kind": "roads", "path": str(path), "options": options}
            with st.spinner(tr("loading_net")):  # build now: a bad file is refused here, the page stays usable
                pipeline().network(dataclasses.replace(s, network=Source(**src)))
            ss["src_network"] = {**ss["src_network"], state.area(ss): src}
            st.rerun()


def _population_upload(s: Scenario, region: Region | None) -> None:
    """A population GeoTIFF upload."""
    ss = st.session_state
    st.markdown(f"**{tr('up_pop')}**")
    up = st.file_uploader(tr("up_pop"), type=["tif", "tiff"], key="up_pop", label_visibility="collapsed")
    if up is not None and region is not None and st.button(tr("use_file"), key="use_pop"):
        with guard("upload population"):
            path = uploads.save(up, "population")
            population.read_geotiff(path, region, cell_m=s.cell_m)  # validate
            ss["src_population"] = {**ss["src_population"], state.area(ss): {"kind": "geotiff", "path": str(path)}}
            st.rerun()


def render(s: Scenario, region: Region | None) -> None:
    """The whole tab."""
    ss = st.session_state
    _facility_upload(tr("up_fac"), "up_fac", "src_facilities", "facilities")
    _facility_upload(tr("m_help_primary"), "up_primary", "src_primary", "primary care")
    _roads_upload(s)
    _population_upload(s, region)
    where = state.area(ss)
    own = ss["src_facilities"] or ss["src_primary"] or where in ss["src_network"] or where in ss["src_population"]
    if own and st.button(tr("reset_data")):
        ss["src_facilities"] = ss["src_primary"] = None
        ss["src_network"] = {k: v for k, v in ss["src_network"].items() if k != where}
        ss["src_population"] = {k: v for k, v in ss["src_population"].items() if k != where}
        st.rerun()


def _download_failed(exc: HealthplanError, what: str) -> None:
    """A failed download said in one sentence of the page language (the engine's own sentence in a fold)."""
    text = str(exc)
    offline = any(w in text for w in ("resolve", "no connection", "no answer", "NameResolution", "Max retries"))
    st.error(tr("download_offline" if offline else "download_failed", what=what))
    with st.expander(tr("details")):
        st.caption(plain(exc))


def no_network(s: Scenario, region: Region, err: HealthplanError) -> None:
    """No network for the area: say so, and offer the extract download and Overpass (both need the internet).

    Everything names the area coverage is measured on (a Yunnan prefecture, not Yunnan, not Kunming).
    """
    ss = st.session_state
    name = region.name_zh if lang() == "zh" else region.name_en
    st.warning(tr("no_network", d=str(s.data_folder()), r=name))
    with st.expander(tr("details")):
        st.caption(plain(err))
    st.caption(tr("internet"))
    c1, c2 = st.columns(2)
    with c1:
        try:
            province = download.province_of(region.name)
        except HealthplanError:
            province = None
        if province is not None and st.button(tr("fetch_osm", p=province.name_zh if lang() == "zh" else province.name_en),
                                              key="btn_fetch"):
            bar = st.progress(0.0)
            try:
                download.fetch_osm(province.slug, s.data_folder(),
                                   progress=lambda m, f: bar.progress(min(max(f or 0.0, 0.0), 1.0)))
            except HealthplanError as exc:
                bar.empty()
                _download_failed(exc, province.name_zh if lang() == "zh" else province.name_en)
            else:
                st.rerun()
    with c2:
        # one box per area: a box kept from another area would ask Overpass for the wrong place
        place = st.text_input(tr("place"), value=f"{region.name_en}, China", key=f"overpass_place_{region.name}")
        if st.button(tr("build_overpass"), key="btn_overpass"):
            try:
                with st.spinner(tr("loading_net")):
                    netcache.cached_network("place", place.strip(), allow_download=True)
            except HealthplanError as exc:
                _download_failed(exc, place.strip())
            else:
                ss["src_network"] = {**ss["src_network"], state.area(ss): {"kind": "place", "path": place.strip()}}
                st.rerun()
    st.caption(tr("build_upload"))
