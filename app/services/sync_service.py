"""Replication use cases for the CLI and the GUI: connect, one sync round, status.

The server password is never stored in a settings file: it comes from the URL the user typed,
from ``SUPPORTDESK_SYNC_PASSWORD``, or from the OS keyring (saved there by `connect`).
"""

from __future__ import annotations

import contextlib
import enum
import json
import os
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from app import secrets
from app.data import migrate
from app.data.database import Database
from app.data.engine import normalise_url
from app.data.repos import audit as audit_repo
from app.data.repos import sync as repo
from app.data.repos import sync_ui as ui_repo
from app.domain.enums import AuditKind, Priority, TicketStatus
from app.domain.hlc import Timestamp
from app.domain.permissions import Permission, PermissionDeniedError
from app.errors import (
    DatabaseUnavailableError,
    NotFoundError,
    SecretStoreUnavailableError,
    ValidationError,
)
from app.services.base import Area, Changes, Principal
from app.services.storage import postgres_secret_name
from app.services.ticket_service import TicketService
from app.sync import engine as sync_engine
from app.sync.engine import SyncEngine, SyncReport
from app.sync.errors import NotConnectedError, SchemaMismatchError, SyncCancelledError, SyncError

__all__ = [
    "PASSWORD_ENV",
    "ConflictView",
    "NotConnectedError",
    "SchemaMismatchError",
    "SyncCancelledError",
    "SyncError",
    "SyncReport",
    "SyncService",
    "SyncStatus",
]

PASSWORD_ENV = "SUPPORTDESK_SYNC_PASSWORD"

# Keys of this service in the desktop's sync_state table (local, never replicated).
KEY_LAST_ERROR = "last_error"
KEY_OFFLINE = "offline"

#: Shown for the common base when the server did not know it (`base_value` is empty).
NOT_KNOWN = "Not known"
#: `sync_conflicts.base_value` of a conflict whose common base the server did not know.
UNKNOWN_BASE = ""


@dataclass(frozen=True)
class SyncStatus:
    """Replication state of this desktop, for `sync status` and the status bar.

    Attributes:
        connected: a team server is configured.
        server_url: the server (never with a password).
        pending_edits: local changes not yet on the server.
        conflicts: unresolved conflict records.
        last_sync: ISO time of the last completed round, or None.
        server_revision: schema revision of the server at the last round.
        local_revision: schema revision of this desktop.
        clock_skew_ms: this computer's clock minus the server's at the last round.
        clock_flagged: the difference was too big and stamps follow the server's time.
        device_id: this desktop's identity.
        configured: a server URL is set (a first connect may still be unfinished).
        offline: the last round could not reach the server.
        last_error: why the last round failed ("" after a good round).
    """

    connected: bool
    server_url: str
    pending_edits: int
    conflicts: int
    last_sync: str | None
    server_revision: str | None
    local_revision: str | None
    clock_skew_ms: int
    clock_flagged: bool
    device_id: str
    configured: bool = False
    offline: bool = False
    last_error: str = ""


@dataclass(frozen=True)
class ConflictView:
    """One open conflict, readable: what the row holds now, the other value, their base.

    Attributes:
        id: the conflict record.
        table: the replicated table (``tickets``, ``contacts``, ...).
        row_id: the record the conflict is about.
        record_label: e.g. ``Ticket X46-12 · Status``.
        field: the column (``""`` for a conflict about a deleted record).
        mine: the value the record holds now ("keep current value").
        theirs: the other value ("use the other value").
        base: the value both edits started from (`NOT_KNOWN` when the server had none).
        kind: ``"field"`` (two values of one field) or ``"deleted"`` (an edit of a record
            that was deleted elsewhere).
        created_at: when the server noticed the conflict.
        mine_origin: who wrote the current value, e.g. "this desktop, 2 May 10:42".
        theirs_origin: who wrote the other value.
        can_use_other: False when the other value cannot be re-applied (a deleted record
            does not come back).
    """

    id: uuid.UUID
    table: str
    row_id: uuid.UUID
    record_label: str
    field: str
    mine: str
    theirs: str
    base: str
    kind: str
    created_at: datetime
    mine_origin: str = ""
    theirs_origin: str = ""
    can_use_other: bool = True


