"""Bulk generation of a large ticket database, for the benchmark (`supportdesk bench`).

A million tickets through `TicketService.create` would take hours (an ORM unit of work, an
audit row and outbox entries per ticket). This module writes the same rows with Core
``executemany`` in big batches, one transaction per batch, and fills every column the way a
normal write would: UUID v7 keys (`app.domain.ids`), numbers reserved from this device's
counter, a hybrid-logical-clock stamp per row from the database's clock, and SLA due times,
response and resolution minutes from the business calendar of the app's SLA policies.

Replication: Core statements bypass the ORM flush, so `app.data.capture` writes no outbox
entry for these rows (a bench file is never synced); `build` checks that afterwards.

Full-text search: the FTS5 triggers of the ticket and event tables are dropped for the load
and the indexes rebuilt once at the end (`'rebuild'`), which is faster than a trigger per row;
the triggers are recreated from their stored SQL, so the file behaves like any other.

Speed (a million tickets in about three minutes on two cores): the bench file is built under
a temporary name, so the load runs without a rollback journal and without fsync
(``journal_mode=OFF``, ``synchronous=OFF``; WAL and NORMAL come back at the end); indexes
whose keys would arrive in random order are dropped for the load and built once at the end;
the garbage collector is off while millions of row tuples come and go; ids are the app's UUID
v7 generator's hex form, without a `uuid.UUID` object per row.
"""

from __future__ import annotations

import bisect
import gc
import operator
import random
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar, cast

from sqlalchemy import Connection, Table, func, select, text, update
from sqlalchemy.orm import Session

# The generator behind `app.domain.ids.new_id` (UUID v7), asked for its hex form directly:
# without the `uuid.UUID` object in between, a million tickets' ids cost seconds, not tens.
from uuid_utils import uuid7 as _uuid7

from app.data.database import Database
from app.data.models.local import Device, OutboxEntry
from app.data.models.people import Contact, Organisation, Team, User, UserRole
from app.data.models.tickets import (
    BusinessCalendar,
    Holiday,
    SlaPolicy,
    Tag,
    Ticket,
    TicketEvent,
    TicketTag,
)
from app.data.repos.device import reserve_ticket_numbers
from app.domain import sla
from app.domain.enums import Channel, Priority, Role, TicketEventKind, TicketStatus
from app.domain.hlc import HybridLogicalClock
from app.domain.ids import new_id, ticket_number

#: Tickets per transaction (their events and tags go in the same one).
BATCH = 25_000
#: Events of the one ticket the benchmark opens in the detail view.
DETAIL_EVENTS = 50
#: Technicians the tickets are spread over.
TECHNICIANS = 30

ProgressFn = Callable[[str, float], None]

#: FTS5 tables kept in step by triggers (created in migrations 0002 and 0004).
_FTS = {"tickets": "ticket_fts", "ticket_events": "ticket_event_fts"}

