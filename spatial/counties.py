"""Per-county sums over grid cells: the index of each cell's county, names, sums and shares.

Every per-county figure in healthplan is a ``np.bincount`` over these indices — no per-cell loops.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def county_index(county: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct county adcodes of the cells and each cell's index into them (int64)."""
    codes, inv = np.unique(np.asarray(county, dtype=np.int64), return_inverse=True)
    return codes, inv.ravel().astype(np.int64)


def county_names(codes: np.ndarray, counties: pd.DataFrame | None) -> pd.DataFrame:
    """A frame of adcode, name_zh, name_en for ``codes`` (blank names where no county table is given)."""
    codes = np.asarray(codes, dtype=np.int64)
    names: dict[int, tuple[str, str]] = {}
    if counties is not None and len(counties):
        for code, zh, en in zip(counties["adcode"], counties["name_zh"], counties["name_en"], strict=True):
            # the first row of a code names it; a missing name is blank
            names.setdefault(int(code), (zh if isinstance(zh, str) else "", en if isinstance(en, str) else ""))
    found = [names.get(int(c), ("", "")) for c in codes]
    return pd.DataFrame({"adcode": codes, "name_zh": pd.Series([n[0] for n in found], dtype="str"),
                         "name_en": pd.Series([n[1] for n in found], dtype="str")})


def sum_by(inv: np.ndarray, n: int, weights: np.ndarray) -> np.ndarray:
    """Per-county sums of ``weights`` (float64, length n)."""
    return np.bincount(inv, weights=np.asarray(weights, dtype=np.float64), minlength=n).astype(np.float64)


def share(part: np.ndarray | float, whole: np.ndarray | float) -> np.ndarray:
    """part / whole (0–1), 0 where whole is 0."""
    part, whole = np.asarray(part, dtype=float), np.asarray(whole, dtype=float)
    return np.divide(part, whole, out=np.zeros(np.broadcast(part, whole).shape), where=whole > 0)


def finite_or_none(value: float) -> float | None:
    """A float for JSON: None for inf or NaN."""
    return float(value) if np.isfinite(value) else None
