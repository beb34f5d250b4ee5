"""The programme commands' argument parsers (argparse only: cheap to import)."""

from __future__ import annotations

from pathlib import Path


def _run(module: str, name: str):
    def handler(args) -> int:
        from importlib import import_module

        from .commands import guarded

        return guarded(getattr(import_module(f"{__package__}.{module}"), name))(args)
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
    imp.set_defaults(handler=_run("commands", "run_import"))
    sample = sub.add_parser(
        "sample", help="draw a month's sample of cases by the rules in the settings",
        description="Draw each team's cases for the month by [programme.teams] (a number, or a "
                    "share of the team's open cases), the templates of their lists and any "
                    "theme, leaving out closed cases, cases audited within reaudit_months and "
                    "cases already sampled then. The seed is recorded: the same seed over the "
                    "same cases draws the same sample.")
    sample.add_argument("--month", required=True, metavar="YYYY-MM")
    sample.add_argument("--seed", type=int, metavar="N", help="the random seed (default: a new "
                        "one, shown and recorded)")
    sample.add_argument("--theme", metavar="NAME", help="a theme under [programme.themes] "
                        "for every team this month (default: each team's own)")
    sample.add_argument("--redraw", action="store_true",
                        help="replace the month's sample (only while no audit of it started)")
    sample.add_argument("--who", help="who draws it (default: your user name)")
    sample.set_defaults(handler=_run("commands_plan", "run_sample"))
    allocate = sub.add_parser(
        "allocate", help="allocate the month's sampled cases to auditors",
        description="Give each sampled case not yet allocated to an auditor under "
                    "[programme.auditors]: never one of the case's own team unless "
                    "allow_own_team, the fewest allocations first, at most cap_per_auditor "
                    "each. Due at the month's end unless due_day says otherwise.")
    allocate.add_argument("--month", required=True, metavar="YYYY-MM")
    allocate.add_argument("--who", help="who allocates (default: your user name)")
    allocate.set_defaults(handler=_run("commands_plan", "run_allocate"))
    extend = sub.add_parser("extend", help="give an allocation more time, with a reason",
                            description="Move an allocation's due date on; the reason is kept.")
    extend.add_argument("allocation", metavar="ALLOCATION",
                        help="the allocation's id, or its first 8 characters or more")
    extend.add_argument("--until", required=True, metavar="DATE", help="the new due date")
    extend.add_argument("--reason", required=True, help="why it needs longer")
    extend.add_argument("--who", help="who extends it (default: your user name)")
    extend.set_defaults(handler=_run("commands_plan", "run_extend"))
    reassign = sub.add_parser("reassign", help="give an allocation to another auditor",
                              description="Change who audits a case (before it is started).")
    reassign.add_argument("allocation", metavar="ALLOCATION")
    reassign.add_argument("--to", required=True, metavar="AUDITOR")
    reassign.add_argument("--reason", help="why (kept in the history)")
    reassign.add_argument("--who", help="who changes it (default: your user name)")
    reassign.set_defaults(handler=_run("commands_plan", "run_reassign"))
    start = sub.add_parser(
        "start", help="start an allocated audit, pre-filled from the case list",
        description="Start the audit of an allocation: the case reference, team, worker and "
                    "auditor, and the template details that name a case-list column "
                    "(prefill = \"...\"), are filled in from the case list and can be changed "
                    "like any answer. An allocation started already gives its audit.")
    start.add_argument("allocation", metavar="ALLOCATION")
    start.add_argument("--who", help="who starts it (default: your user name)")
    start.set_defaults(handler=_run("commands_plan", "run_start"))
    for name, overdue in (("status", False), ("chase", True)):
        status = sub.add_parser(
            name, help=("the late allocations, to chase" if overdue else
                        "allocated, started, submitted and overdue, by auditor and team"),
            description=("Every allocation past its due date (or extension) whose audit is "
                         "not submitted." if overdue else
                         "Each allocation's state, read from its audit, with counts by auditor "
                         "and team and the completion line."))
        status.add_argument("--month", metavar="YYYY-MM", help="one month (default: all)")
        status.add_argument("--auditor", help="one auditor's allocations")
        status.add_argument("--format", choices=("table", "csv", "json"), default="table")
        status.set_defaults(handler=_run("commands_status", "run_status"), overdue=overdue)
