"""Unexpected errors: the traceback goes to a file the user can send, the screen gets one sentence."""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import traceback
from pathlib import Path


def write_crash(exc: BaseException, *, context: str = "") -> Path:
    """Write the traceback of ``exc`` under the cache folder's crashes/ (else the temp folder); returns the file."""
    folder = Path(os.environ.get("HEALTHPLAN_CACHE") or Path.home() / ".cache" / "healthplan") / "crashes"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder = Path(tempfile.gettempdir())
    path = folder / f"healthplan-crash-{dt.datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}-{id(exc) % 10000}.txt"
    head = context or f"healthplan {' '.join(sys.argv[1:])}"
    path.write_text(f"{head}\n\n" + "".join(traceback.format_exception(exc)), encoding="utf-8")
    return path
