"""The demo database: a coherent year in the life of a small IT support team.

Everything is derived from one `random.Random(seed)` and placed relative to `now`, so the same
seed and the same `now` give the same data. The texts (ticket templates, stock phrases, the
knowledge-base articles) live in ``resources/demo``; this module decides who did what, when.

Rows are written in bulk through `app.data.repos.demo` (one transaction per step) because a
20,000-ticket demo has a few hundred thousand rows and the ORM unit of work would take minutes.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import random
import time
import tomllib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from app.data import models as m
from app.data.base import utcnow
from app.data.database import Database, Session
from app.data.repos import demo as demo_repo
from app.data.repos import people as people_repo
from app.data.repos.device import reserve_ticket_numbers
from app.domain import sla
from app.domain.enums import (
    ArticleStatus,
    AttendanceStatus,
    AuditKind,
    Channel,
    EnrolmentStatus,
    Priority,
    Role,
    TicketEventKind,
    TicketStatus,
)
from app.domain.ids import new_id, ticket_number
from app.errors import ValidationError
from app.paths import resources_dir
from app.services.passwords import hash_password

DEMO_ADMIN = "admin"
DEMO_PASSWORD = "demo-password"
DEFAULT_TICKETS = 1500
MAX_TICKETS = 200_000

ProgressFn = Callable[[str, float], None]

_TZ = "Europe/London"
_STAFF_DOMAIN = "harbourside.example"


@dataclass(frozen=True)
class DemoReport:
    """What the builder made, for the CLI and the first-run message.

    Attributes:
        summary: one line for people ("1,500 tickets, 14 people, … in 2.1 s").
        seconds: wall time of the build.
        counts: live rows per table.
    """

    summary: str
    tickets: int = 0
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)


def build_demo(
    db: Database,
    *,
    tickets: int = DEFAULT_TICKETS,
    seed: int = 7,
    progress: ProgressFn | None = None,
    now: datetime | None = None,
) -> DemoReport:
    """Fill an empty, migrated database with the demo data.

    Args:
        db: the database; it must have no users yet.
        tickets: how many tickets to spread over the last twelve months.
        seed: seed of the random generator (same seed and `now` give the same data).
        progress: called as ``progress(step, fraction_done)`` before each step and at the end.
        now: the moment the demo is built "at" (default: the current UTC time).

    Raises:
        ValidationError: the ticket count is out of range or the database is not empty.
    """
    if not 0 <= tickets <= MAX_TICKETS:
        raise ValidationError(f"Choose between 0 and {MAX_TICKETS:,} demo tickets.")
    if now is not None and now.tzinfo is None:
        raise ValueError("now must be time-zone aware")
    moment = (now or utcnow()).astimezone(UTC)
    return _DemoBuilder(db, tickets=tickets, seed=seed, now=moment).run(progress)


# --- Static content -------------------------------------------------------------------------

_TEAMS = {
    "sd": (
        "Service Desk",
        "First line (L1): phone, email, portal and walk-ins. Fixes what it "
        "can on first contact and routes the rest.",
    ),
    "ds": (
        "Desktop Support",
        "Second line (L2): laptops, desktops, peripherals, software installs and repairs.",
    ),
    "infra": (
        "Infrastructure",
        "Third line (L3): servers, network, security and monitoring alerts.",
    ),
    "field": ("Field Services", "On-site visits to the warehouse, the depots and the showroom."),
}


@dataclass(frozen=True)
class _Person:
    username: str
    full_name: str
    team: str | None
    roles: frozenset[Role]
    weight: float = 1.0  # share of the team's tickets
    leaves_days_ago: int | None = None  # a former colleague, account disabled


_T, _S, _R = Role.TECHNICIAN, Role.SUPERVISOR, Role.TRAINER
_PEOPLE = [
    _Person("grace.okafor", "Grace Okafor", "sd", frozenset({_S})),
    _Person("martin.kowalski", "Martin Kowalski", "infra", frozenset({_S})),
    _Person("priya.shah", "Priya Shah", "sd", frozenset({_T, _R}), 0.7),
    _Person("tom.brennan", "Tom Brennan", "sd", frozenset({_T}), 1.2),
    _Person("sofia.marquez", "Sofia Marquez", "sd", frozenset({_T}), 1.0),
    _Person("james.whitfield", "James Whitfield", "ds", frozenset({_T}), 1.1),
    _Person("aisha.rahman", "Aisha Rahman", "ds", frozenset({_T}), 1.0),
    _Person("mark.ellis", "Mark Ellis", "ds", frozenset({_T}), 0.9, leaves_days_ago=150),
    _Person("daniel.novak", "Daniel Novak", "infra", frozenset({_T}), 1.0),
    _Person("chloe.bennett", "Chloe Bennett", "infra", frozenset({_T}), 1.0),
    _Person("owen.price", "Owen Price", "field", frozenset({_T}), 1.0),
    _Person("lucy.evans", "Lucy Evans", "field", frozenset({_T}), 0.8),
    _Person("helen.carter", "Helen Carter", None, frozenset({_R})),
]

# name, e-mail domain, number of contacts, notes
_ORGANISATIONS = [
    (
        "Finance",
        _STAFF_DOMAIN,
        12,
        "Month-end close in the last three working days: treat "
        "outages of Sage or the finance share as high priority.",
    ),
    ("HR", _STAFF_DOMAIN, 7, "Handles personal data: never discuss cases on open tickets."),
    ("Sales", _STAFF_DOMAIN, 18, "Often on the road; prefer phone call-backs."),
    ("Marketing", _STAFF_DOMAIN, 9, "Uses Macs for design work."),
    (
        "Warehouse",
        _STAFF_DOMAIN,
        16,
        "Avonmouth site, shifts 06:00–22:00. Scanners and label printers are business-critical.",
    ),
    ("Legal", _STAFF_DOMAIN, 5, ""),
    ("Facilities", _STAFF_DOMAIN, 6, "Owns badges, meeting-room bookings and desk moves."),
    ("Executive Office", _STAFF_DOMAIN, 4, "VIP: acknowledge within 30 minutes in office hours."),
    ("Customer Service", _STAFF_DOMAIN, 14, "Phone queue staffed 08:00–18:00."),
    ("Operations", _STAFF_DOMAIN, 10, "Swindon depot and transport planning."),
    (
        "Brightwater Dental Ltd",
        "brightwaterdental.example",
        9,
        "Managed-service customer: three practices. Contract follows the standard SLA policies.",
    ),
    (
        "Kestrel Logistics",
        "kestrellogistics.example",
        10,
        "Managed-service customer: customer "
        "portal and EDI link. Contract follows the standard SLA policies.",
    ),
]

_FIRST_NAMES = [
    "Oliver",
    "Amelia",
    "Harry",
    "Isla",
    "Jack",
    "Ava",
    "George",
    "Mia",
    "Noah",
    "Emily",
    "Charlie",
    "Grace",
    "Jacob",
    "Sophie",
    "Alfie",
    "Lily",
    "Freddie",
    "Ella",
    "Oscar",
    "Chloe",
    "Leo",
    "Ruby",
    "Arthur",
    "Evie",
    "Thomas",
    "Poppy",
    "Joshua",
    "Freya",
    "James",
    "Daisy",
    "William",
    "Alice",
    "Ethan",
    "Florence",
    "Samuel",
    "Holly",
    "Mohammed",
    "Aisha",
    "Rhys",
    "Niamh",
    "Callum",
    "Eilidh",
    "Dev",
    "Ananya",
    "Kofi",
    "Adaeze",
    "Tomasz",
    "Zofia",
    "Luca",
    "Elena",
    "Ben",
    "Hannah",
    "Ryan",
    "Megan",
    "Liam",
    "Kate",
    "Sean",
    "Fatima",
    "Imran",
    "Rosa",
]
_LAST_NAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Hughes",
    "Edwards",
    "Turner",
    "Hill",
    "Moore",
    "Cooper",
    "Ward",
    "Morris",
    "King",
    "Watson",
    "Harrison",
    "Morgan",
    "Baker",
    "Young",
    "Allen",
    "Mitchell",
    "Khan",
    "Ahmed",
    "Singh",
    "Kaur",
    "Nowak",
    "Kowalczyk",
    "O'Brien",
    "Murphy",
    "Campbell",
    "Stewart",
    "Reid",
    "Macdonald",
    "Okafor",
    "Mensah",
    "Ali",
    "Chen",
    "Nguyen",
    "Rossi",
    "Fernandes",
    "Lloyd",
    "Price",
    "Bennett",
    "Shaw",
]

_CATEGORY_WEIGHTS = {
    "Accounts & access": 18,
    "Software": 16,
    "Hardware": 15,
    "Email": 13,
    "Network": 11,
    "Printing": 10,
    "Security": 10,
    "Phones": 7,
}
# Which queue a ticket of a category lands in (field visits and alerts are routed separately).
_ROUTING = {
    "Accounts & access": {"sd": 85, "infra": 15},
    "Email": {"sd": 75, "infra": 25},
    "Software": {"sd": 55, "ds": 45},
    "Hardware": {"ds": 60, "sd": 20, "field": 20},
    "Network": {"infra": 60, "sd": 25, "field": 15},
    "Printing": {"sd": 55, "ds": 30, "field": 15},
    "Phones": {"sd": 40, "field": 35, "infra": 25},
    "Security": {"infra": 60, "sd": 40},
}
_ESCALATE_TO = {
    "Hardware": "ds",
    "Software": "ds",
    "Printing": "ds",
    "Network": "infra",
    "Security": "infra",
    "Email": "infra",
}
_TAG_ORGS = {
    "warehouse": ("Warehouse", "Kestrel Logistics"),
    "finance": ("Finance",),
    "hr": ("HR",),
    "salesforce": ("Sales", "Customer Service"),
    "reception": ("Facilities",),
}

_CHANNELS_IN_HOURS = {
    Channel.EMAIL: 36,
    Channel.PHONE: 22,
    Channel.PORTAL: 20,
    Channel.WALK_IN: 8,
    Channel.FIELD_VISIT: 6,
    Channel.MONITORING: 5,
}
_CHANNELS_OUT_OF_HOURS = {Channel.EMAIL: 45, Channel.PORTAL: 33, Channel.MONITORING: 22}

# Monday = 0. Mondays are busiest; weekends are quiet (on-call, alerts, the odd e-mail).
_WEEKDAY_LOAD = [1.45, 1.15, 1.05, 1.0, 0.85, 0.1, 0.06]
_MONTH_LOAD = {
    1: 1.15,
    2: 1.05,
    3: 1.05,
    4: 0.95,
    5: 1.0,
    6: 1.0,
    7: 0.9,
    8: 0.8,
    9: 1.12,
    10: 1.05,
    11: 1.0,
    12: 0.8,
}
# Local hour of arrival on a working day: a morning peak and a smaller one after lunch.
_HOUR_LOAD = [
    0.2,
    0.1,
    0.1,
    0.1,
    0.1,
    0.2,
    0.5,
    1.6,
    5.0,
    9.0,
    9.0,
    7.5,
    5.0,
    6.0,
    7.5,
    6.5,
    5.5,
    3.5,
    1.4,
    0.8,
    0.5,
    0.4,
    0.3,
    0.2,
]
_WEEKEND_HOUR_LOAD = [0.3] * 7 + [1.0] * 14 + [0.3] * 3

_FR_LATE = {Priority.URGENT: 0.13, Priority.HIGH: 0.11, Priority.NORMAL: 0.09, Priority.LOW: 0.08}

_CANNED = [
    (
        "Acknowledge — looking into it",
        "Hi {requester.first_name},\n\nThanks for getting in touch. I'm looking into "
        "{ticket.number} now and will update you within the hour.\n\n{agent.name}\nIT Service Desk",
    ),
    (
        "Ask for a screenshot",
        "Hi {requester.first_name},\n\nCould you send me a screenshot of the error message "
        "the next time you see it? Reply to this message and attach it.\n\n{agent.name}",
    ),
    (
        "Remote session",
        "Hi {requester.first_name},\n\nI'd like to connect to your computer to take a look. "
        "When would suit you today? It takes about 15 minutes.\n\n{agent.name}",
    ),
    (
        "Password reset done",
        "Hi {requester.first_name},\n\nYour password has been reset. You will be asked to "
        "choose a new one when you next sign in.\n\n{agent.name}",
    ),
    (
        "Resolved — please confirm",
        "Hi {requester.first_name},\n\nI believe {ticket.number} is fixed. If anything still "
        "isn't right, just reply and the ticket reopens.\n\n{agent.name}\nIT Service Desk",
    ),
    (
        "Escalated to second line",
        "Hi {requester.first_name},\n\nI've passed {ticket.number} to our specialist team; "
        "they will contact you directly.\n\n{agent.name}",
    ),
    (
        "Known outage",
        "Hi {requester.first_name},\n\nWe're aware of a problem affecting several people at "
        "{organisation.name} and are working on it. I'll update you as soon as it's fixed."
        "\n\n{agent.name}",
    ),
]

_COURSES = [
    (
        "SD-101",
        "Service desk essentials",
        "Logging, prioritising and routing tickets; first-"
        "contact fixes; writing a good ticket note.",
        240,
        0,
    ),
    (
        "ITIL-4R",
        "ITIL 4 Foundation refresher",
        "The service value system, practices and guiding principles, with exam-style questions.",
        420,
        36,
    ),
    (
        "RST-110",
        "Remote support tools",
        "Quick Assist, remote desktop over the VPN, and safe remote sessions with users.",
        120,
        0,
    ),
    (
        "SEC-AW",
        "Security awareness",
        "Phishing, passwords and MFA, lost devices and reporting "
        "incidents. Yearly for every member of staff.",
        90,
        12,
    ),
    (
        "WF-NEW",
        "New ticketing workflow",
        "The new statuses, SLA clocks and the knowledge base in SupportDesk.",
        60,
        0,
    ),
    (
        "COMM-200",
        "Customer communication",
        "Plain-language replies, difficult calls and setting expectations.",
        180,
        0,
    ),
]
_COURSE_WEIGHTS = {"SD-101": 3, "ITIL-4R": 3, "RST-110": 3, "SEC-AW": 4, "WF-NEW": 4, "COMM-200": 3}
_LOCATIONS = ["Room 2.14", "Online — Teams", "Warehouse canteen"]

_ARTICLE_CATEGORIES = [
    "Getting started",
    "Accounts & access",
    "Email & calendar",
    "Network & VPN",
    "Printing",
    "Hardware",
    "Security",
]


# --- Resources ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Template:
    category: str
    subject: str
    description: str
    tags: tuple[str, ...]
    article: str
    alert: bool


@dataclass(frozen=True)
class _ArticleSource:
    slug: str
    title: str
    category: str
    summary: str
    body: str
    status: ArticleStatus


def _demo_dir() -> Path:
    return resources_dir() / "demo"


def _load_templates() -> list[_Template]:
    out: list[_Template] = []
    for path in sorted((_demo_dir() / "tickets").glob("*.txt")):
        category = ""
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("category:"):
                category = line.split(":", 1)[1].strip()
                continue
            parts = [p.strip() for p in line.split("|")] + [""] * 5
            tags = tuple(t.strip() for t in parts[2].split(",") if t.strip())
            out.append(_Template(category, parts[0], parts[1], tags, parts[3], parts[4] == "alert"))
    return out


def _load_articles() -> list[_ArticleSource]:
    out: list[_ArticleSource] = []
    for path in sorted((_demo_dir() / "articles").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        _, header, body = text.split("---\n", 2)
        meta = {
            k.strip(): v.strip().strip('"')
            for k, v in (line.split(":", 1) for line in header.splitlines() if ":" in line)
        }
        # The title is its own field; a repeated first heading would show it twice.
        body = body.lstrip()
        if body.startswith(f"# {meta['title']}\n"):
            body = body.split("\n", 1)[1]
        out.append(
            _ArticleSource(
                slug=path.stem,
                title=meta["title"],
                category=meta["category"],
                summary=meta.get("summary", ""),
                body=body.strip() + "\n",
                status=ArticleStatus(meta.get("status", "published")),
            )
        )
    return out


class _Fill(dict[str, str]):
    """Placeholder values for one ticket: chosen on first use, then the same every time."""

    def __init__(self, rng: random.Random, choices: dict[str, list[str]], **fixed: str) -> None:
        super().__init__(fixed)
        self._rng = rng
        self._choices = choices

    def __missing__(self, key: str) -> str:
        options = self._choices.get(key)
        if not options:
            raise KeyError(f"demo template placeholder {{{key}}} has no values in variations.toml")
        value = self._rng.choice(options)
        self[key] = value
        return value


# --- Calendar -------------------------------------------------------------------------------


def _easter(year: int) -> date:
    """Easter Sunday (Gregorian; anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m_ = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m_ + 114) // 31
    day = (h + l_ - 7 * m_ + 114) % 31 + 1
    return date(year, month, day)


