"""The regions feature: clusters found in the background, named from their content, drawn as a
categorical column (colour, legend, hide a cluster) with their names at their centres; and the
linked histograms of any column (brush a range or click a category to select those rows).
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.feature import DockSpec, Feature, MenuItem
from embexplorer._qt.features.regions.contours import DensityContours
from embexplorer._qt.features.regions.histograms import HistogramPanel
from embexplorer.core.analysis.clusters import (
    DEFAULT_CLUSTERS,
    HDBSCAN_MIN_FLOOR,
    MAX_CLUSTERS,
    METHODS,
    MIN_CLUSTERS,
    SPACES,
    find_regions,
)
from embexplorer.core.errors import DataError
from embexplorer.core.view.layers import Layer, LayerStyle

#: The background task's kind.
REGIONS_TASK = "regions"
#: The computed column of the clusters (another name if the set's metadata has this one).
COLUMN = "region"
#: The layer of the clusters' names (texts only: size 0).
NAMES_LAYER = "regions.names"
NAMES_STYLE = LayerStyle((25, 25, 25), symbol="o", size=0, z=25, labels=True)
#: Largest seed and HDBSCAN cluster size offered.
MAX_SEED = 1_000_000
MAX_MIN_SIZE = 100_000
#: Words of a name on the plot (the full name is in the list).
NAME_CHARS = 40
#: A name is placed at the median of at most this many of its region's rows (a seeded sample): the
#: layer is re-placed on the UI thread whenever the projection changes, and a median of a million rows
#: costs tens of milliseconds there.
CAPTION_SAMPLE = 2000
CAPTION_SEED = 0


def region_groups(labels: np.ndarray, n_clusters: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Rows per cluster (one stable sort, not a pass over the labels per cluster), and for each a seeded
    sample of at most ``CAPTION_SAMPLE`` rows (where its name is placed)."""
    labels = np.asarray(labels)
    counts = np.bincount(labels[labels >= 0], minlength=n_clusters)[:n_clusters]
    order = np.argsort(labels, kind="stable")
    start = int(np.searchsorted(labels[order], 0))  # noise (-1) first
    rng = np.random.default_rng(CAPTION_SEED)
    samples = []
    for rows in np.split(order[start:], np.cumsum(counts)[:-1]):
        if len(rows) > CAPTION_SAMPLE:
            rows = np.sort(rng.choice(rows, CAPTION_SAMPLE, replace=False))
        samples.append(rows)
    return counts, samples


def same_rows(a, b) -> bool:
    """Whether sets ``a`` and ``b`` have the same rows (the same set, or a later frame of a training)."""
    return a is not None and b is not None and (a is b or (a.n == b.n and a.labels == b.labels))


