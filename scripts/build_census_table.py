"""Build data/census/census_2020_county.csv: the 2020 census by county for the regions healthplan covers.

Source: National Bureau of Statistics, 2020 (7th) population census, county volume (中国人口普查分县资料-2020),
as tabulated in the public repository leiii/census (MIT) — ``census_county_2020_v1.xlsx`` in the data folder
(``population/``).  The script keeps Hainan (46), Yunnan (53) and Yiyang (4309) and writes one row per
*leaf* statistical unit (district / county / county-level city / management zone) with totals, urban / rural,
the 60+, 65+ and 80+ counts and the children 0–14 and 0–4 (the workbook has no 0–2 band), summed from the age bands.

Each row also names ``polygon_adcode``: the county polygon of data/boundaries its people are placed in.
It differs from ``adcode`` only where the census and the boundaries disagree (documented in
data/census/README.md): 禄丰 re-coded 532331→532302, the Yiyang management zones (no polygon) placed in
their parent county, and 三沙 (no land polygon in the island regions) left without a polygon.

Every total is checked against the census's own province and prefecture rows: conservation is the bar.

Usage: ``python scripts/build_census_table.py [--xlsx PATH] [--out data/census/census_2020_county.csv]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_XLSX = ROOT.parent / "shared" / "data" / "population" / "census_county_2020_v1.xlsx"
DEFAULT_OUT = ROOT / "data" / "census" / "census_2020_county.csv"

#: Province / prefecture adcode prefixes kept (2 digits = province, 4 = prefecture).
KEEP_PREFIXES: tuple[str, ...] = ("46", "53", "4309")

#: Units the census lists without a 区划代码: (census name) → (NBS statistical code, polygon, note).
#: Codes are the NBS 统计用区划代码 of the management zones; neither has a boundary polygon.
UNCODED_UNITS: dict[str, tuple[int, int, str]] = {
    "益阳市大通湖管理区": (
        430971, 430921,
        "management zone without a polygon; the 大通湖 area (east of 112.45E, 29.1–29.3N) lies in the 南县 polygon",
    ),
    "湖南益阳高新技术产业园区": (
        430972, 430903, "management zone without a polygon; lies inside 赫山区",
    ),
}

#: Census rows without a code that are parts or sums of other rows (never leaves): skipped, by name.
SKIPPED_UNCODED: frozenset[str] = frozenset({
    "西沙群岛", "南沙群岛", "中沙群岛的岛礁及其海域",  # parts of 三沙市 460300 (its row is kept)
    "省直辖县级行政区划",  # Hainan's sum of the 15 province-administered county-level units
})

#: Census codes re-coded to the current boundary codes: census adcode → (polygon adcode, new name, note).
RECODED: dict[int, tuple[int, str, str]] = {
    532331: (532302, "禄丰市", "census code 532331 (禄丰县) → 532302 禄丰市 (county → city, 2021)"),
}

#: Units with no polygon in any region (their people are outside every region's county polygons).
NO_POLYGON: dict[int, str] = {
    460300: "三沙市: South China Sea islands, outside the Hainan island land polygons",
}

AGE_60 = ("60到64岁", "65到69岁", "70到74岁", "75到79岁", "80到84岁", "85岁以上")
AGE_65 = AGE_60[1:]
AGE_80 = AGE_60[4:]
#: Children: the workbook's youngest bands are 0, 1–4, 5–9, 10–14 (no 0–2 band exists, so no under-3 count).
AGE_0_14 = ("0岁", "1到4岁", "5到9岁", "10到14岁")
AGE_0_4 = AGE_0_14[:2]

COLUMNS = [
    "adcode", "province", "prefecture", "county", "pop_total", "pop_urban", "pop_rural",
    "pop_60plus", "pop_65plus", "pop_80plus", "pop_0to14", "pop_0to4", "polygon_adcode", "note",
]


def _age_sum(df: pd.DataFrame, bands: tuple[str, ...]) -> pd.Series:
    """Persons in the given 5-year bands, both sexes."""
    cols = [f"{sex}_{band}" for band in bands for sex in ("男", "女")]
    return df[cols].astype("int64").sum(axis=1)


def read_census(xlsx: Path) -> pd.DataFrame:
    """The census workbook's rows for the kept prefixes, with a string adcode ('' where missing)."""
    raw = pd.read_excel(xlsx).copy()  # copy: the wide sheet arrives fragmented
    code = raw["区划代码"].map(lambda v: "" if pd.isna(v) else str(int(v)))
    raw = pd.concat([raw, code.rename("code")], axis=1)
    # uncoded rows belong to the province of the nearest coded row above them (the workbook is ordered)
    prov = raw["code"].where(raw["code"] != "").ffill().fillna("")
    pref = prov.str[:4]
    keep = pd.Series(False, index=raw.index)
    for prefix in KEEP_PREFIXES:
        keep |= prov.str.startswith(prefix) if len(prefix) == 2 else (pref == prefix)
    return raw[keep].assign(prov_code=prov[keep])


