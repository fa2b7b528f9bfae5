"""The Python API: ``embexplorer.show(data)`` opens a window on vectors held in memory (or a file),
and the :class:`Viewer` it returns scripts that window.

In the style of napari::

    import embexplorer as ex
    viewer = ex.show(kv)                  # gensim KeyedVectors, a numpy array, a DataFrame...
    viewer.neighbours("king", k=10)       # [(label, cosine), ...], also drawn on the plot
    ex.run()                              # a script: wait until the windows are closed

**Event loops.**  A script needs a Qt event loop for the window to respond: :func:`run` (or
``show(..., block=True)``) runs one until every window is closed.  In IPython or Jupyter,
:func:`show` turns on IPython's Qt integration (as ``%gui qt`` does) when it is not on yet, and
then returns at once with the window live: :func:`run` does nothing there.  :func:`show` itself
waits, with the window responsive, until the data is on screen (the PCA runs on a worker thread),
so the viewer's methods work on the next line.

Qt is imported inside the functions: ``import embexplorer`` stays light.  A viewer's window uses
throw-away settings: it neither reads nor changes the app's saved layout or recent files.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
import tempfile
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from embexplorer._qt.shell.main_window import MainWindow
    from embexplorer._qt.workspace import Workspace
    from embexplorer.core.data.embeddings import EmbeddingSet

#: Principal components computed for data shown (the axis combos and ``set_projection`` offer them).
MAX_COMPONENTS = 10
#: Task kind of the conversion and projection of in-memory data in the window's task runner.
PROJECT_TASK = "api.project"
#: Owner of the data shown from Python (``DataSource.owner``) and of its progress in the status bar.
OWNER = "api"
#: Projections :meth:`Viewer.set_projection` knows.
PROJECTIONS = ("pca", "tsne", "umap", "axes")
#: Event-loop passes before a screenshot is grabbed (deferred layout and plot ranges settle).
SCREENSHOT_SETTLE_PASSES = 5
#: How often (ms) the interpreter is woken during :func:`run`, so Ctrl+C in the terminal ends it.
SIGNAL_POLL_MS = 200
#: Names IPython gives its Qt event-loop integration (``%gui qt``).
IPYTHON_QT_LOOPS = ("qt", "qt4", "qt5", "qt6")
#: The Compare room's background task (the viewer waits for it in :meth:`Viewer.add_embeddings`).
COMPARE_TASK = "compare"
#: Longest wait (s) for the Compare room to show a finished comparison (columns, B's plot).
COMPARE_SHOW_TIMEOUT_S = 10.0

#: Viewers whose window is open: a script's ``ex.show(data)`` without keeping the viewer must not
#: lose its window to the garbage collector.
_open_viewers: list[Viewer] = []


def show(data: Any, labels: Sequence | None = None, metadata: Any = None, title: str | None = None,
         block: bool = False, *, label_column: str | None = None,
         vector_column: str | Sequence[str] | None = None, format: str | None = None,
         limit: int | None = None, allow_pickle: bool = False) -> Viewer:
    """Open a window showing ``data`` and return its :class:`Viewer`.

    Parameters
    ----------
    data : array (n, d), gensim KeyedVectors, pandas DataFrame, pyarrow Table, EmbeddingSet or path
        Vectors in memory, or a file in any format the app opens (then read as File › Open does).
    labels : sequence, optional
        One label per row (arrays; tables take a label column).  Row numbers when absent.
    metadata : mapping of column name to values, or DataFrame, optional
        Columns aligned with the rows, e.g. ``{"genre": genres}`` for ``viewer.color_by("genre")``.
    title : str, optional
        The window title.
    block : bool
        Run the event loop until the window is closed (:func:`run`) before returning.
    label_column, vector_column : str, optional
        Tables (in memory, or Parquet / Arrow / Feather / CSV files): the column of labels and the
        vector column (a column of lists or arrays), or a list of numeric columns, one per
        dimension.  Chosen by name and type when not given (see
        :func:`embexplorer.core.data.inmemory.choose_columns`); every other column is metadata.
    format, limit, allow_pickle : optional
        Paths: the format (detected when None), the first ``limit`` rows only, and consent to
        unpickle a gensim ``.kv`` / ``.model`` file.

    Returns
    -------
    Viewer
        Once the data is on screen.

    Raises
    ------
    embexplorer.core.errors.DataError
        Bad input: a file that cannot be read (file, line, reason), or data in memory that cannot
        be shown (``InputError``, also a ``ValueError``: column, row, reason); a table file whose
        vector or label column must be named (``ColumnChoiceNeeded``); no display to show it on
        (``DisplayError``, naming the packages to install).
    TypeError
        ``data`` is of no kind understood.
    """
    viewer = Viewer(title=title)
    try:
        viewer.open(data, labels, metadata, label_column=label_column, vector_column=vector_column,
                    format=format, limit=limit, allow_pickle=allow_pickle)
    except BaseException:
        viewer.close()
        raise
    if block:
        run()
    return viewer


def run() -> None:
    """Run the Qt event loop until every window is closed (the last line of a script).

    Returns at once when a Qt event loop already runs: in IPython / Jupyter with ``%gui qt``, or
    when called from inside the app's own loop; and when no window is open.
    """
    from PySide6 import QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is None or _event_loop_running():
        return
    if not any(w.isVisible() for w in app.topLevelWidgets()):
        return
    with _ctrl_c_quits(app):
        app.exec()


class Viewer:
    """One window, scriptable from Python.  :func:`show` makes one; ``Viewer()`` opens an empty one.

    Parameters
    ----------
    title : str, optional
        The window title (otherwise the data's description).
    """

    def __init__(self, title: str | None = None) -> None:
        from PySide6 import QtCore

        from embexplorer._qt.shell.main_window import MainWindow

        _application()
        # A throw-away settings file: the scripted window leaves the user's layout and recent files alone.
        self._settings_dir = tempfile.TemporaryDirectory(prefix="embexplorer-viewer-")
        settings = QtCore.QSettings(str(Path(self._settings_dir.name) / "settings.ini"),
                                    QtCore.QSettings.Format.IniFormat)
        self._title = title
        self._window = MainWindow(settings=settings)
        self._closed = False
        self._close_watch = _CloseWatch(self)
        self._window.installEventFilter(self._close_watch)
        if title:
            self._window.setWindowTitle(title)
        self._window.show()
        self._window.raise_()
        _open_viewers.append(self)

    # -- what the window holds ------------------------------------------------------------------
    @property
    def window(self) -> MainWindow:
        """The application window (``window.commands.names()`` lists what its features offer)."""
        return self._window

    @property
    def workspace(self) -> Workspace:
        """The window's shared state: data set, source, projection, selection, layers."""
        return self._window.workspace

    @property
    def embeddings(self) -> EmbeddingSet | None:
        """The set shown (labels, float32 vectors, metadata), or None."""
        return self.workspace.dataset

    @property
    def selection(self) -> list[str]:
        """Labels of the selected points, in row order."""
        emb = self.embeddings
        if emb is None:
            return []
        return [emb.labels[int(i)] for i in self.workspace.selection.rows]

    def __repr__(self) -> str:
        return f"<embexplorer.Viewer showing {self.embeddings!r}>"

    # -- showing data -------------------------------------------------------------------------------
    def open(self, data: Any, labels: Sequence | None = None, metadata: Any = None, *,
             label_column: str | None = None, vector_column: str | Sequence[str] | None = None,
             format: str | None = None, limit: int | None = None, allow_pickle: bool = False) -> None:
        """Show ``data`` in this window instead of what it shows; waits until it is on screen.

        The parameters are those of :func:`show`.
        """
        if isinstance(data, (str, os.PathLike)):
            if labels is not None or metadata is not None:
                raise TypeError("a file brings its own labels and metadata: labels and metadata are for data "
                                "in memory (label_column / vector_column choose a table file's columns)")
            self._open_path(os.fspath(data), format, limit, allow_pickle,
                            {"vector_column": vector_column, "label_column": label_column})
            return
        if format is not None or limit is not None or allow_pickle:
            raise TypeError("format, limit and allow_pickle are for paths; slice the data instead")
        from embexplorer._qt.workspace import DataSource, first_components

        pca_result, emb = self._convert_and_project(data, labels, metadata, label_column, vector_column)
        source = DataSource("memory", self._title or emb.source, OWNER,
                            details={"rows": emb.n, "dims": emb.dims})
        self.workspace.set_dataset(emb, first_components(pca_result), source)
        if emb.warnings:  # e.g. repeated labels dropped: said in the status bar and to the caller
            self._window.message("; ".join(emb.warnings))
            warnings.warn("; ".join(emb.warnings), UserWarning, stacklevel=3)

    def add_embeddings(self, data: Any, labels: Sequence | None = None, metadata: Any = None, *,
                       title: str = "B", k: int = 10, label_column: str | None = None,
                       vector_column: str | None = None) -> dict:
        """Compare a second set ``B`` with the one shown (``A``), as the Compare dock does, and wait for it.

        ``data`` is anything :meth:`open` takes.  Shared labels are matched; B is aligned onto A by
        orthogonal Procrustes when the dimensions agree; each shared label gets its neighbour overlap
        (Jaccard@k) and displacement as colour-by columns, and the biggest movers are listed.

        Returns
        -------
        dict
            ``{"shared": int, "k": int, "mean_overlap": float, "notes": [str],
            "movers": [(label, overlap), ...]}`` (the 10 labels whose neighbours changed most).
        """
        import numpy as np

        from embexplorer.core.analysis.neighbours import check_k
        from embexplorer.core.data.inmemory import as_embedding_set

        check_k(k)
        self._require_data()
        b = as_embedding_set(data, labels, metadata, label_column=label_column, vector_column=vector_column,
                             source=title)
        import time

        from PySide6 import QtCore

        panel = self._window.commands.run("compare.panel")
        panel.k_spin.setValue(int(k))
        room = self._window.features["compare"]
        shown: list = []
        room.compared.connect(shown.append)
        try:
            if self._window.commands.run("compare.with_set", b, title) is None:
                raise ValueError("nothing to compare with: show a set first")
            self._window.runner.wait_for(COMPARE_TASK)
            result = self._window.commands.run("compare.result")
            if result is None:
                raise ValueError(panel.status.text() or "the comparison failed")
            # The room shows the result in short event-loop slices (columns, then B's plot): let them run.
            deadline = time.monotonic() + COMPARE_SHOW_TIMEOUT_S
            while not shown and time.monotonic() < deadline:
                QtCore.QCoreApplication.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 50)
        finally:
            room.compared.disconnect(shown.append)
        order = np.argsort(result.overlap, kind="stable")[:10]
        movers = [(result.labels[i], float(result.overlap[i])) for i in order]
        return {"shared": len(result.labels), "k": int(result.k), "notes": list(result.notes),
                "mean_overlap": float(np.mean(result.overlap)), "movers": movers}

    # -- asking and drawing -----------------------------------------------------------------------------
    def select(self, labels: Sequence[str] | str) -> None:
        """Select the points of ``labels`` (replacing the selection; ``[]`` clears it).

        Raises KeyError naming the labels not in the set.
        """
        rows = self._rows([labels] if isinstance(labels, str) else list(labels))
        self.workspace.selection.replace(rows)

    def neighbours(self, label: str, k: int = 10, metric: str = "cosine") -> list[tuple[str, float]]:
        """The ``k`` nearest neighbours of ``label``, best first, drawn on the plot and listed in the
        Neighbours panel.

        Parameters
        ----------
        label : str
        k : int
        metric : {"cosine", "dot", "euclidean"}
            Cosine is gensim's ``most_similar`` exactly.

        Returns
        -------
        list of (label, score)
            Score: cosine similarity, dot product or Euclidean distance.
        """
        from embexplorer.core.analysis.neighbours import METRICS, check_k

        check_k(k)
        if metric not in METRICS:
            raise ValueError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
        self._rows([label])
        return self._ask("neighbours.ask", label, k=int(k), metric=metric)

    def analogy(self, a: str, b: str, c: str, k: int = 10,
                method: str = "3cosadd") -> list[tuple[str, float]]:
        """Solve *a is to b as c is to ?*: the answers, best first, with the parallelogram drawn.

        Parameters
        ----------
        a, b, c : str
            E.g. ``("man", "king", "woman")`` (answer: queen).
        k : int
            Answers listed.
        method : {"3cosadd", "3cosmul"}

        Returns
        -------
        list of (label, score)
            The inputs are left out (as gensim does) unless the panel's "Exclude inputs" is off.
        """
        from embexplorer.core.analysis.neighbours import check_k

        check_k(k)
        if method not in ("3cosadd", "3cosmul"):
            raise ValueError(f"method must be '3cosadd' or '3cosmul', got {method!r}")
        self._rows([a, b, c])
        return self._ask("analogy.ask", a, b, c, k=int(k), method=method)

    def set_projection(self, method: str = "pca", axes: tuple = (0, 1), *, measure: str = "cosine",
                       orthogonalise: bool = False) -> None:
        """Place the points by ``method`` and wait until they are shown.

        Parameters
        ----------
        method : {"pca", "tsne", "umap", "axes"}
            PCA; t-SNE or UMAP (seeded, cached, started from the PCA layout; UMAP needs
            ``pip install 'embexplorer[umap]'``); or meaning-bearing axes.
        axes : tuple
            For ``"pca"``: the components on X and Y (0-based: ``(0, 1)`` is PC1 × PC2).  For
            ``"axes"``: two directions made of words, e.g. ``("woman - man", "king - queen")``.
        measure : {"cosine", "dot"}
            For ``"axes"``: how rows are placed along each direction.
        orthogonalise : bool
            For ``"axes"``: remove the X direction from Y first.

        Raises ValueError for an unknown method, axes beyond the components computed, an unknown
        word, a missing optional package, or nothing shown.
        """
        method = str(method).lower()
        if method not in PROJECTIONS:
            raise ValueError(f"unknown projection {method!r}: the projections are {', '.join(PROJECTIONS)}")
        self._require_data()
        run = self._window.commands.run
        if method == "axes":
            x, y = (str(a) for a in axes)
            self._ask("axes.place", x, y, measure, orthogonalise)
            return
        from embexplorer.core.errors import DataError

        try:
            run("projection.show", method, None, True)
        except DataError as err:
            raise ValueError(str(err)) from None
        if method != "pca":
            if getattr(self.workspace.projection, "kind", "") != method:
                raise ValueError(self._window.statusBar().currentMessage() or f"no {method} layout was made")
            return
        pca = self.workspace.pca
        if pca is None:
            raise ValueError("no PCA projection to change: show a data set first (a live training frame "
                             "has its own projection)")
        x, y = (int(i) for i in axes)
        if not (0 <= x < pca.n_components and 0 <= y < pca.n_components):
            raise ValueError(f"axes must be components 0..{pca.n_components - 1}, got {tuple(axes)}")
        self.workspace.set_axes(x, y)

    def color_by(self, column: str | None) -> None:
        """Colour the points by the metadata ``column`` (None: one colour).

        Raises ValueError naming the columns there are.
        """
        emb = self._require_data()
        if column is not None and column not in emb.metadata:
            names = ", ".join(map(repr, emb.metadata)) or "none"
            raise ValueError(f"no metadata column {column!r} (columns: {names})")
        self._window.commands.run("explorer.color_by", column)

    def screenshot(self, path: str | os.PathLike, size: tuple[int, int] | None = None) -> Path:
        """Save the window as a PNG (as ``embexplorer --screenshot`` does) and return its path.

        ``size`` (width, height) resizes the window first.
        """
        from PySide6 import QtCore, QtWidgets

        from embexplorer.core.atomic import atomic_write

        out = Path(path)
        if out.suffix.lower() != ".png":
            raise ValueError(f"screenshots are PNG: give a file name ending in .png, got {out.name!r}")
        if size is not None:
            self._window.resize(*size)
        self._window.commands.run("explorer.finish_setup")
        app = QtWidgets.QApplication.instance()
        for _ in range(SCREENSHOT_SETTLE_PASSES):
            app.processEvents()
        image = self._window.grab().toImage()
        data = QtCore.QByteArray()
        buffer = QtCore.QBuffer(data)
        buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
        if not image.save(buffer, "PNG"):
            raise OSError(f"could not encode the window as PNG ({image.width()}x{image.height()})")
        with atomic_write(out, "wb") as fh:  # a crash never leaves half a picture
            fh.write(bytes(data))
        return out

    def close(self) -> None:
        """Close the window (background work is stopped); the viewer cannot be used afterwards."""
        if not self._closed:
            self._window.close()
        self._forget()

    # -- internals ---------------------------------------------------------------------------------
    def _forget(self) -> None:
        self._closed = True
        if self in _open_viewers:
            _open_viewers.remove(self)

    def _ask(self, command: str, *args, **kwargs):
        """Run a room's command; its :class:`DataError` (the reason the room gives) as ValueError."""
        from embexplorer.core.errors import DataError

        try:
            return self._window.commands.run(command, *args, **kwargs)
        except DataError as err:
            raise ValueError(err.reason) from None

    def _require_data(self) -> EmbeddingSet:
        emb = self.embeddings
        if emb is None:
            raise ValueError("nothing is shown: give the viewer data first (viewer.open(data))")
        return emb

    def _rows(self, labels: list[str]) -> list[int]:
        emb = self._require_data()
        missing = [label for label in labels if label not in emb.index]
        if missing:
            raise KeyError(f"not in the set: {', '.join(map(repr, missing))}")
        return [emb.index[label] for label in labels]

    def _open_path(self, path: str, format: str | None, limit: int | None, allow_pickle: bool,
                   columns: dict) -> None:
        if not os.path.exists(path):
            raise FileNotFoundError(2, "No such file or directory", path)
        from embexplorer.core.session import is_session_file

        window = self._window
        loading = window.features["loading"]
        interactive, window.interactive = window.interactive, False  # errors are raised here, not dialogs
        try:
            if is_session_file(path):  # a saved session: its data, view, queries and bookmarks
                window.commands.run("sessions.open_blocking", path)
            else:
                window.commands.run("loading.open_file", path, format=format, limit=limit,
                                    allow_pickle=allow_pickle, **columns)
                _wait([loading.loaded], [loading.load_failed, loading.load_cancelled])
        finally:
            window.interactive = interactive
        if self._title:
            window.setWindowTitle(self._title)

    def _convert_and_project(self, data, labels, metadata, label_column, vector_column):
        """Convert ``data`` and fit PCA on a worker thread (the window stays responsive); wait for it.

        Closing the window cancels the task (:func:`_wait` then raises ``Cancelled``)."""
        from embexplorer.core.analysis.pca import fit_pca
        from embexplorer.core.data.inmemory import as_embedding_set

        def work(control):
            control.progress(None, "Reading the data", force=True)
            emb = as_embedding_set(data, labels, metadata, label_column=label_column,
                                   vector_column=vector_column, source=self._title)
            control.progress(0.0, "Projecting", force=True)
            return fit_pca(emb.vectors, n_components=MAX_COMPONENTS, control=control), emb

        window = self._window
        relay = _Relay()
        window.busy(OWNER, "Preparing the data…", lambda: window.runner.cancel(PROJECT_TASK))
        try:
            window.runner.start(PROJECT_TASK, work, on_result=relay.done.emit, on_error=relay.failed.emit,
                                on_progress=lambda f, m: window.progress(OWNER, f, m),
                                on_cancelled=lambda: relay.failed.emit(None))
            return _wait([relay.done], [relay.failed])
        finally:
            window.idle(OWNER)