_TZ = "Europe/London"
_TEAMS = ("Service Desk", "Desktop Support", "Infrastructure", "Field Services", "Applications")
_CATEGORIES = (
    "Hardware",
    "Software",
    "Network",
    "Accounts and access",
    "Email",
    "Printing",
    "Telephony",
    "Security",
    "Facilities IT",
    "Monitoring",
)
_TAGS = (
    "vip",
    "laptop",
    "vpn",
    "printer",
    "outage",
    "password",
    "new-starter",
    "leaver",
    "warranty",
    "onsite",
    "wifi",
    "mfa",
    "licence",
    "backup",
    "phishing",
)
_FIRST = [
    "Alex",
    "Sam",
    "Jordan",
    "Priya",
    "Tom",
    "Grace",
    "Martin",
    "Chen",
    "Fatima",
    "Olu",
    "Noor",
    "Ana",
    "Luis",
    "Maria",
    "Ivan",
    "Sara",
    "Ben",
    "Chloe",
    "Dev",
    "Ella",
    "Finn",
    "Hana",
    "Isaac",
    "Jade",
    "Kofi",
    "Lena",
    "Mo",
    "Nia",
    "Omar",
    "Pia",
    "Raj",
    "Tess",
    "Uma",
    "Vic",
    "Wen",
    "Yara",
    "Zoe",
]
_LAST = [
    "Smith",
    "Jones",
    "Shah",
    "Okafor",
    "Kowalski",
    "Nguyen",
    "Garcia",
    "Müller",
    "Rossi",
    "Khan",
    "Brown",
    "Taylor",
    "Wilson",
    "Evans",
    "Hughes",
    "Patel",
    "Novak",
    "Silva",
    "Dubois",
    "Murphy",
    "Walsh",
    "Kim",
    "Sato",
    "Costa",
    "Ali",
    "Berg",
    "Lund",
    "Moreau",
    "Clarke",
]
_PROBLEMS = (
    "cannot print to",
    "no network on",
    "slow",
    "keeps crashing:",
    "password reset for",
    "cannot open",
    "error when saving in",
    "screen flickers on",
    "no sound on",
    "request access to",
    "install",
    "replace battery of",
    "VPN drops on",
    "email not syncing on",
    "license expired for",
    "blue screen on",
)
_OBJECTS = (
    "the warehouse printer",
    "laptop",
    "Outlook",
    "Teams",
    "the shared drive",
    "SAP",
    "docking station",
    "desk phone",
    "the CRM",
    "payroll system",
    "Wi-Fi in meeting room 2",
    "scanner",
    "monitor",
    "Excel",
    "the VPN client",
    "tablet",
)
_WORDS = [
    "user",
    "reports",
    "the",
    "issue",
    "started",
    "after",
    "the",
    "update",
    "yesterday",
    "morning",
    "and",
    "persists",
    "after",
    "a",
    "restart",
    "please",
    "check",
    "the",
    "configuration",
    "driver",
    "firmware",
    "cable",
    "port",
    "account",
    "mailbox",
    "permission",
    "group",
    "policy",
    "certificate",
    "profile",
    "cache",
    "backup",
    "server",
    "switch",
    "router",
    "firewall",
    "antivirus",
    "quarantine",
    "license",
    "subscription",
    "invoice",
    "ledger",
    "warehouse",
    "depot",
    "showroom",
    "reception",
    "manager",
    "deadline",
    "urgent",
    "customer",
    "order",
    "shipment",
    "label",
    "barcode",
    "handheld",
    "battery",
    "charger",
    "adapter",
    "keyboard",
    "mouse",
    "headset",
    "camera",
    "microphone",
    "display",
    "resolution",
    "login",
    "token",
    "authenticator",
    "phone",
    "number",
    "email",
    "address",
    "calendar",
    "meeting",
    "room",
    "booking",
    "spreadsheet",
    "macro",
    "template",
    "report",
    "export",
    "import",
    "database",
    "timeout",
    "latency",
    "packet",
    "loss",
    "signal",
    "strength",
    "roaming",
    "access",
    "point",
    "vlan",
    "dns",
    "dhcp",
    "lease",
    "proxy",
    "gateway",
]
_REPLIES = (
    "Thanks for reporting this, I am looking into it now.",
    "Could you restart the device and tell me whether the problem persists?",
    "I have reset the settings remotely; please try again.",
    "A replacement has been ordered and should arrive tomorrow.",
    "The update has been rolled back on your machine.",
    "Please send a screenshot of the error message.",
)
_NOTES = (
    "Checked the logs: driver crash at start-up.",
    "Vendor ticket opened, waiting for their reply.",
    "Same fault as last month, see the linked ticket.",
    "Escalating to second line after remote session.",
)

# Status mix of a desk with years of history: most work is done.
_STATUS_WEIGHTS: dict[TicketStatus, float] = {
    TicketStatus.CLOSED: 0.80,
    TicketStatus.RESOLVED: 0.12,
    TicketStatus.OPEN: 0.035,
    TicketStatus.NEW: 0.015,
    TicketStatus.PENDING: 0.015,
    TicketStatus.ON_HOLD: 0.015,
}
_PRIORITY_WEIGHTS = {
    Priority.LOW: 0.2,
    Priority.NORMAL: 0.6,
    Priority.HIGH: 0.15,
    Priority.URGENT: 0.05,
}
_CHANNEL_WEIGHTS = {
    Channel.EMAIL: 0.45,
    Channel.PHONE: 0.25,
    Channel.PORTAL: 0.12,
    Channel.WALK_IN: 0.06,
    Channel.FIELD_VISIT: 0.04,
    Channel.MONITORING: 0.08,
}


@dataclass(frozen=True)
class BulkReport:
    """What `build` wrote and how long it took.

    Attributes:
        tickets: tickets written.
        events: timeline entries written.
        detail_ticket_id: the ticket with exactly `DETAIL_EVENTS` timeline entries.
        seconds: wall time of the whole build.
        fts_seconds: of which rebuilding the full-text indexes.
        outbox_entries: outbox rows after the build (only the few set-up rows, never bulk).
    """

    tickets: int
    events: int
    detail_ticket_id: uuid.UUID
    seconds: float
    fts_seconds: float
    outbox_entries: int
    phases: dict[str, float] = field(default_factory=dict)


# --- business time, fast -------------------------------------------------------------------


