"""Charts of a run (plotly): the share covered by county and the persons by travel-time band.

Axis titles, band names and hover text are in the page's language; numbers are rounded for people.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from spatial.results import Results
from views import style
from views.strings import band_label, t


def county_bar(res: Results, lang: str) -> go.Figure:
    """Horizontal bars: share of each county's people within the tertiary threshold, lowest first."""
    table = res.county_table().sort_values("share")
    names = table["name_zh" if lang == "zh" else "name_en"].astype(str)
    threshold = res.metrics.circle.total["threshold_min"]
    fig = go.Figure(go.Bar(
        x=table["share"], y=names, orientation="h",
        marker={"color": [style.share_colour(float(v)) for v in table["share"]], "line": {"color": "#525252", "width": 0.5}},
        customdata=table[["covered", "population"]].round(0).to_numpy(),
        hovertemplate="%{y}: %{x:.1%}<br>%{customdata[0]:,.0f} / %{customdata[1]:,.0f}<extra></extra>",
    ))
    fig.update_layout(title=t("bar_title", lang, t=threshold), height=max(280, 22 * len(table) + 80),
                      margin={"l": 10, "r": 10, "t": 40, "b": 10}, xaxis={"tickformat": ".0%", "range": [0, 1],
                      "title": t("axis_share", lang)}, yaxis={"title": None})
    return fig


def band_histogram(res: Results, lang: str) -> go.Figure:
    """Columns: persons in each travel-time band (viridis, as on the map)."""
    bands = res.metrics.bands.total
    edges = [0.0, *bands["bands_min"]]
    labels = [band_label(edges[i], edges[i + 1] if i + 1 < len(edges) else None, lang) for i in range(len(edges))]
    values = [bands[c] for c in bands if str(c).startswith("pop_")]
    frame = pd.DataFrame({"band": labels, "population": values})
    fig = go.Figure(go.Bar(x=frame["band"], y=frame["population"], marker_color=style.band_colours(len(frame)),
                           hovertemplate="%{x}: %{y:,.0f}<extra></extra>"))
    fig.update_layout(title=t("hist_title", lang), showlegend=False, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      xaxis={"title": t("axis_band", lang)}, yaxis={"title": t("axis_population", lang),
                                                                    "tickformat": ",.0f"})
    return fig
