"""The Lecture dock's pages, one per demonstration, and the panel that stacks them.

The pages only show what they are given and say what the user asked for (signals); the
runs that fill them are in :mod:`embexplorer._qt.features.lecture.feature`.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.features.lecture.caption import CAPTION_FONT_SCALE
from embexplorer._qt.widgets.axes import epoch_plot
from embexplorer._qt.widgets.results import TableModel, make_table
from embexplorer._qt.widgets.training_panel import PlotPaletteMixin
from embexplorer.core.data._textparse import is_number_text
from embexplorer.core.teaching.lecture import LECTURE_EPOCHS, SWITCHES, TOP_RATED, long_tail_histogram
from embexplorer.core.view import palette

#: Height of the pages' plots (pixels).
PLOT_MIN_HEIGHT = 140
#: Row height slack of the ratings table (pixels beyond the font height).
ROW_PADDING_PX = 4
#: Widths of the ratings table's user, movie and rating columns, in digits.
RATINGS_COLUMN_CHARS = (6, 36, 6)
#: Curve colours of the two gradient-descent runs, and the opacity of their norm histograms' fill.
RUN_COLORS = (palette.BLUE, palette.RED)
FILL_ALPHA = 60
#: Opacity of the legends' backing (the curves stay visible behind), and their text size.
LEGEND_ALPHA = 210
LEGEND_TEXT_SIZE = "8pt"
#: Legend offsets: the loss legend bottom left (the curves start high and fall to the right), the
#: norm legend top right (the histograms rise from the left).
LOSS_LEGEND_OFFSET, NORM_LEGEND_OFFSET = (10, -10), (-10, 10)
#: Time format of the ratings table (UTC).
TIME_FORMAT = "%Y-%m-%d %H:%M"
#: Maximum of the epochs spin box of the gradient-descent page.
MAX_EPOCHS = 50
#: Largest "among the N most-rated" of the PCA page.
MAX_TOP_RATED = 1_000_000
#: Characters the movie box of the genre page keeps room for.
MOVIE_BOX_CHARS = 30
#: Rows the side-by-side tables (genre vs learned neighbours, the ends of an axis) ask room for; the rest
#: scroll, so that the plot keeps room for the titles it labels.
SIDE_TABLE_ROWS = 6
#: Margin of the Lecture dock around its pages (pixels).
PANEL_MARGIN = 2


def _ranks(keys: list) -> np.ndarray:
    order = sorted(range(len(keys)), key=keys.__getitem__)
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order] = np.arange(len(keys))
    return rank


def _plot(x_title: str, y_title: str) -> pg.PlotWidget:
    p = epoch_plot() if x_title == "epoch" else pg.PlotWidget()  # whole epochs only: no "1.5" tick
    p.setLabel("bottom", x_title)
    p.setLabel("left", y_title)
    p.setMinimumHeight(PLOT_MIN_HEIGHT)
    p.showGrid(x=True, y=True, alpha=0.2)
    return p


def _legend(plot: pg.PlotWidget, offset: tuple[int, int], **options) -> None:
    base = plot.palette().color(QtGui.QPalette.ColorRole.Base)
    plot.addLegend(offset=offset, brush=(base.red(), base.green(), base.blue(), LEGEND_ALPHA),
                   labelTextSize=LEGEND_TEXT_SIZE, **options)


def _bars(plot: pg.PlotWidget, edges: np.ndarray, counts: np.ndarray) -> None:
    plot.clear()
    plot.addItem(pg.BarGraphItem(x0=edges[:-1], x1=edges[1:], height=counts, brush=palette.HIST_RGBA,
                                 pen=pg.mkPen(palette.HIST_RGBA[:3])))


def _side_by_side(left: list[str], right: list[str]) -> tuple[TableModel, TableModel, QtWidgets.QHBoxLayout]:
    """Two tables next to each other (genre vs learned neighbours, low vs high end): their models and
    the layout holding them; the first column of each takes the width."""
    models = TableModel(left), TableModel(right)
    row = QtWidgets.QHBoxLayout()
    for model in models:
        table = make_table(model)
        table.rows_shown = SIDE_TABLE_ROWS  # the plot above keeps the height its labels need
        table.horizontalHeader().setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Stretch)
        table.horizontalHeader().setStretchLastSection(False)
        row.addWidget(table)
    return models[0], models[1], row


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
        """Show ``ratings`` (a :class:`~embexplorer.core.recommender.movielens.Ratings`), unsorted."""
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
                keys = [(0, float(u), "") if is_number_text(u) else (1, 0.0, u) for u in r.user_ids]
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


# ---------------------------------------------------------------------------
# Pages of the Lecture dock
# ---------------------------------------------------------------------------
class RatingsPage(PlotPaletteMixin, QtWidgets.QWidget):
    """The raw ratings table, its counts and the two long tails."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = RatingsTableModel(self)
        self.table = QtWidgets.QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(False)  # sort on header click without an initial sort
        header = self.table.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setStretchLastSection(True)
        header.sortIndicatorChanged.connect(self._on_sort_indicator_changed)
        vh = self.table.verticalHeader()
        vh.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Fixed)  # no per-row size hints
        vh.setDefaultSectionSize(self.table.fontMetrics().height() + ROW_PADDING_PX)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
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
        self._follow_palette()

    def _plots(self) -> list[pg.PlotWidget]:
        return [self.user_plot, self.item_plot]

    def show_ratings(self, ratings, summary) -> None:
        """The table of ``ratings``, the counts of ``summary`` and its long tails."""
        self.summary = summary
        self.model.set_ratings(ratings)
        fm = self.table.fontMetrics()
        for col, chars in enumerate(RATINGS_COLUMN_CHARS):
            self.table.setColumnWidth(col, fm.horizontalAdvance("0" * chars))
        dist = ", ".join(f"{v:g}★ {c / max(summary.n_ratings, 1):.0%}"
                         for v, c in zip(summary.rating_values, summary.rating_counts))
        self.counts_label.setText(f"{summary.text()} · ratings: {dist}")
        _bars(self.user_plot, *long_tail_histogram(summary.per_user))
        _bars(self.item_plot, *long_tail_histogram(summary.per_item))

    def _on_sort_indicator_changed(self, column: int, order) -> None:
        self.model.sort(column, order)


