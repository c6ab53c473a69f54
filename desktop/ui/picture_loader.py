"""Pictures on request: an item's media at another blur step, unblurred for a reveal, or a video's original.

From the stored (blurred) preview when it is blurred enough, else from the
original decoded in memory at screen size, for the item shown only; on two
threads of their own, so a slow original never holds up a decision. A
picture the database did not answer for is asked for again by
:meth:`PictureLoader.retry` when it answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO, Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from desktop.core.media import levels
from desktop.domain.errors import Unavailable
from desktop.ui.workers import DbOp, DbWorker

if TYPE_CHECKING:
    from PIL import Image

    from desktop.app.veil import Veil
    from desktop.config import Settings
    from desktop.ui.loaded import Loaded


class ShowsAnItem(Protocol):
    """What pictures are asked of: the open database, the item shown, the settings."""

    @property
    def veil(self) -> Veil | None: ...

    @property
    def current(self) -> Loaded | None: ...

    @property
    def settings(self) -> Settings: ...


class PictureLoader(QObject):
    # A picture for a reveal or another blur (item id, media id, level, QImage), or why not.
    image_ready = Signal(int, int, int, object)
    image_failed = Signal(int, int, int, str)
    # A video's original, to play on request (item id, media id, an open binary
    # stream that the receiver takes over and closes), or why not.
    video_ready = Signal(int, int, object)
    video_failed = Signal(str)
    # The database did not answer for a picture (it is asked for again by retry()).
    unavailable = Signal()

    def __init__(self, controller: ShowsAnItem, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.worker = DbWorker(self, name="veil-pictures", threads=2)
        self._unanswered: set[tuple[int, int, int]] = set()  # (item id, media id, level)

    def want_image(self, item_id: int, media_id: int, level: int) -> None:
        """A picture at ``level`` (a blur step, or unblurred), from the stored
        preview when it is blurred enough, else from the original in memory."""
        veil, current = self.controller.veil, self.controller.current
        if veil is None or current is None or current.view.id != item_id or current.view.media_withheld:
            return
        step = levels.STEPS[level]
        stored = levels.stored_strength(current.view.severity)
        jpeg = current.previews.get(media_id)
        preview = self.controller.settings.preview()

        def work() -> QImage:
            if step is not None and jpeg is not None and not levels.needs_original(step, stored):
                return _qimage(levels.from_preview(jpeg, stored, step, preview))
            # The original, decoded (and unsealed) at screen size in memory for this item only.
            with veil.review.original(media_id) as original:
                return _qimage(levels.from_original(original, step))

        def failed(error: Exception) -> None:
            if isinstance(error, Unavailable):
                self._unanswered.add((item_id, media_id, level))
                self.unavailable.emit()
            self.image_failed.emit(item_id, media_id, level, str(error))

        DbOp(self.worker, work).success(lambda image: self.image_ready.emit(item_id, media_id, level, image)).failure(
            failed
        ).run()

    def retry(self) -> None:
        """Ask again for the pictures the database did not answer for, of the item still shown."""
        unanswered, self._unanswered = self._unanswered, set()
        for item_id, media_id, level in sorted(unanswered):
            self.want_image(item_id, media_id, level)

    def want_video(self, item_id: int, media_id: int) -> None:
        """A video's original, on request only."""
        veil, current = self.controller.veil, self.controller.current
        if veil is None or current is None or current.view.id != item_id or current.view.media_withheld:
            return

        def opened(stream: BinaryIO) -> None:
            if self.controller.current is not None and self.controller.current.view.id == item_id:
                self.video_ready.emit(item_id, media_id, stream)
            else:  # the reviewer moved on
                stream.close()

        DbOp(self.worker, lambda: veil.review.original(media_id)).success(opened).failure(
            lambda error: self.video_failed.emit(f"The video cannot be played: {error}")
        ).run()


def _qimage(image: Image.Image) -> QImage:
    rgb = image.convert("RGB")
    data = rgb.tobytes()
    # copy(): the QImage must own its pixels, not borrow the bytes object's.
    return QImage(data, rgb.width, rgb.height, rgb.width * 3, QImage.Format.Format_RGB888).copy()
