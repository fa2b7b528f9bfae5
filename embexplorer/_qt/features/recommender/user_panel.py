"""Per-user panel of a trained MF model: ratings vs predictions, explained recommendations,
similar users, and a "what if" user folded in from ratings given in the panel.

All numbers come from :class:`embexplorer.core.recommender.mf.MFModel`; the panel renders
them and reports what to highlight on the movie scatter through
:attr:`MFUserPanel.highlight_changed`.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from embexplorer._qt.widgets.training_panel import apply_plot_palette
from embexplorer.core.recommender.mf import MFModel
from embexplorer.core.view import palette

#: Default and maximum number of recommendations / similar users listed.
DEFAULT_N = 20
MAX_N = 500
#: Factors listed in an explanation.
EXPLAIN_FACTORS = 3
#: Rating scale offered for the "what if" user (half stars).
WHAT_IF_RANGE = (0.5, 5.0)
WHAT_IF_STEP = 0.5
#: Label of the folded-in user in the user list.
NEW_USER_LABEL = "new user (what if)"
#: Index used for the folded-in user in signals.
NEW_USER = -1


#: Role holding a cell's exact value (sorting and tests); the text shows it rounded.
VALUE_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1
#: Decimals shown for numbers.
DECIMALS = 3
#: Pixels added to the text height of a table row.
ROW_PADDING_PX = 6


class _Cell(QtWidgets.QTableWidgetItem):
    """A read-only cell sorting by its exact value (numbers as numbers, text case-insensitively)."""

    def __lt__(self, other) -> bool:
        a, b = self.data(VALUE_ROLE), other.data(VALUE_ROLE)
        if isinstance(a, float) and isinstance(b, float):
            return a < b
        return str(self.text()).lower() < str(other.text()).lower()


def _item(value) -> QtWidgets.QTableWidgetItem:
    it = _Cell()
    if isinstance(value, (int, np.integer)):  # counts: no decimals
        it.setData(VALUE_ROLE, float(value))
        it.setText(f"{int(value):,}")
        it.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
    elif isinstance(value, (float, np.floating)):
        it.setData(VALUE_ROLE, float(value))
        it.setText(f"{float(value):.{DECIMALS}f}")
        it.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
    else:
        it.setText(str(value))
        it.setToolTip(str(value))  # the full title when the column is too narrow for it
    it.setFlags(it.flags() & ~QtCore.Qt.ItemFlag.ItemIsEditable)
    return it


def _table(headers: list[str], sort_column: int = -1) -> QtWidgets.QTableWidget:
    """A sortable table; ``sort_column`` (descending) orders fresh rows, -1 keeps their order."""
    t = QtWidgets.QTableWidget(0, len(headers))
    t.horizontalHeader().setSortIndicator(sort_column, QtCore.Qt.SortOrder.DescendingOrder)
    t.setHorizontalHeaderLabels(headers)
    t.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
    t.verticalHeader().setVisible(False)
    header = t.horizontalHeader()
    header.setStretchLastSection(False)
    # The title takes the spare width; the numbers only what they need (they are short).
    header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Stretch)
    header.setMinimumSectionSize(t.fontMetrics().horizontalAdvance("0.000"))
    t.setTextElideMode(QtCore.Qt.TextElideMode.ElideRight)
    t.setWordWrap(False)
    # One line of text per row (the style's default rows are roomy): more movies in a short dock.
    t.verticalHeader().setDefaultSectionSize(t.fontMetrics().height() + ROW_PADDING_PX)
    return t


def _fill(table: QtWidgets.QTableWidget, rows: list[list], keys: list[int]) -> None:
    """Replace the rows (re-sorted as the user last sorted); ``keys[i]`` (item/user index) is the
    UserRole of the first cell."""
    table.setSortingEnabled(False)
    table.setRowCount(len(rows))
    for r, (row, key) in enumerate(zip(rows, keys)):
        for c, value in enumerate(row):
            cell = _item(value)
            if c == 0:
                cell.setData(QtCore.Qt.ItemDataRole.UserRole, int(key))
            table.setItem(r, c, cell)
    table.setSortingEnabled(True)


#: Movies listed in the bias view, and the default least number of training ratings a movie needs to be
#: listed or plotted (with fewer, its bias is mostly noise; fastai's notebook looks at popular movies).
BIAS_LIST_N = 15
DEFAULT_BIAS_MIN_RATINGS = 20
MAX_BIAS_MIN_RATINGS = 1_000_000
#: What the bias plot puts on its x axis.
BIAS_X_AXES = ("average rating", "number of ratings (log10)")
#: Bias plot styling: all movies, and the ones listed in the table.
BIAS_POINT_SIZE = 5
BIAS_PLOT_MIN_HEIGHT = 120
BIAS_SPLIT_SHARE = 1000
BIAS_POINT_BRUSH = (*palette.BLUE, 110)
LISTED_SIZE = 10
LISTED_PEN = pg.mkPen(palette.RED, width=1.5)


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 3 or np.std(x) == 0 or np.std(y) == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


class MovieBiasView(QtWidgets.QWidget):
    """A trained model's movie biases: the lowest or highest ("liked or disliked regardless of
    taste", as fastai reads them) and a plot of bias against average rating or popularity.

    Signals
    -------
    movie_activated(int)
        Item index of a movie clicked in the list or on the plot.
    """

    movie_activated = QtCore.Signal(int)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.model: MFModel | None = None
        self._x = np.zeros(0)
        self._y = np.zeros(0)
        self._rows = np.zeros(0, dtype=np.int64)
        self.side = QtWidgets.QComboBox()
        self.side.addItems(["lowest biases", "highest biases"])
        self.min_spin = QtWidgets.QSpinBox(minimum=0, maximum=MAX_BIAS_MIN_RATINGS,
                                           value=DEFAULT_BIAS_MIN_RATINGS)
        self.min_spin.setPrefix("at least ")
        self.min_spin.setSuffix(" ratings")
        self.min_spin.setToolTip("Movies with fewer training ratings are left out: their biases are "
                                 "mostly noise")
        self.x_combo = QtWidgets.QComboBox()
        self.x_combo.addItems(BIAS_X_AXES)
        self.table = _table(["movie", "bias", "mean", "ratings"])
        self.table.horizontalHeaderItem(2).setToolTip("Average rating in training")
        self.table.horizontalHeaderItem(3).setToolTip("Number of ratings in training")
        self.table.setSortingEnabled(True)
        self.table.cellClicked.connect(self._on_cell_clicked)
        self.table.itemActivated.connect(self._on_item_activated)
        self.summary = QtWidgets.QLabel("")
        self.summary.setWordWrap(True)

        self.plot = pg.PlotWidget()
        self.plot.setLabel("left", "movie bias")
        self.plot.getAxis("left").enableAutoSIPrefix(False)  # biases are small: no "(x0.001)"
        self.plot.setMinimumHeight(BIAS_PLOT_MIN_HEIGHT)
        self.points = pg.ScatterPlotItem(size=BIAS_POINT_SIZE, pen=None, brush=pg.mkBrush(*BIAS_POINT_BRUSH),
                                         hoverable=True, tip=self._tip)
        self.listed = pg.ScatterPlotItem(size=LISTED_SIZE, pen=LISTED_PEN, brush=None)
        self.plot.addItem(self.points)
        self.plot.addItem(self.listed)
        self.points.sigClicked.connect(self._on_points_clicked)
        self.listed.sigClicked.connect(self._on_points_clicked)  # the rings sit on top of their points
        apply_plot_palette(self.plot, self.palette())

        self.side.currentIndexChanged.connect(self._on_options_changed)
        self.min_spin.valueChanged.connect(self._on_options_changed)
        self.x_combo.currentIndexChanged.connect(self._on_options_changed)

        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.side)
        top.addWidget(self.min_spin)
        bottom = QtWidgets.QWidget()
        bl = QtWidgets.QVBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        axis = QtWidgets.QHBoxLayout()
        axis.addWidget(QtWidgets.QLabel("bias against"))
        axis.addWidget(self.x_combo, 1)
        bl.addLayout(axis)
        bl.addWidget(self.plot, 1)
        split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(self.table)
        split.addWidget(bottom)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([BIAS_SPLIT_SHARE, BIAS_SPLIT_SHARE])  # half list, half plot (not by size hints)
        self.splitter = split
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)

    # ------------------------------------------------------------------ API
    def set_model(self, model: MFModel | None) -> None:
        """Show ``model``'s movie biases (None clears)."""
        self.model = model
        self.refresh()

    def listed_items(self) -> list[int]:
        """Item indices in the list, in the order shown."""
        return [int(self.table.item(r, 0).data(QtCore.Qt.ItemDataRole.UserRole))
                for r in range(self.table.rowCount())]

    def plotted(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(item indices, x, bias) of the points on the plot."""
        return self._rows, self._x, self._y

    def refresh(self) -> None:
        """Recompute the list and the plot from the options shown."""
        m = self.model
        self.table.setRowCount(0)
        self.points.clear()
        self.listed.clear()
        self._rows, self._x, self._y = np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0)
        if m is None:
            self.summary.clear()
            return
        if not m.config.use_bias:
            self.summary.setText("This model was trained without biases (turn them on in the "
                                 "Recommender dock to see what each movie gets regardless of taste).")
            return
        n = m.n_items
        counts = np.asarray(m.item_meta.get("counts", np.full(n, np.nan)), dtype=np.float64)
        means = np.asarray(m.item_meta.get("means", np.full(n, np.nan)), dtype=np.float64)
        low, high = m.extreme_biases(BIAS_LIST_N, self.min_spin.value())
        chosen = low if self.side.currentIndex() == 0 else high
        rows = [[m.titles[i] or m.item_ids[i], b, float(means[i]),
                 int(counts[i]) if np.isfinite(counts[i]) else float("nan")] for i, b in chosen]
        _fill(self.table, rows, [i for i, _ in chosen])

        eligible = np.isnan(counts) | (counts >= self.min_spin.value())
        bias = m.item_bias.astype(np.float64)
        with np.errstate(divide="ignore"):
            x = means if self.x_combo.currentIndex() == 0 else np.log10(counts)
        keep = np.flatnonzero(eligible & np.isfinite(x))
        self._rows, self._x, self._y = keep, x[keep], bias[keep]
        self.points.setData(x=self._x, y=self._y, data=self._rows)
        pos = {int(r): k for k, r in enumerate(keep)}
        shown = [pos[i] for i, _ in chosen if i in pos]
        self.listed.setData(x=self._x[shown], y=self._y[shown], data=keep[shown])
        self.plot.setLabel("bottom", BIAS_X_AXES[self.x_combo.currentIndex()])
        self.plot.getPlotItem().enableAutoRange()
        sel = np.flatnonzero(eligible)
        r_mean = _pearson(means[sel][np.isfinite(means[sel])], bias[sel][np.isfinite(means[sel])])
        ok = np.isfinite(counts[sel]) & (counts[sel] > 0)
        r_pop = _pearson(np.log10(counts[sel][ok]), bias[sel][ok])
        self.summary.setText(f"{len(sel):,} movies with at least {self.min_spin.value():,} ratings; bias "
                             f"correlates with average rating r = {r_mean:.2f}, with log number of "
                             f"ratings r = {r_pop:.2f}.")

    # ---------------------------------------------------------------- slots
    def _on_options_changed(self, *_args) -> None:
        self.refresh()

    def _on_cell_clicked(self, row: int, _column: int) -> None:
        self.movie_activated.emit(int(self.table.item(row, 0).data(QtCore.Qt.ItemDataRole.UserRole)))

    def _on_item_activated(self, item: QtWidgets.QTableWidgetItem) -> None:
        self._on_cell_clicked(item.row(), 0)

    def _on_points_clicked(self, _item, points, event=None) -> None:
        if not len(points):
            return
        best = points[0]
        if event is not None and len(points) > 1:
            # Several spots under the cursor: the one nearest to it (in pixels: the axes differ in scale).
            view = self.plot.getPlotItem().vb
            click = event.scenePos()

            def dist(p):
                d = view.mapViewToScene(p.pos()) - click
                return d.x() ** 2 + d.y() ** 2

            best = min(points, key=dist)
        self.movie_activated.emit(int(best.data()))

    def changeEvent(self, event: QtCore.QEvent) -> None:  # noqa: N802 (Qt API)
        if event.type() == QtCore.QEvent.Type.PaletteChange:
            apply_plot_palette(self.plot, self.palette())
        super().changeEvent(event)

    # -------------------------------------------------------------- helpers
    def _tip(self, x: float, y: float, data) -> str:
        m = self.model
        if m is None or data is None:
            return ""
        i = int(data)
        axis = BIAS_X_AXES[self.x_combo.currentIndex()]
        return f"{m.titles[i] or m.item_ids[i]}\nbias {y:+.3f}, {axis} {x:.3g}"


class MFUserPanel(QtWidgets.QWidget):
    """Inspect one user of a trained model, or a new user made by rating movies here.

    Signals
    -------
    user_selected(int)
        Index of the user shown (:data:`NEW_USER` for the what-if user).
    highlight_changed(object)
        ``dict(rated=int array, ratings=float array, recommended=int array,
        vector=float32 array or None)`` for the scatter: colour rated movies by
        rating, highlight recommendations, draw the user vector's direction.
    movie_activated(int)
        Model item index of a movie clicked (or activated with Enter) in the ratings,
        recommendations or movie-bias lists, or on the bias plot: the window centres it.
    """

    user_selected = QtCore.Signal(int)
    highlight_changed = QtCore.Signal(object)
    movie_activated = QtCore.Signal(int)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.model: MFModel | None = None
        self.user: int | None = None
        self._new_items: list[int] = []
        self._new_ratings: list[float] = []
        self._new_vector: np.ndarray | None = None
        self._new_bias = 0.0
        self._title_rows: dict[str, int] = {}
        self._build()

    # ------------------------------------------------------------- building
    def _build(self) -> None:
        self.user_box = QtWidgets.QComboBox()
        self.user_box.setEditable(True)
        self.user_box.setInsertPolicy(QtWidgets.QComboBox.InsertPolicy.NoInsert)
        self.user_box.activated.connect(self._on_user_activated)
        self.info = QtWidgets.QLabel("")
        self.info.setWordWrap(True)

        self.ratings_table = _table(["movie", "rating", "predicted", "error"])
        self.ratings_table.horizontalHeaderItem(2).setToolTip("The model's prediction of this rating")
        self.ratings_table.horizontalHeaderItem(3).setToolTip("Prediction minus rating")
        self.recs_table = _table(["movie", "score", "user bias", "movie bias", "taste"], sort_column=1)
        self.recs_table.itemSelectionChanged.connect(self._on_rec_selected)
        self.similar_table = _table(["user", "cosine", "about"], sort_column=1)
        self.include_seen = QtWidgets.QCheckBox("include rated movies")
        self.include_seen.toggled.connect(self._on_include_seen_toggled)
        self.n_spin = QtWidgets.QSpinBox(minimum=1, maximum=MAX_N, value=DEFAULT_N)
        self.n_spin.valueChanged.connect(self._on_n_changed)
        self.explanation = QtWidgets.QLabel("")
        self.explanation.setWordWrap(True)
        self.explanation.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)

        recs = QtWidgets.QWidget()
        rl = QtWidgets.QVBoxLayout(recs)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.include_seen)
        top.addStretch(1)
        top.addWidget(QtWidgets.QLabel("show"))
        top.addWidget(self.n_spin)
        rl.addLayout(top)
        rl.addWidget(self.recs_table, 1)
        rl.addWidget(self.explanation)

        # what-if: rate movies for a new user
        self.movie_edit = QtWidgets.QLineEdit()
        self.movie_edit.setPlaceholderText("movie title")
        self.titles_model = QtCore.QStringListModel([], self)
        self.completer = QtWidgets.QCompleter(self.titles_model, self)
        self.completer.setCaseSensitivity(QtCore.Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(QtCore.Qt.MatchFlag.MatchContains)
        self.movie_edit.setCompleter(self.completer)
        self.rating_spin = QtWidgets.QDoubleSpinBox(decimals=1, minimum=WHAT_IF_RANGE[0],
                                                    maximum=WHAT_IF_RANGE[1], singleStep=WHAT_IF_STEP,
                                                    value=WHAT_IF_RANGE[1])
        self.rate_button = QtWidgets.QPushButton("Rate")
        self.rate_button.clicked.connect(self._on_rate_clicked)
        self.movie_edit.returnPressed.connect(self._on_rate_clicked)
        self.new_user_button = QtWidgets.QPushButton("New user")
        self.new_user_button.setToolTip("Start a new user and rate a few movies: the user vector is fitted "
                                        "instantly against the fixed movie vectors")
        self.new_user_button.clicked.connect(self._on_new_user_clicked)
        what_if = QtWidgets.QHBoxLayout()
        what_if.addWidget(self.new_user_button)
        what_if.addWidget(self.movie_edit, 1)
        what_if.addWidget(self.rating_spin)
        what_if.addWidget(self.rate_button)

        for table in (self.ratings_table, self.recs_table):
            table.cellClicked.connect(self._on_movie_cell_clicked)
            table.itemActivated.connect(self._on_movie_item_activated)
        self.bias_view = MovieBiasView()
        self.bias_view.movie_activated.connect(self.movie_activated)

        self.tabs = QtWidgets.QTabWidget()
        self.tabs.addTab(self.ratings_table, "Ratings")
        self.tabs.addTab(recs, "Recommendations")
        self.tabs.addTab(self.similar_table, "Similar users")
        self.tabs.addTab(self.bias_view, "Biases")
        self.tabs.setTabToolTip(3, "Movie biases: what each movie gets regardless of the user's taste")

        layout = QtWidgets.QVBoxLayout(self)
        head = QtWidgets.QHBoxLayout()
        head.addWidget(QtWidgets.QLabel("User"))
        head.addWidget(self.user_box, 1)
        layout.addLayout(head)
        layout.addWidget(self.info)
        layout.addLayout(what_if)
        layout.addWidget(self.tabs, 1)
        self._set_what_if_enabled(False)

    # ------------------------------------------------------------------ API
    def set_model(self, model: MFModel | None) -> None:
        """Show ``model`` (None clears); selects its first user."""
        self.model = model
        self.user = None
        self._new_items, self._new_ratings, self._new_vector = [], [], None
        self.user_box.clear()
        for t in (self.ratings_table, self.recs_table, self.similar_table):
            t.setRowCount(0)
        self.explanation.clear()
        self.bias_view.set_model(model)
        if model is None:
            self.info.clear()
            self._set_what_if_enabled(False)
            return
        self.user_box.addItems([self._user_text(u) for u in range(model.n_users)])
        titles = [t or f"item {i}" for t, i in zip(model.titles, model.item_ids)]
        self._title_rows = {}
        for row, t in enumerate(titles):
            self._title_rows.setdefault(t, row)
        self.titles_model.setStringList(list(self._title_rows))
        self._set_what_if_enabled(True)
        if model.n_users:
            self.select_user(0)

    def select_user(self, user: int) -> None:
        """Show user index ``user`` of the model."""
        if self.model is None or not 0 <= user < self.model.n_users:
            return
        self.user = user
        if self.user_box.currentIndex() != user:
            self.user_box.setCurrentIndex(user)
        m = self.model
        items, ratings, preds = m.user_ratings(user)
        self.info.setText(self._user_text(user) + f" - {len(items)} ratings in training, "
                          f"bias {float(m.user_bias[user]):+.3f}")
        self._fill_ratings(items, ratings, preds)
        self._refresh_recommendations()
        sims = m.similar_users(user, self.n_spin.value())
        _fill(self.similar_table, [[f"user {m.user_ids[u]}", s, self._about(u)] for u, s in sims],
              [u for u, _ in sims])
        self.user_selected.emit(user)

    def start_new_user(self) -> None:
        """Switch to an empty what-if user."""
        if self.model is None:
            return
        self.user = NEW_USER
        self._new_items, self._new_ratings = [], []
        self._refit_new_user()
        self.user_selected.emit(NEW_USER)

    def rate(self, item: int, rating: float) -> None:
        """Give the what-if user ``rating`` for ``item`` (re-rating replaces); refits at once."""
        if self.model is None:
            return
        if self.user != NEW_USER:
            self.start_new_user()
        if item in self._new_items:
            self._new_ratings[self._new_items.index(item)] = float(rating)
        else:
            self._new_items.append(int(item))
            self._new_ratings.append(float(rating))
        self._refit_new_user()

    @property
    def new_user(self) -> tuple[np.ndarray | None, float]:
        """Vector and bias of the what-if user (None before any rating)."""
        return self._new_vector, self._new_bias

    # ---------------------------------------------------------------- slots
    def _on_user_activated(self, index: int) -> None:
        self.select_user(index)

    def _on_new_user_clicked(self) -> None:
        self.start_new_user()

    def _on_rate_clicked(self) -> None:
        row = self._title_rows.get(self.movie_edit.text().strip())
        if row is None:
            self.info.setText(f"No movie titled {self.movie_edit.text().strip()!r}.")
            return
        self.rate(row, self.rating_spin.value())
        self.movie_edit.clear()

    def _on_include_seen_toggled(self, _on: bool) -> None:
        self._refresh_recommendations()

    def _on_n_changed(self, _n: int) -> None:
        self._refresh_recommendations()

    def _on_movie_cell_clicked(self, row: int, _column: int) -> None:
        table = self.sender()
        cell = table.item(row, 0) if isinstance(table, QtWidgets.QTableWidget) else None
        if cell is not None:
            self.movie_activated.emit(int(cell.data(QtCore.Qt.ItemDataRole.UserRole)))

    def _on_movie_item_activated(self, item: QtWidgets.QTableWidgetItem) -> None:
        cell = item.tableWidget().item(item.row(), 0)
        if cell is not None:
            self.movie_activated.emit(int(cell.data(QtCore.Qt.ItemDataRole.UserRole)))

    def _on_rec_selected(self) -> None:
        rows = self.recs_table.selectionModel().selectedRows()
        if not rows or self.model is None or self.user is None:
            self.explanation.clear()
            return
        item = self.recs_table.item(rows[0].row(), 0).data(QtCore.Qt.ItemDataRole.UserRole)
        d = self._decompose(item)
        factors = ", ".join(f"#{f} {c:+.3f}" for f, c in d.top_factors)
        t = d.rating_terms
        self.explanation.setText(
            f"{self.model.titles[item] or self.model.item_ids[item]}: {d.prediction:.2f} = "
            f"{d.baseline:.2f} baseline {t['user_bias']:+.2f} user bias {t['item_bias']:+.2f} movie bias "
            f"{t['dot']:+.2f} taste (dot product {d.logit_terms['dot']:+.3f}; strongest factors {factors})")

    # -------------------------------------------------------------- helpers
    def _decompose(self, item: int):
        if self.user == NEW_USER:
            vec = self._new_vector if self._new_vector is not None else np.zeros(self.model.n_factors)
            return self.model.decompose(NEW_USER, item, EXPLAIN_FACTORS, vector=vec, bias=self._new_bias)
        return self.model.decompose(self.user, item, EXPLAIN_FACTORS)

    def _refit_new_user(self) -> None:
        m = self.model
        items = np.array(self._new_items, dtype=np.int64)
        ratings = np.array(self._new_ratings, dtype=np.float64)
        if len(items):
            self._new_vector, self._new_bias = m.fold_in(items, ratings)
            preds = m.scores_for_vector(self._new_vector, self._new_bias)[items]
        else:
            self._new_vector, self._new_bias = None, 0.0
            preds = np.zeros(0)
        self.info.setText(f"{NEW_USER_LABEL}: {len(items)} rating(s); vector fitted by regularised least "
                          f"squares against the fixed movie vectors")
        self._fill_ratings(items, ratings, preds)
        self._refresh_recommendations()
        self.similar_table.setRowCount(0)

    def _fill_ratings(self, items, ratings, preds) -> None:
        m = self.model
        rows = [[m.titles[i] or m.item_ids[i], float(r), float(p), float(p - r)]
                for i, r, p in zip(items, ratings, preds)]
        _fill(self.ratings_table, rows, list(items))

    def _recommendations(self) -> list[tuple[int, float]]:
        m = self.model
        n = self.n_spin.value()
        if self.user == NEW_USER:
            if self._new_vector is None:
                return []
            exclude = None if self.include_seen.isChecked() else np.array(self._new_items)
            return m.recommend_for_vector(self._new_vector, self._new_bias, n, exclude)
        return m.recommend(self.user, n, exclude_seen=not self.include_seen.isChecked())

    def _refresh_recommendations(self) -> None:
        if self.model is None or self.user is None:
            return
        m = self.model
        recs = self._recommendations()
        rows = []
        for item, score in recs:
            t = self._decompose(item).rating_terms
            rows.append([m.titles[item] or m.item_ids[item], score, t["user_bias"], t["item_bias"], t["dot"]])
        _fill(self.recs_table, rows, [i for i, _ in recs])
        self.explanation.clear()
        self._emit_highlight(np.array([i for i, _ in recs], dtype=np.int64))

    def _emit_highlight(self, recommended: np.ndarray) -> None:
        if self.user == NEW_USER:
            rated = np.array(self._new_items, dtype=np.int64)
            ratings = np.array(self._new_ratings, dtype=np.float32)
            vector = self._new_vector
        else:
            rated, ratings = self.model.seen(self.user)
            vector = self.model.user_factors[self.user]
        self.highlight_changed.emit({"rated": np.asarray(rated, dtype=np.int64), "ratings": ratings,
                                     "recommended": recommended, "vector": vector})

    def _about(self, user: int) -> str:
        meta = self.model.user_meta
        parts = []
        if "age" in meta and np.isfinite(float(meta["age"][user])):
            parts.append(f"{float(meta['age'][user]):g}")
        for key in ("gender", "occupation"):
            if key in meta and meta[key][user]:
                parts.append(str(meta[key][user]))
        return ", ".join(parts)

    def _user_text(self, user: int) -> str:
        about = self._about(user)
        return f"user {self.model.user_ids[user]}" + (f" ({about})" if about else "")

    def _set_what_if_enabled(self, on: bool) -> None:
        for w in (self.movie_edit, self.rating_spin, self.rate_button, self.new_user_button):
            w.setEnabled(on)
