"""Timing shared by the benchmark scripts run as ``python bench/NAME.py`` (this folder is then on the path)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def median_s(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time (s) of ``repeat`` calls of ``fn`` (at least one) and the last call's result."""
    times, out = [], None
    for _ in range(max(repeat, 1)):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out
