"""Import tickets from a CSV file: choose the file, say which column holds what, check every
row (a dry run that lists each bad line and why), then import — all the tickets or none.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import SupportDeskError
from app.services.base import Area, Changes
from app.services.registry import Services
from app.services.ticket_io_service import IMPORT_FIELDS, CsvPreview, ImportReport, RowProblem
from app.ui.icons import icon
from app.ui.pane import Pane
from app.ui.signals import AppSignals
from app.ui.worker import TaskRunner

log = logging.getLogger(__name__)

#: What a column mapped to nothing is called in the combo boxes.
IGNORE_TEXT = "(do not import)"


def import_fields() -> dict[str, str]:
    """Field key → label of what a CSV column can be mapped to."""
    return dict(IMPORT_FIELDS)


class ImportDialog(QDialog):
    """The CSV import, step by step; slow steps run on the task runner.

    Signals:
        imported(object): the `Changes` after a successful import. If the dialog was closed
            while the import ran, the `Changes` go out on the app signals instead (those
            handed in, else those of the pane the dialog was opened from), so lists reload.
    """

    imported = Signal(object)

    MAPPING_COLUMN, FIELD_COLUMN, SAMPLE_COLUMN = 0, 1, 2

    def __init__(
        self,
        services: Services,
        tasks: TaskRunner,
        parent: QWidget | None = None,
        *,
        signals: AppSignals | None = None,
    ):
        super().__init__(parent)
        self._signals = signals if signals is not None else _pane_signals(parent)
        self.setWindowTitle("Import tickets from CSV")
        self.resize(760, 620)
        self._services = services
        self._tasks = tasks
        self._path: Path | None = None
        self._checked_mapping: dict[str, str] | None = None
        self._request = 0
        self.report: ImportReport | None = None

        intro = QLabel(
            "Choose a CSV file, say which column holds what, then press <b>Check</b>. "
            "Import is possible once every row is fine; it adds all the tickets or none."
        )
        intro.setWordWrap(True)
        self.file_edit = QLineEdit()
        self.file_edit.setReadOnly(True)
        self.file_edit.setPlaceholderText("No file chosen")
        self.browse_button = QPushButton(icon("folder"), "Choose file…")
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(self.browse_button)

        self.info_label = QLabel()
        self.info_label.setWordWrap(True)
        self.mapping_table = QTableWidget(0, 3)
        self.mapping_table.setHorizontalHeaderLabels(["Column in the file", "Import as", "Example"])
        self.mapping_table.verticalHeader().setVisible(False)
        self.mapping_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.mapping_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.mapping_table.horizontalHeader()
        header.setSectionResizeMode(self.MAPPING_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(self.FIELD_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(self.SAMPLE_COLUMN, QHeaderView.ResizeMode.Stretch)

        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.problem_table = QTableWidget(0, 2)
        self.problem_table.setHorizontalHeaderLabels(["Line", "What is wrong"])
        self.problem_table.verticalHeader().setVisible(False)
        self.problem_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.problem_table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        self.problem_table.horizontalHeader().setStretchLastSection(True)
        self.problem_table.setWordWrap(True)
        self.problem_table.hide()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # busy indicator: the service reports no progress steps
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(8)
        self.busy.hide()

        self.buttons = QDialogButtonBox()
        self.check_button = self.buttons.addButton("Check", QDialogButtonBox.ButtonRole.ActionRole)
        self.check_button.setIcon(icon("check"))
        self.check_button.setToolTip("Check every row without importing anything")
        self.import_button = self.buttons.addButton(
            "Import", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.import_button.setIcon(icon("tickets-import"))
        self.import_button.setToolTip("Possible once the check found no problem")
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.check_button.setEnabled(False)
        self.import_button.setEnabled(False)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(file_row)
        layout.addWidget(self.info_label)
        layout.addWidget(self.mapping_table, 2)
        layout.addWidget(self.result_label)
        layout.addWidget(self.problem_table, 1)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)

        self.browse_button.clicked.connect(self._on_browse_button_clicked)
        self.check_button.clicked.connect(self._on_check_button_clicked)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.close_button.clicked.connect(self.reject)

    # --- steps ---

    def load_file(self, path: Path) -> None:
        """Read the file's header and first rows (on the task runner) and fill the mapping."""
        self._path = Path(path)
        self.file_edit.setText(str(self._path))
        self._forget_check()
        self.mapping_table.setRowCount(0)
        io = self._services.ticket_io
        target = self._path
        self._start(lambda: io.read_csv(target), self._on_preview_loaded)

    def mapping(self) -> dict[str, str]:
        """CSV column → field key for the columns the person chose to import."""
        result: dict[str, str] = {}
        for row in range(self.mapping_table.rowCount()):
            item = self.mapping_table.item(row, self.MAPPING_COLUMN)
            combo = self.mapping_table.cellWidget(row, self.FIELD_COLUMN)
            if item is None or not isinstance(combo, QComboBox):
                continue
            key = combo.currentData()
            if key:
                result[item.text()] = str(key)
        return result

    def set_field(self, column: str, key: str) -> None:
        """Map the CSV `column` to the field `key` ("" to ignore it)."""
        for row in range(self.mapping_table.rowCount()):
            item = self.mapping_table.item(row, self.MAPPING_COLUMN)
            combo = self.mapping_table.cellWidget(row, self.FIELD_COLUMN)
            if item is not None and item.text() == column and isinstance(combo, QComboBox):
                combo.setCurrentIndex(max(0, combo.findData(key)))

    def check(self) -> None:
        """Dry run: every bad row with its line and reason, nothing written."""
        if self._path is None:
            return
        mapping = self.mapping()
        io, path = self._services.ticket_io, self._path
        self.result_label.setText("Checking every row…")
        self._start(
            lambda: io.import_csv(path, mapping, dry_run=True),
            lambda report: self._on_checked(mapping, report),
        )

    def run_import(self) -> None:
        if self._path is None or self._checked_mapping != self.mapping():
            return
        mapping = self._checked_mapping
        io, path = self._services.ticket_io, self._path
        self.result_label.setText("Importing…")
        signals = self._signals

        def after_close(report: ImportReport) -> None:
            # Closed mid-import: the tickets are in all the same, so the lists must reload.
            if report.created and signals is not None and shiboken6.isValid(signals):
                signals.changed.emit(Changes.of(Area.TICKETS))

        self._start(
            lambda: io.import_csv(path, mapping, dry_run=False),
            self._on_imported,
            if_gone=after_close,
        )

    # --- helpers ---

    @property
    def busy_now(self) -> bool:
        return self.busy.isVisible()

    def _start(self, work: Any, done: Any, *, if_gone: Callable[[Any], None] | None = None) -> None:
        """`work` on the task runner, the buttons off meanwhile. If the dialog is deleted
        before it ends, `done` is dropped and `if_gone` gets the result instead."""
        self._request += 1
        request = self._request
        self.busy.show()
        for button in (self.browse_button, self.check_button, self.import_button):
            button.setEnabled(False)

        def finished(result: Any) -> None:
            if not shiboken6.isValid(self):
                if if_gone is not None:
                    if_gone(result)
            elif request == self._request:
                self._idle()
                done(result)

        def failed(exc: Exception) -> None:
            if not shiboken6.isValid(self):
                log.warning("CSV import step failed after its dialog closed: %s", exc)
            elif request == self._request:
                self._idle()
                self._show_failure(exc)

        self._tasks.run(work, finished, failed)

    def _idle(self) -> None:
        self.busy.hide()
        self.browse_button.setEnabled(True)
        self.check_button.setEnabled(self.mapping_table.rowCount() > 0)
        self._update_import_enabled()

    def _update_import_enabled(self) -> None:
        report = self.report
        clean = (
            report is not None
            and not report.problems
            and report.ok_rows > 0
            and self._checked_mapping == self.mapping()
            and not report.created
        )
        self.import_button.setEnabled(bool(clean) and not self.busy.isVisible())

    def _forget_check(self) -> None:
        self.report = None
        self._checked_mapping = None
        self.problem_table.hide()
        self.problem_table.setRowCount(0)
        self.result_label.clear()
        self._update_import_enabled()

    def _show_failure(self, exc: Exception) -> None:
        if isinstance(exc, SupportDeskError | OSError | PermissionError):
            self.result_label.setText(f"<b>That did not work:</b> {exc}")
        else:
            self.result_label.setText(
                f"<b>That did not work.</b> This is a bug in SupportDesk; nothing was imported."
                f" ({type(exc).__name__}: {exc})"
            )

    def _show_problems(self, problems: list[RowProblem]) -> None:
        self.problem_table.setRowCount(len(problems))
        for row, problem in enumerate(problems):
            line = QTableWidgetItem(str(problem.line) if problem.line else "whole file")
            line.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.problem_table.setItem(row, 0, line)
            self.problem_table.setItem(row, 1, QTableWidgetItem(problem.reason))
        self.problem_table.resizeRowsToContents()
        self.problem_table.setVisible(bool(problems))

    # --- results ---

    def _on_preview_loaded(self, preview: CsvPreview) -> None:
        fields = import_fields()
        self.mapping_table.setRowCount(len(preview.headers))
        for row, column in enumerate(preview.headers):
            self.mapping_table.setItem(row, self.MAPPING_COLUMN, QTableWidgetItem(column))
            combo = QComboBox()
            combo.addItem(IGNORE_TEXT, "")
            for key, label in fields.items():
                combo.addItem(label, key)
            suggested = preview.suggested_mapping.get(column, "")
            combo.setCurrentIndex(max(0, combo.findData(suggested)))
            combo.currentIndexChanged.connect(self._on_mapping_changed)
            self.mapping_table.setCellWidget(row, self.FIELD_COLUMN, combo)
            samples = [r[row] for r in preview.sample_rows if row < len(r) and r[row].strip()]
            sample = QTableWidgetItem(" · ".join(samples[:3]))
            sample.setToolTip("\n".join(samples))
            self.mapping_table.setItem(row, self.SAMPLE_COLUMN, sample)
        rows = preview.row_count
        self.info_label.setText(
            f"{rows} rows found. Check that each column is imported as the right field."
            if rows
            else "The file has no rows under its header line."
        )
        if preview.problems:
            self._show_problems(list(preview.problems))
            self.result_label.setText("Some lines cannot be read; fix them in the file first.")

    def _on_checked(self, mapping: dict[str, str], report: ImportReport) -> None:
        self.report = report
        self._checked_mapping = mapping
        self._show_problems(list(report.problems))
        if report.problems:
            bad = len(report.problems)
            self.result_label.setText(
                f"<b>{bad} problem{'s' if bad != 1 else ''}</b> — nothing can be imported until "
                "the file or the mapping is fixed. Then press Check again."
            )
        elif report.ok_rows == 0:
            self.result_label.setText("No rows to import.")
        else:
            self.result_label.setText(
                f"All {report.ok_rows} rows are fine. Press <b>Import</b> to add them."
            )
        self._update_import_enabled()

    def _on_imported(self, report: ImportReport) -> None:
        self.report = report
        self._show_problems(list(report.problems))
        if report.problems or not report.created:
            self.result_label.setText(
                "<b>Nothing was imported</b>: the file changed since the check. Check again."
            )
            self._checked_mapping = None
            self._update_import_enabled()
            return
        created = report.created
        self.result_label.setText(
            f"<b>Imported {len(created)} tickets</b> ({created[0]} to {created[-1]})."
            if len(created) > 1
            else f"<b>Imported ticket {created[0]}</b>."
        )
        self.import_button.setEnabled(False)
        self.imported.emit(Changes.of(Area.TICKETS))

    # --- slots ---

    @Slot()
    def _on_browse_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose the CSV file", str(Path.home()), "CSV files (*.csv *.txt);;All files (*)"
        )
        if path:
            self.load_file(Path(path))

    @Slot()
    def _on_check_button_clicked(self) -> None:
        self.check()

    @Slot()
    def _on_import_button_clicked(self) -> None:
        self.run_import()

    @Slot(int)
    def _on_mapping_changed(self, _index: int) -> None:
        if self.report is not None:
            self.result_label.setText("The mapping changed: press Check again.")
        self._update_import_enabled()


def _pane_signals(widget: QWidget | None) -> AppSignals | None:
    """The app signals of the pane `widget` sits in, if any."""
    while widget is not None and not isinstance(widget, Pane):
        widget = widget.parentWidget()
    return widget.signals if isinstance(widget, Pane) else None
