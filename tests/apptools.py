"""Running the Streamlit page headless (streamlit.testing's AppTest), as the app tests share it."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT_S = 180  # a whole page run on this 2-core machine, first stages cold


def new_session() -> AppTest:
    """A new app session, not yet run (set its state first)."""
    return AppTest.from_file(APP, default_timeout=TIMEOUT_S)


def fresh(monkeypatch: pytest.MonkeyPatch | None = None, data_dir: Path | None = None) -> AppTest:
    """A new app session (reading ``data_dir`` when given), already run once."""
    if data_dir is not None:
        assert monkeypatch is not None, "a data folder is set through monkeypatch"
        monkeypatch.setenv("HEALTHPLAN_DATA", str(data_dir))
    at = new_session()
    at.run()
    return at


def no_exception(at: AppTest) -> None:
    """The run raised nothing and showed no error box."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
