"""A disk cache of pickled derived data in the user's cache folder (``settings.cache_dir()``).

For data that is slow to rebuild and quick to unpickle (plan layers: 7 ms for Hainan's 12 from pickles
against 520 ms from GeoParquet; the boundary files: Kunming's region resolved in 0.04 s against 0.18 s
from GeoJSON; the census population grid: Hainan's 1 km grid read in a few ms against 0.15 s built).
Each entry's name carries the digest of what it was built from, so a changed source never meets a
stale entry.  Pickle, because the cache folder is the user's own and already holds numba's pickled
kernels: it is trusted as much as they are.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from spatial import atomic


log = logging.getLogger(__name__)

T = TypeVar("T")


def load_or_build(path: Path, build: Callable[[], T], *, kind: type[T], what: str) -> T:
    """The ``kind`` object pickled at ``path``, or ``build()`` written there aside and moved (any damage: rebuilt).

    A read-only or full cache folder only costs time: the object is built and returned, with a warning.
    """
    value = None
    if path.is_file():
        try:
            value = pickle.loads(path.read_bytes())
        except Exception as exc:  # any damage to an entry (truncation, another library version) means rebuild
            log.warning("cached %s unreadable (%s); rebuilding", what, exc)
            value = None
    if isinstance(value, kind):
        return value
    value = build()
    try:  # written aside and moved: a reader never sees half a file
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic.sweep_parts(path)
        tmp = atomic.part_file(path)
        tmp.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        tmp.replace(path)
    except OSError as exc:
        log.warning("could not cache %s (%s)", what, exc)
    return value
