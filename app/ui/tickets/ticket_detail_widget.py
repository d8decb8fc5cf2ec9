"""The detail side of the Tickets pane: one ticket, its timeline and the reply editor.

The widget holds layout only: it shows a `TicketDetail` and reports what the technician
chose (a status, a priority, an assignee, a reply) by signals; the pane does the writing.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import Priority, TicketEventKind, TicketStatus
from app.domain.sla import SlaState
from app.domain.workflow import next_statuses
from app.services.ticket_service import PersonOption, TicketDetail, TicketEventView
from app.ui import theme
from app.ui.icons import icon
from app.ui.models.roles import ROW_ROLE
from app.ui.models.ticket_event_model import TicketEventModel, has_body, headline
from app.ui.models.ticket_model import full_time, sla_words, when

NO_SELECTION_TEXT = "Select a ticket to see its history"


def _blend(base: QColor, tint: QColor, share: float) -> QColor:
    """`tint` laid over `base` at `share` opacity: a background that suits either scheme."""
    return QColor(
        round(base.red() * (1 - share) + tint.red() * share),
        round(base.green() * (1 - share) + tint.green() * share),
        round(base.blue() * (1 - share) + tint.blue() * share),
    )


class ReplyEditor(QPlainTextEdit):
    """A plain-text editor where Ctrl+Enter (Cmd+Enter on macOS) sends.

    Signals:
        submitted(): the technician pressed Ctrl+Enter.
    """

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        ctrl = event.modifiers() & Qt.KeyboardModifier.ControlModifier
        if ctrl and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class TicketDetailWidget(QWidget):
    """Shows one ticket; empty state until a ticket is chosen.

    Signals:
        status_chosen(object): a `TicketStatus` picked in the status box.
        priority_chosen(object): a `Priority` picked in the priority box.
        assignee_chosen(object): a user id, or None for "Unassigned".
        reply_submitted(str, bool): the reply text and whether it is public.
    """

    status_chosen = Signal(object)
    priority_chosen = Signal(object)
    assignee_chosen = Signal(object)
    reply_submitted = Signal(str, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._detail: TicketDetail | None = None
        self._people: list[PersonOption] = []
        self._me: uuid.UUID | None = None
        self._may_write = True
        self._may_assign_others = True
        self.events = TicketEventModel(self)
        self.events.modelReset.connect(self._on_events_model_reset)
        self._build()

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

        self.subject_label = QLabel()
        self.subject_label.setWordWrap(True)
        self.subject_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFont(self.subject_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.subject_label.setFont(font)
        self.number_label = QLabel()
        self.number_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.number_label.setEnabled(False)
        layout.addWidget(self.subject_label)
        layout.addWidget(self.number_label)

        controls = QHBoxLayout()
        self.status_combo = QComboBox()
        self.status_combo.setToolTip("Status: choosing one applies it at once")
        self.priority_combo = QComboBox()
        self.priority_combo.setToolTip("Priority: due dates follow it")
        for priority in Priority:
            self.priority_combo.addItem(priority.label, priority)
        self.assignee_combo = QComboBox()
        self.assignee_combo.setToolTip("Who works on the ticket")
        self.assignee_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for text, combo in (
            ("Status", self.status_combo),
            ("Priority", self.priority_combo),
            ("Assignee", self.assignee_combo),
        ):
            label = QLabel(text)
            label.setBuddy(combo)
            controls.addWidget(label)
            controls.addWidget(combo)
        controls.addStretch(1)
        layout.addLayout(controls)

        info = QHBoxLayout()
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
        requester_form.addRow("Name", self.requester_name)
        requester_form.addRow("Email", self.requester_email)
        requester_form.addRow("Phone", self.requester_phone)
        requester_form.addRow("Organisation", self.requester_org)
        self.sla_box = QGroupBox("Targets")
        sla_form = QFormLayout(self.sla_box)
        self.first_response_label = QLabel()
        self.resolution_label = QLabel()
        self.extra_label = QLabel()
        self.extra_label.setWordWrap(True)
        sla_form.addRow("First response", self.first_response_label)
        sla_form.addRow("Resolution", self.resolution_label)
        sla_form.addRow(self.extra_label)
        info.addWidget(self.requester_box, 1)
        info.addWidget(self.sla_box, 1)
        layout.addLayout(info)

        self.timeline = QTextBrowser()
        self.timeline.setOpenLinks(False)  # nothing in a ticket may navigate or load files
        self.timeline.setOpenExternalLinks(False)
        self.timeline.setFrameShape(QFrame.Shape.StyledPanel)
        self.timeline.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        layout.addWidget(self.timeline, 1)

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
        self.send_button = QPushButton(icon("reply"), "Send")
        self.send_button.setToolTip("Send (Ctrl+Enter)")
        reply_row.addWidget(self.send_button)
        self.reply_editor = ReplyEditor()
        self.reply_editor.setMaximumHeight(120)
        self.reply_editor.setTabChangesFocus(True)
        layout.addLayout(reply_row)
        layout.addWidget(self.reply_editor)
        self.stack.addWidget(page)
        self.detail_page = page
        self._update_reply_placeholder()

        self.status_combo.activated.connect(self._on_status_combo_activated)
        self.priority_combo.activated.connect(self._on_priority_combo_activated)
        self.assignee_combo.activated.connect(self._on_assignee_combo_activated)
        self.send_button.clicked.connect(self._on_send_button_clicked)
        self.reply_editor.submitted.connect(self._on_send_button_clicked)
        self.note_radio.toggled.connect(self._on_note_radio_toggled)

    # --- public ---

    @property
    def detail(self) -> TicketDetail | None:
        return self._detail

    def set_permissions(self, *, may_write: bool, may_assign_others: bool, me: uuid.UUID) -> None:
        """Disable what the signed-in person may not do (the service refuses it anyway)."""
        self._may_write = may_write
        self._may_assign_others = may_assign_others
        self._me = me
        for widget in (
            self.status_combo,
            self.priority_combo,
            self.assignee_combo,
            self.reply_editor,
            self.send_button,
            self.public_radio,
            self.note_radio,
        ):
            widget.setEnabled(may_write)

    def set_people(self, people: Sequence[PersonOption]) -> None:
        self._people = list(people)
        if self._detail is not None:
            self._fill_assignees(self._detail)

    def clear(self) -> None:
        """Back to the empty state (no ticket chosen)."""
        self._detail = None
        self.events.set_events([])
        self.stack.setCurrentWidget(self.empty_label)

    def show_detail(self, detail: TicketDetail) -> None:
        same_ticket = self._detail is not None and self._detail.id == detail.id
        self._detail = detail
        self.subject_label.setText(detail.subject)
        bits = [detail.number, f"opened {full_time(detail.opened_at)}", detail.channel.label]
        if detail.category:
            bits.append(detail.category)
        if detail.team_name:
            bits.append(f"team {detail.team_name}")
        self.number_label.setText(" · ".join(bits))

        self.status_combo.clear()
        self.status_combo.addItem(detail.status.label, detail.status)
        for status in next_statuses(detail.status):
            self.status_combo.addItem(status.label, status)
        self.status_combo.setCurrentIndex(0)
        self.priority_combo.setCurrentIndex(self.priority_combo.findData(detail.priority))
        self._fill_assignees(detail)
        closed = detail.status is TicketStatus.CLOSED
        editable: tuple[QWidget, ...] = (
            self.priority_combo,
            self.assignee_combo,
            self.status_combo,
            self.reply_editor,
            self.send_button,
            self.public_radio,
            self.note_radio,
        )
        for widget in editable:
            widget.setEnabled(self._may_write and not closed)

        self.requester_name.setText(detail.requester_name or "No requester")
        self.requester_email.setText(detail.requester_email or "—")
        self.requester_phone.setText(detail.requester_phone or "—")
        self.requester_org.setText(detail.organisation_name or "—")

        self._show_clock(
            self.first_response_label,
            detail.first_response_due_at,
            detail.first_responded_at,
            detail.first_response_state,
            "answered",
        )
        self._show_clock(
            self.resolution_label,
            detail.resolution_due_at,
            detail.resolved_at,
            detail.resolution_state,
            "resolved",
        )
        extra = []
        if detail.sla_policy_name:
            extra.append(f"Policy: {detail.sla_policy_name}")
        if detail.tags:
            extra.append("Tags: " + ", ".join(detail.tags))
        if detail.satisfaction is not None:
            extra.append(f"Rated {detail.satisfaction.score} out of 5")
        self.extra_label.setText(" · ".join(extra))
        self.extra_label.setVisible(bool(extra))

        self.events.set_events(detail.events)
        if not same_ticket:
            self.reply_editor.clear()
            self.public_radio.setChecked(True)
        self.stack.setCurrentWidget(self.detail_page)

    # --- rendering ---

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

    @staticmethod
    def _show_clock(
        label: QLabel,
        due: datetime | None,
        done: datetime | None,
        state: str | None,
        done_word: str,
    ) -> None:
        if due is None:
            label.setText("No target")
            label.setPalette(QPalette())
            return
        text = f"due {full_time(due)}"
        if done is not None:
            text = f"{done_word} {full_time(done)} (target {when(due)})"
        words = sla_words(state)
        if words and state != SlaState.OK:
            text += f" — {words}"
        label.setText(text)
        palette = QPalette(label.palette())
        if state:
            palette.setColor(QPalette.ColorRole.WindowText, theme.sla_colour(state))
        label.setPalette(palette)

    def timeline_html(self) -> str:
        """The timeline as HTML: description, then every event, oldest first."""
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Base)
        muted = palette.color(QPalette.ColorRole.PlaceholderText).name()
        reply_bg = _blend(base, theme.accent(), 0.10).name()
        note_bg = _blend(base, theme.sla_colour(SlaState.DUE_SOON), 0.18).name()
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
                parts.append(
                    f'<p style="color:{muted}; margin:4px 0 4px 6px"><small>'
                    f"● {html.escape(headline(event))} · {stamp}</small></p>"
                )
        return "".join(parts)

    def _update_reply_placeholder(self) -> None:
        if self.note_radio.isChecked():
            self.reply_editor.setPlaceholderText(
                "Write an internal note for colleagues… (Ctrl+Enter sends)"
            )
        else:
            self.reply_editor.setPlaceholderText(
                "Write a reply to the requester… (Ctrl+Enter sends)"
            )

    # --- slots ---

    @Slot()
    def _on_events_model_reset(self) -> None:
        self.timeline.setHtml(self.timeline_html())
        bar = self.timeline.verticalScrollBar()
        bar.setValue(bar.maximum())  # the newest event is what one reads next

    @Slot(int)
    def _on_status_combo_activated(self, index: int) -> None:
        data = self.status_combo.itemData(index)
        # Qt hands str-based enums back as plain strings.
        status = TicketStatus(data) if data else None
        if self._detail is not None and status is not None and status != self._detail.status:
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


def _text(body: str) -> str:
    """Plain text as HTML: escaped, line breaks kept."""
    return html.escape(body).replace("\n", "<br>")
