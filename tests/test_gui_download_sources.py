"""Edit › Download Sources…: mirrors for the one-click datasets, saved and applied at once."""

from __future__ import annotations

import pytest
from PySide6 import QtCore, QtWidgets

from embexplorer._qt.features.start import download_sources as ds
from embexplorer._qt.shell.main_window import MainWindow


@pytest.fixture
def window(make_main_window):
    return make_main_window(interactive=True, show=False)


def _answer_dialog(qtbot, movielens: str, gensim: str, accept: bool = True) -> list[bool]:
    seen: list[bool] = []

    def fill() -> None:
        dialog = QtWidgets.QApplication.activeModalWidget()
        if not isinstance(dialog, ds.DownloadSourcesDialog):
            QtCore.QTimer.singleShot(10, fill)
            return
        dialog.movielens_edit.setText("ftp://nope")
        ok = dialog.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
        seen.append(ok.isEnabled())  # a bad URL keeps OK disabled and says why
        seen.append("expected" in dialog.problem.text())
        dialog.movielens_edit.setText(movielens)
        dialog.gensim_edit.setText(gensim)
        seen.append(ok.isEnabled())
        qtbot.mouseClick(ok if accept else dialog.buttons.button(
            QtWidgets.QDialogButtonBox.StandardButton.Cancel), QtCore.Qt.MouseButton.LeftButton)

    QtCore.QTimer.singleShot(0, fill)
    return seen


def test_mirrors_are_saved_applied_and_reset(qtbot, window):
    assert window.features["start"].downloader.movielens_base_url is None  # the default location
    seen = _answer_dialog(qtbot, "http://127.0.0.1:8765/ml/", " https://mirror.example/gensim/ ")
    window.features["start"].sources_action.trigger()
    assert seen == [False, True, True]
    assert window.features["start"].downloader.movielens_base_url == "http://127.0.0.1:8765/ml/"
    assert window.features["start"].downloader.gensim_base_url == "https://mirror.example/gensim/"
    # A new window reads the setting.
    w2 = MainWindow(settings=window.settings, interactive=False)
    qtbot.addWidget(w2)
    assert w2.features["start"].downloader.gensim_base_url == "https://mirror.example/gensim/"
    # Cancel changes nothing; empty fields go back to the defaults.
    _answer_dialog(qtbot, "", "", accept=False)
    window.features["start"].sources_action.trigger()
    assert window.features["start"].downloader.movielens_base_url == "http://127.0.0.1:8765/ml/"
    _answer_dialog(qtbot, "", "")
    window.features["start"].sources_action.trigger()
    assert window.features["start"].downloader.movielens_base_url is None and window.features["start"].downloader.gensim_base_url is None


@pytest.mark.parametrize("text, ok", [("", True), ("https://a.b/c/", True), ("file:///srv/mirror/", True),
                                      ("ftp://a.b/", False), ("https://", False), ("mirror", False)])
def test_url_problem(text, ok):
    assert (ds.url_problem(text) is None) == ok
