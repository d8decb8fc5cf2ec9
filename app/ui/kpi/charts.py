"""The KPI charts as pure functions: `draw_<kpi>(ax, series)` on a matplotlib Axes.

No Qt and no pyplot here, so the functions are tested by their artists and labels. Series
colours come from matplotlib's colour cycle ("C0", "C1", …); the pane restyles text,
backgrounds and grid from the Qt palette with `apply_colours` after drawing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from app.services.kpi_service import (
    BacklogSeries,
    OpenedResolvedSeries,
    ResponseTimesSeries,
    SatisfactionSeries,
    SlaComplianceSeries,
)

NO_DATA = "No data in this period"

# Bars of one week sit side by side: two bars of BAR_DAYS each, centred on the week.
BAR_DAYS = 2.8


@dataclass(frozen=True)
class ChartColours:
    """Colours (any matplotlib colour string) the pane takes from the Qt palette."""

    window: str
    base: str
    text: str
    grid: str


def _x(weeks: Sequence[date]) -> Any:
    # Matplotlib date numbers (days), so bars can be offset and sized in days.
    return mdates.date2num([datetime.combine(w, time()) for w in weeks])  # type: ignore[no-untyped-call]


def _nan(values: Sequence[float | None]) -> list[float]:
    # NaN leaves a gap in the line instead of drawing a misleading zero.
    return [math.nan if v is None else float(v) for v in values]


def _date_axis(ax: Axes) -> None:
    ax.xaxis_date()
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]


def _start(ax: Axes, title: str) -> None:
    ax.clear()
    ax.set_title(title)


def _no_data(ax: Axes) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    ax.text(
        0.5,
        0.5,
        NO_DATA,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize="large",
    )


def _legend(ax: Axes, *, at_bottom: bool = False) -> None:
    ax.legend(loc="lower left" if at_bottom else "upper left", fontsize="small", frameon=False)


def draw_opened_resolved(ax: Axes, series: OpenedResolvedSeries) -> None:
    """Grouped bars per week: tickets opened and tickets resolved."""
    _start(ax, "Tickets opened and resolved per week")
    if not series.has_data:
        _no_data(ax)
        return
    x = _x([p.week for p in series.points])
    half = BAR_DAYS / 2
    ax.bar(x - half, [p.opened for p in series.points], BAR_DAYS, label="Opened", color="C0")
    ax.bar(x + half, [p.resolved for p in series.points], BAR_DAYS, label="Resolved", color="C2")
    _date_axis(ax)
    ax.set_xlabel("Week starting")
    ax.set_ylabel("Tickets")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _legend(ax)


def draw_backlog(ax: Axes, series: BacklogSeries) -> None:
    """Area under a line: tickets still open at the end of each week."""
    _start(ax, "Open tickets at the end of each week")
    if not series.has_data:
        _no_data(ax)
        return
    x = _x([p.week for p in series.points])
    y = [p.open_tickets for p in series.points]
    ax.fill_between(x, y, alpha=0.25, color="C0")
    ax.plot(x, y, marker="o", markersize=3, color="C0", label="Open tickets")
    _date_axis(ax)
    ax.set_xlabel("Week starting")
    ax.set_ylabel("Tickets")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _legend(ax)


def draw_response_times(ax: Axes, series: ResponseTimesSeries) -> None:
    """Two lines: median business hours to first response and to resolution."""
    _start(ax, "Median response and resolution time")
    if not series.has_data:
        _no_data(ax)
        return
    x = _x([p.week for p in series.points])
    ax.plot(
        x,
        _nan([p.first_response_hours for p in series.points]),
        marker="o",
        markersize=3,
        color="C1",
        label="First response",
    )
    ax.plot(
        x,
        _nan([p.resolution_hours for p in series.points]),
        marker="o",
        markersize=3,
        color="C4",
        label="Resolution",
    )
    _date_axis(ax)
    ax.set_xlabel("Week starting")
    ax.set_ylabel("Business hours (median)")
    ax.set_ylim(bottom=0)
    _legend(ax)


def draw_sla_compliance(ax: Axes, series: SlaComplianceSeries) -> None:
    """Lines of % targets met per week, with the team's target as a dashed line."""
    _start(ax, "Tickets within their service targets")
    if not series.has_data:
        _no_data(ax)
        return
    x = _x([p.week for p in series.points])
    ax.plot(
        x,
        _nan([p.resolution_percent for p in series.points]),
        marker="o",
        markersize=3,
        color="C2",
        label="Resolved in time",
    )
    ax.plot(
        x,
        _nan([p.first_response_percent for p in series.points]),
        marker="o",
        markersize=3,
        color="C1",
        label="Answered in time",
    )
    ax.axhline(
        series.target_percent,
        linestyle="--",
        linewidth=1,
        color="C3",
        label=f"Target {series.target_percent:g}%",
    )
    _date_axis(ax)
    ax.set_xlabel("Week starting")
    ax.set_ylabel("Within target (%)")
    ax.set_ylim(0, 105)
    _legend(ax, at_bottom=True)  # the lines run near the top; the bottom is empty


def draw_satisfaction(ax: Axes, series: SatisfactionSeries) -> None:
    """Average satisfaction score (1–5) per week; weeks without ratings leave a gap."""
    _start(ax, "Customer satisfaction")
    if not series.has_data:
        _no_data(ax)
        return
    x = _x([p.week for p in series.points])
    total = sum(p.count for p in series.points)
    ax.plot(
        x,
        _nan([p.average for p in series.points]),
        marker="o",
        markersize=4,
        color="C0",
        label=f"Average score ({total} ratings)",
    )
    _date_axis(ax)
    ax.set_xlabel("Week starting")
    ax.set_ylabel("Average score (1–5)")
    ax.set_ylim(0.8, 5.2)
    ax.set_yticks([1, 2, 3, 4, 5])
    _legend(ax)


def apply_colours(figure: Figure, colours: ChartColours) -> None:
    """Restyle a drawn figure for the current palette (dark mode included)."""
    figure.set_facecolor(colours.window)
    for ax in figure.axes:
        ax.set_facecolor(colours.base)
        ax.title.set_color(colours.text)
        ax.xaxis.label.set_color(colours.text)
        ax.yaxis.label.set_color(colours.text)
        ax.tick_params(colors=colours.text, which="both")
        for spine in ax.spines.values():
            spine.set_color(colours.grid)
        ax.grid(axis="y", color=colours.grid, linewidth=0.5, alpha=0.6)
        ax.set_axisbelow(True)
        for text in ax.texts:
            text.set_color(colours.text)
        legend = ax.get_legend()
        if legend is not None:
            for text in legend.get_texts():
                text.set_color(colours.text)