_TABLE_NOUNS = {
    "tickets": "Ticket",
    "contacts": "Contact",
    "organisations": "Organisation",
    "users": "Person",
    "teams": "Team",
    "articles": "Article",
    "courses": "Course",
}

_FIELD_LABELS = {
    "assignee_id": "Assignee",
    "requester_id": "Requester",
    "organisation_id": "Organisation",
    "team_id": "Team",
    "full_name": "Name",
    "resolved_at": "Resolved",
    "closed_at": "Closed",
    "deleted_at": "Deleted",
}

#: Which permission re-applying a value needs, by table (default: ticket work).
_WRITE_PERMISSION = {
    "users": Permission.PEOPLE_MANAGE,
    "user_roles": Permission.PEOPLE_MANAGE,
    "teams": Permission.PEOPLE_MANAGE,
    "articles": Permission.KB_WRITE,
    "article_categories": Permission.KB_WRITE,
    "courses": Permission.TRAINING_MANAGE,
    "training_sessions": Permission.TRAINING_MANAGE,
    "enrolments": Permission.TRAINING_MANAGE,
    "certifications": Permission.TRAINING_MANAGE,
}

#: Ticket fields re-applied through `TicketService` (events, SLA clocks), not written raw.
_TICKET_WORKFLOW = frozenset({"status", "priority", "assignee_id"})

_AREA_OF_TABLE = {
    "users": Area.PEOPLE,
    "user_roles": Area.PEOPLE,
    "teams": Area.PEOPLE,
    "articles": Area.KNOWLEDGE,
    "article_categories": Area.KNOWLEDGE,
    "courses": Area.TRAINING,
    "training_sessions": Area.TRAINING,
    "enrolments": Area.TRAINING,
    "certifications": Area.TRAINING,
}


def field_label(field: str) -> str:
    """``assignee_id`` -> ``Assignee``; ``first_response_due_at`` -> ``First response due at``."""
    if field in _FIELD_LABELS:
        return _FIELD_LABELS[field]
    words = field.removesuffix("_id").replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else "Record"


def _local_time(moment: datetime) -> str:
    return moment.astimezone().strftime("%d %b %Y %H:%M")


