"""KPIs: summary tiles and weekly charts for a chosen period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from matplotlib.axes import Axes
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtCore import QDate, QEvent, Qt, QTimer, Slot
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.domain.permissions import Permission
from app.domain.sla import SlaState
from app.services.base import Area
from app.services.kpi_service import (
    BacklogSeries,
    KpiService,
    KpiSummary,
    OpenedResolvedSeries,
    ResponseTimesSeries,
    SatisfactionSeries,
    SlaComplianceSeries,
)
from app.services.registry import Services
from app.ui import theme
from app.ui.icons import icon
from app.ui.kpi import charts
from app.ui.pane import Pane
from app.ui.signals import AppSignals
from app.ui.worker import TaskRunner

CUSTOM = "custom"
#: (label, key, days back from today; None for a custom range)
PRESETS: list[tuple[str, str, int | None]] = [
    ("Last 4 weeks", "4w", 27),
    ("Last 3 months", "3m", 90),
    ("Last 12 months", "12m", 364),
    ("Custom…", CUSTOM, None),
]
NOT_MEASURED = "–"


@dataclass(frozen=True)
class KpiData:
    """Everything the pane shows, loaded in one background call."""

    start: date
    end: date
    summary: KpiSummary
    opened_resolved: OpenedResolvedSeries
    backlog: BacklogSeries
    response_times: ResponseTimesSeries
    sla_compliance: SlaComplianceSeries
    satisfaction: SatisfactionSeries

    @property
    def has_data(self) -> bool:
        return any(
            s.has_data
            for s in (
                self.opened_resolved,
                self.backlog,
                self.response_times,
                self.sla_compliance,
                self.satisfaction,
            )
        )


def load_kpis(kpis: KpiService, start: date, end: date, now: datetime) -> KpiData:
    """Run every KPI query (on a worker thread; each call opens its own session)."""
    return KpiData(
        start,
        end,
        kpis.summary(now),
        kpis.opened_resolved(start, end),
        kpis.backlog(start, end),
        kpis.response_times(start, end),
        kpis.sla_compliance(start, end),
        kpis.satisfaction(start, end),
    )


class KpiTile(QFrame):
    """A card with one big number and a caption under it."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        self.value_label = QLabel(NOT_MEASURED)
        font = QFont(self.value_label.font())
        font.setPointSizeF(font.pointSizeF() * 2.0)
        font.setBold(True)
        self.value_label.setFont(font)
        self.caption_label = QLabel(caption)
        self.caption_label.setWordWrap(True)
        # A wrapped label under-reports its height to a fixed-height card; reserve three lines
        # so captions such as "Past their resolution target" are never cut off.
        lines = self.caption_label.fontMetrics().lineSpacing() * 3
        self.caption_label.setMinimumHeight(lines)
        self.caption_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.value_label)
        layout.addWidget(self.caption_label)

    def set_value(self, text: str, caption: str | None = None, alert: bool = False) -> None:
        self.value_label.setText(text)
        if caption is not None:
            self.caption_label.setText(caption)
        palette = self.palette()
        if alert:
            palette.setColor(QPalette.ColorRole.WindowText, theme.sla_colour(SlaState.BREACHED))
        self.value_label.setPalette(palette)


