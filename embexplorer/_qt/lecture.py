"""The Lecture menu: each idea of a recommender-systems-and-embeddings lecture as a one-click demonstration.

:func:`install_lecture` adds a "Lecture" menu to a :class:`~embexplorer._qt.main_window.MainWindow`
(before Help), a caption banner above the plot (large text, readable from the back of a room) and a
"Lecture" dock whose page follows the demonstration.  :meth:`LectureController.run` opens what a
demonstration needs -- ratings (those already open, else MovieLens from the download cache, else the
synthetic "Genres, learned" ratings, offline), a quickly trained model, the panels -- and emits
:attr:`LectureController.ready` once it shows its final state (``--screenshot`` waits for it; see
:func:`run_lecture_for_screenshot`).

Data loading, training and everything slow runs on the window's :class:`TaskRunner` (task kind
:data:`LECTURE_TASK`: a new demonstration cancels the previous one's work); the numbers come from
:mod:`embexplorer.core.teaching.lecture`.

Wiring (main window, end of ``__init__``)::

    from embexplorer._qt.lecture import install_lecture
    self.lecture = install_lecture(self)          # idempotent; also sets window.lecture

``embexplorer --lecture NAME`` (interactive; ``after``: the signal that says the data is there)::

    run_lecture_when_ready(window, args.lecture, after=window.ratings_loaded)   # or None: at once

``embexplorer --lecture NAME --screenshot OUT.png`` (after PATH / --movielens are loaded)::

    if not run_lecture_for_screenshot(window, args.lecture):
        raise DataError(window.lecture.last_error or "the demonstration failed", "--lecture")
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.panels.neighbours import TableModel, make_table
from embexplorer.core.teaching.lecture import (
    EXTREMES_N,
    LECTURE_EPOCHS,
    LECTURE_SEED,
    LECTURES,
    SOURCE_CACHE,
    SWITCHES,
    TOP_RATED,
    LectureData,
    all_pca_extremes,
    available_analogies,
    compare_neighbours,
    compare_runs,
    default_movie,
    genre_embeddings,
    lecture_ratings,
    long_tail_histogram,
    norm_histograms,
    ratings_summary,
    what_if_example,
)

#: Task kind of the lecture's background work in the window's runner (one demonstration at a time).
LECTURE_TASK = "lecture"
#: Scatter source name of the gradient-descent demonstration's live frames.
LECTURE_SOURCE = "lecture"
#: Object names of the docks (keys of the saved layout).
CAPTION_DOCK_NAME = "lectureCaptionDock"
LECTURE_DOCK_NAME = "lectureDock"
#: Caption font size relative to the application font (readable on a projector).
CAPTION_FONT_SCALE = 1.5
#: Longest wait of :func:`run_lecture_for_screenshot` (ms).
SCREENSHOT_TIMEOUT_MS = 120_000
#: Event-loop passes after ``ready`` before a screenshot (layouts, labels).
SETTLE_PASSES = 5
#: Neighbours listed in the genre demonstration.
GENRE_NEIGHBOURS = 10
#: Height of the Lecture dock's plots (pixels).
PLOT_MIN_HEIGHT = 140
#: Row height slack of the ratings table (pixels beyond the font height).
ROW_PADDING_PX = 4
#: Curve colours of the two runs (RGB) and the validation curves' dash.
RUN_COLORS = ((31, 119, 180), (214, 39, 40))
HIST_COLOR = (31, 119, 180, 160)
LEGEND_BRUSH = (255, 255, 255, 210)
LEGEND_TEXT_SIZE = "8pt"
#: Time format of the ratings table (UTC).
TIME_FORMAT = "%Y-%m-%d %H:%M"
#: Axis titles of the gradient-descent frames.
FRAME_AXES = ("movie factors: PC1 (aligned, scaled)", "PC2 (aligned, scaled)")
#: Overlays of the genre demonstration (the chosen movie, its genre neighbours) and their colours.
GENRE_NEIGHBOURS_OVERLAY = "lecture-genre-neighbours"
GENRE_QUERY_OVERLAY = "lecture-genre-query"
NEIGHBOUR_COLOR = (44, 160, 44)
QUERY_COLOR = (214, 39, 40)
#: Overlays marking both ends of a principal component, and their colours.
PCA_LOW_OVERLAY = "lecture-pca-low"
PCA_HIGH_OVERLAY = "lecture-pca-high"
PCA_LOW_COLOR = (128, 60, 170)
PCA_HIGH_COLOR = (230, 120, 0)
#: Maximum of the epochs spin box of the gradient-descent page.
MAX_EPOCHS = 50
#: Height of the Lecture dock per demonstration, as a share of the window's height (the plot keeps
#: the rest; the ratings table needs room, a stepper little).
DOCK_HEIGHT_SHARE = {"ratings": 0.62, "genres": 0.36, "users": 0.2, "gradient-descent": 0.42,
                     "pca-axes": 0.34, "analogies": 0.14}
#: Lines of caption text the banner keeps room for (it wraps; a dock ignores height-for-width).
CAPTION_LINES = 2


def _caption(name: str) -> str:
    title, text = LECTURES[name]
    return f"<b>{title}.</b> {text}"


# ---------------------------------------------------------------------------
# The ratings table: a model over numpy arrays (no per-row objects)
# ---------------------------------------------------------------------------
class RatingsTableModel(QtCore.QAbstractTableModel):
    """The raw ratings (user, movie, rating, time) read straight from a Ratings' arrays.

    Cells are formatted only when Qt asks for them (the visible ones), so 100,000 or 25 million
    rows cost the same to show; sorting is one stable ``argsort`` of a key array.
    """

    HEADERS = ("user", "movie", "rating", "time (UTC)")

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.ratings = None
        self._order: np.ndarray | None = None
        self._title_rank: np.ndarray | None = None
        self._user_rank: np.ndarray | None = None

    def set_ratings(self, ratings) -> None:
        self.beginResetModel()
        self.ratings = ratings
        self._order = None
        self._title_rank = self._user_rank = None
        self.endResetModel()

    def source_row(self, row: int) -> int:
        """Row of the Ratings arrays shown at view row ``row``."""
        return int(self._order[row]) if self._order is not None else int(row)

    def rowCount(self, parent=None) -> int:  # noqa: N802 (Qt API)
        if self.ratings is None or (parent is not None and parent.isValid()):
            return 0
        return len(self.ratings.ratings)

    def columnCount(self, parent=None) -> int:  # noqa: N802
        return 0 if parent is not None and parent.isValid() else len(self.HEADERS)

    def data(self, index, role=QtCore.Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.ratings is None:
            return None
        r = self.ratings
        row = self.source_row(index.row())
        col = index.column()
        if role == QtCore.Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return r.user_ids[int(r.users[row])]
            if col == 1:
                item = int(r.items[row])
                return r.titles[item] or f"item {r.item_ids[item]}"
            if col == 2:
                return f"{float(r.ratings[row]):g}"
            if r.timestamps is None:
                return ""
            return time.strftime(TIME_FORMAT, time.gmtime(int(r.timestamps[row])))
        if role == QtCore.Qt.ItemDataRole.TextAlignmentRole and col in (0, 2):
            return int(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section, orientation, role=QtCore.Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role != QtCore.Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == QtCore.Qt.Orientation.Horizontal:
            return self.HEADERS[section] if section < len(self.HEADERS) else None
        return f"{section + 1:,}"

    def sort(self, column: int, order=QtCore.Qt.SortOrder.AscendingOrder) -> None:  # noqa: D102
        r = self.ratings
        if r is None or not 0 <= column < len(self.HEADERS):
            return
        if column == 0:
            if self._user_rank is None:  # numeric ids sort as numbers
                ids = r.user_ids
                keys = [(0, float(u), "") if _is_number(u) else (1, 0.0, u) for u in ids]
                self._user_rank = _ranks(keys)
            key = self._user_rank[r.users]
        elif column == 1:
            if self._title_rank is None:
                self._title_rank = _ranks([(t or "").lower() for t in r.titles])
            key = self._title_rank[r.items]
        elif column == 2:
            key = r.ratings
        else:
            key = r.timestamps if r.timestamps is not None else np.zeros(len(r.ratings))
        self.layoutAboutToBeChanged.emit()
        idx = np.argsort(key, kind="stable")
        self._order = idx[::-1].copy() if order == QtCore.Qt.SortOrder.DescendingOrder else idx
        self.layoutChanged.emit()


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _ranks(keys: list) -> np.ndarray:
    order = sorted(range(len(keys)), key=keys.__getitem__)
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order] = np.arange(len(keys))
    return rank


def _bars(plot: pg.PlotWidget, edges: np.ndarray, counts: np.ndarray, brush=HIST_COLOR) -> None:
    plot.clear()
    plot.addItem(pg.BarGraphItem(x0=edges[:-1], x1=edges[1:], height=counts, brush=brush,
                                 pen=pg.mkPen(brush[:3])))


def _plot(x_title: str, y_title: str) -> pg.PlotWidget:
    p = pg.PlotWidget()
    p.setBackground("w")
    p.setLabel("bottom", x_title)
    p.setLabel("left", y_title)
    p.setMinimumHeight(PLOT_MIN_HEIGHT)
    p.showGrid(x=True, y=True, alpha=0.2)
    return p


# ---------------------------------------------------------------------------
# Pages of the Lecture dock
# ---------------------------------------------------------------------------
class RatingsPage(QtWidgets.QWidget):
    """The raw ratings table, its counts and the two long tails."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.model = RatingsTableModel(self)
        self.table = QtWidgets.QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(False)  # sort on header click without an initial sort
        self.table.horizontalHeader().setSectionsClickable(True)
        self.table.horizontalHeader().setSortIndicatorShown(True)
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._on_sort_indicator_changed)
        vh = self.table.verticalHeader()
        vh.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Fixed)  # no per-row size hints
        vh.setDefaultSectionSize(self.table.fontMetrics().height() + ROW_PADDING_PX)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.counts_label = QtWidgets.QLabel("")
        self.counts_label.setWordWrap(True)
        self.counts_label.setObjectName("lectureCounts")
        self.user_plot = _plot("ratings per user", "users")
        self.item_plot = _plot("ratings per movie", "movies")
        self.summary = None
        plots = QtWidgets.QVBoxLayout()
        plots.addWidget(self.user_plot)
        plots.addWidget(self.item_plot)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.table, 3)
        row.addLayout(plots, 2)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.counts_label)
        layout.addLayout(row, 1)

    def show_ratings(self, ratings, summary) -> None:
        self.summary = summary
        self.model.set_ratings(ratings)
        fm = self.table.fontMetrics()
        for col, chars in enumerate((6, 36, 6)):
            self.table.setColumnWidth(col, fm.horizontalAdvance("0" * chars))
        dist = ", ".join(f"{v:g}★ {c / max(summary.n_ratings, 1):.0%}"
                         for v, c in zip(summary.rating_values, summary.rating_counts))
        self.counts_label.setText(f"{summary.text()} · ratings: {dist}")
        _bars(self.user_plot, *long_tail_histogram(summary.per_user))
        _bars(self.item_plot, *long_tail_histogram(summary.per_item))

    def _on_sort_indicator_changed(self, column: int, order) -> None:
        self.model.sort(column, order)


