"""The sidebar: language, region (and Yunnan's prefecture), data folder, basemap, thresholds."""

from __future__ import annotations

import streamlit as st

from spatial import boundaries
from views.app import state
from views.app.common import tr
from views.maps import BASEMAPS
from views.strings import BASEMAPS as BASEMAP_NAMES
from views.strings import REGIONS


@st.cache_data(show_spinner=False)
def yunnan_prefectures() -> dict[str, tuple[str, str]]:
    """Yunnan prefecture adcode → (中文名, English name)."""
    pref = boundaries.counties("yunnan_prefectures")
    return {str(int(c)): (str(zh), str(en)) for c, zh, en in pref[["adcode", "name_zh", "name_en"]].itertuples(index=False)}


def render() -> None:
    """Draw the sidebar; its widgets write straight into the session state."""
    ss = st.session_state
    with st.sidebar:
        st.radio(tr("language"), ["zh", "en"], key="lang", horizontal=True,
                 format_func=lambda v: "中文" if v == "zh" else "English")
        st.selectbox(tr("region"), list(state.APP_REGIONS), key="region", on_change=state.new_region, args=(ss,),
                     format_func=lambda r: f"{REGIONS[r][0]} {REGIONS[r][1]}")
        if ss["region"] == "yunnan":
            prefs = yunnan_prefectures()
            st.selectbox(tr("area"), list(prefs), key="area_yunnan", on_change=state.new_region, args=(ss,),
                         format_func=lambda c: " ".join(prefs.get(c, (c, c))))
            st.caption(tr("yunnan_note"))
        st.radio(tr("basemap"), list(BASEMAPS), key="basemap", format_func=BASEMAP_NAMES.get)
        if ss["basemap"] == "amap":
            st.caption(tr("amap_note"))
        with st.expander(tr("thresholds")):
            lo, hi = state.THRESHOLD_RANGE
            st.number_input(tr("t_tertiary"), lo, hi, step=5.0, key="t_tertiary")
            st.number_input(tr("t_urban"), lo, hi, step=5.0, key="t_urban")
            st.number_input(tr("t_rural"), lo, hi, step=5.0, key="t_rural")
        st.text_input(tr("data_dir"), key="data_dir", help=tr("data_dir_help"))
