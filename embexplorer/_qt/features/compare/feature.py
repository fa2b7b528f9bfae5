"""The compare feature: the set shown (A) against B -- a file, or a set remembered earlier (another
epoch or run of a training) -- label by label.

The comparison runs in the background (progress, Cancel).  Its results are two computed columns
of A (``neighbour overlap``, ``displacement``: colour by, size by), the biggest-movers table, and
B's plot beside the main one: the same rows, B's aligned vectors placed like A's, sharing the
Workspace's selection; hovering or searching a point in one marks it in the other.  In the
one-plot mode an arrow goes from each selected point's place in A to its place in B.
"""

from __future__ import annotations

import html
import time
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.feature import DockSpec, Feature, MenuItem
from embexplorer._qt.features.compare.b_contours import BContours
from embexplorer._qt.features.compare.panel import CELL_NEIGHBOURS, TABLE_ROWS, ComparePanel
from embexplorer._qt.widgets.scatter import metadata_tooltip
from embexplorer._qt.widgets.scatter_theme import THEMES
from embexplorer.core.analysis.compare import b_positions, compare
from embexplorer.core.data.embeddings import MetadataColumn
from embexplorer.core.errors import DataError
from embexplorer.core.view.density import CONTOURS_LAYER
from embexplorer.core.view.layers import Layer, LayerStyle, vector_ref

#: The background task's kind.
COMPARE_TASK = "compare"
#: Computed columns of A.
OVERLAP_COLUMN, DISPLACEMENT_COLUMN = "neighbour overlap", "displacement"
#: Layers on the main plot.
ARROWS_LAYER, HOVER_LAYER = "compare.arrows", "compare.hover"
ARROW_STYLE = LayerStyle((200, 60, 30), symbol="o", size=5, width=1.4, z=21, labels=False)  # dot: B's place
HOVER_STYLE = LayerStyle((20, 20, 20), symbol="o", size=14, filled=False, z=23, labels=True)
#: The ring marking on B's plot the point hovered on the main plot.
B_HOVER_COLOR, B_HOVER_SIZE = (20, 20, 20), 14
#: Most arrows drawn (the first selected rows).
MAX_ARROWS = 500
#: How long a status note stays (ms), and the least time between two progress reports shown (s).
NOTE_MS = 6000
PROGRESS_MIN_S = 0.5
#: ``--compare-mode arrows``: arrows for this many of the biggest movers.
CLI_ARROWS = 12
#: ``--compare-mode side``: share of the window's width given to the Compare dock (B's plot).
SIDE_SHARE = 0.5
#: ... and the share of the dock's height given to B's plot (over the movers table).
SIDE_PLOT_SHARE = 0.62


