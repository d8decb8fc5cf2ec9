"""The Tickets pane at scale: `supportdesk bench --tickets N [--json]`.

Builds (or reuses) a SQLite database of N tickets through the app's bulk path
(`app.data.repos.bulk`) and times what a technician waits for, through the same service and
item-model code the GUI uses: `TicketService` and the list's table model. Every `*_ms` figure
is the median of `runs` runs; a key is None when the app has no such operation yet.

The database is built in a child process and cached under `workdir` (default: the user cache
folder / supportdesk-bench), keyed by ticket count and schema revision, so a second run reuses
it; `rss_mb` is then the peak memory of the measuring process alone.

Targets on the reference machine (2 cores): every `*_ms` under 100, `rss_mb` under 400,
`generate_s` under 180 for a million tickets.
"""

from __future__ import annotations

import functools
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import platformdirs

from app.data import migrate
from app.data.database import Database, sqlite_url
from app.data.repos import bulk
from app.domain.enums import TicketStatus
from app.services.people_service import AuthService
from app.services.registry import Services
from app.services.ticket_service import TicketFilter

BENCH_ADMIN = "bench.admin"
#: Only for the throw-away bench file; nobody signs in with it.
_BENCH_PASSWORD = "bench-only-password-1"
#: A word of the generated texts that many tickets share (search must rank and cap).
SEARCH_TEXT = "printer"
#: Rows a ticket list shows at once (what is painted after a reset or a jump).
VISIBLE_ROWS = 40
#: A sort run slower than this is not repeated (it is reported as it is).
_SLOW_S = 2.0

ProgressFn = Callable[[str], None]

# Qt.ItemDataRole values (Qt stays inside app.ui: the bench reaches it through ui modules).
_DISPLAY_ROLE = 0
_FOREGROUND_ROLE = 9


def default_workdir() -> Path:
    return platformdirs.user_cache_path("supportdesk-bench")


def _paths(workdir: Path, tickets: int) -> tuple[Path, Path]:
    head = migrate.head_revision()
    stem = f"tickets-{tickets}-schema-{head}"
    return workdir / f"{stem}.db", workdir / f"{stem}.json"


def _peak_rss_mb(who: int | None = None) -> float | None:
    """Peak resident memory (MB) of this process (or its children), or None without `resource`."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    usage = resource.getrusage(resource.RUSAGE_SELF if who is None else who)
    # Linux reports kilobytes, macOS bytes.
    divisor = 1024 * 1024 if sys.platform == "darwin" else 1024
    return round(usage.ru_maxrss / divisor, 1)


# --- generation -----------------------------------------------------------------------------


def generate(path: Path, tickets: int, seed: int = 1) -> dict[str, Any]:
    """Build the bench database at `path` (must not exist); returns its metadata."""
    started = time.perf_counter()
    db = Database(sqlite_url(path))
    try:
        migrate.prepare(db, None)
        db.attach_device()
        admin = AuthService(db).create_first_admin(BENCH_ADMIN, "Bench Admin", _BENCH_PASSWORD)
        report = bulk.build(db, tickets, actor_id=admin.user_id, seed=seed)
    finally:
        db.dispose()
    return {
        "tickets": report.tickets,
        "events": report.events,
        "detail_ticket_id": str(report.detail_ticket_id),
        "generate_s": round(time.perf_counter() - started, 1),
        "fts_rebuild_s": round(report.fts_seconds, 1),
        "phases_s": {k: round(v, 1) for k, v in report.phases.items()},
        "outbox_entries": report.outbox_entries,
        "schema": migrate.head_revision(),
        "generate_rss_mb": _peak_rss_mb(),
    }


def _generate_child(path: str, tickets: int, meta_path: str) -> None:
    """Entry point of the child process: build into a temporary file, then move it in place."""
    target = Path(path)
    tmp = target.with_name(target.name + ".building")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    meta = generate(tmp, tickets)
    os.replace(tmp, target)
    Path(meta_path).write_text(json.dumps(meta, indent=2), encoding="utf-8")


def _ensure_database(
    db_path: Path, meta_path: Path, tickets: int, progress: ProgressFn | None
) -> dict[str, Any]:
    workdir = db_path.parent
    if db_path.exists() and meta_path.exists():
        meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
        meta["reused"] = True
        return meta
    workdir.mkdir(parents=True, exist_ok=True)
    meta_path.unlink(missing_ok=True)
    db_path.unlink(missing_ok=True)
    if progress is not None:
        progress(f"Building a database of {tickets:,} tickets in {db_path} …")
    if getattr(sys, "frozen", False):
        # The frozen app cannot start a plain Python child: build in this process.
        _generate_child(str(db_path), tickets, str(meta_path))
    else:
        # A child process: the build's memory does not count against the pane's peak (rss_mb).
        code = "import sys; from app.bench.tickets import _generate_child as g; " + (
            "g(sys.argv[1], int(sys.argv[2]), sys.argv[3])"
        )
        done = subprocess.run(
            [sys.executable, "-c", code, str(db_path), str(tickets), str(meta_path)],
            check=False,
        )
        if done.returncode != 0 or not meta_path.exists():
            raise RuntimeError(f"building the bench database failed (exit code {done.returncode})")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["reused"] = False
    return meta


# --- measuring ------------------------------------------------------------------------------


def _median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(max(1, runs)):
        t0 = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - t0
        times.append(elapsed)
        if elapsed > _SLOW_S:
            break
    return round(statistics.median(times) * 1000, 1)


def _qt_app() -> Any:
    """The GUI's application object (the list model's colours read its palette)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from app.ui.application import create_application

    return create_application([])


