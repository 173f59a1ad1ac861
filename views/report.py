"""The short HTML report of a run — title, scenario, headline figures, notices, map, charts, tables, provenance —
and the presentation files a run writes beside its data (``map.html``, ``report.html``).

Standalone: Leaflet and plotly are inside the page, so it opens offline; every name is escaped.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import plotly.io as pio

from spatial import export
from spatial.results import Results
from views import charts, maps, tables
from views.sources import rows as source_rows
from views.strings import notice, reason_text, site_name, t


def _counties_of(res: Results, frame: gpd.GeoDataFrame, lang: str) -> list[str]:
    """The county (in ``lang``) each point of ``frame`` falls in ("" outside every county)."""
    counties = res.region.counties
    hit_pt, hit_poly = counties.sindex.query(frame.geometry.to_crs("EPSG:4326").values, predicate="within")
    names = counties["name_zh" if lang == "zh" else "name_en"].astype(str).to_numpy()
    out = [""] * len(frame)
    for i, j in zip(hit_pt, hit_poly, strict=True):
        out[int(i)] = str(names[int(j)])
    return out


def headline(res: Results, lang: str) -> list[tuple[str, str]]:
    """(label, value) pairs of the headline figures, as on the app's cards."""
    s = res.summary()
    hc = s["health_circles"]
    rows = [
        (t("m_population", lang), f"{s['population_total']:,}"),
        (t("m_tertiary", lang, t=s["threshold_min"]), f"{100 * s['covered_share']:.1f}% ({s['covered_population']:,})"),
        (t("m_urban", lang, t=hc["urban_threshold_min"]) + (f"（{t('m_stand_in', lang)}）" if hc["stand_in"] else ""),
         f"{100 * hc['urban_share']:.1f}%"),
        (t("m_rural", lang, t=hc["rural_threshold_min"]) + (f"（{t('m_stand_in', lang)}）" if hc["stand_in"] else ""),
         f"{100 * hc['rural_share']:.1f}%"),
        (t("m_gaps", lang), f"{s['gap_clusters']:,}"),
    ]
    if "candidates" in s:
        c = s["candidates"]
        rows.append((t("m_with_cand", lang), f"{100 * c['covered_share_after']:.1f}% (+{c['new_population']:,})"))
    if "optimiser" in s:
        o = s["optimiser"]
        rows.append((f"{t('opt_result', lang)} ({o['n_sites']})",
                     f"{100 * o['covered_share_after']:.1f}% ({o['covered_population_after']:,})"))
    return rows


def _table_html(frame: Any, lang: str, columns: Any) -> str:
    """A table as HTML (escaped, rounded, headed in ``lang``)."""
    return tables.display(frame, lang, columns).to_html(index=False, border=0, classes="t", escape=True)


