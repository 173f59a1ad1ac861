"""The headline cards (residents, the 1-hour circle, the 15/30-minute circles, the candidate sites, the optimiser's
sites) and the run's notices, in the page language.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from spatial.results import Results
from views.app.common import lang, plain, tr
from views.strings import notice


def persons(n: float) -> str:
    """A head count short enough for a card: 万 in Chinese, millions/thousands in English."""
    if lang() == "zh":
        return f"{n / 1e4:,.1f} 万" if abs(n) >= 1e5 else f"{n:,.0f}"
    return f"{n / 1e6:,.2f} M" if abs(n) >= 1e6 else f"{n:,.0f}"


def tertiary_help(res: Results) -> str:
    """What the 1-hour card counts: which hospitals, which not, and the persons behind the share."""
    s = res.summary()
    fac = res.inputs.facilities
    names = "、".join(str(n) for n in fac["name"]) if lang() == "zh" else ", ".join(
        str(e) if isinstance(e, str) and e.strip() else str(n)
        for n, e in zip(fac["name"], fac.get("name_en", fac["name"]), strict=True))
    which = tr("m_tertiary_own", n=len(fac)) if res.scenario.facilities.kind != "default" else \
        tr("m_tertiary_default", n=len(fac), names=plain(names))  # names are data, never markdown
    counts = tr("m_counts", covered=f"{s['covered_population']:,}", total=f"{s['population_total']:,}")
    return f"{tr('m_tertiary_help', t=s['threshold_min'])} {which} {counts}"


def cards(res: Results, optimised: Any = None) -> None:
    """The headline cards; with an optimiser result (a ``SitingResult``) a sixth card shows its effect."""
    s = res.summary()
    hc = s["health_circles"]
    stand_in = tr("m_stand_in") if hc["stand_in"] else None
    primary_help = tr("m_help_primary_stand_in" if hc["stand_in"] else "m_help_primary_own",
                      n=hc["primary_care_points"])
    # five cards fit one row at 1280 px; with the optimiser's sixth, two rows of three (no label cut)
    cols = st.columns(5) if optimised is None else [*st.columns(3), *st.columns(3)]
    cols[0].metric(tr("m_population"), persons(s["population_total"]), help=f"{s['population_total']:,}")
    cols[1].metric(tr("m_tertiary", t=s["threshold_min"]), f"{100 * s['covered_share']:.1f}%",
                   delta=tr("m_general_tertiary"), delta_color="off", delta_arrow="off", help=tertiary_help(res))
    cols[2].metric(tr("m_urban", t=hc["urban_threshold_min"]), f"{100 * hc['urban_share']:.1f}%", delta=stand_in,
                   delta_color="off", delta_arrow="off", help=primary_help)
    cols[3].metric(tr("m_rural", t=hc["rural_threshold_min"]), f"{100 * hc['rural_share']:.1f}%", delta=stand_in,
                   delta_color="off", delta_arrow="off", help=primary_help)
    if res.evaluation is not None:
        c = s["candidates"]
        cols[4].metric(tr("m_with_cand"), f"{100 * c['covered_share_after']:.1f}%",
                       delta=f"+{persons(c['new_population'])}",
                       help=tr("m_with_cand_help", n=c["ok"], new=f"{c['new_population']:,}", rejected=c["rejected"]))
    else:
        cols[4].metric(tr("m_with_cand"), "—", help=tr("no_sites"))
    if optimised is not None:
        gain = optimised.covered_after - optimised.covered_before
        cols[5].metric(tr("m_optimised", k=int(optimised.chosen.size)), f"{100 * optimised.share_after:.1f}%",
                       delta=f"+{persons(gain)}", help=tr("m_optimised_help", k=int(optimised.chosen.size),
                                                          new=f"{gain:,.0f}"))


def notices(res: Results) -> None:
    """The run's notices in the page language (people far from the network, stand-ins, …)."""
    lines = [notice(n.code, n.message, dict(n.values), lang()) for n in res.notices]
    if lines:  # one box: the map stays in the first screen
        st.warning("\n".join(f"- {plain(line)}" for line in lines))  # they quote file names: data, not markdown