class GenresPage(QtWidgets.QWidget):
    """A movie's neighbours by genre vectors and by learned vectors, side by side.

    Signals
    -------
    movie_chosen(str)
        The user chose a movie in the box.
    """

    movie_chosen = QtCore.Signal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.movie_box = QtWidgets.QComboBox()
        self.movie_box.setEditable(True)
        self.movie_box.setInsertPolicy(QtWidgets.QComboBox.InsertPolicy.NoInsert)
        self.movie_box.completer().setFilterMode(QtCore.Qt.MatchFlag.MatchContains)
        self.movie_box.completer().setCompletionMode(QtWidgets.QCompleter.CompletionMode.PopupCompletion)
        self.movie_box.setMinimumContentsLength(MOVIE_BOX_CHARS)
        self.movie_box.activated.connect(self._on_movie_activated)
        self.explain = QtWidgets.QLabel("")
        self.explain.setWordWrap(True)
        self.explain.setObjectName("lectureGenreExplain")
        shared = ["cosine", "shared genres"]
        self.genre_model, self.learned_model, sides = _side_by_side(["genre neighbour", *shared],
                                                                    ["learned neighbour", *shared])
        head = QtWidgets.QHBoxLayout()
        head.addWidget(QtWidgets.QLabel("Movie"))
        head.addWidget(self.movie_box, 1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.explain)
        layout.addLayout(sides, 1)

    def set_movies(self, labels: list[str], current: str) -> None:
        """Offer ``labels`` in the box, ``current`` shown (no signal)."""
        blocked = self.movie_box.blockSignals(True)
        self.movie_box.clear()
        self.movie_box.addItems(labels)
        self.movie_box.setCurrentText(current)
        self.movie_box.blockSignals(blocked)

    def show_comparison(self, cmp, genre_emb) -> None:
        """Both neighbour lists of ``cmp`` and a worked dot product from ``genre_emb``."""
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
    """How to make your own user vector in the User dock.

    Signals
    -------
    new_user_requested()
        The user pressed "Start a new user".
    """

    new_user_requested = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
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

    def show_example(self, rated: str) -> None:
        """Explain user vectors with the worked example ``rated`` ("Title 5★, …")."""
        self.text.setText(
            "<p>Each user is a vector in the same space as the movies; a predicted rating is their dot "
            "product plus biases.</p>"
            f"<p>Worked example: a new user who rated {rated}. The vector is fitted by regularised "
            "least squares against the fixed movie vectors (cold-start fold-in) and drawn as the arrow "
            "on the scatter; the stars are the recommendations.</p>"
            "<p>Your turn: in the <b>User</b> dock press <b>New user</b>, type a title, give stars, "
            "press <b>Rate</b> — the vector and the recommendations follow at once.</p>")


