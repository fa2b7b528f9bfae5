"""Shared fixtures: headless Qt, isolated user folders, the real data folder."""

from __future__ import annotations

import gc
import http.server
import os
import sys
from pathlib import Path

import pytest

# Headless by default; must be set before any Qt import.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

#: Environment variable pointing at the shared real-data folder.
SHARED_DATA_ENV = "EMBEXPLORER_SHARED_DATA"
#: Default location: ``../shared/data`` beside the project.
DEFAULT_SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_data_dir() -> Path | None:
    """The real-data folder, or None where it is absent."""
    path = Path(os.environ.get(SHARED_DATA_ENV, DEFAULT_SHARED_DATA))
    return path if path.is_dir() else None


def _where() -> str:
    """Where the data was looked for, naming the override when one is set (for skip messages)."""
    override = os.environ.get(SHARED_DATA_ENV)
    if override is not None:
        return f"{override} (from {SHARED_DATA_ENV})"
    return f"{DEFAULT_SHARED_DATA} (the default; set {SHARED_DATA_ENV} to another folder)"


def _dataset(shared: Path, relative: str, name: str) -> Path:
    """``shared/relative``, or a skip naming the data set and where it was looked for."""
    path = shared / relative
    if not path.exists():
        pytest.skip(f"{name} not found: looked for {relative} in {_where()}")
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (or ``$EMBEXPLORER_SHARED_DATA``); skips where absent.

    Tests use the fixture of the data set they need (:func:`ml100k_dir`, :func:`glove_path`,
    :func:`ml_latest_small_dir`), which skips when that one data set is missing from the folder.
    """
    path = shared_data_dir()
    if path is None:
        pytest.skip(f"real data folder not found: {_where()} is not a folder")
    return path


@pytest.fixture(scope="session")
def ml100k_dir(shared_data) -> Path:
    """The real MovieLens 100K folder (u.data, u.item, u1..u5 splits)."""
    return _dataset(shared_data, "ml-100k/u.data", "MovieLens 100K").parent


@pytest.fixture(scope="session")
def ml_latest_small_dir(shared_data) -> Path:
    """The real MovieLens latest-small folder (ratings.csv, movies.csv)."""
    return _dataset(shared_data, "ml-latest-small/ratings.csv", "MovieLens latest-small").parent


@pytest.fixture(scope="session")
def glove_path(shared_data) -> Path:
    """The real GloVe 50-d top-5k text file (5,050 x 50)."""
    return _dataset(shared_data, "glove-6B-50d-top5k/glove.6B.50d.top5k.txt", "GloVe 50-d top-5k")


@pytest.fixture(scope="session")
def gensim_test_data() -> Path:
    """gensim's own test data folder (questions-words.txt, wordsim353.tsv, corpora)."""
    import gensim.test.utils

    return Path(gensim.test.utils.module_path) / "test_data"


@pytest.fixture(autouse=True, scope="session")
def _isolated_user_dirs(tmp_path_factory):
    """Keep caches, logs and settings of the test run out of the user's folders."""
    base = tmp_path_factory.mktemp("userdirs")
    os.environ["EMBEXPLORER_CACHE_DIR"] = str(base / "cache")
    os.environ["EMBEXPLORER_LOG_DIR"] = str(base / "log")
    os.environ["EMBEXPLORER_STATE_DIR"] = str(base / "state")
    os.environ["XDG_CONFIG_HOME"] = str(base / "config")
    os.environ["GENSIM_DATA_DIR"] = str(base / "gensim-data")
    yield base


#: The test module of the last full collection (see :func:`_gc_on_ui_thread`).
_gc_full_module = [""]


@pytest.fixture(autouse=True)
def _gc_on_ui_thread(request):
    """Collect garbage only here, on the UI thread, between tests.

    A collection that happens to run on a worker thread can destroy a Python-owned Qt object there
    while the UI thread holds the same Qt lock: a deadlock (seen with gdb, about one run in five of
    the lifecycle tests).  The app does the same with pyqtgraph's GarbageCollector.

    Only the young generations are scanned between tests: a full collection walks the whole heap
    (with Qt, scipy, gensim, ... loaded, 0.2-0.6 s: 40 % of the suite's time when one ran after every
    test), so it runs once per test module, before its first test.  Collection is off during a test,
    so at its end generation 0 holds every object the test made; what the test's fixtures still held
    then (pytest lets go of them after this teardown) waits in generation 1 for the next test's start.
    """
    module = request.node.nodeid.split("::", 1)[0]
    if module != _gc_full_module[0]:
        _gc_full_module[0] = module
        gc.collect()  # also what the last module's fixtures left
    else:
        gc.collect(1)  # the previous test's fixtures, released since its teardown
    enabled = gc.isenabled()
    gc.disable()
    yield
    gc.collect(0)
    if enabled:
        gc.enable()


@pytest.fixture
def make_main_window(qtbot, tmp_path):
    """Build :class:`MainWindow` s, each with its own settings file (``tmp_path/NAME.ini``).

    ``make(name="settings", interactive=False, size=(1280, 800), show=True)``.  After the test every
    window made is shut down (its tasks ended) and deleted here, on the UI thread.
    """
    import shiboken6
    from PySide6 import QtCore

    from embexplorer._qt.shell.main_window import MainWindow

    made = []

    def make(name: str = "settings", interactive: bool = False, size=(1280, 800), show: bool = True):
        settings = QtCore.QSettings(str(tmp_path / f"{name}.ini"), QtCore.QSettings.Format.IniFormat)
        w = MainWindow(settings=settings, interactive=interactive)
        if size:
            w.resize(*size)
        if show:
            w.show()
            qtbot.waitExposed(w)
        made.append(w)
        return w

    yield make
    for w in made:
        if shiboken6.isValid(w):
            w.shutdown_tasks(5.0)
            w.close()
            shiboken6.delete(w)
    # Dialogs a test left open without a parent (pyqtgraph's Export dialog of a curve's context
    # menu, say) are not the next test's: they would count as its stray windows.
    from PySide6 import QtWidgets

    # Hidden, not closed: the Export dialog's close handler touches the plot that was deleted above.
    for top in QtWidgets.QApplication.topLevelWidgets():
        if top.isVisible():
            top.hide()


class QuietHTTPServer(http.server.ThreadingHTTPServer):
    """The tests' local mirror: a client that hangs up mid-reply (a download cancelled on purpose) is
    not an error worth a traceback in the test output; anything else still is."""

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)
