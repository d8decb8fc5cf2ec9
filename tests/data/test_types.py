"""UtcDateTime: aware datetimes in, aware UTC datetimes out, naive refused, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import StatementError

from app.data.database import Database
from app.data.models import Organisation


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=ZoneInfo("Europe/London")),
        datetime(2026, 11, 27, 23, 45, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=ZoneInfo("America/New_York")),
        datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
    ],
    ids=["london-dst", "plus-0530", "new-york-fold", "utc"],
)
def test_aware_datetime_round_trip(any_db: Database, moment: datetime) -> None:
    with any_db.session() as session:
        org = Organisation(name="Acme", created_at=moment, updated_at=moment)
        session.add(org)
        session.flush()
        org_id = org.id
    with any_db.read_session() as session:
        stored = session.get(Organisation, org_id)
        assert stored is not None
        # Same instant. (Compared in UTC: PEP 495 makes a gap or fold time unequal to every
        # time in another zone.)
        assert stored.created_at == moment.astimezone(UTC)
        assert stored.created_at.tzinfo is UTC
        assert stored.created_at.utcoffset() == timedelta(0)


def test_utc_comparison_in_sql(any_db: Database) -> None:
    # Stored as UTC, so SQL ordering and range filters agree with Python's.
    berlin = ZoneInfo("Europe/Berlin")
    early = datetime(2026, 6, 1, 9, 0, tzinfo=berlin)  # 07:00 UTC
    late = datetime(2026, 6, 1, 8, 30, tzinfo=UTC)
    with any_db.session() as session:
        session.add_all(
            [
                Organisation(name="early", created_at=early),
                Organisation(name="late", created_at=late),
            ]
        )
    with any_db.read_session() as session:
        names = session.scalars(
            select(Organisation.name)
            .where(Organisation.created_at >= datetime(2026, 6, 1, 7, 30, tzinfo=UTC))
            .order_by(Organisation.created_at)
        ).all()
    assert names == ["late"]


def test_naive_datetime_is_refused_and_nothing_is_written(any_db: Database) -> None:
    with any_db.session() as session:
        session.add(Organisation(name="Naive", created_at=datetime(2026, 1, 1, 12, 0)))
        with pytest.raises(StatementError, match="naive datetime"):
            session.flush()
        session.rollback()
    with any_db.read_session() as session:
        assert session.scalar(select(func.count()).select_from(Organisation)) == 0


def test_null_stays_null(any_db: Database) -> None:
    with any_db.session() as session:
        org = Organisation(name="Acme")
        session.add(org)
        session.flush()
        org_id = org.id
    with any_db.read_session() as session:
        stored = session.get(Organisation, org_id)
        assert stored is not None
        assert stored.deleted_at is None
        assert stored.created_at.tzinfo is not None