class RegionsFeature(Feature):
    """Regions that name themselves, and linked histograms.

    Signals
    -------
    found(object)
        A clustering finished and is shown (the core ``Clustering``).
    """

    found = QtCore.Signal(object)
    name = "regions"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        ws = ctx.workspace
        self.regions = None
        self._for = None
        self._captions: list[np.ndarray] = []  # per region, the rows its name is placed at
        self._names: list[str] = []
        self._names_pending = None  # the clustering whose names are still to be drawn
        self.contours = DensityContours(ctx, self.name, self)
        self._build_panel()
        self.contours.closed.connect(self._on_contours_closed)
        self.contours.drawn.connect(self._on_contours_drawn)
        self.histograms = HistogramPanel()
        self.histograms.rows_chosen.connect(self._on_rows_chosen)
        ws.dataset_changed.connect(self._on_dataset_changed)
        ws.columns_changed.connect(self._on_columns_changed)
        ws.selection.changed.connect(self._on_selection_changed)
        self.show_action = QtGui.QAction("Find &Regions", self)
        self.show_action.setStatusTip("Cluster the points and name the clusters from their content")
        self.show_action.triggered.connect(lambda: ctx.shell.show_dock("regions"))
        self.hist_action = QtGui.QAction("&Histograms", self)
        self.hist_action.triggered.connect(lambda: ctx.shell.show_dock("histograms"))
        reg = ctx.commands.register
        reg("regions.find", self.find, "Cluster the set shown and name the clusters (in the background)")
        reg("regions.result", lambda: self.regions, "The last clustering (a core Clustering), or None")
        reg("regions.histograms", lambda: self.histograms, "The linked histograms panel")

    def _build_panel(self) -> None:
        w = self.panel = QtWidgets.QWidget()
        self.method_combo = QtWidgets.QComboBox()
        self.method_combo.addItems(list(METHODS))
        self.space_combo = QtWidgets.QComboBox()
        self.space_combo.addItems(list(SPACES))
        self.space_combo.setToolTip("Cluster the vectors, or the 2-D layout shown")
        self.k_spin = QtWidgets.QSpinBox()
        self.k_spin.setRange(MIN_CLUSTERS, MAX_CLUSTERS)
        self.k_spin.setValue(DEFAULT_CLUSTERS)
        self.k_spin.setPrefix("k = ")
        self.k_spin.setToolTip("Clusters (k-means)")
        self.min_spin = QtWidgets.QSpinBox()
        self.min_spin.setRange(0, MAX_MIN_SIZE)
        self.min_spin.setSpecialValueText("auto")
        self.min_spin.setPrefix("min size ")
        self.min_spin.setToolTip("HDBSCAN's smallest cluster "
                                 f"(auto: 1% of the rows, at least {HDBSCAN_MIN_FLOOR})")
        self.seed_spin = QtWidgets.QSpinBox()
        self.seed_spin.setRange(0, MAX_SEED)
        self.seed_spin.setPrefix("seed ")
        self.seed_spin.setToolTip("Seed of k-means (and of HDBSCAN's sample of a large layout)")
        self.run_button = QtWidgets.QPushButton("Find Regions")
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.names_check = QtWidgets.QCheckBox("Names on the plot")
        self.names_check.setChecked(True)
        self.contours_check = QtWidgets.QCheckBox("Density contours")
        self.contours_check.setToolTip("Behind the points: where they crowd, as lines around the densest "
                                       "50 %, 80 % and 95 % of the points (follows the projection)")
        self.status = QtWidgets.QLabel("")
        self.status.setWordWrap(True)
        self.list = QtWidgets.QListWidget()
        self.list.setToolTip("Click a region to select its points")
        form = QtWidgets.QGridLayout()
        form.addWidget(self.method_combo, 0, 0)
        form.addWidget(self.space_combo, 0, 1)
        form.addWidget(self.k_spin, 1, 0)
        form.addWidget(self.min_spin, 1, 1)
        form.addWidget(self.seed_spin, 2, 0)
        form.addWidget(self.names_check, 2, 1)
        form.addWidget(self.contours_check, 3, 1)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        layout = QtWidgets.QVBoxLayout(w)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.list, 1)
        self.run_button.clicked.connect(lambda: self.find())
        self.cancel_button.clicked.connect(self.cancel)
        self.names_check.toggled.connect(self._on_names_toggled)
        self.contours_check.toggled.connect(self._on_contours_toggled)
        self.list.itemClicked.connect(self._on_region_clicked)
        self.method_combo.currentTextChanged.connect(self._on_method_changed)
        self._on_method_changed(self.method_combo.currentText())

    def docks(self) -> list[DockSpec]:
        return [DockSpec("regions", "Regions", self.panel, visible=False, on_closed=self._on_dock_closed),
                DockSpec("histograms", "Histograms", self.histograms, visible=False, scroll=False)]

    def menu_items(self) -> list[MenuItem]:
        return [MenuItem("View", self.show_action, 30), MenuItem("View", self.hist_action, 30)]

    # -- commands -----------------------------------------------------------------------------
    def find(self, method: str | None = None, space: str | None = None, n_clusters: int | None = None,
             seed: int | None = None) -> int | None:
        """Cluster the set shown in the background (the dock's settings where not given); the task id."""
        ws = self.ctx.workspace
        emb = ws.dataset
        if emb is None:
            self.ctx.shell.message("Show a set first")
            return None
        for combo, value in ((self.method_combo, method), (self.space_combo, space)):
            if value is not None:
                combo.setCurrentText(value)
        if n_clusters is not None:
            self.k_spin.setValue(int(n_clusters))
        if seed is not None:
            self.seed_spin.setValue(int(seed))
        args = dict(method=self.method_combo.currentText(), space=self.space_combo.currentText(),
                    n_clusters=int(self.k_spin.value()), seed=int(self.seed_spin.value()),
                    min_cluster_size=int(self.min_spin.value()) or None)
        layout = ws.projection.xy.copy() if ws.projection is not None else None
        name = self.column_name()
        self._for = emb
        self.cancel_button.setEnabled(True)
        self.run_button.setEnabled(False)
        self.ctx.shell.busy(self.name, f"Finding regions ({args['method']} on the {args['space']})…",
                            self.cancel)
        def work(control):  # everything but the widgets, so that showing the result is cheap
            regions = find_regions(emb, layout=layout, control=control, **args)
            counts, captions = region_groups(regions.labels, regions.n_clusters)
            return regions, regions.column(name), counts, captions

        return self.ctx.runner.start(REGIONS_TASK, work,
                                     on_result=self._on_result, on_error=self._on_error,
                                     on_cancelled=self._on_cancelled)

    def cancel(self) -> bool:
        """Stop a clustering running (its result is dropped)."""
        return self.ctx.runner.cancel(REGIONS_TASK)

    # -- the task's outcome -----------------------------------------------------------------------
    def _finish(self) -> None:
        self.cancel_button.setEnabled(False)
        self.run_button.setEnabled(True)
        self.ctx.shell.idle(self.name)

    def _on_cancelled(self) -> None:
        self._finish()
        self.status.setText("Cancelled")

    def _on_error(self, err: BaseException) -> None:
        self._finish()
        self.status.setText(f"Could not find regions: {err}")
        self.ctx.shell.show_error(err, "Regions")

    def column_name(self) -> str:
        """The name of the clusters' column (not one the set's own metadata uses)."""
        emb = self.ctx.workspace.dataset
        meta = getattr(emb, "metadata", {}) or {}
        return COLUMN if COLUMN not in meta else f"{COLUMN} (computed)"

    def _on_result(self, value) -> None:
        # Shown in two event-loop slices (the column, colours and list; then the names on the plot).
        self._finish()
        regions, column, counts, captions = value
        ws = self.ctx.workspace
        if not same_rows(ws.dataset, self._for):  # another set was shown meanwhile (a live frame is fine)
            return
        self.regions = regions
        self._captions = captions
        if column.name in getattr(ws.dataset, "metadata", {}):  # not expected: the name was free at the start
            column = regions.column(self.column_name())
        ws.set_column(column, owner=self.name)
        if self.ctx.commands.has("explorer.color_by"):
            self.ctx.commands.run("explorer.color_by", column.name)
        noise = int((regions.labels < 0).sum())
        self.status.setText(f"{regions.n_clusters} regions ({regions.method} on the {regions.space}, "
                            f"seed {regions.seed})" + (f"; {noise:,} points in none" if noise else ""))
        self.list.clear()
        for i, text in enumerate(column.categories):
            item = QtWidgets.QListWidgetItem(f"{text}  ({counts[i]:,})")
            item.setData(QtCore.Qt.ItemDataRole.UserRole, i)
            self.list.addItem(item)
        self._names = column.categories
        self._names_pending = regions
        QtCore.QTimer.singleShot(0, self, lambda: self._show_names(regions))

    def _show_names(self, regions) -> None:
        if regions is not self.regions or regions is not self._names_pending:
            return  # a newer result, another set, or shown already
        self._names_pending = None
        self._draw_names()
        self.found.emit(regions)

    def _draw_names(self) -> None:
        ws = self.ctx.workspace
        r = self.regions
        if r is None or not self.names_check.isChecked() or ws.dataset is None:
            ws.remove_layer(NAMES_LAYER)
            return
        captions = [(n if len(n) <= NAME_CHARS else n[:NAME_CHARS - 1] + "…", rows)
                    for n, rows in zip(self._names, self._captions)]
        ws.set_layer(Layer(NAMES_LAYER, self.name, NAMES_STYLE, "", captions=captions))

    # -- following the Workspace and the user ------------------------------------------------------
    def _on_dataset_changed(self, dataset) -> None:
        if self.ctx.runner.is_running(REGIONS_TASK) and dataset is not self._for:
            self.cancel()
        self.regions = None
        self._captions, self._names = [], []
        self.list.clear()
        self.status.setText("")
        self._refresh_columns()

    def _on_columns_changed(self, _name: str) -> None:
        self._refresh_columns()

    def _refresh_columns(self) -> None:
        ws = self.ctx.workspace
        emb = ws.dataset
        cols = dict(emb.metadata) if emb is not None else {}
        cols.update(ws.columns if emb is not None else {})
        self.histograms.set_columns(cols)
        self.histograms.set_selected(ws.selection.rows)

    def _on_selection_changed(self) -> None:
        self.histograms.set_selected(self.ctx.workspace.selection.rows)

    def _on_rows_chosen(self, mask) -> None:
        sel = self.ctx.workspace.selection
        if len(mask) == sel.size:
            sel.apply_mask(np.asarray(mask, dtype=bool), "replace")

    def _on_region_clicked(self, item) -> None:
        if self.regions is not None:
            self.ctx.workspace.selection.replace(self.regions.rows(int(item.data(QtCore.Qt.ItemDataRole.UserRole))))

    def _on_names_toggled(self, _on: bool) -> None:
        self._draw_names()

    def _on_contours_toggled(self, on: bool) -> None:
        self.contours.set_on(on)

    def _on_contours_closed(self) -> None:
        self.contours_check.setChecked(False)

    def _on_contours_drawn(self, result) -> None:
        if result is not None:
            self.ctx.shell.message(f"Density contours: {len(result.levels)} levels")

    def _on_method_changed(self, method: str) -> None:
        self.k_spin.setEnabled(method == "kmeans")
        self.min_spin.setEnabled(method == "hdbscan")
        # HDBSCAN uses the seed only to sample a large layout.

    def _on_dock_closed(self) -> None:
        self.ctx.workspace.clear_layers(self.name)

    # -- sessions ----------------------------------------------------------------------------------
    def state(self) -> dict | None:
        return {"method": self.method_combo.currentText(), "space": self.space_combo.currentText(),
                "k": int(self.k_spin.value()), "seed": int(self.seed_spin.value()),
                "names": bool(self.names_check.isChecked()),
                "contours": bool(self.contours_check.isChecked())}

    def restore(self, state: dict) -> None:
        if state.get("method") in METHODS:
            self.method_combo.setCurrentText(state["method"])
        if state.get("space") in SPACES:
            self.space_combo.setCurrentText(state["space"])
        if state.get("k") is not None:
            self.k_spin.setValue(int(state["k"]))
        if state.get("seed") is not None:
            self.seed_spin.setValue(int(state["seed"]))
        self.names_check.setChecked(bool(state.get("names", True)))
        self.contours_check.setChecked(bool(state.get("contours", False)))
        if self.contours_check.isChecked() and not self.ctx.shell.interactive:
            self.contours.wait()

    # -- the command line ----------------------------------------------------------------------------
    def apply_arguments(self, args) -> None:
        k = getattr(args, "regions", None)
        if k:
            if self.ctx.workspace.dataset is None:
                raise DataError("nothing to cluster: give an embedding file", "--regions")
            if not MIN_CLUSTERS <= k <= MAX_CLUSTERS:
                raise DataError(f"expected {MIN_CLUSTERS} to {MAX_CLUSTERS} regions, got {k}", "--regions")
            self.find("kmeans", n_clusters=k)
            if not self.ctx.shell.interactive:
                self.ctx.runner.wait_for(REGIONS_TASK)
                if self.regions is None:
                    raise DataError("finding regions did not finish", "--regions")
                self._show_names(self.regions)
        if getattr(args, "contours", False):
            self.contours_check.setChecked(True)
            if not self.ctx.shell.interactive:
                self.contours.wait()