def leaves(raw: pd.DataFrame) -> pd.DataFrame:
    """One row per leaf unit (no province/prefecture sums), with the fact-table columns."""
    coded = raw[raw["code"] != ""]
    codes = set(coded["code"])
    is_leaf = []
    for c in coded["code"]:
        if c.endswith("0000"):
            is_leaf.append(False)  # province
        elif c.endswith("00"):
            # a prefecture is a leaf only if the census lists no district under it (儋州, 三沙)
            is_leaf.append(not any(o != c and o[:4] == c[:4] for o in codes))
        else:
            is_leaf.append(True)
    rows = coded[is_leaf].copy()
    rows["adcode"] = rows["code"].astype("int64")
    uncoded = raw[raw["code"] == ""]
    unknown = sorted(set(uncoded["区县"]) - set(UNCODED_UNITS) - SKIPPED_UNCODED)
    if unknown:
        raise SystemExit(f"census rows without a code and without a rule in this script: {unknown}")
    extra = uncoded[uncoded["区县"].isin(list(UNCODED_UNITS))].copy()
    extra["adcode"] = extra["区县"].map(lambda n: UNCODED_UNITS[n][0]).astype("int64")
    rows = pd.concat([rows, extra])

    out = pd.DataFrame({
        "adcode": rows["adcode"].to_numpy(),
        "province": rows["省"].to_numpy(),
        "prefecture": rows["市"].to_numpy(),
        "county": rows["区县"].to_numpy(),
        "pop_total": rows["人口数_合计"].astype("int64").to_numpy(),
        "pop_urban": rows["城镇人口"].astype("int64").to_numpy(),
        "pop_rural": rows["乡村人口"].astype("int64").to_numpy(),
        "pop_60plus": _age_sum(rows, AGE_60).to_numpy(),
        "pop_65plus": _age_sum(rows, AGE_65).to_numpy(),
        "pop_80plus": _age_sum(rows, AGE_80).to_numpy(),
        "pop_0to14": _age_sum(rows, AGE_0_14).to_numpy(),
        "pop_0to4": _age_sum(rows, AGE_0_4).to_numpy(),
    })
    polygon: list[object] = []
    notes: list[str] = []
    names = out["county"].tolist()
    for i, code in enumerate(out["adcode"].tolist()):
        if code in RECODED:
            new_code, new_name, note = RECODED[code]
            out.loc[i, "adcode"] = new_code
            names[i] = new_name
            polygon.append(new_code)
            notes.append(note)
        elif code in NO_POLYGON:
            polygon.append(pd.NA)
            notes.append(NO_POLYGON[code])
        elif out.loc[i, "county"] in UNCODED_UNITS:
            polygon.append(UNCODED_UNITS[out.loc[i, "county"]][1])
            notes.append(f"NBS code {code}; " + UNCODED_UNITS[out.loc[i, "county"]][2])
        else:
            polygon.append(code)
            notes.append("")
    out["county"] = names
    out["polygon_adcode"] = pd.array(polygon, dtype="Int64")
    out["note"] = notes
    return out.sort_values("adcode", kind="stable").reset_index(drop=True)[COLUMNS]


def check(raw: pd.DataFrame, table: pd.DataFrame) -> list[str]:
    """Conservation checks against the census's own sum rows; returns human-readable lines (raises on failure)."""
    lines = []
    if (table["pop_urban"] + table["pop_rural"] != table["pop_total"]).any():
        raise SystemExit("urban + rural != total in some row")
    if (table["pop_80plus"] > table["pop_65plus"]).any() or (table["pop_65plus"] > table["pop_60plus"]).any():
        raise SystemExit("age counts not nested (80+ ≤ 65+ ≤ 60+)")
    if (table["pop_0to4"] > table["pop_0to14"]).any() or (table["pop_0to14"] + table["pop_60plus"] > table["pop_total"]).any():
        raise SystemExit("child counts not nested (0–4 ≤ 0–14, 0–14 + 60+ ≤ total)")
    # the census's own 0–14 share (percent, 2 decimals) must match the summed bands of every coded leaf
    coded = raw[raw["code"] != ""].assign(adcode=lambda f: f["code"].astype("int64")).set_index("adcode")
    census_code = table["adcode"].map({v[0]: k for k, v in RECODED.items()}).fillna(table["adcode"]).astype("int64")
    listed = census_code.isin(coded.index)
    share = 100.0 * table.loc[listed, "pop_0to14"].to_numpy() / table.loc[listed, "pop_total"].to_numpy()
    published = coded.loc[census_code[listed], "人口比重_0-14岁"].astype(float).to_numpy()
    worst = float(abs(share - published).max())
    if worst > 0.006:
        raise SystemExit(f"0–14 shares differ from the census's 人口比重_0-14岁 by up to {worst:.3f} points")
    lines.append(f"0–14 shares of {int(listed.sum())} coded units match 人口比重_0-14岁 (max diff {worst:.4f} points) ✓")
    if table["adcode"].duplicated().any():
        raise SystemExit(f"duplicate adcodes: {table.loc[table['adcode'].duplicated(), 'adcode'].tolist()}")
    sums = raw[(raw["code"] != "") & raw["code"].str.endswith("00")]
    children = _age_sum(sums, AGE_0_14)
    for code, name, total, urban, kids in zip(
        sums["code"], sums["区县"], sums["人口数_合计"], sums["城镇人口"], children, strict=True
    ):
        prefix = code[:2] if code.endswith("0000") else code[:4]
        # leaf adcodes keep the census prefix except the re-coded ones, whose prefixes are unchanged too
        part = table[table["adcode"].astype(str).str.startswith(prefix)]
        if int(part["pop_total"].sum()) != int(total) or int(part["pop_urban"].sum()) != int(urban):
            raise SystemExit(f"leaves of {code} {name} sum to {part['pop_total'].sum()} ≠ census {total}")
        if int(part["pop_0to14"].sum()) != int(kids):
            raise SystemExit(f"0–14 of the leaves of {code} {name} sum to {part['pop_0to14'].sum()} ≠ census {kids}")
        lines.append(f"{code} {name}: {len(part)} units, {int(total):,} persons ✓")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Read the workbook, write the fact table, print the checks."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--xlsx", type=Path, default=DEFAULT_XLSX)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    raw = read_census(args.xlsx)
    table = leaves(raw)
    for line in check(raw, table):
        print(line)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False, lineterminator="\n")
    print(f"wrote {args.out} ({len(table)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
