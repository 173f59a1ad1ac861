"""Unexpected errors: the traceback goes to a file the user can send, the screen gets one sentence."""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import traceback
from pathlib import Path


def write_crash(exc: BaseException, *, context: str = "") -> Path | str:
    """Write the traceback of ``exc`` under the cache folder's crashes/ (else the temp folder); returns the file.

    Where neither can be written (a full or read-only disk), returns a sentence saying so: the crash
    report itself must never crash.
    """
    name = f"healthplan-crash-{dt.datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}-{id(exc) % 10000}.txt"
    head = context or f"healthplan {' '.join(sys.argv[1:])}"
    text = f"{head}\n\n" + "".join(traceback.format_exception(exc))
    cache = Path(os.environ.get("HEALTHPLAN_CACHE") or Path.home() / ".cache" / "healthplan") / "crashes"
    for folder in (cache, Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text, encoding="utf-8")
            return folder / name
        except OSError:
            continue
    return "(no file: neither the cache folder nor the temporary folder can be written)"
