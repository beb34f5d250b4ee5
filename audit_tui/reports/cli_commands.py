"""The reporting commands' argument parsers (argparse only: cheap to import)."""

from __future__ import annotations

import argparse
from pathlib import Path

BY_CHOICES = ("criterion", "team", "month", "template", "auditor", "service_area",
              "moderation", "conversation")
REPORT_FORMATS = ("table", "csv", "json", "markdown", "html")
EXPORT_FORMATS = ("csv", "xlsx", "json")


def _add_filters(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("filters (any combination; dates are DD/MM/YYYY)")
    group.add_argument("--from", dest="date_from", metavar="DATE",
                       help="audits dated on or after this day")
    group.add_argument("--to", dest="date_to", metavar="DATE",
                       help="audits dated on or before this day")
    group.add_argument("--month", metavar="YYYY-MM",
                       help="audits dated in this month (instead of --from and --to)")
    group.add_argument("--team", help="one team")
    group.add_argument("--service-area", dest="service_area", help="one service area")
    group.add_argument("--template", help="one template (its key), or one version of it "
                                           "(KEY@VERSION)")
    group.add_argument("--auditor", help="one auditor")
    group.add_argument("--status", help="one status (default: every submitted audit)")


def _report(args) -> int:
    if args.by == "moderation":
        from .agreement import run_moderation_report

        return run_moderation_report(args)
    if args.by == "conversation":
        from .conversation import run_conversation_report

        return run_conversation_report(args)
    from .commands import run_report

    return run_report(args)


def _export(args) -> int:
    from .commands import run_export

    return run_export(args)


def _demo(args) -> int:
    from .demo_cli import run_demo

    return run_demo(args)


def register(commands) -> None:
    """Add the reporting sub-commands to the CLI's subparsers."""
    report = commands.add_parser(
        "report", help="summary grades for the QA team (the monthly pack)",
        description="Summary grades over submitted audits: the overall grade and each "
                    "criterion, by team, month, template or auditor; timeliness, "
                    "pre-proceedings drift, yes/no items and actions. Written to standard "
                    "output unless --out names a file.")
    _add_filters(report)
    report.add_argument("--by", choices=BY_CHOICES, default="criterion",
                        help="the main table's rows (default: criterion); moderation: "
                             "agreement between auditors and moderators; conversation: the "
                             "share of audits with the worker's reflection and with family "
                             "feedback, by team and month")
    report.add_argument("--format", choices=REPORT_FORMATS, default="table",
                        help="table (default), csv (the --by table), json, markdown, or html "
                             "(one self-contained file with charts)")
    report.add_argument("--out", type=Path, metavar="FILE",
                        help="write to FILE (readable by you only) instead of the screen")
    report.add_argument("--width", type=int, metavar="N",
                        help="fit text tables into N columns, splitting a wider table into "
                             "parts (default: the terminal's width; into a file or a pipe, "
                             "no limit; 0: no limit)")
    report.add_argument("--as-of", dest="as_of", metavar="DATE",
                        help="count actions overdue as of this day (default: today)")
    report.set_defaults(handler=_report)

    export = commands.add_parser(
        "export", help="every submitted audit with its answers, for a spreadsheet",
        description="Every submitted audit the filters keep: one row per audit with a column "
                    "per question, one row per answer, the actions, the indicator results, "
                    "every section's grade, rationale and does-not-apply reason, and the "
                    "conversation with the worker and the family. csv writes seven files "
                    "(FILE, FILE-answers, -actions, -indicators, -sections, -conversation, "
                    "-feedback), xlsx one workbook with a sheet for each (typed cells, frozen "
                    "headers, filters, a Columns sheet naming every column), json one "
                    "document. Cells never start a formula.")
    _add_filters(export)
    export.add_argument("--format", choices=EXPORT_FORMATS, required=True)
    export.add_argument("--out", type=Path, metavar="FILE", required=True,
                        help="the file to write (created readable by you only)")
    export.add_argument("--pseudonymise", action="store_true",
                        help="replace audit ids, case references and people's names with "
                             "stable keyed hashes, and leave out free text (rationales, notes, "
                             "evidence, the conversation's words)")
    export.set_defaults(handler=_export)

    demo = commands.add_parser(
        "demo", help="fill a database with synthetic audits (for trying the tool out)",
        description="Add N synthetic audits (invented case references DEMO-..., invented "
                    "names) across teams, auditors, months and every bundled template, with "
                    "grades, drafts, actions and overdue actions, to the database named by "
                    "--db or AUDIT_TUI_DB. Asks before writing into your default database.")
    demo.add_argument("--audits", type=int, default=500, metavar="N",
                      help="how many audits to add (default 500)")
    demo.add_argument("--seed", type=int, default=1, metavar="S",
                      help="the random seed, for the same data every time (default 1)")
    demo.add_argument("--months", type=int, default=24, metavar="M",
                      help="spread the audits over the last M months (default 24)")
    demo.add_argument("--yes", action="store_true",
                      help="do not ask before writing into the default database")
    demo.set_defaults(handler=_demo)

    from .actions_cli import register as register_actions

    register_actions(commands)
    from .show_cli import register as register_show

    register_show(commands)
