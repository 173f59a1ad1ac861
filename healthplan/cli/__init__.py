"""The ``healthplan`` command: typer commands that write a scenario from their options and run the one pipeline.

Start-up is kept light on purpose: this module and the command modules import only typer and the
standard library at their top; each command imports the engine when it runs, so ``healthplan --help``
answers at once.  Errors: a problem the user can fix (``spatial.errors.HealthplanError``) prints one
sentence and exits with code 2; anything else is a bug — it says so, writes the traceback to a file it
names, and exits with code 3.
"""

from __future__ import annotations

import gc
import logging
import os
import sys

import typer

from healthplan.crash import write_crash
from healthplan.cli import access, bench, coverage, data, layers, network, scenario, sites, targets, traveltime
from spatial.errors import HealthplanError

app = typer.Typer(
    name="healthplan",
    help="Spatial planning of health services: plan layers, travel-time coverage, candidate and optimal sites.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("coverage")(coverage.coverage)
app.add_typer(sites.app, name="sites", help="Test candidate hospital sites and choose the best ones.")
app.add_typer(scenario.app, name="scenario", help="Run or check a scenario file (as saved by the app).")
app.add_typer(layers.app, name="layers", help="List and export the plans' layouts as GIS layers.")
app.add_typer(network.app, name="network", help="Build and inspect routable road networks.")
app.add_typer(data.app, name="data", help="Download real data: OpenStreetMap extracts, WorldPop population.")
app.command("traveltime")(traveltime.traveltime)
app.add_typer(access.app, name="access", help="Access that counts capacity: capacity coverage, 2SFCA/E2SFCA, "
                                              "referral chain, scaling up.")
app.command("targets")(targets.targets)
app.command("bench")(bench.bench)

EXIT_USER_ERROR = 2
EXIT_BUG = 3


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``healthplan`` console script (``argv`` for tests; default the process's arguments).

    Raises ``SystemExit`` with the exit code: 0 done, 2 a problem the user can fix, 3 a bug.  Run as
    the command (no ``argv``), the process then ends at once: everything is written and flushed, and
    Python's own teardown of numba, GDAL and pandas would add ≈ 0.45 s to every command
    (``bench/bench_cli.py``).  Run as the command, garbage collection is also off while the command
    imports the engine (≈ 0.1 s of collections over objects that live as long as the process);
    ``healthplan.cli._common`` turns it back on (``collect_from_here``).
    """
    if argv is None and "healthplan.cli._common" not in sys.modules:  # else nothing would turn it back on
        gc.disable()
    code = _run(argv)
    if argv is None:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:  # the reader went away (`healthplan … | head`): nothing left to say
            pass
        logging.shutdown()
        os._exit(code)
    if code:
        raise SystemExit(code)


def _run(argv: list[str] | None) -> int:
    """Run the command line; its exit code."""
    try:
        app(args=argv, standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except SystemExit as exc:  # click's own exits (--help is one)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except typer.Abort:
        typer.echo("aborted", err=True)
        return 1
    except KeyboardInterrupt:
        typer.echo("interrupted: no result was written", err=True)
        return 130
    except Exception as exc:  # noqa: BLE001 — the one place every error is turned into a sentence
        if isinstance(exc, typer.TyperException) and hasattr(exc, "show"):  # usage: unknown option, not a number …
            exc.show()
            return EXIT_USER_ERROR
        if isinstance(exc, HealthplanError):
            typer.echo(f"error: {exc}", err=True)
            return EXIT_USER_ERROR
        path = write_crash(exc)
        typer.echo(f"error: this is a bug in healthplan, not a problem with your input ({type(exc).__name__}: {exc}); "
                   f"the traceback is in {path} — please report it", err=True)
        return EXIT_BUG
    return 0
