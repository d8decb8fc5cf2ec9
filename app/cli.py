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

from app import __version__
from app.errors import SupportDeskError

EXIT_USAGE = 2
EXIT_FAILED = 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
    url_option = argparse.ArgumentParser(add_help=False)
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
        return _cmd_gui(args)
    except SupportDeskError as exc:
        print(f"supportdesk: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("supportdesk: interrupted", file=sys.stderr)
        return 130


def print_json(obj: object) -> None:
    print(json.dumps(obj, default=str, ensure_ascii=False))


if __name__ == "__main__":
    raise SystemExit(main())