class GenresPage(QtWidgets.QWidget):
    """A movie's neighbours by genre vectors and by learned vectors, side by side."""

    movie_chosen = QtCore.Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.movie_box = QtWidgets.QComboBox()
        self.movie_box.setEditable(True)
        self.movie_box.setInsertPolicy(QtWidgets.QComboBox.InsertPolicy.NoInsert)
        self.movie_box.completer().setFilterMode(QtCore.Qt.MatchFlag.MatchContains)
        self.movie_box.completer().setCompletionMode(QtWidgets.QCompleter.CompletionMode.PopupCompletion)
        self.movie_box.setMinimumContentsLength(30)
        self.movie_box.activated.connect(self._on_movie_activated)
        self.explain = QtWidgets.QLabel("")
        self.explain.setWordWrap(True)
        self.explain.setObjectName("lectureGenreExplain")
        self.genre_model = TableModel(["genre neighbour", "cosine", "shared genres"])
        self.learned_model = TableModel(["learned neighbour", "cosine", "shared genres"])
        self.genre_table = make_table(self.genre_model)
        self.learned_table = make_table(self.learned_model)
        for t in (self.genre_table, self.learned_table):
            t.horizontalHeader().setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Stretch)
            t.horizontalHeader().setStretchLastSection(False)
        head = QtWidgets.QHBoxLayout()
        head.addWidget(QtWidgets.QLabel("Movie"))
        head.addWidget(self.movie_box, 1)
        sides = QtWidgets.QHBoxLayout()
        sides.addWidget(self.genre_table)
        sides.addWidget(self.learned_table)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.explain)
        layout.addLayout(sides, 1)

    def set_movies(self, labels: list[str], current: str) -> None:
        blocked = self.movie_box.blockSignals(True)
        self.movie_box.clear()
        self.movie_box.addItems(labels)
        self.movie_box.setCurrentText(current)
        self.movie_box.blockSignals(blocked)

    def show_comparison(self, cmp, genre_emb) -> None:
        self.movie_box.setCurrentText(cmp.label)
        self.genre_model.set_rows([[n.label, n.score, s] for n, s in zip(cmp.genre, cmp.genre_shared)])
        self.learned_model.set_rows([[n.label, n.score, s] for n, s in zip(cmp.learned, cmp.learned_shared)])
        row = genre_emb.row(cmp.label)
        genres = genre_emb.metadata["genres"].value(row).replace("|", ", ") or "no genre"
        first = cmp.genre[0] if cmp.genre else None
        text = f"<b>{cmp.label}</b>: {genres}. "
        if first is not None:
            n_a = int(genre_emb.vectors[row].sum())
            n_b = int(genre_emb.vectors[first.row].sum())
            shared = cmp.genre_shared[0]
            text += (f"Dot product with {first.label} = {shared} shared genre(s); cosine = "
                     f"{shared}/√({n_a}·{n_b}) = {first.score:.2f}. ")
        ties = "1 movie has" if cmp.tied == 1 else f"{cmp.tied:,} movies tie for"
        text += (f"{ties} the best genre match (ties listed most-rated first); "
                 f"{cmp.overlap} of {len(cmp.learned)} learned neighbours are genre neighbours too.")
        self.explain.setText(text)

    def _on_movie_activated(self, _index: int) -> None:
        self.movie_chosen.emit(self.movie_box.currentText())


