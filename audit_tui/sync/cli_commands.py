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


def _key(args) -> int:
    from .commands import run_key

    return run_key(args)


def _trust(args) -> int:
    from .commands import run_trust

    return run_trust(args)


def _keys(args) -> int:
    from .commands import run_keys

    return run_keys(args)


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
    imp.add_argument("--trust-new-signer", action="store_true",
                     help="first contact: trust the signer of these bundles (their key's "
                          "fingerprint is shown; check it with the auditor)")
    imp.set_defaults(handler=_import)
    key = sub.add_parser(
        "key", help="show this copy's signing key fingerprint; write its public key file",
        description="Every bundle this copy of audit-tui writes is signed with its own key "
                    "(made on first use, kept private in the user data folder). Give the QA "
                    "team the public key file, or read them the fingerprint.")
    key.add_argument("--name", help="the signer's name written into bundles from now on")
    key.add_argument("--out", type=Path, metavar="FILE",
                     help="write the public key (nothing secret) to this file")
    key.set_defaults(handler=_key)
    trust = sub.add_parser(
        "trust", help="trust a signer's bundles: their public key file or fingerprint",
        description="Record a signer this database trusts. Check the fingerprint with the "
                    "auditor in person or read aloud over the phone before trusting it.")
    trust.add_argument("key", metavar="FILE|FINGERPRINT")
    trust.add_argument("--name", required=True, help="who the key belongs to")
    trust.set_defaults(handler=_trust)
    keys = sub.add_parser("keys", help="list the signers this database trusts",
                          description="The signers whose bundles this database imports.")
    keys.set_defaults(handler=_keys)
    conflicts = sub.add_parser(
        "conflicts", help="list the audits with conflicts still to resolve",
        description="Every field changed on both sides since they last agreed, with both "
                    "values. Resolve them in the app: Conflicts (keep mine / keep theirs).")
    conflicts.set_defaults(handler=_conflicts)
