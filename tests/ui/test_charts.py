"""The chart functions, checked by the artists they draw (no Qt needed)."""

from __future__ import annotations

import math
from datetime import date, timedelta

import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from app.services.kpi_service import (
    BacklogPoint,
    BacklogSeries,
    OpenedResolvedPoint,
    OpenedResolvedSeries,
    ResponseTimesPoint,
    ResponseTimesSeries,
    SatisfactionPoint,
    SatisfactionSeries,
    SlaCompliancePoint,
    SlaComplianceSeries,
)
from app.ui.kpi import charts

WEEKS = [date(2024, 1, 1) + timedelta(weeks=i) for i in range(4)]


def _ax() -> Axes:
    return Figure().add_subplot()


def _texts(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


def _legend(ax: Axes) -> list[str]:
    legend = ax.get_legend()
    assert legend is not None
    return [t.get_text() for t in legend.get_texts()]


def _ydata(ax: Axes, label: str) -> list[float]:
    (line,) = [ln for ln in ax.get_lines() if ln.get_label() == label]
    return [float(v) for v in line.get_ydata()]


def test_opened_resolved_draws_two_bars_per_week() -> None:
    series = OpenedResolvedSeries(
        tuple(
            OpenedResolvedPoint(w, o, r)
            for w, o, r in zip(WEEKS, [3, 2, 0, 5], [1, 2, 1, 0], strict=True)
        )
    )
    ax = _ax()
    charts.draw_opened_resolved(ax, series)
    assert len(ax.patches) == 8
    assert [c.get_label() for c in ax.containers] == ["Opened", "Resolved"]
    assert [p.get_height() for p in ax.containers[0]] == [3, 2, 0, 5]
    assert ax.get_title() == "Tickets opened and resolved per week"
    assert ax.get_ylabel() == "Tickets"
    assert _legend(ax) == ["Opened", "Resolved"]
    assert charts.NO_DATA not in _texts(ax)
    # Dates on the x axis: the first bar sits just before the first Monday.
    first = ax.containers[0][0]
    assert mdates.num2date(first.get_x() + first.get_width()).date() == WEEKS[0]


def test_empty_series_says_no_data() -> None:
    ax = _ax()
    charts.draw_opened_resolved(
        ax, OpenedResolvedSeries(tuple(OpenedResolvedPoint(w, 0, 0) for w in WEEKS))
    )
    assert _texts(ax) == [charts.NO_DATA]
    assert len(ax.patches) == 0
    assert ax.get_title()  # the chart still says what it would show


def test_redraw_replaces_previous_artists() -> None:
    ax = _ax()
    series = OpenedResolvedSeries(tuple(OpenedResolvedPoint(w, 1, 1) for w in WEEKS))
    charts.draw_opened_resolved(ax, series)
    charts.draw_opened_resolved(ax, series)
    assert len(ax.patches) == 8


def test_backlog_line_and_area() -> None:
    ax = _ax()
    charts.draw_backlog(
        ax,
        BacklogSeries(tuple(BacklogPoint(w, n) for w, n in zip(WEEKS, [3, 3, 2, 2], strict=True))),
    )
    assert _ydata(ax, "Open tickets") == [3, 3, 2, 2]
    assert len(ax.collections) == 1  # the filled area
    assert ax.get_ylim()[0] == 0


def test_response_times_leave_gaps_for_weeks_without_data() -> None:
    points = tuple(
        ResponseTimesPoint(w, f, r, 1 if f else 0, 1 if r else 0)
        for w, f, r in zip(WEEKS, [1.5, 1.0, None, None], [10.0, 12.5, 50.0, None], strict=True)
    )
    ax = _ax()
    charts.draw_response_times(ax, ResponseTimesSeries(points))
    first = _ydata(ax, "First response")
    assert first[:2] == [1.5, 1.0]
    assert math.isnan(first[2])
    assert _ydata(ax, "Resolution")[:3] == [10.0, 12.5, 50.0]
    assert "hours" in ax.get_ylabel()


def test_sla_compliance_has_target_line() -> None:
    points = tuple(
        SlaCompliancePoint(w, r, 1, 1, f, 1, 1)
        for w, r, f in zip(WEEKS, [100.0, 50.0, 80.0, 95.0], [50.0, 100.0, 90.0, 90.0], strict=True)
    )
    ax = _ax()
    charts.draw_sla_compliance(ax, SlaComplianceSeries(points))
    assert _ydata(ax, "Resolved in time") == [100.0, 50.0, 80.0, 95.0]
    assert _ydata(ax, "Target 90%") == [90.0, 90.0]
    assert "Target 90%" in _legend(ax)
    assert ax.get_ylabel() == "Within target (%)"


def test_satisfaction_average_line() -> None:
    points = tuple(
        SatisfactionPoint(w, a, n)
        for w, a, n in zip(WEEKS, [5.0, 3.0, None, 4.0], [1, 2, 0, 1], strict=True)
    )
    ax = _ax()
    charts.draw_satisfaction(ax, SatisfactionSeries(points))
    assert _legend(ax) == ["Average score (4 ratings)"]
    assert _ydata(ax, "Average score (4 ratings)")[:2] == [5.0, 3.0]


def test_apply_colours_restyles_for_dark_palette() -> None:
    figure = Figure()
    ax = figure.add_subplot()
    charts.draw_backlog(ax, BacklogSeries(tuple(BacklogPoint(w, 0) for w in WEEKS)))
    colours = charts.ChartColours(window="#202020", base="#101010", text="#eeeeee", grid="#555555")
    charts.apply_colours(figure, colours)
    assert figure.get_facecolor()[:3] == (32 / 255, 32 / 255, 32 / 255)
    assert ax.title.get_color() == "#eeeeee"
    assert ax.texts[0].get_color() == "#eeeeee"  # the "No data" text follows the palette
