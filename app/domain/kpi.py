"""KPI formulas over aggregates the data layer computes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median


def week_start(day: date | datetime) -> date:
    """Monday of the ISO week containing `day`."""
    d = day.date() if isinstance(day, datetime) else day
    return d - timedelta(days=d.weekday())


def weeks_between(start: date, end: date) -> list[date]:
    """Every week start from the week of `start` through the week of `end`."""
    out = []
    w = week_start(start)
    last = week_start(end)
    while w <= last:
        out.append(w)
        w += timedelta(days=7)
    return out


def compliance_percent(met: int, total: int) -> float | None:
    """Share of targets met, in percent; None when nothing was measured."""
    if total <= 0:
        return None
    return 100.0 * met / total


def median_or_none(values: Sequence[float]) -> float | None:
    return float(median(values)) if values else None


@dataclass(frozen=True)
class WeeklyPoint:
    week: date
    value: float | None
