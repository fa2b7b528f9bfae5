"""The main window: open a file, load and project it off the UI thread, show the PCA scatter.

State lives in plain attributes (:attr:`MainWindow.embeddings`,
:attr:`MainWindow.pca`); panels added later with :meth:`MainWindow.add_panel`
subscribe to :attr:`MainWindow.embeddings_changed` and
:attr:`MainWindow.axes_changed`.
"""

from __future__ import annotations

import html
import os
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer import __version__
from embexplorer._qt.scatter import ScatterView
from embexplorer._qt.workers import TaskRunner, WorkerControl
from embexplorer.core.embeddings import EmbeddingSet
from embexplorer.core.errors import DataError

#: Application name shown in titles and dialogs.
APP_TITLE = "embexplorer"
#: Organisation / application names for QSettings.
SETTINGS_ORG = "embexplorer"
SETTINGS_APP = "embexplorer"
#: Entries kept in File > Open Recent.
MAX_RECENT_FILES = 10
#: Principal components computed on load (and offered in the axis combos).
MAX_COMPONENTS = 10
#: Share of the progress bar given to loading (PCA gets the rest).
LOAD_PROGRESS_SHARE = 0.7
#: Task kind of load + projection in the :class:`TaskRunner`.
LOAD_TASK = "load"
#: Seconds to wait for worker threads when the window closes.
CLOSE_TIMEOUT_S = 3.0
#: Resolution of the progress bar (steps from 0 to 1).
PROGRESS_STEPS = 1000
#: Default window size (pixels) when no geometry was saved.
DEFAULT_SIZE = (1280, 800)
#: Version of the saved dock layout; bump when docks change incompatibly.
STATE_VERSION = 1
#: File-dialog filter of the formats we read.
OPEN_FILTER = ("Embeddings (*.txt *.vec *.bin *.tsv *.npy *.npz *.gz *.bz2 *.kv *.model *.parquet);;"
               "All files (*)")
#: Words in a DataError reason that mean "this is a pickle; ask the user first" (the loaders'
#: refusal tells the user about --allow-pickle).
PICKLE_CONSENT_MARKERS = ("--allow-pickle", "allow_pickle=true")

_EMPTY_HTML = (
    "<div style='font-size:15pt; color:#555'>No embeddings open</div>"
    "<div style='font-size:10.5pt; color:#777; margin-top:10px'>"
    "Open a file with <b>File › Open…</b> (Ctrl+O) or drop it on this window.<br><br>"
    "word2vec / GloVe / fastText text and binary, TF Projector TSV, NumPy .npy/.npz,<br>"
    "compressed .gz/.bz2 variants, gensim .kv/.model (after confirmation)</div>")
_LOADING_HTML = ("<div style='font-size:15pt; color:#555'>Loading {name}…</div>"
                 "<div style='font-size:10.5pt; color:#777; margin-top:10px'>"
                 "Progress is shown in the status bar; Cancel stops it.</div>")

_KEY_GEOMETRY = "window/geometry"
_KEY_STATE = "window/state"
_KEY_RECENT = "recent_files"


@dataclass
class LoadResult:
    """What a load task hands back to the UI thread."""

    path: str
    embeddings: EmbeddingSet
    pca: object  # embexplorer.core.pca.PCAResult
    seconds: float


def load_and_project(path: str, control: WorkerControl, format: str | None = None,
                     limit: int | None = None, allow_pickle: bool = False) -> LoadResult:
    """Load ``path`` and fit PCA on it (runs on a worker thread; touches no widget)."""
    from embexplorer.core.formats import load
    from embexplorer.core.pca import fit_pca

    t0 = time.perf_counter()
    emb = load(path, format=format, limit=limit, control=control.scaled(0.0, LOAD_PROGRESS_SHARE),
               allow_pickle=allow_pickle)
    control.progress(LOAD_PROGRESS_SHARE, "Projecting", force=True)
    try:
        pca = fit_pca(emb.vectors, n_components=MAX_COMPONENTS,
                      control=control.scaled(LOAD_PROGRESS_SHARE, 1.0))
    except ValueError as err:  # e.g. no rows: bad input, reported like any other
        raise DataError(f"cannot project: {err}", path) from err
    return LoadResult(os.fspath(path), emb, pca, time.perf_counter() - t0)


