"""`audit-tui programme sample | allocate | extend | reassign`."""

from __future__ import annotations

import secrets

from .commands import EXIT_OK, UsageError, open_engine, rules, who


def _month(text: str) -> str:
    from .month import MonthError, parse_month

    try:
        return parse_month(text)
    except MonthError as exc:
        raise UsageError(f"--month: {exc}") from None


def run_sample(args) -> int:
    from .sample import SampleError, draw

    month = _month(args.month)
    current = rules()
    if not current.teams:
        raise UsageError("No team rules are under [programme.teams] in the settings, so no "
                         "sample can be drawn (see docs/programme.md).")
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    engine = open_engine(args)
    try:
        with engine.begin() as conn:
            result = draw(conn, month, current, seed=seed, who=who(args), redraw=args.redraw,
                          theme=args.theme or "")
    except SampleError as exc:
        raise UsageError(str(exc)) from None
    total = sum(len(t.drawn) for t in result.teams)
    print(f"Sample for {month} (seed {seed}): {total} case(s).")
    for team in result.teams:
        print(f"  {team.team}: {len(team.drawn)} of {team.eligible} eligible (wanted "
              f"{team.wanted}){': ' + ', '.join(team.drawn) if team.drawn else ''}")
    if result.excluded:
        print("Not eligible: " + ", ".join(f"{n} {why}" for why, n in
                                            sorted(result.excluded.items())) + ".")
    again = f" --theme {args.theme}" if args.theme else ""
    print(f"The same cases are drawn again by: audit-tui programme sample --month {month} "
          f"--seed {seed}{again} --redraw")
    return EXIT_OK


def run_allocate(args) -> int:
    from .allocate import AllocationError, allocate

    month = _month(args.month)
    engine = open_engine(args)
    try:
        with engine.begin() as conn:
            result = allocate(conn, month, rules(), who=who(args))
    except AllocationError as exc:
        raise UsageError(str(exc)) from None
    total = sum(result.allocated.values())
    print(f"Allocated {total} case(s) of {month}.")
    for auditor, n in sorted(result.allocated.items()):
        print(f"  {auditor}: {n}")
    for reference, why in result.left:
        print(f"  Not allocated: {reference}: {why}.")
    return EXIT_OK


def run_extend(args) -> int:
    from ..dates import DateInputError, parse_date
    from .allocate import AllocationError, extend

    try:
        until = parse_date(args.until)
    except DateInputError as exc:
        raise UsageError(f"--until: {exc}") from None
    if until is None:
        raise UsageError("--until needs a date (DD/MM/YYYY).")
    engine = open_engine(args)
    try:
        with engine.begin() as conn:
            row = extend(conn, args.allocation, until=until, reason=args.reason, who=who(args))
    except AllocationError as exc:
        raise UsageError(str(exc)) from None
    print(f"{row.case_reference} ({row.month}) is now due on {until:%d/%m/%Y}.")
    return EXIT_OK


def run_reassign(args) -> int:
    from .allocate import AllocationError, reassign

    engine = open_engine(args)
    try:
        with engine.begin() as conn:
            row = reassign(conn, args.allocation, to=args.to, rules=rules(), who=who(args),
                           reason=args.reason or "")
    except AllocationError as exc:
        raise UsageError(str(exc)) from None
    print(f"{row.case_reference} ({row.month}) is now allocated to {args.to.strip()}.")
    return EXIT_OK


def run_start(args) -> int:
    from datetime import date

    from ..db.engine import session_scope
    from ..locations import user_template_dir
    from ..templates.loader import default_catalog
    from .allocate import AllocationError
    from .prefill import start_allocated

    catalog = default_catalog(user_template_dir(), args.templates)
    engine = open_engine(args)
    try:
        with session_scope(engine) as session:
            audit, new = start_allocated(session=session, allocation=args.allocation,
                                         catalog=catalog, who=who(args), today=date.today())
    except AllocationError as exc:
        raise UsageError(str(exc)) from None
    if new:
        print(f"Started audit {audit.id} of {audit.case_reference} ({audit.template_key}), "
              "with its case details pre-filled from the case list. Open it in the app to "
              "carry on.")
    else:
        print(f"{audit.case_reference} was started already: audit {audit.id} "
              f"({audit.status}).")
    return EXIT_OK
