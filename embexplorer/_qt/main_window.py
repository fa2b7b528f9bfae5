"""The main window: open a file, load and project it off the UI thread, explore the PCA scatter.

State lives in plain attributes (:attr:`MainWindow.embeddings`,
:attr:`MainWindow.pca`); panels added with :meth:`MainWindow.add_panel`
subscribe to :attr:`MainWindow.embeddings_changed` and
:attr:`MainWindow.axes_changed`.

The centre is the :class:`~embexplorer._qt.explorer.ExplorerWidget` (colour-by,
legend, search, selection, export); the window's own PC X / Y combos drive it.
Docks: Points (the linked selection table), Neighbours, Analogy, Recommender
(training) and User.  The window draws the panels' results on the scatter as
named overlays (see the ``*_OVERLAY`` constants) and redraws them when the axes
change.  MovieLens ratings open from the Recommender menu; while the model
trains, every epoch's movie vectors are shown as a frame aligned to the one
before (:class:`~embexplorer.core.recommender.mf.MovieFrames`), and the finished model's
movie vectors become the current set.
"""

from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer import __version__
from embexplorer._qt.demos import FRAME_AXES, TRUE_GENRE_COLUMN, GenresDemo
from embexplorer._qt.download_sources import install_download_sources
from embexplorer._qt.explorer import ExplorerWidget
from embexplorer._qt.lecture import install_lecture
from embexplorer._qt.memory_guard import offer_limit
from embexplorer._qt.panels.analogy import AnalogyPanel
from embexplorer._qt.panels.mf_training import MFTrainingPanel
from embexplorer._qt.panels.mf_user import MFUserPanel
from embexplorer._qt.panels.neighbours import NeighboursPanel
from embexplorer._qt.panels.w2v_training import W2VTrainingPanel, WordFrames
from embexplorer._qt.presentation import install_presentation
from embexplorer._qt.ratings_csv_dialog import ask_ratings_columns
from embexplorer._qt.session import install_sessions, is_session_file
from embexplorer._qt.start_page import DEMOS, MOVIELENS_FORMAT, DatasetDownloader, StartPage
from embexplorer._qt.workers import TaskRunner, WorkerControl
from embexplorer.core.data.embeddings import EmbeddingSet
from embexplorer.core.data.memory import MemoryLimitError
from embexplorer.core.errors import DataError
from embexplorer.core.recommender.movielens import NeedsColumnMapping

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
STATE_VERSION = 2
#: Task kind of reading MovieLens ratings in the :class:`TaskRunner`.
MOVIELENS_TASK = "movielens"
#: Movies shown while training and after it: the most-rated ones (fastai plots 1,000).
MOVIE_TOP_N = 1000
#: Overlay names on the scatter (one per thing drawn, so each can be replaced alone).
NEIGHBOURS_OVERLAY = "neighbours"
QUERY_OVERLAY = "neighbours-query"
ANALOGY_OVERLAY = "analogy"
ANALOGY_SIDES_OVERLAY = "analogy-sides"
ANALOGY_EXPECTED_OVERLAY = "analogy-expected"
USER_RATED_OVERLAY = "user-rated-{}"
USER_RECOMMENDED_OVERLAY = "user-recommended"
USER_VECTOR_OVERLAY = "user-vector"
#: Overlay colours (RGB): neighbours, their query, the analogy, its expected point, recommendations.
NEIGHBOUR_COLOR = (44, 160, 44)
QUERY_COLOR = (214, 39, 40)
ANALOGY_COLOR = (230, 120, 0)
EXPECTED_COLOR = (128, 60, 170)
RECOMMENDED_COLOR = (148, 0, 211)
USER_VECTOR_COLOR = (20, 20, 20)
#: Rated movies coloured by their rating, 1 (red) to 5 (green) stars (ratings are rounded, clipped).
RATING_COLORS = {1: (215, 48, 39), 2: (252, 141, 89), 3: (230, 200, 40), 4: (145, 207, 96), 5: (26, 152, 80)}
#: Padding around highlighted points when the view zooms to them (share of their extent), and the
#: smallest extent zoomed to (share of the whole set's), so a tight cluster is not blown up absurdly.
RESULT_ZOOM_PADDING = 0.35
RESULT_ZOOM_MIN_SHARE = 0.08
#: Default width of the right-hand docks (pixels).
RIGHT_DOCK_WIDTH = 430
#: Height the Points dock keeps when a tall panel below it is shown (pixels).
POINTS_DOCK_MIN_HEIGHT = 140
#: Room a dock takes around its panel (frame and margins), in pixels.
DOCK_FRAME_PX = 12
#: Delay (ms) before the User panel takes a freshly trained model: the new scatter paints first.
USER_PANEL_DELAY_MS = 30
#: Length of the drawn user-vector arrow as a share of the smaller half-extent of the points.
USER_ARROW_SHARE = 0.9
#: Dock titles (also their names for ``--dock``) and object names (keys of the saved layout).
DOCK_NAMES = {"points": ("Points", "pointsDock"), "neighbours": ("Neighbours", "neighboursDock"),
              "analogy": ("Analogy", "analogyDock"), "recommender": ("Recommender", "recommenderDock"),
              "user": ("User", "userDock"), "word2vec": ("Word2vec", "word2vecDock")}
#: File-dialog filter of the formats we read.
OPEN_FILTER = ("Embeddings (*.txt *.vec *.bin *.tsv *.npy *.npz *.gz *.bz2 *.kv *.model *.parquet);;"
               "All files (*)")
#: File-dialog filter of MovieLens archives.
MOVIELENS_FILTER = "MovieLens archive (*.zip);;Ratings table (*.csv *.tsv *.txt *.dat);;All files (*)"
#: Words in a DataError reason that mean "this is a pickle; ask the user first" (the loaders'
#: refusal tells the user about --allow-pickle).
PICKLE_CONSENT_MARKERS = ("--allow-pickle", "allow_pickle=true")

#: Task kind of projecting a finished model's vectors (PCA off the UI thread).
PROJECT_TASK = "project-trained"
#: Sources of live training frames (only the one the user started last draws on the scatter).
GENRES_SOURCE, W2V_SOURCE, MF_SOURCE = "genres", "w2v", "mf"
#: What a live frame's points are, for the status bar.
FRAME_UNITS = {GENRES_SOURCE: ("movies", "factors"), W2V_SOURCE: ("words", "dims"),
               MF_SOURCE: ("movies", "factors")}
#: Axis titles of the recommender's live frames (aligned PCA of the movie factors).
MF_FRAME_AXES = ("movie factors: PC1 (aligned)", "PC2 (aligned)")
#: Longest point label shown in the right-click menu (characters).
CONTEXT_LABEL_CHARS = 40
#: Title of the demo's finished set.
GENRES_TITLE = "Genres, learned (synthetic ratings)"
#: The wiki demo ends on the neighbours of the first of these in its vocabulary (months gather).
WIKI_SHOWCASE_WORDS = ("july", "monday", "australia", "two")

_KEY_GEOMETRY = "window/geometry"
_KEY_STATE = "window/state"
_KEY_RECENT = "recent_files"


@dataclass
class LoadResult:
    """What a load task hands back to the UI thread."""

    path: str
    embeddings: EmbeddingSet
    pca: object  # embexplorer.core.analysis.pca.PCAResult
    seconds: float


