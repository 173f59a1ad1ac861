"""Provenance records: what every exported file says about how it was made (sources, dates, method, settings).

``record`` stamps the software and the UTC time; ``jsonable`` turns numpy/pandas values, paths and
non-finite floats into plain JSON (NaN and ±inf become null, so a record is always valid JSON).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import spatial


def jsonable(value: Any) -> Any:
    """Convert numpy/pandas scalars, arrays, paths, dates and NaN/inf into plain JSON values."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | np.ndarray | pd.Index):
        return [jsonable(v) for v in value]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(float(value)) else None
    if value is None or value is pd.NA or value is pd.NaT:  # NaT first: it is also a datetime
        return None
    if isinstance(value, dt.date | dt.datetime | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


def record(**parts: Any) -> dict[str, Any]:
    """A provenance record: the given parts (sources, method, parameters …) plus software, CRS and UTC time."""
    out: dict[str, Any] = {
        "software": f"healthplan {spatial.__version__}",
        "created_utc": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "crs": "EPSG:4326 (WGS84 lon/lat)",
    }
    out.update(parts)
    return jsonable(out)
