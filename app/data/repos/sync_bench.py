"""SQL for the replication benchmark (`app.bench.sync`): throw-away databases, bulk set-up.

Nothing here runs in the app itself.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Table, bindparam, create_engine, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.data.capture import dumps
from app.data.engine import normalise_url
from app.data.models.local import OutboxEntry
from app.data.models.people import Contact
from app.data.repos import sync as sync_repo
from app.domain.hlc import HybridLogicalClock
from app.domain.ids import new_id


def create_database(admin_url: str, name: str) -> str:
    """Create a PostgreSQL database; returns its URL (same server and user)."""
    engine = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, name: str) -> None:
    engine = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        engine.dispose()


def insert_contacts(session: Session, rows: int) -> None:
    """`rows` contacts written in bulk, bypassing capture (like a data import)."""
    now = datetime.now(UTC)
    hlc = f"{int(now.timestamp() * 1000):013d}-00000-bench"
    for start in range(0, rows, 10_000):
        session.execute(
            insert(Contact),
            [
                {
                    "id": new_id(),
                    "full_name": f"Contact {n}",
                    "email": f"c{n}@example.com",
                    "phone": "",
                    "created_at": now,
                    "updated_at": now,
                    "hlc": hlc,
                }
                for n in range(start, min(rows, start + 10_000))
            ],
        )


def contact_ids(session: Session, limit: int | None = None) -> list[uuid.UUID]:
    stmt = select(Contact.id).order_by(Contact.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def bulk_phone_edits(
    session: Session, clock: HybridLogicalClock, device: str, changes: int
) -> None:
    """`changes` phone-number edits with the outbox entries capture would write, in bulk."""
    ids = contact_ids(session)
    clocks = sync_repo.load_clocks_many(session, [("contacts", i) for i in ids])
    now = datetime.now(UTC)
    entries = []
    edits = []
    tx = uuid.uuid4().hex
    for n in range(changes):
        row_id = ids[n % len(ids)]
        if n % 1000 == 0:
            tx = uuid.uuid4().hex
        stamp = clock.now().encode()
        phone = f"+44 {n:08d}"
        known = clocks.get(("contacts", row_id), {})
        bases = {f: int(known[f][1]) for f in ("phone", "deleted_at") if f in known}
        top = max((int(c[1]) for c in known.values()), default=0)
        entries.append(
            {
                "table_name": "contacts",
                "row_id": row_id,
                "op": "update",
                "fields": dumps({"phone": phone, "updated_at": now.isoformat()}),
                "hlc": stamp,
                "bases": dumps(bases),
                "base_version": top,
                "device_id": device,
                "tx_id": tx,
                "created_at": now,
            }
        )
        edits.append({"_id": row_id, "phone": phone, "hlc": stamp})
    session.info["capture"] = False
    session.execute(insert(OutboxEntry), entries)
    table = Contact.__table__
    assert isinstance(table, Table)
    session.execute(
        update(table)
        .where(table.c.id == bindparam("_id"))
        .values(phone=bindparam("phone"), hlc=bindparam("hlc")),
        edits,
    )
    sync_repo.persist_clock(session, clock.last.encode())


def orm_email_edits(session: Session, ids: list[uuid.UUID], start: int, stop: int) -> None:
    """Edits through ORM objects (stamped and captured like the app's own)."""
    for n in range(start, stop):
        obj = session.get(Contact, ids[n % len(ids)])
        assert obj is not None
        obj.email = f"edited{n}@example.com"
