"""Where one-click datasets come from: a setting for mirrors (Edit › Download Sources…).

The base URLs are kept in the settings and handed to the start page's
:class:`~embexplorer._qt.features.start.page.DatasetDownloader`; empty means the
environment variable (``EMBEXPLORER_MOVIELENS_URL`` / ``EMBEXPLORER_GENSIM_DATA_URL``),
else the official location (GroupLens, gensim-data's releases).  Downloads are
verified against published sizes and checksums wherever they come from, so a
mirror cannot substitute a different file.
"""

from __future__ import annotations

from urllib.parse import urlparse

from PySide6 import QtWidgets

from embexplorer.core.data import download, gensim_data

#: QSettings keys of the two base URLs.
MOVIELENS_KEY = "downloads/movielens_url"
GENSIM_KEY = "downloads/gensim_data_url"
#: URL schemes accepted for a mirror (file: for a folder on a network share).
ALLOWED_SCHEMES = ("https", "http", "file")


def url_problem(text: str) -> str | None:
    """Why ``text`` cannot be a mirror's base URL (None when it can, or when it is empty)."""
    text = text.strip()
    if not text:
        return None
    parsed = urlparse(text)
    if parsed.scheme not in ALLOWED_SCHEMES:
        return f"expected an {' / '.join(ALLOWED_SCHEMES)} URL, got {text!r}"
    if parsed.scheme != "file" and not parsed.netloc:
        return f"no host in {text!r}"
    return None


def apply_download_sources(settings, downloader) -> None:
    """Give ``downloader`` the base URLs saved in ``settings`` (empty: the defaults)."""
    movielens = str(settings.value(MOVIELENS_KEY, "") or "").strip()
    gensim = str(settings.value(GENSIM_KEY, "") or "").strip()
    downloader.movielens_base_url = movielens or None
    downloader.gensim_base_url = gensim or None


class DownloadSourcesDialog(QtWidgets.QDialog):
    """Two base URLs (MovieLens, gensim-data), each empty for the default; OK only when both are valid."""

    def __init__(self, movielens: str = "", gensim: str = "",
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Download Sources")
        self.movielens_edit = QtWidgets.QLineEdit(movielens)
        self.movielens_edit.setPlaceholderText(download.MOVIELENS_BASE_URL)
        self.gensim_edit = QtWidgets.QLineEdit(gensim)
        self.gensim_edit.setPlaceholderText(gensim_data.GENSIM_DATA_BASE_URL)
        for edit in (self.movielens_edit, self.gensim_edit):
            edit.setClearButtonEnabled(True)
            edit.setMinimumWidth(420)
            edit.textChanged.connect(self._on_text_changed)
        note = QtWidgets.QLabel(
            "Leave empty for the official location (or the EMBEXPLORER_MOVIELENS_URL / "
            "EMBEXPLORER_GENSIM_DATA_URL environment variable). Files are checked against their "
            "published size and checksum wherever they come from.")
        note.setWordWrap(True)
        self.problem = QtWidgets.QLabel()
        self.problem.setStyleSheet("color: #b00;")
        self.buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                                  | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QtWidgets.QFormLayout()
        form.addRow("MovieLens mirror", self.movielens_edit)
        form.addRow("gensim-data mirror", self.gensim_edit)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self._on_text_changed()

    def values(self) -> tuple[str, str]:
        """The two base URLs as typed (stripped; empty = default)."""
        return self.movielens_edit.text().strip(), self.gensim_edit.text().strip()

    def _on_text_changed(self, *_) -> None:
        problems = [p for p in (url_problem(t) for t in self.values()) if p]
        self.problem.setText(problems[0] if problems else "")
        self.problem.setVisible(bool(problems))
        self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setEnabled(not problems)


def edit_download_sources(settings, downloader, parent=None) -> bool:
    """Ask for the mirrors, save them in ``settings`` and apply them; True if changed."""
    dialog = DownloadSourcesDialog(str(settings.value(MOVIELENS_KEY, "") or ""),
                                   str(settings.value(GENSIM_KEY, "") or ""), parent)
    if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
        return False
    movielens, gensim = dialog.values()
    settings.setValue(MOVIELENS_KEY, movielens)
    settings.setValue(GENSIM_KEY, gensim)
    settings.sync()
    apply_download_sources(settings, downloader)
    return True
