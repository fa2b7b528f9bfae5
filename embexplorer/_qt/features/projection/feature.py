"""The projection feature: PCA, t-SNE or UMAP on the plot, how faithful the picture is, isolate.

The toolbar's Projection combo picks the method; t-SNE and UMAP are computed through the task
runner (progress, Cancel) and *shown while they run*: each live frame is a
:class:`~embexplorer.core.view.projection.LayoutProjection` set on the Workspace (at most one
every :data:`FRAME_MIN_INTERVAL_S`), starting from the PCA layout so the picture morphs.  Cancel
puts back what was shown before.  Finished layouts are cached per data set and parameters
(:mod:`embexplorer.core.analysis.layout_cache`).

After any projection is shown, its faithfulness is measured in the background: each point's
neighbour preservation becomes the computed column "neighbour preservation" (colour by it), the
mean and the trustworthiness go to the status bar.  A clicked (or the one selected) point gets its
true neighbours of the original space drawn, wherever they landed.  View › Isolate Selection
re-projects the selection and its neighbours on their own; View › Show All Points goes back.

The fits run in a child process (:mod:`embexplorer.core.analysis.fit_process`): numba and openTSNE
never hold this process's GIL, so the window stays responsive; the task's worker thread only waits on
the pipe and passes frames on.  A child is started ahead when the combo's list or the parameters
dialog opens, so the first layout does not wait for its imports.

Live training (recommender, word2vec) keeps its PCA frames; when the finished model is shown
(``source.kind == "model"``) under t-SNE or UMAP, its vectors are laid out like any other set.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.feature import Feature, MenuItem
from embexplorer._qt.features.projection.dialog import ParamsDialog
from embexplorer.core.analysis import faithfulness, fit_process, layout_cache
from embexplorer.core.analysis.fit_process import fit_layout_in_process
from embexplorer.core.analysis.nonlinear import METHOD_TITLES, LayoutParams
from embexplorer.core.data.embeddings import MetadataColumn
from embexplorer.core.errors import DataError
from embexplorer.core.view import palette
from embexplorer.core.view.layers import Layer, LayerStyle
from embexplorer.core.view.projection import LayoutProjection, PCAProjection

#: Task kinds.
LAYOUT_TASK, FAITH_TASK, ISOLATE_TASK = "projection.layout", "projection.faithfulness", "projection.isolate"
#: Methods of the combo, in order.
METHODS = ("pca", "tsne", "umap")
#: Least time between two live frames drawn (the UI draws, then waits for the next).
FRAME_MIN_INTERVAL_S = 0.1
#: The computed column of per-point neighbour preservation.
COLUMN = "neighbour preservation"
#: Faithfulness is measured by itself only up to this many rows (above: approximate neighbours take
#: minutes of both cores, which a user did not ask for).
FAITHFULNESS_MAX_ROWS = 200_000
#: The layer of a point's true neighbours.
TRUE_LAYER = "projection.true_neighbours"
TRUE_STYLE = LayerStyle(palette.EXPECTED, symbol="o", size=12, filled=False, width=1.0, z=18)
#: Isolate: at most this many selected rows; below ISOLATE_MIN_NONLINEAR rows a PCA of them is shown.
ISOLATE_MAX_SELECTED = 5000
ISOLATE_MIN_NONLINEAR = 12
#: Neighbours of each selected row brought along when isolating.
ISOLATE_NEIGHBOURS = faithfulness.DEFAULT_K
#: How long a note (cancelled, failed) stays in the status bar (ms).
NOTE_MS = 6000


#: Projections other rooms show (word axes, an analogy's plane): the combo then names none of its maps.
#: What the combo says while a foreign layout is shown (none of its items is: it would read blank).
FOREIGN_TITLES = {"axes": "Word axes", "analogy-plane": "Analogy plane"}
FOREIGN_KINDS = tuple(FOREIGN_TITLES)


class ProjectionFeature(Feature):
    """PCA / t-SNE / UMAP, faithfulness, true neighbours and isolate."""

    name = "projection"

    #: A finished layout is on the plot (the :class:`Layout`).
    layout_shown = QtCore.Signal(object)
    #: A layout was cancelled or failed (the previous projection is back).
    layout_stopped = QtCore.Signal(str)
    #: The faithfulness of the projection shown was measured (:class:`Faithfulness`).
    faithfulness_ready = QtCore.Signal(object)

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        ws = ctx.workspace
        self.method = "pca"
        self.params = {"tsne": LayoutParams("tsne"), "umap": LayoutParams("umap")}
        self.faithfulness = None  # of the projection shown, once measured
        self.frames_shown = 0  # live frames drawn by the last layout (tests, status)
        self._pca = None  # the data set's PCA projection (what "PCA" goes back to)
        self._before = None  # (method, projection) shown when the running layout started
        self._isolated_from = None  # the projection an isolated view returns to
        self._high: dict = {}  # metric -> (dataset, neighbours table, exact)
        self._pending_frame = None
        self._last_frame = 0.0
        self._replacing = False
        self._frame_timer = QtCore.QTimer(self, singleShot=True)
        self._frame_timer.timeout.connect(self._on_frame_timer)

        self.combo = _WarmingCombo(fit_process.prewarm)
        self.combo.setObjectName("projectionCombo")
        for m in METHODS:
            self.combo.addItem(METHOD_TITLES[m], m)
        # Wide enough for what it says while word axes or an analogy's plane are shown (not one of its items).
        self.combo.setMinimumContentsLength(max(map(len, FOREIGN_TITLES.values())))
        self.combo.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setToolTip("How the points are placed: PCA (linear, exact), t-SNE or UMAP "
                              "(neighbourhoods)")
        self.combo.currentIndexChanged.connect(self._on_combo_changed)
        A = QtGui.QAction
        self.params_action = A("Projection &Parameters…", self)
        self.params_action.setStatusTip("Perplexity, neighbours, metric and seed of t-SNE and UMAP")
        self.params_action.triggered.connect(self.edit_parameters)
        self.isolate_action = A("&Isolate Selection", self)
        self.isolate_action.setShortcut(QtGui.QKeySequence("Ctrl+I"))
        self.isolate_action.setStatusTip("Show only the selection and its neighbours, projected on their own")
        self.isolate_action.triggered.connect(self.isolate)
        self.show_all_action = A("Show &All Points", self)
        self.show_all_action.setShortcut(QtGui.QKeySequence("Ctrl+Shift+I"))
        self.show_all_action.triggered.connect(self.show_all)
        self.true_action = A("Show &True Neighbours of the Clicked Point", self, checkable=True, checked=True)
        self.true_action.setStatusTip("Draw a point's nearest neighbours in the original space, wherever "
                                      "they landed on the plot")
        self.true_action.toggled.connect(self._on_true_toggled)
        self.status = QtWidgets.QLabel()
        self.status.setObjectName("projectionStatus")
        self._update_actions()

        ws.dataset_changed.connect(self._on_dataset_changed)
        ws.projection_changed.connect(self._on_projection_changed)
        ws.point_clicked.connect(self._on_point_clicked)
        ws.selection.changed.connect(self._on_selection_changed)
        reg = ctx.commands.register
        reg("projection.show", self.show, "Place the points by pca, tsne or umap")
        reg("projection.isolate", self.isolate, "Show only the selection and its neighbours, re-projected")
        reg("projection.show_all", self.show_all, "Leave an isolated view")
        reg("projection.true_neighbours", self.draw_true_neighbours, "Draw a row's original-space neighbours")

    # -- what the shell places ----------------------------------------------------------------
    def toolbar_items(self) -> list:
        label = QtWidgets.QLabel(" Projection ")
        label.setBuddy(self.combo)
        return [None, label, self.combo, self.params_action]

    def menu_items(self) -> list[MenuItem]:
        return [MenuItem("View", a, 15) for a in (self.params_action, self.isolate_action,
                                                  self.show_all_action, self.true_action)]

    def status_widgets(self) -> list:
        return [self.status]

    # -- commands --------------------------------------------------------------------------------
    def show(self, method: str, params: LayoutParams | None = None, wait: bool = False) -> None:
        """Place the points by ``method`` (``"pca"``, ``"tsne"``, ``"umap"``); ``wait`` blocks until shown
        and measured (``--screenshot``, scripts)."""
        if method not in METHODS:
            raise DataError(f"unknown projection {method!r} (one of {', '.join(METHODS)})", "--projection")
        if params is not None:
            self.params[method] = params
        self._set_combo(method)
        self.method = method
        ws = self.ctx.workspace
        if ws.dataset is None or ws.is_live:
            self._say()
            return
        self._isolated_from = None
        if method == "pca":
            self._cancel_layout()
            if self._pca is not None and ws.projection is not self._pca:
                ws.set_projection(self._pca)
        else:
            self._start_layout()
        if wait:
            self.ctx.runner.wait_for(LAYOUT_TASK)
            self.ctx.runner.wait_for(FAITH_TASK)

    def edit_parameters(self) -> None:
        """The parameters dialog; OK re-computes the layout shown with the new parameters."""
        fit_process.prewarm()  # a layout is likely next: its process imports while the user chooses
        dialog = ParamsDialog(self.params["tsne"], self.params["umap"], self.ctx.shell.widget())
        if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return
        tsne, umap = dialog.params()
        changed = (tsne, umap) != (self.params["tsne"], self.params["umap"])
        self.params.update(tsne=tsne, umap=umap)
        if changed and self.method != "pca":
            self.show(self.method)
        elif changed:  # the metric of the faithfulness may have changed
            self._start_faithfulness()

    def isolate(self) -> bool:
        """Show only the selection and its original-space neighbours, projected on their own by the
        method shown.  False (with a message) when nothing is selected."""
        ws = self.ctx.workspace
        sel = ws.selection.rows
        if ws.dataset is None or not len(sel):
            self.ctx.shell.message("Select the points to isolate first", NOTE_MS)
            return False
        sel = np.asarray(sel[:ISOLATE_MAX_SELECTED], dtype=np.int64)
        emb, method, params = ws.dataset, self.method, self._current_params()
        high = self._high_table(params.metric)
        start_xy = np.asarray((self._isolated_from or ws.projection).xy)

        def work(control):
            near = high[sel, :ISOLATE_NEIGHBOURS] if high is not None else faithfulness.nearest_rows(
                emb.vectors, emb.vectors[sel], ISOLATE_NEIGHBOURS, params.metric, exclude=sel)
            rows = np.unique(np.concatenate([sel, near.ravel()]))
            return rows, _project_subset(emb.vectors[rows], method, params, start_xy[rows], control)

        def done(result) -> None:
            rows, (xy_rows, title) = result
            if ws.dataset is not emb:
                return
            self.ctx.shell.idle(self.name)
            xy = np.full((emb.n, 2), np.nan, dtype=np.float32)
            xy[rows] = xy_rows
            self._isolated_from = self._isolated_from or ws.projection
            note = (f"{len(rows):,} points isolated: {len(sel):,} selected and their neighbours, "
                    f"{title} of them")
            ws.set_projection(LayoutProjection(xy, "isolate", title, description=note))
            self._update_actions()

        self.ctx.shell.busy(self.name, "Isolating…", lambda: self.ctx.runner.cancel(ISOLATE_TASK))
        self.ctx.runner.start(ISOLATE_TASK, work, on_result=done, on_error=self._on_task_error,
                              on_cancelled=lambda: self.ctx.shell.idle(self.name),
                              on_progress=lambda f, m: self.ctx.shell.progress(self.name, f, m))
        return True

    def show_all(self) -> None:
        """Leave an isolated view: the projection shown before comes back."""
        back, self._isolated_from = self._isolated_from, None
        ws = self.ctx.workspace
        if back is not None and ws.dataset is not None and back.n == ws.dataset.n:
            ws.set_projection(back)
        self._update_actions()

    def draw_true_neighbours(self, row: int) -> None:
        """Draw row ``row``'s nearest neighbours in the original space (wherever they are on the plot)."""
        ws = self.ctx.workspace
        emb = ws.dataset
        if emb is None or not 0 <= row < emb.n:
            ws.remove_layer(TRUE_LAYER)
            return
        metric = self._current_params().metric
        high = self._high_table(metric)
        k = faithfulness.DEFAULT_K
        if high is not None:
            near = high[row, :k]
        else:
            near = faithfulness.nearest_rows(emb.vectors, emb.vectors[row], k, metric, exclude=[row])[0]
        lines = np.column_stack([np.full(len(near), row, dtype=np.int64), near])
        label = emb.labels[row]
        legend = f"true neighbours of “{label}” ({metric}, k={k})"
        ws.set_layer(Layer(TRUE_LAYER, self.name, TRUE_STYLE, legend, rows=near, lines=lines))

    # -- the layout task ----------------------------------------------------------------------------
    def _current_params(self) -> LayoutParams:
        return self.params.get(self.method, self.params["tsne"])

    def _start_layout(self) -> None:
        ws = self.ctx.workspace
        emb, params = ws.dataset, self.params[self.method]
        shown = ws.projection
        if self._before is None or not self.ctx.runner.is_running(LAYOUT_TASK):
            kind = getattr(shown, "kind", "pca")
            self._before = (kind if kind in ("tsne", "umap") else "pca", shown)
        pca = self._pca.pca if self._pca is not None else None
        init = pca.xy(0, min(1, pca.n_components - 1)) if pca is not None else None
        self.frames_shown = 0
        self._pending_frame = None

        def work(control):
            start = "pca" if init is not None else "reduced"
            fingerprint = layout_cache.data_fingerprint(emb.vectors, emb.labels)
            key = layout_cache.cache_key(fingerprint, params, start)
            hit = layout_cache.lookup(key, emb.n)
            if hit is not None:
                return hit
            layout = fit_layout_in_process(emb.vectors, params, init=init, control=control,
                                           on_frame=lambda xy, f: control.emit((xy, f), coalesce=True))
            layout_cache.store(key, layout)
            return layout

        self.ctx.shell.busy(self.name, f"{params.title}…", self._cancel_layout)
        self.ctx.runner.cancel(FAITH_TASK)
        self._replacing = True  # a layout this one supersedes is not a user's Cancel
        try:
            self.ctx.runner.start(LAYOUT_TASK, work, on_result=lambda lay: self._on_layout_result(emb, lay),
                                  on_yield=lambda v: self._on_frame(emb, params, v),
                                  on_error=self._on_layout_error, on_cancelled=self._on_layout_cancelled,
                                  on_progress=lambda f, m: self.ctx.shell.progress(self.name, f, m))
        finally:
            self._replacing = False
        self._set_status(f"computing {params.describe()}…")

    def _cancel_layout(self) -> bool:
        return self.ctx.runner.cancel(LAYOUT_TASK)

    def _on_frame(self, emb, params: LayoutParams, value) -> None:
        self._pending_frame = (emb, params, value)
        wait = FRAME_MIN_INTERVAL_S - (time.monotonic() - self._last_frame)
        if wait > 0:
            if not self._frame_timer.isActive():
                self._frame_timer.start(int(wait * 1000) + 1)
            return
        self._on_frame_timer()

    def _on_frame_timer(self) -> None:
        pending, self._pending_frame = self._pending_frame, None
        ws = self.ctx.workspace
        if pending is None or pending[0] is not ws.dataset or not self.ctx.runner.is_running(LAYOUT_TASK):
            return
        _emb, params, (xy, fraction) = pending
        ws.set_projection(LayoutProjection(xy, params.method, params.title, live=True,
                                           description=f"{params.title}: {100 * fraction:.0f} %"))
        self.frames_shown += 1
        self._last_frame = time.monotonic()

    def _on_layout_result(self, emb, layout) -> None:
        self._frame_timer.stop()
        self._pending_frame = None
        self.ctx.shell.idle(self.name)
        self._before = None
        ws = self.ctx.workspace
        if ws.dataset is not emb:
            return
        metric = layout.params.metric

        def placer(V):
            return faithfulness.place_by_neighbours(emb.vectors, layout.xy, V, metric=metric)

        ws.set_projection(LayoutProjection(layout.xy, layout.params.method, layout.params.title,
                                           description=layout.describe(), placer=placer))
        # The permanent line on the right already names what is shown: the note adds how it was made.
        took = "from the cache" if layout.from_cache else f"computed in {layout.seconds:.1f} s"
        self.ctx.shell.message(f"Layout {took}: {layout.params.describe()}", NOTE_MS)
        self.layout_shown.emit(layout)

    def _on_layout_cancelled(self) -> None:
        if self._replacing:
            return
        self._stopped("cancelled")

    def _on_layout_error(self, err: BaseException) -> None:
        self._stopped(f"failed: {err.reason if isinstance(err, DataError) else err}")
        self.ctx.shell.show_error(err, "cannot compute the projection")

    def _stopped(self, why: str) -> None:
        """Put back what was shown before the layout started, and the combo with it."""
        self._frame_timer.stop()
        self._pending_frame = None
        self.ctx.shell.idle(self.name)
        before, self._before = self._before, None
        ws = self.ctx.workspace
        title = METHOD_TITLES.get(self.method, self.method)
        if before is not None:
            method, projection = before
            self.method = method
            self._set_combo(method)
            if ws.dataset is not None and projection is not None and projection.n == ws.dataset.n:
                ws.set_projection(projection)
        self.ctx.shell.message(f"{title} {why}", NOTE_MS)
        self._say()
        self.layout_stopped.emit(why)

    def _on_task_error(self, err: BaseException) -> None:
        self.ctx.shell.idle(self.name)
        self.ctx.shell.message(str(err), NOTE_MS)
        self.ctx.shell.show_error(err, "cannot compute the projection")

    # -- faithfulness --------------------------------------------------------------------------------
    def _high_table(self, metric: str):
        entry = self._high.get(metric)
        return entry[1] if entry is not None and entry[0] is self.ctx.workspace.dataset else None

    def _start_faithfulness(self) -> None:
        ws = self.ctx.workspace
        emb, projection = ws.dataset, ws.projection
        if emb is None or projection is None or ws.is_live or getattr(projection, "live", False) \
                or projection.kind == "isolate" or emb.n < 3:
            return
        if emb.n > FAITHFULNESS_MAX_ROWS:
            self._say(f"faithfulness not measured (over {FAITHFULNESS_MAX_ROWS:,} points)")
            return
        metric = self._current_params().metric
        high = self._high_table(metric)
        exact = self._high[metric][2] if high is not None else True
        xy = projection.xy

        def work(control):
            nonlocal high, exact
            if high is None:
                high, exact = faithfulness.high_neighbours(emb.vectors, faithfulness.DEFAULT_K, metric,
                                                           control)
            result = faithfulness.assess(emb.vectors, xy, metric=metric, control=control, high=high)
            return dataclasses.replace(result, exact=exact), high, exact

        def done(result) -> None:
            fa, table, was_exact = result
            if ws.dataset is not emb:
                return
            self._high[metric] = (emb, table, was_exact)
            if ws.projection is not projection:
                return
            self.faithfulness = fa
            ws.set_column(MetadataColumn.numeric(COLUMN, fa.preservation), owner=self.name)
            self._say()
            self.faithfulness_ready.emit(fa)

        self.ctx.runner.start(FAITH_TASK, work, on_result=done,
                              on_error=lambda err: self._say(f"faithfulness not measured: {err}"))

    def _set_status(self, text: str) -> None:
        # After the explorer's summary in the status bar: the same separator as between its parts.
        self.status.setText(f"·  {text}" if text else "")

    def _say(self, note: str = "") -> None:
        """The status-bar line: what is shown, what was fitted and placed, how faithful it is."""
        ws = self.ctx.workspace
        projection = ws.projection
        if ws.dataset is None or projection is None:
            self._set_status("")
            return
        if ws.is_live:
            extra = (f"; {METHOD_TITLES[self.method]} when training ends" if self.method != "pca" else "")
            self._set_status(f"live training shown by PCA{extra}")
            return
        what = getattr(projection, "description", None) or (
            "PCA" if isinstance(projection, PCAProjection)
            else FOREIGN_TITLES.get(projection.kind, projection.kind))
        fa = self.faithfulness
        parts = [what, note or (fa.describe() if fa is not None else "")]
        self._set_status("  ·  ".join(p for p in parts if p))
        self.status.setToolTip("Neighbours kept: share of each point's 10 nearest neighbours in the original "
                               "space that are also among its 10 nearest on the plot (colour by "
                               f"“{COLUMN}” to see where).\nTrustworthiness (scikit-learn, on a sample): "
                               "1 means no false neighbours on the plot.")

    # -- following the Workspace ------------------------------------------------------------------------
    def _on_dataset_changed(self, dataset) -> None:
        self._isolated_from = None
        self._high.clear()
        self.faithfulness = None
        self._before = None
        self._frame_timer.stop()
        self._pending_frame = None
        ws = self.ctx.workspace
        if self.ctx.runner.is_running(LAYOUT_TASK):
            self._replacing = True
            try:
                self._cancel_layout()
            finally:
                self._replacing = False
            self.ctx.shell.idle(self.name)
        self.ctx.runner.cancel(ISOLATE_TASK)
        self.ctx.runner.cancel(FAITH_TASK)
        self._pca = ws.projection if isinstance(ws.projection, PCAProjection) else None
        self._update_actions()
        if dataset is None or ws.is_live:
            self._say()
            return
        if self.method != "pca":
            self._start_layout()  # the same method for the next set (a finished model, a new file)

    def _on_projection_changed(self) -> None:
        ws = self.ctx.workspace
        projection = ws.projection
        if isinstance(projection, PCAProjection) and not ws.is_live:
            self._pca = projection  # other axes chosen in the explorer
        self._update_actions()
        kind = getattr(projection, "kind", None)
        if kind in METHODS:
            self._set_combo(kind)
        elif kind in FOREIGN_KINDS:  # word axes, an analogy's plane: none of the combo's maps is shown
            blocked = self.combo.blockSignals(True)
            self.combo.setPlaceholderText(FOREIGN_TITLES[kind])
            self.combo.setCurrentIndex(-1)
            self.combo.blockSignals(blocked)
        if projection is None or ws.is_live or getattr(projection, "live", False):
            self._say()
            return
        self.faithfulness = None
        ws.remove_column(COLUMN)
        self._say()
        self._start_faithfulness()

    def _on_point_clicked(self, row: int) -> None:
        if self.true_action.isChecked():
            self.draw_true_neighbours(row)

    def _on_selection_changed(self) -> None:
        ws = self.ctx.workspace
        self._update_actions()
        if not self.true_action.isChecked():
            return
        if ws.selection.count == 1:
            self.draw_true_neighbours(int(ws.selection.rows[0]))
        elif ws.selection.count == 0:
            ws.remove_layer(TRUE_LAYER)

    def _on_true_toggled(self, on: bool) -> None:
        if not on:
            self.ctx.workspace.remove_layer(TRUE_LAYER)

    def _on_combo_changed(self, _index: int) -> None:
        self.show(self.combo.currentData())

    def _set_combo(self, method: str) -> None:
        blocked = self.combo.blockSignals(True)
        self.combo.setCurrentIndex(max(0, self.combo.findData(method)))
        self.combo.blockSignals(blocked)

    def _update_actions(self) -> None:
        ws = self.ctx.workspace
        has = ws.dataset is not None and not ws.is_live
        self.combo.setEnabled(True)
        self.isolate_action.setEnabled(has and ws.selection.count > 0)
        self.show_all_action.setEnabled(self._isolated_from is not None)

    # -- sessions and the command line --------------------------------------------------------------------
    def state(self) -> dict | None:
        return {"method": self.method, "tsne": dataclasses.asdict(self.params["tsne"]),
                "umap": dataclasses.asdict(self.params["umap"])}

    def restore(self, state: dict) -> None:
        for method in ("tsne", "umap"):
            if isinstance(state.get(method), dict):
                self.params[method] = LayoutParams.from_dict({**state[method], "method": method})
        method = state.get("method") or "pca"
        if method != self.method or method != "pca":
            self.show(method, wait=not self.ctx.shell.interactive)

    def apply_arguments(self, args) -> None:
        method = getattr(args, "projection", None)
        if method:
            if self.ctx.workspace.dataset is None:
                raise DataError("nothing to project: give an embedding file", "--projection")
            self.show(method, wait=not self.ctx.shell.interactive)

    def shutdown(self) -> None:
        self._frame_timer.stop()


class _WarmingCombo(QtWidgets.QComboBox):
    """The Projection combo: opening its list starts a layout process ahead (``warm()``)."""

    def __init__(self, warm) -> None:
        super().__init__()
        self._warm = warm

    def showPopup(self) -> None:  # noqa: N802 -- Qt's name
        self._warm()
        super().showPopup()


def _project_subset(vectors, method: str, params: LayoutParams, start_xy, control):
    """A few rows projected on their own: by ``method`` when there are enough of them, else by PCA."""
    from embexplorer.core.analysis.pca import fit_pca

    m = len(vectors)
    if method == "pca" or m < ISOLATE_MIN_NONLINEAR:
        pca = fit_pca(vectors, n_components=min(2, vectors.shape[1], m), control=control)
        return pca.xy(0, min(1, pca.n_components - 1)), "PCA"
    p = dataclasses.replace(params, perplexity=min(params.perplexity, max((m - 1) / 3.0, 2.0)),
                            n_neighbors=min(params.n_neighbors, m - 1))
    start = np.where(np.isfinite(start_xy), start_xy, 0.0)
    return fit_layout_in_process(vectors, p, init=start, control=control).xy, p.title