def uk_bank_holidays(year: int) -> list[tuple[date, str]]:
    """England and Wales bank holidays of `year`, with weekend substitute days."""

    def next_weekday(day: date, taken: set[date]) -> date:
        while day.weekday() >= 5 or day in taken:
            day += timedelta(days=1)
        return day

    def first_monday(month: int) -> date:
        day = date(year, month, 1)
        return day + timedelta(days=(7 - day.weekday()) % 7)

    def last_monday(month: int) -> date:
        day = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        return day - timedelta(days=day.weekday())

    easter = _easter(year)
    out = [
        (next_weekday(date(year, 1, 1), set()), "New Year's Day"),
        (easter - timedelta(days=2), "Good Friday"),
        (easter + timedelta(days=1), "Easter Monday"),
        (first_monday(5), "Early May bank holiday"),
        (last_monday(5), "Spring bank holiday"),
        (last_monday(8), "Summer bank holiday"),
    ]
    christmas = next_weekday(date(year, 12, 25), set())
    boxing = next_weekday(date(year, 12, 26), {christmas})
    out += [(christmas, "Christmas Day"), (boxing, "Boxing Day")]
    return out


def _add_months(moment: datetime, months: int) -> datetime:
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    day = min(
        moment.day,
        [31, 29 if year % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1],
    )
    return moment.replace(year=year, month=month, day=day)


