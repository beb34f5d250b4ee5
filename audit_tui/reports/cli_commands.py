"""The reporting commands' argument parsers (argparse only: cheap to import)."""

from __future__ import annotations


def register(commands) -> None:
    """Add the reporting sub-commands to the CLI's subparsers."""