class UsersPage(QtWidgets.QWidget):
    """How to make your own user vector in the User dock."""

    new_user_requested = QtCore.Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.text = QtWidgets.QLabel("")
        self.text.setWordWrap(True)
        self.text.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.new_user_button = QtWidgets.QPushButton("Start a new user (User dock)")
        self.new_user_button.clicked.connect(self.new_user_requested)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.text)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.new_user_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)


class GradientPage(QtWidgets.QWidget):
    """Two runs' loss curves overlaid and their embedding-norm histograms."""

    rerun_requested = QtCore.Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.switch_box = QtWidgets.QComboBox()
        for key, text in SWITCHES.items():
            self.switch_box.addItem(f"switch off {text}", key)
        self.epochs_spin = QtWidgets.QSpinBox(minimum=1, maximum=MAX_EPOCHS, value=LECTURE_EPOCHS)
        self.epochs_spin.setPrefix("epochs ")
        self.run_button = QtWidgets.QPushButton("Run both")
        self.run_button.clicked.connect(self.rerun_requested)
        self.status = QtWidgets.QLabel("")
        self.status.setWordWrap(True)
        self.loss_plot = _plot("epoch", "squared error")
        # Bottom left (the curves start high and fall to the right), small, on a light backing.
        self.loss_plot.addLegend(offset=(10, -10), brush=LEGEND_BRUSH, labelTextSize=LEGEND_TEXT_SIZE,
                                 verSpacing=-6)
        self.norm_plot = _plot("norm of a movie vector", "movies")
        self.norm_plot.addLegend(offset=(-10, 10), brush=LEGEND_BRUSH, labelTextSize=LEGEND_TEXT_SIZE)
        self.curves: dict[tuple[int, str], pg.PlotDataItem] = {}
        self.points: dict[tuple[int, str], list[tuple[int, float]]] = {}
        self.run_names: list[str] = []
        head = QtWidgets.QHBoxLayout()
        for w in (self.switch_box, self.epochs_spin, self.run_button):
            head.addWidget(w)
        head.addStretch(1)
        plots = QtWidgets.QHBoxLayout()
        plots.addWidget(self.loss_plot)
        plots.addWidget(self.norm_plot)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.status)
        layout.addLayout(plots, 1)

    @property
    def switch(self) -> str:
        return self.switch_box.currentData()

    def reset(self, names: list[str]) -> None:
        self.loss_plot.clear()
        self.norm_plot.clear()
        self.curves, self.points, self.run_names = {}, {}, list(names)
        for i, name in enumerate(names):
            color = RUN_COLORS[i % len(RUN_COLORS)]
            Pen = QtCore.Qt.PenStyle
            for kind, style in (("train", Pen.SolidLine), ("valid", Pen.DashLine)):
                pen = pg.mkPen(color, width=2, style=style)
                label = f"{name}: {'train loss' if kind == 'train' else 'validation MSE'}"
                self.curves[(i, kind)] = self.loss_plot.plot([], [], pen=pen, symbol="o", symbolSize=5,
                                                             symbolBrush=color, name=label)
                self.points[(i, kind)] = []

    def add_epoch(self, run: int, stats) -> None:
        self.points[(run, "train")].append((stats.epoch, stats.train_loss))
        if not math.isnan(stats.valid_mse):
            self.points[(run, "valid")].append((stats.epoch, stats.valid_mse))
        for kind in ("train", "valid"):
            pts = self.points[(run, kind)]
            self.curves[(run, kind)].setData([p[0] for p in pts], [p[1] for p in pts])

    def show_norms(self, hists) -> None:
        self.norm_plot.clear()
        for i, (name, counts) in enumerate(hists.counts.items()):
            color = RUN_COLORS[i % len(RUN_COLORS)]
            self.norm_plot.plot(hists.edges, counts, stepMode="center", pen=pg.mkPen(color, width=2),
                                fillLevel=0, brush=(*color, 60),
                                name=f"{name}: mean {hists.means[name]:.2f}")