class GradientPage(PlotPaletteMixin, QtWidgets.QWidget):
    """Two runs' loss curves overlaid and their embedding-norm histograms.

    Signals
    -------
    rerun_requested()
        The user pressed "Run both".
    """

    rerun_requested = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
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
        _legend(self.loss_plot, LOSS_LEGEND_OFFSET, verSpacing=-6)  # small: the curves stay in view
        self.norm_plot = _plot("norm of a movie vector", "movies")
        _legend(self.norm_plot, NORM_LEGEND_OFFSET)
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
        self._follow_palette()

    def _plots(self) -> list[pg.PlotWidget]:
        return [self.loss_plot, self.norm_plot]

    @property
    def switch(self) -> str:
        """The switch turned off in the second run (a key of :data:`SWITCHES`)."""
        return self.switch_box.currentData()

    def reset(self, names: list[str]) -> None:
        """Empty curves for runs ``names`` (train solid, validation dashed)."""
        self.loss_plot.clear()
        self.norm_plot.clear()
        self.curves, self.points, self.run_names = {}, {}, list(names)
        pen_style = QtCore.Qt.PenStyle
        for i, name in enumerate(names):
            color = RUN_COLORS[i % len(RUN_COLORS)]
            for kind, style in (("train", pen_style.SolidLine), ("valid", pen_style.DashLine)):
                pen = pg.mkPen(color, width=2, style=style)
                label = f"{name}: {'train loss' if kind == 'train' else 'validation MSE'}"
                self.curves[(i, kind)] = self.loss_plot.plot([], [], pen=pen, symbol="o", symbolSize=5,
                                                             symbolBrush=color, name=label)
                self.points[(i, kind)] = []

    def add_epoch(self, run: int, stats) -> None:
        """Extend run ``run``'s curves by one epoch's ``stats``."""
        self.points[(run, "train")].append((stats.epoch, stats.train_loss))
        if not math.isnan(stats.valid_mse):
            self.points[(run, "valid")].append((stats.epoch, stats.valid_mse))
        for kind in ("train", "valid"):
            pts = self.points[(run, kind)]
            self.curves[(run, kind)].setData([p[0] for p in pts], [p[1] for p in pts])

    def show_norms(self, hists) -> None:
        """The runs' movie-vector norm histograms (:class:`NormHistograms`), on shared bins."""
        self.norm_plot.clear()
        for i, (name, counts) in enumerate(hists.counts.items()):
            color = RUN_COLORS[i % len(RUN_COLORS)]
            self.norm_plot.plot(hists.edges, counts, stepMode="center", pen=pg.mkPen(color, width=2),
                                fillLevel=0, brush=(*color, FILL_ALPHA),
                                name=f"{name}: mean {hists.means[name]:.2f}")