def report_html(res: Results, plan_layers: Mapping[str, gpd.GeoDataFrame] | None = None, *, lang: str = "zh",
                optimised: Mapping[str, Any] | None = None) -> str:
    """A standalone HTML report of the run in ``lang``: its name, figures, notices, map, charts, tables, sources.

    ``optimised`` is an optimiser result kept apart from the run (the app's: ``{"chosen", "result"}``); the
    run's own choice is used when it has one.
    """
    region = res.region
    title = (f"{region.name_zh} 医疗卫生服务可达性报告" if lang == "zh" else
             f"Health-service access report: {region.name_en} ({region.name_zh})")
    if res.scenario.name:
        title += f"：{res.scenario.name}" if lang == "zh" else f": {res.scenario.name}"
    layers = dict(res.layers(cells=False))
    chosen, result = (res.choice.chosen, res.choice.result) if res.choice is not None else \
        (optimised["chosen"], optimised["result"]) if optimised is not None else (None, None)
    if chosen is not None:
        layers["optimised_sites"] = chosen.drop(columns=["node"], errors="ignore")
    m = maps.results_map(layers, plan_layers, bounds=region.bbox, lang=lang,
                         bands_min=res.scenario.thresholds.bands_min, height_px=520)
    rows = headline(res, lang)
    if result is not None and res.choice is None:
        rows.append((t("m_optimised", lang, k=int(result.chosen.size)),
                     f"{100 * result.share_after:.1f}% (+{result.covered_after - result.covered_before:,.0f})"))
    metric_rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    notes = "".join(f"<li>{html.escape(notice(n.code, n.message, dict(n.values), lang))}</li>" for n in res.notices)
    figs = [charts.county_bar(res, lang), charts.band_histogram(res, lang)]
    chart_html = "".join(pio.to_html(f, full_html=False, include_plotlyjs=(i == 0)) for i, f in enumerate(figs))
    parts = [f"<h2>{html.escape(t('county_table', lang))}</h2>"
             + _table_html(res.county_table(), lang, tables.county_columns(lang)),
             f"<h2>{html.escape(t('gap_table', lang, t=res.metrics.circle.total['threshold_min']))}</h2>"
             + f"<p>{html.escape(t('gap_note', lang))}</p>"
             + _table_html(res.gap_table().head(20), lang, tables.gap_columns(lang))]
    if res.evaluation is not None:
        sites = res.evaluation.sites.sort_values("rank")
        sites = sites.assign(name=[site_name(n, lang) for n in sites["name"]],
                             status=[t("ok" if v == "ok" else "rejected_word", lang) for v in sites["status"]],
                             reason=[reason_text(r, lang) for r in sites["reason"]])
        parts.append(f"<h2>{html.escape(t('gain_table', lang))}</h2>" + _table_html(sites, lang, tables.SITE_COLUMNS))
    if chosen is not None:
        counties = _counties_of(res, chosen, lang)
        chosen = chosen.assign(name=[site_name(n, lang) for n in chosen["name"]])
        parts.append(f"<h2>{html.escape(t('opt_result', lang))}</h2>"
                     + tables.chosen_table(chosen, lang, counties, total=float(result.total_population)).to_html(
                         index=False, border=0, classes="t", escape=True))
    if res.metrics.emergency is not None:
        e = res.metrics.emergency.total
        parts.append(f"<h2>{html.escape(t('emergency_title', lang, t=e['threshold_min']))}</h2>"
                     + tables.emergency_table(res, lang).to_html(index=False, border=0, classes="t", escape=True))
    prov = res.provenance
    sources = "".join(f"<li><b>{html.escape(k)}</b>{'：' if lang == 'zh' else ': '}{html.escape(v)}</li>"
                      for k, v in source_rows(res, lang))
    iframe = html.escape(maps.map_html(m), quote=True)
    scenario = html.escape(res.scenario.name or "—")
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;margin:24px auto;max-width:1100px;padding:0 16px}}
table.t,table.m{{border-collapse:collapse;font-size:13px;margin-bottom:12px}}td,th{{border:1px solid #ccc;padding:3px 6px;text-align:left}}
pre{{background:#f6f6f6;padding:8px;font-size:11px;max-height:320px;overflow:auto}}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>{html.escape(t('scenario_name', lang))}{'：' if lang == 'zh' else ': '}<b>{scenario}</b> — healthplan, {html.escape(str(prov.get('created_utc', '')))}</p>
<table class="m">{metric_rows}</table>
<ul>{notes}</ul>
<iframe srcdoc="{iframe}" style="width:100%;height:540px;border:1px solid #ccc"></iframe>
{chart_html}
{''.join(parts)}
<h2>{html.escape(t('sources', lang))}</h2><ul>{sources}</ul>
<details><summary>{html.escape(t('provenance_json', lang))}</summary><pre>{html.escape(json.dumps(prov, ensure_ascii=False, indent=1))}</pre></details>
</body></html>"""


def extra_files(res: Results, plan_layers: Mapping[str, gpd.GeoDataFrame] | None = None, *,
                lang: str = "zh") -> dict[str, Callable[[Path], Any]]:
    """The presentation files a run writes beside its data: the standalone map and the report."""
    def write_map(path: Path) -> None:
        m = maps.results_map(res.layers(cells=False), plan_layers, bounds=res.region.bbox, lang=lang,
                             bands_min=res.scenario.thresholds.bands_min)
        export.write_text(maps.map_html(m), path)

    def write_report(path: Path) -> None:
        export.write_text(report_html(res, plan_layers, lang=lang), path)

    return {"map.html": write_map, "report.html": write_report}
