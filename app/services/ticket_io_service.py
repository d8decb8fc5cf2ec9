"""CSV import (column mapping, dry run, all-or-nothing) and CSV export of tickets.

Import reads a UTF-8 file (with or without the byte-order mark Excel writes; UTF-16 with a
byte-order mark too), separated by commas, semicolons or tabs (sniffed from the header line).
Every data row is checked before anything is written, and every bad row is reported with its
line number (as a text editor counts lines, the header being line 1) and the reason. Only a
file without any problem is imported, in one unit of work (`TicketService.create_many`): the
import adds every ticket or none.

Export writes the tickets of a list filter (the view on screen) as UTF-8 with a byte-order
mark, so Excel opens it with the right characters; cells that a spreadsheet would run as a
formula are neutralised. The rows are streamed from one snapshot of the database (a ticket
edited or added while the export runs is written once, as it stood when it began), a batch at
a time. Times are written in this computer's time zone as
``YYYY-MM-DD HH:MM``, and a time without a zone on import is read the same way, so an export
imports back unchanged.

This service also resolves what people type on the command line (user names, team names,
requester emails, ticket numbers) and turns tickets into JSON-ready records for `supportdesk
ticket … --json`.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import uuid
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.data.base import utcnow
from app.data.repos import people as people_repo
from app.data.repos import ticket_io as ticket_io_repo
from app.data.repos import tickets as tickets_repo
from app.domain.enums import Channel, Priority, Role, TicketStatus
from app.domain.permissions import Permission, PermissionDeniedError
from app.domain.tags import TagError, normalise_tags
from app.domain.workflow import TransitionError, check_tier, check_transition
from app.errors import NotFoundError, SupportDeskError, ValidationError
from app.services.base import Service
from app.services.ticket_service import (
    MAX_BATCH,
    MAX_CATEGORY,
    MAX_SUBJECT,
    TICKET_COLUMNS,
    TicketDetail,
    TicketDraft,
    TicketFilter,
    TicketRow,
    TicketService,
)

# The fields a CSV column can be mapped to, with the words a person reads in a mapping form.
IMPORT_FIELDS: dict[str, str] = {
    "number": "Ticket number",
    "subject": "Subject",
    "description": "Description",
    "status": "Status",
    "priority": "Priority",
    "channel": "Channel",
    "category": "Category",
    "requester_email": "Requester email",
    "assignee": "Assignee (user name)",
    "team": "Team",
    "opened_at": "Opened at",
    "tier": "Tier (1–3)",
    "tags": "Tags",
}
REQUIRED_FIELDS = ("subject",)

#: Rows of the preview.
SAMPLE_ROWS = 5
MAX_NUMBER = 24
#: Rows an export fetches (and writes) at a time; memory holds one batch.
EXPORT_PAGE = 1000

_SPACES = re.compile(r"[\s_\-]+")

# Header names (normalised: lower case, single spaces) suggesting a field.
_HEADER_ALIASES: dict[str, str] = {
    alias: key
    for key, aliases in {
        "number": ("number", "ticket number", "ticket", "ticket no", "ticket id", "no", "#", "id"),
        "subject": ("subject", "title", "summary", "short description"),
        "description": ("description", "details", "body", "problem", "text"),
        "status": ("status", "state"),
        "priority": ("priority", "urgency"),
        "channel": ("channel", "source", "via"),
        "category": ("category", "type"),
        "requester_email": (
            "requester email",
            "requester e mail",
            "email",
            "e mail",
            "contact email",
            "from",
        ),
        "assignee": (
            "assignee",
            "assignee username",
            "assignee user name",
            "assigned to",
            "technician",
            "agent",
            "owner",
        ),
        "team": ("team", "group", "queue", "team name"),
        "opened_at": ("opened at", "opened", "created", "created at", "date opened", "date"),
        "tier": ("tier", "level", "support level"),
        "tags": ("tags", "tag", "labels", "keywords"),
    }.items()
    for alias in aliases
}

_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")
_TAG_SPLIT = re.compile(r"[;|]")  # commas split too (normalise_tags)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RowProblem:
    """Why one line of the file cannot be imported (line 1 is the header, 0 the whole file)."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}" if self.line else self.reason


