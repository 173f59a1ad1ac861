"""The headline cards (residents, the 1-hour circle, the 15/30-minute circles, with the candidate sites) and notices."""

from __future__ import annotations

from typing import Any

import streamlit as st

from spatial.results import Results
from views.app.common import lang, tr
from views.strings import notice


def persons(n: float) -> str:
    """A head count short enough for a card: 万 in Chinese, millions/thousands in English."""
    if lang() == "zh":
        return f"{n / 1e4:,.1f} 万" if n >= 1e5 else f"{n:,.0f}"
    return f"{n / 1e6:,.2f} M" if n >= 1e6 else f"{n:,.0f}"


def cards(res: Results, optimised: Any = None) -> None:
    """The five headline cards; the last shows the candidate sites' effect, else the optimiser's (a SitingResult)."""
    s = res.summary()
    hc = s["health_circles"]
    stand_in = tr("m_stand_in") if hc["stand_in"] else None
    cols = st.columns(5)
    cols[0].metric(tr("m_population"), persons(s["population_total"]), help=f"{s['population_total']:,}")
    cols[1].metric(tr("m_tertiary", t=s["threshold_min"]), f"{100 * s['covered_share']:.1f}%",
                   help=tr("m_tertiary_help", t=s["threshold_min"], n=s["facilities"])
                   + f" {s['covered_population']:,} / {s['population_total']:,}")
    cols[2].metric(tr("m_urban", t=hc["urban_threshold_min"]), f"{100 * hc['urban_share']:.1f}%", delta=stand_in,
                   delta_color="off", delta_arrow="off", help=tr("m_help_primary"))
    cols[3].metric(tr("m_rural", t=hc["rural_threshold_min"]), f"{100 * hc['rural_share']:.1f}%", delta=stand_in,
                   delta_color="off", delta_arrow="off", help=tr("m_help_primary"))
    if res.evaluation is not None:
        c = s["candidates"]
        cols[4].metric(tr("m_with_cand"), f"{100 * c['covered_share_after']:.1f}%",
                       delta=f"+{persons(c['new_population'])}", help=f"+{c['new_population']:,}")
    elif optimised is not None:
        gain = optimised.covered_after - optimised.covered_before
        cols[4].metric(f"{tr('opt_result')} ({optimised.chosen.size})", f"{100 * optimised.share_after:.1f}%",
                       delta=f"+{persons(gain)}", help=f"+{gain:,.0f}")
    else:
        cols[4].metric(tr("m_with_cand"), "—")


def notices(res: Results) -> None:
    """The run's notices in the page language (people far from the network, stand-ins, …)."""
    for n in res.notices:
        st.warning(notice(n.code, n.message, dict(n.values), lang()))