class _Pane:
    """What the Tickets pane does with the list model, without the widgets around it."""

    def __init__(self, services: Services) -> None:
        from app.ui.models import ticket_model

        self.tickets = services.tickets
        cls = getattr(ticket_model, "TicketTableModel", None) or ticket_model.TicketModel
        self.model_name = cls.__name__
        self.model = cls()
        self.random_access = callable(getattr(self.model, "ensure_row", None))

    def paint(self, first_row: int = 0) -> int:
        """Read what a view paints: every cell of the visible rows, display and colour."""
        model = self.model
        painted = 0
        for row in range(first_row, min(first_row + VISIBLE_ROWS, model.rowCount())):
            for col in range(model.columnCount()):
                index = model.index(row, col)
                model.data(index, _DISPLAY_ROLE)
                model.data(index, _FOREGROUND_ROLE)
                painted += 1
        return painted

    def show(self, flt: TicketFilter, sort_key: str = "updated", descending: bool = True) -> int:
        """Open the list on `flt` as the pane does, up to its first rows painted.

        The pane reads the first page on the GUI thread and counts on a worker (the rows do
        not wait for the count), so the count is not part of this; `count` times it.
        """
        tickets = self.tickets

        def fetch(offset: int, limit: int) -> Any:
            # The pane's call (app/ui/tickets/tickets_pane.py `_reload_list`).
            return tickets.list_page(
                flt, sort_key=sort_key, descending=descending, offset=offset, limit=limit
            )

        self.model.reset(fetch)
        return self.paint()

    def count(self, flt: TicketFilter) -> int:
        """The pane's count of the list (on a worker there), handed to the model."""
        total = self.tickets.count(flt)
        set_total = getattr(self.model, "set_total", None)
        if callable(set_total):
            set_total(total)
        return total

    def jump_to_end(self, flt: TicketFilter, total: int) -> None:
        """Scroll to the last row: through the model when it pages at random, else the query."""
        model = self.model
        if self.random_access:
            # The pane's jump: the last row's page is read at once; rows above it on an
            # earlier page show placeholders while that page loads in the background, so
            # what is painted at once is the visible rows of the last page.
            model.ensure_row(total - 1)
            first = max(0, total - VISIBLE_ROWS)
            while first < total - 1 and model.row_at(first) is None:
                first += 1
            self.paint(first)
            return
        # An append-only model would fetch every page in between; time the query the last
        # page needs instead.
        self.tickets.list_page(flt, "updated", True, max(0, total - VISIBLE_ROWS), VISIBLE_ROWS)


def run(
    tickets: int,
    workdir: Path | None,
    runs: int = 5,
    *,
    progress: ProgressFn | None = None,
) -> dict[str, Any]:
    """Build or reuse a database of `tickets` tickets and time the Tickets pane on it.

    Returns one JSON-ready dict: generate_s, first_page_ms, filter_ms, sort_ms, search_ms,
    scroll_end_ms, view_counts_ms, detail_ms, rss_mb, plus details (per-sort-key times, what
    was reused, which model and queries were used).
    """
    if tickets < 1:
        raise ValueError("The bench needs at least one ticket.")
    workdir = workdir or default_workdir()
    db_path, meta_path = _paths(workdir, tickets)
    meta = _ensure_database(db_path, meta_path, tickets, progress)
    _app = _qt_app()
    db = Database(sqlite_url(db_path))
    try:
        db.attach_device()
        services = Services(db, AuthService(db).principal_for(BENCH_ADMIN))
        if progress is not None:
            progress("Measuring …")
        result = _measure(services, meta, runs)
    finally:
        db.dispose()
    result["rss_mb"] = _peak_rss_mb()
    return result


