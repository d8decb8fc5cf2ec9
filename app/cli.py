"""The `supportdesk` command: the GUI by default, subcommands for scripted work.

Every failure the user can fix exits non-zero with one line on stderr that says what is wrong.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from app import __version__
from app.domain.permissions import PermissionDeniedError
from app.errors import SupportDeskError

if TYPE_CHECKING:
    from app.services.base import Principal
    from app.services.registry import Services

EXIT_USAGE = 2
EXIT_FAILED = 1

#: Who `supportdesk ticket …` acts as, and that person's password, for unattended scripts.
USER_ENV = "SUPPORTDESK_USER"
PASSWORD_ENV = "SUPPORTDESK_PASSWORD"
DEFAULT_BENCH_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

_WHO_ACTS = (
    "Who acts: --user USERNAME (or $SUPPORTDESK_USER) signs in with the password in "
    "$SUPPORTDESK_PASSWORD, or asks for it when run in a terminal; with --demo, the demo "
    "administrator of the demo database. Each change is recorded under that person's name."
)


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line on stderr (scripts log it), exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see '{self.prog} --help')\n")


def _choice_type(values: Sequence[str], what: str) -> Any:
    """An argparse type accepting `values` in any case, with spaces or dashes for '_'."""

    def convert(text: str) -> str:
        wanted = "_".join(text.strip().lower().replace("-", " ").split())
        if wanted in values:
            return wanted
        raise argparse.ArgumentTypeError(
            f"unknown {what} '{text}' (choose from {', '.join(values)})"
        )

    return convert


def _add_ticket_parser(sub: Any, url_option: argparse.ArgumentParser) -> None:
    from app.domain.enums import Channel, Priority, TicketStatus

    statuses = [s.value for s in TicketStatus]
    priorities = [p.value for p in Priority]
    channels = [c.value for c in Channel]
    who = _Parser(add_help=False)
    who.add_argument(
        "--user",
        metavar="USERNAME",
        default=argparse.SUPPRESS,
        help="act as this person (default: $SUPPORTDESK_USER); password from "
        "$SUPPORTDESK_PASSWORD or a prompt",
    )
    who.add_argument(
        "--demo",
        action="store_true",
        default=argparse.SUPPRESS,
        help="work on the demo database as the demo administrator",
    )
    common = [url_option, who]
    as_json = _Parser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="print JSON instead of text")

    ticket = sub.add_parser(
        "ticket",
        parents=common,
        help="add, change, show, list, import and export tickets (for scripts and monitoring)",
        description="Work on tickets from scripts and monitoring tools. A ticket is saved "
        "before it is printed. " + _WHO_ACTS,
        epilog="Example: SUPPORTDESK_USER=monitor SUPPORTDESK_PASSWORD=… supportdesk ticket "
        "add --subject 'Disk full on FS01' --channel monitoring_alert --priority high --json",
    )
    actions = ticket.add_subparsers(dest="ticket_command", metavar="ACTION", required=True)

    add = actions.add_parser(
        "add", parents=[*common, as_json], help="open a new ticket", description=_WHO_ACTS
    )
    add.add_argument("--subject", required=True, help="a few words that say what is wrong")
    add.add_argument("--description", default="", help="the details")
    add.add_argument(
        "--priority",
        type=_choice_type(priorities, "priority"),
        default="normal",
        help=f"{', '.join(priorities)} (default normal)",
    )
    add.add_argument(
        "--channel",
        type=_choice_type(channels, "channel"),
        default="email",
        help=f"how it came in: {', '.join(channels)} (default email)",
    )
    add.add_argument("--category", default="", help="e.g. Network, Printing")
    add.add_argument("--requester-email", metavar="EMAIL", help="the requester's email address")
    add.add_argument("--assignee", metavar="USERNAME", help="give the ticket to this technician")
    add.add_argument("--team", metavar="NAME", help="give the ticket to this team")
    add.add_argument(
        "--tag", metavar="TAG", action="append", dest="tags", default=[], help="repeatable"
    )

    update = actions.add_parser(
        "update",
        parents=[*common, as_json],
        help="change a ticket's status, priority or assignee, reply or add a note",
        description="Change a ticket. A change to what the ticket already has is skipped, so "
        "a repeated alert does no harm. Every change is checked first: if one cannot be made "
        "(e.g. a status the workflow does not allow), nothing is saved. Then they are saved "
        "in the order assignee, priority, reply or note, status. " + _WHO_ACTS,
    )
    update.add_argument("number", help="the ticket number, e.g. K7Q-42")
    update.add_argument("--status", type=_choice_type(statuses, "status"), help=", ".join(statuses))
    update.add_argument(
        "--priority", type=_choice_type(priorities, "priority"), help=", ".join(priorities)
    )
    who_takes = update.add_mutually_exclusive_group()
    who_takes.add_argument("--assignee", metavar="USERNAME", help="give it to this technician")
    who_takes.add_argument("--unassign", action="store_true", help="take it from its assignee")
    message = update.add_mutually_exclusive_group()
    message.add_argument("--reply", metavar="TEXT", help="a public reply to the requester")
    message.add_argument("--note", metavar="TEXT", help="an internal note for colleagues")

    show = actions.add_parser(
        "show", parents=[*common, as_json], help="print one ticket", description=_WHO_ACTS
    )
    show.add_argument("number", help="the ticket number, e.g. K7Q-42")

    listing = actions.add_parser(
        "list",
        parents=[*common, as_json],
        help="print tickets, most recently updated first",
        description="Print tickets, most recently updated first; --json prints one JSON "
        "array. " + _WHO_ACTS,
    )
    _add_filter_options(listing, statuses)
    listing.add_argument("--limit", type=_positive, default=50, help="at most N (default 50)")

    imp = actions.add_parser(
        "import",
        parents=[*common, as_json],
        help="add tickets from a CSV file (all or nothing)",
        description="Add the tickets of a CSV file (UTF-8, comma or semicolon separated, "
        "header line first). Every row is checked first; if any row has a problem, each "
        "problem is listed with its line and nothing is imported. Columns are matched to "
        "fields by their names; --map overrides. Fields: number, subject, description, "
        "status, priority, channel, category, requester_email, assignee, team, opened_at, "
        "tier, tags. " + _WHO_ACTS,
    )
    imp.add_argument("file", type=Path)
    imp.add_argument(
        "--map",
        metavar="COLUMN=FIELD",
        action="append",
        default=[],
        help="read FIELD from COLUMN (FIELD empty: ignore the column); repeatable",
    )
    imp.add_argument("--dry-run", action="store_true", help="only check; import nothing")

    exp = actions.add_parser(
        "export",
        parents=common,
        help="write tickets to a CSV file (opens in Excel)",
        description="Write the tickets matching the filter to a CSV file (UTF-8 with BOM, "
        "oldest first), all as they stood when the export began. A search (--search) looks "
        "at a limited number of matches; the output says when the file may lack some. " + _WHO_ACTS,
    )
    exp.add_argument("file", type=Path)
    _add_filter_options(exp, statuses)
    exp.add_argument(
        "--columns",
        metavar="KEY,KEY,…",
        help="columns in order (default: number, subject, requester, status, priority, "
        "channel, category, team, assignee, opened, due, tags)",
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("give a number of 1 or more")
    return value


def _add_filter_options(parser: argparse.ArgumentParser, statuses: list[str]) -> None:
    parser.add_argument(
        "--status",
        type=_choice_type([*statuses, "active"], "status"),
        action="append",
        dest="statuses",
        default=[],
        help=f"only this status (repeatable): {', '.join(statuses)}, or active",
    )
    parser.add_argument(
        "--assignee",
        metavar="USERNAME",
        help="only this technician's tickets; 'me' or 'unassigned' work too",
    )
    parser.add_argument(
        "--search",
        metavar="WORDS",
        default="",
        help="only tickets whose number, subject, description, replies or notes have these "
        "words (as the search box of the Tickets pane)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="supportdesk",
        description="SupportDesk: tickets, knowledge base, training and KPIs — works offline.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="sqlite:///path/file.db or postgresql://user@host:5432/db "
        "(default: $SUPPORTDESK_DATABASE_URL, else the per-user SQLite file)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open the demo database (built on first use) signed in as the demo administrator",
    )
    # Also accepted after the subcommand (`supportdesk db upgrade --database-url URL`);
    # SUPPRESS keeps a value given before the subcommand from being reset to None.
    url_option = _Parser(add_help=False)
    url_option.add_argument("--database-url", metavar="URL", default=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", parents=[url_option], help="build a demo database")
    demo.add_argument("--tickets", type=int, default=None, help="number of tickets (default 1500)")
    demo.add_argument("--force", action="store_true", help="replace an existing demo database")

    db = sub.add_parser("db", parents=[url_option], help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_sub.add_parser(
        "upgrade",
        parents=[url_option],
        help="back up (SQLite) and upgrade the schema to this version",
    )
    db_sub.add_parser(
        "current",
        parents=[url_option],
        help="print the schema revision of the database",
    )
    db_sub.add_parser(
        "check",
        parents=[url_option],
        help="check that the models and the migrations agree",
    )
    backup = db_sub.add_parser(
        "backup",
        parents=[url_option],
        help="copy the SQLite database consistently",
    )
    backup.add_argument("--to", type=Path, default=None, help="folder (default: backups folder)")

    sync = sub.add_parser(
        "sync",
        parents=[url_option],
        help="replicate with the team server",
        description="'sync connect URL' once, then 'sync --once' (or 'sync' to keep syncing); "
        "'sync status [--json]' shows pending edits, conflicts and the last sync.",
    )
    sync.add_argument("action", nargs="?", choices=["connect", "status"], default=None)
    sync.add_argument("url", nargs="?", default=None, help="postgresql://user@host:5432/db")
    sync.add_argument("--once", action="store_true", help="one round, then exit")
    sync.add_argument("--json", action="store_true", help="status as JSON")
    sync.add_argument("--interval", type=float, default=60.0, help="seconds between rounds")

    shots = sub.add_parser(
        "screenshots", parents=[url_option], help="render every pane to PNG files (offscreen)"
    )
    shots.add_argument("directory", type=Path)
    shots.add_argument("--width", type=int, default=1400)
    shots.add_argument("--height", type=int, default=860)

    _add_ticket_parser(sub, url_option)

    bench = sub.add_parser(
        "bench",
        parents=[url_option],
        help="measure the ticket list at scale, or sync with the team server",
        description="'bench --tickets N' builds (or reuses) a database of N tickets and times "
        "the ticket list, search and detail; 'bench sync' times replication with a "
        "PostgreSQL server (it creates and drops its own databases there).",
    )
    bench.add_argument("target", nargs="?", choices=["sync"], help="'sync' for the sync benchmark")
    bench.add_argument("--tickets", type=_positive, help="tickets in the database (list benchmark)")
    bench.add_argument("--runs", type=_positive, default=5, help="runs per figure (default 5)")
    bench.add_argument("--workdir", type=Path, default=None, help="where the databases go")
    bench.add_argument(
        "--pg-url",
        metavar="URL",
        default=None,
        help="server for 'bench sync' (default: $SUPPORTDESK_TEST_PG_URL, else "
        f"{DEFAULT_BENCH_PG_URL})",
    )
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def _url(args: argparse.Namespace, *, demo: bool = False) -> str:
    from app.services.storage import resolve_url

    return resolve_url(args.database_url, demo=demo or args.demo)


def _ensure_demo(url: str, tickets: int | None = None, force: bool = False) -> None:
    from app.services import demo_service
    from app.services.storage import open_database, sqlite_file

    path = sqlite_file(url)
    if path is not None and path.exists() and not force:
        return
    if path is not None and force:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    print("Building the demo database…", file=sys.stderr, flush=True)
    db, _ = open_database(url)
    try:
        report = demo_service.build_demo(
            db, tickets=tickets or demo_service.DEFAULT_TICKETS, progress=_print_progress
        )
    except BaseException:
        db.dispose()
        if path is not None:  # a half-built demo is useless: start over next time
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        raise
    db.dispose()
    print(f"Demo database ready: {report.summary}", file=sys.stderr)


def _print_progress(step: str, fraction: float) -> None:
    print(f"  {fraction:4.0%}  {step}", file=sys.stderr, flush=True)


def _cmd_db(args: argparse.Namespace) -> int:
    from app.services import storage

    url = _url(args)
    if args.db_command == "check":
        differences = storage.schema_check(url)
        if differences:
            print("Models and migrations DISAGREE:")
            for diff in differences:
                print(f"  {diff}")
            return EXIT_FAILED
        print("Models and migrations agree.")
        return 0
    if args.db_command == "current":
        current, head = storage.revisions(url)
        state = "up to date" if current == head else f"app expects {head}"
        print(f"{current or '(empty database)'} ({state})")
        return 0
    if args.db_command == "upgrade":
        db, report = storage.open_database(url)
        db.dispose()
        assert report is not None
        if report.upgraded:
            print(f"Upgraded {report.from_revision or '(empty)'} → {report.to_revision}.")
            if report.backup:
                print(f"Backup: {report.backup}")
        else:
            print(f"Already at {report.to_revision}.")
        return 0
    if args.db_command == "backup":
        target = storage.backup(url, args.to)
        print(target)
        return 0
    return EXIT_USAGE


def _cmd_sync(args: argparse.Namespace) -> int:
    import dataclasses
    import getpass
    import time

    from app.services.storage import open_database
    from app.services.sync_service import PASSWORD_ENV, SyncService

    db, _ = open_database(_url(args))
    try:
        service = SyncService(db)
        if args.action == "status":
            status = service.status()
            if args.json:
                print_json(dataclasses.asdict(status))
            else:
                state = f"connected to {status.server_url}" if status.connected else "not connected"
                print(
                    f"{state}; {status.pending_edits} edit(s) waiting, "
                    f"{status.conflicts} conflict(s), last sync {status.last_sync or 'never'}"
                )
            return 0
        if args.action == "connect":
            if not args.url:
                print("supportdesk: sync connect needs the server URL", file=sys.stderr)
                return EXIT_USAGE
            password = os.environ.get(PASSWORD_ENV)
            if password is None and sys.stdin.isatty() and SyncService.needs_password(args.url):
                password = getpass.getpass("Team server password: ")
            report = service.connect(args.url, password)
            print(f"Connected: uploaded {report.pushed}, downloaded {report.pulled} change(s).")
            return 0
        while True:
            report = service.sync_once()
            print(
                f"Synced: sent {report.pushed}, received {report.pulled} change(s)."
                + (
                    " This computer's clock is off; stamps follow the server."
                    if report.clock_flagged
                    else ""
                )
            )
            if args.once:
                return 0
            time.sleep(args.interval)
    finally:
        db.dispose()


def _principal(args: argparse.Namespace, db: Any) -> Principal:
    """The person the ticket commands act as (see `_WHO_ACTS`)."""
    import getpass

    from app.errors import ValidationError
    from app.services import demo_service
    from app.services.people_service import AuthService

    auth = AuthService(db)
    user = getattr(args, "user", None)
    if not user and args.demo:  # the demo database's own administrator, whatever the env says
        return auth.principal_for(demo_service.DEMO_ADMIN)
    user = user or os.environ.get(USER_ENV, "").strip()
    if not user:
        raise ValidationError(
            "Say who is acting: --user USERNAME (or set SUPPORTDESK_USER), with the password "
            "in SUPPORTDESK_PASSWORD."
        )
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        if not sys.stdin.isatty():
            raise ValidationError(
                f"Set SUPPORTDESK_PASSWORD to the password of '{user}' (there is no terminal "
                "to ask for it)."
            )
        password = getpass.getpass(f"Password for {user}: ")
    return auth.sign_in(user, password)


def _cmd_ticket(args: argparse.Namespace) -> int:
    from app.services.registry import Services
    from app.services.storage import open_database

    args.demo = getattr(args, "demo", False)
    url = _url(args)
    if args.demo:
        _ensure_demo(url)
    db, _ = open_database(url)
    try:
        services = Services(db, _principal(args, db))
        handler = {
            "add": _ticket_add,
            "update": _ticket_update,
            "show": _ticket_show,
            "list": _ticket_list,
            "import": _ticket_import,
            "export": _ticket_export,
        }[args.ticket_command]
        return handler(args, services)
    finally:
        db.dispose()


def _print_ticket(services: Services, ticket_id: Any, as_json: bool) -> None:
    from app.services.ticket_io_service import detail_record

    record = detail_record(services.tickets.get(ticket_id))
    if as_json:
        print_json(record)
    else:
        for label, key in (
            ("Number", "number"),
            ("Subject", "subject"),
            ("Status", "status"),
            ("Priority", "priority"),
            ("Channel", "channel"),
            ("Category", "category"),
            ("Requester", "requester"),
            ("Assignee", "assignee"),
            ("Team", "team"),
            ("Opened", "opened_at"),
            ("Response due", "first_response_due_at"),
            ("Resolution due", "resolution_due_at"),
            ("Tags", "tags"),
        ):
            value = record[key]
            if isinstance(value, list):
                value = ", ".join(value)
            print(f"{label + ':':<16}{value or '—'}")
    sys.stdout.flush()


def _ticket_add(args: argparse.Namespace, services: Services) -> int:
    from app.domain.enums import Channel, Priority

    io = services.ticket_io
    requester_id = io.requester_id(args.requester_email) if args.requester_email else None
    assignee_id = io.user_id(args.assignee) if args.assignee else None
    team_id = io.team_id(args.team) if args.team else None
    # The unit of work commits inside create(): the ticket is on disk before it is printed.
    ticket_id, _ = services.tickets.create(
        args.subject,
        description=args.description,
        priority=Priority(args.priority),
        channel=Channel(args.channel),
        category=args.category,
        requester_id=requester_id,
        team_id=team_id,
        assignee_id=assignee_id,
        tags=list(args.tags),
    )
    if args.json:
        _print_ticket(services, ticket_id, True)
    else:
        detail = services.tickets.get(ticket_id)
        print(f"Created {detail.number}: {detail.subject}", flush=True)
    return 0


def _ticket_update(args: argparse.Namespace, services: Services) -> int:
    from app.domain.enums import Priority, TicketStatus

    # Every change is checked before the first one is saved: a refused status never leaves a
    # reply behind for a retrying script to send again.
    result = services.ticket_io.update(
        args.number,
        status=TicketStatus(args.status) if args.status else None,
        priority=Priority(args.priority) if args.priority else None,
        assignee=args.assignee,
        unassign=args.unassign,
        reply=args.reply,
        note=args.note,
    )
    if args.json:
        _print_ticket(services, result.ticket_id, True)
    else:
        what = ", ".join(result.done) if result.done else "nothing (it already was like that)"
        print(f"Updated {result.number}: {what}", flush=True)
    return 0


def _ticket_show(args: argparse.Namespace, services: Services) -> int:
    _print_ticket(services, services.ticket_io.ticket_id(args.number), args.json)
    return 0


def _ticket_filter(args: argparse.Namespace, services: Services) -> Any:
    from app.domain.enums import TicketStatus
    from app.services.ticket_service import TicketFilter

    statuses = frozenset(TicketStatus(s) for s in args.statuses if s != "active")
    active_only = "active" in args.statuses
    assignee: Any = None
    if args.assignee:
        word = args.assignee.strip().lower()
        if word in ("me", "unassigned"):
            assignee = word
        else:
            assignee = services.ticket_io.user_id(args.assignee)
    return TicketFilter(
        statuses=statuses or None,
        active_only=active_only and not statuses,
        assignee=assignee,
        text=args.search.strip(),
    )


def _ticket_list(args: argparse.Namespace, services: Services) -> int:
    from app.services.ticket_io_service import row_record

    rows = services.tickets.list_page(_ticket_filter(args, services), limit=args.limit)
    if args.json:
        print_json([row_record(r) for r in rows])
        return 0
    if not rows:
        print("No tickets match.")
        return 0
    width = max(len(r.number) for r in rows)
    for r in rows:
        print(
            f"{r.number:<{width}}  {r.status.label:<20}  {r.priority.label:<7}  "
            f"{(r.assignee_name or '—')[:20]:<20}  {r.subject}"
        )
    return 0


def _ticket_import(args: argparse.Namespace, services: Services) -> int:
    import dataclasses

    from app.errors import ValidationError

    io = services.ticket_io
    preview = io.read_csv(args.file)
    mapping = dict(preview.suggested_mapping)
    for item in args.map:
        column, sep, key = item.partition("=")
        if not sep or not column.strip():
            raise ValidationError(f"Write --map as COLUMN=FIELD, not '{item}'.")
        for other, field in list(mapping.items()):
            if field == key.strip() and other != column.strip():
                del mapping[other]  # the explicit choice wins over the guess
        mapping[column.strip()] = key.strip()
    report = io.import_csv(args.file, mapping, dry_run=args.dry_run)
    if args.json:
        print_json({**dataclasses.asdict(report), "mapping": mapping})
    else:
        for problem in report.problems:
            print(problem)
        if report.created:
            print(f"Imported {len(report.created)} ticket(s): {', '.join(report.created)}")
        elif not report.problems:
            print(f"Checked {report.ok_rows} row(s): no problems. Nothing was imported (dry run).")
    if report.problems:
        print(
            f"supportdesk: {len(report.problems)} problem(s) in {args.file}; nothing was imported.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return 0


def _ticket_export(args: argparse.Namespace, services: Services) -> int:
    columns = [c.strip() for c in args.columns.split(",") if c.strip()] if args.columns else None
    result = services.ticket_io.export_csv(_ticket_filter(args, services), args.file, columns)
    line = f"Exported {result} ticket(s) to {args.file}"
    # Still one line when the search left matches out: the same line says so.
    print(f"{line}. {result.note}" if result.note else line)
    return 0


def _bench_module(name: str) -> Any:
    """`app.bench.<name>`, imported only when asked for (it pulls in the whole app)."""
    import importlib

    from app.errors import ValidationError

    try:
        return importlib.import_module(f"app.bench.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"app.bench.{name}":
            raise
        raise ValidationError(f"The {name} benchmark is not part of this installation.") from None


def _cmd_bench(args: argparse.Namespace) -> int:
    from app.errors import ValidationError

    if args.target == "sync":
        pg_url = args.pg_url or os.environ.get("SUPPORTDESK_TEST_PG_URL") or DEFAULT_BENCH_PG_URL
        result = _bench_module("sync").run(pg_url, args.workdir)
    else:
        if args.tickets is None:
            raise ValidationError(
                "Say how many tickets: supportdesk bench --tickets 1000000 (or 'bench sync')."
            )
        result = _bench_module("tickets").run(args.tickets, args.workdir, args.runs)
    if args.json:
        print(json.dumps(result, default=str))
    else:
        _print_table(result)
    return 0


def _print_table(result: dict[str, Any], prefix: str = "") -> None:
    flat: dict[str, Any] = {}

    def walk(value: Any, key: str) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{key}.{k}" if key else str(k))
        else:
            flat[key] = value

    walk(result, prefix)
    width = max((len(k) for k in flat), default=0)
    for key, value in flat.items():
        shown = f"{value:,.1f}" if isinstance(value, float) else str(value)
        print(f"{key:<{width}}  {shown:>12}")


def _cmd_screenshots(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    url = _url(args, demo=args.database_url is None)
    if args.database_url is None:
        _ensure_demo(url)
    from app.ui.screenshots import render_screenshots

    files = render_screenshots(url, args.directory, (args.width, args.height))
    for f in files:
        print(f)
    return 0


def _cmd_gui(args: argparse.Namespace) -> int:
    from app.services import demo_service
    from app.ui.application import run_gui

    url = _url(args)
    if args.demo:
        _ensure_demo(url)
        return run_gui(url, demo_user=demo_service.DEMO_ADMIN)
    return run_gui(url)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            _ensure_demo(_url(args, demo=args.database_url is None), args.tickets, force=args.force)
            return 0
        if args.command == "db":
            return _cmd_db(args)
        if args.command == "sync":
            return _cmd_sync(args)
        if args.command == "screenshots":
            return _cmd_screenshots(args)
        if args.command == "ticket":
            return _cmd_ticket(args)
        if args.command == "bench":
            return _cmd_bench(args)
        return _cmd_gui(args)
    except (SupportDeskError, PermissionDeniedError) as exc:
        print(f"supportdesk: {_one_line(exc)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("supportdesk: interrupted", file=sys.stderr)
        return 130


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def print_json(obj: object) -> None:
    print(json.dumps(obj, default=str, ensure_ascii=False))


if __name__ == "__main__":
    raise SystemExit(main())