def needs_pickle_consent(err: BaseException) -> bool:
    """True if ``err`` is the loaders' refusal to unpickle without consent."""
    if not isinstance(err, DataError):
        return False
    if getattr(err, "needs_consent", False):
        return True
    reason = err.reason.lower()
    return any(m in reason for m in PICKLE_CONSENT_MARKERS)


class MainWindow(QtWidgets.QMainWindow):
    """The application window.

    Parameters
    ----------
    settings : QSettings, optional
        Where recent files and layout are kept (default: the user's
        ``embexplorer`` settings).
    interactive : bool
        If False (``--screenshot``, scripted use) no dialog is shown: errors
        only go to :attr:`load_failed`, pickles are refused.

    Attributes
    ----------
    embeddings : EmbeddingSet or None
        The loaded set.
    pca : PCAResult or None
        Its projection.
    current_path : str or None
        File the set came from.
    axes : tuple[int, int]
        Components (0-based) on the X and Y axes.
    runner : TaskRunner
        Background tasks; panels may use it for their own kinds.
    scatter : ScatterView
        The central plot.

    Signals
    -------
    embeddings_changed(object)
        A new EmbeddingSet is loaded and projected (``self.pca`` is set).
    axes_changed(int, int)
        Components shown on X and Y changed.
    load_failed(object)
        Opening a file failed (the exception); the previous set is kept.
    load_cancelled()
        The user cancelled a load; the previous set is kept.
    """

    embeddings_changed = QtCore.Signal(object)
    axes_changed = QtCore.Signal(int, int)
    load_failed = QtCore.Signal(object)
    load_cancelled = QtCore.Signal()

    def __init__(self, settings: QtCore.QSettings | None = None, interactive: bool = True,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings if settings is not None else QtCore.QSettings(SETTINGS_ORG, SETTINGS_APP)
        self.interactive = interactive
        self.embeddings: EmbeddingSet | None = None
        self.pca = None
        self.current_path: str | None = None
        self.axes: tuple[int, int] = (0, 1)
        self.runner = TaskRunner(self)
        self._loading_path: str | None = None
        self._load_request: tuple[str, str | None, int | None, bool] = ("", None, None, False)
        self._replacing_load = False
        self._layout_restored = False
        self._panels: list[QtWidgets.QDockWidget] = []

        self.setObjectName("MainWindow")
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)
        self.setCorner(QtCore.Qt.Corner.BottomRightCorner, QtCore.Qt.DockWidgetArea.RightDockWidgetArea)
        self.resize(*DEFAULT_SIZE)

        self._build_central()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self._update_title()
        self._update_stats()
        self._set_axis_items(None)
        self.zoom_fit_action.setEnabled(False)

        geometry = self.settings.value(_KEY_GEOMETRY)
        if isinstance(geometry, QtCore.QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)

    # ------------------------------------------------------------ building
    def _build_central(self) -> None:
        self.scatter = ScatterView(self)
        self._empty_page = QtWidgets.QLabel(_EMPTY_HTML, self)
        self._empty_page.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self._empty_page.setObjectName("emptyPage")
        self._empty_page.setStyleSheet("#emptyPage { background: white; }")
        self._central = QtWidgets.QStackedWidget(self)
        self._central.addWidget(self._empty_page)
        self._central.addWidget(self.scatter)
        self.setCentralWidget(self._central)

    def _std_icon(self, name: str) -> QtGui.QIcon:
        return self.style().standardIcon(getattr(QtWidgets.QStyle.StandardPixmap, name))

    def _build_actions(self) -> None:
        A = QtGui.QAction
        self.open_action = A(self._std_icon("SP_DialogOpenButton"), "&Open…", self)
        self.open_action.setShortcut(QtGui.QKeySequence(QtGui.QKeySequence.StandardKey.Open))
        self.open_action.setStatusTip("Open an embedding file")
        self.open_action.triggered.connect(self._on_open_triggered)

        self.quit_action = A("&Quit", self)
        self.quit_action.setShortcut(QtGui.QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QtGui.QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)

        self.zoom_fit_action = A(_zoom_fit_icon(self.palette()), "&Zoom to Fit", self)
        self.zoom_fit_action.setShortcuts([QtGui.QKeySequence("Ctrl+0"), QtGui.QKeySequence("Home")])
        self.zoom_fit_action.setStatusTip("Show all points")
        self.zoom_fit_action.triggered.connect(self._on_zoom_fit_triggered)

        self.about_action = A("&About embexplorer", self)
        self.about_action.setMenuRole(QtGui.QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self._on_about_triggered)
        self.about_qt_action = A("About &Qt", self)
        self.about_qt_action.setMenuRole(QtGui.QAction.MenuRole.AboutQtRole)
        self.about_qt_action.triggered.connect(QtWidgets.QApplication.aboutQt)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&File")
        self.file_menu.addAction(self.open_action)
        self.recent_menu = self.file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._rebuild_recent_menu)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)
        self._rebuild_recent_menu()

        self.view_menu = bar.addMenu("&View")
        self.view_menu.addAction(self.zoom_fit_action)
        self.view_menu.addSeparator()
        self._panels_separator = self.view_menu.addSection("Panels")

        self.help_menu = bar.addMenu("&Help")
        self.help_menu.addAction(self.about_action)
        self.help_menu.addAction(self.about_qt_action)

    def _build_toolbar(self) -> None:
        tb = QtWidgets.QToolBar("Main toolbar", self)
        tb.setObjectName("mainToolbar")
        tb.setMovable(False)
        tb.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        tb.addAction(self.open_action)
        tb.addSeparator()
        self.x_combo = QtWidgets.QComboBox(tb)
        self.y_combo = QtWidgets.QComboBox(tb)
        for axis, combo in (("X", self.x_combo), ("Y", self.y_combo)):
            combo.setObjectName(f"{axis.lower()}AxisCombo")
            combo.setToolTip(f"Principal component on the {axis} axis")
            combo.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents)
            label = QtWidgets.QLabel(f" {axis} ", tb)
            label.setBuddy(combo)
            tb.addWidget(label)
            tb.addWidget(combo)
        self.x_combo.currentIndexChanged.connect(self._on_axis_combo_changed)
        self.y_combo.currentIndexChanged.connect(self._on_axis_combo_changed)
        tb.addSeparator()
        tb.addAction(self.zoom_fit_action)
        self.addToolBar(QtCore.Qt.ToolBarArea.TopToolBarArea, tb)
        self.toolbar = tb
        self.view_menu.insertAction(self.view_menu.actions()[1], tb.toggleViewAction())

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self._stats_label = QtWidgets.QLabel(sb)
        self._stats_label.setObjectName("statsLabel")
        self._task_label = QtWidgets.QLabel(sb)
        self.progress_bar = QtWidgets.QProgressBar(sb)
        self.progress_bar.setRange(0, PROGRESS_STEPS)
        self.progress_bar.setFixedWidth(180)
        self.progress_bar.setTextVisible(False)
        self.cancel_button = QtWidgets.QToolButton(sb)
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip("Stop loading")
        self.cancel_button.setIcon(self._std_icon("SP_BrowserStop"))
        self.cancel_button.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.cancel_button.setAutoRaise(True)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        sb.addPermanentWidget(self._task_label)
        sb.addPermanentWidget(self.progress_bar)
        sb.addPermanentWidget(self.cancel_button)
        sb.addPermanentWidget(self._stats_label)
        self._show_busy(False)

    # ------------------------------------------------------------- panels
    def add_panel(self, dock: QtWidgets.QDockWidget,
                  area: QtCore.Qt.DockWidgetArea = QtCore.Qt.DockWidgetArea.RightDockWidgetArea) -> None:
        """Add a dock panel, list it in the View menu, restore its saved placement.

        Give ``dock`` a stable ``objectName`` (it keys the saved layout); the
        window title is used if it has none.
        """
        if not dock.objectName():
            dock.setObjectName(dock.windowTitle().replace(" ", "") or f"panel{len(self._panels)}")
        # Panels added after restore_layout() still get their saved place (and visibility).
        if not (self._layout_restored and self.restoreDockWidget(dock)):
            self.addDockWidget(area, dock)
        self._panels.append(dock)
        self.view_menu.addAction(dock.toggleViewAction())

    def shutdown_tasks(self, timeout: float = CLOSE_TIMEOUT_S) -> bool:
        """Cancel and wait for every background task: the window's and any panel's own runner.

        Returns True if all worker threads ended within ``timeout`` seconds in total.
        """
        deadline = time.monotonic() + timeout
        runners = [self.runner] + [r for r in self.findChildren(TaskRunner) if r is not self.runner]
        for r in runners:  # cancel all first, so they wind down in parallel
            r.cancel_all()
        return all([r.shutdown(max(0.0, deadline - time.monotonic())) for r in runners])

    def panels(self) -> list[QtWidgets.QDockWidget]:
        """Dock panels added so far."""
        return list(self._panels)

    def restore_layout(self) -> bool:
        """Put docks and toolbars back where the user left them (call after adding panels)."""
        self._layout_restored = True
        state = self.settings.value(_KEY_STATE)
        if isinstance(state, QtCore.QByteArray) and not state.isEmpty():
            return bool(self.restoreState(state, STATE_VERSION))
        return False

    def save_layout(self) -> None:
        """Remember window geometry and dock layout."""
        self.settings.setValue(_KEY_GEOMETRY, self.saveGeometry())
        self.settings.setValue(_KEY_STATE, self.saveState(STATE_VERSION))
        self.settings.sync()

    # ------------------------------------------------------------- opening
    def open_file(self, path: str | os.PathLike, format: str | None = None, limit: int | None = None,
                  allow_pickle: bool = False) -> int:
        """Load ``path`` and project it in the background; return the task id.

        The current set stays shown (and in :attr:`embeddings`) until the new
        one is ready; a load already running is cancelled.  Menu, Ctrl+O,
        drag and drop, recent files and the command line all come here.
        """
        path = os.fspath(path)
        self._loading_path = path
        self._load_request = (path, format, limit, allow_pickle)
        self._show_busy(True, f"Loading {Path(path).name}…")
        self._replacing_load = True  # the load this one supersedes is not a user cancel
        try:
            return self.runner.start(
                LOAD_TASK,
                lambda control: load_and_project(path, control, format=format, limit=limit,
                                                 allow_pickle=allow_pickle),
                on_result=self._on_load_result, on_error=self._on_load_error,
                on_progress=self._on_load_progress, on_cancelled=self._on_load_task_cancelled)
        finally:
            self._replacing_load = False

    def cancel_load(self) -> bool:
        """Stop a running load; the previous set stays. Returns True if one was running."""
        return self.runner.cancel(LOAD_TASK)

    def is_loading(self) -> bool:
        """True while a file is being loaded or projected."""
        return self.runner.is_running(LOAD_TASK)

    def recent_files(self) -> list[str]:
        """Recently opened files, most recent first."""
        value = self.settings.value(_KEY_RECENT, [])
        if isinstance(value, str):  # QSettings returns a bare string for a one-element list
            value = [value]
        return [str(v) for v in (value or [])][:MAX_RECENT_FILES]

    def _remember_recent(self, path: str) -> None:
        path = os.path.abspath(path)
        files = [p for p in self.recent_files() if p != path]
        self.settings.setValue(_KEY_RECENT, [path, *files][:MAX_RECENT_FILES])
        self.settings.sync()
        self._rebuild_recent_menu()

    def _forget_recent(self, path: str) -> None:
        self.settings.setValue(_KEY_RECENT, [p for p in self.recent_files() if p != path])
        self._rebuild_recent_menu()

    def _rebuild_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        files = self.recent_files()
        for i, path in enumerate(files, 1):
            text = f"&{i % 10}  {Path(path).name}" if i <= 10 else Path(path).name
            action = menu.addAction(text)
            action.setData(path)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(self._on_recent_triggered)
        if files:
            menu.addSeparator()
            menu.addAction("Clear Menu", self._on_clear_recent_triggered)
        menu.setEnabled(bool(files))

    # ------------------------------------------------------------ the view
    def set_axes(self, x: int, y: int) -> None:
        """Show components ``x`` and ``y`` (0-based) on the axes."""
        k = self.pca.n_components if self.pca is not None else MAX_COMPONENTS
        if not (0 <= x < k and 0 <= y < k):
            raise IndexError(f"components must be in 0..{k - 1}, got {x}, {y}")
        self.axes = (x, y)
        for combo, i in ((self.x_combo, x), (self.y_combo, y)):
            blocked = combo.blockSignals(True)
            combo.setCurrentIndex(i)
            combo.blockSignals(blocked)
        self._update_scatter()
        self._update_stats()
        self.axes_changed.emit(x, y)

    def current_xy(self) -> np.ndarray | None:
        """Coordinates shown in the scatter (n x 2 float32), or None."""
        if self.pca is None:
            return None
        return self.pca.xy(*self.axes)

    def _update_scatter(self) -> None:
        if self.pca is None or self.embeddings is None:
            self.scatter.clear()
            return
        x, y = self.axes
        self.scatter.set_points(self.pca.xy(x, y), self.embeddings.labels)
        self.scatter.set_axis_labels(self.pca.axis_label(x), self.pca.axis_label(y))

    def _set_axis_items(self, pca) -> None:
        k = pca.n_components if pca is not None else MAX_COMPONENTS
        x, y = (0, 1) if k > 1 else (0, 0)
        for combo, current in ((self.x_combo, x), (self.y_combo, y)):
            blocked = combo.blockSignals(True)  # the caller redraws once, not per combo change
            combo.clear()
            for i in range(k):
                combo.addItem(pca.axis_label(i) if pca is not None else f"PC{i + 1}", i)
            combo.setCurrentIndex(current)
            combo.setEnabled(pca is not None)
            combo.blockSignals(blocked)
        self.axes = (x, y)

    def _update_title(self) -> None:
        if self.current_path:
            self.setWindowTitle(f"{Path(self.current_path).name} — {APP_TITLE}")
            self.setWindowFilePath(self.current_path)
        else:
            self.setWindowTitle(APP_TITLE)

    def _update_stats(self) -> None:
        emb, pca = self.embeddings, self.pca
        if emb is None or pca is None:
            self._stats_label.setText("No file")
            return
        x, y = self.axes
        ratio = pca.explained_variance_ratio
        shown = 100.0 * float(ratio[x] + (ratio[y] if y != x else 0.0))
        total = 100.0 * float(ratio.sum())
        self._stats_label.setText(
            f"{emb.n:,} points  ·  {emb.dims:,} dims  ·  PC{x + 1}+PC{y + 1}: {shown:.1f} %"
            f"  ·  {pca.n_components} PCs: {total:.1f} % of variance")
        self._stats_label.setToolTip(
            "Explained variance\n" + "\n".join(pca.axis_label(i) for i in range(pca.n_components)))

    def _show_busy(self, busy: bool, message: str = "") -> None:
        self._task_label.setText(message)
        self._task_label.setVisible(busy)
        self.progress_bar.setVisible(busy)
        self.cancel_button.setVisible(busy)
        if busy:
            self.progress_bar.setRange(0, 0)  # indeterminate until the first report
        if self.embeddings is None:  # nothing shown yet: say what is happening in the middle
            name = Path(self._loading_path).name if busy and self._loading_path else ""
            self._empty_page.setText(_LOADING_HTML.format(name=html.escape(name)) if name else _EMPTY_HTML)
        self.open_action.setEnabled(True)  # opening another file replaces the running load

    # --------------------------------------------------------------- slots
    def _on_open_triggered(self) -> None:
        recent = self.recent_files()
        start = str(Path(recent[0]).parent) if recent else str(Path.home())
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open embeddings", start, OPEN_FILTER)
        if path:
            self.open_file(path)

    def _on_recent_triggered(self) -> None:
        action = self.sender()
        path = action.data() if isinstance(action, QtGui.QAction) else None
        if not path:
            return
        if not os.path.exists(path):
            self._forget_recent(path)
            self._show_error(DataError("file not found (removed from recent files)", path))
            return
        self.open_file(path)

    def _on_clear_recent_triggered(self) -> None:
        self.settings.setValue(_KEY_RECENT, [])
        self._rebuild_recent_menu()

    def _on_zoom_fit_triggered(self) -> None:
        self.scatter.zoom_to_fit()

    def _on_axis_combo_changed(self, _index: int) -> None:
        if self.pca is None:
            return
        x, y = self.x_combo.currentIndex(), self.y_combo.currentIndex()
        if x >= 0 and y >= 0:
            self.set_axes(x, y)

    def _on_cancel_clicked(self) -> None:
        self.cancel_load()

    def _on_load_progress(self, fraction: float | None, message: str) -> None:
        if fraction is None:
            self.progress_bar.setRange(0, 0)
        else:
            self.progress_bar.setRange(0, PROGRESS_STEPS)
            self.progress_bar.setValue(int(round(fraction * PROGRESS_STEPS)))
        if message:
            name = Path(self._loading_path).name if self._loading_path else ""
            self._task_label.setText(f"{name}: {message}" if name else message)

    def _on_load_result(self, result: LoadResult) -> None:
        self._show_busy(False)
        self._loading_path = None
        self.embeddings = result.embeddings
        self.pca = result.pca
        self.current_path = result.path
        self._set_axis_items(result.pca)
        self._central.setCurrentWidget(self.scatter)
        self.zoom_fit_action.setEnabled(True)
        self._update_scatter()
        self._update_title()
        self._update_stats()
        self._remember_recent(result.path)
        emb = result.embeddings
        note = f"Loaded {Path(result.path).name} in {result.seconds:.2f} s"
        if emb.duplicates_dropped:
            note += f" ({emb.duplicates_dropped:,} duplicate labels dropped)"
        self.statusBar().showMessage(note)
        self.embeddings_changed.emit(emb)
        self.axes_changed.emit(*self.axes)

    def _on_load_error(self, err: BaseException) -> None:
        self._show_busy(False)
        path, fmt, limit, pickle_allowed = self._load_request
        self._loading_path = None
        # Ask once: if consent was already given and the loader still refuses, it is a plain error.
        if self.interactive and not pickle_allowed and needs_pickle_consent(err):
            if self._confirm_pickle(path):
                self.open_file(path, format=fmt, limit=limit, allow_pickle=True)
                return
            # The user said no: that was the answer, not an error worth a second dialog.
            self.statusBar().showMessage(f"{Path(path).name} not opened: pickle not trusted")
            self.load_failed.emit(err)
            return
        self.statusBar().showMessage(f"Could not open {Path(path).name}")
        self._show_error(err)
        self.load_failed.emit(err)

    def _on_load_task_cancelled(self) -> None:
        # Also called when a newer load supersedes this one; only a real stop is reported.
        if self._replacing_load:
            return
        self._show_busy(False)
        self._loading_path = None
        self.statusBar().showMessage("Loading cancelled")
        self.load_cancelled.emit()

    def _on_about_triggered(self) -> None:
        import pyqtgraph
        from PySide6 import __version__ as pyside_version

        QtWidgets.QMessageBox.about(
            self, f"About {APP_TITLE}",
            f"<h3>{APP_TITLE} {__version__}</h3>"
            "<p>Explore word, item and user embeddings: exact PCA scatter, neighbours, analogies, "
            "recommendations and small models trained live.</p>"
            f"<p style='color:#666'>PySide6 {pyside_version} · Qt {QtCore.qVersion()} · "
            f"pyqtgraph {pyqtgraph.__version__} · numpy {np.__version__}</p>")

    # -------------------------------------------------------------- dialogs
    def _confirm_pickle(self, path: str) -> bool:
        box = QtWidgets.QMessageBox(self)
        box.setIcon(QtWidgets.QMessageBox.Icon.Warning)
        box.setWindowTitle("Load a Python pickle?")
        box.setText(f"“{Path(path).name}” is a Python pickle (gensim .kv/.model).")
        box.setInformativeText("Opening a pickle can run arbitrary code on this computer. "
                               "Only load it if you trust where it came from.")
        load_button = box.addButton("Load Anyway", QtWidgets.QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QtWidgets.QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QtWidgets.QMessageBox.StandardButton.Cancel)
        result = box.exec()
        return box.clickedButton() is load_button or result == QtWidgets.QMessageBox.StandardButton.Yes

    def _show_error(self, err: BaseException) -> None:
        """A dialog naming file, line and reason; never a bare traceback."""
        if not self.interactive:
            return
        box = QtWidgets.QMessageBox(self)
        box.setWindowTitle(f"{APP_TITLE}: cannot open file")
        if isinstance(err, DataError):
            box.setIcon(QtWidgets.QMessageBox.Icon.Warning)
            name = Path(err.path).name if err.path else "the input"
            box.setText(f"Could not open “{name}”.")
            where = err.path or ""
            if err.line is not None:
                where += f", line {err.line}"
            box.setInformativeText(f"{where}:\n{err.reason}" if where else err.reason)
        elif isinstance(err, OSError):
            box.setIcon(QtWidgets.QMessageBox.Icon.Warning)
            box.setText(f"Could not open “{Path(err.filename).name if err.filename else 'the file'}”.")
            box.setInformativeText(f"{err.filename or ''}\n{err.strerror or err}".strip())
        else:
            box.setIcon(QtWidgets.QMessageBox.Icon.Critical)
            box.setText("Something went wrong while opening the file.")
            box.setInformativeText(f"{type(err).__name__}: {err}")
            box.setDetailedText("".join(traceback.format_exception(type(err), err, err.__traceback__)))
        box.exec()

    # -------------------------------------------------------------- events
    def dragEnterEvent(self, event: QtGui.QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if _local_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QtGui.QDragMoveEvent) -> None:  # noqa: N802
        if _local_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QtGui.QDropEvent) -> None:  # noqa: N802
        files = _local_files(event.mimeData())
        if not files:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_file(files[0])  # one set at a time: the first file dropped

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802
        self.shutdown_tasks(CLOSE_TIMEOUT_S)
        self.save_layout()
        super().closeEvent(event)