class PCAPage(QtWidgets.QWidget):
    """The items at both ends of a chosen principal component."""

    component_changed = QtCore.Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.component_box = QtWidgets.QComboBox()
        self.component_box.currentIndexChanged.connect(self._on_component_changed)
        self.top_spin = QtWidgets.QSpinBox(minimum=1, maximum=1_000_000, value=TOP_RATED)
        self.top_spin.setPrefix("among the ")
        self.top_spin.setSuffix(" most-rated")
        self.top_spin.setToolTip("Read the axis among the most-rated items (fastai: 1,000); words: "
                                 "the first (most frequent) rows")
        self.top_spin.editingFinished.connect(lambda: self.component_changed.emit(self.component))
        self.status = QtWidgets.QLabel("")
        self.status.setWordWrap(True)
        self.low_model = TableModel(["low end", "coordinate"])
        self.high_model = TableModel(["high end", "coordinate"])
        self.low_table = make_table(self.low_model)
        self.high_table = make_table(self.high_model)
        for t in (self.low_table, self.high_table):
            t.horizontalHeader().setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Stretch)
            t.horizontalHeader().setStretchLastSection(False)
        head = QtWidgets.QHBoxLayout()
        head.addWidget(QtWidgets.QLabel("Component"))
        head.addWidget(self.component_box)
        head.addWidget(self.top_spin)
        head.addStretch(1)
        sides = QtWidgets.QHBoxLayout()
        sides.addWidget(self.low_table)
        sides.addWidget(self.high_table)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.status)
        layout.addLayout(sides, 1)

    @property
    def component(self) -> int:
        return max(0, self.component_box.currentIndex())

    def set_components(self, titles: list[str]) -> None:
        blocked = self.component_box.blockSignals(True)
        self.component_box.clear()
        self.component_box.addItems(titles)
        self.component_box.setCurrentIndex(0)
        self.component_box.blockSignals(blocked)

    def show_ends(self, ends) -> None:
        self.low_model.set_rows([[label, coord] for _, label, coord in ends.low])
        self.high_model.set_rows([[label, coord] for _, label, coord in ends.high])
        self.status.setText(f"{ends.title}: the {len(ends.low)} items at each end, among "
                            f"{ends.candidates:,}. "
                            "What do the ends have in common? That is what the axis measures.")

    def _on_component_changed(self, index: int) -> None:
        if index >= 0:
            self.component_changed.emit(index)


class AnalogiesPage(QtWidgets.QWidget):
    """Step through the classic analogies present in the loaded words."""

    step_requested = QtCore.Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.prev_button = QtWidgets.QPushButton("◀ Previous")
        self.next_button = QtWidgets.QPushButton("Next ▶")
        self.prev_button.setShortcut(QtGui.QKeySequence("Alt+Left"))
        self.next_button.setShortcut(QtGui.QKeySequence("Alt+Right"))
        self.prev_button.clicked.connect(lambda: self.step_requested.emit(-1))
        self.next_button.clicked.connect(lambda: self.step_requested.emit(1))
        self.label = QtWidgets.QLabel("")
        self.label.setObjectName("lectureAnalogy")
        font = self.label.font()
        font.setPointSizeF(font.pointSizeF() * CAPTION_FONT_SCALE)
        self.label.setFont(font)
        self.label.setWordWrap(True)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.prev_button)
        row.addWidget(self.next_button)
        row.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.label)
        layout.addStretch(1)

    def set_enabled_steps(self, n: int) -> None:
        for b in (self.prev_button, self.next_button):
            b.setEnabled(n > 1)


class LecturePanel(QtWidgets.QWidget):
    """The Lecture dock's content: one page per demonstration."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.ratings_page = RatingsPage()
        self.genres_page = GenresPage()
        self.users_page = UsersPage()
        self.gradient_page = GradientPage()
        self.pca_page = PCAPage()
        self.analogies_page = AnalogiesPage()
        self.pages = {"ratings": self.ratings_page, "genres": self.genres_page, "users": self.users_page,
                      "gradient-descent": self.gradient_page, "pca-axes": self.pca_page,
                      "analogies": self.analogies_page}
        self.stack = QtWidgets.QStackedWidget()
        for page in self.pages.values():
            self.stack.addWidget(page)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.stack)

    def show_page(self, name: str) -> QtWidgets.QWidget:
        page = self.pages[name]
        # A stack is as tall as its tallest page; hidden pages must not keep the dock tall.
        Policy = QtWidgets.QSizePolicy.Policy
        for other in self.pages.values():
            shown = other is page
            other.setSizePolicy(Policy.Preferred if shown else Policy.Ignored,
                                Policy.Preferred if shown else Policy.Ignored)
        self.stack.setCurrentWidget(page)
        self.stack.updateGeometry()
        return page


class CaptionBanner(QtWidgets.QFrame):
    """One large line saying what the demonstration shows (for the back row)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("lectureCaption")
        self.setStyleSheet("#lectureCaption { background: #fff8dc; border-bottom: 1px solid #d9c98c; }"
                           "#lectureCaption QLabel { color: #1a1a1a; }")
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
        self.detail.setStyleSheet("#lectureCaptionDetail { color: #555; }")
        self.detail.setWordWrap(True)  # a long source note must not set the window's minimum width
        self.close_button = QtWidgets.QToolButton()
        self.close_button.setText("×")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Hide the caption")
        text = QtWidgets.QVBoxLayout()
        text.setSpacing(0)
        text.addWidget(self.label)
        text.addWidget(self.detail)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 4, 4)
        layout.addLayout(text, 1)
        layout.addWidget(self.close_button, 0, QtCore.Qt.AlignmentFlag.AlignTop)

    def set_text(self, html: str, detail: str = "") -> None:
        self.label.setText(html)
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))

    def plain_text(self) -> str:
        doc = QtGui.QTextDocument()
        doc.setHtml(self.label.text())
        text = doc.toPlainText()
        return f"{text} ({self.detail.text()})" if self.detail.text() else text


