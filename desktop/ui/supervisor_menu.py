"""What supervisors and admins have beyond reviewing: the audit trail, the dashboard and its PDF,
the chain's verification and export, and sampling for second review.

A menu the window adds once a supervisor signs in; every entry is a use
case of the application layer run on the controller's workers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMainWindow, QMessageBox

from desktop.ui.audit_view import AuditView
from desktop.ui.dashboard import Dashboard
from desktop.ui.review_actions import menu_action
from desktop.ui.workers import DbOp

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtGui import QAction

    from desktop.app.supervising import ReportPdf
    from desktop.domain.audit import ChainExport, Verification
    from desktop.domain.changes import Changes, Outcome
    from desktop.domain.qa import SampleResult
    from desktop.domain.reports import Report
    from desktop.ui.review_controller import ReviewController

T = TypeVar("T")


class SupervisorMenu(QObject):
    def __init__(self, window: QMainWindow, controller: ReviewController, *, failed: Callable[[str], None]) -> None:
        super().__init__(window)
        self.window = window
        self.controller = controller
        self._failed = failed
        self.audit_view: AuditView | None = None
        self.dashboard: Dashboard | None = None
        self.chain_result = ""
        self.actions: dict[str, QAction] = {}
        self.menu = window.menuBar().addMenu("&Supervisor")
        entries: list[tuple[str, str, str, str, Callable[[], object]]] = [
            ("audit", "&Audit trail…", "Ctrl+L", "Every decision, filterable, with each item's history",
             self.show_audit),
            ("dashboard", "&Dashboard…", "Ctrl+D", "Decisions, queue depth, time to decision, agreement, exposure",
             self.show_dashboard),
            ("report_pdf", "Report as &PDF…", "", "The dashboard's figures with the audit chain's head hash, to print",
             self.save_report_pdf),
            ("verify", "&Verify the audit chain", "", "Check every event of the hash chain", self.verify_chain),
            ("export_chain", "E&xport the audit chain…", "",
             "The whole chain with its head hash, for an auditor to check a later copy (veil audit check FILE)",
             self.export_chain),
            ("sample", "&Sample for second review…", "", "Send a share of each moderator's decisions to blind review",
             self.sample_second_review),
        ]  # fmt: skip
        for name, text, keys, tip, slot in entries:
            self.actions[name] = menu_action(window, self.menu, text, keys, tip, slot)

    def show_audit(self) -> None:
        veil = self.controller.veil
        if veil is None:
            return
        if self.audit_view is None:
            view = AuditView(veil, parent=None)
            view.setWindowTitle("Audit trail")
            view.resize(1440, 900)
            # An override there changes the list and its counts here.
            view.overridden.connect(lambda _decision: self.controller.refresh())
            self.audit_view = view
        self.audit_view.show()
        self.audit_view.raise_()

    def show_dashboard(self) -> None:
        if self.dashboard is None:
            dashboard = Dashboard()
            dashboard.setWindowTitle("Dashboard")
            dashboard.resize(1280, 900)
            dashboard.refresh_requested.connect(self._load_report)
            self.dashboard = dashboard
        self.dashboard.show()
        self.dashboard.raise_()
        self._load_report()

    def _load_report(self) -> None:
        """All decisions so far; the command line gives other ranges (veil report --since/--until)."""
        veil = self.controller.veil
        if veil is None:
            return

        def done(report: Report) -> None:
            if self.dashboard is not None:
                self.dashboard.show_report(report)

        self._read(lambda: veil.supervision.report(), done)

    def save_report_pdf(self) -> None:
        veil = self.controller.veil
        if veil is None:
            return
        target, _kind = QFileDialog.getSaveFileName(self.window, "Save the report", "veil-report.pdf", "PDF (*.pdf)")
        if not target:
            return

        def done(result: ReportPdf) -> None:
            self.window.statusBar().showMessage(f"Report saved: {target} ({result.pages} pages)", 8000)

        # Written on the reader, not the UI thread: a long report takes a second.
        self._read(lambda: veil.supervision.report_pdf(Path(target)), done)

    def verify_chain(self) -> None:
        veil = self.controller.veil
        if veil is None:
            return

        def done(result: Verification) -> None:
            if result.ok:
                text = f"The audit chain is intact: {result.events} events.\nHead hash {result.head_hash}"
            else:
                text = f"The audit chain is BROKEN at event {result.broken_id}: {result.problem}"
            self.chain_result = text
            QMessageBox.information(self.window, "Audit chain", text)

        self._read(veil.audit.verify, done)

    def export_chain(self) -> None:
        veil = self.controller.veil
        if veil is None:
            return
        target, _kind = QFileDialog.getSaveFileName(
            self.window, "Export the audit chain", "veil-audit.jsonl", "JSONL (*.jsonl)"
        )
        if not target:
            return

        def done(result: ChainExport) -> None:
            self.chain_result = f"{result.events} events exported to {target}; head hash {result.head_hash}"
            QMessageBox.information(self.window, "Audit chain exported", self.chain_result)

        self._read(lambda: veil.audit.export(Path(target)), done)

    def sample_second_review(self) -> None:
        veil = self.controller.veil
        if veil is None:
            return
        percent, ok = QInputDialog.getDouble(
            self.window, "Sample for second review", "Share of each moderator's decisions, by action (%):",
            5.0, 0.1, 100.0, 1,
        )  # fmt: skip
        if not ok:
            return

        def done(result: Outcome[SampleResult]) -> None:
            self.controller.changed.emit(result.changes)
            self.window.statusBar().showMessage(
                f"{len(result.value.sampled)} decisions sent to blind second review (seed {result.value.seed})", 8000
            )

        DbOp(self.controller.writer, lambda: veil.second_review.sample(percent / 100)).success(done).failure(
            lambda error: self._failed(str(error))
        ).run()

    def _read(self, work: Callable[[], T], done: Callable[[T], None]) -> None:
        DbOp(self.controller.reader, work).success(done).failure(lambda error: self._failed(str(error))).run()

    def apply(self, changes: Changes) -> None:
        """Refresh the supervisors' open views that show what ``changes`` touched."""
        if not changes.history:
            return
        if self.audit_view is not None and self.audit_view.isVisible():
            self.audit_view.refresh()
        if self.dashboard is not None and self.dashboard.isVisible():
            self._load_report()

    def close(self) -> None:
        """Close the supervisor's windows with the review window. They have no
        parent (each is a window of its own), so nothing else deletes them."""
        if self.audit_view is not None:
            self.audit_view.shutdown()
            self.audit_view.close()
            self.audit_view.deleteLater()
            self.audit_view = None
        if self.dashboard is not None:
            self.dashboard.close()
            self.dashboard.deleteLater()
            self.dashboard = None