class BusinessTimeline:
    """`sla.add_business_minutes` / `sla.business_minutes_between` for many moments at once.

    The working windows come from the app's `sla.BusinessCalendar.windows_from` (time zone,
    DST, holidays) once; each call is then a binary search over the cumulative business time
    before each window instead of a walk over the days (30-60 µs a call, which is a minute
    for a million tickets). The answers are the same as the domain functions' (see
    tests/test_bench_tickets.py), to the microsecond.
    """

    def __init__(self, calendar: sla.BusinessCalendar, start: datetime, end: datetime) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._before: list[int] = []  # business µs before each window
        total = 0
        for win_start, win_end in calendar.windows_from(start):
            if win_start > end:
                break
            self._starts.append(_us(win_start))
            self._ends.append(_us(win_end))
            self._before.append(total)
            total += _us(win_end) - _us(win_start)
        self._cum_end = [
            b + (e - s) for b, s, e in zip(self._before, self._starts, self._ends, strict=True)
        ]
        self.first = start
        self.last = datetime.fromtimestamp(self._ends[-1] / 1e6, UTC) if self._ends else start

    def _position(self, moment_us: int) -> int:
        k = bisect.bisect_right(self._ends, moment_us)  # first window that ends after moment
        if k >= len(self._ends):
            raise ValueError("moment after the end of the prepared business timeline")
        return self._before[k] + max(0, moment_us - self._starts[k])

    def add_minutes(self, moment: datetime, minutes: int) -> datetime:
        """As `sla.add_business_minutes(moment, minutes, calendar)`."""
        return _from_us(self.add_us(_us(moment), minutes))

    def add_us(self, moment_us: int, minutes: int) -> int:
        """`add_minutes` on microseconds since the epoch (UTC)."""
        if minutes == 0:
            return moment_us
        target = self._position(moment_us) + minutes * 60_000_000
        j = bisect.bisect_left(self._cum_end, target)
        if j >= len(self._cum_end):
            raise ValueError("due time after the end of the prepared business timeline")
        return self._starts[j] + (target - self._before[j])

    def minutes_between(self, start: datetime, end: datetime) -> float:
        """As `sla.business_minutes_between(start, end, calendar)`."""
        if end <= start:
            return 0.0
        return (self._position(_us(end)) - self._position(_us(start))) / 60_000_000


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _us(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _from_us(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


# --- writing --------------------------------------------------------------------------------
#
# Rows are planned as dicts of values already in SQLite's storage form (what the column types'
# bind processors would produce: UUIDs as 32 hex digits, UTC datetimes as naive ISO text with
# microseconds, enums by value, booleans as 0/1) and sent as tuples through the Core INSERT of
# the model's table compiled once: SQLAlchemy's per-value bind processing costs more than
# SQLite's insert itself at this size. tests/test_bench_tickets.py reads bulk rows back through
# the ORM and the services to prove the stored form is the one SQLAlchemy expects.


def _ts(moment_us: int) -> str:
    """A UTC moment (µs since the epoch) as `UtcDateTime` stores it on SQLite."""
    return (_EPOCH_NAIVE + timedelta(microseconds=moment_us)).isoformat(" ", "microseconds")


def _dt(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


_EPOCH_NAIVE = datetime(1970, 1, 1)


class _Stamper:
    """Fills the replicated columns as the ORM flush would (id, times, actor, HLC stamp)."""

    def __init__(self, clock: HybridLogicalClock, actor_id: uuid.UUID | None) -> None:
        self.clock = clock
        self.actor = actor_id.hex if actor_id else None

    def row(self, created: str, **values: Any) -> dict[str, Any]:
        """`values` in storage form; `created` is the stored `created_at` text."""
        if "id" not in values:
            values["id"] = new_id().hex
        values["created_at"] = created
        values.setdefault("updated_at", created)
        values.setdefault("updated_by", self.actor)
        values["hlc"] = self.clock.now().encode()
        values.setdefault("deleted_at", None)
        return values


class _Writer:
    """Core INSERTs of whole tables, compiled once, executed many with stored-form tuples."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._compiled: dict[tuple[str, tuple[str, ...]], str] = {}

    def statement(self, model: Any, columns: Sequence[str]) -> str:
        table = cast(Table, model.__table__)
        key = (table.name, tuple(columns))
        sql = self._compiled.get(key)
        if sql is None:
            unknown = set(columns) - set(table.columns.keys())
            if unknown:
                raise ValueError(f"{table.name} has no columns {sorted(unknown)}")
            for column in table.columns:
                # A column the planner leaves out must be one the database can fill.
                if column.key not in columns and not (
                    column.nullable or column.server_default is not None
                ):
                    raise ValueError(f"bulk rows of {table.name} leave out {column.key}")
            # The Core INSERT with the planner's column order (SQLite's qmark parameters).
            quote = self.conn.dialect.identifier_preparer
            sql = (
                f"INSERT INTO {quote.format_table(table)} "
                f"({', '.join(quote.quote(c) for c in columns)}) "
                f"VALUES ({', '.join('?' for _ in columns)})"
            )
            self._compiled[key] = sql
        return sql

    def insert(self, model: Any, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        if rows:
            self.conn.exec_driver_sql(self.statement(model, columns), list(rows))

    def insert_dicts(self, model: Any, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            columns = list(rows[0])
            getter = operator.itemgetter(*columns)
            self.insert(model, columns, [getter(r) for r in rows])


def _drop_fts_triggers(conn: Connection) -> list[str]:
    """Drop the FTS triggers of the bulk tables; returns their SQL to recreate them."""
    names = [f"{fts}_{suffix}" for fts in _FTS.values() for suffix in ("ai", "ad", "au")]
    rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
    saved = [sql for name, sql in rows if name in names and sql]
    for name, _sql in rows:
        if name in names:
            conn.execute(text(f'DROP TRIGGER "{name}"'))
    return saved


#: Tables whose secondary indexes are dropped for the load and built once at the end.
_BULK_TABLES = ("tickets", "ticket_events", "ticket_tags")
#: Indexes whose keys arrive in (nearly) ascending order during the load, so that keeping
#: them costs appends only: they stay.
_APPENDED_INDEXES = frozenset(
    {
        "ix_tickets_opened_at",
        "ix_tickets_resolution_due_at",
        "ix_tickets_resolved_at",
        "ix_tickets_live",
        "ix_tickets_live_updated",
        "ix_ticket_events_ticket_created",
    }
)


def _drop_secondary_indexes(conn: Connection) -> list[str]:
    """Drop the plain indexes of the bulk tables; returns their SQL to recreate them.

    Unique constraints (SQLite's autoindexes, no stored SQL) stay: the keys are UUID v7 and
    the numbers a counter, so they grow at their right-hand end; so do `_APPENDED_INDEXES`
    (times that follow the load's order). The others (requester, assignee, status, channel …)
    would take random inserts all through the load; building each once from the finished
    table is a sort, quicker at a million rows.
    """
    rows = conn.execute(
        text("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index'")
    ).all()
    saved = []
    for name, table, sql in rows:
        if table in _BULK_TABLES and sql and name not in _APPENDED_INDEXES:
            saved.append(sql)
            conn.execute(text(f'DROP INDEX "{name}"'))
    return saved


def _rebuild_fts(conn: Connection, triggers: list[str]) -> None:
    for fts in _FTS.values():
        # Merge segments 8 at a time instead of FTS5's default 4 while the index is built in
        # one go (each row is rewritten fewer times: about a quarter quicker), then back to
        # the default for the app's own writes.
        conn.execute(text(f"INSERT INTO {fts}({fts}, rank) VALUES ('automerge', 8)"))
        conn.execute(text(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')"))
        conn.execute(text(f"INSERT INTO {fts}({fts}, rank) VALUES ('automerge', 4)"))
    for sql in triggers:
        conn.execute(text(sql))


def bench_calendar(now: datetime) -> sla.BusinessCalendar:
    """The business calendar of the bench's SLA policies: office hours in London, holidays."""
    holidays: list[date] = []
    for year in range(now.year - 5, now.year + 2):
        holidays += [date(year, 1, 1), date(year, 5, 1), date(year, 12, 25), date(year, 12, 26)]
    return sla.BusinessCalendar(
        timezone=_TZ, holidays=frozenset(d for d in holidays if d.weekday() < 5)
    )


@dataclass
class _Refs:
    calendar: sla.BusinessCalendar
    policies: dict[Priority, tuple[str, sla.SlaTargets]]
    teams: list[str]
    technicians: list[tuple[str, int]]  # (user id, team index)
    contacts: list[str]
    tags: list[str]


def _setup(writer: _Writer, stamp: _Stamper, rng: random.Random, now: datetime) -> _Refs:
    """Calendar, SLA policies, teams, technicians, organisations, contacts and tags."""
    created_at = now - timedelta(days=4 * 365)
    created = _dt(created_at)
    calendar = bench_calendar(now)
    calendar_id = new_id().hex
    writer.insert_dicts(
        BusinessCalendar,
        [
            stamp.row(
                created,
                id=calendar_id,
                name="Bench office hours",
                timezone=calendar.timezone,
                workdays=",".join(str(d) for d in sorted(calendar.workdays)),
                day_start_minute=calendar.day_start.hour * 60 + calendar.day_start.minute,
                day_end_minute=calendar.day_end.hour * 60 + calendar.day_end.minute,
            )
        ],
    )
    writer.insert_dicts(
        Holiday,
        [
            stamp.row(created, calendar_id=calendar_id, day=d.isoformat(), name="Public holiday")
            for d in sorted(calendar.holidays)
        ],
    )
    policies: dict[Priority, tuple[str, sla.SlaTargets]] = {}
    policy_rows = []
    for priority, targets in sla.DEFAULT_TARGETS.items():
        policy_id = new_id().hex
        policies[priority] = (policy_id, targets)
        policy_rows.append(
            stamp.row(
                created,
                id=policy_id,
                name=f"{priority.label} priority",
                priority=priority.value,
                organisation_id=None,
                calendar_id=calendar_id,
                first_response_minutes=targets.first_response_minutes,
                resolution_minutes=targets.resolution_minutes,
            )
        )
    writer.insert_dicts(SlaPolicy, policy_rows)
    teams = [new_id().hex for _ in _TEAMS]
    writer.insert_dicts(
        Team,
        [
            stamp.row(created, id=t, name=n, description="")
            for t, n in zip(teams, _TEAMS, strict=True)
        ],
    )
    technicians: list[tuple[str, int]] = []
    user_rows, role_rows = [], []
    for i in range(TECHNICIANS):
        user_id = new_id().hex
        team = i % len(teams)
        technicians.append((user_id, team))
        first, last = _FIRST[i % len(_FIRST)], _LAST[(i * 7) % len(_LAST)]
        user_rows.append(
            stamp.row(
                created,
                id=user_id,
                username=f"bench.tech{i + 1:02d}",
                full_name=f"{first} {last}",
                email=f"bench.tech{i + 1:02d}@bench.example",
                # Not an argon2 hash: nobody signs in as a bench technician.
                password_hash="!",
                is_active=1,
                failed_logins=0,
                locked_until=None,
                last_login_at=None,
                team_id=teams[team],
            )
        )
        role_rows.append(stamp.row(created, user_id=user_id, role=Role.TECHNICIAN.value))
    writer.insert_dicts(User, user_rows)
    writer.insert_dicts(UserRole, role_rows)
    orgs = [new_id().hex for _ in range(300)]
    writer.insert_dicts(
        Organisation,
        [
            stamp.row(
                created,
                id=o,
                name=f"Customer {i + 1:03d} Ltd",
                domain=f"c{i + 1}.example",
                notes="",
            )
            for i, o in enumerate(orgs)
        ],
    )
    contacts = [new_id().hex for _ in range(20_000)]
    writer.insert_dicts(
        Contact,
        [
            stamp.row(
                created,
                id=c,
                full_name=f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
                email=f"contact{i}@c{i % 300 + 1}.example",
                phone="",
                organisation_id=orgs[i % len(orgs)],
            )
            for i, c in enumerate(contacts)
        ],
    )
    tags = [new_id().hex for _ in _TAGS]
    writer.insert_dicts(
        Tag, [stamp.row(created, id=t, name=n) for t, n in zip(tags, _TAGS, strict=True)]
    )
    return _Refs(calendar, policies, teams, technicians, contacts, tags)


_MINUTE_US = 60_000_000
_HOUR_US = 3_600_000_000
_DAY_US = 86_400_000_000
_CREATED = TicketEventKind.CREATED.value
_REPLY = TicketEventKind.REPLY.value
_NOTE = TicketEventKind.NOTE.value
_STATUS = TicketEventKind.STATUS.value

# Column order of the tuples the ticket planner emits (checked against the models in _Writer).
TICKET_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "updated_by",
    "hlc",
    "number",
    "subject",
    "description",
    "status",
    "priority",
    "channel",
    "category",
    "requester_id",
    "team_id",
    "assignee_id",
    "sla_policy_id",
    "opened_at",
    "first_response_due_at",
    "resolution_due_at",
    "first_responded_at",
    "resolved_at",
    "closed_at",
    "first_response_minutes",
    "resolution_minutes",
    "sla_breached",
    "tier",
    "sla_paused_minutes",
)
EVENT_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "updated_by",
    "hlc",
    "ticket_id",
    "kind",
    "author_id",
    "body",
    "is_public",
    "old_value",
    "new_value",
)
TAG_COLUMNS = ("id", "created_at", "updated_at", "updated_by", "hlc", "ticket_id", "tag_id")


class _Stamps:
    """Stored-form timestamps, fast: the date part is formatted once per day, the time of day
    comes from a table of the day's seconds."""

    _SECONDS: ClassVar[list[str]] = [
        f"{h:02d}:{m:02d}:{sec:02d}." for h in range(24) for m in range(60) for sec in range(60)
    ]

    def __init__(self) -> None:
        self._days: dict[int, str] = {}

    def __call__(self, moment_us: int) -> str:
        day, rest = divmod(moment_us, _DAY_US)
        prefix = self._days.get(day)
        if prefix is None:
            prefix = self._days[day] = _ts(day * _DAY_US)[:11]
        second, micro = divmod(rest, 1_000_000)
        if micro:
            return f"{prefix}{self._SECONDS[second]}{micro:06d}"
        return f"{prefix}{self._SECONDS[second]}000000"


class _TicketMaker:
    """Plans ticket rows with their events and tags as stored-form tuples (no database)."""

    def __init__(
        self,
        refs: _Refs,
        clock: HybridLogicalClock,
        actor: str | None,
        rng: random.Random,
        timeline: BusinessTimeline,
        now: datetime,
    ) -> None:
        self.refs = refs
        self.clock = clock
        self.actor = actor
        self.rng = rng
        self.timeline = timeline
        self.now_us = _us(now)
        self.ts = _Stamps()
        self.statuses = [s.value for s in _STATUS_WEIGHTS]
        self.status_cum = _cumulative(list(_STATUS_WEIGHTS.values()))
        self.priorities = list(_PRIORITY_WEIGHTS)
        self.priority_cum = _cumulative(list(_PRIORITY_WEIGHTS.values()))
        self.channels = [c.value for c in _CHANNEL_WEIGHTS]
        self.channel_cum = _cumulative(list(_CHANNEL_WEIGHTS.values()))
        # Descriptions drawn from a pool: varied enough for full-text search, cheap to pick.
        self.descriptions = [
            " ".join(rng.choices(_WORDS, k=rng.randint(12, 40))) for _ in range(20_000)
        ]
        self.subjects = [
            f"{o.capitalize()}: {p} {o2}" for o in _OBJECTS for p in _PROBLEMS for o2 in _OBJECTS
        ]

    def _event(
        self,
        events: list[tuple[Any, ...]],
        hlc: str,
        at: str,
        ticket_id: str,
        kind: str,
        author: str | None,
        body: str,
        public: int,
        old: str,
        new: str,
    ) -> None:
        events.append(
            (
                _uuid7().hex,
                at,
                at,
                self.actor,
                hlc,
                ticket_id,
                kind,
                author,
                body,
                public,
                old,
                new,
            )
        )

    def ticket(
        self,
        number: str,
        opened_us: int,
        events: list[tuple[Any, ...]],
        tags: list[tuple[Any, ...]],
    ) -> tuple[Any, ...]:
        rng, refs, tl, ts, event = self.rng, self.refs, self.timeline, self.ts, self._event
        pick, rnd = bisect.bisect, rng.random
        if self.now_us - opened_us > 60 * _DAY_US:
            status = "closed" if rnd() < 0.93 else "resolved"
        else:
            status = self.statuses[pick(self.status_cum, rnd() * self.status_cum[-1])]
        priority = self.priorities[pick(self.priority_cum, rnd() * self.priority_cum[-1])]
        channel = self.channels[pick(self.channel_cum, rnd() * self.channel_cum[-1])]
        policy_id, targets = refs.policies[priority]
        tech, team = refs.technicians[rng.randrange(len(refs.technicians))]
        assignee: str | None = tech
        if status == "new" and rng.random() < 0.6:
            assignee = None
        first_due = tl.add_us(opened_us, targets.first_response_minutes)
        resolution_due = tl.add_us(opened_us, targets.resolution_minutes)
        responded = resolved = closed = None
        first_minutes = resolution_minutes = None
        breached = 0
        ticket_id = _uuid7().hex
        # One clock reading per ticket, shared by the rows written with it (its events and
        # tags), as if the ticket's history had arrived in one change.
        hlc = self.clock.now().encode()
        opened = ts(opened_us)
        event(events, hlc, opened, ticket_id, _CREATED, None, "", 0, "", number)
        last_us = opened_us
        if status != "new":
            first_minutes = int(rng.expovariate(1 / (targets.first_response_minutes * 0.7))) + 1
            responded = last_us = tl.add_us(opened_us, first_minutes)
            event(
                events,
                hlc,
                ts(responded),
                ticket_id,
                _REPLY,
                assignee,
                rng.choice(_REPLIES),
                1,
                "",
                "",
            )
        if status in ("resolved", "closed"):
            resolution_minutes = (first_minutes or 0) + 1
            resolution_minutes += int(rng.expovariate(1 / (targets.resolution_minutes * 0.6)))
            resolved = last_us = tl.add_us(opened_us, resolution_minutes)
            breached = int(resolved > resolution_due or (responded or resolved) > first_due)
            if status == "closed":
                closed = resolved + 3 * _DAY_US
                if closed > self.now_us:
                    closed, status = None, "resolved"
                else:
                    last_us = closed
            event(events, hlc, ts(last_us), ticket_id, _STATUS, assignee, "", 0, "open", status)
        elif rng.random() < 0.3:
            event(
                events, hlc, ts(last_us), ticket_id, _NOTE, assignee, rng.choice(_NOTES), 0, "", ""
            )
        if rng.random() < 0.2:
            for tag in rng.sample(refs.tags, rng.randint(1, 2)):
                tags.append((_uuid7().hex, opened, opened, self.actor, hlc, ticket_id, tag))
        return (
            ticket_id,
            opened,
            ts(last_us),
            self.actor,
            hlc,
            number,
            self.subjects[rng.randrange(len(self.subjects))],
            self.descriptions[rng.randrange(len(self.descriptions))],
            status,
            priority.value,
            channel,
            _CATEGORIES[rng.randrange(len(_CATEGORIES))],
            refs.contacts[rng.randrange(len(refs.contacts))],
            refs.teams[team],
            assignee,
            policy_id,
            opened,
            ts(first_due),
            ts(resolution_due),
            ts(responded) if responded is not None else None,
            ts(resolved) if resolved is not None else None,
            ts(closed) if closed is not None else None,
            first_minutes,
            resolution_minutes,
            breached,
            1 if rng.random() < 0.8 else 2,
            0,
        )

    def detail_events(self, ticket: tuple[Any, ...], events: list[tuple[Any, ...]]) -> None:
        """Pad the timeline of `ticket` to exactly `DETAIL_EVENTS` entries."""
        ticket_id = ticket[0]
        assignee = ticket[TICKET_COLUMNS.index("assignee_id")]
        mine = sum(1 for e in events if e[5] == ticket_id)
        at = _us(datetime.fromisoformat(ticket[1]).replace(tzinfo=UTC))
        for i in range(DETAIL_EVENTS - mine):
            at += 7 * _MINUTE_US
            public = i % 3 == 0
            body = self.rng.choice(_REPLIES) if public else self.rng.choice(_NOTES)
            kind = _REPLY if public else _NOTE
            self._event(
                events, ticket[4], self.ts(at), ticket_id, kind, assignee, body, int(public), "", ""
            )


def _cumulative(weights: list[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _opened_times(rng: random.Random, count: int, first: datetime, now: datetime) -> Iterator[int]:
    """`count` ascending moments (µs since the epoch, whole seconds) from `first` to `now`."""
    first_us = _us(first)
    span = _us(now) - first_us - 3_600_000_000
    step = span / max(count, 1)
    at = 0.0
    for _ in range(count):
        at += rng.uniform(0, 2 * step)
        yield first_us + int(min(at, span)) // 1_000_000 * 1_000_000


@dataclass
class _Batch:
    tickets: list[tuple[Any, ...]]
    events: list[tuple[Any, ...]]
    tags: list[tuple[Any, ...]]


def build(
    db: Database,
    tickets: int,
    *,
    actor_id: uuid.UUID | None,
    seed: int = 1,
    now: datetime | None = None,
    years: float = 3.0,
    fts: str = "rebuild",
    progress: ProgressFn | None = None,
) -> BulkReport:
    """Fill a migrated SQLite database (with its device attached) with `tickets` tickets.

    Rows are planned and inserted a batch at a time, one transaction per batch. (Planning on a
    second thread was slower: the sqlite3 module takes the GIL back for every row it binds, and
    each time waits out the planner's switch interval.)

    Args:
        db: the bench database: a SQLite file that holds no tickets yet.
        tickets: how many tickets, spread over the last `years` years.
        actor_id: who the rows are stamped as changed by (the bench's administrator).
        seed: seed of the random generator (same seed and `now` give the same data).
        now: the moment the data is built "at".
        fts: "rebuild" (drop the FTS triggers, rebuild the indexes at the end) or "triggers"
            (keep them: each row is indexed as it is inserted).
        progress: called as ``progress(step, fraction_done)``.
    """
    if not db.is_sqlite or db.clock is None:
        raise ValueError("bulk generation needs a SQLite database with its device attached")
    if fts not in ("rebuild", "triggers"):
        raise ValueError("fts must be 'rebuild' or 'triggers'")
    if tickets < 1:
        raise ValueError("generate at least one ticket")
    # Millions of short-lived row tuples: the cyclic garbage collector would walk them over
    # and over (a third of the planning time) and finds nothing to free.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _build(db, tickets, actor_id, seed, now, years, fts, progress)
    finally:
        if collecting:
            gc.enable()


def _build(
    db: Database,
    tickets: int,
    actor_id: uuid.UUID | None,
    seed: int,
    now: datetime | None,
    years: float,
    fts: str,
    progress: ProgressFn | None,
) -> BulkReport:
    started = time.perf_counter()
    phases: dict[str, float] = {}
    rng = random.Random(seed)
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    clock = db.clock
    if clock is None:  # checked by `build`
        raise ValueError("the bench database needs its device attached")
    stamp = _Stamper(clock, actor_id)
    first = moment - timedelta(days=round(365 * years))
    # Only this build's connection may hold the file: leaving WAL needs it alone.
    db.engine.dispose()
    with db.engine.connect() as conn:
        writer = _Writer(conn)
        # A throw-away bench file (built under a temporary name, deleted if the build fails):
        # no rollback journal and no fsync while loading (a crash leaves garbage, which is
        # never used), a bigger page cache, temp B-trees in memory. WAL comes back at the end.
        conn.exec_driver_sql("PRAGMA journal_mode=OFF")
        conn.exec_driver_sql("PRAGMA synchronous=OFF")
        conn.exec_driver_sql("PRAGMA cache_size=-262144")
        conn.exec_driver_sql("PRAGMA temp_store=MEMORY")
        conn.commit()
        with conn.begin():
            if conn.scalar(select(func.count()).select_from(Ticket)):
                raise ValueError("bulk generation needs a database without tickets")
            refs = _setup(writer, stamp, rng, moment)
            triggers = _drop_fts_triggers(conn) if fts == "rebuild" else []
            indexes = _drop_secondary_indexes(conn)
            prefix, first_counter = _reserve(conn, tickets)
        phases["setup_s"] = time.perf_counter() - started
        timeline = BusinessTimeline(
            refs.calendar, first - timedelta(days=2), moment + timedelta(days=120)
        )
        maker = _TicketMaker(refs, clock, stamp.actor, rng, timeline, moment)
        detail: list[uuid.UUID] = []

        def plan() -> Iterator[_Batch]:
            times = _opened_times(rng, tickets, first, moment)
            done = 0
            while done < tickets:
                size = min(BATCH, tickets - done)
                rows: list[tuple[Any, ...]] = []
                events: list[tuple[Any, ...]] = []
                tags: list[tuple[Any, ...]] = []
                for i in range(size):
                    number = ticket_number(prefix, first_counter + done + i)
                    rows.append(maker.ticket(number, next(times), events, tags))
                if not detail:
                    detail.append(uuid.UUID(hex=rows[-1][0]))
                    maker.detail_events(rows[-1], events)
                yield _Batch(rows, events, tags)
                done += size

        written = written_events = 0
        write_s = 0.0
        for item in plan():
            t0 = time.perf_counter()
            with conn.begin():
                writer.insert(Ticket, TICKET_COLUMNS, item.tickets)
                writer.insert(TicketEvent, EVENT_COLUMNS, item.events)
                writer.insert(TicketTag, TAG_COLUMNS, item.tags)
            write_s += time.perf_counter() - t0
            written += len(item.tickets)
            written_events += len(item.events)
            if progress is not None:
                progress(f"Tickets ({written:,} of {tickets:,})", 0.85 * written / tickets)
        phases["tickets_s"] = time.perf_counter() - started - phases["setup_s"]
        phases["insert_s"] = write_s
        t0 = time.perf_counter()
        if progress is not None:
            progress("Full-text indexes", 0.85)
        with conn.begin():
            if fts == "rebuild":
                _rebuild_fts(conn, triggers)
            conn.execute(update(Device).values(last_hlc=clock.last.encode()))
        fts_s = time.perf_counter() - t0
        phases["fts_s"] = fts_s
        t0 = time.perf_counter()
        if progress is not None:
            progress("Indexes", 0.92)
        with conn.begin():
            for sql in indexes:
                conn.execute(text(sql))
        phases["indexes_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        if progress is not None:
            progress("Statistics for the query planner", 0.95)
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
        conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
        conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        phases["analyze_s"] = time.perf_counter() - t0
        outbox = int(conn.scalar(select(func.count()).select_from(OutboxEntry)) or 0)
        conn.commit()
    return BulkReport(
        tickets=written,
        events=written_events,
        detail_ticket_id=detail[0],
        seconds=time.perf_counter() - started,
        fts_seconds=fts_s,
        outbox_entries=outbox,
        phases=phases,
    )


def _reserve(conn: Connection, count: int) -> tuple[str, int]:
    """Reserve the numbers through the device repo, as `create_many` does."""
    with Session(bind=conn) as session:
        return reserve_ticket_numbers(session, count)
