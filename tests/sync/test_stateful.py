"""Three desktops and one server under random offline edits, sync orders and crashes.

After everyone syncs: every desktop equals the server row for row; every acknowledged edit of
a field that keeps conflicts is the final value, a recorded conflict value, or was knowingly
overwritten by a desktop that had seen it; conflicts are identical everywhere; nothing deleted
comes back.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import create_engine

from app.data.database import Database, sqlite_url
from app.data.engine import normalise_url
from app.data.models import Contact, Ticket, TicketEvent
from app.data.repos import sync as repo
from app.domain.enums import Priority, TicketEventKind, TicketStatus
from app.sync.engine import SyncEngine
from tests.conftest import _pg_admin_url, _pg_url_for
from tests.sync.helpers import conflicts, diff, snapshot, wait_log_visible

pytestmark = pytest.mark.postgres

DESKTOPS = 3
TRACKED = {"contacts": ("full_name", "email", "phone"), "tickets": ("description",)}

# Everything a rule uses is drawn up front, never depending on the databases' state
# (row ids are time-based, so which row a pick lands on differs between runs).
EDIT_ARGS = {
    "n": st.integers(0, DESKTOPS - 1),
    "table": st.sampled_from(sorted(TRACKED)),
    "pick": st.integers(0, 50),
    "field_pick": st.integers(0, 2),
    "workflow": st.booleans(),
    "status": st.sampled_from(list(TicketStatus)),
    "priority": st.sampled_from(list(Priority)),
}


class CrashError(Exception):
    """A simulated crash or dropped connection at a named point."""


def _exec(base: str, sql: str) -> None:
    engine = create_engine(normalise_url(base), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(sql)
    finally:
        engine.dispose()


class Replication(RuleBasedStateMachine):
    template: Path
    pg_template: str
    workdir: Path

    def __init__(self) -> None:
        super().__init__()
        self.counter = itertools.count()
        self.base = _pg_admin_url()
        self.server_name = f"sd_sm_{uuid.uuid4().hex[:10]}"
        _exec(self.base, f"CREATE DATABASE {self.server_name} TEMPLATE {self.pg_template}")
        self.server = Database(_pg_url_for(self.base, self.server_name))
        self.desktops: list[Database] = []
        self.engines: list[SyncEngine] = []
        self.crash_at: list[str | None] = [None] * DESKTOPS
        # (table, row, field) -> edits not yet acknowledged / acknowledged, per desktop
        self.unacked: list[list[tuple[str, uuid.UUID, str, Any]]] = [[] for _ in range(DESKTOPS)]
        self.acked: list[tuple[str, uuid.UUID, str, Any]] = []
        self.superseded: set[tuple[str, uuid.UUID, str, Any]] = set()
        self.deleted: set[tuple[str, uuid.UUID]] = set()

    @initialize()
    def start(self) -> None:
        for n in range(DESKTOPS):
            path = self.workdir / f"d{n}-{uuid.uuid4().hex[:6]}.db"
            path.write_bytes(self.template.read_bytes())
            db = Database(sqlite_url(path))
            db.attach_device()
            with db.session() as s:
                repo.reset_device_identity(s)
            db.attach_device()
            engine = SyncEngine(db, self.server, batch_size=4, page_size=7, fault=self._fault(n))
            engine.connect(self.server.display_url)
            self.desktops.append(db)
            self.engines.append(engine)
        # Shared rows from the start, so that offline edits of the same rows are common.
        for _ in range(2):
            self.create_contact(0)
            self.create_ticket(0)
        for n in (0, 1, 2):
            self.engines[n].sync_once()

    def _fault(self, n: int) -> Callable[[str], None]:
        def hit(point: str) -> None:
            if self.crash_at[n] == point:
                self.crash_at[n] = None
                raise CrashError(point)

        return hit

    def _value(self, field: str) -> str:
        return f"{field}-{next(self.counter)}"

    def _live_rows(self, n: int, table: str) -> list[uuid.UUID]:
        model = Contact if table == "contacts" else Ticket
        with self.desktops[n].read_session() as s:
            return sorted(r.id for r in s.query(model).filter(model.deleted_at.is_(None)).all())

    # --- local work ----------------------------------------------------------------------------

    @rule(n=st.integers(0, DESKTOPS - 1))
    def create_contact(self, n: int) -> None:
        with self.desktops[n].session() as s:
            c = Contact(full_name=self._value("full_name"), email=self._value("email"))
            s.add(c)

    @rule(n=st.integers(0, DESKTOPS - 1))
    def create_ticket(self, n: int) -> None:
        db = self.desktops[n]
        with db.session() as s:
            s.add(
                Ticket(
                    number=f"{db.device_prefix}-{next(self.counter)}",
                    subject="Printer",
                    description=self._value("description"),
                    opened_at=datetime.now(UTC),
                )
            )

    @rule(**EDIT_ARGS)
    def edit(
        self,
        n: int,
        table: str,
        pick: int,
        field_pick: int,
        workflow: bool,
        status: TicketStatus,
        priority: Priority,
    ) -> None:
        rows = self._live_rows(n, table)
        if not rows:
            return
        row_id = rows[pick % len(rows)]
        model = Contact if table == "contacts" else Ticket
        with self.desktops[n].session() as s:
            obj = s.get(model, row_id)
            assert obj is not None
            if table == "tickets" and workflow:
                obj.status = status
                obj.priority = priority
                return
            fields = TRACKED[table]
            field = fields[field_pick % len(fields)]
            self.superseded.add((table, row_id, field, getattr(obj, field)))
            value = self._value(field)
            setattr(obj, field, value)
        self.unacked[n].append((table, row_id, field, value))

    @rule(**EDIT_ARGS)
    def edit_again(self, **kwargs: Any) -> None:
        # A second rule with the same body: edits are what the merge is about.
        self.edit(**kwargs)

    @rule(n=st.integers(0, DESKTOPS - 1), pick=st.integers(0, 50))
    def add_reply(self, n: int, pick: int) -> None:
        rows = self._live_rows(n, "tickets")
        if rows:
            with self.desktops[n].session() as s:
                s.add(
                    TicketEvent(
                        ticket_id=rows[pick % len(rows)], kind=TicketEventKind.REPLY, body="ok"
                    )
                )

    @rule(
        n=st.integers(0, DESKTOPS - 1),
        table=st.sampled_from(sorted(TRACKED)),
        pick=st.integers(0, 50),
    )
    def delete(self, n: int, table: str, pick: int) -> None:
        rows = self._live_rows(n, table)
        if not rows:
            return
        row_id = rows[pick % len(rows)]
        model = Contact if table == "contacts" else Ticket
        with self.desktops[n].session() as s:
            obj = s.get(model, row_id)
            assert obj is not None
            obj.deleted_at = datetime.now(UTC)
        self.deleted.add((table, row_id))

    # --- replication -------------------------------------------------------------------------

    @rule(
        n=st.integers(0, DESKTOPS - 1),
        crash=st.sampled_from(
            [None, None, "push:entry-applied", "push:before-ack", "pull:row-applied"]
        ),
    )
    def sync(self, n: int, crash: str | None) -> None:
        self.crash_at[n] = crash
        try:
            self.engines[n].sync_once()
        except CrashError as crashed:
            if not str(crashed).startswith("pull:"):
                return  # the push was not acknowledged: the edits wait in the outbox
        finally:
            self.crash_at[n] = None
        self.acked.extend(self.unacked[n])
        self.unacked[n].clear()

    @invariant()
    def outbox_never_loses_unacked_edits(self) -> None:
        for n, db in enumerate(self.desktops):
            if self.unacked[n]:
                with db.read_session() as s:
                    assert repo.outbox_count(s) > 0

    # --- the end -----------------------------------------------------------------------------

    def teardown(self) -> None:
        try:
            if len(self.desktops) == DESKTOPS:
                self._check_convergence()
        finally:
            for db in self.desktops:
                db.dispose()
            self.server.dispose()
            _exec(self.base, f"DROP DATABASE IF EXISTS {self.server_name} WITH (FORCE)")

    def _check_convergence(self) -> None:
        for _round in range(2):
            for n in range(DESKTOPS):
                # A pull waits for every older transaction of the cluster; on a shared server
                # another database's long transaction would only delay it, never lose rows.
                wait_log_visible(self.server)
                self.sync(n, None)
        server = snapshot(self.server)
        for db in self.desktops:
            mine = snapshot(db)
            assert mine == server, diff(mine, server)
        expected = conflicts(self.server)
        for db in self.desktops:
            assert conflicts(db) == expected
        for table, row_id in self.deleted:
            assert server[table][row_id]["deleted_at"] is not None
        recorded = set()
        for c in expected:
            for text in (c[5], c[6]):
                value = json.loads(text)
                if isinstance(value, dict):  # an edit of a deleted row: every edited field
                    recorded.update((c[1], c[2], f, v) for f, v in value.items())
                else:
                    recorded.add((c[1], c[2], c[3], value))
        for table, row_id, field, value in self.acked:
            final = server[table][row_id][field]
            assert (
                final == value
                or (table, row_id, field, value) in recorded
                or (table, row_id, field, value) in self.superseded
            ), f"edit lost: {table}.{field}={value!r} on {row_id} (final {final!r})"


def test_three_desktops_converge(sqlite_template: Path, pg_template: str, tmp_path: Path) -> None:
    Replication.template = sqlite_template
    Replication.pg_template = pg_template
    Replication.workdir = tmp_path
    run_state_machine_as_test(
        Replication,
        settings=settings(
            max_examples=15,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
