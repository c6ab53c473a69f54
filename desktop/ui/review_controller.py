"""The review loop without widgets: claim, decide, undo, skip, read-ahead, the outbox, pictures.

The window lays out views and forwards keys; this object holds the state
of the loop and talks to the application layer on four workers (see
:mod:`desktop.ui.workers`): the writer claims and decides, one operation at
a time and in order; the reader fetches counts and the next item ahead of
time; the lister the queue list's ids and pages; the picture worker
decodes originals for a reveal.
It is tested without a window (tests/ui/test_review_controller.py).

A decision is committed before the next item shows: one operation of the
writer decides, claims the next item (held ahead already, and read and
decoded ahead: :mod:`desktop.ui.read_ahead`), holds the one after it and,
unless it was read ahead, reads it
(:meth:`desktop.app.reviewing.Reviewing.decide_and_next`); the window
then only sets widgets, and what can wait is done once the new item is
painted (:class:`desktop.ui.frames.AfterPaint`). If the
database does not answer, the decision goes to the outbox on disk, the
view is told it is pending, and the writer tries again with the same
decision id until it lands. Exposure (what the reviewer saw, for how
long) that the database does not take goes to the same outbox; the
outbox is sent, in order, when the database answers again, by
:class:`desktop.ui.outbox_sender.OutboxSender`, which also asks the
database again while it is away.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal

from desktop import config
from desktop.app.outbox import Outbox
from desktop.app.stages import STAGES
from desktop.app.veil import Veil
from desktop.domain.changes import Outcome
from desktop.domain.errors import CannotWrite, PasswordRefused, Unavailable
from desktop.domain.people import Permission
from desktop.domain.queue import QueueFilter
from desktop.domain.review import DecisionRequest, ItemStatus, PendingDecision, PendingExposure
from desktop.ui.crash import Fate, LastDecision
from desktop.ui.frames import AfterPaint
from desktop.ui.loaded import Loaded, Opened, loaded, loaded_next, start_of_today
from desktop.ui.outbox_sender import OutboxSender
from desktop.ui.picture_loader import PictureLoader
from desktop.ui.queue_model import PAGE, QueueModel
from desktop.ui.read_ahead import ReadAhead
from desktop.ui.workers import DbOp, DbWorker

if TYPE_CHECKING:
    from array import array
    from collections.abc import Callable, Collection

    from desktop.config import Settings
    from desktop.domain.changes import Changes
    from desktop.domain.people import Actor
    from desktop.domain.queue import QueueRow
    from desktop.domain.review import DecisionInfo, Next, Shown

T = TypeVar("T")

COUNTS_EVERY_MS = 15_000


class ReviewController(QObject):
    # The database is open: someone must sign in (nobody is named, or the named user has a password).
    sign_in_needed = Signal()
    # A team database's login wants its password (why, and whether one was refused).
    password_needed = Signal(str, bool)
    # Someone is signed in and the window can fill its lists (an Opened).
    opened = Signal(object)
    # A one-line reason the database could not be opened.
    open_failed = Signal(str)
    # The item to show now (a Loaded), or None: the queue is empty.
    shown = Signal(object)
    # A decision is saved: its id.
    decision_saved = Signal(str)
    # A decision waits to be saved (pending, retrying).
    pending_changed = Signal(bool, bool)
    # The database answers (True) or not (False).
    connection_changed = Signal(bool)
    # Items waiting in the pending queue, or None: the count could not be read (it is read again on reconnect).
    counts_changed = Signal(object)
    # What an operation changed (a Changes), for views that show it.
    changed = Signal(object)
    # Exposure the database did not take is kept in the outbox (until it answers).
    exposure_kept = Signal()
    # A passing message for the status bar (text, milliseconds).
    message = Signal(str, int)
    # Something that needs the reviewer's attention until dismissed (kind, text).
    alert = Signal(str, str)

    def __init__(self, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.writer = DbWorker(self, name="veil-write")
        self.reader = DbWorker(self, name="veil-read")
        # The queue list's ids and pages: a million ids take a second or more
        # to read, which must not hold up the next item's read-ahead.
        self.lister = DbWorker(self, name="veil-list")
        self.pictures = PictureLoader(self, self)
        self.pictures.video_failed.connect(lambda text: self.message.emit(text, 8000))
        self.pictures.unavailable.connect(lambda: self._set_connected(False))
        self.veil: Veil | None = None
        self.actor: Actor | None = None
        self.outbox = Outbox(config.data_dir() / "pending-decisions.jsonl")
        self.outbox_sender = OutboxSender(self.outbox, self.writer, self.reader, self)
        self.filter = QueueFilter()
        self.current: Loaded | None = None
        self.second_review = False  # items come from the second-review queue, their first decision hidden
        self.pending: PendingDecision | None = None
        self.pending_on_disk = True  # False: the decision held could not be written to the outbox
        self.last_saved_item: int | None = None  # the item of this session's last saved decision
        self.pending_count: int | None = None
        self.connected = True
        # Why the database takes no write while it answers reads (disk full, read-only), for the banner.
        self.cannot_write: CannotWrite | None = None
        self.model = QueueModel(self._fetch_ids, self._fetch_rows)
        # What can wait until the next item is painted (the list, counts, reading ahead, exposure).
        self.after_paint = AfterPaint(self)
        self.ahead = ReadAhead(self.writer, self.reader, self._set_disconnected)
        self._busy = False  # a claim or decision is in flight: keys wait
        self._closing = False
        self._shown_at = time.monotonic()
        self._renew_timer = QTimer(self)
        self._renew_timer.timeout.connect(self._renew)
        self._counts_timer = QTimer(self)
        self._counts_timer.timeout.connect(self.refresh_counts)
        self.outbox_sender.retry_due.connect(self._retry)
        self.outbox_sender.replayed.connect(self._on_replayed)
        self.outbox_sender.answered.connect(self._on_answered)
        self.outbox_sender.silent.connect(self._set_disconnected)
        self.outbox_sender.exposure_kept.connect(self.exposure_kept)
        self.outbox_sender.failed.connect(lambda text: self.message.emit(text, 8000))
        # Time on a graphic item, told to whoever counts it (item id, started, seconds).
        self.graphic_item_left: Callable[[int, datetime, float], None] = lambda *_args: None

    @property
    def busy(self) -> bool:
        return self._busy or self.pending is not None

    # == opening ==============================================================

    def open_database(self, password: str | None = None) -> None:
        """Open the database; then sign in directly as the user the command
        line, environment or settings name (if they need no password), or
        ask the window for a sign-in. A team database's login that wants a
        password libpq did not find asks the window for it (``password_needed``)."""
        settings = self.settings

        def work() -> tuple[Veil, Actor | None]:
            veil = Veil.from_settings(settings, password=password)
            try:
                named = settings.origins.get("user", "default") != "default"
                if veil.team_login is not None:  # PostgreSQL has signed them in
                    return veil, veil.sign_in(settings.user if named else None)
                if named and not veil.needs_password(settings.user):
                    return veil, veil.sign_in(settings.user)
                return veil, None
            except BaseException:
                veil.close()
                raise

        def failed(error: Exception) -> None:
            if isinstance(error, PasswordRefused):
                self.password_needed.emit(str(error), password is not None)
            else:
                self._on_open_failed(error)

        DbOp(self.writer, work).success(self._on_veil).failure(failed).run()

    def _on_veil(self, opened: tuple[Veil, Actor | None]) -> None:
        self.veil, actor = opened
        self.outbox_sender.veil = self.veil
        if actor is None:
            self.sign_in_needed.emit()
        else:
            self.signed_in(actor)

    def signed_in(self, actor: Actor) -> None:
        """Send what an earlier session could not save, then read what the window needs."""
        veil, outbox = self.veil, self.outbox
        assert veil is not None

        def work() -> Opened:
            replayed = veil.review.replay(outbox).value
            return Opened(
                actor, veil.where, veil.taxonomy.labels(), veil.taxonomy.reasons(), veil.taxonomy.actions(),
                veil.review.facets(), veil.care.day_so_far(start_of_today()), replayed,
            )  # fmt: skip

        DbOp(self.writer, work).success(self._on_opened).failure(self._on_open_failed).run()

    def _on_opened(self, opened: Opened) -> None:
        self.actor = opened.actor
        self.outbox_sender.reviewer = opened.actor.name
        lease_ms = int(self.settings.values.lease_minutes * 60_000)
        self._renew_timer.start(max(10_000, lease_ms // 3))
        self._counts_timer.start(COUNTS_EVERY_MS)
        self._set_connected(True)
        self.opened.emit(opened)
        replayed = opened.replayed
        if replayed.decisions or replayed.exposures:
            self.message.emit(
                f"From an earlier session: {replayed.decisions} decision(s) and "
                f"{replayed.exposures} exposure record(s) (what you saw, for how long) saved",
                8000,
            )
        self.model.reset()
        self.refresh_counts()
        self.next_item()

    def _on_open_failed(self, error: Exception) -> None:
        self.open_failed.emit(str(error))

    # == the queue ============================================================

    def _fetch_ids(self, done: Callable[[array[int], list[QueueRow]], None], failed: Callable[[], None]) -> None:
        veil, query = self.veil, self.filter
        if veil is None:
            return

        def work() -> tuple[array[int], list[QueueRow]]:
            ids = veil.review.queue_ids(query)
            return ids, veil.review.queue_rows(ids[:PAGE])

        self._read_for_list(work, lambda found: done(*found), failed)

    def _fetch_rows(self, ids: list[int], done: Callable[[list[QueueRow]], None], failed: Callable[[], None]) -> None:
        veil = self.veil
        if veil is None:
            return
        self._read_for_list(lambda: veil.review.queue_rows(ids), done, failed)

    def _read_for_list(self, work: Callable[[], T], done: Callable[[T], None], failed: Callable[[], None]) -> None:
        self.model.now = datetime.now(UTC)

        def not_read(error: Exception) -> None:
            failed()
            self._on_read_failed(error)

        DbOp(self.lister, work).success(done).failure(not_read).run()

    def set_filter(self, query: QueueFilter) -> None:
        """List other items; switching between the pending queue and the
        escalations changes which item to hold."""
        self.filter = query
        self.model.reset()
        if query.status != ItemStatus.PENDING:
            self.ahead.give_back(self.veil)
        current = self.current
        if query.status in (ItemStatus.PENDING, ItemStatus.ESCALATED) and (
            current is None or current.view.status != query.status
        ):
            give_back = current.view.id if current and current.view.status != ItemStatus.DECIDED else None
            escalations = self.escalations()
            self._move(lambda veil, ahead: veil.review.switch_queue(give_back, escalations=escalations, ahead=ahead))
        else:
            self.fetch_ahead()  # back in the pending queue with the same item: hold the next again

    def refresh(self) -> None:
        if self.veil is None:
            return
        self.model.reset()
        self.refresh_counts()

    def refresh_counts(self) -> None:
        veil = self.veil
        if veil is None:
            return
        DbOp(self.reader, veil.review.count).success(self._on_counts).failure(self._on_counts_failed).run()

    def _on_counts(self, pending: int | None) -> None:
        self.pending_count = pending
        self.counts_changed.emit(pending)

    def _on_counts_failed(self, error: Exception) -> None:
        if isinstance(error, Unavailable):
            self._on_counts(None)  # not a stale figure: unknown until the database answers
        self._on_read_failed(error)

    def _on_read_failed(self, error: Exception) -> None:
        if isinstance(error, Unavailable):
            self._set_connected(False)
        else:
            self.message.emit(f"Error: {error}", 8000)

    # == moving between items ================================================

    def escalations(self) -> bool:
        """A supervisor who lists escalated items works that queue."""
        return self.filter.status == ItemStatus.ESCALATED

    def next_item(self) -> None:
        """Hold the next item in review order (of the escalations, when listed;
        of the second-review queue in that mode) and show it."""
        if self.second_review:
            self._move_shown(lambda veil: veil.second_review.next_shown())
            return
        escalations = self.escalations()
        self._move(lambda veil, ahead: veil.review.next(escalations=escalations, ahead=ahead))

    def toggle_second_review(self) -> bool:
        """Into the blind second-review queue, or back; False when busy."""
        if self.busy or self.veil is None:
            return False
        self.second_review = not self.second_review
        current, escalations, second = self.current, self.escalations(), self.second_review
        give_back = current.view.id if current is not None and current.view.status != ItemStatus.DECIDED else None

        if not second:
            # Back to the queue: one step gives back what is held and holds the next.
            self._move(lambda veil, ahead: veil.review.switch_queue(give_back, escalations=escalations, ahead=ahead))
            return True

        self.ahead.give_back(self.veil)

        def into_second_review(veil: Veil) -> Outcome[Shown | None]:
            if give_back is not None:
                veil.review.release_if_held(give_back)
            return veil.second_review.next_shown()

        self._move_shown(into_second_review)
        return True

    def pick(self, item_id: int) -> None:
        """The item the reviewer chose in the list: held, or only read when decided."""
        if self.filter.status == ItemStatus.DECIDED:
            self._look(item_id)
            return
        self._move(lambda veil, ahead: veil.review.pick(item_id, ahead=ahead))

    def _look(self, item_id: int) -> None:
        veil = self.veil
        if veil is None or self._busy:
            return

        def work() -> Loaded:
            return loaded(veil.review.read(item_id))

        DbOp(self.reader, work).success(self._show).failure(self._on_move_failed).run()

    def _move(self, step: Callable[[Veil, Collection[int]], Outcome[Next]]) -> None:
        """Run a step that holds another item, on the writer; show what it gives."""
        ahead = dict(self.ahead.items)  # a copy: the worker must not read a dict the UI thread changes

        def work(veil: Veil) -> tuple[Loaded | None, Changes]:
            done = step(veil, ahead.keys())
            return loaded_next(done.value, ahead), done.changes

        self._run_move(work)

    def _move_shown(self, step: Callable[[Veil], Outcome[Shown | None]]) -> None:
        def work(veil: Veil) -> tuple[Loaded | None, Changes]:
            done = step(veil)
            return (loaded(done.value) if done.value else None), done.changes

        self._run_move(work)

    def _run_move(self, work: Callable[[Veil], tuple[Loaded | None, Changes]]) -> None:
        veil = self.veil
        if veil is None or self.actor is None or self.busy:
            return
        self._busy = True
        DbOp(self.writer, lambda: work(veil)).success(self._on_moved).failure(self._on_move_failed).run()

    def _on_moved(self, result: tuple[Loaded | None, Changes]) -> None:
        shown, changes = result
        self._busy = False
        # Resumed as the item shown (a skip), or given back (a pick holds one item): held again once painted.
        self.ahead.moved(shown, None)
        self._set_connected(True)
        self.changed.emit(changes)
        self._show(shown)

    def _on_move_failed(self, error: Exception) -> None:
        self._busy = False
        if isinstance(error, Unavailable):
            self._set_connected(False)
            return
        self.message.emit(str(error), 8000)

    # == showing ==============================================================

    def _show(self, shown: Loaded | None, then: Callable[[], None] | None = None) -> None:
        """Hand the item to the view at once; the rest (``then`` first) once it is painted."""
        self.leave_current(later=True)
        self.current = shown
        if shown is not None:
            self._shown_at = time.monotonic()
        self.shown.emit(shown)
        self.after_paint(lambda: self._after_shown(then))

    def _after_shown(self, then: Callable[[], None] | None) -> None:
        # Reading ahead first: on the reader it must not queue behind a count of a million items.
        self.fetch_ahead()
        current = self.current
        self.model.set_current_item(current.view.id if current else None)
        if then is not None:
            then()

    def can_decide(self) -> bool:
        """Whether the item shown takes a decision from the signed-in person."""
        current, actor = self.current, self.actor
        if current is None or actor is None:
            return False
        status = current.view.status
        return (
            self.second_review  # the blind view hides the item's status; the task is what is decided
            or status == ItemStatus.PENDING
            or (status == ItemStatus.ESCALATED and actor.may(Permission.RESOLVE_ESCALATIONS))
        )

    def leave_current(self, *, later: bool = False) -> None:
        """The reviewer moves on: time on a graphic item is counted (reveals end
        with the view); ``later``: recorded once the next item is painted."""
        previous = self.current
        if previous is None or self.veil is None or self.actor is None or previous.view.severity < 2:
            return
        item_id, seconds = previous.view.id, time.monotonic() - self._shown_at
        started = datetime.now(UTC) - timedelta(seconds=seconds)

        def record() -> None:
            self.graphic_item_left(item_id, started, seconds)
            self.record_exposure(item_id, None, "view", started, seconds)

        if later:
            self.after_paint(record)
        else:
            record()

    def fetch_ahead(self) -> None:
        """Hold and read the item that comes next in the pending queue, so it shows at once."""
        veil, current = self.veil, self.current
        if veil is None or current is None or not self._holds_ahead() or current.view.status != ItemStatus.PENDING:
            return
        if self._closing:
            return
        self.ahead.fetch(veil, current.view.id)

    def _holds_ahead(self) -> bool:
        """Whether the reviewer works the pending queue, where the next item is held ahead."""
        return self.filter.status == ItemStatus.PENDING and not self.second_review

    # == exposure =============================================================

    def record_exposure(
        self, item_id: int, media_id: int | None, mode: str, started_at: datetime, seconds: float
    ) -> None:
        """Record what the reviewer saw; kept in the outbox if the database does not take it."""
        veil, actor = self.veil, self.actor
        if veil is None or actor is None:
            return
        exposure = PendingExposure(
            exposure_id=str(uuid.uuid4()), item_id=item_id, media_id=media_id, mode=mode, started_at=started_at,
            seconds=seconds, database=veil.where, reviewer=actor.name,
        )  # fmt: skip
        self.outbox_sender.record_exposure(exposure)

    def exposure_waiting(self) -> bool:
        """Whether exposure of the signed-in person waits in the outbox."""
        return self.outbox_sender.exposure_waiting()

    def _on_replayed(self, changes: Changes) -> None:
        self._set_connected(True)
        self.changed.emit(changes)
        self._retry()  # a decision held in the window goes next (saved already: its repeat is harmless)

    # == deciding =============================================================

    def decide(self, request: DecisionRequest) -> None:
        """A decision key: saved (or kept in the outbox) before the next item shows."""
        current, actor, veil = self.current, self.actor, self.veil
        if current is None or actor is None or veil is None or self.busy:
            return
        self._send(
            PendingDecision(
                decision_id=str(uuid.uuid4()), item_id=current.view.id, action=request.action.value,
                database=veil.where, reviewer=actor.name, labels=list(request.labels), reason=request.reason,
                note=request.note, second_review=self.second_review,
            )
        )  # fmt: skip

    def apply_suggestion(self) -> None:
        """Decide as was decided on the near-duplicate."""
        current = self.current
        if current is None or current.view.suggestion is None:
            return
        suggestion = current.view.suggestion
        note = f"as decided on near-duplicate item {suggestion.item_id}"
        self.decide(DecisionRequest(suggestion.action, tuple(suggestion.labels), suggestion.reason, note))

    def _send(self, pending: PendingDecision) -> None:
        veil = self.veil
        if veil is None:
            return
        self._busy = True
        self.pending = pending
        self.pending_changed.emit(True, False)
        ahead, outbox = dict(self.ahead.items), self.outbox
        escalations, hold = self.escalations(), self._holds_ahead()

        def work() -> tuple[Loaded | None, int | None, Changes]:
            done = veil.review.decide_and_next(pending, escalations=escalations, ahead=ahead.keys(), hold_ahead=hold)
            _info, moved = done.value
            following = loaded_next(moved, ahead)
            STAGES.mark("decoded")
            # Saved: its copy leaves the outbox here, not on the UI thread (it rewrites a file).
            # A copy left behind is harmless: its id makes sending it again save nothing.
            with contextlib.suppress(OSError):
                outbox.remove(pending.decision_id)
            return following, moved.ahead, done.changes

        STAGES.mark("submitted")
        DbOp(self.writer, work).success(self._on_sent).failure(self._on_send_failed).run()

    def _on_sent(self, result: tuple[Loaded | None, int | None, Changes]) -> None:
        STAGES.mark("received")
        shown, held, changes = result
        pending = self.pending
        self._busy = False
        self.pending = None
        self.pending_on_disk = True
        self.outbox_sender.answered_again()
        self.pending_changed.emit(False, False)
        if pending is not None:
            self.last_saved_item = pending.item_id
            self.decision_saved.emit(pending.decision_id)
        self._set_connected(True)

        def then() -> None:
            if pending is not None:
                self.model.remove_item(pending.item_id)
            self.changed.emit(changes)
            self.refresh_counts()

        self.ahead.moved(shown, held)
        self._show(shown, then)

    def _on_send_failed(self, error: Exception) -> None:
        pending = self.pending
        self._busy = False
        if pending is None:
            return
        if isinstance(error, Unavailable):
            # On disk first: from here on, closing the window loses nothing.
            self.pending_on_disk = self.outbox_sender.keep(pending)
            self.pending_changed.emit(True, True)
            self._set_disconnected(error)
            self.outbox_sender.later()
            return
        self.pending = None
        self.outbox.remove(pending.decision_id)
        self.pending_changed.emit(False, False)
        self.alert.emit("error", f"Not saved: {error}")

    def keep_last_decision(self) -> LastDecision | None:
        """For the crash box: a decision still on its way is put in the outbox now
        (its id makes a second save of it harmless); where the last one is."""
        pending = self.pending
        if pending is None:
            return None if self.last_saved_item is None else LastDecision(self.last_saved_item, Fate.SAVED)
        try:
            self.outbox_sender.keep(pending)
        except OSError:
            return LastDecision(pending.item_id, Fate.NOT_KEPT)
        kept = self.outbox_sender.holds(pending.decision_id)  # read back: the box says only what is on disk
        return LastDecision(pending.item_id, Fate.KEPT if kept else Fate.NOT_KEPT)

    def _retry(self) -> None:
        if self.outbox_sender.replaying:
            return
        if self.outbox_sender.waiting():
            # The outbox first, in the order it was kept; then what the window holds.
            self.outbox_sender.replay()
        elif self.pending is not None and not self._busy:
            self._send(self.pending)
        elif self.current is None and self.veil is not None and not self._busy:
            self.next_item()
        else:
            self.outbox_sender.probe()

    def _on_answered(self, pending: int) -> None:
        self._on_counts(pending)  # first: reconnecting reads again only a count still unknown
        self._set_connected(True)

    def skip(self) -> None:
        """Pass the item on; it will not come back to this reviewer."""
        current = self.current
        if current is None:
            return
        item_id, escalations = current.view.id, self.escalations()
        self._move(lambda veil, ahead: veil.review.skip_and_next(item_id, escalations=escalations, ahead=ahead))

    def undo(self) -> None:
        """Withdraw the reviewer's last decision; the item is theirs again, and shown."""
        veil = self.veil
        if veil is None or self.actor is None or self.busy:
            return
        self._busy = True

        def work() -> tuple[DecisionInfo, Loaded, Changes]:
            done = veil.review.undo()
            undone, shown = done.value
            return undone, loaded(shown), done.changes

        def done(result: tuple[DecisionInfo, Loaded, Changes]) -> None:
            self._busy = False
            undone, shown, changes = result
            self.message.emit(f"Undone: your decision on item {undone.item_id}", 6000)
            self.model.reset()
            self.changed.emit(changes)
            self.ahead.moved(shown, None)  # holding the undone item gave back the one held ahead
            self._show(shown)
            self.refresh_counts()

        def failed(error: Exception) -> None:
            self._busy = False
            if isinstance(error, Unavailable):
                self._set_connected(False)
            self.alert.emit("error", f"Nothing undone: {error}")

        DbOp(self.writer, work).success(done).failure(failed).run()

    def approve_quiet(self, item_ids: list[int], *, done: Callable[[list[DecisionInfo]], None]) -> None:
        """Approve several quiet items at once; ``done`` gets what was approved."""
        veil = self.veil
        if veil is None or self.actor is None or self._busy:
            return
        self._busy = True

        def approved(outcome: Outcome[list[DecisionInfo]]) -> None:
            self._busy = False
            for info in outcome.value:
                self.model.remove_item(info.item_id)
            self.changed.emit(outcome.changes)
            self.refresh_counts()
            done(outcome.value)
            if self.current is not None and self.current.view.id in set(item_ids):
                self.current = None
                self.next_item()

        def failed(error: Exception) -> None:
            self._busy = False
            self.alert.emit("error", f"Nothing approved: {error}")

        DbOp(self.writer, lambda: veil.review.approve_quiet(item_ids)).success(approved).failure(failed).run()

    def _renew(self) -> None:
        veil, current = self.veil, self.current
        if veil is None or self.actor is None or current is None or self.pending is not None or self.second_review:
            return  # a second review's task is given back to its reviewer even after its lease ran out
        item_id = current.view.id
        DbOp(self.writer, lambda: veil.review.renew(item_id)).success(lambda _claim: self._set_connected(True)).failure(
            self._on_read_failed
        ).run()
        self.ahead.renew(veil)

    def load_demo(self, done: Callable[[int], None]) -> None:
        """The bundled demo feed into the queue; ``done`` gets the number of items added."""
        veil = self.veil
        if veil is None or self.actor is None:
            return

        def added(outcome: Outcome[int]) -> None:
            self.changed.emit(outcome.changes)
            done(outcome.value)
            self.refresh()
            if self.current is None:
                self.next_item()

        DbOp(self.writer, lambda: _demo(veil)).success(added).failure(self._on_move_failed).run()

    # == the connection =======================================================

    def _set_disconnected(self, error: Exception) -> None:
        """No write can land now: the database is away, or cannot be written (said why)."""
        self.cannot_write = error if isinstance(error, CannotWrite) else None
        self._set_connected(False)

    def _set_connected(self, connected: bool) -> None:
        if connected == self.connected:
            return
        self.connected = connected
        if connected:
            self.cannot_write = None
        if not connected:
            self.outbox_sender.later_unless_due()
        if connected:
            # What failed while it was away: a page of the list, the count, a picture.
            self.model.retry()
            if self.pending_count is None:
                self.refresh_counts()
            self.pictures.retry()
        if connected and not self.outbox_sender.replaying and self.outbox_sender.waiting():
            self.outbox_sender.replay()  # it answers again: what waits in the outbox is sent now
        self.connection_changed.emit(connected)

    # == closing ==============================================================

    def close(self) -> None:
        """Give back the item held, finish what is queued, stop the workers."""
        self._closing = True  # what waited on a frame runs now, but holds nothing more ahead
        self.after_paint.flush()
        self.leave_current()
        veil, current = self.veil, self.current
        if veil is not None and self.actor is not None and current is not None and self.pending is None:
            item_id = current.view.id
            DbOp(self.writer, lambda: veil.review.release_if_held(item_id)).run()  # finished before the writer stops
        self.ahead.give_back(veil)
        self.current = None
        for timer in (self._renew_timer, self._counts_timer):
            timer.stop()
        self.outbox_sender.stop()
        self.pictures.worker.shutdown()
        self.lister.shutdown()
        self.reader.shutdown()
        self.writer.shutdown()
        if self.veil is not None:
            self.veil.close()
            self.veil = None


def _demo(veil: Veil) -> Outcome[int]:
    done = veil.ingest.demo()
    return Outcome(done.value.items_added, done.changes)