# -- Qt plumbing ------------------------------------------------------------------------------------

def _application():
    """The QApplication (made, named and given the app's icon if there is none yet)."""
    from PySide6 import QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is not None:
        _enable_ipython_qt()
        return app
    from embexplorer._qt.app import APP_NAME, ORG_NAME, app_icon
    from embexplorer._qt.display import check_display

    check_display()  # no screen: a DisplayError saying what to install, not Qt's abort of the interpreter
    app = QtWidgets.QApplication([sys.argv[0] if sys.argv and sys.argv[0] else APP_NAME])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORG_NAME)
    app.setWindowIcon(app_icon())
    _enable_ipython_qt()
    return app


def _ipython_shell():
    """The running IPython shell or kernel, or None (IPython is never imported here)."""
    ipython = sys.modules.get("IPython")
    get = getattr(ipython, "get_ipython", None)
    return get() if get is not None else None


def _enable_ipython_qt() -> bool:
    """In IPython, make sure its Qt event-loop integration is on (``%gui qt``); True if it is."""
    shell = _ipython_shell()
    if shell is None:
        return False
    if getattr(shell, "active_eventloop", None) in IPYTHON_QT_LOOPS:
        return True
    try:
        shell.enable_gui("qt")
    except Exception:  # e.g. a shell without GUI support: run() will block as in a script
        return False
    return getattr(shell, "active_eventloop", None) in IPYTHON_QT_LOOPS


