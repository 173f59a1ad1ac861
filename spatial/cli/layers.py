"""PLACEHOLDER: filled in by the owning work package."""

import typer

app = typer.Typer(no_args_is_help=True)