def load_and_project(path: str, control: WorkerControl, format: str | None = None,
                     limit: int | None = None, allow_pickle: bool = False) -> LoadResult:
    """Load ``path`` and fit PCA on it (runs on a worker thread; touches no widget)."""
    from embexplorer.core.analysis.pca import fit_pca
    from embexplorer.core.data.formats import load

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
    explorer : ExplorerWidget
        The centre: scatter, colour-by, legend, search, export.
    scatter : ScatterView
        The plot (``explorer.scatter``).
    selection : SelectionModel
        The selection shared by the plot, the Points table and the panels.
    neighbours_panel, analogy_panel, training_panel, user_panel, w2v_panel
        The panels in the docks of the same names (``docks`` maps the ``--dock`` names to them).
    start_page : StartPage
        Shown while nothing is open (and from View › Start Page): recent files, datasets, demos.
    downloader : DatasetDownloader
        Runs the start page's verified downloads.
    genres_demo : GenresDemo
        The offline "Genres, learned" demo (a live preview on the start page, or on the plot).
    ratings : Ratings or None
        MovieLens ratings opened for training.
    mf_model : MFModel or None
        The last trained model (its movies are the current set until another file is opened).

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
    ratings_loaded(object)
        MovieLens ratings were read (the Recommender dock can train on them).
    ratings_failed(object)
        Reading ratings failed (the exception).
    training_frame(int)
        The scatter shows the frame of this (1-based) training epoch (MF, word2vec or a demo).
    trained_shown(object)
        A demo's or word2vec's finished vectors are the current set (projected; the EmbeddingSet).
    """

    embeddings_changed = QtCore.Signal(object)
    axes_changed = QtCore.Signal(int, int)
    load_failed = QtCore.Signal(object)
    load_cancelled = QtCore.Signal()
    ratings_loaded = QtCore.Signal(object)
    ratings_failed = QtCore.Signal(object)
    training_frame = QtCore.Signal(int)
    trained_shown = QtCore.Signal(object)

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
        self.ratings = None
        self.mf_model = None
        self._frames = None            # MovieFrames of the training in progress
        self._frame_epoch = 0          # epoch of the frame shown (0: none)
        self._mf_rows: np.ndarray | None = None  # model item index -> row of the current set (-1: not shown)
        self._nb_vector: tuple[np.ndarray, str] | None = None  # last vector sent to the neighbours panel
        self._nb_rows = np.zeros(0, dtype=np.int64)
        self._analogy: dict | None = None
        self._user_highlight: dict | None = None
        self._set_title = ""
        self._live_source: str | None = None   # whose training frames the scatter shows
        self._frame_source: str | None = None  # whose frame is on screen now
        self._genres_last = None               # last "Genres, learned" frame (emb, xy, probe, epoch)
        self._train_after_ratings = False      # a one-click MovieLens download trains at once
        self._docks_put_away: list[QtWidgets.QDockWidget] = []  # hidden while the start page shows
        self._wiki_demo = False                # the running word2vec training is the wiki demo
        self._context_menu: QtWidgets.QMenu | None = None  # the plot's right-click menu, while open
        self._ratings_path: str | None = None  # ratings being read (a file may load at the same time)

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
        self._build_docks()
        self._update_title()
        self._update_stats()
        self._set_axis_items(None)
        self.zoom_fit_action.setEnabled(False)
        self._show_central(self.start_page)  # puts the docks away, checks View › Start Page
        install_sessions(self)        # self.sessions: File › Sessions, Bookmarks dock, PgUp/PgDn tour
        install_presentation(self)    # self.presentation: F11, F12 slides
        install_lecture(self)         # self.lecture: Lecture menu, caption banner, Lecture dock
        install_download_sources(self)  # Edit › Download Sources…: mirrors, from the settings

        geometry = self.settings.value(_KEY_GEOMETRY)
        if isinstance(geometry, QtCore.QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)

    # ------------------------------------------------------------ building
    def _build_central(self) -> None:
        self.explorer = ExplorerWidget(self)
        self.scatter = self.explorer.scatter
        self.selection = self.explorer.selection
        # Ctrl+F, Ctrl+E, Esc work anywhere in the window, not only with the plot focused.
        self.explorer.set_shortcut_context(QtCore.Qt.ShortcutContext.WindowShortcut)
        # The window's Zoom to Fit (toolbar, Ctrl+0, Home) is the one fit action: no duplicate button.
        self.explorer.fit_action.setShortcut(QtGui.QKeySequence())
        self.explorer.fit_action.setVisible(False)
        self.explorer.search.message.connect(self._on_explorer_message)
        self.explorer.focus_changed.connect(self._on_focus_changed)
        self.selection.changed.connect(self._update_stats)
        self.scatter.point_clicked.connect(self._on_point_clicked)
        # Right click: what can be done with the point under the cursor (pyqtgraph's own menu is off).
        self.scatter.context_menu_requested.connect(self._on_plot_context_menu_requested)
        # With nothing open the window shows the start page: recent files, datasets, demos.
        self.start_page = StartPage(self.recent_files(), self)
        self.start_page.open_requested.connect(self._open_recent)
        self.start_page.open_dialog_requested.connect(self._on_open_triggered)
        self.start_page.demo_requested.connect(self.run_demo)
        self.downloader = DatasetDownloader(self.runner, self)
        self.downloader.attach(self.start_page)  # cards start/cancel downloads and show their progress
        self.downloader.downloaded.connect(self._on_dataset_downloaded)
        self.downloader.failed.connect(self._on_download_failed)
        self.downloader.progress.connect(self._on_download_progress)
        self.genres_demo = GenresDemo(self.runner, self)
        self.genres_demo.frame_ready.connect(self._on_genres_frame)
        self.genres_demo.finished.connect(self._on_genres_finished)
        self.genres_demo.failed.connect(self._on_demo_failed)
        self._central = QtWidgets.QStackedWidget(self)
        self._central.addWidget(self.start_page)
        self._central.addWidget(self.explorer)
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

        self.find_neighbours_action = A("Find &Neighbours", self)
        self.find_neighbours_action.setShortcut(QtGui.QKeySequence("Ctrl+Shift+N"))
        self.find_neighbours_action.setStatusTip("Nearest neighbours of the searched or selected point")
        self.find_neighbours_action.triggered.connect(self._on_find_neighbours_triggered)

        self.open_movielens_folder_action = A("Open MovieLens &Folder…", self)
        self.open_movielens_folder_action.setStatusTip(
            "Read ratings from a MovieLens folder (ml-100k, ml-1m, ml-latest-small, …)")
        self.open_movielens_folder_action.triggered.connect(self._on_open_movielens_folder_triggered)
        self.open_movielens_zip_action = A("Open MovieLens &Zip or CSV…", self)
        self.open_movielens_zip_action.setStatusTip("Read ratings from a MovieLens zip (as downloaded) or "
                                                    "a ratings CSV")
        self.open_movielens_zip_action.triggered.connect(self._on_open_movielens_zip_triggered)
        self.train_action = A("&Start Training", self)
        self.train_action.setStatusTip("Train the matrix-factorisation model with the Recommender dock's "
                                       "settings")
        self.train_action.triggered.connect(self._on_train_triggered)
        self.stop_training_action = A("S&top Training", self)
        self.stop_training_action.setStatusTip("Stop after the current batch, keeping the last epoch")
        self.stop_training_action.triggered.connect(self._on_stop_training_triggered)

        self.start_page_action = A("&Start Page", self)
        self.start_page_action.setShortcut(QtGui.QKeySequence("Ctrl+Shift+H"))
        self.start_page_action.setCheckable(True)
        self.start_page_action.setStatusTip("Recent files, one-click datasets and demos")
        self.start_page_action.toggled.connect(self._on_start_page_toggled)
        self.demo_actions: dict[str, QtGui.QAction] = {}
        for name, (title, _caption) in DEMOS.items():
            action = A(f"Demo: {title}", self)
            action.setStatusTip(f"Run the offline demo “{title}” (embexplorer --demo {name})")
            action.triggered.connect(lambda _=False, n=name: self.run_demo(n))
            self.demo_actions[name] = action
        self.train_w2v_action = A("Train &Word2vec…", self)
        self.train_w2v_action.setStatusTip("Train word vectors on a text corpus (Word2vec dock)")
        self.train_w2v_action.triggered.connect(lambda: self.show_dock("word2vec"))

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
        for a in self.demo_actions.values():
            self.file_menu.addAction(a)
        self.file_menu.addAction(self.train_w2v_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.explorer.export_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)
        self._rebuild_recent_menu()

        ex = self.explorer
        self.edit_menu = bar.addMenu("&Edit")
        for a in (ex.find_action, ex.select_all_action, ex.clear_selection_action):
            self.edit_menu.addAction(a)
        self.edit_menu.addSeparator()
        self.edit_menu.addAction(self.find_neighbours_action)
        self.zoom_results_action = QtGui.QAction("Zoom to &Results", self)
        self.zoom_results_action.setShortcut(QtGui.QKeySequence("Ctrl+Shift+0"))
        self.zoom_results_action.setStatusTip("Show the neighbours / analogy points up close")
        self.zoom_results_action.triggered.connect(lambda: self.zoom_to_results())

        self.view_menu = bar.addMenu("&View")
        self.view_menu.addAction(self.start_page_action)
        self.view_menu.addAction(self.zoom_fit_action)
        self.view_menu.addAction(self.zoom_results_action)
        for a in (ex.labels_action, ex.aspect_action, ex.dark_action):
            self.view_menu.addAction(a)
        self.view_menu.addSeparator()
        self._panels_separator = self.view_menu.addSection("Panels")

        self.recommender_menu = bar.addMenu("&Recommender")
        self.recommender_menu.addAction(self.open_movielens_folder_action)
        self.recommender_menu.addAction(self.open_movielens_zip_action)
        self.recommender_menu.addSeparator()
        self.recommender_menu.addAction(self.train_action)
        self.recommender_menu.addAction(self.stop_training_action)
        self.recommender_menu.aboutToShow.connect(self._update_training_actions)

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

    def _build_docks(self) -> None:
        Area = QtCore.Qt.DockWidgetArea
        self.docks: dict[str, QtWidgets.QDockWidget] = {}

        def dock(key: str, widget: QtWidgets.QWidget, area, visible: bool = True,
                 scroll: bool = True) -> QtWidgets.QDockWidget:
            title, name = DOCK_NAMES[key]
            d = QtWidgets.QDockWidget(title, self)
            d.setObjectName(name)
            if scroll:
                # Panels with many controls scroll rather than force a wide, tall window.
                scroller = QtWidgets.QScrollArea()
                scroller.setWidgetResizable(True)
                scroller.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
                scroller.setWidget(widget)
                d.setWidget(scroller)
            else:
                d.setWidget(widget)
            self.add_panel(d, area)
            d.setVisible(visible)
            self.docks[key] = d
            return d

        # The explorer's linked table moves into its own dock (the legend stays beside the plot).
        dock("points", self.explorer.table, Area.RightDockWidgetArea, scroll=False)
        self.neighbours_panel = NeighboursPanel()
        self.analogy_panel = AnalogyPanel()
        # Both training docks project each epoch's frame on their worker (live_frames).
        self.training_panel = MFTrainingPanel(live_frames=True, frame_top_n=MOVIE_TOP_N)
        self.user_panel = MFUserPanel()
        self.w2v_panel = W2VTrainingPanel(self.runner, live_frames=True)
        self.w2v_frames = WordFrames()  # holds the frame last drawn (``previous``): the finished set's signs
        dock("neighbours", self.neighbours_panel, Area.RightDockWidgetArea)
        dock("analogy", self.analogy_panel, Area.RightDockWidgetArea)
        self.tabifyDockWidget(self.docks["neighbours"], self.docks["analogy"])
        self.docks["neighbours"].raise_()
        # All analysis panels share one tab group on the right: the plot keeps its width.
        dock("recommender", self.training_panel, Area.RightDockWidgetArea, visible=False)
        dock("user", self.user_panel, Area.RightDockWidgetArea, visible=False)
        self.tabifyDockWidget(self.docks["analogy"], self.docks["recommender"])
        self.tabifyDockWidget(self.docks["recommender"], self.docks["user"])
        dock("word2vec", self.w2v_panel, Area.RightDockWidgetArea, visible=False)
        self.tabifyDockWidget(self.docks["user"], self.docks["word2vec"])
        self.resizeDocks([self.docks["points"], self.docks["neighbours"]], [260, 420],
                         QtCore.Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["points"]], [RIGHT_DOCK_WIDTH], QtCore.Qt.Orientation.Horizontal)

        self.explorer.dark_action.toggled.connect(self._on_dark_toggled)
        self.embeddings_changed.connect(self.neighbours_panel.set_embeddings)
        self.embeddings_changed.connect(self.analogy_panel.set_embeddings)
        self.neighbours_panel.rows_highlighted.connect(self._on_neighbour_rows)
        self.neighbours_panel.row_activated.connect(self._on_result_row_activated)
        self.analogy_panel.parallelogram_requested.connect(self._on_parallelogram_requested)
        self.analogy_panel.vector_requested.connect(self._on_vector_requested)
        self.analogy_panel.row_activated.connect(self._on_result_row_activated)
        self.training_panel.frame_ready.connect(self._on_epoch_finished)
        self.training_panel.training_finished.connect(self._on_training_finished)
        self.user_panel.highlight_changed.connect(self._on_user_highlight)
        self.user_panel.movie_activated.connect(self._on_user_movie_activated)
        self.w2v_panel.training_started.connect(self._on_w2v_started)
        self.w2v_panel.frame_ready.connect(self._on_w2v_epoch)
        self.w2v_panel.training_finished.connect(self._on_w2v_finished)
        self.w2v_panel.download_requested.connect(self.download_dataset)

    def _on_dark_toggled(self, on: bool) -> None:
        # The explorer darkens itself; the rest of the window follows so it reads as one.
        palette = self.explorer.palette() if on else QtWidgets.QApplication.palette()
        self.setPalette(palette)
        for d in self.docks.values():
            d.setAutoFillBackground(on)

    def dock(self, name: str) -> QtWidgets.QDockWidget:
        """The dock called ``name`` (``points``, ``neighbours``, ``analogy``, ``recommender``, ``user``;
        any case, or its title); raises KeyError."""
        key = name.strip().lower()
        for k, d in self.docks.items():
            if key in (k, d.windowTitle().lower()):
                return d
        raise KeyError(name)

    def show_dock(self, name: str) -> QtWidgets.QDockWidget:
        """Show the dock ``name`` and bring it to the front of its tab group."""
        d = self.dock(name)
        d.show()
        d.raise_()
        # Wide enough for the panel without a horizontal scroll bar (the analogy panel is wide).
        inner = d.widget().widget() if isinstance(d.widget(), QtWidgets.QScrollArea) else d.widget()
        need = inner.minimumSizeHint().width() + DOCK_FRAME_PX
        if d.width() < need and not d.isFloating():
            self.resizeDocks([d], [need], QtCore.Qt.Orientation.Horizontal)
        # ... and tall enough, taken from the Points table above it (the trainer's curves are at the bottom).
        points = self.docks.get("points")
        tall = inner.minimumSizeHint().height() + DOCK_FRAME_PX
        if (d is not points and points is not None and points.isVisible() and not d.isFloating()
                and d.height() < tall and self.dockWidgetArea(d) == self.dockWidgetArea(points)):
            total = d.height() + points.height()
            keep = max(POINTS_DOCK_MIN_HEIGHT, total - tall)
            self.resizeDocks([points, d], [keep, total - keep], QtCore.Qt.Orientation.Vertical)
        return d

    def highlighted_rows(self) -> np.ndarray:
        """Rows marked by overlays (neighbours, analogy, user), unique."""
        rows = [self._nb_rows]
        if self._analogy is not None:
            rows.append(np.array([r for r in self._analogy["rows"] if r is not None], dtype=np.int64))
        return np.unique(np.concatenate(rows)) if rows else np.zeros(0, np.int64)

    def zoom_to_results(self, only_if_hidden: bool = False) -> bool:
        """Zoom to the neighbours / analogy points (and the analogy's expected point).

        With ``only_if_hidden`` the view changes only when one of them is out of view.
        Returns True if the view changed.
        """
        rows = self.highlighted_rows()
        rows = rows[(rows >= 0) & (rows < self.scatter.n)]
        if not len(rows):
            return False
        xy = self.scatter.xy
        pts = [xy[rows].astype(np.float64)]
        if self._analogy is not None:
            expected = self._project(self._analogy["expected"])
            if expected is not None:
                pts.append(expected)
        p = np.concatenate(pts)
        p = p[np.isfinite(p).all(axis=1)]
        if not len(p):
            return False
        (vx0, vx1), (vy0, vy1) = self.scatter.view_box.viewRange()
        in_view = (p[:, 0] >= vx0) & (p[:, 0] <= vx1) & (p[:, 1] >= vy0) & (p[:, 1] <= vy1)
        if only_if_hidden and in_view.all():
            return False
        finite = xy[np.isfinite(xy).all(axis=1)]
        full = np.ptp(finite, axis=0) if len(finite) else np.ones(2)
        lo, hi = p.min(axis=0), p.max(axis=0)
        span = np.maximum(hi - lo, RESULT_ZOOM_MIN_SHARE * full)
        mid = (lo + hi) / 2
        half = span * (0.5 + RESULT_ZOOM_PADDING)
        self.scatter.view_box.setRange(xRange=(mid[0] - half[0], mid[0] + half[0]),
                                       yRange=(mid[1] - half[1], mid[1] + half[1]), padding=0)
        return True

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
            self._docks_put_away = []
            restored = bool(self.restoreState(state, STATE_VERSION))
            if self._central.currentWidget() is self.start_page:
                self._put_docks_away()
            return restored
        return False

    def save_layout(self) -> None:
        """Remember window geometry and dock layout."""
        self.settings.setValue(_KEY_GEOMETRY, self.saveGeometry())
        # The panels the start page put away are part of the user's layout: save them as shown.
        away = list(self._docks_put_away)
        for d in away:
            d.setVisible(True)
        self.settings.setValue(_KEY_STATE, self.saveState(STATE_VERSION))
        for d in away:
            d.setVisible(False)
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
        self.runner.cancel(PROJECT_TASK)  # a trained set still being projected must not replace this file
        self._live_source = None          # nor may a training still running take the scatter back
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
        if hasattr(self, "start_page"):
            self.start_page.set_recent_files(files)

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
        self._redraw_overlays()
        self.axes_changed.emit(x, y)

    def current_xy(self) -> np.ndarray | None:
        """Coordinates shown in the scatter (n x 2 float32), or None."""
        if self.pca is None:
            return None
        return self.pca.xy(*self.axes)

    def _update_scatter(self, keep_view: bool = False) -> None:
        if self.pca is None or self.embeddings is None:
            self.scatter.clear()
            return
        x, y = self.axes
        self._resize_selection(self.embeddings.n)
        self.explorer.set_data(self.embeddings, self.pca.xy(x, y), self.pca.axis_label(x),
                               self.pca.axis_label(y), keep_view=keep_view)

    def _resize_selection(self, n: int) -> None:
        """Size the shared selection for a set of ``n`` rows before the explorer shows it.

        Works around SelectionModel.set_size keeping its cached mask (old length) when the
        selection was already empty: the table then indexes past the mask and Qt crashes.
        """
        sel = self.selection
        if sel.size != n:
            sel.set_size(n)
            sel._mask = None

    def finish_setup(self) -> None:
        """Finish the explorer's deferred set-up and lay the labels out now (tests, ``--screenshot``)."""
        self.explorer.finish_setup()
        self.scatter.relayout_labels()

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
        if self.current_path is None and self.embeddings is not None and self._set_title:
            self.setWindowTitle(f"{self._set_title} — {APP_TITLE}")
        elif self.current_path:
            self.setWindowTitle(f"{Path(self.current_path).name} — {APP_TITLE}")
            self.setWindowFilePath(self.current_path)
        else:
            self.setWindowTitle(APP_TITLE)

    def _update_stats(self) -> None:
        emb, pca = self.embeddings, self.pca
        if emb is None:
            self._stats_label.setText("No file")
            return
        selected = self.selection.count
        sel = f"  ·  {selected:,} selected" if selected else ""
        if pca is None:  # a live training frame
            points, dims = FRAME_UNITS.get(self._frame_source or MF_SOURCE, FRAME_UNITS[MF_SOURCE])
            self._stats_label.setText(f"{emb.n:,} {points}  ·  {emb.dims:,} {dims}  ·  "
                                      f"training epoch {self._frame_epoch}{sel}")
            self._stats_label.setToolTip("")
            return
        x, y = self.axes
        ratio = pca.explained_variance_ratio
        shown = 100.0 * float(ratio[x] + (ratio[y] if y != x else 0.0))
        total = 100.0 * float(ratio.sum())
        self._stats_label.setText(
            f"{emb.n:,} points  ·  {emb.dims:,} dims  ·  PC{x + 1}+PC{y + 1}: {shown:.1f} %"
            f"  ·  {pca.n_components} PCs: {total:.1f} % of variance{sel}")
        self._stats_label.setToolTip(
            "Explained variance\n" + "\n".join(pca.axis_label(i) for i in range(pca.n_components)))

    def _show_busy(self, busy: bool, message: str = "") -> None:
        self._task_label.setText(message)
        self._task_label.setVisible(busy)
        self.progress_bar.setVisible(busy)
        self.cancel_button.setVisible(busy)
        if busy:
            self.progress_bar.setRange(0, 0)  # indeterminate until the first report
        # The start page says what is happening in the middle of the window, too.
        name = Path(self._loading_path).name if busy and self._loading_path else ""
        self.start_page.show_message(f"{message or 'Loading ' + name + '…'}  Cancel stops it."
                                     if name else None)
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
        if path:
            self._open_recent(path)

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
        if self.runner.cancel(MOVIELENS_TASK):
            self._show_busy(False)
            self.statusBar().showMessage("Reading ratings cancelled")

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
        self._forget_model()
        self.set_embeddings(result.embeddings, result.pca, result.path)
        self._remember_recent(result.path)
        emb = result.embeddings
        note = f"Loaded {Path(result.path).name} in {result.seconds:.2f} s"
        if emb.duplicates_dropped:
            note += f" ({emb.duplicates_dropped:,} duplicate labels dropped)"
        self.statusBar().showMessage(note)

    def set_embeddings(self, emb: EmbeddingSet, pca, path: str | None = None, title: str = "") -> None:
        """Make ``emb`` (projected by ``pca``) the current set: scatter, docks, title, status.

        Emits :attr:`embeddings_changed` and :attr:`axes_changed`.  Loads end here;
        so does a trained model's movie set.
        """
        self.embeddings = emb
        self.pca = pca
        self.current_path = path
        self._set_title = title
        self._frames = None
        self._frame_epoch = 0
        self._live_source = self._frame_source = None  # a running training no longer moves the points
        self._forget_view_state()
        self._set_axis_items(pca)
        self._show_central(self.explorer)
        self.zoom_fit_action.setEnabled(True)
        self._update_scatter()
        self._update_title()
        self._update_stats()
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
        if self.interactive and isinstance(err, MemoryLimitError):
            rows = offer_limit(self, err)
            if rows is not None:
                self.open_file(path, format=fmt, limit=rows, allow_pickle=pickle_allowed)
                return
            self.statusBar().showMessage(f"{Path(path).name} not opened: too large for the memory available")
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

    # ------------------------------------------------------------ overlays
    def _forget_view_state(self) -> None:
        """A different set is coming: rows of the old one mean nothing (same size or not)."""
        self._clear_overlays()
        self.selection.clear()
        self.scatter.set_focus_row(-1, center=False)

    def _clear_overlays(self) -> None:
        self._nb_rows = np.zeros(0, dtype=np.int64)
        self._nb_vector = None
        self._analogy = None
        self._user_highlight = None
        self.scatter.clear_overlays()

    def _redraw_overlays(self) -> None:
        """Overlays placed by coordinates (not rows) follow the axes: draw them again."""
        self._draw_neighbours()
        self._draw_analogy()
        self._draw_user()

    def _project(self, vectors: np.ndarray) -> np.ndarray | None:
        """Raw vectors (m x d) in the scatter's current plane, or None when there is no PCA."""
        if self.pca is None or self.embeddings is None:
            return None
        v = np.asarray(vectors, dtype=np.float32).reshape(-1, self.embeddings.dims)
        return self.pca.transform(v)[:, list(self.axes)].astype(np.float64)

    def _on_neighbour_rows(self, rows) -> None:
        self._nb_rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        self._draw_neighbours()
        self.zoom_to_results(only_if_hidden=True)

    def _draw_neighbours(self) -> None:
        sc = self.scatter
        rows = self._nb_rows
        if not len(rows) or self.embeddings is None:
            sc.remove_overlay(NEIGHBOURS_OVERLAY)
            sc.remove_overlay(QUERY_OVERLAY)
            return
        query = self.neighbours_panel.current_row
        if query is not None:
            neighbours = rows[1:] if len(rows) and rows[0] == query else rows
            lines = np.column_stack([np.full(len(neighbours), query, dtype=np.int64), neighbours])
            sc.set_overlay(NEIGHBOURS_OVERLAY, neighbours, color=NEIGHBOUR_COLOR, size=9, lines=lines,
                           width=1.0, z=20)
            sc.set_overlay(QUERY_OVERLAY, [query], color=QUERY_COLOR, size=18, symbol="star", z=22)
            return
        # A vector query (from the analogy panel): mark where the vector falls, if it can be projected.
        sc.remove_overlay(QUERY_OVERLAY)
        qxy = self._project(self._nb_vector[0]) if self._nb_vector is not None else None
        if qxy is None:
            sc.set_overlay(NEIGHBOURS_OVERLAY, rows, color=NEIGHBOUR_COLOR, size=9, z=20)
            return
        xy = self.scatter.xy[rows].astype(np.float64)
        segments = np.stack([np.repeat(qxy, len(rows), axis=0), xy], axis=1)
        sc.set_overlay(NEIGHBOURS_OVERLAY, rows, color=NEIGHBOUR_COLOR, size=9, lines=segments, width=1.0,
                       z=20)
        sc.set_overlay(QUERY_OVERLAY, xy=qxy, labels=[self._nb_vector[1]], color=QUERY_COLOR, size=15,
                       symbol="star", z=22)

    def _on_vector_requested(self, vector, description: str) -> None:
        self._nb_vector = (np.asarray(vector, dtype=np.float32), description)
        self.show_dock("neighbours")
        self.neighbours_panel.query_vector(vector, description)

    def _on_result_row_activated(self, row: int) -> None:
        if 0 <= row < self.selection.size:
            self.selection.replace([row])

    def _on_parallelogram_requested(self, request: dict) -> None:
        self._analogy = request
        self._draw_analogy()
        self.zoom_to_results(only_if_hidden=True)

    def _draw_analogy(self) -> None:
        sc = self.scatter
        req = self._analogy
        if req is None or self.embeddings is None:
            for name in (ANALOGY_OVERLAY, ANALOGY_SIDES_OVERLAY, ANALOGY_EXPECTED_OVERLAY):
                sc.remove_overlay(name)
            return
        a, b, c, answer = req["rows"]
        pts = [a, b, c] + ([answer] if answer is not None else [])
        arrows = [[a, b]] + ([[c, answer]] if answer is not None else [])
        # a -> b and c -> answer as arrows; a -- c and b -- answer close the parallelogram.
        sides = [[a, c]] + ([[b, answer]] if answer is not None else [])
        sc.set_overlay(ANALOGY_OVERLAY, pts, color=ANALOGY_COLOR, size=11,
                       arrows=np.asarray(arrows, dtype=np.int64), width=2.0, z=24)
        sc.set_overlay(ANALOGY_SIDES_OVERLAY, labels=False, color=ANALOGY_COLOR,
                       lines=np.asarray(sides, dtype=np.int64), width=0.8, z=23)
        expected = self._project(req["expected"])
        if expected is None:
            sc.remove_overlay(ANALOGY_EXPECTED_OVERLAY)
            return
        cxy = self.scatter.xy[c].astype(np.float64)
        labels = req.get("labels") or ("a", "b", "c", None)
        text = f"{labels[2]} + ({labels[1]} − {labels[0]})"
        sc.set_overlay(ANALOGY_EXPECTED_OVERLAY, xy=expected, labels=[text], color=EXPECTED_COLOR, size=16,
                       symbol="x", lines=np.stack([cxy, expected[0]])[None], width=1.2, z=25)

    def _on_point_clicked(self, row: int) -> None:
        # A click is a neighbour query while the Neighbours dock is on screen.
        dock = self.docks.get("neighbours")
        if dock is not None and dock.isVisible() and not dock.visibleRegion().isEmpty():
            self.neighbours_panel.query_row(row)

    def plot_context_menu(self, pos: QtCore.QPoint) -> QtWidgets.QMenu:
        """The right-click menu for widget position ``pos`` of the plot: actions on the point there
        (neighbours, selection, analogy slots, copy) and on the view."""
        menu = QtWidgets.QMenu(self)
        row = -1
        if self.embeddings is not None and self.scatter.n:
            scene = self.scatter.plot_widget.mapToScene(pos)
            point = self.scatter.view_box.mapSceneToView(scene)
            row = self.scatter.row_at(point.x(), point.y())
        if row >= 0:
            label = self.embeddings.labels[row]
            short = label if len(label) <= CONTEXT_LABEL_CHARS else label[:CONTEXT_LABEL_CHARS - 1] + "…"
            menu.addSection(short)
            menu.addAction(f"Find &Neighbours of “{short}”", lambda: self._find_neighbours_of(row))
            menu.addAction("&Select", lambda: self.selection.replace([row]))
            if row in set(self.selection.rows.tolist()):
                menu.addAction("&Remove from Selection", lambda: self.selection.remove([row]))
            else:
                menu.addAction("&Add to Selection", lambda: self.selection.add([row]))
            analogy = menu.addMenu("Use in &Analogy")
            for slot, edit in (("a", self.analogy_panel.a_edit), ("b", self.analogy_panel.b_edit),
                               ("c", self.analogy_panel.c_edit)):
                analogy.addAction(f"as {slot}", lambda e=edit: self._use_in_analogy(e, label))
            menu.addAction("&Copy Label", lambda: QtWidgets.QApplication.clipboard().setText(label))
            menu.addSeparator()
        for a in (self.zoom_fit_action, self.zoom_results_action, self.explorer.labels_action,
                  self.explorer.export_action):
            menu.addAction(a)
        menu.setProperty("row", row)
        return menu

    def _on_plot_context_menu_requested(self, pos: QtCore.QPoint) -> None:
        # popup, not exec: no nested event loop (a worker's result can land while the menu is open).
        menu = self.plot_context_menu(pos)
        menu.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.scatter.plot_widget.mapToGlobal(pos))
        self._context_menu = menu

    def _find_neighbours_of(self, row: int) -> None:
        self.show_dock("neighbours")
        self.neighbours_panel.query_row(row)

    def _use_in_analogy(self, edit: QtWidgets.QLineEdit, label: str) -> None:
        self.show_dock("analogy")
        edit.setText(label)

    def _on_find_neighbours_triggered(self) -> None:
        row = self.scatter.focus_row
        if row < 0 and self.selection.count:
            row = int(self.selection.rows[0])
        if row < 0 or self.embeddings is None:
            self.statusBar().showMessage("Search or select a point first", 4000)
            return
        self._find_neighbours_of(row)

    def _on_explorer_message(self, text: str) -> None:
        if text:
            self.statusBar().showMessage(text, 5000)

    def _on_focus_changed(self, row: int) -> None:
        if row >= 0 and self.embeddings is not None and row < self.embeddings.n:
            self.statusBar().showMessage(self.embeddings.labels[row], 5000)

    # ---------------------------------------------------------- recommender
    def open_movielens(self, path, mapping=None) -> int:
        """Read MovieLens ratings (folder, zip or ratings table) in the background; return the task id.

        On success the Recommender dock gets them (:attr:`ratings_loaded`).  A table that is not a
        MovieLens layout needs a column ``mapping`` (see
        :func:`embexplorer.core.recommender.movielens.load_ratings_csv`); without one the user is asked.
        """
        from embexplorer.core.recommender.movielens import load_movielens

        path = os.fspath(path)
        self._ratings_path = path
        if not self.is_loading():  # a file load in progress keeps the status bar (and its Cancel)
            self._loading_path = path
            self._show_busy(True, f"Reading {Path(path).name}…")
        return self.runner.start(MOVIELENS_TASK,
                                 lambda control: load_movielens(path, control=control, mapping=mapping),
                                 on_result=self._on_ratings_result, on_error=self._on_ratings_error,
                                 on_progress=self._on_load_progress)

    def _on_ratings_result(self, ratings) -> None:
        self._ratings_done()
        self.ratings = ratings
        self.training_panel.set_data(ratings)
        self.show_dock("recommender")
        name = Path(ratings.source).name if ratings.source else "ratings"
        self.statusBar().showMessage(f"{name}: {len(ratings):,} ratings, {ratings.n_users:,} users, "
                                     f"{ratings.n_items:,} movies: press Start in the Recommender dock")
        self.ratings_loaded.emit(ratings)
        if self._train_after_ratings:  # the start page's one-click dataset: straight on to a model
            self._train_after_ratings = False
            self.training_panel.start()

    def _on_ratings_error(self, err: BaseException) -> None:
        path = self._ratings_path or ""
        self._ratings_done()
        if isinstance(err, NeedsColumnMapping) and self.interactive:
            path = err.path or path
            try:
                mapping = ask_ratings_columns(self, path)
            except DataError as exc:
                mapping = None
                self._show_error(exc)
            if mapping is not None:
                self.open_movielens(path, mapping=mapping)
            else:
                self._train_after_ratings = False
                self.statusBar().showMessage(f"{Path(path).name}: not read (no columns chosen)", 5000)
            return
        self._train_after_ratings = False
        self.statusBar().showMessage(f"Could not read ratings from {Path(path).name}")
        self._show_error(err)
        self.ratings_failed.emit(err)

    def _ratings_done(self) -> None:
        """Reading ratings ended: clear its busy state, unless a file load owns the status bar."""
        self._ratings_path = None
        if not self.is_loading():
            self._show_busy(False)
            self._loading_path = None

    def _on_open_movielens_folder_triggered(self) -> None:
        path = QtWidgets.QFileDialog.getExistingDirectory(self, "Open MovieLens folder", str(Path.home()))
        if path:
            self.open_movielens(path)

    def _on_open_movielens_zip_triggered(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open MovieLens zip or ratings CSV",
                                                        str(Path.home()), MOVIELENS_FILTER)
        if path:
            self.open_movielens(path)

    def _on_train_triggered(self) -> None:
        if self.ratings is None:
            self.statusBar().showMessage("Open MovieLens ratings first (Recommender menu)", 5000)
            return
        self.show_dock("recommender")
        self.training_panel.start()

    def _on_stop_training_triggered(self) -> None:
        self.training_panel.stop()

    def _update_training_actions(self) -> None:
        training = self.training_panel.is_training()
        self.train_action.setEnabled(self.ratings is not None and not training)
        self.stop_training_action.setEnabled(training)

    def _on_epoch_finished(self, stats, snapshot, emb: EmbeddingSet, xy: np.ndarray) -> None:
        """Show the epoch's movies at ``xy`` (aligned to the previous frame: points glide, no reload).

        The training worker projected them (``training_panel.frames``): no PCA here.
        """
        # A new run (epoch 1) takes the scatter over; a run whose scatter was replaced since (a file
        # opened, a demo started) trains on in its dock without moving anyone's points.
        if stats.epoch > 1 and self._live_source != MF_SOURCE:
            return
        self._live_source = MF_SOURCE
        title = f"training on {Path(snapshot.info.get('source', '') or 'ratings').name}"
        # The run's MovieFrames, updated on its worker, are read (``previous``) once it finished.
        self.show_frame(MF_SOURCE, emb, xy, int(stats.epoch), MF_FRAME_AXES, title,
                        frames=self.training_panel.frames)

    def _on_training_finished(self, model) -> None:
        """The trained model's movies become the current set; the User dock inspects the model."""
        from embexplorer.core.analysis.pca import fit_pca

        if self._live_source != MF_SOURCE:  # the user moved on to other data meanwhile: keep it
            self.statusBar().showMessage("Matrix factorisation finished (its movies are not shown: "
                                         "another set was opened meanwhile)")
            return
        top_n = self.training_panel.frame_top_n  # "Movies shown" (None: all)
        emb = model.item_embeddings(top_n)
        pca = fit_pca(emb.vectors, n_components=min(MAX_COMPONENTS, emb.dims, emb.n))
        if self._frames is not None and self._frames.previous is not None:
            pca = _signs_matching(pca, self._frames.previous)
        source = Path(model.info.get("source", "") or "ratings").name
        epochs = len(model.history)
        self.set_embeddings(emb, pca, None, title=f"MF model, {source}, {epochs} epoch(s)")
        self.mf_model = model
        rows = model.most_rated(top_n if top_n is not None else model.n_items)
        self._mf_rows = np.full(model.n_items, -1, dtype=np.int64)
        self._mf_rows[rows] = np.arange(len(rows))
        # The User panel fills its tables and draws its overlays in the next event-loop slice: the
        # new scatter paints first and neither step stalls the UI for long.
        QtCore.QTimer.singleShot(USER_PANEL_DELAY_MS, self, lambda: self._show_user_model(model))
        how = "Stopped" if model.info.get("cancelled") else "Trained"
        self.statusBar().showMessage(f"{how} after {epochs} epoch(s): the {emb.n:,} most-rated movies")

    def _show_user_model(self, model) -> None:
        if self.mf_model is not model:  # another set (or model) came first
            return
        self.user_panel.set_model(model)
        self.docks["user"].show()

    def _forget_model(self) -> None:
        if self.mf_model is not None or self._mf_rows is not None:
            self.mf_model = None
            self._mf_rows = None
            self.user_panel.set_model(None)

    def _on_user_movie_activated(self, item: int) -> None:
        to_row = self._mf_rows
        row = int(to_row[item]) if to_row is not None and 0 <= item < len(to_row) else -1
        if row < 0 or self.embeddings is None or row >= self.embeddings.n:
            self.statusBar().showMessage("That movie is not on the plot (only the most-rated movies are "
                                         "shown)", 5000)
            return
        self.selection.replace([row])
        self.explorer.focus_row(row)

    def _on_user_highlight(self, highlight: dict) -> None:
        self._user_highlight = highlight
        self._draw_user()

    def _draw_user(self) -> None:
        sc = self.scatter
        for k in RATING_COLORS:
            sc.remove_overlay(USER_RATED_OVERLAY.format(k))
        sc.remove_overlay(USER_RECOMMENDED_OVERLAY)
        sc.remove_overlay(USER_VECTOR_OVERLAY)
        h, to_row = self._user_highlight, self._mf_rows
        if h is None or to_row is None or self.embeddings is None:
            return
        rated = np.asarray(h["rated"], dtype=np.int64)
        ratings = np.asarray(h["ratings"], dtype=np.float64)
        rows = to_row[rated] if len(rated) else np.zeros(0, np.int64)
        shown = rows >= 0
        stars = np.clip(np.rint(ratings[shown]), 1, 5).astype(int)
        for k, color in RATING_COLORS.items():
            r = rows[shown][stars == k]
            if len(r):
                # Squares: told apart from the category-coloured circles underneath.
                sc.set_overlay(USER_RATED_OVERLAY.format(k), r, color=color, size=9, symbol="s", labels=False,
                               z=18 + k / 10)
        rec = to_row[np.asarray(h["recommended"], dtype=np.int64)] if len(h["recommended"]) else rows[:0]
        rec = rec[rec >= 0]
        if len(rec):
            sc.set_overlay(USER_RECOMMENDED_OVERLAY, rec, color=RECOMMENDED_COLOR, size=15, symbol="star",
                           z=21)
        vector = h.get("vector")
        if vector is None or self.pca is None:
            return
        comps = np.asarray(self.pca.components[list(self.axes)], dtype=np.float64)
        d = comps @ np.asarray(vector, dtype=np.float64)
        norm = float(np.linalg.norm(d))
        if norm == 0:
            return
        xy = self.scatter.xy
        half = 0.5 * min(float(np.ptp(xy[:, 0])), float(np.ptp(xy[:, 1])))
        tip = d / norm * USER_ARROW_SHARE * half
        # The origin of the PCA plane is the mean movie; the arrow points where the user's taste points.
        sc.set_overlay(USER_VECTOR_OVERLAY, xy=tip[None], labels=["user taste"], color=USER_VECTOR_COLOR,
                       size=1, arrows=np.array([[[0.0, 0.0], tip]]), width=3.0, z=26)

    # ------------------------------------------------- start page, demos, word2vec
    def _show_central(self, widget: QtWidgets.QWidget) -> None:
        page = self._central.currentWidget()
        focus = self.focusWidget()
        had_focus = focus is None or focus is page or page.isAncestorOf(focus)
        self._central.setCurrentWidget(widget)
        if widget is self.start_page:
            self._put_docks_away()
        else:
            self._bring_docks_back()
        if had_focus and widget is not page:
            # Keys go to the page now shown (Qt would pass focus on to the next widget, in a dock).
            (self.scatter.plot_widget if widget is self.explorer else widget).setFocus()
        blocked = self.start_page_action.blockSignals(True)
        self.start_page_action.setChecked(widget is self.start_page)
        self.start_page_action.blockSignals(blocked)

    def _put_docks_away(self) -> None:
        """Hide the docked panels while the start page shows: empty tables next to it are clutter."""
        for d in self._panels:
            if d.isVisibleTo(self) and not d.isFloating():
                d.hide()
                self._docks_put_away.append(d)

    def _bring_docks_back(self) -> None:
        for d in self._docks_put_away:
            d.show()
        self._docks_put_away = []

    def show_start_page(self) -> None:
        """Show the start page (recent files, datasets, demos) in place of the plot."""
        self.start_page.refresh_downloads()
        self._show_central(self.start_page)

    def start_preview(self) -> None:
        """Start "Genres, learned" as a live preview on the start page (what ``embexplorer`` with no
        arguments does: something moving within seconds, no network needed)."""
        if not self.genres_demo.is_running():
            self.genres_demo.start()

    def run_demo(self, name: str) -> None:
        """Run the offline demo ``name`` (``"genres"`` or ``"wiki"``) on the main scatter.

        Raises KeyError for an unknown name (the CLI checks ``--demo`` against :data:`DEMOS`).
        """
        if name not in DEMOS:
            raise KeyError(name)
        if name == "genres":
            self._live_source = GENRES_SOURCE
            if self.genres_demo.is_running() and self._genres_last is not None:
                self._show_genres_frame(*self._genres_last)  # the preview's run goes on, now on the plot
            elif not self.genres_demo.is_running():
                self._genres_last = None
                self.genres_demo.start()
            self._show_central(self.explorer)
            self.statusBar().showMessage("Genres, learned: training on synthetic ratings…")
        else:
            self.show_dock("word2vec")
            self._wiki_demo = self.w2v_panel.start_demo_wiki()  # training_started: word2vec goes live

    def show_frame(self, source: str, emb: EmbeddingSet, xy: np.ndarray, epoch: int,
                   axis_titles: tuple[str, str], title: str, frames=None) -> None:
        """Show one live training frame of ``source`` (aligned coordinates, no PCA of its own).

        The first frame of a run replaces the current set (panels follow once); later frames move
        the points only, keeping the view and the colouring the user chose.
        """
        first = self._frame_source != source or epoch <= self._frame_epoch
        if first:
            self._forget_model()
            self._forget_view_state()
            self.embeddings, self.pca, self.current_path = emb, None, None
            self._frame_source = source
            self._set_title = title
            self._set_axis_items(None)
            self._show_central(self.explorer)
            self.zoom_fit_action.setEnabled(True)
        else:
            self.embeddings = emb
        self._frames = frames  # the run's frame aligner (MF), or None
        self._frame_epoch = int(epoch)
        self._resize_selection(emb.n)
        colour = self.explorer.color_combo.currentText()
        self.explorer.set_data(emb, xy, *axis_titles, keep_view=not first)
        if not first and colour != self.explorer.color_combo.currentText():
            self.explorer.finish_setup()
            self.explorer.set_color_by(colour if colour in emb.metadata else None)
        if first:
            self._update_title()
            self.embeddings_changed.emit(emb)
        else:  # same labels, newer vectors: the panels redo the query on screen
            self.neighbours_panel.update_vectors(emb)
            self.analogy_panel.update_vectors(emb)
        self._update_stats()
        self.training_frame.emit(self._frame_epoch)

    def _on_genres_frame(self, emb, xy, probe: float, epoch: int) -> None:
        self._genres_last = (emb, xy, probe, epoch)
        if self._live_source == GENRES_SOURCE:
            self._show_genres_frame(emb, xy, probe, epoch)
        elif self._central.currentWidget() is self.start_page:
            self.start_page.show_demo_frame(emb, xy, probe, epoch, self.genres_demo.chance)

    def _show_genres_frame(self, emb, xy, probe: float, epoch: int) -> None:
        self.show_frame(GENRES_SOURCE, emb, xy, epoch, FRAME_AXES, GENRES_TITLE)
        self.statusBar().showMessage(self.genres_demo.caption(probe, epoch))

    def _on_genres_finished(self, model) -> None:
        last, self._genres_last = self._genres_last, None
        if model is None or last is None or self._live_source != GENRES_SOURCE:
            return  # a preview (the start page keeps its last frame) or stopped before epoch 1
        emb, xy, probe, epoch = last
        self._project_trained(emb, xy, f"{GENRES_TITLE}, {epoch} epochs", model=model,
                              message=self.genres_demo.caption(probe, epoch), color_by=TRUE_GENRE_COLUMN)

    def _on_demo_failed(self, message: str) -> None:
        self.statusBar().showMessage(f"Demo failed: {message}")

    def _on_w2v_started(self) -> None:
        self._wiki_demo = False  # run_demo says so right after, for the demo's own run
        self.w2v_frames.reset()
        self._live_source = W2V_SOURCE

    def _on_w2v_epoch(self, report, emb: EmbeddingSet, xy: np.ndarray) -> None:
        """Draw the epoch's frame words, projected and aligned on the training worker."""
        if self._live_source != W2V_SOURCE:
            return
        self.w2v_frames.previous = xy
        self.show_frame(W2V_SOURCE, emb, xy, report.epoch, ("word vectors: PC1 (aligned, scaled)",
                                                            "PC2 (aligned, scaled)"),
                        f"word2vec training, the {emb.n:,} most frequent words")

    def _on_w2v_finished(self, emb) -> None:
        if emb is None or self._live_source != W2V_SOURCE:
            return
        demo, self._wiki_demo = self._wiki_demo, False
        self._project_trained(emb, self.w2v_frames.previous, f"word2vec, {emb.n:,} words",
                              message=f"word2vec trained: {emb.n:,} words, {emb.dims} dimensions",
                              then=self._show_wiki_showcase if demo else None)

    def _show_wiki_showcase(self, emb: EmbeddingSet) -> None:
        """The wiki demo's point: related words gather (the neighbours of a month are months)."""
        word = next((w for w in WIKI_SHOWCASE_WORDS if w in emb.index), None)
        if word is not None:
            self.show_dock("neighbours")
            self.neighbours_panel.query_row(emb.index[word])
            self.zoom_to_results()  # up close, so the months get their labels

    def _project_trained(self, emb: EmbeddingSet, previous_xy, title: str, model=None, message: str = "",
                         color_by: str | None = None, then=None) -> int:
        """PCA of a finished model's vectors off the UI thread, then make them the current set."""
        from embexplorer.core.analysis.pca import fit_pca

        k = min(MAX_COMPONENTS, emb.dims, emb.n)

        def done(pca) -> None:
            if previous_xy is not None:
                pca = _signs_matching(pca, np.asarray(previous_xy))
            self.set_embeddings(emb, pca, None, title=title)
            if color_by and color_by in emb.metadata:
                self.explorer.finish_setup()
                self.explorer.set_color_by(color_by)
            if model is not None:
                # The demo's movies are the model's items in its own order: the User panel works on them.
                self.mf_model = model
                self._mf_rows = np.arange(model.n_items, dtype=np.int64)
                QtCore.QTimer.singleShot(USER_PANEL_DELAY_MS, self, lambda: self._show_user_model(model))
            if message:
                self.statusBar().showMessage(message)
            if then is not None:
                then(emb)
            self.trained_shown.emit(emb)

        return self.runner.start(PROJECT_TASK, lambda control: fit_pca(emb.vectors, n_components=k,
                                                                        control=control),
                                 on_result=done, on_error=self._show_error)

    def download_dataset(self, name: str) -> None:
        """Download (or open from the cache) a start-page dataset: ``movielens-100k`` or a gensim-data
        name; progress shows on its card and in the status bar."""
        self.downloader.start(name)

    def _on_download_progress(self, name: str, fraction: float, message: str) -> None:
        pct = f" {fraction:.0%}" if fraction >= 0 else ""
        self.statusBar().showMessage(f"Downloading {name}{pct} {message}".rstrip())

    def _on_dataset_downloaded(self, name: str, path: str, fmt: str) -> None:
        if fmt == MOVIELENS_FORMAT:
            self._train_after_ratings = True
            self.open_movielens(path)
        else:
            self.open_file(path, format=fmt or None)

    def _on_download_failed(self, name: str, message: str) -> None:
        self.start_page.show_message(f"{name}: {message}")
        self.statusBar().showMessage(f"Download of {name} failed: {message}")

    def _on_start_page_toggled(self, on: bool) -> None:
        if on:
            self.show_start_page()
        elif self.embeddings is not None:
            self._show_central(self.explorer)
        else:  # nothing to go back to
            self._show_central(self.start_page)

    def _open_recent(self, path: str) -> None:
        if not os.path.exists(path):
            self._forget_recent(path)
            self._show_error(DataError("file not found (removed from recent files)", path))
            return
        self.open_path(path)

    def open_path(self, path: str | os.PathLike) -> None:
        """Open what ``path`` is: a saved session (``*.embx.json``) or an embedding file."""
        if is_session_file(path):
            self.sessions.open_session(path)
        else:
            self.open_file(path)

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
        self.open_path(files[0])  # one set at a time: the first file dropped

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802
        self.shutdown_tasks(CLOSE_TIMEOUT_S)
        self.save_layout()
        super().closeEvent(event)


def _signs_matching(pca, previous_xy: np.ndarray):
    """``pca`` with PC1 / PC2 flipped where that brings them closer to the last live frame.

    The finished model's PCA replaces the last training frame; matching the signs keeps the
    picture from mirroring at that moment (axes stay principal components).
    """
    import dataclasses

    coords = pca.coords
    if previous_xy.shape[0] != coords.shape[0] or coords.shape[1] < 2:
        return pca
    signs = np.ones(pca.n_components, dtype=np.float32)
    for i in range(2):
        if float(np.dot(coords[:, i].astype(np.float64), previous_xy[:, i])) < 0:
            signs[i] = -1.0
    if (signs > 0).all():
        return pca
    return dataclasses.replace(pca, components=np.ascontiguousarray(pca.components * signs[:, None]),
                               coords=np.ascontiguousarray(coords * signs[None, :]))


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
