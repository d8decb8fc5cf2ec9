"""Automatic hlc/updated_by stamping, the device row, the clock across reopen, ticket numbers."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select

from app.data.database import Database
from app.data.models import Device, Organisation, Ticket
from app.data.repos.device import next_ticket_number, reserve_ticket_numbers
from app.domain.hlc import Timestamp
from app.domain.ids import device_prefix


def _reopen(db: Database) -> Database:
    again = Database(db.url)
    again.attach_device()
    return again


def test_new_and_changed_rows_are_stamped(any_db: Database) -> None:
    actor = uuid.uuid4()
    with any_db.session(actor_id=actor) as session:
        org = Organisation(name="Acme")
        session.add(org)
        session.flush()
        first = org.hlc
        assert first
        assert org.updated_by == actor
        org.notes = "changed"
        session.flush()
        second = org.hlc
        assert second > first
        assert Timestamp.decode(second).device == any_db.device_id
    editor = uuid.uuid4()
    with any_db.session(actor_id=editor) as session:
        stored = session.get(Organisation, org.id)
        assert stored is not None
        assert stored.hlc == second
        stored.domain = "acme.example"
        session.flush()
        assert stored.hlc > second
        assert stored.updated_by == editor


def test_unchanged_rows_keep_their_stamp(any_db: Database) -> None:
    with any_db.session() as session:
        org = Organisation(name="Acme")
        session.add(org)
    with any_db.session(actor_id=uuid.uuid4()) as session:
        stored = session.get(Organisation, org.id)
        assert stored is not None
        stored.name = "Acme"  # same value: not a change
        session.flush()
        assert stored.hlc == org.hlc
        assert stored.updated_by is None


def test_stamps_increase_across_flushes_and_sessions(any_db: Database) -> None:
    stamps = []
    for i in range(5):
        with any_db.session() as session:
            org = Organisation(name=f"Org {i}")
            session.add(org)
            session.flush()
            stamps.append(org.hlc)
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == 5


def test_device_last_hlc_is_persisted_with_the_change(any_db: Database) -> None:
    with any_db.session() as session:
        org = Organisation(name="Acme")
        session.add(org)
    with any_db.read_session() as session:
        device = session.scalars(select(Device)).one()
        assert device.last_hlc == org.hlc
    assert any_db.clock is not None
    assert any_db.clock.last.encode() == org.hlc


def test_device_row_created_once_and_clock_restored_on_reopen(any_db: Database) -> None:
    with any_db.session() as session:
        org = Organisation(name="Acme")
        session.add(org)
    assert any_db.device_prefix == device_prefix(uuid.UUID(any_db.device_id))
    again = _reopen(any_db)
    try:
        assert again.device_id == any_db.device_id
        assert again.device_prefix == any_db.device_prefix
        assert again.clock is not None
        assert again.clock.last == Timestamp.decode(org.hlc)
        with again.session() as session:
            later = Organisation(name="Later")
            session.add(later)
        assert later.hlc > org.hlc
        with again.read_session() as session:
            assert session.scalar(select(func.count()).select_from(Device)) == 1
    finally:
        again.dispose()


def test_rolled_back_work_is_not_stamped_on_disk(any_db: Database) -> None:
    try:
        with any_db.session() as session:
            session.add(Organisation(name="Ghost"))
            session.flush()
            raise RuntimeError("abort")
    except RuntimeError:
        pass
    with any_db.read_session() as session:
        assert session.scalar(select(func.count()).select_from(Organisation)) == 0
        assert session.scalars(select(Device.last_hlc)).one() == ""


def test_next_ticket_number_is_sequential_per_device(any_db: Database) -> None:
    numbers = []
    for _ in range(3):
        with any_db.session() as session:
            numbers.append(next_ticket_number(session))
    prefix = any_db.device_prefix
    assert numbers == [f"{prefix}-1", f"{prefix}-2", f"{prefix}-3"]
    with any_db.session() as session:
        first = reserve_ticket_numbers(session, 10)
        assert first == (prefix, 4)
        assert next_ticket_number(session) == f"{prefix}-14"


def test_rolled_back_number_is_given_again(any_db: Database) -> None:
    try:
        with any_db.session() as session:
            taken = next_ticket_number(session)
            raise RuntimeError("abort")
    except RuntimeError:
        pass
    with any_db.session() as session:
        assert next_ticket_number(session) == taken


def test_ticket_numbers_unique_under_concurrent_sessions(any_db: Database) -> None:
    taken: list[str] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(10):
                with any_db.session() as session:
                    number = next_ticket_number(session)
                    session.add(Ticket(number=number, subject="s", opened_at=datetime.now(UTC)))
                with lock:
                    taken.append(number)
        except BaseException as exc:  # reported below, not swallowed
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(taken) == 30
    assert sorted(int(n.split("-")[1]) for n in taken) == list(range(1, 31))
