"""Print the README figures of the access analyses on the shipped data (one JSON object per analysis).

Run from the repository root: ``python scripts/access_figures.py [--cell-m 500]``.  Needs the data folder
(settings.DATA_DIR) for the Hainan and Kunming roads.  Capacities and beds are ASSUMPTIONS (the facility
tables carry none), stated in each line:

* capacity — Hainan, 16 named tertiary hospitals × 300,000 persons, 60 min, AccessMod rules (demand order);
* e2sfca — Kunming, 4 tertiary (1,500 beds each) + 14 county-seat county hospitals (500 beds), 60 min,
  Luo & Qi steps; beds per 1,000 residents, population-weighted, lowest and highest county;
* referral — Hainan, county seats as primary-care and county-hospital stand-ins, named tertiary hospitals;
* scaling — Hainan, the 16 tertiary hospitals × 300,000 kept, 3 new sites among the 18 county seats with
  1,000,000 persons each, exact MILP (HiGHS) against greedy.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

# run against the checkout this file lives in
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from spatial import capacity, datafolder, facilities, fca, population, referral, regions, scaling  # noqa: E402


def main() -> None:
    """Compute and print the four figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cell-m", type=float, default=500.0)
    cell_m = ap.parse_args().cell_m

    hainan = regions.resolve("hainan")
    hnet = datafolder.default_network("hainan")
    hgrid = population.from_census(hainan, network=hnet, cell_m=cell_m)
    tert = facilities.default_facilities(hainan, kind="tertiary")
    seats = facilities.default_facilities(hainan, kind="county_hospital")

    cap = capacity.capacity_coverage(hnet, hgrid, tert, np.full(len(tert), 300_000.0), threshold_min=60.0)
    worst = cap.counties(hainan.counties).sort_values("over_capacity_share", ascending=False).iloc[0]
    print(json.dumps({"analysis": "capacity", "region": "hainan", "cell_m": cell_m,
                      "assumed_capacity_each": 300_000, **cap.summary(),
                      "full_hospitals": int((cap.facilities()["utilisation"] > 0.999).sum()),
                      "most_over_capacity_county": worst["name_zh"],
                      "its_over_capacity_share": round(float(worst["over_capacity_share"]), 4)}, ensure_ascii=False))

    kunming = regions.resolve("530100")
    knet = datafolder.default_network("kunming")
    kgrid = population.from_census(kunming, network=knet, cell_m=cell_m)
    kt = facilities.default_facilities(kunming, kind="tertiary")
    kc = facilities.default_facilities(kunming, kind="county_hospital")
    kfac = pd.concat([kt, kc], ignore_index=True)
    beds = np.r_[np.full(len(kt), 1500.0), np.full(len(kc), 500.0)]
    e = fca.fca_scores(knet, kgrid, kfac, beds, catchment_min=60.0, method="e2sfca")
    ec = e.counties(kunming.counties).sort_values("score")
    print(json.dumps({"analysis": "e2sfca", "region": "530100", "cell_m": cell_m,
                      "assumed_beds": "1500 per tertiary, 500 per county hospital", **e.summary(),
                      "lowest_county": ec.iloc[0]["name_zh"], "lowest_beds_per_1000": round(float(ec.iloc[0]["score_per_1000"]), 3),
                      "highest_county": ec.iloc[-1]["name_zh"],
                      "highest_beds_per_1000": round(float(ec.iloc[-1]["score_per_1000"]), 3)}, ensure_ascii=False))

    primary = facilities.default_facilities(hainan, kind="primary")
    chain = referral.referral_chain(hnet, primary, seats, tert, counties=hainan.counties)
    top = chain.counties(hainan.counties).iloc[0]
    print(json.dumps({"analysis": "referral", "region": "hainan", "primary": "county-seat stand-ins", **chain.summary(),
                      "slowest_county": top["name_zh"], "slowest_chain_min": round(float(top["slowest_chain_min"]), 1),
                      "its_county_hospital_to_tertiary_min":
                          round(float(top["slowest_county_hospital_to_tertiary_min"]), 1)}, ensure_ascii=False))

    r = scaling.scale_up(hnet, hgrid, tert, np.full(len(tert), 300_000.0), seats, 1_000_000.0, k=3, threshold_min=60.0)
    s = r.summary()
    print(json.dumps({"analysis": "scaling", "region": "hainan", "cell_m": cell_m,
                      "assumed": "16 tertiary × 300,000 kept; candidates: 18 county seats × 1,000,000",
                      **{k: s[k] for k in ("method", "proven_optimal", "chosen_names", "gain_population", "served_before",
                                           "served_after", "mip_gap", "greedy_served_after", "solve_s",
                                           "model_groups", "model_pairs", "served_after_sequential")}},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
