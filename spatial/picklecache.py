"""A disk cache of pickled derived data in the user's cache folder (``settings.cache_dir()``).

For data that is slow to rebuild and quick to unpickle (plan layers: 7 ms for Hainan's 12 from pickles
against 520 ms from GeoParquet; the boundary files: Kunming's region resolved in 0.04 s against 0.18 s
from GeoJSON; the census population grid: Hainan's 1 km grid read in a few ms against 0.15 s built).
Each entry's name carries the digest of what it was built from, so a changed source never meets a
stale entry.  Pickle, because the cache folder is the user's own and already holds numba's pickled
kernels: it is trusted as much as they are.
"""

from __future__ import annotations

import contextlib
import logging
import os
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
        with contextlib.suppress(OSError):  # used now: the last to go when the folder is pruned
            os.utime(path)
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


def prune(folder: Path, pattern: str, *, keep: int) -> list[Path]:
    """Remove all but the ``keep`` most recently used files matching ``pattern`` in ``folder``; returns them.

    Entries are named by digests of their inputs, so an edited input or a new library leaves the old entry
    behind for good; this bounds what accumulates (used entries are touched when read).
    """
    with contextlib.suppress(OSError):
        entries = sorted(folder.glob(pattern), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        removed = []
        for old in entries[keep:]:
            with contextlib.suppress(OSError):
                old.unlink()
                removed.append(old)
        return removed
    return []
