"""Start-up stays light: building the window imports no scipy, scikit-learn, gensim or other heavy
optional package (they load when a feature first needs them), and the start page's preview
training waits for the page's first paint."""

from __future__ import annotations

import os
import subprocess
import sys

HEAVY = ("scipy", "sklearn", "gensim", "numba", "umap", "openTSNE", "pandas", "pyarrow", "hnswlib",
         "faiss")

PROBE = """
import sys
from PySide6 import QtWidgets
app = QtWidgets.QApplication([])
from embexplorer._qt.shell.main_window import MainWindow
w = MainWindow()
w.show()
app.processEvents()
print(" ".join(sorted({m.split(".")[0] for m in sys.modules})))
"""


def test_building_the_window_imports_no_heavy_package(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path),
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    loaded = set(out.stdout.split())
    assert "embexplorer" in loaded and "pyqtgraph" in loaded  # the probe did build the window
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_preview_training_starts_after_the_start_page_painted(qtbot, make_main_window):
    window = make_main_window()
    qtbot.waitExposed(window)
    start = window.features["start"]
    page = start.page
    painted = []
    page.installEventFilter(filt := _PaintSpy(page, painted))
    window.commands.run("start.preview")
    assert not start.genres_demo.is_running()  # not yet: the page paints first
    qtbot.waitUntil(start.genres_demo.is_running, timeout=10_000)
    assert painted  # the page had painted when the training began
    start.genres_demo.cancel()
    page.removeEventFilter(filt)


class _PaintSpy:
    def __new__(cls, page, painted):
        from PySide6 import QtCore

        class Spy(QtCore.QObject):
            def eventFilter(self, obj, event):  # noqa: N802 -- Qt's name
                if obj is page and event.type() == QtCore.QEvent.Type.Paint:
                    painted.append(True)
                return False

        return Spy(page)
