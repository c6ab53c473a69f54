"""A video played on request: muted, blurred and grey until the reviewer says otherwise.

The dialog wraps :class:`VideoPlayer` with the keys a reviewer already
knows from the window: Space plays and pauses, Left and Right jump, R
reveals (clear, still grey), C gives colour, Esc closes. Nothing plays
until Space or the play button; the window closes the dialog when the
reviewer moves on to another item.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget

from desktop.ui.video_player import VideoPlayer

if TYPE_CHECKING:
    from pathlib import Path

    from PySide6.QtGui import QCloseEvent, QKeyEvent

    from desktop.domain.previews import PreviewSettings

KEYS = "Space play/pause · ← → jump · R reveal · C colour · Esc close — muted: audio never plays"


class VideoDialog(QDialog):
    # mode ("reveal" | "peek"), started_at (aware UTC datetime), seconds: a stretch of unblurred frames
    exposure_ended = Signal(str, object, float)

    def __init__(
        self,
        *,
        speed: float,
        jump_seconds: float,
        blurred_level: str,
        settings: PreviewSettings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Video — muted")
        self.blurred_level = blurred_level
        self.player = VideoPlayer(self, speed=speed, settings=settings)
        self.player.jump_seconds = jump_seconds
        self.player.exposure_ended.connect(self.exposure_ended)
        keys = QLabel(KEYS)
        keys.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.player, 1)
        layout.addWidget(keys)
        self.resize(900, 620)

    def load(self, original: Path | BinaryIO, *, greyscale: bool) -> None:
        """Open the video (the player takes a stream over and closes it)."""
        self.player.load(original, level=self.blurred_level, greyscale=greyscale)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Space:
            self.player.toggle_play()
        elif key == Qt.Key.Key_Left:
            self.player.jump(-self.player.jump_seconds)
        elif key == Qt.Key.Key_Right:
            self.player.jump(self.player.jump_seconds)
        elif key == Qt.Key.Key_R:
            revealed = self.player.level() == "clear"
            self.player.set_level(self.blurred_level if revealed else "clear")
        elif key == Qt.Key.Key_C:
            self.player.set_greyscale(not self.player.greyscale())
        elif not self._forward(event):
            super().keyPressEvent(event)  # Esc closes

    def _forward(self, event: QKeyEvent) -> bool:
        """The window's own keys (decide, skip, next...) work from here too:
        deciding on a video should not need a trip back to the main window."""
        window = self.parentWidget()
        pressed = QKeySequence(event.keyCombination())
        for action in window.actions() if window is not None else []:
            if action.isEnabled() and not action.shortcut().isEmpty() and action.shortcut() == pressed:
                action.trigger()
                return True
        return False

    def closeEvent(self, event: QCloseEvent) -> None:
        self.player.stop()  # ends any reveal (its exposure is reported) and the decoding thread
        super().closeEvent(event)

    def done(self, result: int) -> None:
        self.player.stop()
        super().done(result)