def _event_loop_running() -> bool:
    """True if a Qt event loop already serves the windows (IPython's ``%gui qt``, or an ``exec``)."""
    from PySide6 import QtCore

    shell = _ipython_shell()
    if shell is not None and getattr(shell, "active_eventloop", None) in IPYTHON_QT_LOOPS:
        return True
    return QtCore.QThread.currentThread().loopLevel() > 0


@contextlib.contextmanager
def _ctrl_c_quits(app):
    """Ctrl+C in the terminal ends :func:`run` (Qt's loop would otherwise hold the signal back until
    the next window event): a timer wakes the interpreter so its SIGINT handler runs."""
    from PySide6 import QtCore

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda *_: app.quit())
    wake = QtCore.QTimer()
    wake.timeout.connect(lambda: None)
    wake.start(SIGNAL_POLL_MS)
    try:
        yield
    finally:
        wake.stop()
        signal.signal(signal.SIGINT, previous)


def _wait(done_signals: list, failed_signals: list) -> Any:
    """Spin an event loop (the window stays live) until a done signal fires (its first argument is
    returned) or a failed one does (its exception is raised; ``None``: cancelled or closed)."""
    from PySide6 import QtCore

    from embexplorer.core.progress import Cancelled

    loop = QtCore.QEventLoop()
    outcome: list[tuple[bool, Any]] = []

    def finish(ok: bool, value: Any) -> None:
        if not outcome:
            outcome.append((ok, value))
        loop.quit()

    slots = [(s, lambda *v: finish(True, v[0] if v else None)) for s in done_signals]
    slots += [(s, lambda err=None: finish(False, err)) for s in failed_signals]
    for qt_signal, slot in slots:
        qt_signal.connect(slot)
    try:
        if not outcome:
            loop.exec()
    finally:
        for qt_signal, slot in slots:
            qt_signal.disconnect(slot)
    ok, value = outcome[0]
    if ok:
        return value
    if isinstance(value, BaseException):
        raise value
    raise Cancelled("cancelled, or the window was closed, before the data was shown")


@functools.cache
def _qt_classes():
    """The module's QObject classes, defined once Qt is imported."""
    from PySide6 import QtCore

    class Relay(QtCore.QObject):
        """Signals a worker's callbacks fire, for :func:`_wait` to listen to."""

        done = QtCore.Signal(object)
        failed = QtCore.Signal(object)

    class CloseWatch(QtCore.QObject):
        """Forgets a viewer whose window the user closed (its data is no longer kept alive)."""

        def __init__(self, viewer: Viewer) -> None:
            super().__init__(viewer.window)
            self.viewer = viewer

        def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt override)
            if event.type() == QtCore.QEvent.Type.Close and obj is self.viewer.window:
                # After the window's own closeEvent (which may refuse): only a real close forgets.
                QtCore.QTimer.singleShot(0, self, self.check)
            return False

        def check(self) -> None:
            if not self.viewer.window.isVisible():
                self.viewer._forget()

    return Relay, CloseWatch


def _Relay():  # noqa: N802 (made like a class; Qt is imported only when one is needed)
    return _qt_classes()[0]()


def _CloseWatch(viewer: Viewer):  # noqa: N802
    return _qt_classes()[1](viewer)
