"""The detail side of the Tickets pane: one ticket, its timeline, the reply editor and the
work around it (escalation, SLA clock, files, time, knowledge base, rating, merge and links).

Status, priority, assignee and replies are reported by signals and written by the pane, as
before. The other actions are written here, through the services of the pane the widget sits
in (or those handed to `attach`), on the task runner; each write is broadcast as `Changes` on
the app-wide signals, so the pane reloads the ticket as for any other change.
"""

from __future__ import annotations

import html
import logging
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import (
    QModelIndex,
    QSize,
    QStringListModel,
    Qt,
    QTimer,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QKeyEvent,
    QKeySequence,
    QPalette,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QCompleter,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import Channel, Priority, TicketEventKind, TicketStatus
from app.domain.permissions import Permission
from app.domain.sla import SlaState
from app.domain.workflow import next_statuses
from app.errors import SupportDeskError
from app.services.base import Changes
from app.services.registry import Services
from app.services.ticket_service import (
    PersonOption,
    TicketDetail,
    TicketEventView,
)
from app.ui import theme
from app.ui.icons import icon
from app.ui.models.paged_table_model import Column, PagedTableModel
from app.ui.models.roles import ROW_ROLE
from app.ui.models.ticket_event_model import (
    TicketEventModel,
    duration_words,
    has_body,
    headline,
    tier_label,
)
from app.ui.models.ticket_model import full_time, when
from app.ui.pane import Pane
from app.ui.tickets.article_picker import ArticleChoice, ArticlePickerDialog
from app.ui.tickets.attachments_widget import AttachmentsWidget
from app.ui.tickets.canned_picker import CannedPickerDialog, NewCanned, SaveCannedDialog
from app.ui.tickets.escalate_dialog import EscalateDialog, Escalation
from app.ui.tickets.merge_dialog import PickedTicket, TicketPickerDialog
from app.ui.tickets.rating_dialog import Rating, RatingDialog
from app.ui.tickets.requester_dialog import RequesterDialog
from app.ui.tickets.sla_timeline import ClockLabel, SlaTimelineView, clock_text
from app.ui.tickets.time_dialog import TimeDialog, TimeEntryForm
from app.ui.widgets import pick_table

log = logging.getLogger(__name__)

NO_SELECTION_TEXT = "Select a ticket to see its history"
OFFLINE_TEXT = "Offline – not yet on the server"
OFFLINE_TIP = (
    "This ticket was logged on this computer and has not reached the team server yet; "
    "it goes with the next sync."
)
#: How often the due times recount while a ticket is shown.
CLOCK_TICK_MS = 30_000
#: How long the category list (a count over every ticket) is reused before it is read again.
CATEGORY_REFRESH_S = 600.0
#: Files that can run programs when opened: opening one asks first.
_RISKY_SUFFIX_WORDS = (
    ".action .apk .app .appimage .application .bash .bat .bin .cmd .com .command .cpl "
    ".csh .deb .desktop .dll .dmg .exe .fish .gadget .hta .inf .ins .isp .jar .js .jse "
    ".ksh .lnk .mjs .msc .msi .msp .mst .pif .pkg .pl .ps1 .ps1xml .ps2 .psc1 .psm1 .py "
    ".pyc .pyw .rb .reg .rpm .run .scf .scr .sct .sh .shb .url .vb .vbe .vbs .workflow "
    ".ws .wsc .wsf .wsh .zsh"
)
RISKY_SUFFIXES = frozenset(_RISKY_SUFFIX_WORDS.split())
RISKY_FILE_TEXT = (
    "This file can run programs on your computer. Open it only if you trust the sender."
)
LINK_KIND_WORDS = {
    "related": "Related",
    "merged_into": "This ticket was merged into it",
    "duplicate": "Merged into this ticket",
}


def _blend(base: QColor, tint: QColor, share: float) -> QColor:
    """`tint` laid over `base` at `share` opacity: a background that suits either scheme."""
    return QColor(
        round(base.red() * (1 - share) + tint.red() * share),
        round(base.green() * (1 - share) + tint.green() * share),
        round(base.blue() * (1 - share) + tint.blue() * share),
    )


def _local_files(urls: Sequence[QUrl]) -> list[Path]:
    return [Path(u.toLocalFile()) for u in urls if u.isLocalFile() and u.toLocalFile()]


def is_risky_file(filename: str) -> bool:
    """Whether opening `filename` could run a program (scripts, installers, shortcuts…)."""
    return Path(filename.strip().rstrip(". ")).suffix.lower() in RISKY_SUFFIXES


def send_keys_text() -> str:
    """The reply editor's send shortcut as this platform writes it ("Ctrl+Enter", "⌘↩")."""
    key = Qt.Key.Key_Return if sys.platform == "darwin" else Qt.Key.Key_Enter
    sequence = QKeySequence(Qt.KeyboardModifier.ControlModifier | key)
    return sequence.toString(QKeySequence.SequenceFormat.NativeText)


class _TextField:
    """A text box in the detail that a refresh must not overwrite while someone types in it.

    `shown` is what the widget last put there; the text differs from it once the technician
    typed something not yet saved. A refresh of the same ticket leaves the box alone while it
    has the focus or holds such typing; once it loses the focus unchanged, it catches up.
    """

    def __init__(self, edit: QLineEdit, owner: QWidget) -> None:
        self.edit = edit
        self.owner = owner  # the widget that takes the focus (the combo of a combo's line)
        self.shown = ""
        self.stored = ""
        self.committing = False

    def modified(self) -> bool:
        return self.edit.text() != self.shown

    def focused(self) -> bool:
        return self.edit.hasFocus() or self.owner.hasFocus()

    def show(self, text: str, *, fresh: bool) -> bool:
        """Put the stored `text` in the box unless that would lose typing; True if it did."""
        self.stored = text
        if fresh:
            self.committing = False
        elif self.modified() or (self.focused() and not self.committing):
            return False
        self.committing = False
        self.shown = text
        if self.edit.text() != text:
            self.edit.setText(text)
        return True

    def commit(self) -> None:
        """The text is being saved: the next refresh shows what was stored, focus or not."""
        self.shown = self.edit.text()
        self.committing = True

    def catch_up(self) -> None:
        """After the focus left: show the stored text if nothing was typed meanwhile."""
        if not self.committing and not self.modified() and self.edit.text() != self.stored:
            self.shown = self.stored
            self.edit.setText(self.stored)


class ReplyEditor(QPlainTextEdit):
    """A plain-text editor where Ctrl+Enter (Cmd+Return on macOS) sends.

    Dropped files are not pasted as paths: the drop goes on to the detail widget, which
    attaches them.

    Signals:
        submitted(): the technician pressed the send keys (`send_keys_text`).
    """

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        ctrl = event.modifiers() & Qt.KeyboardModifier.ControlModifier
        if ctrl and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            self.submitted.emit()
            return
        super().keyPressEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _local_files(event.mimeData().urls()):
            event.ignore()  # the detail widget attaches files
            return
        super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if _local_files(event.mimeData().urls()):
            event.ignore()
            return
        super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        if _local_files(event.mimeData().urls()):
            event.ignore()
            return
        super().dropEvent(event)


@dataclass
class DetailExtras:
    """What the detail shows beyond `TicketDetail`, loaded in the background."""

    ticket_id: uuid.UUID
    attachments: list[Any] = field(default_factory=list)
    links: list[Any] = field(default_factory=list)
    articles: list[Any] = field(default_factory=list)
    time_entries: list[Any] = field(default_factory=list)
    stretches: list[Any] = field(default_factory=list)
    teams: list[Any] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


_T = TypeVar("_T")


def _table(model: PagedTableModel[Any]) -> QTableView:
    view = pick_table(model)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.setAcceptDrops(False)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return view


def link_columns() -> list[Column[Any]]:
    return [
        Column("number", "Number", lambda r: r.number, sortable=False),
        Column(
            "subject", "Subject", lambda r: r.subject, tooltip=lambda r: r.subject, sortable=False
        ),
        Column(
            "status",
            "Status",
            lambda r: TicketStatus(r.status).label,
            foreground=lambda r: theme.status_colour(TicketStatus(r.status)),
            sortable=False,
        ),
        Column("kind", "Link", lambda r: LINK_KIND_WORDS.get(r.kind, r.kind), sortable=False),
    ]


def article_link_columns() -> list[Column[Any]]:
    return [
        Column(
            "title",
            "Article",
            lambda r: r.title,
            decoration=lambda r: icon("article"),
            tooltip=lambda r: r.summary,
            sortable=False,
        ),
    ]


def time_columns() -> list[Column[Any]]:
    return [
        Column("day", "Day", lambda r: r.worked_on.strftime("%a %d %b %Y"), sortable=False),
        Column("who", "Who", lambda r: r.user_name or "Someone", sortable=False),
        Column(
            "time",
            "Time",
            lambda r: duration_words(r.minutes),
            align_right=True,
            sortable=False,
        ),
        Column("note", "Note", lambda r: r.note, tooltip=lambda r: r.note, sortable=False),
    ]


class TicketDetailWidget(QWidget):
    """Shows one ticket; empty state until a ticket is chosen.

    Signals:
        status_chosen(object): a `TicketStatus` picked in the status box.
        priority_chosen(object): a `Priority` picked in the priority box.
        assignee_chosen(object): a user id, or None for "Unassigned".
        reply_submitted(str, bool): the reply text and whether it is public.
        ticket_open_requested(object): the id of a linked ticket the technician opened (also
            sent as `AppSignals.open_ticket_requested`, which the Tickets pane follows).
        changed(object): the `Changes` of a write done here (also sent as
            `AppSignals.changed`).
    """

    status_chosen = Signal(object)
    priority_chosen = Signal(object)
    assignee_chosen = Signal(object)
    reply_submitted = Signal(str, bool)
    ticket_open_requested = Signal(object)
    changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._detail: TicketDetail | None = None
        self._people: list[PersonOption] = []
        self._me: uuid.UUID | None = None
        self._may_write = True
        self._may_assign_others = True
        self._services: Any = None
        self._signals: Any = None
        self._tasks: Any = None
        self._extras_request = 0
        self._offer_rating_for: uuid.UUID | None = None
        self._temp_dir: tempfile.TemporaryDirectory[str] | None = None
        self._categories: list[str] = []
        self._categories_read_at = 0.0
        self._categories_loading = False
        self.risky_box: QMessageBox | None = None
        self.dialog: QWidget | None = None
        self.extras = DetailExtras(uuid.UUID(int=0))
        self.events = TicketEventModel(self)
        self.events.modelReset.connect(self._on_events_model_reset)
        self.setAcceptDrops(True)
        self._build()
        self.clock_timer = QTimer(self)
        self.clock_timer.setInterval(CLOCK_TICK_MS)
        self.clock_timer.timeout.connect(self._on_clock_timer_timeout)

    # --- building ---

    def _build(self) -> None:
        self.stack = QStackedWidget()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)

        self.empty_label = QLabel(NO_SELECTION_TEXT)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setEnabled(False)  # drawn in the palette's quieter text colour
        self.stack.addWidget(self.empty_label)

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.setSpacing(4)
        self._build_header(layout)
        self._build_controls(layout)
        self._build_tabs(layout)
        self._build_reply(layout)
        self.stack.addWidget(page)
        self.detail_page = page
        self._update_reply_placeholder()

    def _build_header(self, layout: QVBoxLayout) -> None:
        self.subject_label = QLabel()
        self.subject_label.setWordWrap(True)
        self.subject_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFont(self.subject_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.subject_label.setFont(font)

        chips = QHBoxLayout()
        chips.setSpacing(6)
        self.status_chip = QLabel()
        self.priority_chip = QLabel()
        self.tier_chip = QLabel()
        self.tier_chip.setToolTip("Support tier: L1 service desk, L2 second line, L3 specialists")
        self.offline_badge = QLabel()
        self.offline_badge.setToolTip(OFFLINE_TIP)
        self.merged_badge = QLabel()
        for chip in (
            self.status_chip,
            self.priority_chip,
            self.tier_chip,
            self.offline_badge,
            self.merged_badge,
        ):
            chips.addWidget(chip)
        self.number_label = QLabel()
        self.number_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.number_label.setEnabled(False)
        # Details the tooltip repeats: it may be cut short rather than widen the side.
        self.number_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.number_label.setMinimumWidth(40)
        chips.addWidget(self.number_label, 1)

        self.people_label = QLabel()
        self.people_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.people_label.setWordWrap(True)

        clocks = QHBoxLayout()
        clocks.setSpacing(12)
        self.first_response_clock = ClockLabel()
        self.resolution_clock = ClockLabel()
        # The text labels keep their old names: they are what tests and tools read.
        self.first_response_label = self.first_response_clock.text_label
        self.resolution_label = self.resolution_clock.text_label
        for caption, clock in (
            ("First response:", self.first_response_clock),
            ("Resolution:", self.resolution_clock),
        ):
            text = QLabel(caption)
            text.setEnabled(False)
            clocks.addWidget(text)
            clocks.addWidget(clock)
        clocks.addStretch(1)

        layout.addWidget(self.subject_label)
        layout.addLayout(chips)
        layout.addWidget(self.people_label)
        layout.addLayout(clocks)

    def _build_controls(self, layout: QVBoxLayout) -> None:
        controls = QHBoxLayout()
        self.status_combo = QComboBox()
        self.status_combo.setToolTip("Status: choosing one applies it at once")
        self.priority_combo = QComboBox()
        self.priority_combo.setToolTip("Priority: due dates follow it")
        for priority in Priority:
            self.priority_combo.addItem(priority.label, priority)
        self.assignee_combo = QComboBox()
        self.assignee_combo.setToolTip("Who works on the ticket")
        for combo in (self.status_combo, self.priority_combo, self.assignee_combo):
            # Narrow enough for a narrow side; the open list still shows whole names.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
        self.status_combo.setMinimumContentsLength(8)
        self.priority_combo.setMinimumContentsLength(5)
        self.assignee_combo.setMinimumContentsLength(8)
        for text, combo in (
            ("Status", self.status_combo),
            ("Priority", self.priority_combo),
            ("Assignee", self.assignee_combo),
        ):
            label = QLabel(text)
            label.setBuddy(combo)
            controls.addWidget(label)
            # The boxes share the row: wide sides show whole names, narrow ones elide.
            controls.addWidget(combo, 0 if combo is self.priority_combo else 1)
        layout.addLayout(controls)

        # A tool bar, not a row of buttons: when the detail side is narrow, what does not fit
        # moves into the bar's » menu instead of widening the side.
        actions = QToolBar()
        actions.setIconSize(QSize(16, 16))
        actions.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.action_bar = actions

        def tool(icon_name: str, text: str, tip: str) -> QToolButton:
            button = QToolButton()
            button.setIcon(icon(icon_name))
            button.setText(text)
            button.setToolTip(tip)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setAutoRaise(True)
            actions.addWidget(button)
            return button

        self.escalate_button = tool(
            "detail-escalate", "Escalate…", "Move the ticket to another tier, with a reason"
        )
        self.time_button = tool("detail-timer", "Log time…", "Record time spent on this ticket")
        self.attach_button = tool(
            "attachment", "Attach…", "Add files (or drag them onto the ticket)"
        )
        self.link_button = tool("detail-link", "Link…", "Link a related ticket")
        self.merge_button = tool(
            "detail-merge", "Merge…", "Close this ticket as a duplicate of another one"
        )
        self.more_button = tool("edit", "More", "More actions")
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        more = QMenu(self.more_button)
        self.rate_action = more.addAction(icon("detail-star"), "Record satisfaction…")
        self.requester_action = more.addAction(icon("user"), "Change requester…")
        self.sla_action = more.addAction(icon("detail-sla"), "Show SLA timeline")
        self.more_button.setMenu(more)
        layout.addWidget(actions)

        self.problem_bar = QFrame()
        self.problem_bar.setFrameShape(QFrame.Shape.StyledPanel)
        bar = QHBoxLayout(self.problem_bar)
        bar.setContentsMargins(6, 3, 3, 3)
        self.problem_icon = QLabel()
        self.problem_icon.setPixmap(
            icon("alert", theme.sla_colour(SlaState.BREACHED)).pixmap(16, 16)
        )
        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        self.problem_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setIcon(icon("close"))
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        bar.addWidget(self.problem_icon)
        bar.addWidget(self.problem_label, 1)
        bar.addWidget(close)
        self.problem_bar.hide()
        layout.addWidget(self.problem_bar)

        self.escalate_button.clicked.connect(self._on_escalate_button_clicked)
        self.time_button.clicked.connect(self._on_time_button_clicked)
        self.attach_button.clicked.connect(self._on_attach_button_clicked)
        self.link_button.clicked.connect(self._on_link_button_clicked)
        self.merge_button.clicked.connect(self._on_merge_button_clicked)
        self.rate_action.triggered.connect(self._on_rate_action_triggered)
        self.requester_action.triggered.connect(self._on_requester_action_triggered)
        self.sla_action.triggered.connect(self._on_sla_action_triggered)
        close.clicked.connect(self.problem_bar.hide)
        self.status_combo.activated.connect(self._on_status_combo_activated)
        self.priority_combo.activated.connect(self._on_priority_combo_activated)
        self.assignee_combo.activated.connect(self._on_assignee_combo_activated)

    def _build_tabs(self, layout: QVBoxLayout) -> None:
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

        self.timeline = QTextBrowser()
        self.timeline.setOpenLinks(False)  # nothing in a ticket may navigate or load files
        self.timeline.setOpenExternalLinks(False)
        self.timeline.setAcceptDrops(False)
        self.timeline.setFrameShape(QFrame.Shape.NoFrame)
        self.tabs.addTab(self.timeline, "History")

        self.tabs.addTab(self._build_details_tab(), "Details")

        sla = QWidget()
        sla_layout = QVBoxLayout(sla)
        sla_layout.setContentsMargins(4, 4, 4, 4)
        self.sla_summary = QLabel()
        self.sla_summary.setWordWrap(True)
        self.sla_view = SlaTimelineView()
        self.sla_empty = QLabel("The clock has not run yet.")
        self.sla_empty.setEnabled(False)
        sla_layout.addWidget(self.sla_summary)
        sla_layout.addWidget(self.sla_view, 1)
        sla_layout.addWidget(self.sla_empty)
        self.sla_tab = sla
        self.tabs.addTab(sla, "SLA")

        self.attachments = AttachmentsWidget()
        self.tabs.addTab(self.attachments, "Files")

        time_tab = QWidget()
        time_layout = QVBoxLayout(time_tab)
        time_layout.setContentsMargins(4, 4, 4, 4)
        self.time_model: PagedTableModel[Any] = PagedTableModel(time_columns(), parent=self)
        self.time_view = _table(self.time_model)
        self.time_total_label = QLabel()
        self.time_empty = QLabel("No time logged yet. Press Log time… after working on it.")
        self.time_empty.setEnabled(False)
        log_time = QPushButton(icon("detail-timer"), "Log time…")
        self.time_tab_button = log_time
        row = QHBoxLayout()
        row.addWidget(self.time_total_label, 1)
        row.addWidget(log_time)
        time_layout.addWidget(self.time_view, 1)
        time_layout.addWidget(self.time_empty)
        time_layout.addLayout(row)
        self.time_tab = time_tab
        self.tabs.addTab(time_tab, "Time")

        related = QWidget()
        related_layout = QVBoxLayout(related)
        related_layout.setContentsMargins(4, 4, 4, 4)
        self.links_model: PagedTableModel[Any] = PagedTableModel(link_columns(), parent=self)
        self.links_view = _table(self.links_model)
        self.links_view.setToolTip("Double-click a ticket to open it")
        self.links_empty = QLabel("No linked tickets. Use Link… for tickets that belong together.")
        self.links_empty.setEnabled(False)
        self.links_empty.setWordWrap(True)
        self.unlink_button = QPushButton("Remove link")
        self.open_link_button = QPushButton(icon("detail-open"), "Open ticket")
        links_row = QHBoxLayout()
        links_row.addStretch(1)
        links_row.addWidget(self.unlink_button)
        links_row.addWidget(self.open_link_button)
        self.articles_model: PagedTableModel[Any] = PagedTableModel(
            article_link_columns(), parent=self
        )
        self.articles_view = _table(self.articles_model)
        self.articles_view.setToolTip("Double-click an article to read it in the Knowledge base")
        self.articles_empty = QLabel(
            "No articles linked. Insert article… in the reply box finds one."
        )
        self.articles_empty.setEnabled(False)
        self.articles_empty.setWordWrap(True)
        related_layout.addWidget(QLabel("<b>Tickets</b>"))
        related_layout.addWidget(self.links_view, 2)
        related_layout.addWidget(self.links_empty)
        related_layout.addLayout(links_row)
        related_layout.addWidget(QLabel("<b>Knowledge-base articles</b>"))
        related_layout.addWidget(self.articles_view, 1)
        related_layout.addWidget(self.articles_empty)
        self.related_tab = related
        self.tabs.addTab(related, "Related")

        layout.addWidget(self.tabs, 1)

        self.attachments.attach_requested.connect(self._on_attach_button_clicked)
        self.attachments.open_requested.connect(self._on_attachments_open_requested)
        self.attachments.save_requested.connect(self._on_attachments_save_requested)
        log_time.clicked.connect(self._on_time_button_clicked)
        self.links_view.doubleClicked.connect(self._on_links_view_double_clicked)
        self.open_link_button.clicked.connect(self._on_open_link_button_clicked)
        self.unlink_button.clicked.connect(self._on_unlink_button_clicked)
        self.articles_view.doubleClicked.connect(self._on_articles_view_double_clicked)
        self.links_view.selectionModel().selectionChanged.connect(self._on_links_selection_changed)

    def _build_details_tab(self) -> QScrollArea:
        details = QWidget()
        # Stacked, not side by side: the detail side is often narrow; the tab scrolls instead.
        columns = QVBoxLayout(details)
        columns.setContentsMargins(4, 4, 4, 4)

        self.requester_box = QGroupBox("Requester")
        requester_form = QFormLayout(self.requester_box)
        self.requester_name = QLabel()
        self.requester_email = QLabel()
        self.requester_phone = QLabel()
        self.requester_org = QLabel()
        for label in (
            self.requester_name,
            self.requester_email,
            self.requester_phone,
            self.requester_org,
        ):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.requester_button = QPushButton(icon("user"), "Change…")
        requester_form.addRow("Name", self.requester_name)
        requester_form.addRow("Email", self.requester_email)
        requester_form.addRow("Phone", self.requester_phone)
        requester_form.addRow("Organisation", self.requester_org)
        requester_form.addRow("", self.requester_button)

        self.ticket_box = QGroupBox("Ticket")
        form = QFormLayout(self.ticket_box)
        self.team_combo = QComboBox()
        self.team_combo.setToolTip("The team that owns the ticket: choosing one applies it")
        self.category_combo = QComboBox()
        self.category_combo.setEditable(True)
        self.category_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.category_combo.setToolTip("Type or pick a category, then press Enter")
        line = self.category_combo.lineEdit()
        assert line is not None  # an editable combo has one
        line.setPlaceholderText("e.g. Printing, Network")
        self.channel_combo = QComboBox()
        self.channel_combo.setToolTip("How the request came in")
        for channel in Channel:
            self.channel_combo.addItem(channel.label, channel)
        self.tags_edit = QLineEdit()
        self.tags_edit.setPlaceholderText("Comma-separated, e.g. vpn, laptop — Enter saves")
        self.tags_edit.addAction(icon("detail-tag"), QLineEdit.ActionPosition.LeadingPosition)
        self._tag_completer = QCompleter([], self)
        self._tag_completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.tags_edit.setCompleter(self._tag_completer)
        self._tags_field = _TextField(self.tags_edit, self.tags_edit)
        self._category_field = _TextField(line, self.category_combo)
        tier_row = QWidget()
        tier_layout = QHBoxLayout(tier_row)
        tier_layout.setContentsMargins(0, 0, 0, 0)
        self.tier_label = QLabel()
        self.tier_escalate_button = QPushButton(icon("detail-escalate"), "Escalate…")
        tier_layout.addWidget(self.tier_label)
        tier_layout.addWidget(self.tier_escalate_button)
        tier_layout.addStretch(1)
        self.policy_label = QLabel()
        self.policy_label.setWordWrap(True)
        self.rating_label = QLabel()
        self.rating_label.setWordWrap(True)
        form.addRow("&Team", self.team_combo)
        form.addRow("Ca&tegory", self.category_combo)
        form.addRow("C&hannel", self.channel_combo)
        form.addRow("Ta&gs", self.tags_edit)
        form.addRow("Tier", tier_row)
        form.addRow("SLA policy", self.policy_label)
        form.addRow("Satisfaction", self.rating_label)
        # Shown in the SLA box before the details tab existed; kept for the same text.
        self.extra_label = self.policy_label

        columns.addWidget(self.ticket_box)
        columns.addWidget(self.requester_box)
        columns.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(details)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)

        self.requester_button.clicked.connect(self._on_requester_action_triggered)
        self.team_combo.activated.connect(self._on_team_combo_activated)
        self.category_combo.activated.connect(self._on_category_combo_activated)
        line.returnPressed.connect(self._on_category_return_pressed)
        line.editingFinished.connect(self._on_category_editing_finished)
        self.channel_combo.activated.connect(self._on_channel_combo_activated)
        self.tags_edit.returnPressed.connect(self._on_tags_edit_return_pressed)
        self.tags_edit.editingFinished.connect(self._on_tags_edit_editing_finished)
        self.tier_escalate_button.clicked.connect(self._on_escalate_button_clicked)
        return scroll

    def _build_reply(self, layout: QVBoxLayout) -> None:
        reply_row = QHBoxLayout()
        self.public_radio = QRadioButton("Public reply")
        self.public_radio.setToolTip("The requester sees this")
        self.note_radio = QRadioButton("Internal note")
        self.note_radio.setToolTip("Only colleagues see this")
        self.public_radio.setChecked(True)
        self.reply_kind = QButtonGroup(self)
        self.reply_kind.addButton(self.public_radio)
        self.reply_kind.addButton(self.note_radio)
        reply_row.addWidget(self.public_radio)
        reply_row.addWidget(self.note_radio)
        reply_row.addStretch(1)
        self.canned_button = QToolButton()
        self.canned_button.setIcon(icon("detail-canned"))
        self.canned_button.setText("Canned")
        self.canned_button.setToolTip("Insert a canned response at the cursor")
        self.canned_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.canned_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        canned_menu = QMenu(self.canned_button)
        self.save_canned_action = canned_menu.addAction(
            icon("save"), "Save reply as canned response…"
        )
        self.canned_button.setMenu(canned_menu)
        self.article_button = QToolButton()
        self.article_button.setIcon(icon("article"))
        self.article_button.setText("Article")
        self.article_button.setToolTip(
            "Insert a knowledge-base answer at the cursor, and link the article"
        )
        self.article_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        reply_row.addWidget(self.canned_button)
        reply_row.addWidget(self.article_button)
        self.send_button = QPushButton(icon("reply"), "Send")
        self.send_button.setToolTip(f"Send ({send_keys_text()})")
        reply_row.addWidget(self.send_button)
        self.reply_editor = ReplyEditor()
        self.reply_editor.setMaximumHeight(120)
        self.reply_editor.setTabChangesFocus(True)
        layout.addLayout(reply_row)
        layout.addWidget(self.reply_editor)

        self.send_button.clicked.connect(self._on_send_button_clicked)
        self.reply_editor.submitted.connect(self._on_send_button_clicked)
        self.note_radio.toggled.connect(self._on_note_radio_toggled)
        self.canned_button.clicked.connect(self._on_canned_button_clicked)
        self.save_canned_action.triggered.connect(self._on_save_canned_action_triggered)
        self.article_button.clicked.connect(self._on_article_button_clicked)

    # --- public ---

    @property
    def detail(self) -> TicketDetail | None:
        return self._detail

    def attach(self, services: Any, signals: Any = None, tasks: Any = None) -> None:
        """Hand over the services (and app signals, task runner) the actions here use.

        Without this call the widget uses those of the pane it sits in.
        """
        self._services, self._signals, self._tasks = services, signals, tasks

    def set_permissions(self, *, may_write: bool, may_assign_others: bool, me: uuid.UUID) -> None:
        """Disable what the signed-in person may not do (the service refuses it anyway)."""
        self._may_write = may_write
        self._may_assign_others = may_assign_others
        self._me = me
        for widget in self._write_widgets():
            widget.setEnabled(may_write)

    def set_people(self, people: Sequence[PersonOption]) -> None:
        self._people = list(people)
        if self._detail is not None:
            self._fill_assignees(self._detail)

    def clear(self) -> None:
        """Back to the empty state (no ticket chosen)."""
        self._detail = None
        self.events.set_events([])
        self.clock_timer.stop()
        self.problem_bar.hide()
        self.stack.setCurrentWidget(self.empty_label)

    def show_detail(self, detail: TicketDetail) -> None:
        same_ticket = self._detail is not None and self._detail.id == detail.id
        previous = self._detail if same_ticket else None
        self._detail = detail
        if not same_ticket:
            self.problem_bar.hide()
        self.subject_label.setText(detail.subject)
        self._show_header(detail)

        self.status_combo.clear()
        self.status_combo.addItem(detail.status.label, detail.status)
        for status in next_statuses(detail.status):
            self.status_combo.addItem(status.label, status)
        self.status_combo.setCurrentIndex(0)
        self.priority_combo.setCurrentIndex(self.priority_combo.findData(detail.priority))
        self._fill_assignees(detail)
        self._apply_enabled()

        self.requester_name.setText(detail.requester_name or "No requester")
        self.requester_email.setText(detail.requester_email or "—")
        self.requester_phone.setText(detail.requester_phone or "—")
        self.requester_org.setText(detail.organisation_name or "—")
        self._show_fields(detail, fresh=not same_ticket)
        self.refresh_clocks()
        self.clock_timer.start()

        self.events.set_events(detail.events)
        if not same_ticket:  # a refresh of the same ticket never touches the reply
            self.reply_editor.clear()
            self.public_radio.setChecked(True)
        self.stack.setCurrentWidget(self.detail_page)
        self._load_extras(detail.id, keep=same_ticket)
        self._maybe_offer_rating(previous, detail)

    def refresh_clocks(self, now: datetime | None = None) -> None:
        """Recount the due times ("due in 1 h 20 min", "overdue by 15 min", "paused …")."""
        detail = self._detail
        if detail is None:
            return
        now = now or datetime.now(UTC)
        paused = detail.sla_paused
        for clock, due, done, state, word, what in (
            (
                self.first_response_clock,
                detail.first_response_due_at,
                detail.first_responded_at,
                detail.first_response_state,
                "answered",
                "First public reply",
            ),
            (
                self.resolution_clock,
                detail.resolution_due_at,
                detail.resolved_at,
                detail.resolution_state,
                "resolved",
                "Resolution",
            ),
        ):
            text, live = clock_text(
                due, done, state, paused=paused and done is None, done_word=word, now=now
            )
            tip = f"{what} due {full_time(due)}" if due else f"{what}: no target"
            clock.set_clock(text, live, tip)

    # --- rendering ---

    def _write_widgets(self) -> tuple[QWidget, ...]:
        return (
            self.status_combo,
            self.priority_combo,
            self.assignee_combo,
            self.reply_editor,
            self.send_button,
            self.public_radio,
            self.note_radio,
            self.canned_button,
            self.article_button,
            self.escalate_button,
            self.time_button,
            self.attach_button,
            self.link_button,
            self.merge_button,
            self.team_combo,
            self.category_combo,
            self.channel_combo,
            self.tags_edit,
            self.requester_button,
            self.tier_escalate_button,
            self.time_tab_button,
            self.unlink_button,
        )

    def _apply_enabled(self) -> None:
        detail = self._detail
        closed = detail is not None and detail.status is TicketStatus.CLOSED
        for widget in self._write_widgets():
            widget.setEnabled(self._may_write and not closed)
        self.attachments.set_may_attach(self._may_write and not closed)
        self.requester_action.setEnabled(self._may_write and not closed)
        done = detail is not None and detail.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED)
        self.rate_action.setEnabled(self._may_write and done)
        self.rate_action.setToolTip(
            "" if done else "A rating is recorded once the ticket is resolved"
        )
        # Merging needs a ticket that is still open; the other ticket's state is checked then.
        self.merge_button.setEnabled(self._may_write and not closed)

    @staticmethod
    def _chip(label: QLabel, text: str, colour: QColor | None) -> None:
        label.setVisible(bool(text))
        if not text:
            return
        c = (
            colour.name()
            if colour is not None
            else QPalette().color(QPalette.ColorRole.WindowText).name()
        )
        label.setText(text)
        label.setStyleSheet(
            f"QLabel {{ color: {c}; border: 1px solid {c}; border-radius: 8px; padding: 0px 6px; }}"
        )

    def _show_header(self, detail: TicketDetail) -> None:
        self._chip(self.status_chip, detail.status.label, theme.status_colour(detail.status))
        self._chip(
            self.priority_chip, detail.priority.label, theme.priority_colour(detail.priority)
        )
        tier = detail.tier
        self._chip(
            self.tier_chip,
            tier_label(tier),
            theme.priority_colour(Priority.HIGH) if tier > 1 else None,
        )
        pending = detail.pending_sync
        self._chip(
            self.offline_badge,
            OFFLINE_TEXT if pending else "",
            theme.status_colour(TicketStatus.ON_HOLD),
        )
        merged = detail.merged_into_number
        self._chip(
            self.merged_badge,
            f"Merged into {merged}" if merged else "",
            theme.status_colour(TicketStatus.CLOSED),
        )
        self.merged_badge.setToolTip(
            f"This ticket is a duplicate; the work goes on in {merged}." if merged else ""
        )
        bits = [detail.number, f"opened {when(detail.opened_at)}", detail.channel.label]
        if detail.category:
            bits.append(detail.category)
        self.number_label.setText(" · ".join(bits))
        self.number_label.setToolTip(f"Opened {full_time(detail.opened_at)}")

        requester = html.escape(detail.requester_name or "No requester")
        if detail.organisation_name:
            requester += f" ({html.escape(detail.organisation_name)})"
        who = html.escape(detail.assignee_name or "nobody")
        team = html.escape(detail.team_name or "no team")
        tags = " ".join(f"#{html.escape(t)}" for t in detail.tags)
        self.people_label.setText(
            f"<b>{requester}</b> · assigned to {who} · {team}"
            + (f" · <span>{tags}</span>" if tags else "")
        )

    def _show_fields(self, detail: TicketDetail, *, fresh: bool) -> None:
        """The editable fields; with `fresh` false (a refresh of the ticket shown), the text
        boxes keep what the technician is typing."""
        self.channel_combo.setCurrentIndex(self.channel_combo.findData(detail.channel))
        self._category_field.show(detail.category, fresh=fresh)
        if detail.category and self._categories_read_at and detail.category not in self._categories:
            self.set_categories([detail.category])  # new since the list was read
        self._tags_field.show(", ".join(detail.tags), fresh=fresh)
        self._select_team(detail.team_id, detail.team_name)
        tier = detail.tier
        self.tier_label.setText(tier_label(tier))
        self.policy_label.setText(detail.sla_policy_name or "Default targets")
        if detail.satisfaction is not None:
            rating = detail.satisfaction
            text = f"{rating.score} out of 5"
            if rating.comment:
                text += f" — “{rating.comment}”"
            self.rating_label.setText(text)
        elif detail.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            self.rating_label.setText("Not rated yet (More ▸ Record satisfaction…)")
        else:
            self.rating_label.setText("Asked for when the ticket is resolved")
        total = detail.total_minutes
        self._show_time_total(total)

    def _show_time_total(self, total: int) -> None:
        self.time_total_label.setText(
            f"Total: {duration_words(total)}" if total else "Total: no time logged"
        )
        index = self.tabs.indexOf(self.time_tab)
        self.tabs.setTabText(index, f"Time ({_short_duration(total)})" if total else "Time")
        self.tabs.setTabToolTip(index, f"{duration_words(total)} logged" if total else "")

    def _select_team(self, team_id: uuid.UUID | None, team_name: str) -> None:
        if self.team_combo.count() == 0:
            self.team_combo.addItem("No team", None)
        for row in range(self.team_combo.count()):
            if self.team_combo.itemData(row) == team_id:
                self.team_combo.setCurrentIndex(row)
                return
        self.team_combo.addItem(team_name or "Another team", team_id)
        self.team_combo.setCurrentIndex(self.team_combo.count() - 1)

    def _fill_assignees(self, detail: TicketDetail) -> None:
        self.assignee_combo.clear()
        self.assignee_combo.addItem("Unassigned", None)
        for person in self._people:
            # Without the right to assign others, only the current assignee and oneself show.
            if self._may_assign_others or person.id in (self._me, detail.assignee_id):
                self.assignee_combo.addItem(person.name, person.id)
        index = self.assignee_combo.findData(detail.assignee_id)
        if index < 0 and detail.assignee_id is not None:
            self.assignee_combo.addItem(detail.assignee_name or "Someone", detail.assignee_id)
            index = self.assignee_combo.count() - 1
        self.assignee_combo.setCurrentIndex(max(0, index))

    def timeline_html(self) -> str:
        """The timeline as HTML: description, then every event, oldest first."""
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Base)
        muted = palette.color(QPalette.ColorRole.PlaceholderText).name()
        reply_bg = _blend(base, theme.accent(), 0.10).name()
        note_bg = _blend(base, theme.sla_colour(SlaState.DUE_SOON), 0.18).name()
        loud = {
            TicketEventKind.SLA_BREACH: theme.sla_colour(SlaState.BREACHED).name(),
            TicketEventKind.ESCALATION: theme.priority_colour(Priority.HIGH).name(),
            TicketEventKind.MERGED: theme.status_colour(TicketStatus.CLOSED).name(),
            TicketEventKind.SLA_PAUSED: theme.status_colour(TicketStatus.PENDING).name(),
            TicketEventKind.SLA_RESUMED: theme.status_colour(TicketStatus.OPEN).name(),
        }
        marks = {
            TicketEventKind.ESCALATION: "▲",
            TicketEventKind.SLA_BREACH: "!",
            TicketEventKind.SLA_PAUSED: "❚❚",
            TicketEventKind.SLA_RESUMED: "▶",
            TicketEventKind.RATING: "★",
        }
        parts: list[str] = []
        detail = self._detail
        if detail is not None and detail.description:
            parts.append(f"<p><b>Description</b><br>{_text(detail.description)}</p>")
        for row in range(self.events.rowCount()):
            event: TicketEventView = self.events.data(self.events.index(row), ROW_ROLE)
            stamp = html.escape(when(event.created_at))
            if has_body(event):
                is_note = event.kind is TicketEventKind.NOTE
                bg = note_bg if is_note else reply_bg
                tag = "Internal note" if is_note else "Public reply"
                who = html.escape(event.author_name or "Someone")
                parts.append(
                    f'<table width="100%" cellpadding="6" cellspacing="0" bgcolor="{bg}" '
                    f'style="margin-top:6px"><tr><td>'
                    f"<b>{who}</b> · {tag} "
                    f'<span style="color:{muted}">· {stamp}</span><br>{_text(event.body)}'
                    "</td></tr></table>"
                )
            else:
                colour = loud.get(event.kind, muted)
                mark = marks.get(event.kind, "●")
                weight = "bold" if event.kind in loud else "normal"
                parts.append(
                    f'<p style="color:{colour}; margin:4px 0 4px 6px; font-weight:{weight}">'
                    f"<small>{mark} {html.escape(headline(event))} "
                    f'<span style="color:{muted}; font-weight:normal">· {stamp}</span>'
                    "</small></p>"
                )
        return "".join(parts)

    def _update_reply_placeholder(self) -> None:
        if self.note_radio.isChecked():
            self.reply_editor.setPlaceholderText(
                f"Write an internal note for colleagues… ({send_keys_text()} sends)"
            )
        else:
            self.reply_editor.setPlaceholderText(
                f"Write a reply to the requester… ({send_keys_text()} sends)"
            )

    # --- the extras: attachments, links, time, SLA stretches -----------------------------

    def _context(self) -> Services | None:
        """The services to act through: handed over by `attach`, else the pane's."""
        if self._services is None:
            parent = self.parentWidget()
            while parent is not None and not isinstance(parent, Pane):
                parent = parent.parentWidget()
            if isinstance(parent, Pane):
                self._services, self._signals, self._tasks = (
                    parent.services,
                    parent.signals,
                    parent.tasks,
                )
        return self._services

    def _run(
        self,
        work: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None],
        *,
        if_gone: Callable[[Any], None] | None = None,
    ) -> None:
        """Run `work` on the task runner (or at once, without one); report on this thread.

        When the widget was deleted meanwhile, its callbacks are dropped (they would touch
        dead widgets); `if_gone` still gets the result, for what must outlive the widget.
        """

        def deliver(result: Any) -> None:
            if shiboken6.isValid(self):
                on_done(result)
            elif if_gone is not None:
                if_gone(result)

        def fail(exc: Exception) -> None:
            if shiboken6.isValid(self):
                on_error(exc)
            else:
                log.warning("background work for a closed ticket view failed: %s", exc)

        if self._tasks is None:
            try:
                result = work()
            except Exception as exc:
                fail(exc)
                return
            deliver(result)
            return
        self._tasks.run(work, deliver, fail)

    def _orphan_broadcast(self) -> Callable[[Any], None]:
        """Broadcast the `Changes` of a write that ends after this widget was deleted, so the
        panes still reload."""
        signals = self._signals

        def send(result: Any) -> None:
            changes = result[-1] if isinstance(result, tuple) and result else result
            if not isinstance(changes, Changes) or not changes.areas:
                return
            if signals is not None and shiboken6.isValid(signals):
                signals.changed.emit(changes)

        return send

    def _load_extras(self, ticket_id: uuid.UUID, *, keep: bool) -> None:
        services = self._context()
        if not keep:
            self._show_extras(DetailExtras(ticket_id))
        if services is None:
            return
        self._extras_request += 1
        request = self._extras_request
        conversation = services.conversation
        tickets = services.tickets

        def load() -> DetailExtras:
            extras = DetailExtras(ticket_id)
            calls: list[tuple[str, Callable[[], Any]]] = [
                ("attachments", lambda: conversation.attachments(ticket_id)),
                ("links", lambda: conversation.links(ticket_id)),
                ("articles", lambda: conversation.linked_articles(ticket_id)),
                ("time_entries", lambda: conversation.time_entries(ticket_id)),
                ("stretches", lambda: tickets.sla_timeline(ticket_id)),
                ("teams", tickets.teams),
            ]
            for key, call in calls:
                try:
                    setattr(extras, key, list(call()))
                except SupportDeskError as exc:
                    extras.problems.append(str(exc))
            return extras

        self._run(
            load,
            lambda extras: self._on_extras_loaded(request, extras),
            lambda exc: self.show_problem("Could not load the ticket's files and links", exc),
        )
        self._load_categories()

    def _load_categories(self) -> None:
        """The category suggestions, in the background: they count over every ticket (seconds
        on a big database), so they are read at most every `CATEGORY_REFRESH_S`."""
        categories = self._service(lambda s: s.tickets.categories)
        if categories is None or self._categories_loading:
            return
        fresh = time.monotonic() - self._categories_read_at < CATEGORY_REFRESH_S
        if self._categories_read_at and fresh:
            return
        self._categories_loading = True

        def done(found: list[str]) -> None:
            self._categories_loading = False
            self._categories_read_at = time.monotonic()
            self.set_categories(found)

        def failed(exc: Exception) -> None:
            self._categories_loading = False
            log.warning("could not read the categories: %s", exc)

        self._run(lambda: list(categories()), done, failed)

    def set_categories(self, categories: Sequence[str]) -> None:
        """Fill the category list, keeping whatever is in the box (typed or shown)."""
        known = list(dict.fromkeys([*categories, *self._categories]))
        self._categories = sorted(known, key=str.casefold)
        line = self.category_combo.lineEdit()
        assert line is not None
        text, cursor = line.text(), line.cursorPosition()
        self.category_combo.blockSignals(True)
        self.category_combo.clear()
        self.category_combo.addItem("")
        self.category_combo.addItems(self._categories)
        self.category_combo.blockSignals(False)
        if line.text() != text:
            line.setText(text)
        line.setCursorPosition(cursor)

    def _on_extras_loaded(self, request: int, extras: DetailExtras) -> None:
        if request != self._extras_request or self._detail is None:
            return
        if extras.ticket_id != self._detail.id:
            return
        self._show_extras(extras)
        if extras.problems:
            self.show_problem("Some of the ticket could not be shown", extras.problems[0])

    def _show_extras(self, extras: DetailExtras) -> None:
        self.extras = extras
        self.attachments.set_attachments(extras.attachments)
        files = len(extras.attachments)
        self.tabs.setTabText(
            self.tabs.indexOf(self.attachments), f"Files ({files})" if files else "Files"
        )
        self.links_model.set_rows(extras.links)
        self.links_view.setVisible(bool(extras.links))
        self.links_empty.setVisible(not extras.links)
        self.articles_model.set_rows(extras.articles)
        self.articles_view.setVisible(bool(extras.articles))
        self.articles_empty.setVisible(not extras.articles)
        related = len(extras.links) + len(extras.articles)
        self.tabs.setTabText(
            self.tabs.indexOf(self.related_tab), f"Related ({related})" if related else "Related"
        )
        self._update_link_buttons()
        self.time_model.set_rows(extras.time_entries)
        self.time_view.setVisible(bool(extras.time_entries))
        self.time_empty.setVisible(not extras.time_entries)
        detail = self._detail
        total = detail.total_minutes if detail else 0
        if extras.time_entries:
            total = sum(int(e.minutes) for e in extras.time_entries)
        self._show_time_total(total)
        self.sla_view.set_stretches(extras.stretches)
        self.sla_view.setVisible(bool(extras.stretches))
        self.sla_empty.setVisible(not extras.stretches)
        self._show_sla_summary()
        if extras.teams:
            current = self._detail.team_id if self._detail else None
            self.team_combo.clear()
            self.team_combo.addItem("No team", None)
            for team in extras.teams:
                self.team_combo.addItem(team.name, team.id)
            self._select_team(current, self._detail.team_name if self._detail else "")
        if extras.categories:
            self.set_categories(extras.categories)
        known = sorted({*(self._detail.tags if self._detail else ())})
        self._tag_completer.setModel(QStringListModel(known, self._tag_completer))

    def _show_sla_summary(self) -> None:
        detail = self._detail
        if detail is None:
            return
        paused = detail.sla_paused
        lines = [f"<b>Policy:</b> {html.escape(detail.sla_policy_name or 'default targets')}"]
        if detail.first_response_due_at:
            lines.append(f"<b>First response due:</b> {full_time(detail.first_response_due_at)}")
        if detail.resolution_due_at:
            lines.append(f"<b>Resolution due:</b> {full_time(detail.resolution_due_at)}")
        if paused:
            lines.append(
                "The clock is <b>paused</b> while the ticket waits on the requester; the due "
                "times move on by the business time it stays paused."
            )
        else:
            lines.append(
                "Due times count the business hours of the policy's calendar; the clock "
                "pauses while the ticket waits on the requester."
            )
        self.sla_summary.setText("<br>".join(lines))

    def _update_link_buttons(self) -> None:
        chosen = self._chosen_link()
        self.open_link_button.setEnabled(chosen is not None)
        closed = self._detail is not None and self._detail.status is TicketStatus.CLOSED
        self.unlink_button.setEnabled(
            self._may_write and not closed and chosen is not None and chosen.kind == "related"
        )

    def _chosen_link(self) -> Any | None:
        index = self.links_view.currentIndex()
        return self.links_model.row_at(index.row()) if index.isValid() else None

    # --- telling the technician ---

    def show_problem(self, what: str, problem: BaseException | str) -> None:
        """Show what went wrong in the bar above the tabs (no modal box in the way)."""
        if isinstance(problem, str):
            text = problem
        elif isinstance(problem, SupportDeskError | PermissionError):
            text = str(problem)
        else:
            text = (
                f"This is a bug in SupportDesk; your data was not changed. "
                f"({type(problem).__name__}: {problem})"
            )
        self.problem_label.setText(f"<b>{html.escape(what)}.</b> {html.escape(text)}")
        self.problem_bar.show()

    def _say(self, message: str) -> None:
        if self._signals is not None:
            self._signals.status_message.emit(message)

    def _broadcast(self, changes: Changes) -> None:
        self.changed.emit(changes)
        if self._signals is not None:
            self._signals.changed.emit(changes)

    # --- writing through the services ---

    def _write(
        self,
        what: str,
        call: Callable[[], Changes],
        *,
        dialog: Any = None,
        done: str = "",
        after: Callable[[], None] | None = None,
    ) -> None:
        """Run a write on the task runner; broadcast its `Changes`, or show the refusal (in
        the dialog when one is open, so the technician can correct and retry)."""

        def succeeded(changes: Changes) -> None:
            if _alive(dialog):
                dialog.accept()
            if done:
                self._say(done)
            if after is not None:
                after()
            self._broadcast(changes)

        def failed(exc: Exception) -> None:
            if _alive(dialog) and dialog.isVisible():
                if isinstance(exc, SupportDeskError | PermissionError):
                    dialog.show_problem(str(exc))
                    return
                dialog.set_busy(False)
            self.show_problem(what, exc)
            if self._detail is not None:  # put the boxes back to what is stored
                self._show_fields(self._detail, fresh=True)

        self._run(call, succeeded, failed, if_gone=self._orphan_broadcast())

    def _open_dialog(
        self, dialog: Any, save: Callable[[Any], Callable[[], Changes]], what: str, done: str
    ) -> None:
        """Show a form dialog without blocking; each OK writes on the task runner."""
        self.dialog = dialog

        def submit(values: Any) -> None:
            self._write(what, save(values), dialog=dialog, done=done)

        dialog.submitted.connect(submit)
        dialog.finished.connect(self._on_dialog_finished)
        dialog.open()

    @Slot()
    def _on_dialog_finished(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
            self.dialog = None

    def _service(self, pick: Callable[[Services], _T]) -> _T | None:
        """`pick` applied to the services to act through (None before the widget is placed)."""
        services = self._context()
        return None if services is None else pick(services)

    # escalation and fields

    @Slot()
    def _on_escalate_button_clicked(self) -> None:
        detail = self._detail
        escalate = self._service(lambda s: s.tickets.escalate)
        if detail is None or escalate is None:
            return
        tier = detail.tier
        dialog = EscalateDialog(detail.number, tier, self)
        self._open_dialog(
            dialog,
            lambda e: lambda: escalate(detail.id, e.tier, e.reason),
            "Could not escalate the ticket",
            "Ticket escalated",
        )

    def escalate(self, escalation: Escalation) -> None:
        """Escalate the shown ticket without the dialog (for scripts and tests)."""
        detail, escalate = self._detail, self._service(lambda s: s.tickets.escalate)
        if detail is not None and escalate is not None:
            self._write(
                "Could not escalate the ticket",
                lambda: escalate(detail.id, escalation.tier, escalation.reason),
            )

    @Slot(int)
    def _on_team_combo_activated(self, index: int) -> None:
        detail, set_team = self._detail, self._service(lambda s: s.tickets.set_team)
        team_id = self.team_combo.itemData(index)
        if detail is None or set_team is None or team_id == detail.team_id:
            return
        self._write("Could not change the team", lambda: set_team(detail.id, team_id))

    def _category_chosen(self, text: str) -> None:
        detail = self._detail
        text = " ".join(text.split())
        if detail is None:
            return
        if text == detail.category or not self._category_field.modified():
            # Nothing new typed (the box may lag behind a change that came meanwhile).
            self._category_field.show(detail.category, fresh=True)
            return
        set_category = self._service(lambda s: s.tickets.set_category)
        if set_category is not None:
            self._category_field.commit()
            self._write("Could not change the category", lambda: set_category(detail.id, text))

    @Slot(int)
    def _on_category_combo_activated(self, index: int) -> None:
        self._category_chosen(self.category_combo.itemText(index))

    @Slot()
    def _on_category_return_pressed(self) -> None:
        self._category_chosen(self.category_combo.currentText())

    @Slot()
    def _on_category_editing_finished(self) -> None:
        if not self.category_combo.hasFocus():
            self._category_field.catch_up()

    @Slot(int)
    def _on_channel_combo_activated(self, index: int) -> None:
        detail, set_channel = self._detail, self._service(lambda s: s.tickets.set_channel)
        data = self.channel_combo.itemData(index)
        channel = Channel(data) if data else None  # Qt hands StrEnums back as plain strings
        if detail is None or set_channel is None or channel is None:
            return
        if channel != detail.channel:
            self._write("Could not change the channel", lambda: set_channel(detail.id, channel))

    def tags_typed(self) -> list[str]:
        """The tags in the tags box, cleaned: no blanks or repeats, order kept."""
        seen: list[str] = []
        for raw in self.tags_edit.text().replace(";", ",").split(","):
            tag = " ".join(raw.split())
            if tag and tag.lower() not in (t.lower() for t in seen):
                seen.append(tag)
        return seen

    @Slot()
    def _on_tags_edit_return_pressed(self) -> None:
        detail, set_tags = self._detail, self._service(lambda s: s.tickets.set_tags)
        tags = self.tags_typed()
        if detail is None or set_tags is None:
            return
        if tags == list(detail.tags) or not self._tags_field.modified():
            # Nothing new typed (the box may lag behind a change that came meanwhile).
            self._tags_field.show(", ".join(detail.tags), fresh=True)
            return
        self._tags_field.commit()
        self._write("Could not change the tags", lambda: set_tags(detail.id, tags))

    @Slot()
    def _on_tags_edit_editing_finished(self) -> None:
        if not self.tags_edit.hasFocus():
            self._tags_field.catch_up()

    @Slot()
    def _on_requester_action_triggered(self) -> None:
        detail, set_requester = self._detail, self._service(lambda s: s.tickets.set_requester)
        services = self._context()
        if detail is None or set_requester is None or services is None:
            return
        try:
            dialog = RequesterDialog(
                detail.number, detail.requester_name, services.tickets.contacts, self
            )
        except Exception as exc:
            self.show_problem("Could not look up the contacts", exc)
            return
        self._open_dialog(
            dialog,
            lambda contact: (
                lambda: set_requester(detail.id, contact.id if contact is not None else None)
            ),
            "Could not change the requester",
            "Requester changed",
        )

    # time

    @Slot()
    def _on_time_button_clicked(self) -> None:
        detail, log_time = self._detail, self._service(lambda s: s.conversation.log_time)
        if detail is None or log_time is None:
            return
        self._open_dialog(
            TimeDialog(detail.number, self),
            lambda form: lambda: log_time(detail.id, form.minutes, form.note, form.worked_on),
            "Could not log the time",
            "Time logged",
        )

    def log_time(self, form: TimeEntryForm) -> None:
        """Log time on the shown ticket without the dialog."""
        detail, log_time = self._detail, self._service(lambda s: s.conversation.log_time)
        if detail is not None and log_time is not None:
            self._write(
                "Could not log the time",
                lambda: log_time(detail.id, form.minutes, form.note, form.worked_on),
            )

    # satisfaction

    def _maybe_offer_rating(self, previous: TicketDetail | None, detail: TicketDetail) -> None:
        """After the technician resolved the ticket here, offer the rating dialog once."""
        wanted = self._offer_rating_for == detail.id
        if previous is None or not wanted:
            return
        if detail.status is TicketStatus.RESOLVED:
            self._offer_rating_for = None
            if detail.satisfaction is None and previous.status is not TicketStatus.RESOLVED:
                QTimer.singleShot(0, self, self.open_rating_dialog)
        elif detail.status == previous.status:
            self._offer_rating_for = None  # the change was refused

    @Slot()
    def _on_rate_action_triggered(self) -> None:
        self.open_rating_dialog()

    @Slot()
    def open_rating_dialog(self) -> None:
        """Ask for the requester's 1–5 rating and comment (Skip leaves it unrated)."""
        detail, rate = self._detail, self._service(lambda s: s.conversation.rate)
        if detail is None or rate is None or self.dialog is not None:
            return
        dialog = RatingDialog(detail.number, detail.subject, self)
        if detail.satisfaction is not None:
            dialog.choose(detail.satisfaction.score)
            dialog.comment_edit.setPlainText(detail.satisfaction.comment)
        self._open_dialog(
            dialog,
            lambda r: lambda: rate(detail.id, r.score, r.comment),
            "Could not record the rating",
            "Rating recorded",
        )

    def rate(self, rating: Rating) -> None:
        detail, rate = self._detail, self._service(lambda s: s.conversation.rate)
        if detail is not None and rate is not None:
            self._write(
                "Could not record the rating", lambda: rate(detail.id, rating.score, rating.comment)
            )

    # merge and link

    def _ticket_search(self, services: Services) -> Callable[[str], list[PickedTicket]]:
        tickets = services.tickets

        def search(text: str) -> list[PickedTicket]:
            found: dict[uuid.UUID, PickedTicket] = {}
            ticket_id = tickets.find_by_number(text.strip())
            if ticket_id is not None:
                one = tickets.get(ticket_id)
                found[one.id] = PickedTicket(one.id, one.number, one.subject, one.status.label)
            for hit in tickets.search(text, limit=30):
                if hit.ticket_id not in found:
                    found[hit.ticket_id] = PickedTicket(hit.ticket_id, hit.number, hit.subject, "")
            return list(found.values())

        return search

    @Slot()
    def _on_merge_button_clicked(self) -> None:
        detail, merge = self._detail, self._service(lambda s: s.conversation.merge)
        search = self._service(self._ticket_search)
        if detail is None or merge is None or search is None:
            return
        dialog = TicketPickerDialog("merge", detail.number, detail.id, search, self)
        self._open_dialog(
            dialog,
            lambda chosen: lambda: merge(detail.id, chosen.id),
            "Could not merge the tickets",
            "Tickets merged",
        )

    @Slot()
    def _on_link_button_clicked(self) -> None:
        detail, link = self._detail, self._service(lambda s: s.conversation.link)
        search = self._service(self._ticket_search)
        if detail is None or link is None or search is None:
            return
        dialog = TicketPickerDialog("link", detail.number, detail.id, search, self)
        self._open_dialog(
            dialog,
            lambda chosen: lambda: link(detail.id, chosen.id),
            "Could not link the tickets",
            "Tickets linked",
        )

    def merge_into(self, other_id: uuid.UUID) -> None:
        detail, merge = self._detail, self._service(lambda s: s.conversation.merge)
        if detail is not None and merge is not None:
            self._write("Could not merge the tickets", lambda: merge(detail.id, other_id))

    @Slot()
    def _on_unlink_button_clicked(self) -> None:
        detail, unlink = self._detail, self._service(lambda s: s.conversation.unlink)
        chosen = self._chosen_link()
        if detail is None or unlink is None or chosen is None:
            return
        self._write("Could not remove the link", lambda: unlink(detail.id, chosen.id))

    def open_linked_ticket(self, ticket_id: uuid.UUID) -> None:
        """Ask the Tickets pane to show another ticket."""
        self.ticket_open_requested.emit(ticket_id)
        self._context()
        if self._signals is not None:
            self._signals.open_ticket_requested.emit(ticket_id)

    @Slot(QModelIndex)
    def _on_links_view_double_clicked(self, index: QModelIndex) -> None:
        row = self.links_model.row_at(index.row())
        if row is not None:
            self.open_linked_ticket(row.id)

    @Slot()
    def _on_open_link_button_clicked(self) -> None:
        chosen = self._chosen_link()
        if chosen is not None:
            self.open_linked_ticket(chosen.id)

    @Slot(QModelIndex)
    def _on_articles_view_double_clicked(self, index: QModelIndex) -> None:
        row = self.articles_model.row_at(index.row())
        self._context()
        if row is not None and self._signals is not None:
            self._signals.open_article_requested.emit(row.id)

    # the reply box: canned responses and articles

    def insert_at_cursor(self, text: str) -> None:
        """Put `text` where the cursor is in the reply, on lines of its own."""
        cursor = self.reply_editor.textCursor()
        before = self.reply_editor.toPlainText()[: cursor.position()]
        if before and not before.endswith("\n"):
            text = "\n" + text
        cursor.insertText(text)
        self.reply_editor.setTextCursor(cursor)
        self.reply_editor.setFocus()

    @Slot()
    def _on_canned_button_clicked(self) -> None:
        detail = self._detail
        listing = self._service(lambda s: s.conversation.canned_responses)
        if detail is None or listing is None:
            return
        self._run(
            listing,
            self._open_canned_picker,
            lambda exc: self.show_problem("Could not load the canned responses", exc),
        )

    def _open_canned_picker(self, canned: list[Any]) -> None:
        if self._detail is None or self.dialog is not None:
            return
        dialog = CannedPickerDialog(canned, self)
        self.dialog = dialog
        dialog.submitted.connect(self._on_canned_picker_submitted)
        dialog.finished.connect(self._on_dialog_finished)
        dialog.open()

    @Slot(object)
    def _on_canned_picker_submitted(self, canned: Any) -> None:
        dialog = self.dialog
        if dialog is not None:
            dialog.accept()  # type: ignore[attr-defined]
        self.insert_canned(canned.id)

    def insert_canned(self, canned_id: uuid.UUID) -> None:
        """Render a canned response for the shown ticket and insert it at the cursor."""
        detail, render = self._detail, self._service(lambda s: s.conversation.render_canned)
        if detail is None or render is None:
            return
        ticket_id = detail.id

        def done(text: str) -> None:
            if self._detail is not None and self._detail.id == ticket_id:
                self.insert_at_cursor(text)

        self._run(
            lambda: render(canned_id, ticket_id),
            done,
            lambda exc: self.show_problem("Could not insert the canned response", exc),
        )

    @Slot()
    def _on_save_canned_action_triggered(self) -> None:
        save = self._service(lambda s: s.conversation.save_canned)
        if save is None or self._detail is None:
            return
        # Anyone who works tickets may share a response with the team (the service agrees).
        may_share = self._service(lambda s: s.actor.can(Permission.TICKET_WRITE)) is True

        def store(form: NewCanned) -> Callable[[], Changes]:
            def call() -> Changes:
                save(form.title, form.body, form.shared)
                return Changes.of()  # only the audit log: no pane reloads for it

            return call

        self._open_dialog(
            SaveCannedDialog(self.reply_editor.toPlainText(), may_share, self),
            store,
            "Could not save the canned response",
            "Canned response saved",
        )

    @Slot()
    def _on_article_button_clicked(self) -> None:
        detail = self._detail
        services = self._context()
        if detail is None or services is None:
            return
        knowledge = services.knowledge
        dialog = ArticlePickerDialog(
            lambda text: knowledge.search(text, limit=30), detail.subject, self
        )
        self.dialog = dialog
        dialog.submitted.connect(self._on_article_picker_submitted)
        dialog.finished.connect(self._on_dialog_finished)
        dialog.open()

    @Slot(object)
    def _on_article_picker_submitted(self, choice: ArticleChoice) -> None:
        self.use_article(choice, dialog=self.dialog)

    def use_article(self, choice: ArticleChoice, dialog: Any = None) -> None:
        """Link the article to the ticket; with `choice.insert`, also put its answer in the
        reply at the cursor."""
        detail = self._detail
        services = self._context()
        if detail is None or services is None:
            return
        conversation = services.conversation
        ticket_id = detail.id

        def work() -> tuple[str, Changes]:
            text = ""
            if choice.insert:
                text = conversation.article_reply_text(choice.id)
            return text, conversation.link_article(ticket_id, choice.id)

        def done(result: tuple[str, Changes]) -> None:
            text, changes = result
            if _alive(dialog):
                dialog.accept()
            if text and self._detail is not None and self._detail.id == ticket_id:
                self.insert_at_cursor(text)
            self._say(f"Article “{choice.title}” linked")
            self._broadcast(changes)

        def failed(exc: Exception) -> None:
            if _alive(dialog) and isinstance(exc, SupportDeskError | PermissionError):
                dialog.show_problem(str(exc))
                return
            if _alive(dialog):
                dialog.set_busy(False)
            self.show_problem("Could not use the article", exc)

        self._run(work, done, failed, if_gone=self._orphan_broadcast())

    # attachments

    @Slot()
    def _on_attach_button_clicked(self) -> None:
        if self._detail is None:
            return
        paths, _filter = QFileDialog.getOpenFileNames(self, "Attach files to the ticket")
        if paths:
            self.attach_files([Path(p) for p in paths])

    def attach_files(self, paths: Sequence[Path]) -> None:
        """Attach files to the shown ticket in the background; refusals are shown by name."""
        detail, attach = self._detail, self._service(lambda s: s.conversation.attach_file)
        if detail is None or attach is None or not paths:
            return
        if detail.status is TicketStatus.CLOSED or not self._may_write:
            self.show_problem(
                "Could not attach", "A closed ticket cannot change; open a new ticket instead."
            )
            return
        ticket_id = detail.id
        files = list(paths)

        def work() -> tuple[list[Any], list[str], Changes]:
            added: list[Any] = []
            refused: list[str] = []
            for path in files:
                try:
                    added.append(attach(ticket_id, path))
                except (SupportDeskError, PermissionError) as exc:
                    refused.append(str(exc))
            changes = added[-1].changes if added else Changes.of()
            return added, refused, changes

        def done(result: tuple[list[Any], list[str], Changes]) -> None:
            added, refused, changes = result
            if refused:
                what = "Could not attach a file" if len(refused) == 1 else "Some files were refused"
                self.show_problem(what, " ".join(refused))
            if added:
                self._say(
                    f"Attached {added[0].filename}"
                    if len(added) == 1
                    else f"Attached {len(added)} files"
                )
                self._broadcast(changes)

        self._run(
            work,
            done,
            lambda exc: self.show_problem("Could not attach the files", exc),
            if_gone=self._orphan_broadcast(),
        )

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._accepts_drop(event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._accepts_drop(event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        files = _local_files(event.mimeData().urls())
        if not self._accepts_drop(event.mimeData().urls()):
            event.ignore()
            return
        event.acceptProposedAction()
        self.attach_files(files)

    def _accepts_drop(self, urls: Sequence[QUrl]) -> bool:
        return (
            self._detail is not None
            and self._may_write
            and self._detail.status is not TicketStatus.CLOSED
            and bool(_local_files(urls))
        )

    def _temp_folder(self) -> Path:
        if self._temp_dir is None:
            self._temp_dir = tempfile.TemporaryDirectory(prefix="supportdesk-")
        return Path(self._temp_dir.name)

    @Slot(object)
    def _on_attachments_open_requested(self, attachment: Any) -> None:
        self.open_attachment(attachment)

    def open_attachment(self, attachment: Any, *, launch: bool = True) -> None:
        """Copy the file to a private temporary folder and open it in its usual program.

        A file that can run programs (`is_risky_file`) is only launched after the technician
        confirmed it in a box (`risky_box` while it is open)."""
        if launch and is_risky_file(str(attachment.filename)):
            self._confirm_risky_open(attachment)
            return
        self._fetch_and_open(attachment, launch=launch)

    def _confirm_risky_open(self, attachment: Any) -> None:
        if self.risky_box is not None:
            self.risky_box.raise_()
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Open a file that can run programs?")
        box.setText(f"Open {attachment.filename}?")
        box.setInformativeText(RISKY_FILE_TEXT)
        box.setStandardButtons(QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        self.risky_box = box

        def answered(result: int) -> None:
            self.risky_box = None
            box.deleteLater()
            if result == QMessageBox.StandardButton.Open:
                self._fetch_and_open(attachment, launch=True)

        box.finished.connect(answered)
        box.open()

    def _fetch_and_open(self, attachment: Any, *, launch: bool) -> None:
        fetch = self._service(lambda s: s.conversation.attachment_bytes)
        if fetch is None:
            return
        folder = self._temp_folder() / str(attachment.id)

        def work() -> Path:
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / Path(attachment.filename).name
            target.write_bytes(fetch(attachment.id))
            return target

        def done(target: Path) -> None:
            self.last_opened = target
            if launch and not QDesktopServices.openUrl(QUrl.fromLocalFile(str(target))):
                self.show_problem(
                    f"Could not open {attachment.filename}",
                    "No program on this computer opens this kind of file; use Save as… instead.",
                )

        self._run(work, done, lambda exc: self.show_problem("Could not open the file", exc))

    @Slot(object)
    def _on_attachments_save_requested(self, attachment: Any) -> None:
        target, _filter = QFileDialog.getSaveFileName(
            self, "Save the attachment", str(Path.home() / attachment.filename)
        )
        if target:
            self.save_attachment(attachment, Path(target))

    def save_attachment(self, attachment: Any, target: Path) -> None:
        save = self._service(lambda s: s.conversation.save_attachment)
        if save is None:
            return
        self._run(
            lambda: save(attachment.id, target),
            lambda _none: self._say(f"Saved {target.name}"),
            lambda exc: self.show_problem(f"Could not save {attachment.filename}", exc),
        )

    # SLA

    @Slot()
    def _on_sla_action_triggered(self) -> None:
        self.tabs.setCurrentWidget(self.sla_tab)

    @Slot()
    def _on_clock_timer_timeout(self) -> None:
        if self.isVisible():
            self.refresh_clocks()

    # --- slots ---

    @Slot()
    def _on_links_selection_changed(self) -> None:
        self._update_link_buttons()

    @Slot()
    def _on_events_model_reset(self) -> None:
        self.timeline.setHtml(self.timeline_html())
        self._scroll_timeline_to_end()
        # Once more after the layout settled (a new tab or width changes the document height).
        QTimer.singleShot(0, self, self._scroll_timeline_to_end)

    @Slot()
    def _scroll_timeline_to_end(self) -> None:
        bar = self.timeline.verticalScrollBar()
        bar.setValue(bar.maximum())  # the newest event is what one reads next

    @Slot(int)
    def _on_status_combo_activated(self, index: int) -> None:
        data = self.status_combo.itemData(index)
        # Qt hands str-based enums back as plain strings.
        status = TicketStatus(data) if data else None
        if self._detail is not None and status is not None and status != self._detail.status:
            self._offer_rating_for = self._detail.id if status is TicketStatus.RESOLVED else None
            self.status_chosen.emit(status)

    @Slot(int)
    def _on_priority_combo_activated(self, index: int) -> None:
        data = self.priority_combo.itemData(index)
        priority = Priority(data) if data else None  # a plain string from Qt
        if self._detail is not None and priority is not None and priority != self._detail.priority:
            self.priority_chosen.emit(priority)

    @Slot(int)
    def _on_assignee_combo_activated(self, index: int) -> None:
        assignee = self.assignee_combo.itemData(index)
        if self._detail is not None and assignee != self._detail.assignee_id:
            self.assignee_chosen.emit(assignee)

    @Slot()
    def _on_send_button_clicked(self) -> None:
        if self._detail is None or not self.send_button.isEnabled():
            return
        self.reply_submitted.emit(self.reply_editor.toPlainText(), self.public_radio.isChecked())

    @Slot(bool)
    def _on_note_radio_toggled(self, _checked: bool) -> None:
        self._update_reply_placeholder()


def _alive(widget: Any) -> bool:
    """Whether `widget` is set and not yet deleted (a dialog may close while work runs)."""
    return widget is not None and shiboken6.isValid(widget)


def _short_duration(minutes: int) -> str:
    """A duration short enough for a tab: "45 min", "2 h", "1:35 h"."""
    hours, mins = divmod(max(0, minutes), 60)
    if not hours:
        return f"{mins} min"
    return f"{hours} h" if not mins else f"{hours}:{mins:02d} h"


def _text(body: str) -> str:
    """Plain text as HTML: escaped, line breaks kept."""
    return html.escape(body).replace("\n", "<br>")