def _zoom_fit_icon(palette: QtGui.QPalette) -> QtGui.QIcon:
    """Four corner brackets around a few dots (no stock icon says "fit all points")."""
    icon = QtGui.QIcon()
    for side in (16, 24, 32):
        pix = QtGui.QPixmap(side, side)
        pix.fill(QtCore.Qt.GlobalColor.transparent)
        p = QtGui.QPainter(pix)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        s = side / 24.0
        pen = QtGui.QPen(palette.color(QtGui.QPalette.ColorRole.WindowText), 2.0 * s)
        pen.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        a, b, c = 3 * s, 21 * s, 6 * s  # outer edges and bracket length
        for x, dx in ((a, c), (b, -c)):
            for y, dy in ((a, c), (b, -c)):
                p.drawLine(QtCore.QPointF(x, y), QtCore.QPointF(x + dx, y))
                p.drawLine(QtCore.QPointF(x, y), QtCore.QPointF(x, y + dy))
        p.setPen(QtCore.Qt.PenStyle.NoPen)
        p.setBrush(QtGui.QColor(31, 119, 180))
        for cx, cy in ((9, 14), (12, 9), (15, 13), (11, 16)):
            p.drawEllipse(QtCore.QPointF(cx * s, cy * s), 1.6 * s, 1.6 * s)
        p.end()
        icon.addPixmap(pix)
    return icon


def _local_files(mime: QtCore.QMimeData) -> list[str]:
    if mime is None or not mime.hasUrls():
        return []
    return [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and u.toLocalFile()]