# ---------------------------------------------------------------------------
# The controller
# ---------------------------------------------------------------------------
class LectureController(QtCore.QObject):
    """Runs the Lecture menu's demonstrations in a main window.

    Attributes
    ----------
    menu : QMenu
        The "Lecture" menu; ``actions`` maps lecture names to its actions.
    panel : LecturePanel
        Content of the Lecture dock (``dock``); ``banner`` is the caption (``caption_dock``).
    current : str or None
        The demonstration shown last.
    data : LectureData or None
        Ratings used by the last demonstration that needed some.

    Signals
    -------
    ready(str)
        The demonstration ``name`` shows its final state.
    failed(str, str)
        It could not run: name and a one-line reason (also in the caption).
    """

    ready = QtCore.Signal(str)
    failed = QtCore.Signal(str, str)

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.current: str | None = None
        self.data: LectureData | None = None
        self.genre_emb = None
        self.learned_emb = None
        self.analogies: list = []
        self.analogy_index = 0
        self.comparison = None
        self.runs = None
        self._models: dict[int, object] = {}  # id(ratings) -> quick model trained on them
        self._ends = None
        self._pca_source = None
        self._training_for_users = False
        self._users_run = 0
        #: The reason the last demonstration failed ("" after a success): one line for the CLI.
        self.last_error = ""
        self._build()

    # ------------------------------------------------------------ building
    def _build(self) -> None:
        w = self.window
        self.menu = QtWidgets.QMenu("&Lecture", w)
        self.menu.setObjectName("lectureMenu")
        self.actions: dict[str, QtGui.QAction] = {}
        for i, (name, (title, caption)) in enumerate(LECTURES.items(), start=1):
            action = QtGui.QAction(f"&{i}. {title}", w)
            action.setStatusTip(f"{caption} (embexplorer --lecture {name})")
            action.setData(name)
            action.triggered.connect(lambda _=False, n=name: self.run(n))
            self.menu.addAction(action)
            self.actions[name] = action
        bar = w.menuBar()
        help_menu = getattr(w, "help_menu", None)
        if help_menu is not None:
            bar.insertMenu(help_menu.menuAction(), self.menu)
        else:
            bar.addMenu(self.menu)

        Area = QtCore.Qt.DockWidgetArea
        self.banner = CaptionBanner()
        self.caption_dock = QtWidgets.QDockWidget("Lecture Caption", w)
        self.caption_dock.setObjectName(CAPTION_DOCK_NAME)
        self.caption_dock.setTitleBarWidget(QtWidgets.QWidget())  # a banner, not a panel
        self.caption_dock.setFeatures(QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.caption_dock.setWidget(self.banner)
        self.banner.close_button.clicked.connect(self.caption_dock.hide)
        w.add_panel(self.caption_dock, Area.TopDockWidgetArea)
        self.caption_dock.hide()

        self.panel = LecturePanel()
        self.dock = QtWidgets.QDockWidget("Lecture", w)
        self.dock.setObjectName(LECTURE_DOCK_NAME)
        self.dock.setWidget(self.panel)
        w.add_panel(self.dock, Area.BottomDockWidgetArea)
        self.dock.hide()

        p = self.panel
        p.genres_page.movie_chosen.connect(self._on_movie_chosen)
        p.users_page.new_user_requested.connect(self._on_new_user_requested)
        p.gradient_page.rerun_requested.connect(self._on_rerun_requested)
        p.pca_page.component_changed.connect(self._on_component_changed)
        p.analogies_page.step_requested.connect(self._on_step_requested)
        w.scatter.point_clicked.connect(self._on_point_clicked)

    # ------------------------------------------------------------------ API
    def run(self, name: str) -> None:
        """Start demonstration ``name`` (a key of :data:`LECTURES`); KeyError for an unknown one."""
        if name not in LECTURES:
            raise KeyError(name)
        self.window.runner.cancel(LECTURE_TASK)
        self.last_error = ""
        if self._training_for_users and name != "users":
            # The User demonstration's training would take the scatter over when it ends: stop it.
            self._training_for_users = False
            if self.window.training_panel.is_training():
                self.window.training_panel.shutdown()
        self.current = name
        self.panel.show_page(name)
        self.set_caption(_caption(name), "preparing…")
        getattr(self, "_run_" + name.replace("-", "_"))()

    def set_caption(self, html: str, detail: str = "") -> None:
        """Show ``html`` (and a smaller ``detail`` line) in the caption banner, the plain text in the
        status bar."""
        self.banner.set_text(html, detail)
        self.caption_dock.show()
        self.window.statusBar().showMessage(self.banner.plain_text())

    def caption_text(self) -> str:
        """The caption as plain text."""
        return self.banner.plain_text()

    def show_panel(self) -> None:
        """Show the Lecture dock, sized for the current demonstration."""
        self.dock.show()
        self.dock.raise_()
        share = DOCK_HEIGHT_SHARE.get(self.current or "", 0.3)
        if not self.dock.isFloating():
            self.window.resizeDocks([self.dock], [int(share * self.window.height())],
                                    QtCore.Qt.Orientation.Vertical)

    # -------------------------------------------------------------- helpers
    def _start(self, name: str, work, on_result) -> None:
        """Run ``work(control)`` in the background for demonstration ``name``; ``on_result`` on the UI
        thread unless another demonstration started meanwhile."""
        def done(value) -> None:
            if self.current == name:
                on_result(value)

        self.window.runner.start(LECTURE_TASK, work, on_result=done,
                                 on_error=lambda err: self._fail(name, _reason(err)),
                                 on_progress=lambda f, m: self._on_progress(name, f, m))

    def _fail(self, name: str, reason: str) -> None:
        if self.current != name:
            return
        self.last_error = reason
        self.set_caption(_caption(name), f"⚠ {reason}")
        self.failed.emit(name, reason)

    def _finish(self, name: str, extra: str = "") -> None:
        self.set_caption(_caption(name), extra)
        self.ready.emit(name)

    def _on_progress(self, name: str, fraction, message: str) -> None:
        if self.current == name and message:
            pct = "" if fraction is None else f" {fraction:.0%}"
            self.set_caption(_caption(name), f"{message}{pct}")

    def _data_work(self):
        """A task function returning the LectureData to use -- reads ``window.ratings`` now, on the UI
        thread.  A cached download or the synthetic set read before is reused (and so is the model
        trained on it), but a download that appeared since replaces the synthetic set."""
        current = self.window.ratings
        previous = self.data if current is None else None

        def work(control) -> LectureData:
            if previous is not None and previous.source == SOURCE_CACHE:
                return previous
            data = lecture_ratings(current, control=control)
            if data.synthetic and previous is not None and previous.synthetic:
                return previous
            return data
        return work

    def _train_config(self, data: LectureData):
        from embexplorer.core.recommender.mf import MFConfig

        return MFConfig(epochs=LECTURE_EPOCHS, seed=LECTURE_SEED)

    def _remember(self, data: LectureData, model) -> None:
        self.data = data
        if model is not None:
            self._models = {id(data.ratings): model}  # one at a time: models are large

    # ----------------------------------------------------------- 1. ratings
    def _run_ratings(self) -> None:
        load = self._data_work()

        def work(control):
            data = load(control)
            return data, ratings_summary(data.ratings)

        def done(value) -> None:
            data, summary = value
            self.data = data
            self.panel.ratings_page.show_ratings(data.ratings, summary)
            self.show_panel()
            self._finish("ratings", f"{data.note}: {summary.text()}")

        self._start("ratings", work, done)

    # ------------------------------------------------------------ 2. genres
    def _run_genres(self) -> None:
        from embexplorer.core.analysis.pca import fit_pca
        from embexplorer.core.recommender.mf import train

        load = self._data_work()
        window_model = self.window.mf_model
        cache = dict(self._models)
        config_of = self._train_config

        def work(control):
            data = load(control)
            genre_emb = genre_embeddings(data.ratings)
            pca = fit_pca(genre_emb.vectors, n_components=min(10, genre_emb.dims, genre_emb.n))
            model = _reusable(window_model, data.ratings) or cache.get(id(data.ratings))
            if model is None:
                model = train(data.ratings, config_of(data), control=control)
            learned = model.item_embeddings(TOP_RATED)
            cmp = compare_neighbours(genre_emb, learned, default_movie(learned), GENRE_NEIGHBOURS)
            return data, genre_emb, pca, model, learned, cmp

        def done(value) -> None:
            data, genre_emb, pca, model, learned, cmp = value
            self._remember(data, model)
            self.genre_emb, self.learned_emb, self.comparison = genre_emb, learned, cmp
            w = self.window
            w.set_embeddings(genre_emb, pca, None, title=f"Genre vectors of {data.note}")
            w.explorer.finish_setup()
            w.explorer.set_color_by("genre")
            page = self.panel.genres_page
            page.set_movies(list(learned.labels), cmp.label)
            page.show_comparison(cmp, genre_emb)
            self._focus_label(cmp.label)
            self.show_panel()
            self._finish("genres", f"{data.note}; learned vectors: {learned.n:,} most-rated movies")

        self._start("genres", work, done)

    def compare(self, label: str) -> bool:
        """Show the genre-vs-learned neighbours of movie ``label``; False if it is not in both sets."""
        if self.genre_emb is None or self.learned_emb is None:
            return False
        try:
            cmp = compare_neighbours(self.genre_emb, self.learned_emb, label, GENRE_NEIGHBOURS)
        except KeyError:
            self.window.statusBar().showMessage(f"{label!r} is not among the {self.learned_emb.n:,} "
                                                "most-rated movies", 5000)
            return False
        self.comparison = cmp
        self.panel.genres_page.show_comparison(cmp, self.genre_emb)
        self._focus_label(label)
        return True

    def _focus_label(self, label: str) -> None:
        """Mark the movie and its genre neighbours on the genre scatter (lines to each)."""
        w = self.window
        sc = w.scatter
        if w.embeddings is not self.genre_emb or label not in self.genre_emb.index or self.comparison is None:
            sc.remove_overlay(GENRE_NEIGHBOURS_OVERLAY)
            sc.remove_overlay(GENRE_QUERY_OVERLAY)
            return
        q = self.genre_emb.index[label]
        rows = np.array([n.row for n in self.comparison.genre], dtype=np.int64)
        lines = np.column_stack([np.full(len(rows), q, dtype=np.int64), rows])
        sc.set_overlay(GENRE_NEIGHBOURS_OVERLAY, rows, color=NEIGHBOUR_COLOR, size=9, lines=lines,
                       width=1.0, labels=False, z=20)
        sc.set_overlay(GENRE_QUERY_OVERLAY, [q], color=QUERY_COLOR, size=18, symbol="star", z=22)

    def _on_movie_chosen(self, label: str) -> None:
        self.compare(label)

    def _on_point_clicked(self, row: int) -> None:
        w = self.window
        if self.current == "genres" and w.embeddings is self.genre_emb and 0 <= row < self.genre_emb.n:
            label = self.genre_emb.labels[row]
            if self.learned_emb is not None and label in self.learned_emb.index:
                self.compare(label)

    # ------------------------------------------------------------- 3. users
    def _run_users(self) -> None:
        w = self.window
        m = w.mf_model
        if m is not None and w.user_panel.model is m:
            self._show_what_if(m, "the model trained last")
            return
        load = self._data_work()
        self._users_run += 1
        run_id = self._users_run  # late signals of an earlier run are ignored

        def done(data: LectureData) -> None:
            self.data = data
            panel = w.training_panel
            panel.set_data(data.ratings)
            panel.set_config(self._train_config(data))
            once = QtCore.Qt.ConnectionType.SingleShotConnection
            panel.training_finished.connect(lambda model: self._on_users_trained(model, run_id), once)
            panel.training_failed.connect(
                lambda msg: self._fail("users", msg) if run_id == self._users_run else None, once)
            w.show_dock("recommender")
            self._training_for_users = True
            self.set_caption(_caption("users"), f"training on {data.note}: watch the movies organise…")
            panel.start()

        self._start("users", lambda control: load(control), done)

    def _on_users_trained(self, model, run_id: int) -> None:
        if run_id != self._users_run:
            return
        self._training_for_users = False
        if self.current != "users":
            return
        # The window hands the model to the User panel in a later event-loop slice: wait for it.
        self.window.user_panel.user_selected.connect(
            lambda _u: self._show_what_if(model, self.data.note if self.data else "", run_id),
            QtCore.Qt.ConnectionType.SingleShotConnection)

    def _show_what_if(self, model, note: str, run_id: int | None = None) -> None:
        if self.current != "users" or (run_id is not None and run_id != self._users_run):
            return
        self._users_run += 1  # shown: nothing pending any more
        w = self.window
        w.show_dock("user")
        up = w.user_panel
        example = what_if_example(model)
        up.start_new_user()
        for item, stars in example:
            up.rate(item, stars)
        rated = ", ".join(f"{model.titles[i] or model.item_ids[i]} {s:g}★" for i, s in example)
        self.panel.users_page.text.setText(
            "<p>Each user is a vector in the same space as the movies; a predicted rating is their dot "
            "product plus biases.</p>"
            f"<p>Worked example: a new user who rated {rated}. The vector is fitted by regularised "
            "least squares against the fixed movie vectors (cold-start fold-in) and drawn as the arrow "
            "on the scatter; the stars are the recommendations.</p>"
            "<p>Your turn: in the <b>User</b> dock press <b>New user</b>, type a title, give stars, "
            "press <b>Rate</b> — the vector and the recommendations follow at once.</p>")
        self.show_panel()
        self._finish("users", f"{note}; worked example: {len(example)} ratings")

    def _on_new_user_requested(self) -> None:
        w = self.window
        if w.user_panel.model is None:
            self.run("users")
            return
        w.show_dock("user")
        w.user_panel.start_new_user()
        w.user_panel.movie_edit.setFocus()

    # -------------------------------------------------- 4. gradient descent
    def _run_gradient_descent(self) -> None:
        from embexplorer._qt.demos import unit_rms
        from embexplorer.core.analysis.pca import fit_pca
        from embexplorer.core.recommender.mf import MovieFrames
        from embexplorer.core.teaching.lecture import run_configs

        page = self.panel.gradient_page
        switch, epochs = page.switch, page.epochs_spin.value()
        load = self._data_work()
        names = [n for n, _ in run_configs(switch, epochs, LECTURE_SEED)]
        page.reset(names)
        page.status.setText("Training both runs on the same split with the same seed…")
        self.show_panel()
        self.runs = None

        def work(control):
            data = load(control)
            frames = [MovieFrames(top_n=TOP_RATED), MovieFrames(top_n=TOP_RATED)]

            def on_epoch(run, stats, snapshot):
                emb, xy = frames[run].update(snapshot)
                control.emit((run, stats, emb, unit_rms(xy)))

            runs = compare_runs(data.ratings, switch, epochs, LECTURE_SEED, control=control,
                                on_epoch=on_epoch)
            final = runs.runs[0].model.item_embeddings(TOP_RATED)
            pca = fit_pca(final.vectors, n_components=min(10, final.dims, final.n))
            return data, runs, norm_histograms({r.name: r for r in runs.runs}), final, pca

        def on_epoch(value) -> None:
            if self.current != "gradient-descent":
                return
            run, stats, emb, xy = value
            page.add_epoch(run, stats)
            self.window.show_frame(LECTURE_SOURCE, emb, xy, stats.epoch, FRAME_AXES,
                                   f"gradient descent: {names[run]}")
            self.set_caption(_caption("gradient-descent"),
                             f"{names[run]}: epoch {stats.epoch}/{stats.epochs}")

        def done(value) -> None:
            data, runs, hists, final, pca = value
            self._remember(data, runs.runs[0].model)
            self.runs = runs
            page.show_norms(hists)
            page.status.setText(runs.text())
            self.window.set_embeddings(final, pca, None, title=f"MF model ({runs.runs[0].name}), {data.note}")
            a, b = (hists.means[r.name] for r in runs.runs)
            self._finish("gradient-descent", f"{data.note}; mean movie-vector norm {a:.2f} vs {b:.2f}")

        def done_guarded(value) -> None:
            if self.current == "gradient-descent":
                done(value)

        self.window.runner.start(LECTURE_TASK, work, on_result=done_guarded, on_yield=on_epoch,
                                 on_error=lambda err: self._fail("gradient-descent", _reason(err)),
                                 on_progress=lambda f, m: self._on_progress("gradient-descent", f, m))

    def _on_rerun_requested(self) -> None:
        self.run("gradient-descent")

    # ------------------------------------------------------------ 5. PCA axes
    def _run_pca_axes(self) -> None:
        from embexplorer.core.analysis.pca import fit_pca
        from embexplorer.core.recommender.mf import train

        w = self.window
        emb, pca = w.embeddings, w.pca
        if emb is not None and pca is not None and (emb.format == "mf" or emb.kind == "word"):
            self._show_pca(emb, pca, "the current set")
            return
        load = self._data_work()
        window_model = w.mf_model
        cache = dict(self._models)
        config_of = self._train_config

        def work(control):
            data = load(control)
            model = _reusable(window_model, data.ratings) or cache.get(id(data.ratings))
            if model is None:
                model = train(data.ratings, config_of(data), control=control)
            movies = model.item_embeddings(TOP_RATED)
            return data, model, movies, fit_pca(movies.vectors, n_components=min(10, movies.dims, movies.n))

        def done(value) -> None:
            data, model, movies, pca = value
            self._remember(data, model)
            w.set_embeddings(movies, pca, None, title=f"MF model, {data.note}")
            self._show_pca(movies, pca, data.note)

        self._start("pca-axes", work, done)

    def _show_pca(self, emb, pca, note: str) -> None:
        self._pca_source = (emb, pca)
        page = self.panel.pca_page
        page.set_components([pca.axis_label(i) for i in range(pca.n_components)])
        self._ends = None
        self._show_component(0)
        self.show_panel()
        self._finish("pca-axes", f"{note}; the {page.top_spin.value():,} most-rated"
                     if "ratings" in emb.metadata else note)

    def _show_component(self, component: int) -> None:
        if self._pca_source is None:
            return
        emb, pca = self._pca_source
        page = self.panel.pca_page
        top = page.top_spin.value()
        rows_emb = emb if ("ratings" in emb.metadata or emb.kind != "word") else _first_rows(emb, top)
        self._ends = all_pca_extremes(rows_emb, _restricted_pca(pca, emb, rows_emb), EXTREMES_N, top)
        ends = self._ends[component]
        page.show_ends(ends)
        w = self.window
        if w.embeddings is emb and w.pca is pca and pca.n_components > 1:
            other = 1 if component == 0 else 0
            w.set_axes(component, other)
            # The two ends, labelled on the scatter: the axis reads left (low) to right (high).
            for name, side, color in ((PCA_LOW_OVERLAY, ends.low, PCA_LOW_COLOR),
                                      (PCA_HIGH_OVERLAY, ends.high, PCA_HIGH_COLOR)):
                w.scatter.set_overlay(name, [r for r, _, _ in side], color=color, size=10, z=20)

    def _on_component_changed(self, component: int) -> None:
        self._show_component(component)

    # ----------------------------------------------------------- 6. analogies
    def _run_analogies(self) -> None:
        w = self.window
        found = available_analogies(w.embeddings)
        if found:
            self._show_analogies(found)
            return
        path, fmt = _cached_glove()
        if path is None:
            self._fail("analogies", "needs word vectors: open GloVe (File ▸ Open) or download "
                                    "“glove-wiki-gigaword-50” on the start page, then choose this again")
            return
        self.set_caption(_caption("analogies"), f"opening {path.name}…")
        once = QtCore.Qt.ConnectionType.SingleShotConnection
        w.embeddings_changed.connect(lambda _emb: self._after_words_loaded(), once)
        w.open_file(str(path), format=fmt)

    def _after_words_loaded(self) -> None:
        if self.current != "analogies":
            return
        found = available_analogies(self.window.embeddings)
        if found:
            self._show_analogies(found)
        else:
            self._fail("analogies", "none of the classic analogies' words are in this set")

    def _show_analogies(self, found: list) -> None:
        self.analogies = found
        self.analogy_index = 0
        self.panel.analogies_page.set_enabled_steps(len(found))
        self.show_panel()
        self.step_analogy(0)
        self.ready.emit("analogies")

    def step_analogy(self, delta: int) -> bool:
        """Move ``delta`` analogies on (wrapping) and solve it in the Analogy panel; False if none."""
        if not self.analogies:
            return False
        self.analogy_index = (self.analogy_index + delta) % len(self.analogies)
        q = self.analogies[self.analogy_index]
        w = self.window
        w.show_dock("analogy")
        ap = w.analogy_panel
        ap.tabs.setCurrentIndex(0)
        ap.case_check.setChecked(True)
        ok = ap.solve(q.a, q.b, q.c)
        res = ap.results.get("3cosadd") if ok else None
        answer = res.answer.label if res is not None and res.answer is not None else "?"
        mark = "✓" if answer.lower() == q.expected.lower() else f"✗ (expected {q.expected})"
        text = (f"{self.analogy_index + 1} / {len(self.analogies)} · {q.relation}: "
                f"<b>{q.a} : {q.b} :: {q.c} : {answer}</b> {mark}")
        self.panel.analogies_page.label.setText(text)
        if ok:
            w.zoom_to_results()
        self.set_caption(_caption("analogies"), f"{q.relation}: {q.a} : {q.b} :: {q.c} : {answer} {mark}")
        return ok

    def _on_step_requested(self, delta: int) -> None:
        self.step_analogy(delta)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def _reason(err: BaseException) -> str:
    return getattr(err, "reason", None) or str(err) or type(err).__name__


def _reusable(model, ratings):
    """``model`` if it was trained on ``ratings`` (same users and items), else None."""
    if model is None:
        return None
    if model.item_ids == list(ratings.item_ids) and model.user_ids == list(ratings.user_ids):
        return model
    return None


def _first_rows(emb, n: int):
    """Word sets: the first ``n`` rows (sorted files list the most frequent words first)."""
    return emb if emb.n <= n else emb.subset(np.arange(n))


def _restricted_pca(pca, emb, sub):
    """``pca`` with its coordinates cut to the rows of ``sub`` (a prefix subset of ``emb``)."""
    if sub is emb:
        return pca
    import dataclasses

    return dataclasses.replace(pca, coords=np.ascontiguousarray(pca.coords[:sub.n]))


def _cached_glove():
    """(path, format) of a downloaded gensim-data GloVe model, or (None, None)."""
    from embexplorer.core.data import gensim_data

    for name in ("glove-wiki-gigaword-50", "glove-wiki-gigaword-100"):
        try:
            if gensim_data.is_downloaded(name):
                spec = gensim_data.resolve(name)
                return gensim_data.model_path(spec), spec.format
        except Exception:  # noqa: BLE001 -- a damaged catalogue entry: no cached GloVe
            continue
    return None, None


def install_lecture(window) -> LectureController:
    """Add the Lecture menu, caption banner and Lecture dock to ``window``; return the controller
    (also kept as ``window.lecture``)."""
    existing = getattr(window, "lecture", None)
    if isinstance(existing, LectureController):
        return existing
    controller = LectureController(window)
    window.lecture = controller
    return controller


def run_lecture_when_ready(window, name: str, after=None) -> LectureController:
    """Install the Lecture menu and run lecture ``name`` once signal ``after`` fires (e.g. the window's
    ``ratings_loaded`` or ``embeddings_changed``), or at the next turn of the event loop when None.

    For ``embexplorer --lecture NAME`` without ``--screenshot``.  Raises KeyError for an unknown name.
    """
    if name not in LECTURES:
        raise KeyError(name)
    controller = install_lecture(window)
    if after is None:
        QtCore.QTimer.singleShot(0, controller, lambda: controller.run(name))
    else:
        after.connect(lambda *_: controller.run(name), QtCore.Qt.ConnectionType.SingleShotConnection)
    return controller


def run_lecture_for_screenshot(window, name: str, timeout_ms: int = SCREENSHOT_TIMEOUT_MS) -> bool:
    """Run lecture ``name`` in ``window`` and wait until it shows its final state.

    Installs the Lecture menu if needed.  Returns True when :attr:`LectureController.ready`
    came, False when it failed (the caption says why) or ``timeout_ms`` passed.  Raises KeyError
    for an unknown name.
    """
    controller = getattr(window, "lecture", None) or install_lecture(window)
    if name not in LECTURES:
        raise KeyError(name)
    loop = QtCore.QEventLoop()
    outcome: dict[str, bool] = {}

    def on_ready(n: str) -> None:
        if n == name:
            outcome.setdefault("ok", True)
            loop.quit()

    def on_failed(n: str, _reason: str) -> None:
        if n == name:
            outcome.setdefault("ok", False)
            loop.quit()

    controller.ready.connect(on_ready)
    controller.failed.connect(on_failed)
    timer = QtCore.QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    try:
        controller.run(name)
        if not outcome:
            timer.start(timeout_ms)
            loop.exec()
    finally:
        timer.stop()
        controller.ready.disconnect(on_ready)
        controller.failed.disconnect(on_failed)
    for _ in range(SETTLE_PASSES):
        QtCore.QCoreApplication.processEvents()
    return outcome.get("ok", False)