def _measure(services: Services, meta: dict[str, Any], runs: int) -> dict[str, Any]:
    import uuid

    tickets = services.tickets
    pane = _Pane(services)
    everything = TicketFilter()
    # The pane opens on its default view, the built-in "All open" (tickets_pane.py).
    all_open = TicketFilter(active_only=True)
    # Cold first: the pane opened on a file nobody has read yet in this process.
    t0 = time.perf_counter()
    pane.show(all_open)
    cold_ms = round((time.perf_counter() - t0) * 1000, 1)
    first_page_ms = _median_ms(lambda: pane.show(all_open), runs)
    first_page_all_ms = _median_ms(lambda: pane.show(everything), runs)
    count_ms = _median_ms(lambda: tickets.count(all_open), runs)
    count_all_ms = _median_ms(lambda: tickets.count(everything), runs)

    assignee = tickets.assignees()[0].id
    mine_open = TicketFilter(statuses=frozenset({TicketStatus.OPEN}), assignee=assignee)
    filter_ms = _median_ms(lambda: pane.show(mine_open), runs)

    keys = _sort_keys()
    sort_open: dict[str, float] = {}
    for key in keys:
        sort_open[key] = _median_ms(functools.partial(pane.show, all_open, key, False), runs)
    sort_all: dict[str, float] = {}
    for key in keys:
        sort_all[key] = _median_ms(functools.partial(pane.show, everything, key, False), runs)
    sort_ms = round(statistics.median(sort_open.values()), 1) if sort_open else None

    search = getattr(tickets, "search", None)
    if callable(search):
        search(SEARCH_TEXT, limit=50)  # warm: the first query of a kind compiles it
    search_ms = (
        _median_ms(lambda: search(SEARCH_TEXT, limit=50), runs) if callable(search) else None
    )
    text_filter_ms = _median_ms(lambda: pane.show(TicketFilter(text=SEARCH_TEXT)), runs)

    # Jump to the end of the longest list (every ticket), its count known as in the pane.
    # Each run starts from a freshly opened list (the model keeps pages it has loaded).
    def jump(flt: TicketFilter) -> float:
        times = []
        for _ in range(max(1, runs)):
            pane.show(flt)
            total = pane.count(flt)
            t0 = time.perf_counter()
            pane.jump_to_end(flt, total)
            times.append(time.perf_counter() - t0)
        return round(statistics.median(times) * 1000, 1)

    scroll_end_ms = jump(everything)
    scroll_end_open_ms = jump(all_open)
    total = tickets.count(everything)
    # What the same jump costs when the caller hands the service the list's total (then
    # the service need not count before reading from the far end).
    end_with_total_ms = _median_ms(
        lambda: tickets.list_page(
            everything, "updated", True, max(0, total - VISIBLE_ROWS), VISIBLE_ROWS, total=total
        ),
        runs,
    )

    view_counts = getattr(tickets, "view_counts", None)
    if callable(view_counts):
        view_counts()  # the first call seeds the built-in views (a write); time the reads
    view_counts_ms = _median_ms(lambda: view_counts(), runs) if callable(view_counts) else None

    detail_id = uuid.UUID(meta["detail_ticket_id"])
    detail = tickets.get(detail_id)
    detail_ms = _median_ms(lambda: tickets.get(detail_id), runs)

    targets_ms = {
        "first_page_ms": first_page_ms,
        "filter_ms": filter_ms,
        "sort_ms": sort_ms,
        "search_ms": search_ms,
        "scroll_end_ms": scroll_end_ms,
        "view_counts_ms": view_counts_ms,
        "detail_ms": detail_ms,
    }
    return {
        "tickets": total,
        "generate_s": meta.get("generate_s"),
        **targets_ms,
        "rss_mb": None,
        "over_target": sorted(k for k, v in targets_ms.items() if v is not None and v >= 100),
        "details": {
            "runs": runs,
            "reused_database": meta.get("reused", False),
            "events": meta.get("events"),
            "detail_events": len(detail.events),
            "default_view": "All open",
            "first_page_cold_ms": cold_ms,
            "first_page_all_tickets_ms": first_page_all_ms,
            "count_ms": count_ms,
            "count_all_tickets_ms": count_all_ms,
            "sort_ms_is": "median over the columns of sorting All open",
            "sort_by_ms": sort_open,
            "sort_all_tickets_by_ms": sort_all,
            "sort_all_tickets_over_target": sorted(k for k, v in sort_all.items() if v >= 100),
            "text_filter_ms": text_filter_ms,
            "scroll_end_ms_is": "All tickets: model.ensure_row(last row) and painting the "
            "visible rows of its page, the total known to the model but not passed to "
            "list_page (as the pane does today), so the service counts first",
            "scroll_end_all_open_ms": scroll_end_open_ms,
            "scroll_end_query_with_total_ms": end_with_total_ms,
            "model": pane.model_name,
            "scroll_end_via": "model.ensure_row"
            if pane.random_access
            else "service (model pages append-only)",
            "generate": {
                k: meta.get(k)
                for k in ("phases_s", "fts_rebuild_s", "outbox_entries", "generate_rss_mb")
            },
        },
    }


def _sort_keys() -> list[str]:
    from app.services import ticket_service

    columns = getattr(ticket_service, "TICKET_COLUMNS", None)
    if columns:
        return [c.key for c in columns]
    return list(ticket_service.SORT_KEYS)
