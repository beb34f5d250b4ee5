"""The bundle commands' argument parsers (argparse only: cheap to import)."""

from __future__ import annotations


def register(commands) -> None:
    """Add the `bundle` sub-commands to the CLI's subparsers."""