class PCAPage(QtWidgets.QWidget):
    """The items at both ends of a chosen principal component.

    Signals
    -------
    component_changed(int)
        The component to read (0-based), chosen or re-asked (another "most-rated" count).
    """

    component_changed = QtCore.Signal(int)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.component_box = QtWidgets.QComboBox()
        self.component_box.currentIndexChanged.connect(self._on_component_changed)
        self.top_spin = QtWidgets.QSpinBox(minimum=1, maximum=MAX_TOP_RATED, value=TOP_RATED)
        self.top_spin.setPrefix("among the ")
        self.top_spin.setSuffix(" most-rated")
        self.top_spin.setToolTip("Read the axis among the most-rated items (fastai: 1,000); words: "
                                 "the first (most frequent) rows")
        self.top_spin.editingFinished.connect(self._on_top_edited)
        self.status = QtWidgets.QLabel("")
        self.status.setWordWrap(True)
        self.low_model, self.high_model, sides = _side_by_side(["low end", "coordinate"],
                                                               ["high end", "coordinate"])
        head = QtWidgets.QHBoxLayout()
        head.addWidget(QtWidgets.QLabel("Component"))
        head.addWidget(self.component_box)
        head.addWidget(self.top_spin)
        head.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.status)
        layout.addLayout(sides, 1)

    @property
    def component(self) -> int:
        """The component chosen (0-based)."""
        return max(0, self.component_box.currentIndex())

    def set_components(self, titles: list[str]) -> None:
        """Offer components ``titles``, the first chosen (no signal)."""
        blocked = self.component_box.blockSignals(True)
        self.component_box.clear()
        self.component_box.addItems(titles)
        self.component_box.setCurrentIndex(0)
        self.component_box.blockSignals(blocked)

    def show_ends(self, ends) -> None:
        """The two ends of a component (:class:`AxisEnds`)."""
        self.low_model.set_rows([[label, coord] for _, label, coord in ends.low])
        self.high_model.set_rows([[label, coord] for _, label, coord in ends.high])
        self.status.setText(f"{ends.title}: the {len(ends.low)} items at each end, among "
                            f"{ends.candidates:,}. "
                            "What do the ends have in common? That is what the axis measures.")

    def _on_component_changed(self, index: int) -> None:
        if index >= 0:
            self.component_changed.emit(index)

    def _on_top_edited(self) -> None:
        self.component_changed.emit(self.component)


class AnalogiesPage(QtWidgets.QWidget):
    """Step through the classic analogies present in the loaded words.

    Signals
    -------
    step_requested(int)
        Move by this many analogies (-1: previous, 1: next).
    """

    step_requested = QtCore.Signal(int)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.prev_button = QtWidgets.QPushButton("◀ Previous")
        self.next_button = QtWidgets.QPushButton("Next ▶")
        self.prev_button.setShortcut(QtGui.QKeySequence("Alt+Left"))
        self.next_button.setShortcut(QtGui.QKeySequence("Alt+Right"))
        self.prev_button.clicked.connect(self._on_prev_clicked)
        self.next_button.clicked.connect(self._on_next_clicked)
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
        """``n`` analogies to step through (the buttons need two)."""
        for b in (self.prev_button, self.next_button):
            b.setEnabled(n > 1)

    def _on_prev_clicked(self) -> None:
        self.step_requested.emit(-1)

    def _on_next_clicked(self) -> None:
        self.step_requested.emit(1)


class LecturePanel(QtWidgets.QWidget):
    """The Lecture dock's content: one page per demonstration (keys of :data:`LECTURES`)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
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
        layout.setContentsMargins(PANEL_MARGIN, PANEL_MARGIN, PANEL_MARGIN, PANEL_MARGIN)
        layout.addWidget(self.stack)

    def show_page(self, name: str) -> QtWidgets.QWidget:
        """Bring the page of demonstration ``name`` to the front."""
        page = self.pages[name]
        # A stack is as tall as its tallest page; hidden pages must not keep the dock tall.
        policy = QtWidgets.QSizePolicy.Policy
        for other in self.pages.values():
            shown = other is page
            other.setSizePolicy(policy.Preferred if shown else policy.Ignored,
                                policy.Preferred if shown else policy.Ignored)
        self.stack.setCurrentWidget(page)
        self.stack.updateGeometry()
        return page