class KpiPane(Pane):
    """Summary tiles over a grid of weekly charts; the period is chosen in the top bar."""

    title = "KPIs"
    icon_name = "chart"
    areas = frozenset({Area.TICKETS, Area.KNOWLEDGE, Area.TRAINING})

    def __init__(
        self,
        services: Services,
        signals: AppSignals,
        tasks: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(services, signals, tasks, parent)
        self._request = 0  # only the newest load is shown when several overlap
        self._data: KpiData | None = None
        self.tiles: dict[str, KpiTile] = {}
        self.axes: dict[str, Axes] = {}
        self.canvases: dict[str, FigureCanvasQTAgg] = {}
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(400)
        self._debounce.timeout.connect(self.refresh)
        self._build()

    # --- layout ---

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        if not self.services.actor.can(Permission.KPI_READ):
            message = QLabel(
                "Your account cannot see the KPIs. Ask an administrator to give you the "
                "technician, supervisor or trainer role."
            )
            message.setWordWrap(True)
            message.setAlignment(Qt.AlignmentFlag.AlignCenter)
            outer.addWidget(message)
            self.preset_combo = None
            return

        bar = QHBoxLayout()
        bar.addWidget(QLabel("Period:"))
        self.preset_combo = QComboBox()
        for label, key, _days in PRESETS:
            self.preset_combo.addItem(label, key)
        self.preset_combo.setCurrentIndex(1)  # three months: enough weeks to see a trend
        bar.addWidget(self.preset_combo)
        self.from_edit = QDateEdit()
        self.to_edit = QDateEdit()
        for label, edit in (("From", self.from_edit), ("to", self.to_edit)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            bar.addWidget(QLabel(label))
            bar.addWidget(edit)
        self.refresh_button = QPushButton(icon("refresh"), "Refresh")
        self.refresh_button.setToolTip("Load the numbers again")
        bar.addWidget(self.refresh_button)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # indeterminate: the queries report no progress
        self.busy.setMaximumWidth(120)
        self.busy.setTextVisible(False)
        self.busy.hide()
        bar.addWidget(self.busy)
        bar.addStretch(1)
        self.updated_label = QLabel("")
        bar.addWidget(self.updated_label)
        outer.addLayout(bar)

        tiles = QHBoxLayout()
        for key, caption in (
            ("open", "Open tickets now"),
            ("breached", "Past their resolution target"),
            ("resolved", "Resolved in the last 7 days"),
            ("csat", "Satisfaction, last 30 days (out of 5)"),
            ("articles", "Knowledge-base article views"),
            ("attendance", "Training attendance, last 90 days"),
            ("certifications", "Valid certifications"),
        ):
            tile = KpiTile(caption)
            self.tiles[key] = tile
            tiles.addWidget(tile)
        outer.addLayout(tiles)

        self.empty_label = QLabel(
            "No tickets, ratings or responses in this period. Choose a longer period above, "
            "or check back once tickets have been worked on."
        )
        self.empty_label.setWordWrap(True)
        self.empty_label.hide()
        outer.addWidget(self.empty_label)

        grid = QGridLayout()
        for i, name in enumerate(
            ("opened_resolved", "backlog", "response_times", "sla_compliance", "satisfaction")
        ):
            figure = Figure(figsize=(4.5, 3.0), layout="constrained")
            canvas = FigureCanvasQTAgg(figure)  # type: ignore[no-untyped-call]
            canvas.setMinimumHeight(220)
            self.canvases[name] = canvas
            self.axes[name] = figure.add_subplot()
            grid.addWidget(canvas, i // 3, i % 3)
        outer.addLayout(grid, 1)

        self._sync_dates()
        self.preset_combo.currentIndexChanged.connect(self._on_preset_combo_changed)
        self.from_edit.dateChanged.connect(self._on_date_edit_changed)
        self.to_edit.dateChanged.connect(self._on_date_edit_changed)
        self.refresh_button.clicked.connect(self._on_refresh_button_clicked)

    # --- period ---

    def _preset(self) -> tuple[str, int | None]:
        assert self.preset_combo is not None
        index = self.preset_combo.currentIndex()
        _label, key, days = PRESETS[index]
        return key, days

    def _sync_dates(self) -> None:
        """Show the preset's dates in the (read-only) date fields; custom makes them editable."""
        key, days = self._preset()
        custom = key == CUSTOM
        self.from_edit.setEnabled(custom)
        self.to_edit.setEnabled(custom)
        if not custom and days is not None:
            today = date.today()
            for edit, day in (
                (self.from_edit, today - timedelta(days=days)),
                (self.to_edit, today),
            ):
                edit.blockSignals(True)
                edit.setDate(QDate(day.year, day.month, day.day))
                edit.blockSignals(False)

    def period(self) -> tuple[date, date]:
        """The first and last day of the chosen period."""
        start = self.from_edit.date().toPython()
        end = self.to_edit.date().toPython()
        assert isinstance(start, date)
        assert isinstance(end, date)
        return (start, end) if start <= end else (end, start)

    @Slot(int)
    def _on_preset_combo_changed(self, _index: int) -> None:
        self._sync_dates()
        if self._preset()[0] != CUSTOM:
            self.refresh()

    @Slot()
    def _on_date_edit_changed(self) -> None:
        if self._preset()[0] == CUSTOM:
            self._debounce.start()  # wait until the user stops clicking through days

    @Slot()
    def _on_refresh_button_clicked(self) -> None:
        self.refresh()

    # --- loading ---

    def refresh(self) -> None:
        if self.preset_combo is None:
            return
        if self._preset()[0] != CUSTOM:
            self._sync_dates()  # "last 4 weeks" moves on with the calendar
        start, end = self.period()
        self._request += 1
        request = self._request
        self.busy.show()
        kpis = self.services.kpis
        now = datetime.now(UTC)
        self.tasks.run(
            lambda: load_kpis(kpis, start, end, now),
            lambda data: self._on_loaded(request, data),
            lambda exc: self._on_failed(request, exc),
        )

    def _on_loaded(self, request: int, data: KpiData) -> None:
        if request != self._request:
            return  # an older period; the newer load will arrive
        self.busy.hide()
        self._data = data
        self._show_summary(data.summary)
        self.empty_label.setVisible(not data.has_data)
        self._draw()
        self.updated_label.setText(f"Updated {datetime.now().strftime('%H:%M')}")

    def _on_failed(self, request: int, exc: Exception) -> None:
        if request != self._request:
            return
        self.busy.hide()
        self.show_error(exc, "Could not load the KPIs")

    # --- showing ---

    def _show_summary(self, s: KpiSummary) -> None:
        self.tiles["open"].set_value(f"{s.open_now:,}")
        self.tiles["breached"].set_value(f"{s.breached_now:,}", alert=s.breached_now > 0)
        self.tiles["resolved"].set_value(f"{s.resolved_last_7_days:,}")
        self.tiles["csat"].set_value(
            NOT_MEASURED if s.csat_average_30_days is None else f"{s.csat_average_30_days:.1f}",
            f"Satisfaction, last 30 days (out of 5, {s.csat_count_30_days} ratings)",
        )
        helpful = (
            ""
            if s.article_helpful_percent is None
            else f", {s.article_helpful_percent:.0f}% found helpful"
        )
        self.tiles["articles"].set_value(
            f"{s.article_views:,}", f"Knowledge-base article views{helpful}"
        )
        self.tiles["attendance"].set_value(
            NOT_MEASURED if s.attendance_percent is None else f"{s.attendance_percent:.0f}%"
        )
        self.tiles["certifications"].set_value(f"{s.valid_certifications:,}")

    def _colours(self) -> charts.ChartColours:
        palette = self.palette()
        return charts.ChartColours(
            window=palette.color(QPalette.ColorRole.Window).name(),
            base=palette.color(QPalette.ColorRole.Base).name(),
            text=palette.color(QPalette.ColorRole.WindowText).name(),
            grid=palette.color(QPalette.ColorRole.Mid).name(),
        )

    def _draw(self) -> None:
        data = self._data
        if data is None:
            return
        charts.draw_opened_resolved(self.axes["opened_resolved"], data.opened_resolved)
        charts.draw_backlog(self.axes["backlog"], data.backlog)
        charts.draw_response_times(self.axes["response_times"], data.response_times)
        charts.draw_sla_compliance(self.axes["sla_compliance"], data.sla_compliance)
        charts.draw_satisfaction(self.axes["satisfaction"], data.satisfaction)
        colours = self._colours()
        for canvas in self.canvases.values():
            charts.apply_colours(canvas.figure, colours)
            canvas.draw_idle()  # type: ignore[no-untyped-call]

    def changeEvent(self, event: QEvent) -> None:
        # Light/dark switch: the figures do not follow the palette on their own.
        if event.type() == QEvent.Type.PaletteChange and self._data is not None:
            self._draw()
        super().changeEvent(event)