@dataclass(frozen=True)
class CsvPreview:
    """The start of a CSV file, for choosing the column mapping.

    Attributes:
        headers: column names from the first line (blank ones read "Column N").
        sample_rows: the first data rows, as text cells.
        suggested_mapping: column name → field key, guessed from the column names.
        encoding: "utf-8", "utf-8-sig" (with Excel's byte-order mark) or "utf-16".
        delimiter: the separator found in the header line.
        row_count: data rows in the file (blank lines not counted).
        problems: lines that are not valid text in the encoding, or not valid CSV.
    """

    headers: list[str]
    sample_rows: list[list[str]]
    suggested_mapping: dict[str, str]
    encoding: str = "utf-8"
    delimiter: str = ","
    row_count: int = 0
    problems: list[RowProblem] = field(default_factory=list)


@dataclass(frozen=True)
class ImportReport:
    """What an import did (or, in a dry run, would do).

    Attributes:
        ok_rows: rows without a problem.
        problems: every bad row, in file order; when not empty nothing was written.
        created: numbers of the tickets added, in file order (empty on a dry run or a problem).
        dry_run: whether this was only a check.
    """

    ok_rows: int
    problems: list[RowProblem]
    created: list[str]
    dry_run: bool = False

    @property
    def imported(self) -> bool:
        return bool(self.created)


class ExportResult(int):
    """How many tickets an export wrote. It is that number (an `int`: code that only counts
    keeps working), with what a person should know about it.

    Attributes:
        capped: the view searches for text and the search found more matches than it looks
            at (`search_limit`): the file holds only the tickets among those first matches.
        search_limit: how many matches per source a search considers.
    """

    capped: bool
    search_limit: int

    def __new__(
        cls, rows: int, capped: bool = False, search_limit: int = tickets_repo.SEARCH_LIMIT
    ) -> ExportResult:
        result = super().__new__(cls, rows)
        result.capped = capped
        result.search_limit = search_limit
        return result

    @property
    def rows(self) -> int:
        return int(self)

    @property
    def note(self) -> str:
        """One sentence on what the file lacks ("" when it holds the whole view)."""
        if not self.capped:
            return ""
        return (
            f"The search matched more than the {self.search_limit:,} tickets it looks at, so "
            "the file may lack some matching tickets; use more precise search words to "
            "export them all."
        )


@dataclass(frozen=True)
class UpdateResult:
    """What `TicketIoService.update` saved.

    Attributes:
        ticket_id, number: the ticket.
        done: the changes saved, in order ("assignee", "priority", "reply" or "note",
            "status"); empty when the ticket already was as asked.
    """

    ticket_id: uuid.UUID
    number: str
    done: list[str]


@dataclass
class _ExportState:
    capped: bool = False


@dataclass
class _Parsed:
    encoding: str
    delimiter: str
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (first line of the record, cells)
    bad_lines: set[int]
    problems: list[RowProblem]


@dataclass(frozen=True)
class _Person:
    id: uuid.UUID
    username: str
    full_name: str


# --- reading the file ----------------------------------------------------------------------


def _normalise_header(name: str) -> str:
    return _SPACES.sub(" ", name.strip().lower()).strip()


