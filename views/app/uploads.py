"""Uploaded files: size limits per kind, and a private folder per session that goes when the session goes.

Each session gets its own temporary folder (mode 0700, under the system temp folder, never the data
folder); the ``TemporaryDirectory`` kept in the session state removes it when Streamlit drops the session.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from pathlib import Path
from typing import Any

import streamlit as st

from spatial.errors import InputFileError
from views.app.common import tr

#: Upload limits (MB) per kind of file, below server.maxUploadSize in .streamlit/config.toml.
LIMIT_MB: dict[str, int] = {"facilities": 50, "candidates": 20, "roads": 1000, "population": 500}


def folder() -> Path:
    """This session's private upload folder (created on first use)."""
    ss = st.session_state
    if "_uploads" not in ss:
        ss["_uploads"] = tempfile.TemporaryDirectory(prefix="healthplan-session-")
    return Path(ss["_uploads"].name)


def save(upload: Any, kind: str) -> Path:
    """Store an upload in the session folder under a content-hashed name; InputFileError when it is too big."""
    size_mb = upload.size / 1e6
    if size_mb > LIMIT_MB[kind]:
        raise InputFileError(tr("too_big", name=upload.name, mb=size_mb, limit=LIMIT_MB[kind]))
    data = upload.getvalue()
    digest = hashlib.sha256(data).hexdigest()[:16]
    safe = re.sub(r"[^0-9A-Za-z_.-]+", "_", Path(upload.name).name)[-60:]
    path = folder() / f"{digest}-{safe}"
    if not path.exists():
        path.write_bytes(data)
    return path
