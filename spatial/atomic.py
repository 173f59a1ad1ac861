"""Whole files and folders replaced at once: written beside the target under a hidden name, then moved in.

Folders: the output set of a run (``spatial.export.output_set``) and saved networks
(``spatial.network.save``); files: every single exported file (``spatial.export``) and the cache entries
(``spatial.picklecache``).  The hidden names carry the writer's process id, so the leftovers of a writer
that was killed (a half-written file or folder, or the previous version set aside) are recognised and
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
    except (OSError, OverflowError, ValueError):  # exists, owned by someone else; or no process id at all
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


def part_file(target: Path) -> Path:
    """A new hidden name beside the file ``target`` for writing it aside (its suffix kept: GDAL reads it)."""
    return target.with_name(f".{target.stem}.{os.getpid()}-{uuid.uuid4().hex[:8]}.part{target.suffix}")


def sweep_parts(target: Path) -> list[Path]:
    """Remove the ``part_file`` names beside ``target`` (and SQLite's sidecars) of killed writers; returns them."""
    pattern = re.compile(rf"^\.{re.escape(target.stem)}\.(\d+)-[0-9a-f]{{8}}\.part{re.escape(target.suffix)}"
                         r"(?:-journal|-wal|-shm)?$")
    removed = []
    with contextlib.suppress(OSError):
        for entry in target.parent.iterdir():
            m = pattern.match(entry.name)
            if m and entry.is_file() and int(m.group(1)) != os.getpid() and not _alive(int(m.group(1))):
                with contextlib.suppress(OSError):
                    entry.unlink()
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