def _decode(data: bytes) -> tuple[str, str, set[int]]:
    """The text, the encoding's name and the (1-based) lines that are not valid text."""
    for bom, name in ((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode("utf-16"), name, set()
            except UnicodeDecodeError as exc:
                line = data[: exc.start].decode("utf-16", errors="replace").count("\n") + 1
                return data.decode("utf-16", errors="replace"), name, {line}
    encoding = "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        data, encoding = data[len(codecs.BOM_UTF8) :], "utf-8-sig"
    try:
        return data.decode("utf-8"), encoding, set()
    except UnicodeDecodeError:
        # A newline byte never occurs inside a UTF-8 sequence, so each line decodes alone.
        bad = set()
        for number, raw in enumerate(data.split(b"\n"), start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                bad.add(number)
        return data.decode("utf-8", errors="replace"), encoding, bad


def _outside_quotes(line: str) -> str:
    return re.sub(r'"[^"]*"', "", line)


def _sniff_delimiter(text: str) -> str:
    """Comma, semicolon (Excel in much of Europe) or tab: whichever the header line uses most."""
    for line in text.splitlines():
        if line.strip():
            plain = _outside_quotes(line)
            counts = {d: plain.count(d) for d in (",", ";", "\t")}
            best = max(counts, key=lambda d: (counts[d], d == ","))
            return best if counts[best] else ","
    return ","


def _parse(path: Path) -> _Parsed:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ValidationError(f"There is no file at {path}; check the name and folder.") from None
    except IsADirectoryError:
        raise ValidationError(f"{path} is a folder; choose a CSV file.") from None
    except OSError as exc:
        raise ValidationError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    text, encoding, bad_lines = _decode(data)
    delimiter = _sniff_delimiter(text)
    problems = [
        RowProblem(
            line,
            "this line is not UTF-8 text; save the file as 'CSV UTF-8' and import it again.",
        )
        for line in sorted(bad_lines)
    ]
    records: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for cells in reader:
            records.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        problems.append(
            RowProblem(
                start,
                f"the file cannot be read as CSV from here on ({exc}); "
                "check the quotes on this line.",
            )
        )
    records = [(line, cells) for line, cells in records if any(c.strip() for c in cells)]
    headers: list[str] = []
    if records:
        _, first = records.pop(0)
        headers = [
            h.strip().lstrip("\ufeff").strip() or f"Column {i}" for i, h in enumerate(first, 1)
        ]
    return _Parsed(encoding, delimiter, headers, records, bad_lines, problems)


def suggest_mapping(headers: Iterable[str]) -> dict[str, str]:
    """Column name → field key for the columns whose names say what they hold."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        key = _HEADER_ALIASES.get(_normalise_header(header))
        if key is not None and key not in taken and header not in mapping:
            mapping[header] = key
            taken.add(key)
    return mapping


# --- reading values ------------------------------------------------------------------------


def _key(text: str) -> str:
    return _SPACES.sub("_", text.strip().lower())


def _choice(enum: Any, text: str) -> Any:
    """The member of `enum` whose value or label matches `text` (case, spaces, dashes aside)."""
    wanted = _key(text)
    for member in enum:
        if wanted in (_key(member.value), _key(member.label)):
            return member
    if enum is Channel and wanted in ("monitoring", "alert", "walkin", "web"):
        return {
            "monitoring": Channel.MONITORING,
            "alert": Channel.MONITORING,
            "walkin": Channel.WALK_IN,
            "web": Channel.PORTAL,
        }[wanted]
    if enum is TicketStatus and wanted in ("waiting", "waiting_on_requester", "hold"):
        return TicketStatus.ON_HOLD if wanted == "hold" else TicketStatus.PENDING
    return None


def _choices(enum: Any) -> str:
    words = [str(m.label).lower() for m in enum]
    return ", ".join(words[:-1]) + " or " + words[-1]


def parse_when(text: str) -> datetime:
    """A moment written as ISO 8601 (with or without a zone) or ``YYYY-MM-DD[ HH:MM[:SS]]``.

    Without a zone it is this computer's local time. Raises ValueError.
    """
    text = text.strip()
    value: datetime | None = None
    for fmt in _DATE_FORMATS:
        try:
            value = datetime.strptime(text, fmt)
            break
        except ValueError:
            continue
    if value is None:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        value = value.astimezone()  # naive: this computer's local time
    return value.astimezone(UTC)


def _local(moment: datetime | None) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def _safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


# --- export columns ------------------------------------------------------------------------

_EXPORT: dict[str, tuple[str, Callable[[TicketRow], str]]] = {
    "number": ("Number", lambda r: r.number),
    "subject": ("Subject", lambda r: r.subject),
    "requester": ("Requester", lambda r: r.requester_name),
    "organisation": ("Organisation", lambda r: r.organisation_name),
    "status": ("Status", lambda r: r.status.label),
    "priority": ("Priority", lambda r: r.priority.label),
    "channel": ("Channel", lambda r: r.channel.label),
    "category": ("Category", lambda r: r.category),
    "team": ("Team", lambda r: r.team_name),
    "assignee": ("Assignee", lambda r: r.assignee_name),
    "tier": ("Tier", lambda r: str(r.tier)),
    "opened": ("Opened", lambda r: _local(r.opened_at)),
    "updated": ("Updated", lambda r: _local(r.updated_at)),
    "due": ("Due", lambda r: _local(r.resolution_due_at)),
    "sla": ("SLA", lambda r: (r.sla_state or "").replace("_", " ")),
    "tags": ("Tags", lambda r: ", ".join(r.tags)),
}
#: Columns of an export when none are chosen.
DEFAULT_EXPORT_COLUMNS = (
    "number",
    "subject",
    "requester",
    "status",
    "priority",
    "channel",
    "category",
    "team",
    "assignee",
    "opened",
    "due",
    "tags",
)
EXPORT_COLUMNS = tuple(_EXPORT)


def _column_titles() -> dict[str, str]:
    """Column titles as the ticket list shows them (TicketService's own where it has them)."""
    titles = {key: title for key, (title, _) in _EXPORT.items()}
    for spec in TICKET_COLUMNS:
        if spec.key in titles:
            titles[spec.key] = spec.title
    return titles


# --- JSON records --------------------------------------------------------------------------


def detail_record(t: TicketDetail) -> dict[str, Any]:
    """One ticket as a JSON-ready object (`supportdesk ticket show --json`)."""
    return {
        "number": t.number,
        "subject": t.subject,
        "status": t.status.value,
        "priority": t.priority.value,
        "channel": t.channel.value,
        "category": t.category,
        "tier": t.tier,
        "assignee": t.assignee_name or None,
        "team": t.team_name or None,
        "requester": t.requester_name or None,
        "requester_email": t.requester_email or None,
        "organisation": t.organisation_name or None,
        "opened_at": _iso(t.opened_at),
        "updated_at": _iso(t.updated_at),
        "first_response_due_at": _iso(t.first_response_due_at),
        "resolution_due_at": _iso(t.resolution_due_at),
        "first_responded_at": _iso(t.first_responded_at),
        "resolved_at": _iso(t.resolved_at),
        "sla_state": t.resolution_state,
        "tags": list(t.tags),
        "description": t.description,
    }


def row_record(r: TicketRow) -> dict[str, Any]:
    """One line of a list as a JSON-ready object (`supportdesk ticket list --json`)."""
    return {
        "number": r.number,
        "subject": r.subject,
        "status": r.status.value,
        "priority": r.priority.value,
        "channel": r.channel.value,
        "category": r.category,
        "tier": r.tier,
        "assignee": r.assignee_name or None,
        "team": r.team_name or None,
        "requester": r.requester_name or None,
        "organisation": r.organisation_name or None,
        "opened_at": _iso(r.opened_at),
        "updated_at": _iso(r.updated_at),
        "first_response_due_at": _iso(r.first_response_due_at),
        "resolution_due_at": _iso(r.resolution_due_at),
        "first_responded_at": _iso(r.first_responded_at),
        "resolved_at": _iso(r.resolved_at),
        "sla_state": r.sla_state,
        "tags": list(r.tags),
    }


# --- the service ---------------------------------------------------------------------------


class _Lookups:
    """People, teams, requesters and ticket numbers, loaded once per import."""

    def __init__(self, service: TicketIoService) -> None:
        self._service = service
        staff_roles = {Role.TECHNICIAN, Role.SUPERVISOR, Role.ADMIN}
        with service._db.read_session() as session:
            roles = people_repo.roles_by_user(session)
            self.people = [
                _Person(u.id, u.username, u.full_name)
                for u in people_repo.all_users(session, active_only=True)
                if roles.get(u.id, set()) & staff_roles
            ]
            self.teams = {t.name.strip().lower(): t.id for t in people_repo.all_teams(session)}
        self._contacts: dict[str, uuid.UUID | None] = {}
        self.taken_numbers: set[str] = set()

    def person(self, text: str) -> _Person | None:
        """By user name, else by full name when only one person has it."""
        wanted = text.strip().lower()
        for p in self.people:
            if p.username.lower() == wanted:
                return p
        named = [p for p in self.people if p.full_name.strip().lower() == wanted]
        return named[0] if len(named) == 1 else None

    def team(self, text: str) -> uuid.UUID | None:
        return self.teams.get(text.strip().lower())

    def contact(self, email: str) -> uuid.UUID | None:
        """The requester with exactly this email (any case)."""
        wanted = email.strip().lower()
        if wanted not in self._contacts:
            with self._service._db.read_session() as session:
                self._contacts[wanted] = ticket_io_repo.contact_by_email(session, wanted)
        return self._contacts[wanted]

    def load_contacts(self, emails: Iterable[str]) -> None:
        """Look up every one of `emails` at once (one query per 500)."""
        wanted = {e.strip().lower() for e in emails if e.strip()} - set(self._contacts)
        if not wanted:
            return
        with self._service._db.read_session() as session:
            found = ticket_io_repo.contacts_by_email(session, wanted)
        for email in wanted:
            self._contacts[email] = found.get(email)

    def load_numbers(self, numbers: list[str]) -> None:
        """Note which of `numbers` tickets already have (one query per 500)."""
        with self._service._db.read_session() as session:
            self.taken_numbers = tickets_repo.numbers_taken(session, numbers)


class TicketIoService(Service):
    """Import and export tickets as CSV; look up what the command line names."""

    # --- import ---------------------------------------------------------------------------

    def read_csv(self, path: Path) -> CsvPreview:
        """The header, the first rows and a suggested mapping, for the mapping form."""
        self._require(Permission.TICKET_WRITE)
        parsed = _parse(Path(path))
        return CsvPreview(
            headers=parsed.headers,
            sample_rows=[cells for _, cells in parsed.rows[:SAMPLE_ROWS]],
            suggested_mapping=suggest_mapping(parsed.headers),
            encoding=parsed.encoding,
            delimiter=parsed.delimiter,
            row_count=len(parsed.rows),
            problems=list(parsed.problems),
        )

    def import_csv(
        self, path: Path, mapping: dict[str, str], dry_run: bool = False
    ) -> ImportReport:
        """Check every row; unless `dry_run`, add all the tickets in one unit of work.

        Args:
            path: the CSV file.
            mapping: column name (as in the header line) → field key of `IMPORT_FIELDS`;
                columns not named, or mapped to "", are ignored.
            dry_run: only check and report; write nothing.

        Returns:
            The report; when it lists any problem, nothing was written.
        """
        self._require(Permission.TICKET_WRITE)
        parsed = _parse(Path(path))
        problems = list(parsed.problems)
        if not parsed.headers:
            return ImportReport(0, [*problems, RowProblem(0, "The file is empty.")], [], dry_run)
        columns = self._columns(parsed.headers, mapping, problems)
        if columns is None:  # the mapping itself is wrong: row checks would only repeat it
            return ImportReport(0, problems, [], dry_run)
        if not parsed.rows:
            problems.append(RowProblem(0, "The file has a header line but no tickets."))
        if len(parsed.rows) > MAX_BATCH:
            problems.append(
                RowProblem(
                    0,
                    f"The file has {len(parsed.rows):,} tickets; import at most "
                    f"{MAX_BATCH:,} at once (split the file).",
                )
            )
            return ImportReport(0, problems, [], dry_run)
        lookups = _Lookups(self)
        if "number" in columns:
            lookups.load_numbers(
                [
                    cells[columns["number"]].strip().upper()
                    for _, cells in parsed.rows
                    if columns["number"] < len(cells) and cells[columns["number"]].strip()
                ]
            )
        if "requester_email" in columns:
            index = columns["requester_email"]
            lookups.load_contacts(cells[index] for _, cells in parsed.rows if index < len(cells))
        drafts: list[TicketDraft] = []
        seen: dict[str, int] = {}
        ok_rows = 0
        now = utcnow()
        for line, cells in parsed.rows:
            span = range(line, line + 1 + sum(c.count("\n") for c in cells))
            if any(n in parsed.bad_lines for n in span):
                continue  # already reported as not UTF-8
            if len(cells) > len(parsed.headers):
                problems.append(
                    RowProblem(
                        line,
                        f"this row has {len(cells)} cells but the header has "
                        f"{len(parsed.headers)}; put quotes around text that contains "
                        f"'{_delimiter_name(parsed.delimiter)}'.",
                    )
                )
                continue
            values = {
                key: (cells[index] if index < len(cells) else "").strip()
                for key, index in columns.items()
            }
            row_problems, draft = self._check_row(values, lookups, now, seen, line)
            problems.extend(RowProblem(line, reason) for reason in row_problems)
            if draft is not None:
                ok_rows += 1
                drafts.append(draft)
        problems.sort(key=lambda p: p.line)
        if problems or dry_run:
            return ImportReport(ok_rows, problems, [], dry_run)
        try:
            created = TicketService(self._db, self._actor).create_many(drafts)
        except ValidationError as exc:
            # e.g. a number taken by a colleague since the check; nothing was written
            return ImportReport(0, [RowProblem(0, f"Nothing was imported: {exc}")], [], dry_run)
        return ImportReport(ok_rows, [], [number for _, number in created], dry_run)

    def _columns(
        self, headers: list[str], mapping: dict[str, str], problems: list[RowProblem]
    ) -> dict[str, int] | None:
        """Field key → column index; None (with problems added) when the mapping is unusable."""
        columns: dict[str, int] = {}
        before = len(problems)
        for column, key in mapping.items():
            key = key.strip()
            if not key:
                continue
            if key not in IMPORT_FIELDS:
                problems.append(
                    RowProblem(
                        1,
                        f"'{key}' is not a ticket field; use one of {', '.join(IMPORT_FIELDS)}.",
                    )
                )
                continue
            if column not in headers:
                problems.append(
                    RowProblem(1, f"The file has no column named '{column}' (for {key}).")
                )
                continue
            if headers.count(column) > 1:
                problems.append(
                    RowProblem(1, f"Two columns are named '{column}'; rename one of them.")
                )
                continue
            if key in columns:
                problems.append(
                    RowProblem(
                        1,
                        f"Two columns are mapped to {key}: '{headers[columns[key]]}' and "
                        f"'{column}'; keep one.",
                    )
                )
                continue
            columns[key] = headers.index(column)
        if headers:
            for key in REQUIRED_FIELDS:
                if key not in columns and not any(
                    p.reason.endswith(f"(for {key}).") for p in problems[before:]
                ):
                    problems.append(
                        RowProblem(
                            1,
                            f"No column holds the {IMPORT_FIELDS[key].lower()}: map one to "
                            f"'{key}' (the file's columns are: {', '.join(headers)}).",
                        )
                    )
        return None if len(problems) > before else columns

    def _check_row(
        self,
        values: dict[str, str],
        lookups: _Lookups,
        now: datetime,
        seen: dict[str, int],
        line: int,
    ) -> tuple[list[str], TicketDraft | None]:
        """The problems of one row and, if none, its TicketDraft."""
        problems: list[str] = []
        args: dict[str, Any] = {}
        subject = " ".join(values.get("subject", "").split())
        if not subject:
            problems.append("the subject is empty.")
        elif len(subject) > MAX_SUBJECT:
            problems.append(f"the subject is longer than {MAX_SUBJECT} characters.")
        args["subject"] = subject
        args["description"] = values.get("description", "")

        if number := values.get("number", "").upper():  # numbers are found in upper case
            if len(number) > MAX_NUMBER or any(ch.isspace() for ch in number):
                problems.append(
                    f"'{number}' cannot be a ticket number (no spaces, at most {MAX_NUMBER} "
                    "characters)."
                )
            elif number in seen:
                problems.append(f"ticket number {number} is also on line {seen[number]}.")
            else:
                seen[number] = line
                if number in lookups.taken_numbers:
                    problems.append(f"ticket {number} already exists in the database.")
                else:
                    args["number"] = number  # a historical number, kept

        for key, enum in (
            ("status", TicketStatus),
            ("priority", Priority),
            ("channel", Channel),
        ):
            text = values.get(key, "")
            if not text:
                continue
            member = _choice(enum, text)
            if member is None:
                problems.append(f"unknown {key} '{text}': use {_choices(enum)}.")
            else:
                args[key] = member

        category = values.get("category", "")
        if len(category) > MAX_CATEGORY:
            problems.append(f"the category is longer than {MAX_CATEGORY} characters.")
        args["category"] = category

        if email := values.get("requester_email", ""):
            contact_id = lookups.contact(email)
            if contact_id is None:
                problems.append(f"no requester has the email '{email}'; add the contact first.")
            args["requester_id"] = contact_id

        if name := values.get("assignee", ""):
            person = lookups.person(name)
            if person is None:
                problems.append(
                    f"no technician has the user name '{name}' (or the account is disabled)."
                )
            elif person.id != self._actor.user_id and not self._actor.can(
                Permission.TICKET_ASSIGN_OTHERS
            ):
                problems.append(
                    f"you may not give tickets to {person.full_name}; only to yourself."
                )
            else:
                args["assignee_id"] = person.id

        if team := values.get("team", ""):
            team_id = lookups.team(team)
            if team_id is None:
                problems.append(f"no team is named '{team}'.")
            args["team_id"] = team_id

        if when := values.get("opened_at", ""):
            try:
                opened = parse_when(when)
            except ValueError:
                problems.append(
                    f"'{when}' is not a date; write it as 2024-03-31 or 2024-03-31 14:05."
                )
            else:
                if opened > now:
                    problems.append(f"the opening time {when} is in the future.")
                args["opened_at"] = opened

        if tier := values.get("tier", ""):
            digits = tier.upper().removeprefix("L")
            try:
                check_tier(int(digits) if digits.isdigit() else 0)
            except TransitionError:
                problems.append(f"unknown tier '{tier}': use 1, 2 or 3 (or L1, L2, L3).")
            else:
                args["tier"] = int(digits)

        if tags_text := values.get("tags", ""):
            try:
                args["tags"] = list(normalise_tags(_TAG_SPLIT.split(tags_text)))
            except TagError as exc:
                problems.append(str(exc))

        if problems:
            return problems, None
        return [], TicketDraft(**args)

    # --- export ---------------------------------------------------------------------------

    def export_csv(
        self,
        flt: TicketFilter,
        path: Path,
        columns: list[str] | None = None,
        *,
        sort_key: str = "opened_at",
        descending: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> ExportResult:
        """Write the tickets `flt` matches to `path`; returns how many rows were written.

        The rows are read from one snapshot of the database, `EXPORT_PAGE` at a time: every
        ticket of the view is written exactly once, as it stood when the export began, even
        while others (or the sync) change tickets, and memory stays flat for any size.

        Args:
            flt: the list's filter (the view on screen).
            path: the CSV file to write (replaced if it exists; never left half-written).
            columns: column keys of `EXPORT_COLUMNS` in order (default
                `DEFAULT_EXPORT_COLUMNS`).
            sort_key: the list's sort column; descending: its direction.
            progress: called with the number of rows written so far after each batch.

        Returns:
            The row count (an int) with `capped` set when the view's search text found more
            matches than a search considers (see `ExportResult.note`).
        """
        self._require(Permission.TICKET_READ)
        keys = list(columns) if columns else list(DEFAULT_EXPORT_COLUMNS)
        unknown = [k for k in keys if k not in _EXPORT]
        if unknown:
            raise ValidationError(
                f"Cannot export the column '{unknown[0]}'; choose from {', '.join(_EXPORT)}."
            )
        if sort_key not in tickets_repo.SORT_KEYS:
            raise ValidationError(f"Tickets cannot be sorted by '{sort_key}'.")
        path = Path(path)
        if not path.parent.is_dir():
            raise ValidationError(f"The folder {path.parent} does not exist; choose another.")
        titles = _column_titles()
        getters = [_EXPORT[k][1] for k in keys]
        state = _ExportState()
        partial = path.with_name(f".{path.name}.part")
        written = 0
        try:
            with (
                partial.open("w", encoding="utf-8-sig", newline="") as fh,
                closing(self._batches(flt, sort_key, descending, state)) as batches,
            ):
                writer = csv.writer(fh)
                writer.writerow([titles[k] for k in keys])
                for batch in batches:
                    writer.writerows([_safe_cell(get(row)) for get in getters] for row in batch)
                    written += len(batch)
                    if progress is not None:
                        progress(written)
            os.replace(partial, path)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise ValidationError(f"Cannot write {path}: {exc.strerror or exc}.") from None
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return ExportResult(written, state.capped)

    def iter_rows(
        self,
        flt: TicketFilter,
        *,
        sort_key: str = "opened_at",
        descending: bool = False,
        now: datetime | None = None,
    ) -> Iterator[TicketRow]:
        """Every ticket `flt` matches, as list rows, read lazily from one snapshot.

        The database session stays open until the iterator is exhausted or closed.
        """
        self._require(Permission.TICKET_READ)
        if sort_key not in tickets_repo.SORT_KEYS:
            raise ValidationError(f"Tickets cannot be sorted by '{sort_key}'.")
        with closing(self._batches(flt, sort_key, descending, _ExportState(), now)) as batches:
            for batch in batches:
                yield from batch

    def export_is_capped(self, flt: TicketFilter) -> bool:
        """Whether the search text of `flt` finds more matches than a search considers, so
        the list (and an export of it) lacks some of them."""
        self._require(Permission.TICKET_READ)
        if not flt.text.strip():
            return False
        with self._db.read_session() as session:
            return ticket_io_repo.search_capped(session, flt.text)

    def _batches(
        self,
        flt: TicketFilter,
        sort_key: str,
        descending: bool,
        state: _ExportState,
        now: datetime | None = None,
    ) -> Generator[list[TicketRow], None, None]:
        """The list rows of `flt` in list order, `EXPORT_PAGE` at a time, all from one read."""
        now = now or utcnow()
        tickets = TicketService(self._db, self._actor)
        with self._db.read_session() as session:
            ticket_io_repo.begin_snapshot(session)
            criteria = tickets._criteria(session, flt, now)
            if flt.text.strip():
                state.capped = ticket_io_repo.search_capped(session, flt.text)
            if criteria.ids is not None and not criteria.ids:
                return
            for raw in ticket_io_repo.stream_rows(
                session,
                criteria,
                sort_key=sort_key,
                descending=descending,
                batch=max(1, EXPORT_PAGE),
            ):
                yield tickets._rows(session, raw, now)

    # --- changing a ticket from the command line -----------------------------------------

    def update(
        self,
        number: str,
        *,
        status: TicketStatus | None = None,
        priority: Priority | None = None,
        assignee: str | None = None,
        unassign: bool = False,
        reply: str | None = None,
        note: str | None = None,
    ) -> UpdateResult:
        """Change a ticket as `supportdesk ticket update` asks: check every change first, then
        save them in the order assignee, priority, reply or note, status.

        A change to what the ticket already has is skipped (a repeated alert does no harm).
        If any change cannot be made (a status the workflow does not allow from the current
        one, an unknown or disabled assignee, a closed ticket, …), nothing is saved and the
        error says why. Should a change still fail while saving (someone changed the ticket in
        between), the error names the changes already saved.

        Args:
            number: the ticket number.
            status, priority: the new values (None: leave as is).
            assignee: user name (or unique full name) of the technician to give it to.
            unassign: take the ticket from its assignee (not with `assignee`).
            reply: a public reply; note: an internal note (not both).
        """
        self._require(Permission.TICKET_WRITE)
        if assignee is not None and unassign:
            raise ValidationError("Give either an assignee or 'unassign', not both.")
        if reply is not None and note is not None:
            raise ValidationError("Give either a reply or a note, not both.")
        text = reply if reply is not None else note
        wants = (status, priority, assignee, text)
        if not unassign and all(w is None for w in wants):
            raise ValidationError(
                "Nothing to change: give --status, --priority, --assignee, --unassign, "
                "--reply or --note."
            )
        if text is not None and not text.strip():
            raise ValidationError("The reply or note is empty; write something to send.")
        status = TicketStatus(status) if status is not None else None
        priority = Priority(priority) if priority is not None else None
        ticket_id = self.ticket_id(number)
        tickets = TicketService(self._db, self._actor)
        detail = tickets.get(ticket_id)
        label = detail.number

        def refuse(reason: str) -> ValidationError:
            return ValidationError(f"{reason} Nothing was changed on {label}.")

        # --- check everything -------------------------------------------------------------
        steps: list[tuple[str, Callable[[], object]]] = []
        if assignee is not None or unassign:
            assignee_id = None if unassign else self.user_id(assignee or "")
            if assignee_id != detail.assignee_id:
                me = self._actor.user_id
                others = {detail.assignee_id, assignee_id} - {None, me}
                if others and not self._actor.can(Permission.TICKET_ASSIGN_OTHERS):
                    raise refuse(
                        "You may take tickets or let go of your own, not move other people's."
                    )
                team_id = detail.team_id
                steps.append(("assignee", lambda: tickets.assign(ticket_id, assignee_id, team_id)))
        if priority is not None and priority is not detail.priority:
            new_priority = priority
            steps.append(("priority", lambda: tickets.change_priority(ticket_id, new_priority)))
        current = detail.status
        if text is not None:
            public, body = reply is not None, text
            steps.append(
                (
                    "reply" if public else "note",
                    lambda: tickets.add_reply(ticket_id, body, public=public),
                )
            )
            if public and current is TicketStatus.NEW:
                current = TicketStatus.OPEN  # a public reply opens a new ticket
        if status is not None and status is not current:
            try:
                check_transition(current, status)
            except TransitionError as exc:
                raise refuse(str(exc)) from None
            target = status
            steps.append(("status", lambda: tickets.change_status(ticket_id, target)))
        if steps and detail.status is TicketStatus.CLOSED:
            raise refuse("A closed ticket cannot change; open a new ticket instead.")

        # --- then save ----------------------------------------------------------------------
        done: list[str] = []
        for what, apply in steps:
            try:
                apply()
            except (SupportDeskError, PermissionDeniedError) as exc:
                reason = " ".join(str(exc).split())
                if not done:
                    raise refuse(reason) from exc
                raise ValidationError(
                    f"{reason} Already saved on {label}: {', '.join(done)}; "
                    f"not saved: {', '.join(w for w, _ in steps[len(done) :])}."
                ) from exc
            done.append(what)
        return UpdateResult(ticket_id, label, done)

    # --- what the command line names ------------------------------------------------------

    def ticket_id(self, number: str) -> uuid.UUID:
        """The id of the ticket numbered `number`; NotFoundError when there is none."""
        self._require(Permission.TICKET_READ)
        found = TicketService(self._db, self._actor).find_by_number(number.strip())
        if found is None:
            raise NotFoundError(f"There is no ticket numbered '{number.strip()}'.")
        return found

    def user_id(self, username: str) -> uuid.UUID:
        """An active technician by user name (or by full name when unique)."""
        self._require(Permission.TICKET_READ)
        person = _Lookups(self).person(username)
        if person is None:
            raise ValidationError(
                f"No technician has the user name '{username}' (or the account is disabled)."
            )
        return person.id

    def team_id(self, name: str) -> uuid.UUID:
        self._require(Permission.TICKET_READ)
        found = _Lookups(self).team(name)
        if found is None:
            raise ValidationError(f"No team is named '{name}'.")
        return found

    def requester_id(self, email: str) -> uuid.UUID:
        self._require(Permission.TICKET_READ)
        found = _Lookups(self).contact(email)
        if found is None:
            raise ValidationError(f"No requester has the email '{email}'; add the contact first.")
        return found


def _delimiter_name(delimiter: str) -> str:
    return {"\t": "tab", ";": ";", ",": ","}.get(delimiter, delimiter)