# --- The builder ----------------------------------------------------------------------------


@dataclass
class _Staff:
    id: uuid.UUID
    person: _Person
    first: str
    left_at: datetime | None


@dataclass
class _TicketPlan:
    """One generated ticket before it is written: its row plus what hangs off it."""

    row: dict[str, Any]
    events: list[tuple[datetime, TicketEventKind, uuid.UUID | None, str, bool, str, str]]
    tags: tuple[str, ...]
    logged_by: _Staff | None
    # (worked at, who, minutes, note)
    time: list[tuple[datetime, uuid.UUID, int, str]] = field(default_factory=list)
    # (added at, who, file name, bytes)
    files: list[tuple[datetime, uuid.UUID | None, str, bytes]] = field(default_factory=list)


class _DemoBuilder:
    def __init__(self, db: Database, *, tickets: int, seed: int, now: datetime) -> None:
        self.db = db
        self.n_tickets = tickets
        self.rng = random.Random(seed)
        self.now = now
        self.zone = ZoneInfo(_TZ)
        self.password_hash = ""
        self.admin_id: uuid.UUID | None = None
        self.calendar = sla.BusinessCalendar(timezone=_TZ)
        self.policy_ids: dict[Priority, uuid.UUID] = {}
        self.teams: dict[str, uuid.UUID] = {}
        self.staff: dict[str, _Staff] = {}
        self.contacts: list[
            tuple[uuid.UUID, str, str, str, str]
        ] = []  # id, name, email, phone, org
        self.contact_weights: list[float] = []
        self.link_candidates: dict[str, list[tuple[uuid.UUID, datetime]]] = {}
        self.audit_rows: list[dict[str, Any]] = []
        self._progress: ProgressFn | None = None
        self._done = 0.0
        self._step = (0.0, 0.0)
        texts = tomllib.loads((_demo_dir() / "variations.toml").read_text(encoding="utf-8"))
        self.fill_choices: dict[str, list[str]] = texts["fill"]
        self.phrases: dict[str, list[str]] = texts["phrases"]
        self.fixes: dict[str, list[str]] = texts["fixes"]

    # -- orchestration --

    def run(self, progress: ProgressFn | None) -> DemoReport:
        started = time.perf_counter()
        steps: list[tuple[str, Callable[[Session], None], float]] = [
            ("Business calendar and SLA policies", self._calendar_step, 0.02),
            ("People and teams", self._people_step, 0.03),
            ("Organisations and contacts", self._contacts_step, 0.03),
            ("Tickets and their history", self._tickets_step, 0.75),
            ("Knowledge base", self._knowledge_step, 0.05),
            ("Training", self._training_step, 0.04),
            ("Audit log", self._audit_step, 0.08),
        ]
        with self.db.read_session() as session:
            if not demo_repo.database_is_empty(session):
                raise ValidationError(
                    "The demo can only be built on an empty database; this one has people in it."
                )
        # One hash for everybody: argon2 is deliberately slow (~0.1 s a call).
        self.password_hash = hash_password(DEMO_PASSWORD)
        self._progress = progress
        for label, step, share in steps:
            self._step = (self._done, share)
            self._report(label, 0.0)
            with self.db.session(actor_id=self.admin_id) as session:
                step(session)
            self._done += share
        seconds = time.perf_counter() - started
        with self.db.read_session() as session:
            counts = demo_repo.row_counts(
                session,
                [
                    m.Ticket,
                    m.TicketEvent,
                    m.User,
                    m.Contact,
                    m.Organisation,
                    m.Article,
                    m.TrainingSession,
                    m.AuditEvent,
                ],
            )
        if progress is not None:
            progress("Done", 1.0)
        summary = (
            f"{counts['tickets']:,} tickets ({counts['ticket_events']:,} timeline entries), "
            f"{counts['users']} people, {counts['contacts']} contacts in "
            f"{counts['organisations']} organisations, {counts['articles']} articles, "
            f"{counts['training_sessions']} training sessions — built in {seconds:.1f} s"
        )
        return DemoReport(summary, counts["tickets"], seconds, counts)

    def _report(self, label: str, within_step: float) -> None:
        """Tell the caller how far we are; `within_step` is the share of the current step."""
        if self._progress is not None:
            start, share = self._step
            self._progress(label, start + share * within_step)

    def _insert(
        self, session: Session, model: type[m.Base], rows: Iterable[dict[str, Any]]
    ) -> None:
        demo_repo.bulk_insert(session, model, rows, clock=self.db.clock, actor_id=self.admin_id)

    def _local(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, clock_time(hour, minute), self.zone).astimezone(UTC)

    def _days_ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    # -- step 1: calendar and SLA --

    def _calendar_step(self, session: Session) -> None:
        today = self.now.astimezone(self.zone).date()
        first, last = today - timedelta(days=400), today + timedelta(days=190)
        holidays = sorted(
            (day, name)
            for year in range(first.year, last.year + 1)
            for day, name in uk_bank_holidays(year)
            if first <= day <= last
        )
        self.calendar = sla.BusinessCalendar(
            timezone=_TZ, holidays=frozenset(day for day, _ in holidays)
        )
        created = self._days_ago(420)
        calendar_id = new_id()
        self._insert(
            session,
            m.BusinessCalendar,
            [
                {
                    "id": calendar_id,
                    "name": "Head office",
                    "timezone": _TZ,
                    "workdays": "0,1,2,3,4",
                    "day_start_minute": 8 * 60,
                    "day_end_minute": 18 * 60,
                    "created_at": created,
                }
            ],
        )
        self._insert(
            session,
            m.Holiday,
            [
                {
                    "calendar_id": calendar_id,
                    "day": day.isoformat(),
                    "name": name,
                    "created_at": created,
                }
                for day, name in holidays
            ],
        )
        rows = []
        for priority, targets in sla.DEFAULT_TARGETS.items():
            policy_id = new_id()
            self.policy_ids[priority] = policy_id
            rows.append(
                {
                    "id": policy_id,
                    "name": f"{priority.label} priority",
                    "priority": priority,
                    "organisation_id": None,
                    "calendar_id": calendar_id,
                    "first_response_minutes": targets.first_response_minutes,
                    "resolution_minutes": targets.resolution_minutes,
                    "created_at": created,
                }
            )
        self._insert(session, m.SlaPolicy, rows)

    # -- step 2: people --

    def _people_step(self, session: Session) -> None:
        created = self._days_ago(400)
        for key, (name, description) in _TEAMS.items():
            team = m.Team(name=name, description=description, created_at=created)
            session.add(team)
            session.flush()
            self.teams[key] = team.id
        admin = m.User(
            username=DEMO_ADMIN,
            full_name="Ada Admin",
            email=f"ada.admin@{_STAFF_DOMAIN}",
            password_hash=self.password_hash,
            created_at=created,
            team_id=self.teams["sd"],
        )
        session.add(admin)
        session.flush()
        self.admin_id = admin.id
        session.info["actor_id"] = admin.id
        people_repo.set_roles(session, admin.id, frozenset({Role.ADMIN, Role.SUPERVISOR}))
        self._audit(
            created,
            "auth.first_admin",
            None,
            "user",
            admin.id,
            "First administrator admin",
            AuditKind.SECURITY,
            actor_name="Ada Admin",
            actor_id=admin.id,
        )
        for i, person in enumerate(_PEOPLE):
            joined = created + timedelta(days=1 + i // 4, hours=i)
            left = self._days_ago(person.leaves_days_ago) if person.leaves_days_ago else None
            user = m.User(
                username=person.username,
                full_name=person.full_name,
                email=f"{person.username}@{_STAFF_DOMAIN}",
                password_hash=self.password_hash,
                is_active=left is None,
                created_at=joined,
                team_id=self.teams[person.team] if person.team else None,
            )
            session.add(user)
            session.flush()
            roles = person.roles
            if person.username == "priya.shah":
                roles = frozenset({Role.TECHNICIAN})  # the trainer role comes later (see below)
            people_repo.set_roles(session, user.id, person.roles)
            self.staff[person.username] = _Staff(user.id, person, person.full_name.split()[0], left)
            self._audit(
                joined,
                "person.create",
                self.staff_admin,
                "user",
                user.id,
                f"Created {person.username} with roles {', '.join(sorted(roles))}",
                AuditKind.SECURITY,
            )
            if left is not None:
                self._audit(
                    left,
                    "person.disable",
                    self.staff_admin,
                    "user",
                    user.id,
                    person.username,
                    AuditKind.SECURITY,
                )
        priya = self.staff["priya.shah"]
        self._audit(
            self._days_ago(190),
            "person.roles",
            self.staff_admin,
            "user",
            priya.id,
            "priya.shah: technician → technician, trainer",
            AuditKind.SECURITY,
        )

    @property
    def staff_admin(self) -> _Staff:
        assert self.admin_id is not None
        return _Staff(
            self.admin_id,
            _Person(DEMO_ADMIN, "Ada Admin", "sd", frozenset({Role.ADMIN})),
            "Ada",
            None,
        )

    # -- step 3: organisations and contacts --

    def _contacts_step(self, session: Session) -> None:
        rng = self.rng
        created = self._days_ago(395)
        names = [(f, last) for f in _FIRST_NAMES for last in _LAST_NAMES]
        rng.shuffle(names)
        staff_names = {p.full_name for p in _PEOPLE}
        names = [n for n in names if f"{n[0]} {n[1]}" not in staff_names]
        org_rows, contact_rows = [], []
        used_phone: set[str] = set()
        for org_name, domain, size, notes in _ORGANISATIONS:
            org_id = new_id()
            org_rows.append(
                {
                    "id": org_id,
                    "name": org_name,
                    "domain": domain,
                    "notes": notes,
                    "created_at": created,
                }
            )
            for _ in range(size):
                first, last = names.pop()
                email = f"{first}.{last}".lower().replace("'", "") + f"@{domain}"
                while True:
                    phone = (
                        f"020 7946 0{rng.randint(0, 999):03d}"
                        if rng.random() < 0.6
                        else f"07700 900{rng.randint(0, 999):03d}"
                    )
                    if phone not in used_phone:
                        used_phone.add(phone)
                        break
                contact_id = new_id()
                full = f"{first} {last}"
                contact_rows.append(
                    {
                        "id": contact_id,
                        "full_name": full,
                        "email": email,
                        "phone": phone,
                        "organisation_id": org_id,
                        "created_at": created + timedelta(days=rng.uniform(0, 300)),
                    }
                )
                self.contacts.append((contact_id, full, email, phone, org_name))
                # A few people raise most tickets: a heavy-tailed weight per requester.
                self.contact_weights.append(rng.paretovariate(1.6))
        self._insert(session, m.Organisation, org_rows)
        self._insert(session, m.Contact, contact_rows)

    # -- step 4: tickets --

    def _opened_times(self) -> list[datetime]:
        rng = self.rng
        today = self.now.astimezone(self.zone).date()
        days = [today - timedelta(days=d) for d in range(365, -1, -1)]
        weights = []
        for i, day in enumerate(days):
            w = _WEEKDAY_LOAD[day.weekday()] * _MONTH_LOAD[day.month]
            if day in self.calendar.holidays:
                w = 0.08
            w *= 0.9 + 0.2 * i / len(days)  # the company grows a little over the year
            weights.append(w)
        out = []
        picks = rng.choices(days, weights, k=self.n_tickets)
        for day in picks:
            working = day.weekday() < 5 and day not in self.calendar.holidays
            for _attempt in range(20):
                hour = rng.choices(range(24), _HOUR_LOAD if working else _WEEKEND_HOUR_LOAD)[0]
                local = datetime.combine(day, clock_time(hour), self.zone) + timedelta(
                    seconds=rng.uniform(0, 3600)
                )
                moment = local.astimezone(UTC)
                if moment < self.now - timedelta(minutes=2):
                    break
            else:
                moment = self.now - timedelta(minutes=rng.uniform(3, 60))
            out.append(moment)
        out.sort()
        return out

    def _in_hours(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        return (
            local.weekday() < 5
            and local.date() not in self.calendar.holidays
            and 8 <= local.hour < 18
        )

    def _pick_tech(self, team: str, at: datetime) -> _Staff:
        pool = [
            s
            for s in self.staff.values()
            if s.person.team == team
            and Role.TECHNICIAN in s.person.roles
            and (s.left_at is None or at < s.left_at - timedelta(days=14))
        ]
        return self.rng.choices(pool, [s.person.weight for s in pool])[0]

    def _supervisor_for(self, team: str) -> _Staff:
        return self.staff["martin.kowalski" if team == "infra" else "grace.okafor"]

    def _tickets_step(self, session: Session) -> None:
        rng = self.rng
        templates = _load_templates()
        by_category: dict[str, list[_Template]] = {}
        alerts: list[_Template] = []
        for t in templates:
            (alerts if t.alert else by_category.setdefault(t.category, [])).append(t)
        categories = list(_CATEGORY_WEIGHTS)
        category_weights = [_CATEGORY_WEIGHTS[c] for c in categories]
        org_contacts: dict[str, list[int]] = {}
        for i, c in enumerate(self.contacts):
            org_contacts.setdefault(c[4], []).append(i)

        opened_times = self._opened_times()
        prefix, first_counter = reserve_ticket_numbers(session, len(opened_times))
        plans: list[_TicketPlan] = []
        # Earlier templates of a file are the everyday ones: weight them up.
        template_weights = {
            c: [1 / (1 + 0.08 * i) for i in range(len(pool))] for c, pool in by_category.items()
        }
        for index, opened in enumerate(opened_times):
            if index and index % 2500 == 0:
                self._report(
                    f"Planning tickets ({index:,} of {len(opened_times):,})",
                    0.25 * index / len(opened_times),
                )
            in_hours = self._in_hours(opened)
            channels = _CHANNELS_IN_HOURS if in_hours else _CHANNELS_OUT_OF_HOURS
            channel = rng.choices(list(channels), list(channels.values()))[0]
            if channel is Channel.MONITORING:
                template = rng.choice(alerts)
            else:
                category = rng.choices(categories, category_weights)[0]
                template = rng.choices(by_category[category], template_weights[category])[0]
            plans.append(
                self._plan_ticket(
                    opened,
                    channel,
                    template,
                    org_contacts,
                    ticket_number(prefix, first_counter + index),
                )
            )

        self._report("Writing tickets", 0.25)
        tag_ids: dict[str, uuid.UUID] = {}
        for plan in plans:
            for tag in plan.tags:
                tag_ids.setdefault(tag, new_id())
        self._insert(
            session,
            m.Tag,
            [
                {"id": tag_id, "name": name, "created_at": self._days_ago(380)}
                for name, tag_id in sorted(tag_ids.items())
            ],
        )
        self._insert(session, m.Ticket, [p.row for p in plans])
        self._report("Writing ticket timelines", 0.5)
        self._insert(
            session,
            m.TicketEvent,
            (
                {
                    "ticket_id": p.row["id"],
                    "kind": kind,
                    "author_id": author,
                    "body": body,
                    "is_public": public,
                    "old_value": old,
                    "new_value": new,
                    "created_at": at,
                    "updated_by": author,
                }
                for p in plans
                for at, kind, author, body, public, old, new in p.events
            ),
        )
        self._insert(
            session,
            m.TicketTag,
            (
                {"ticket_id": p.row["id"], "tag_id": tag_ids[tag], "created_at": p.row["opened_at"]}
                for p in plans
                for tag in p.tags
            ),
        )
        ratings = []
        for p in plans:
            for at, kind, _author, body, _public, _old, new in p.events:
                if kind is TicketEventKind.RATING:
                    comment = body.split(" — ", 1)[1] if " — " in body else ""
                    ratings.append(
                        {
                            "ticket_id": p.row["id"],
                            "score": int(new),
                            "comment": comment,
                            "rated_at": at,
                            "created_at": at,
                        }
                    )
        self._insert(session, m.SatisfactionRating, ratings)
        self._insert(
            session,
            m.TimeEntry,
            (
                {
                    "ticket_id": p.row["id"],
                    "user_id": who,
                    "minutes": minutes,
                    "note": note,
                    "worked_on": at.astimezone(self.zone).date().isoformat(),
                    "created_at": at,
                    "updated_by": who,
                }
                for p in plans
                for at, who, minutes, note in p.time
            ),
        )
        self._attachments_step(session, plans)
        self._links_step(session, plans)
        self._insert(
            session,
            m.CannedResponse,
            (
                {"title": title, "body": body, "created_at": self._days_ago(300)}
                for title, body in _CANNED
            ),
        )
        # Staff-logged tickets of the last four months appear in the audit log.
        since = self._days_ago(120)
        for p in plans:
            if p.logged_by is not None and p.row["opened_at"] >= since:
                self._audit(
                    p.row["opened_at"],
                    "ticket.create",
                    p.logged_by,
                    "ticket",
                    p.row["id"],
                    f"{p.row['number']}: {p.row['subject']}",
                )

    def _attachments_step(self, session: Session, plans: list[_TicketPlan]) -> None:
        blobs: dict[str, bytes] = {}
        rows = []
        for p in plans:
            for at, who, name, data in p.files:
                digest = hashlib.sha256(data).hexdigest()
                blobs[digest] = data
                rows.append(
                    {
                        "ticket_id": p.row["id"],
                        "filename": name,
                        "media_type": "text/plain",
                        "size_bytes": len(data),
                        "sha256": digest,
                        "created_at": at,
                        "updated_by": who,
                    }
                )
        self._insert(
            session,
            m.AttachmentBlob,
            (
                {"sha256": d, "size_bytes": len(b), "data": b, "created_at": self.now}
                for d, b in blobs.items()
            ),
        )
        self._insert(session, m.Attachment, rows)

    def _links_step(self, session: Session, plans: list[_TicketPlan]) -> None:
        """Outages bring several tickets about one fault: link those of the same week."""
        by_day: dict[tuple[str, tuple[int, int]], list[_TicketPlan]] = {}
        for p in plans:
            if {"outage", "incident", "network", "email"} & set(p.tags):
                year, week, _ = p.row["opened_at"].isocalendar()
                key = (p.row["category"], (year, week))
                by_day.setdefault(key, []).append(p)
        rows, events = [], []
        for group in by_day.values():
            for a, b in itertools.pairwise(group[:4]):
                at = max(a.row["opened_at"], b.row["opened_at"]) + timedelta(minutes=20)
                if at > self.now:
                    continue
                rows.append(
                    {
                        "ticket_id": a.row["id"],
                        "other_ticket_id": b.row["id"],
                        "kind": "related",
                        "created_at": at,
                    }
                )
                for this, other in ((a, b), (b, a)):
                    events.append(
                        {
                            "ticket_id": this.row["id"],
                            "kind": TicketEventKind.LINKED,
                            "body": f"Related to {other.row['number']}",
                            "new_value": other.row["number"],
                            "created_at": at,
                        }
                    )
        self._insert(session, m.TicketLink, rows)
        self._insert(session, m.TicketEvent, events)

    def _plan_ticket(
        self,
        opened: datetime,
        channel: Channel,
        template: _Template,
        org_contacts: dict[str, list[int]],
        number: str,
    ) -> _TicketPlan:
        rng, cal, now = self.rng, self.calendar, self.now
        category = template.category
        tags = set(template.tags)

        # Requester: nobody for an alert; a matching department for some templates.
        requester: tuple[uuid.UUID, str, str, str, str] | None = None
        if channel is not Channel.MONITORING:
            orgs = next((_TAG_ORGS[t] for t in template.tags if t in _TAG_ORGS), None)
            if orgs and rng.random() < 0.85:
                candidates = [i for o in orgs for i in org_contacts[o]]
                weights = [self.contact_weights[i] for i in candidates]
            else:
                candidates, weights = list(range(len(self.contacts))), self.contact_weights
            pick = rng.choices(candidates, weights)[0]
            requester = self.contacts[pick]
            if requester[4] == "Executive Office":
                tags.add("vip")
        first_name = requester[1].split()[0] if requester else "team"
        fill = _Fill(rng, self.fill_choices, first=first_name)
        subject = template.subject.format_map(fill)
        description = template.description.format_map(fill)

        # Priority: requests are rarely urgent; incidents, outages and alerts often are.
        if template.alert:
            weights = [5, 30, 45, 20]
        elif tags & {"incident", "outage", "ransomware", "fraud"}:
            weights = [0, 25, 45, 30]
        elif "request" in tags:
            weights = [45, 50, 5, 0]
        else:
            weights = [19, 58, 19, 4]
        priority = rng.choices(
            [Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT], weights
        )[0]
        if "vip" in tags and priority is Priority.LOW:
            priority = Priority.NORMAL

        # Queue and people.
        if channel is Channel.MONITORING:
            team = "infra"
        elif channel is Channel.FIELD_VISIT:
            team = "field"
        else:
            routes = _ROUTING[category]
            team = rng.choices(list(routes), list(routes.values()))[0]
        escalated_to = None
        if team == "sd" and category in _ESCALATE_TO and rng.random() < 0.18:
            escalated_to = _ESCALATE_TO[category]
        first_tech = self._pick_tech(team, opened)
        final_team = escalated_to or team
        # Second line; now and then the specialists hand it on to a vendor (third line).
        tier = (3 if rng.random() < 0.12 else 2) if escalated_to else 1
        final_tech = self._pick_tech(final_team, opened) if escalated_to else first_tech
        logged_by: _Staff | None = None
        if channel in (Channel.PHONE, Channel.WALK_IN):
            logged_by = first_tech if team == "sd" else self._pick_tech("sd", opened)
        elif channel is Channel.FIELD_VISIT:
            logged_by = first_tech

        # SLA targets and the plan of the ticket's life (in business minutes).
        targets = sla.DEFAULT_TARGETS[priority]
        fr_due = sla.add_business_minutes(opened, targets.first_response_minutes, cal)
        res_due = sla.add_business_minutes(opened, targets.resolution_minutes, cal)
        fr_late = rng.random() < _FR_LATE[priority]
        if fr_late:
            fr_min = int(targets.first_response_minutes * rng.uniform(1.05, 2.4)) + 1
        elif logged_by is not None and self._in_hours(opened):
            fr_min = rng.randint(1, 10)  # somebody is talking to the requester already
        else:
            fr_min = max(1, int(targets.first_response_minutes * rng.betavariate(1.5, 3.5)))
        res_late = rng.random() < (0.42 if fr_late else 0.045)
        if res_late:
            share = rng.uniform(3.0, 7.0) if rng.random() < 0.15 else rng.uniform(1.05, 2.6)
        else:
            band = rng.random()
            share = (
                rng.uniform(0.01, 0.12)
                if band < 0.35
                else rng.uniform(0.12, 0.5)
                if band < 0.75
                else rng.uniform(0.5, 0.98)
            )
        res_min = max(fr_min + rng.randint(5, 90), int(targets.resolution_minutes * share))
        fr_at = sla.add_business_minutes(opened, fr_min, cal)
        res_at = sla.add_business_minutes(opened, res_min, cal)

        age_days = (now - opened).total_seconds() / 86400
        # Still open: planned to finish later, or (a realistic backlog) waiting on something:
        # many still inside their target, a few stuck past it.
        active = (
            res_at > now
            or (res_due > now and rng.random() < 0.85)
            or (age_days < 45 and rng.random() < 0.15 * math.exp(-age_days / 14))
        )
        responded = fr_at <= now
        if not responded:
            status = TicketStatus.NEW
            # Nobody has looked at it yet, so nobody has escalated it either.
            escalated_to, final_team, final_tech, tier = None, team, first_tech, 1
        elif active:
            status = rng.choices(
                [TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.ON_HOLD],
                [50, 32, 18] if age_days < 10 else [30, 30, 40],
            )[0]
            if status is TicketStatus.PENDING and requester is None:
                status = TicketStatus.ON_HOLD  # an alert has nobody to wait on
        else:
            status = TicketStatus.RESOLVED
        closed_at: datetime | None = None
        if status is TicketStatus.RESOLVED:
            r = rng.random()
            if r < 0.35:
                closed_at = res_at + timedelta(hours=rng.uniform(1, 72))
            elif r < 0.93:
                closed_at = res_at + timedelta(days=7)
            if closed_at is not None and closed_at <= now:
                status = TicketStatus.CLOSED
            else:
                closed_at = None

        assignee: _Staff | None = final_tech
        if status is TicketStatus.NEW and rng.random() < 0.55:
            assignee = None  # still in the team's queue
        resolved = status in (TicketStatus.RESOLVED, TicketStatus.CLOSED)
        fr_breached = (fr_at > fr_due) if responded else now > fr_due
        res_breached = (res_at > res_due) if resolved else now > res_due

        # The timeline.
        ticket_id = new_id()
        paused_at: datetime | None = None
        paused_minutes = 0
        files: list[tuple[datetime, uuid.UUID | None, str, bytes]] = []
        events: list[tuple[datetime, TicketEventKind, uuid.UUID | None, str, bool, str, str]] = []

        def add(
            at: datetime,
            kind: TicketEventKind,
            who: _Staff | None,
            body: str = "",
            public: bool = False,
            old: str = "",
            new: str = "",
        ) -> None:
            events.append((at, kind, who.id if who else None, body, public, old, new))

        created_note = {
            Channel.EMAIL: f"Received by e-mail from {requester[2] if requester else ''}",
            Channel.PORTAL: "Raised in the self-service portal",
            Channel.PHONE: "Logged from a phone call",
            Channel.WALK_IN: "Logged at the service desk (walk-in)",
            Channel.FIELD_VISIT: "Raised on site during a field visit",
            Channel.MONITORING: "Raised automatically by monitoring",
        }[channel]
        add(opened, TicketEventKind.CREATED, logged_by, created_note, new=TicketStatus.NEW.value)
        end = fr_at if responded else now
        if assignee is not None:
            at = opened + (end - opened) * rng.uniform(0.1, 0.6)
            by = first_tech if rng.random() < 0.6 else self._supervisor_for(team)
            add(at, TicketEventKind.ASSIGNMENT, by, new=first_tech.person.full_name)
        if responded:
            add(
                fr_at,
                TicketEventKind.REPLY,
                first_tech,
                rng.choice(self.phrases["first_reply"]).format(first=first_name),
                True,
            )
            add(
                fr_at + timedelta(seconds=1),
                TicketEventKind.STATUS,
                first_tech,
                old=TicketStatus.NEW.value,
                new=TicketStatus.OPEN.value,
            )
            stop = res_at if resolved else now
            span = stop - fr_at
            current = first_tech
            if escalated_to is not None:
                at = fr_at + span * rng.uniform(0.08, 0.18)
                reason = rng.choice(self.phrases["escalation"])
                add(at, TicketEventKind.ESCALATION, first_tech, reason, old="1", new=str(tier))
                add(
                    at + timedelta(seconds=20),
                    TicketEventKind.TEAM,
                    first_tech,
                    old=_TEAMS[team][0],
                    new=_TEAMS[final_team][0],
                )
                add(
                    at + timedelta(seconds=30),
                    TicketEventKind.ASSIGNMENT,
                    first_tech,
                    f"Escalated to {_TEAMS[final_team][0]}",
                    old=first_tech.person.full_name,
                    new=final_tech.person.full_name,
                )
                current = final_tech
            for _ in range(rng.choice([0, 0, 1, 1, 1, 2])):
                add(
                    fr_at + span * rng.uniform(0.2, 0.95),
                    TicketEventKind.NOTE,
                    current,
                    rng.choice(self.phrases["note"]),
                )
            requester_waits = rng.random() < 0.3
            if status is TicketStatus.PENDING:
                at = fr_at + span * rng.uniform(0.3, 0.9)
                add(
                    at,
                    TicketEventKind.REPLY,
                    current,
                    rng.choice(self.phrases["pending_ask"]).format(first=first_name),
                    True,
                )
                add(
                    at + timedelta(seconds=1),
                    TicketEventKind.STATUS,
                    current,
                    old=TicketStatus.OPEN.value,
                    new=TicketStatus.PENDING.value,
                )
                add(
                    at + timedelta(seconds=1, microseconds=1),
                    TicketEventKind.SLA_PAUSED,
                    current,
                    "Waiting on the requester",
                )
                paused_at = at + timedelta(seconds=1)
            elif status is TicketStatus.ON_HOLD:
                at = fr_at + span * rng.uniform(0.3, 0.9)
                add(at, TicketEventKind.NOTE, current, rng.choice(self.phrases["on_hold"]))
                add(
                    at + timedelta(seconds=1),
                    TicketEventKind.STATUS,
                    current,
                    old=TicketStatus.OPEN.value,
                    new=TicketStatus.ON_HOLD.value,
                )
            elif requester_waits and requester is not None:
                ask = fr_at + span * rng.uniform(0.25, 0.45)
                back = fr_at + span * rng.uniform(0.5, 0.75)
                k = rng.randrange(len(self.phrases["pending_ask"]))
                add(
                    ask,
                    TicketEventKind.REPLY,
                    current,
                    self.phrases["pending_ask"][k].format(first=first_name),
                    True,
                )
                add(
                    ask + timedelta(seconds=1),
                    TicketEventKind.STATUS,
                    current,
                    old=TicketStatus.OPEN.value,
                    new=TicketStatus.PENDING.value,
                )
                add(
                    back,
                    TicketEventKind.REPLY,
                    None,
                    self.phrases["requester_reply"][k % len(self.phrases["requester_reply"])],
                    True,
                )
                add(
                    ask + timedelta(seconds=1, microseconds=1),
                    TicketEventKind.SLA_PAUSED,
                    current,
                    "Waiting on the requester",
                )
                add(
                    back + timedelta(seconds=1),
                    TicketEventKind.STATUS,
                    None,
                    old=TicketStatus.PENDING.value,
                    new=TicketStatus.OPEN.value,
                )
                # The clock stood still while the requester had the ball: due times move on.
                paused_minutes = round(sla.business_minutes_between(ask, back, cal))
                if paused_minutes > 0:
                    res_due = sla.add_business_minutes(res_due, paused_minutes, cal)
                    res_breached = (res_at > res_due) if resolved else now > res_due
                add(
                    back + timedelta(seconds=1, microseconds=1),
                    TicketEventKind.SLA_RESUMED,
                    None,
                    f"Requester replied; due times moved on {paused_minutes} business minutes",
                )
                if requester is not None and rng.random() < 0.35:
                    files.append((back, None, "screenshot-notes.txt", self._file(rng, ticket_id)))
            if resolved:
                fix = rng.choice(self.fixes[category])
                add(
                    res_at - timedelta(seconds=1),
                    TicketEventKind.REPLY,
                    current,
                    rng.choice(self.phrases["resolution"]).format(first=first_name, fix=fix),
                    True,
                )
                add(
                    res_at,
                    TicketEventKind.STATUS,
                    current,
                    old=TicketStatus.OPEN.value,
                    new=TicketStatus.RESOLVED.value,
                )
        if fr_breached and fr_due <= now:
            add(
                fr_due,
                TicketEventKind.SLA_BREACH,
                None,
                "First response target missed",
                new="first_response",
            )
        if res_breached and res_due <= now:
            add(
                res_due,
                TicketEventKind.SLA_BREACH,
                None,
                "Resolution target missed",
                new="resolution",
            )
        if closed_at is not None:
            auto = closed_at - res_at >= timedelta(days=7)
            add(
                closed_at,
                TicketEventKind.STATUS,
                None if auto else assignee,
                "Closed automatically 7 days after resolution"
                if auto
                else "Requester confirmed the fix",
                old=TicketStatus.RESOLVED.value,
                new=TicketStatus.CLOSED.value,
            )
        if resolved and requester is not None and rng.random() < 0.4:
            rated_at = res_at + timedelta(hours=rng.uniform(0.5, 72))
            if rated_at <= now:
                breached = fr_breached or res_breached
                score = rng.choices(
                    [5, 4, 3, 2, 1], [20, 30, 25, 15, 10] if breached else [56, 30, 9, 3, 2]
                )[0]
                comments = self.phrases["rating_good" if score >= 4 else "rating_bad"]
                comment = rng.choice(comments) if rng.random() < 0.6 else ""
                add(
                    rated_at,
                    TicketEventKind.RATING,
                    None,
                    f"Rated {score}/5" + (f" — {comment}" if comment else ""),
                    new=str(score),
                )
        if resolved and template.article and rng.random() < 0.35:
            self.link_candidates.setdefault(template.article, []).append((ticket_id, res_at))
        time_log: list[tuple[datetime, uuid.UUID, int, str]] = []
        if responded:
            worker = final_tech if escalated_to else first_tech
            for _ in range(rng.choice([1, 1, 2, 3] if resolved else [0, 1, 1, 2])):
                at = min(now, fr_at + (((res_at if resolved else now) - fr_at) * rng.random()))
                minutes = rng.choice([5, 10, 15, 15, 20, 30, 30, 45, 60, 90])
                time_log.append((at, worker.id, minutes, rng.choice(self.phrases["note"])))
        if channel is Channel.MONITORING and rng.random() < 0.5:
            at = opened + timedelta(seconds=2)
            files.append((at, None, "alert-details.log", self._file(rng, ticket_id)))
        for at, who_id, name, _data in files:
            events.append((at, TicketEventKind.ATTACHMENT, who_id, name, False, "", name))
        events.sort(key=lambda e: e[0])

        if channel in (Channel.EMAIL, Channel.PORTAL) and requester is not None:
            description = f"Hi,\n\n{description}\n\nThanks,\n{first_name}"
        elif channel is Channel.PHONE and requester is not None:
            description = f"Caller: {description}\n\nCall-back number: {requester[3]}"
        elif channel is Channel.WALK_IN:
            description = f"At the desk: {description}"
        first_response_minutes = (
            round(sla.business_minutes_between(opened, fr_at, cal)) if responded else None
        )
        resolution_minutes = (
            round(sla.business_minutes_between(opened, res_at, cal)) if resolved else None
        )
        row = {
            "id": ticket_id,
            "number": number,
            "subject": subject[:300],
            "description": description,
            "status": status,
            "priority": priority,
            "channel": channel,
            "category": category,
            "requester_id": requester[0] if requester else None,
            "team_id": self.teams[final_team],
            "assignee_id": assignee.id if assignee else None,
            "sla_policy_id": self.policy_ids[priority],
            "opened_at": opened,
            "first_response_due_at": fr_due,
            "resolution_due_at": res_due,
            "first_responded_at": fr_at if responded else None,
            "resolved_at": res_at if resolved else None,
            "closed_at": closed_at,
            "first_response_minutes": first_response_minutes,
            "resolution_minutes": resolution_minutes,
            "sla_breached": fr_breached or res_breached,
            "tier": tier,
            "sla_paused_at": paused_at,
            "sla_paused_minutes": paused_minutes,
            "created_at": opened,
            "updated_at": events[-1][0],
            "updated_by": (logged_by or assignee or first_tech).id,
        }
        return _TicketPlan(row, events, tuple(sorted(tags)), logged_by, time_log, files)

    def _file(self, rng: random.Random, ticket_id: uuid.UUID) -> bytes:
        """A small, plausible text attachment (a log excerpt) unique to the ticket."""
        lines = [f"# Collected for ticket {ticket_id.hex[:8]}"]
        for i in range(rng.randint(6, 30)):
            level = rng.choice(["INFO", "INFO", "WARN", "ERROR"])
            lines.append(f"{i:04d} {level} service responded in {rng.randint(3, 4000)} ms")
        return ("\n".join(lines) + "\n").encode()

    # -- step 5: knowledge base --

    def _knowledge_step(self, session: Session) -> None:
        rng = self.rng
        sources = _load_articles()
        category_ids: dict[str, uuid.UUID] = {}
        rows = []
        for position, name in enumerate(_ARTICLE_CATEGORIES):
            category_ids[name] = new_id()
            rows.append(
                {
                    "id": category_ids[name],
                    "name": name,
                    "parent_id": None,
                    "position": position,
                    "created_at": self._days_ago(380),
                }
            )
        self._insert(session, m.ArticleCategory, rows)
        writers = [s for s in self.staff.values() if s.left_at is None]
        readers = list(self.staff.values())
        articles, revisions, feedback, links = [], [], [], []
        for source in sources:
            article_id = new_id()
            n = rng.randint(1, 4)
            author = rng.choice(writers)
            at = self._days_ago(rng.uniform(90, 340))
            first_at = at
            for k in range(1, n + 1):
                revisions.append(
                    {
                        "article_id": article_id,
                        "revision": k,
                        "title": source.title,
                        "body": _older_body(source.body, k, n),
                        "author_id": author.id if k == 1 else rng.choice(writers).id,
                        "created_at": at,
                    }
                )
                last_at = at
                at = min(at + timedelta(days=rng.uniform(7, 60)), self._days_ago(1))
            popular = (
                3.0
                if source.slug
                in ("vpn-wont-connect", "reset-password-mfa", "outlook-password-prompt")
                else 1.0
            )
            published = source.status is ArticleStatus.PUBLISHED
            articles.append(
                {
                    "id": article_id,
                    "title": source.title,
                    "body": source.body,
                    "summary": source.summary,
                    "category_id": category_ids[source.category],
                    "status": source.status,
                    "author_id": author.id,
                    "revision": n,
                    "view_count": int(rng.randint(40, 400) * popular) if published else 0,
                    "created_at": first_at,
                    "updated_at": last_at,
                }
            )
            if published:
                for _ in range(rng.randint(3, 18)):
                    helpful = rng.random() < 0.85
                    comment = ""
                    if rng.random() < 0.3:
                        comment = rng.choice(
                            ["Fixed it first time, thanks.", "Clear steps.", "Saved me a call."]
                            if helpful
                            else [
                                "Step 3 doesn't match what I see.",
                                "Didn't help in my case.",
                                "Screenshots would help.",
                            ]
                        )
                    when = first_at + (self.now - first_at) * rng.random()
                    feedback.append(
                        {
                            "article_id": article_id,
                            "helpful": helpful,
                            "comment": comment,
                            "user_id": rng.choice(readers).id,
                            "created_at": when,
                        }
                    )
                for ticket_id, when in self.link_candidates.get(source.slug, [])[-40:]:
                    links.append(
                        {"article_id": article_id, "ticket_id": ticket_id, "created_at": when}
                    )
            self._audit(
                last_at,
                "article.publish" if published else "article.save",
                author,
                "article",
                article_id,
                f"{source.title} (revision {n})",
            )
        self._insert(session, m.Article, articles)
        self._insert(session, m.ArticleRevision, revisions)
        self._insert(session, m.ArticleFeedback, feedback)
        self._insert(session, m.ArticleTicketLink, links)

    # -- step 6: training --

    def _training_step(self, session: Session) -> None:
        rng = self.rng
        course_ids: dict[str, uuid.UUID] = {}
        course_months: dict[str, int] = {}
        created = self._days_ago(260)
        rows = []
        for code, title, description, minutes, months in _COURSES:
            course_ids[code] = new_id()
            course_months[code] = months
            rows.append(
                {
                    "id": course_ids[code],
                    "code": code,
                    "title": title,
                    "description": description,
                    "duration_minutes": minutes,
                    "certification_months": months,
                    "created_at": created,
                }
            )
        self._insert(session, m.Course, rows)
        durations = {c[0]: c[3] for c in _COURSES}
        codes = list(_COURSE_WEIGHTS)
        order = [c for c in codes for _ in range(_COURSE_WEIGHTS[c])]
        rng.shuffle(order)
        sessions, enrolments, marks, certs = [], [], [], []
        today = self.now.astimezone(self.zone).date()
        start = today - timedelta(days=180)
        step = 240 / len(order)
        for i, code in enumerate(order):
            day = start + timedelta(days=round(i * step + rng.uniform(0, step / 2)))
            while day.weekday() >= 5 or day in self.calendar.holidays:
                day += timedelta(days=1)
            morning = durations[code] > 180 or rng.random() < 0.6
            starts = self._local(day, 9, 30) if morning else self._local(day, 14)
            ends = starts + timedelta(minutes=durations[code])
            trainer = self.staff["priya.shah" if code in ("RST-110", "WF-NEW") else "helen.carter"]
            location = (
                "Online — Teams"
                if code == "WF-NEW" or rng.random() < 0.3
                else "Warehouse canteen"
                if code == "SEC-AW" and rng.random() < 0.5
                else "Room 2.14"
            )
            capacity = rng.choice([8, 10, 12, 14, 16])
            session_id = new_id()
            sessions.append(
                {
                    "id": session_id,
                    "course_id": course_ids[code],
                    "trainer_id": trainer.id,
                    "starts_at": starts,
                    "ends_at": ends,
                    "location": location,
                    "capacity": capacity,
                    "created_at": starts - timedelta(days=rng.uniform(20, 45)),
                    "updated_by": trainer.id,
                }
            )
            candidates = [
                s
                for s in self.staff.values()
                if s is not trainer and (s.left_at is None or starts < s.left_at)
            ]
            rng.shuffle(candidates)
            wanted = min(len(candidates), rng.randint(5, capacity + 2))
            past = ends < self.now
            for j, person in enumerate(candidates[:wanted]):
                enrolled_at = starts - timedelta(days=rng.uniform(3, 20))
                if j >= capacity:
                    status = EnrolmentStatus.WAITLISTED
                elif not past and rng.random() < 0.08:
                    status = EnrolmentStatus.CANCELLED
                else:
                    status = EnrolmentStatus.ENROLLED
                enrolment_id = new_id()
                mark = None
                if past and status is EnrolmentStatus.ENROLLED:
                    mark = rng.choices(list(AttendanceStatus), [86, 7, 7])[0]
                    if mark is AttendanceStatus.PRESENT:
                        status = EnrolmentStatus.COMPLETED
                    marked = ends + timedelta(minutes=rng.uniform(5, 90))
                    if mark is AttendanceStatus.PRESENT and rng.random() < 0.05:
                        # Marked absent by mistake and corrected the next day: the latest counts.
                        marks.append(
                            {
                                "enrolment_id": enrolment_id,
                                "status": AttendanceStatus.ABSENT,
                                "marked_by": trainer.id,
                                "created_at": marked,
                                "updated_by": trainer.id,
                            }
                        )
                        marked += timedelta(days=1)
                    marks.append(
                        {
                            "enrolment_id": enrolment_id,
                            "status": mark,
                            "marked_by": trainer.id,
                            "created_at": marked,
                            "updated_by": trainer.id,
                        }
                    )
                enrolments.append(
                    {
                        "id": enrolment_id,
                        "session_id": session_id,
                        "user_id": person.id,
                        "status": status,
                        "created_at": enrolled_at,
                        "updated_at": enrolled_at,
                    }
                )
                months = course_months[code]
                if mark is AttendanceStatus.PRESENT and months:
                    certs.append(
                        {
                            "user_id": person.id,
                            "course_id": course_ids[code],
                            "issued_at": ends,
                            "expires_at": _add_months(ends, months),
                            "created_at": ends,
                            "updated_by": trainer.id,
                        }
                    )
        # Last year's security-awareness round: some of it is expiring now.
        for person in self.staff.values():
            if person.left_at is None and rng.random() < 0.6:
                issued = self._days_ago(rng.uniform(300, 400))
                certs.append(
                    {
                        "user_id": person.id,
                        "course_id": course_ids["SEC-AW"],
                        "issued_at": issued,
                        "expires_at": _add_months(issued, 12),
                        "created_at": issued,
                    }
                )
        self._insert(session, m.TrainingSession, sessions)
        self._insert(session, m.Enrolment, enrolments)
        self._insert(session, m.AttendanceMark, marks)
        self._insert(session, m.Certification, certs)

    # -- step 7: audit --

    def _audit(
        self,
        at: datetime,
        action: str,
        actor: _Staff | None,
        entity: str,
        entity_id: uuid.UUID | None,
        summary: str,
        kind: AuditKind = AuditKind.CHANGE,
        *,
        actor_name: str | None = None,
        actor_id: uuid.UUID | None = None,
    ) -> None:
        self.audit_rows.append(
            {
                "kind": kind,
                "action": action,
                "actor_id": actor.id if actor else actor_id,
                "actor_name": actor.person.full_name if actor else (actor_name or ""),
                "entity": entity,
                "entity_id": entity_id,
                "summary": summary,
                "device_id": self.db.device_id,
                "created_at": at,
                "updated_by": actor.id if actor else actor_id,
            }
        )

    def _audit_step(self, session: Session) -> None:
        rng = self.rng
        today = self.now.astimezone(self.zone).date()
        last_login: dict[uuid.UUID, datetime] = {}
        everyone = [self.staff_admin, *self.staff.values()]
        for person in everyone:
            if person.left_at is not None:
                # A former colleague: the last sign-in is from the last day at work.
                last_day = person.left_at.astimezone(self.zone).date() - timedelta(days=1)
                at = self._local(last_day, 8, 10)
                self._audit(
                    at, "auth.sign_in", person, "user", person.id, "Signed in", AuditKind.SECURITY
                )
                last_login[person.id] = at
                continue
            for back in range(45, -1, -1):
                day = today - timedelta(days=back)
                if day.weekday() >= 5 or day in self.calendar.holidays or rng.random() < 0.12:
                    continue
                at = self._local(day, 7, 40) + timedelta(minutes=rng.uniform(0, 100))
                if at >= self.now:
                    continue
                if rng.random() < 0.03:
                    self._audit(
                        at - timedelta(seconds=40),
                        "auth.failed",
                        person,
                        "user",
                        person.id,
                        "Wrong password",
                        AuditKind.SECURITY,
                    )
                self._audit(
                    at, "auth.sign_in", person, "user", person.id, "Signed in", AuditKind.SECURITY
                )
                last_login[person.id] = at
        # A lock-out, and sign-in attempts with names that do not exist.
        tom = self.staff["tom.brennan"]
        locked_at = self._local(today - timedelta(days=19), 8, 5)
        for k in range(5):
            self._audit(
                locked_at + timedelta(seconds=20 * k),
                "auth.failed" if k < 4 else "auth.locked",
                tom,
                "user",
                tom.id,
                "Wrong password" if k < 4 else "Locked after repeated failures",
                AuditKind.SECURITY,
            )
        for back, name in ((33, "tbrennan"), (12, "administrator"), (4, "j.smith")):
            self._audit(
                self._local(today - timedelta(days=back), 7, 55),
                "auth.failed",
                None,
                "user",
                None,
                f"Unknown user name '{name}'",
                AuditKind.SECURITY,
            )
        self._insert(session, m.AuditEvent, sorted(self.audit_rows, key=lambda r: r["created_at"]))
        demo_repo.set_last_logins(session, sorted(last_login.items()))


def _older_body(body: str, revision: int, revisions: int) -> str:
    """An earlier version of an article: later revisions added its closing sections."""
    missing = revisions - revision
    if missing <= 0:
        return body
    sections = body.split("\n## ")
    keep = max(1, len(sections) - missing)
    return "\n## ".join(sections[:keep]).rstrip() + "\n"