def _stamp_time(hlc: str) -> str:
    try:
        wall = Timestamp.decode(hlc).wall_ms
    except ValueError:
        return ""
    return _local_time(datetime.fromtimestamp(wall / 1000, UTC))


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def _uuid_or_none(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            return None
    return None


def _split(r: ui_repo.ConflictRecord, row: dict[str, Any] | None) -> tuple[Any, Any, bool]:
    """(the value the record holds now, the other value, whether "now" is the recorded loser).

    Usually the recorded winner is what the record holds; after someone re-applied the loser
    the roles swap. A duplicate merged into this record carries several fields (a dict).
    """
    winner, loser = _loads(r.winner_value), _loads(r.loser_value)
    if isinstance(loser, dict):
        current = {f: row.get(f) for f in loser} if row is not None else winner
        return current, loser, False
    current = row.get(r.field) if row is not None and r.field in row else winner
    if current == loser and loser != winner:
        return current, winner, True
    return current, loser, False


def _without_password(url: str) -> tuple[str, str | None]:
    parsed = normalise_url(url)
    password = parsed.password
    plain = parsed.set(password=None).render_as_string(hide_password=False)
    return plain, (str(password) if password is not None else None)


class SyncService:
    """Replication of one desktop database (usually the per-user SQLite file).

    Args:
        db: this desktop's database.
        actor: the signed-in person; needed only to resolve conflicts (the CLI has none).
    """

    def __init__(self, db: Database, actor: Principal | None = None) -> None:
        self._db = db
        self._actor = actor

    def _server_url(self) -> str:
        with self._db.read_session() as s:
            url = repo.get_state(s, sync_engine.KEY_SERVER_URL)
        if not url:
            raise NotConnectedError(
                "This computer is not connected to a team server yet: run "
                "'supportdesk sync connect URL' first."
            )
        return url

    def _open_server(self, url: str, password: str | None) -> Database:
        plain, in_url = _without_password(url)
        password = password or in_url or os.environ.get(PASSWORD_ENV)
        if password is None:
            try:
                password = secrets.get_secret("postgres", postgres_secret_name(plain))
            except SecretStoreUnavailableError:
                password = None
        server = Database(plain, password=password)
        server.check_reachable()
        return server

    def _run(
        self, server: Database, action: str, cancel: threading.Event | None = None
    ) -> SyncReport:
        engine = SyncEngine(self._db, server, cancel=cancel)
        try:
            if action == "connect":
                return engine.connect(_without_password(server.display_url)[0])
            return engine.sync_once()
        except SyncError:
            raise
        except Exception as exc:
            if type(exc).__module__.startswith(("sqlalchemy", "psycopg")):
                # The environment's fault (network, server restart): nothing was lost, the
                # outbox and the cursor are as they were before this round.
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else "error"
                raise SyncError(
                    f"The connection to the team server failed ({first}). Nothing was lost; "
                    "sync again when the server is reachable."
                ) from exc
            raise

    def _remember_outcome(self, exc: BaseException | None) -> None:
        """Keep the outcome of the last round for `status` (the status bar, `sync status`)."""
        # Offline: the server could not be reached or the connection dropped (the driver's
        # OperationalError / InterfaceError), as opposed to a refusal the user must act on.
        cause = type(exc.__cause__).__name__ if exc is not None else ""
        offline = isinstance(exc, DatabaseUnavailableError) or (
            isinstance(exc, SyncError)
            and not isinstance(exc, SchemaMismatchError | NotConnectedError)
            and cause in ("OperationalError", "InterfaceError")
        )
        if "password" in str(exc).lower():
            offline = False  # reached, but refused: the user has to act
        # A local database that cannot be written is reported by the round's own error.
        with contextlib.suppress(Exception), self._db.session() as s:
            repo.set_state(s, KEY_LAST_ERROR, str(exc) if exc is not None else "")
            repo.set_state(s, KEY_OFFLINE, "1" if offline else "0")

    def connect(
        self,
        url: str,
        password: str | None = None,
        *,
        remember: bool = True,
        cancel: threading.Event | None = None,
    ) -> SyncReport:
        """Connect this desktop to a server, upload its data and download the server's.

        Args:
            url: ``postgresql://user@host:5432/db``.
            password: the server password (else from the URL, the environment or the keyring).
            remember: save the password in the OS keyring for later rounds.
            cancel: once set, stop at the next safe point with `SyncCancelledError`.
        """
        plain, in_url = _without_password(url)
        password = password or in_url
        server = self._open_server(plain, password)
        try:
            if migrate.current_revision(server) is None:
                # An empty server database gets the schema of this SupportDesk.
                migrate.prepare(server, None)
            report = self._run(server, "connect", cancel)
        finally:
            server.dispose()
        if remember and password:
            # The round worked; without a keyring the user is asked for the password next time.
            with contextlib.suppress(SecretStoreUnavailableError):
                secrets.set_secret("postgres", postgres_secret_name(plain), password)
        self._remember_outcome(None)
        return report

    @staticmethod
    def needs_password(url: str) -> bool:
        """True when no password is in the URL, the environment or the keyring."""
        plain, in_url = _without_password(url)
        if in_url or os.environ.get(PASSWORD_ENV):
            return False
        try:
            return secrets.get_secret("postgres", postgres_secret_name(plain)) is None
        except SecretStoreUnavailableError:
            return True

    def sync_once(
        self, password: str | None = None, *, cancel: threading.Event | None = None
    ) -> SyncReport:
        """One round with the configured server: push the outbox, pull the change log.

        Setting `cancel` stops the round at the next safe point (between batches and pages)
        with `SyncCancelledError`; what was done is kept and the next round resumes from there.
        """
        url = self._server_url()
        try:
            server = self._open_server(url, password)
            try:
                report = self._run(server, "sync", cancel)
            finally:
                server.dispose()
        except SyncCancelledError:
            raise  # not a problem to show: the outcome of the last real round stays
        except (SyncError, DatabaseUnavailableError) as exc:
            self._remember_outcome(exc)
            raise
        self._remember_outcome(None)
        return report

    def status(self) -> SyncStatus:
        with self._db.read_session() as s:
            url = repo.get_state(s, sync_engine.KEY_SERVER_URL) or ""
            return SyncStatus(
                connected=bool(repo.get_state(s, sync_engine.KEY_SERVER_ID)),
                server_url=url,
                pending_edits=repo.outbox_count(s),
                conflicts=repo.conflict_count(s),
                last_sync=repo.get_state(s, sync_engine.KEY_LAST_SYNC),
                server_revision=repo.get_state(s, sync_engine.KEY_SERVER_REVISION),
                local_revision=migrate.current_revision(self._db),
                clock_skew_ms=int(repo.get_state(s, sync_engine.KEY_CLOCK_SKEW) or 0),
                clock_flagged=repo.get_state(s, sync_engine.KEY_CLOCK_FLAGGED) == "1",
                device_id=self._db.device_id,
                configured=bool(url),
                offline=repo.get_state(s, KEY_OFFLINE) == "1",
                last_error=repo.get_state(s, KEY_LAST_ERROR) or "",
            )

    # --- offline markers ------------------------------------------------------------------

    def pending_row_ids(self, table: str) -> set[uuid.UUID]:
        """Ids of `table` rows created on this desktop that have not reached the server yet."""
        with self._db.read_session() as s:
            return ui_repo.pending_insert_ids(s, table)

    # --- conflicts --------------------------------------------------------------------------

    def conflicts(self) -> list[ConflictView]:
        """Open conflicts, oldest first, with readable labels and values."""
        with self._db.read_session() as s:
            records = ui_repo.open_conflicts(s)
            rows = {
                (r.table_name, r.row_id): ui_repo.row_values(s, r.table_name, r.row_id)
                for r in records
            }
            ids: set[uuid.UUID] = {r.row_id for r in records}
            for r in records:
                for text in (r.winner_value, r.loser_value, r.base_value):
                    value = _loads(text)
                    values = value.values() if isinstance(value, dict) else [value]
                    ids.update(u for u in map(_uuid_or_none, values) if u is not None)
            for row in rows.values():
                for field in ("assignee_id", "requester_id", "organisation_id", "team_id"):
                    if row is not None and (u := _uuid_or_none(row.get(field))) is not None:
                        ids.add(u)
            names = ui_repo.names_for_ids(s, ids)
        return [self._view(r, rows[(r.table_name, r.row_id)], names) for r in records]

    def _readable(self, table: str, field: str, value: Any, names: dict[uuid.UUID, str]) -> str:
        if isinstance(value, dict):
            parts = [
                f"{field_label(f)}: {self._readable(table, f, v, names)}"
                for f, v in value.items()
                if f not in ("updated_at", "updated_by", "created_at")
            ]
            return "\n".join(parts) if parts else "(no changes)"
        if value is None:
            return "Unassigned" if field == "assignee_id" else "(empty)"
        decoded = ui_repo.decode_value(table, field, value)
        if isinstance(decoded, enum.Enum):
            return str(getattr(decoded, "label", decoded.value))
        if isinstance(decoded, uuid.UUID):
            return names.get(decoded, "(a record not on this computer)")
        if isinstance(decoded, datetime):
            return _local_time(decoded)
        if isinstance(decoded, bool):
            return "Yes" if decoded else "No"
        return str(decoded)

    def _base_text(self, r: ui_repo.ConflictRecord, base: Any, names: dict[uuid.UUID, str]) -> str:
        """The common base, readable; `NOT_KNOWN` only when the server did not know it.

        The engine writes an unknown base as `UNKNOWN_BASE` and a known one as JSON, so
        ``null`` is a base that really was empty ("Unassigned", "(empty)"). Records written
        before that rule used ``null`` for "unknown" as well; where the kind shows it could
        not have been a real base (a deletion or a merged duplicate, whose base is a set of
        fields) it still reads as not known.
        """
        if r.base_value.strip() == UNKNOWN_BASE:
            return NOT_KNOWN
        if r.kind == "deleted":
            if base is None:
                return NOT_KNOWN
            return self._readable(r.table_name, "", base, names)
        if r.kind == "unique" and base is None and isinstance(_loads(r.loser_value), dict):
            return NOT_KNOWN
        return self._readable(r.table_name, r.field, base, names)

    def _origin(self, device: str, hlc: str) -> str:
        who = "this desktop" if device == self._db.device_id else "another desktop"
        when = _stamp_time(hlc)
        return f"Written on {who}" + (f", {when}" if when else "")

    def _view(
        self,
        r: ui_repo.ConflictRecord,
        row: dict[str, Any] | None,
        names: dict[uuid.UUID, str],
    ) -> ConflictView:
        noun = _TABLE_NOUNS.get(r.table_name, r.table_name.replace("_", " ").capitalize())
        name = names.get(r.row_id, "")
        if r.table_name == "tickets" and name:
            label = f"{noun} {name}"
        elif name:
            label = f"{noun} “{name}”"
        else:
            label = noun
        winner, loser = _loads(r.winner_value), _loads(r.loser_value)
        base = _loads(r.base_value)
        if r.kind == "deleted":
            tomb = row.get("deleted_at") if row is not None else None
            deleted_value = (
                tomb if tomb is not None else (winner if isinstance(winner, str) else None)
            )
            edits = loser if isinstance(loser, dict) else winner if isinstance(winner, dict) else {}
            when = ui_repo.decode_value(r.table_name, "deleted_at", deleted_value)
            mine = f"Deleted {_local_time(when)}" if isinstance(when, datetime) else "Deleted"
            return ConflictView(
                id=r.id,
                table=r.table_name,
                row_id=r.row_id,
                record_label=f"{label} · deleted while edited",
                field="",
                mine=mine,
                theirs=self._readable(r.table_name, "", edits, names),
                base=self._base_text(r, base, names),
                kind=r.kind,
                created_at=r.created_at,
                mine_origin=self._origin(r.winner_device, r.winner_hlc),
                theirs_origin=self._origin(r.loser_device, r.loser_hlc),
                can_use_other=False,
            )
        current, other, swapped = _split(r, row)
        if swapped:
            other_device, other_hlc = r.winner_device, r.winner_hlc
            mine_origin = self._origin(r.loser_device, r.loser_hlc)
        else:
            other_device, other_hlc = r.loser_device, r.loser_hlc
            mine_origin = (
                self._origin(r.winner_device, r.winner_hlc)
                if current == winner or isinstance(other, dict)
                else "Changed again since"
            )
        alive = row is not None and row.get("deleted_at") is None
        if r.kind == "unique" and isinstance(other, dict):
            fields = ", ".join(field_label(f) for f in r.field.split(",") if f)
            what = f"recorded twice (same {fields})"
            usable = alive
        elif r.kind == "unique":
            what = f"{field_label(r.field)} already taken, renamed"
            usable = False  # the other value is the one that clashed
        else:
            what = field_label(r.field)
            usable = alive
        return ConflictView(
            id=r.id,
            table=r.table_name,
            row_id=r.row_id,
            record_label=f"{label} · {what}",
            field=r.field,
            mine=self._readable(r.table_name, r.field, current, names),
            theirs=self._readable(r.table_name, r.field, other, names),
            base=self._base_text(r, base, names),
            kind=r.kind,
            created_at=r.created_at,
            mine_origin=mine_origin,
            theirs_origin=self._origin(other_device, other_hlc),
            can_use_other=usable,
        )

    def resolve_conflict(
        self, conflict_id: uuid.UUID, keep: Literal["current", "other"]
    ) -> Changes:
        """Settle a conflict for everyone.

        ``"current"`` keeps the value the record holds now; ``"other"`` writes the other value
        again as a new local edit. Either way the conflict is marked resolved; both changes go
        to the outbox and replicate like any edit. A ticket's status, priority or assignee
        goes through `TicketService` (its own unit of work, first), so the timeline, the SLA
        pause/resume and the resolve/close effects follow; other fields are written as they
        are, in the same unit of work as the resolution.
        """
        if keep not in ("current", "other"):
            raise ValidationError("Choose to keep the current value or to use the other one.")
        actor = self._actor
        if actor is None:
            raise ValidationError("Sign in to resolve conflicts.")
        with self._db.read_session() as s:
            found = ui_repo.open_conflict(s, conflict_id)
        if found is None:
            raise NotFoundError(
                "That conflict is already resolved (perhaps on another desktop); "
                "the list has been refreshed."
            )
        permission = _WRITE_PERMISSION.get(found.table_name, Permission.TICKET_WRITE)
        if not actor.can(permission):
            raise PermissionDeniedError(permission)
        view = next((v for v in self.conflicts() if v.id == conflict_id), None)
        label = view.record_label if view is not None else found.table_name
        if keep == "other" and (view is None or not view.can_use_other):
            raise ValidationError(
                "A deleted record does not come back through sync. Keep the deletion "
                "and create the record again if it is still needed."
                if found.kind == "deleted"
                else "The other value cannot be used here: it would clash again. "
                "Keep the current value and change the record in its own screen."
            )
        through_tickets = (
            keep == "other" and found.table_name == "tickets" and found.field in _TICKET_WORKFLOW
        )
        if through_tickets:
            # The ticket's own rules: timeline event, SLA pause/resume, resolve/close effects.
            self._use_other_on_ticket(found, actor, label)
        with self._db.session(actor_id=actor.user_id) as s:
            if keep == "other" and not through_tickets:
                row = ui_repo.row_values(s, found.table_name, found.row_id)
                _current, other, _swapped = _split(found, row)
                values = other if isinstance(other, dict) else {found.field: other}
                for name, value in values.items():
                    if not ui_repo.set_field(s, found.table_name, found.row_id, name, value):
                        raise NotFoundError(f"{label} is no longer on this computer.")
            if not ui_repo.mark_resolved(s, conflict_id, actor.user_id, datetime.now(UTC)):
                raise NotFoundError("That conflict is already resolved.")
            audit_repo.add_event(
                s,
                kind=AuditKind.CHANGE,
                action="sync.conflict_resolved",
                actor_id=actor.user_id,
                actor_name=actor.full_name,
                entity=found.table_name,
                entity_id=found.row_id,
                summary=(
                    f"{label}: kept the current value"
                    if keep == "current"
                    else f"{label}: used the other value"
                ),
                device_id=self._db.device_id,
            )
        area = _AREA_OF_TABLE.get(found.table_name, Area.TICKETS)
        return Changes.of(area, ids=(found.row_id,))

    def _use_other_on_ticket(
        self, found: ui_repo.ConflictRecord, actor: Principal, label: str
    ) -> None:
        """Write the other status, priority or assignee through the ticket service."""
        with self._db.read_session() as s:
            row = ui_repo.row_values(s, found.table_name, found.row_id)
        if row is None:
            raise NotFoundError(f"{label} is no longer on this computer.")
        current, other, _swapped = _split(found, row)
        if current == other:
            return  # the record already holds that value
        tickets = TicketService(self._db, actor)
        value = ui_repo.decode_value(found.table_name, found.field, other)
        if found.field == "status":
            tickets.change_status(found.row_id, TicketStatus(value))
        elif found.field == "priority":
            tickets.change_priority(found.row_id, Priority(value))
        else:
            team = _uuid_or_none(row.get("team_id"))
            tickets.assign(found.row_id, _uuid_or_none(value), team)