class CompareFeature(Feature):
    """Compare the set shown with another one.

    Signals
    -------
    compared(object)
        A comparison finished and is shown (the core ``Comparison``).
    """

    compared = QtCore.Signal(object)
    _errored = QtCore.Signal(object)
    name = "compare"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        ws = ctx.workspace
        self.panel = ComparePanel(ws.selection)
        self.b_contours = BContours(ctx, self.panel, self)
        self.result = None
        self._b_title = ""
        self._kept = None  # (EmbeddingSet, title) remembered to compare a later set with
        self._for = None  # the data set the result belongs to
        self._slices: list = []  # the parts of a result still to show, one event-loop slice each
        self._progress_at = 0.0  # when a progress report was last shown (time.monotonic)
        p = self.panel
        p.file_button.clicked.connect(self._on_file_clicked)
        p.keep_button.clicked.connect(self._on_keep_clicked)
        p.kept_button.clicked.connect(self._on_compare_kept_clicked)
        p.cancel_button.clicked.connect(self.cancel)
        p.arrows_check.toggled.connect(self._on_arrows_toggled)
        p.row_activated.connect(self._on_row_activated)
        p.on_scatter_built = self._on_scatter_built
        ws.dataset_changed.connect(self._on_dataset_changed)
        ws.projection_changed.connect(self._on_projection_changed)
        ws.selection.changed.connect(self._on_selection_changed)
        ws.layers_changed.connect(self._on_layers_changed)
        self.show_action = QtGui.QAction("&Compare Spaces", self)
        self.show_action.setStatusTip("Compare the set shown with another: overlap, movers, two plots")
        self.show_action.triggered.connect(lambda: ctx.shell.show_dock("compare"))
        self.file_action = QtGui.QAction("Compare with &File…", self)
        self.file_action.triggered.connect(self._on_file_clicked)
        reg = ctx.commands.register
        reg("compare.with_set", self.compare_with, "Compare the set shown with another EmbeddingSet")
        reg("compare.with_file", self.compare_with_file, "Compare the set shown with an embedding file")
        reg("compare.remember", self.remember, "Remember the set shown, to compare a later one with it")
        reg("compare.result", lambda: self.result, "The last comparison (a core Comparison), or None")
        reg("compare.panel", lambda: self.panel, "The Compare dock's panel")

    def docks(self) -> list[DockSpec]:
        return [DockSpec("compare", "Compare", self.panel, visible=False, scroll=False,
                         on_closed=self._on_dock_closed)]

    def menu_items(self) -> list[MenuItem]:
        return [MenuItem("File", self.file_action, 35), MenuItem("View", self.show_action, 30)]

    def ready(self) -> None:
        if self.ctx.commands.has("explorer.widget"):
            explorer = self.ctx.commands.run("explorer.widget")
            explorer.hovered.connect(self._on_a_hovered)
            explorer.focus_changed.connect(self._on_a_focus_changed)
        dock = self.ctx.shell.dock("compare")
        if dock is not None:
            dock.visibilityChanged.connect(self._on_dock_visibility_changed)

    def _on_dock_visibility_changed(self, visible: bool) -> None:
        # B's plot (tens of ms to build) in its own event-loop slice as soon as the dock shows, so that
        # starting a comparison later does not build it in the slice that shows the dock.
        if visible and not self.panel.has_scatter:
            QtCore.QTimer.singleShot(0, self, self._build_b_plot)

    def _build_b_plot(self) -> None:
        if not self.ctx.runner.is_running(COMPARE_TASK):  # never while the worker holds the GIL now and then
            _ = self.panel.scatter

    def _on_scatter_built(self, scatter) -> None:
        scatter.point_hovered.connect(self._on_b_hovered)
        scatter.point_clicked.connect(self.ctx.workspace.point_clicked)

    # -- commands ---------------------------------------------------------------------------
    def compare_with(self, b, title: str = "B") -> int | None:
        """Compare the set shown (A) with ``b`` in the background; the task id (None: nothing shown)."""
        begun = self._begin(title)
        if begun is None:
            return None
        a, projection, k = begun
        return self._start(lambda control: self._work(a, lambda: b, projection, k, control), a)

    def compare_with_file(self, path, format: str | None = None, limit: int | None = None) -> int | None:
        """Compare the set shown with the embedding file ``path`` (read in the background)."""
        from embexplorer.core.data.formats import load

        begun = self._begin(Path(path).name)
        if begun is None:
            return None
        a, projection, k = begun
        return self._start(lambda control: self._work(
            a, lambda: load(path, format=format, limit=limit, control=control.scaled(0.0, 0.2, "B: ")),
            projection, k, control), a)

    def _begin(self, title: str):
        """``(A, its projection, k)`` for a comparison with B called ``title``, the dock shown; None
        (and a message) when nothing is shown."""
        ws = self.ctx.workspace
        if ws.dataset is None:
            self.ctx.shell.message("Show a set first: it is A of the comparison", NOTE_MS)
            return None
        self.ctx.shell.show_dock("compare")
        self._b_title = title
        self.panel.b_label.setText(f"A: {ws.source.title or 'the set shown'}   B: {title}")
        return ws.dataset, ws.projection, int(self.panel.k_spin.value())

    def remember(self) -> None:
        """Keep the set shown as the B of a later comparison."""
        ws = self.ctx.workspace
        if ws.dataset is None:
            return
        title = ws.source.title or "remembered set"
        if ws.is_live:
            title += f" (epoch {ws.epoch})"
        self._kept = (ws.dataset, title)
        self.panel.kept_button.setEnabled(True)
        self.panel.kept_button.setToolTip(f"Compare the set shown with {title}")
        self.ctx.shell.message(f"Remembered {title}: show another set, then Compare with Remembered", NOTE_MS)

    def cancel(self) -> bool:
        """Stop a comparison running."""
        return self.ctx.runner.cancel(COMPARE_TASK)

    # -- the task ---------------------------------------------------------------------------
    @staticmethod
    def _work(a, get_b, projection, k, control):
        """Everything but the widgets, off the UI thread: the comparison, B's places, the table's rows
        and the columns' values (so that showing them is cheap)."""
        b = get_b()
        result = compare(a, b, k=k, control=control.scaled(0.2, 0.95))
        project = getattr(projection, "project", None) if projection is not None else None
        xy = b_positions(result, projection.xy, project) if projection is not None else None
        rows = [(int(result.rows_a[p]), m.label, float(m.overlap),
                 float("nan") if m.displacement is None else float(m.displacement),
                 ", ".join(m.only_in_a[:CELL_NEIGHBOURS]), ", ".join(m.only_in_b[:CELL_NEIGHBOURS]))
                for m, p in zip(result.movers(TABLE_ROWS), result.order()[:TABLE_ROWS])]
        columns = [MetadataColumn.numeric(OVERLAP_COLUMN, result.per_row_a(result.overlap))]
        if result.displacement is not None:
            columns.append(MetadataColumn.numeric(DISPLACEMENT_COLUMN, result.per_row_a(result.displacement)))
        return result, xy, rows, columns

    def _start(self, work, a) -> int:
        self._for = a
        # B's plot is built before the worker starts (usually it was, when the dock showed): built while
        # the worker runs, its many small Python calls each wait for the GIL (measured: ten times
        # longer); and not in the slice that shows the result.
        _ = self.panel.scatter
        self._progress_at = 0.0
        self.panel.cancel_button.setEnabled(True)
        self.ctx.shell.busy(self.name, "Comparing…", self.cancel)
        return self.ctx.runner.start(COMPARE_TASK, work, on_result=self._on_result, on_error=self._on_error,
                                     on_progress=self._on_progress, on_cancelled=self._on_cancelled)

    def _on_progress(self, fraction, message: str) -> None:
        # The status bar relays out on every new text (~5 ms of the UI thread under load): a few a second.
        now = time.monotonic()
        if now - self._progress_at >= PROGRESS_MIN_S or (fraction is not None and fraction >= 1.0):
            self._progress_at = now
            self.ctx.shell.progress(self.name, fraction, message)

    def _finish(self) -> None:
        self.panel.cancel_button.setEnabled(False)
        self.ctx.shell.idle(self.name)

    def _on_cancelled(self) -> None:
        self._finish()
        self.panel.status.setText("Comparison cancelled")

    def _on_error(self, err: BaseException) -> None:
        self._finish()
        self.panel.status.setText(f"Could not compare: {err}")
        self._errored.emit(err)
        self.ctx.shell.show_error(err, "Compare")

    def _on_result(self, value) -> None:
        # Shown in three event-loop slices (text and table; the columns; B's plot), each well under
        # the UI's 100 ms, each dropped if a newer result or another set came in between.
        self._finish()
        result, xy, rows, columns = value
        if not self._still_for(None):
            return  # another set was shown meanwhile: its rows are not the ones compared
        self.result = result
        s = result.summary()
        text = (f"{s['shared']:,} shared labels ({s['rows_a']:,} in A, {s['rows_b']:,} in B); "
                f"mean overlap of {s['k']} neighbours {s['mean_overlap']:.2f}")
        if s["aligned"]:
            text += f"; B aligned onto A (Procrustes), mean displacement {s['mean_displacement']:.3g}"
        self.panel.status.setText("\n".join([text, *s["notes"]]))
        self.panel.set_movers(rows)
        self._slices = [lambda: self._show_columns(result, columns), lambda: self._show_plots(result, xy)]
        QtCore.QTimer.singleShot(0, self, self._next_slice)

    def _next_slice(self) -> None:
        """Show the next part of the result; the one after it in the next event-loop slice."""
        if self._slices:
            self._slices.pop(0)()
        if self._slices:
            QtCore.QTimer.singleShot(0, self, self._next_slice)

    def _flush_display(self) -> None:
        """Show every part of the result still waiting now (a screenshot cannot wait for the loop)."""
        while self._slices:
            self._slices.pop(0)()

    def _still_for(self, result) -> bool:
        """Whether the set shown has the rows compared (and ``result``, if given, is still the last)."""
        a, shown = self._for, self.ctx.workspace.dataset
        if shown is None or a is None or (result is not None and result is not self.result):
            return False
        return shown is a or (shown.n == a.n and shown.labels == a.labels)

    def _show_columns(self, result, columns) -> None:
        if not self._still_for(result):
            return
        ws = self.ctx.workspace
        for column in columns:
            ws.set_column(column, owner=self.name)
        if len(columns) < 2:
            ws.remove_column(DISPLACEMENT_COLUMN)

    def _show_plots(self, result, xy) -> None:
        if not self._still_for(result):
            return
        self._show_b(xy)
        self._draw_arrows()
        self.compared.emit(result)

    # -- the views --------------------------------------------------------------------------
    def _show_b(self, xy) -> None:
        ws, sc = self.ctx.workspace, self.panel.scatter
        if xy is None or ws.dataset is None:
            self.panel.clear_points()
            self.b_contours.follow(None)
            return
        emb = ws.dataset
        self.panel.show_points(xy, emb.labels)
        self.b_contours.follow(xy)
        meta = dict(emb.metadata)
        sc.set_tooltip_provider(lambda row: metadata_tooltip(emb.labels, meta, row))
        sc.set_color_by(ws.columns.get(OVERLAP_COLUMN))
        self._update_b_key()

    def _update_b_key(self) -> None:
        """B's title, and under it a key to what B's plot highlights (the main plot's legend names them
        there): the selection, in the colour B draws it, and the density contours."""
        if not self.panel.has_scatter or self.result is None:
            return
        ws = self.ctx.workspace
        title = html.escape(f"B: {self._b_title} — placed like A, coloured by neighbour overlap "
                            "(rows not in B are not drawn)")
        keys = []
        if ws.selection.count:
            theme = THEMES.get(self.panel.scatter.theme, THEMES["light"])
            color = QtGui.QColor(*theme["selection"][:3]).name()  # theme colours are RGB tuples
            keys.append(f'<span style="color:{color}">&#9679;</span> selected ({ws.selection.count:,}), '
                        "as on A")
        contours = ws.layer(CONTOURS_LAYER)
        if contours is not None and contours.visible:
            keys.append("lines: density contours of B's points, at A's levels")
        self.panel.plot_title.setText("<br>".join([title, " &nbsp;·&nbsp; ".join(keys)] if keys else [title]))

    def _b_vectors_of(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows of A among ``rows`` that B shares, and B's aligned vectors of them."""
        r = self.result
        pos = np.full(r.n_a, -1, dtype=np.int64)
        pos[r.rows_a] = np.arange(r.shared)
        p = pos[rows]
        keep = p >= 0
        return rows[keep], r.aligned_b[p[keep]]

    def _draw_arrows(self) -> None:
        ws = self.ctx.workspace
        r = self.result
        on = self.panel.arrows_check.isChecked()
        if not on or r is None or ws.dataset is None:
            ws.remove_layer(ARROWS_LAYER)
            return
        if r.aligned_b is None or ws.projection is None or ws.projection.project(r.aligned_b[:1]) is None:
            ws.remove_layer(ARROWS_LAYER)
            self.ctx.shell.message("Arrows need B aligned onto A (the same dimension) and a PCA plot",
                                   NOTE_MS)
            return
        rows, vecs = self._b_vectors_of(ws.selection.rows[:MAX_ARROWS])
        if not len(rows):
            ws.remove_layer(ARROWS_LAYER)
            return
        arrows = np.column_stack([rows, [vector_ref(i) for i in range(len(rows))]])
        ws.set_layer(Layer(ARROWS_LAYER, self.name, ARROW_STYLE, f"A → B ({self._b_title})",
                           points=vecs, arrows=arrows))

    # -- following the Workspace and the views -----------------------------------------------------
    def _on_dataset_changed(self, dataset) -> None:
        if self.ctx.runner.is_running(COMPARE_TASK) and dataset is not self._for:
            self.cancel()
        if self.result is not None and dataset is not self._for:
            self.result = None
            self.panel.set_movers([])
            self.panel.clear_points()
            self.b_contours.follow(None)
            self.panel.status.setText("The set shown changed: compare again")

    def _on_projection_changed(self) -> None:
        ws = self.ctx.workspace
        if self.result is None or ws.dataset is not self._for or ws.projection is None:
            return
        project = getattr(ws.projection, "project", None)
        self._show_b(b_positions(self.result, ws.projection.xy, project))

    def _on_selection_changed(self) -> None:
        if self.panel.arrows_check.isChecked():
            self._draw_arrows()
        self._update_b_key()

    def _on_layers_changed(self, name: str) -> None:
        if name == CONTOURS_LAYER:  # switched on or off, shown or hidden
            self._update_b_key()

    def _on_arrows_toggled(self, _on: bool) -> None:
        self._draw_arrows()

    def _on_row_activated(self, row: int) -> None:
        ws = self.ctx.workspace
        if 0 <= row < ws.selection.size:
            ws.selection.replace([row])
            if self.ctx.commands.has("explorer.focus_row"):
                self.ctx.commands.run("explorer.focus_row", row)
            self.panel.scatter.set_focus_row(row)

    def _on_b_hovered(self, row: int) -> None:
        ws = self.ctx.workspace
        if row < 0 or ws.dataset is None:
            ws.remove_layer(HOVER_LAYER)
        else:
            ws.set_layer(Layer(HOVER_LAYER, self.name, HOVER_STYLE, rows=[row]))

    def _on_a_hovered(self, row: int) -> None:
        if not self.panel.has_scatter:
            return
        sc = self.panel.scatter
        if row < 0 or row >= sc.n or self.result is None:
            sc.remove_overlay("hover")
        else:
            sc.set_overlay("hover", [row], color=B_HOVER_COLOR, size=B_HOVER_SIZE, filled=False)

    def _on_a_focus_changed(self, row: int) -> None:
        if self.result is not None and self.panel.has_scatter and row < self.panel.scatter.n:
            self.panel.scatter.set_focus_row(row)

    def _on_dock_closed(self) -> None:
        self.ctx.workspace.clear_layers(self.name)

    def _on_file_clicked(self) -> None:
        if self.ctx.workspace.dataset is not None:
            self.ctx.shell.show_dock("compare")  # B's plot is built while the user picks the file
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self.ctx.shell.widget(), "Compare with File")
        if path:
            self.compare_with_file(path)

    def _on_keep_clicked(self) -> None:
        self.remember()

    def _on_compare_kept_clicked(self) -> None:
        if self._kept is not None:
            self.compare_with(*self._kept)

    # -- the command line ----------------------------------------------------------------------
    def apply_arguments(self, args) -> None:
        path = getattr(args, "compare", None)
        if not path:
            return
        if self.ctx.workspace.dataset is None:
            raise DataError("nothing to compare with: give an embedding file (A) first", "--compare")
        mode = getattr(args, "compare_mode", None) or "side"
        failed: list[BaseException] = []
        self.compare_with_file(path)
        if self.ctx.shell.interactive:  # the result is shown when it comes; arrows follow the selection
            if mode == "arrows":
                self.compared.connect(lambda _r: self._show_movers_arrows(),
                                      QtCore.Qt.ConnectionType.SingleShotConnection)
            return
        err_slot = failed.append
        self._errored.connect(err_slot)
        try:
            self.ctx.runner.wait_for(COMPARE_TASK)
            self._flush_display()
        finally:
            self._errored.disconnect(err_slot)
        if failed:
            err = failed[0]
            raise err if isinstance(err, DataError) else DataError(str(err), path)
        if self.result is None:
            raise DataError("the comparison did not finish", "--compare")
        if not getattr(args, "color_by", None) and self.ctx.commands.has("explorer.color_by"):
            self.ctx.commands.run("explorer.color_by", OVERLAP_COLUMN)  # the same colours in both plots
        if mode == "arrows":
            self._show_movers_arrows()
            return
        if not getattr(args, "select", None):
            self._select_movers()
        win, dock = self.ctx.shell.widget(), self.ctx.shell.dock("compare")
        area = win.dockWidgetArea(dock)
        for key in self.ctx.shell.dock_keys():  # B's plot gets the whole side: the same size as A's
            other = self.ctx.shell.dock(key)
            if other is not dock and not other.isFloating() and win.dockWidgetArea(other) == area:
                other.hide()
        win.resizeDocks([dock], [int(win.width() * SIDE_SHARE)], QtCore.Qt.Orientation.Horizontal)
        QtWidgets.QApplication.processEvents()  # the dock takes its new width and height first
        self.panel.set_plot_share(SIDE_PLOT_SHARE)

    def _select_movers(self) -> None:
        r = self.result
        self.ctx.workspace.selection.replace(r.rows_a[r.order()[:CLI_ARROWS]])

    def _show_movers_arrows(self) -> None:
        """Select the biggest movers and draw their arrows A -> B on the main plot."""
        if self.result is None:
            return
        self._select_movers()
        self.panel.arrows_check.setChecked(True)
        self.panel.show_plot(False)

    # -- sessions ------------------------------------------------------------------------------
    def state(self) -> dict | None:
        return {"k": int(self.panel.k_spin.value()), "arrows": bool(self.panel.arrows_check.isChecked())}

    def restore(self, state: dict) -> None:
        if state.get("k") is not None:
            self.panel.k_spin.setValue(int(state["k"]))
        self.panel.arrows_check.setChecked(bool(state.get("arrows")))
