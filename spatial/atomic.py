"""Whole folders replaced at once: written beside the target under a hidden name, then swapped in.

Used by the output set of a run (``spatial.export.output_set``) and by saved networks
(``spatial.network.save``).  The hidden names carry the writer's process id, so the leftovers of a
writer that was killed (its folder half-written, or the previous version set aside) are recognised and
removed by the next writer of the same target, never those of a writer still running.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path


def _alive(pid: int) -> bool:
    """True when a process with this id exists (it may be another one that reused the id: then kept)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def sweep(target: Path) -> list[Path]:
    """Remove the hidden siblings of ``target`` left by killed writers (dead process id); returns them."""
    pattern = re.compile(rf"^\.{re.escape(target.name)}-(?:old-)?(\d+)-[0-9a-z_]+$")
    removed = []
    with contextlib.suppress(OSError):
        for entry in target.parent.iterdir():
            m = pattern.match(entry.name)
            if m and entry.is_dir() and not entry.is_symlink() and int(m.group(1)) != os.getpid() \
                    and not _alive(int(m.group(1))):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
    return removed


def fresh_dir(target: Path) -> Path:
    """A new empty hidden folder beside ``target`` (same file system, so the swap is a rename)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{target.name}-{os.getpid()}-", dir=target.parent))


def swap(new: Path, target: Path) -> None:
    """Put the folder ``new`` in place of ``target`` (renames only); the previous ``target`` is deleted.

    A reader sees the old folder, then (for the instant between two renames) none, then the new one —
    never a mix of the two.
    """
    if target.exists():
        old = target.with_name(f".{target.name}-old-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        os.replace(target, old)
        try:
            os.replace(new, target)
        except OSError:
            os.replace(old, target)  # the previous folder goes back: a failed swap changes nothing
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(new, target)
