"""The command line: a thin face over the application. Only this package imports click."""

from __future__ import annotations

# Importing the command modules registers their commands on the one `cli` group.
from stanceline.interfaces.cli import (  # noqa: F401
    admin,
    audit,
    claims,
    facts,
    maps,
    queries,
    relay,
    stream,
)
from stanceline.interfaces.cli.base import cli

__all__ = ["cli", "main"]


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="stanceline")
