"""Running the ``healthplan`` command in-process, as the console script does (exit codes and error sentences)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from healthplan.cli import main


@dataclass
class Result:
    """What a command did: its exit code and what it printed."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """Everything printed (stdout, then stderr)."""
        return self.stdout + self.stderr

    @property
    def summary(self) -> dict[str, Any]:
        """The last stdout line, parsed as JSON."""
        return json.loads(self.stdout.strip().splitlines()[-1])


def invoke(*args: str) -> Result:
    """Run ``healthplan ARGS…`` through its entry point (so errors become exit codes, as in a shell)."""
    runner = CliRunner()
    with runner.isolation() as (out, err, _):
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        return Result(code, out.getvalue().decode("utf-8"), err.getvalue().decode("utf-8"))


def ok(*args: str) -> dict[str, Any]:
    """Run a command that must succeed; its summary line."""
    result = invoke(*args)
    assert result.exit_code == 0, result.stderr + result.stdout
    return result.summary


def common(hainan_dir: Path) -> list[str]:
    """Options many tests share: Hainan on its saved backbone (``hainan_dir`` fixture), a 3 km grid (fast)."""
    return ["--region", "hainan", "--network", str(hainan_dir), "--cell-m", "3000"]
