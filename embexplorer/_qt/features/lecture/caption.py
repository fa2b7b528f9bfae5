"""The caption banner: one large line saying what the demonstration shows, for the back row."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer.core.teaching.lecture import LECTURES
from embexplorer.core.view import palette

#: Caption font size relative to the application font (readable on a projector).
CAPTION_FONT_SCALE = 1.5
#: Lines of caption text the banner keeps room for (it wraps; a dock ignores height-for-width).
CAPTION_LINES = 2
#: Margins of the banner (left, top, right, bottom; pixels): the close button hugs the corner.
BANNER_MARGINS = (10, 4, 4, 4)


def caption_html(name: str) -> str:
    """The caption of lecture ``name``: its title in bold, then its one-line idea."""
    title, text = LECTURES[name]
    return f"<b>{title}.</b> {text}"


def _css(rgb: tuple[int, int, int]) -> str:
    return "rgb({}, {}, {})".format(*rgb)


class CaptionBanner(QtWidgets.QFrame):
    """The caption (large) and a detail line (small: where the data came from, progress, an error).

    Signals
    -------
    close_requested()
        The user pressed the banner's ×.
    """

    close_requested = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lectureCaption")
        # A fixed light note in every theme: the text colours are set with it, so it stays legible.
        self.setStyleSheet(
            f"#lectureCaption {{ background: {_css(palette.CAPTION_BACKGROUND)};"
            f" border-bottom: 1px solid {_css(palette.CAPTION_BORDER)}; }}"
            f"#lectureCaption QLabel {{ color: {_css(palette.CAPTION_TEXT)}; }}"
            f"#lectureCaption QLabel#lectureCaptionDetail {{ color: {_css(palette.CAPTION_DETAIL)}; }}")
        self.label = QtWidgets.QLabel("")
        self.label.setWordWrap(True)
        self.label.setTextFormat(QtCore.Qt.TextFormat.RichText)
        font = self.label.font()
        font.setPointSizeF(font.pointSizeF() * CAPTION_FONT_SCALE)
        self.label.setFont(font)
        self.label.setMinimumHeight(CAPTION_LINES * QtGui.QFontMetrics(font).lineSpacing())
        self.label.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop)
        self.detail = QtWidgets.QLabel("")
        self.detail.setObjectName("lectureCaptionDetail")
        self.detail.setWordWrap(True)  # a long source note must not set the window's minimum width
        self.close_button = QtWidgets.QToolButton()
        self.close_button.setText("×")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Hide the caption")
        self.close_button.clicked.connect(self.close_requested)
        text = QtWidgets.QVBoxLayout()
        text.setSpacing(0)
        text.addWidget(self.label)
        text.addWidget(self.detail)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(*BANNER_MARGINS)
        layout.addLayout(text, 1)
        layout.addWidget(self.close_button, 0, QtCore.Qt.AlignmentFlag.AlignTop)

    def set_text(self, html: str, detail: str = "") -> None:
        """Show ``html`` large and ``detail`` (plain text) small below it."""
        self.label.setText(html)
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))

    def plain_text(self) -> str:
        """The caption as plain text, the detail in parentheses."""
        doc = QtGui.QTextDocument()
        doc.setHtml(self.label.text())
        text = doc.toPlainText()
        return f"{text} ({self.detail.text()})" if self.detail.text() else text
