"""The programme commands' argument parsers (argparse only: cheap to import)."""

from __future__ import annotations

from pathlib import Path


def _run(name: str):
    def handler(args) -> int:
        from . import commands

        return commands.guarded(getattr(commands, name))(args)
    return handler


def register(commands) -> None:
    """Add the `programme` sub-commands to the CLI's subparsers."""
    programme = commands.add_parser(
        "programme", help="the monthly audit programme: case lists, samples, allocations",
        description="From the council's case lists (Annex A) to a month's sampled, allocated "
                    "and pre-filled audits, and the chase list of late ones. The rules (per "
                    "team, templates, auditors, themes) are under [programme] in the settings "
                    "file; see docs/programme.md.")
    sub = programme.add_subparsers(dest="programme_command", metavar="ACTION", required=True)
    imp = sub.add_parser(
        "import", help="read an Annex A workbook (or a plain CSV/xlsx case list)",
        description="Read the case lists: every sheet named 'List N' of an Annex A workbook, "
                    "or, with --list, a plain CSV or xlsx list. Says which columns were found "
                    "and which were not; every problem names its sheet, row and column. Names "
                    "of children are never read. A newer list updates the cases and keeps "
                    "their history; the same file twice changes nothing.")
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument("--list", metavar="NAME",
                     help="a plain case list: which list it is (for example 8)")
    imp.add_argument("--column", action="append", metavar="KEY=HEADER",
                     help="a plain list's column: case_reference=\"Child ID\" (may be "
                          "repeated; adds to [programme.columns] in the settings)")
    imp.add_argument("--who", help="who is importing (default: your user name)")
    imp.set_defaults(handler=_run("run_import"))
