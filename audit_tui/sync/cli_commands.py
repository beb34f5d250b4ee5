"""The bundle commands' argument parsers (argparse only: cheap to import)."""

from __future__ import annotations

from pathlib import Path


def _export(args) -> int:
    from .commands import run_export

    return run_export(args)


def _import(args) -> int:
    from .commands import run_import

    return run_import(args)


def _conflicts(args) -> int:
    from .commands import run_conflicts

    return run_conflicts(args)


def register(commands) -> None:
    """Add the `bundle` sub-commands to the CLI's subparsers."""
    bundle = commands.add_parser(
        "bundle", help="move audits between databases: export a bundle file, import bundles",
        description="Offline bundles: a practice lead exports the audits of a laptop into one "
                    "file; the QA team imports the files into one database. Importing merges: "
                    "new audits are added, changes made on one side since the two last agreed "
                    "are taken, and a field changed on both sides is kept as a conflict for the "
                    "QA user to resolve in the app (Conflicts).")
    sub = bundle.add_subparsers(dest="bundle_command", metavar="ACTION", required=True)
    export = sub.add_parser(
        "export", help="write the audits to one bundle file",
        description="Write the audits (answers, actions, history, and the template versions "
                    "they were taken on) to one bundle file, readable by you only.")
    export.add_argument("--out", type=Path, metavar="FILE", required=True,
                        help="the bundle file to write (replaced if it exists)")
    export.add_argument("--since", metavar="DATE",
                        help="only audits changed on or after this day (DD/MM/YYYY)")
    export.add_argument("--status", choices=("submitted", "all"), default="submitted",
                        help="submitted audits only (the default), or drafts too (all)")
    export.set_defaults(handler=_export)
    imp = sub.add_parser(
        "import", help="merge bundle files into this database",
        description="Merge each bundle into the database, one transaction a bundle: a "
                    "damaged or altered bundle, or one from a newer version of audit-tui, is "
                    "refused and changes nothing. Importing the same bundle again changes "
                    "nothing.")
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE")
    imp.set_defaults(handler=_import)
    conflicts = sub.add_parser(
        "conflicts", help="list the audits with conflicts still to resolve",
        description="Every field changed on both sides since they last agreed, with both "
                    "values. Resolve them in the app: Conflicts (keep mine / keep theirs).")
    conflicts.set_defaults(handler=_conflicts)
