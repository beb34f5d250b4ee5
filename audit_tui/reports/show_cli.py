"""`audit-tui show AUDIT`: one audit as a document (text, HTML, DOCX or Markdown)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .document_render import FORMATS


def run_show(args) -> int:
    from ..db.engine import read_only
    from ..db.store import StoreError
    from .commands import EXIT_ERROR, UsageError, _fail, open_database
    from .document import build_document, find_audits
    from .document_render import render, write_document

    fmt = args.format or (_format_of(args.out) if args.out else "text")
    try:
        if fmt == "docx" and args.out is None:
            raise UsageError("A DOCX document is a file: name it with --out FILE.docx.")
        if args.out is not None and not args.out.parent.exists():
            raise UsageError(f"The folder {args.out.parent} does not exist.")
        engine = open_database(args)
    except UsageError as exc:
        return _fail(str(exc))
    from sqlmodel import Session

    from ..literal import literal

    try:
        with Session(read_only(engine)) as session:
            found = find_audits(session=session, reference=args.audit)
            if not found:
                return _fail(f"No audit has the id or case reference {literal(args.audit)!r}.")
            if len(found) > 1:
                print(f"audit-tui: case {literal(args.audit)} has {len(found)} audits; name one "
                      "by its id:", file=sys.stderr)
                for a in found:
                    print(f"  {a.id}  {a.audit_date.strftime('%d/%m/%Y')}  {a.status:<9}  "
                          f"{literal(a.template_key)} v{a.template_version}", file=sys.stderr)
                return EXIT_ERROR
            doc = build_document(session=session, audit_id=found[0].id,
                                 pseudonymise=args.pseudonymise)
    except StoreError as exc:
        return _fail(str(exc))
    finally:
        engine.dispose()
    if args.out is None:
        sys.stdout.write(render(doc, fmt))
        sys.stdout.flush()
        return 0
    try:
        write_document(doc, fmt, args.out)
    except OSError as exc:
        from .safe import NotPlaced

        if isinstance(exc, NotPlaced):
            return _fail(str(exc))
        return _fail(f"{args.out} could not be written ({exc.strerror or type(exc).__name__}).")
    print(f"Wrote {args.out}" + (" (a draft, marked DRAFT)." if doc.draft else "."),
          file=sys.stderr)
    return 0


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    return {"htm": "html", "markdown": "md", "txt": "text"}.get(suffix, suffix) \
        if suffix in (*FORMATS, "htm", "markdown", "txt") else "text"


def register(commands) -> None:
    parser = commands.add_parser(
        "show", help="one audit as a document for the child's file (text, html, docx, md)",
        description="The completed audit as one document: case details, every section with "
                    "its answers, evidence, indicators and grade, the overall judgement, "
                    "moderation, actions, the worker's reflection and the family's feedback. "
                    "A draft is marked DRAFT.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("audit", metavar="AUDIT",
                        help="the audit's id, or a case reference with one audit")
    parser.add_argument("--format", choices=FORMATS,
                        help="text (default), html (prints on A4), docx (Word) or md")
    parser.add_argument("--out", type=Path, metavar="FILE",
                        help="write to FILE (readable by you only); the format follows its "
                             "ending unless --format says")
    parser.add_argument("--pseudonymise", action="store_true",
                        help="for sharing outside the team: no case reference, names or "
                             "free text")
    parser.set_defaults(handler=run_show)
