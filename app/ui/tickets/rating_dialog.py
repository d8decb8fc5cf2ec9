"""The requester's satisfaction: 1–5 and a comment, handed over on the technician's screen."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.ui import theme
from app.ui.form_dialog import FormDialog
from app.ui.icons import icon

SCORE_WORDS = {1: "Very poor", 2: "Poor", 3: "OK", 4: "Good", 5: "Excellent"}


@dataclass(frozen=True)
class Rating:
    score: int
    comment: str


class RatingDialog(FormDialog):
    """Five large score buttons and a comment; Skip closes it without recording anything.

    `submitted` carries a `Rating`.
    """

    def __init__(self, number: str, subject: str, parent: QWidget | None = None) -> None:
        super().__init__(f"How did we do? — {number}", "Record rating", parent=parent)
        self.setMinimumWidth(460)
        skip = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        skip.setText("Skip")
        skip.setToolTip("Close without a rating; it can be recorded later from the ticket")
        intro = QLabel(
            f"<b>{_escape(subject)}</b><br>How happy is the requester with the help on this "
            "ticket? Hand the screen over, or ask and record the answer."
        )
        intro.setWordWrap(True)
        self.body.insertWidget(0, intro)

        self.score_group = QButtonGroup(self)
        self.score_group.setExclusive(True)
        scores = QWidget()
        row = QHBoxLayout(scores)
        row.setContentsMargins(0, 0, 0, 0)
        self.score_buttons: dict[int, QToolButton] = {}
        for score in range(1, 6):
            button = QToolButton()
            button.setCheckable(True)
            button.setIcon(icon("detail-star"))
            button.setText(f"{score}\n{SCORE_WORDS[score]}")
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            button.setMinimumWidth(72)
            button.setToolTip(f"{score} out of 5: {SCORE_WORDS[score].lower()}")
            self.score_group.addButton(button, score)
            self.score_buttons[score] = button
            row.addWidget(button)
        self.chosen_label = QLabel("No score chosen yet")
        self.chosen_label.setEnabled(False)
        self.comment_edit = QPlainTextEdit()
        self.comment_edit.setPlaceholderText("Anything the requester wants to add (optional)")
        self.comment_edit.setTabChangesFocus(True)
        self.comment_edit.setMaximumHeight(90)
        layout = QVBoxLayout()
        layout.addWidget(scores)
        layout.addWidget(self.chosen_label)
        self.form.addRow("Score", _wrap(layout))
        self.form.addRow("&Comment", self.comment_edit)
        self.score_group.idClicked.connect(self._on_score_group_id_clicked)

    def choose(self, score: int) -> None:
        self.score_buttons[score].setChecked(True)
        self._on_score_group_id_clicked(score)

    def values(self) -> Rating:
        score = self.score_group.checkedId()
        if score not in SCORE_WORDS:
            raise ValueError("Choose a score from 1 to 5, or press Skip.")
        return Rating(score, self.comment_edit.toPlainText().strip())

    @Slot(int)
    def _on_score_group_id_clicked(self, score: int) -> None:
        self.chosen_label.setText(f"{score} out of 5 — {SCORE_WORDS.get(score, '')}")
        # The stars up to the chosen one light up, as on any rating form.
        for value, button in self.score_buttons.items():
            button.setIcon(icon("detail-star", theme.accent() if value <= score else None))


def _wrap(layout: QVBoxLayout) -> QWidget:
    holder = QWidget()
    layout.setContentsMargins(0, 0, 0, 0)
    holder.setLayout(layout)
    return holder


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
