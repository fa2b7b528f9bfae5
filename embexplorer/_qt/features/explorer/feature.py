"""The explorer feature: the plot of the Workspace's data set and everything on and around it.

It shows the data set through its projection (PC X / Y combos in the toolbar), draws the
Workspace's overlay layers, keeps the status-bar summary, offers zoom, search, selection and
export, the Points dock (the linked table) and the plot's right-click menu.  Other features
reach it only through the commands it registers (``explorer.*``).
"""

from __future__ import annotations

import time

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.feature import DockSpec, Feature, MenuItem, Page, find_row
from embexplorer._qt.features.explorer.layer_legend import LayerLegend
from embexplorer._qt.features.explorer.layers_view import LayerRenderer
from embexplorer._qt.features.explorer.stats import StatsLabel, zoom_fit_icon
from embexplorer._qt.widgets.explorer import ExplorerWidget
from embexplorer.core.errors import DataError
from embexplorer.core.view.projection import PCAProjection

#: Principal components offered in the axis combos before anything is loaded.
DEFAULT_COMPONENTS = 10
#: Longest point label shown in the right-click menu (characters).
CONTEXT_LABEL_CHARS = 40
#: How long a status-bar note about the focused point or a search stays (ms).
NOTE_MS = 5000
#: Owners whose layers Esc leaves alone: a lecture's highlights are its slide, not a passing result.
PERSISTENT_LAYER_OWNERS = ("lecture",)
#: Longest wait (s) of ``--color-by`` for a column another room computes (clusters, neighbour overlap).
COMPUTED_COLUMN_WAIT_S = 600.0


class ExplorerFeature(Feature):
    """The plot page, the axis combos, the Points dock, zoom / search / selection actions."""

    name = "explorer"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        ws = ctx.workspace
        self.widget = ExplorerWidget(selection=ws.selection)
        self.scatter = self.widget.scatter
        self.layers = LayerRenderer(ws, self.scatter)
        self.legend = LayerLegend(ws, self.scatter)
        self.layers.covered_top = self.legend.covered_top
        self._drawn = (None, None)  # (dataset, projection) on screen
        self._context_menu: QtWidgets.QMenu | None = None
        ex = self.widget
        # Ctrl+F, Ctrl+E, Esc work anywhere in the window, not only with the plot focused.
        ex.set_shortcut_context(QtCore.Qt.ShortcutContext.WindowShortcut)
        # The window's Zoom to Fit (toolbar, Ctrl+0, Home) is the one fit action: no duplicate button.
        ex.fit_action.setShortcut(QtGui.QKeySequence())
        ex.fit_action.setVisible(False)
        # 1:1 and Dark live in the View menu: the plot's toolbar keeps room for what is used while exploring.
        for a in (ex.aspect_action, ex.dark_action):
            ex.toolbar.removeAction(a)
        self._build_actions()
        self.stats = StatsLabel(ws)
        self.x_combo, self.y_combo = QtWidgets.QComboBox(), QtWidgets.QComboBox()
        for axis, combo in (("X", self.x_combo), ("Y", self.y_combo)):
            combo.setObjectName(f"{axis.lower()}AxisCombo")
            combo.setToolTip(f"Principal component on the {axis} axis")
            combo.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.currentIndexChanged.connect(self._on_axis_combo_changed)
        self._fill_axis_combos()

        ex.search.message.connect(self._on_explorer_message)
        ex.focus_changed.connect(self._on_focus_changed)
        ex.dark_action.toggled.connect(self._on_dark_toggled)
        ex.clear_selection_action.triggered.connect(self._on_escape)
        self.scatter.point_clicked.connect(ws.point_clicked)
        self.scatter.context_menu_requested.connect(self._on_plot_context_menu_requested)
        ws.dataset_changed.connect(self._on_dataset_changed)
        ws.projection_changed.connect(self._on_projection_changed)
        ws.frame_changed.connect(self._on_frame_changed)
        ws.columns_changed.connect(self._on_columns_changed)
        self._colour_recomputed: str | None = None  # a computed column coloured by, away while recomputed
        self._pending_view = None  # a session's view, for the layout still being made
        self.scatter.view_box.sigRangeChangedManually.connect(self._on_view_moved_by_user)
        reg = ctx.commands.register
        reg("explorer.widget", lambda: self.widget, "The plot widget (scatter, legend, search, table)")
        reg("explorer.zoom_to_results", self.layers.zoom_to_results, "Zoom to the neighbours / analogy")
        reg("explorer.zoom_to_fit", self.scatter.zoom_to_fit, "Show every point")
        reg("explorer.focus_row", self.widget.focus_row, "Centre and ring a point")
        reg("explorer.color_by", self.color_by, "Colour the points by a metadata column")
        reg("explorer.clear_transient_layers", self.clear_transient_layers,
            "Esc: remove the passing highlights")
        reg("explorer.finish_setup", self.finish_setup, "Finish deferred set-up and lay labels out now")

    def _build_actions(self) -> None:
        A = QtGui.QAction
        self.zoom_fit_action = A(zoom_fit_icon(self.widget.palette()), "&Zoom to Fit", self)
        self.zoom_fit_action.setShortcuts([QtGui.QKeySequence("Ctrl+0"), QtGui.QKeySequence("Home")])
        self.zoom_fit_action.setStatusTip("Show all points")
        self.zoom_fit_action.setEnabled(False)
        self.zoom_fit_action.triggered.connect(self.scatter.zoom_to_fit)
        self.zoom_results_action = A("Zoom to &Results", self)
        self.zoom_results_action.setShortcut(QtGui.QKeySequence("Ctrl+Shift+0"))
        self.zoom_results_action.setStatusTip("Show the neighbours / analogy points up close")
        self.zoom_results_action.triggered.connect(lambda: self.layers.zoom_to_results())

    # -- what the shell places ----------------------------------------------------------------
    def pages(self) -> list[Page]:
        return [Page("plot", self.widget, focus=self.scatter.plot_widget)]

    def docks(self) -> list[DockSpec]:
        # The explorer's linked table has its own dock (the legend stays beside the plot).
        return [DockSpec("points", "Points", self.widget.table, scroll=False)]

    def toolbar_items(self) -> list:
        items: list = [None]
        for axis, combo in (("X", self.x_combo), ("Y", self.y_combo)):
            label = QtWidgets.QLabel(f" {axis} ")
            label.setBuddy(combo)
            items += [label, combo]
        return items + [None, self.zoom_fit_action]

    def status_widgets(self) -> list:
        return [self.stats]

    def menu_items(self) -> list[MenuItem]:
        ex = self.widget
        return ([MenuItem("File", ex.export_action, 40)]
                + [MenuItem("Edit", a, 10) for a in (ex.find_action, ex.select_all_action,
                                                     ex.clear_selection_action)]
                + [MenuItem("View", a, 10) for a in (self.zoom_fit_action, self.zoom_results_action,
                                                     ex.labels_action, ex.aspect_action, ex.dark_action)])

    # -- commands -------------------------------------------------------------------------
    def color_by(self, name: str | None) -> None:
        """Colour the points by metadata column ``name`` (None: one colour)."""
        self.widget.finish_setup()
        self.widget.set_color_by(name)

    def _colour_offered(self, name: str) -> bool:
        """A metadata column, or an entry derived from one (``"genres: Drama"``), offered in colour by."""
        emb = self.ctx.workspace.dataset
        return emb is not None and (name in emb.metadata or (name not in ("", "(none)")
                                                             and self.widget.color_combo.findText(name) >= 0))

    def finish_setup(self) -> None:
        """Finish the explorer's deferred set-up and lay the labels out now (tests, ``--screenshot``)."""
        self.widget.finish_setup()
        self.scatter.relayout_labels()

    # -- following the Workspace -----------------------------------------------------------------
    def _on_dataset_changed(self, dataset) -> None:
        self._colour_recomputed = None
        self._pending_view = None
        self.scatter.set_focus_row(-1, center=False)
        self._fill_axis_combos()
        self.zoom_fit_action.setEnabled(dataset is not None)
        # Drawn now, not at the projection_changed that follows: whoever listens after the explorer
        # (a session, the command line's view options) finds the new set on the plot.
        self._draw(keep_view=False)
        if dataset is not None:
            self.ctx.shell.show_central("plot")

    def _on_projection_changed(self) -> None:
        self._draw(keep_view=False)
        ws = self.ctx.workspace
        if self._pending_view is not None and not ws.is_live and not getattr(ws.projection, "live", False):
            view, self._pending_view = self._pending_view, None
            self._set_view(view)
            self.scatter.relayout_labels()
        axes = self.ctx.workspace.axes
        pca_shown = isinstance(self.ctx.workspace.projection, PCAProjection)  # t-SNE / UMAP have no PCs
        for combo, i in ((self.x_combo, axes[0]), (self.y_combo, axes[1])):
            blocked = combo.blockSignals(True)
            combo.setCurrentIndex(i)
            combo.setEnabled(pca_shown)
            combo.blockSignals(blocked)

    def _on_columns_changed(self, _name: str) -> None:
        combo = self.widget.color_combo
        before = combo.currentText()
        self.widget.set_computed_columns(self.ctx.workspace.columns)
        now = combo.currentText()
        if now != before and combo.findText(before) < 0:
            # The column coloured by is being recomputed (a new projection's neighbour preservation):
            # it comes back under the same name, and the colour with it.
            self._colour_recomputed = before
        elif self._colour_recomputed and combo.findText(self._colour_recomputed) >= 0:
            if combo.currentIndex() <= 0:
                self.widget.set_color_by(self._colour_recomputed)
            self._colour_recomputed = None

    def _on_frame_changed(self, _epoch: int) -> None:
        self._draw(keep_view=True)

    def _draw(self, keep_view: bool) -> None:
        ws = self.ctx.workspace
        if (ws.dataset, ws.projection) == self._drawn or ws.dataset is None or ws.projection is None:
            if ws.dataset is None:
                self.scatter.clear()
                self._drawn = (None, None)
            self.stats.refresh()
            return
        same_rows = keep_view and self._drawn[0] is not None and self._drawn[0].n == ws.dataset.n
        self._drawn = (ws.dataset, ws.projection)
        colour = self.widget.color_combo.currentText()
        self.widget.set_data(ws.dataset, ws.projection.xy, *ws.projection.axis_titles, keep_view=same_rows)
        if same_rows and colour != self.widget.color_combo.currentText():  # a frame keeps the colouring
            self.widget.finish_setup()
            self.widget.set_color_by(colour if self._colour_offered(colour) else None)
        self.layers.redraw()
        self.stats.refresh()

    def _fill_axis_combos(self) -> None:
        pca = self.ctx.workspace.pca
        k = pca.n_components if pca is not None else DEFAULT_COMPONENTS
        for combo in (self.x_combo, self.y_combo):
            blocked = combo.blockSignals(True)  # the Workspace redraws once, not per combo change
            combo.clear()
            for i in range(k):
                combo.addItem(pca.axis_label(i) if pca is not None else f"PC{i + 1}", i)
            combo.setEnabled(pca is not None)
            combo.blockSignals(blocked)
        axes = self.ctx.workspace.axes
        for combo, i in ((self.x_combo, axes[0]), (self.y_combo, min(axes[1], k - 1))):
            blocked = combo.blockSignals(True)
            combo.setCurrentIndex(i)
            combo.blockSignals(blocked)

    def _on_axis_combo_changed(self, _index: int) -> None:
        x, y = self.x_combo.currentIndex(), self.y_combo.currentIndex()
        if isinstance(self.ctx.workspace.projection, PCAProjection) and x >= 0 and y >= 0:
            self.ctx.workspace.set_axes(x, y)

    def clear_transient_layers(self) -> int:
        """Remove the passing highlights (neighbours, an analogy, a user's movies: every layer not owned
        by :data:`PERSISTENT_LAYER_OWNERS`); returns how many went."""
        ws = self.ctx.workspace
        names = [layer.name for layer in ws.layers if layer.owner not in PERSISTENT_LAYER_OWNERS]
        for name in names:
            ws.remove_layer(name)
        return len(names)

    def _on_escape(self) -> None:
        # Esc already cleared the selection and the search focus (the explorer widget's action).
        self.clear_transient_layers()

    def _on_dark_toggled(self, on: bool) -> None:
        self.ctx.commands.run("shell.set_dark", on, self.widget.palette())

    def _on_explorer_message(self, text: str) -> None:
        if text:
            self.ctx.shell.message(text, NOTE_MS)

    def _on_focus_changed(self, row: int) -> None:
        emb = self.ctx.workspace.dataset
        if row >= 0 and emb is not None and row < emb.n:
            self.ctx.shell.message(emb.labels[row], NOTE_MS)

    # -- the right-click menu ------------------------------------------------------------------
    def plot_context_menu(self, pos: QtCore.QPoint) -> QtWidgets.QMenu:
        """The right-click menu at widget position ``pos`` of the plot: what other features offer for
        the point there (neighbours, analogy slots), selection, copy; then the view."""
        ws, cmd = self.ctx.workspace, self.ctx.commands
        menu = QtWidgets.QMenu(self.ctx.shell.widget())
        row = -1
        if ws.dataset is not None and self.scatter.n:
            point = self.scatter.view_box.mapSceneToView(self.scatter.plot_widget.mapToScene(pos))
            row = self.scatter.row_at(point.x(), point.y())
        if row >= 0:
            label = ws.dataset.labels[row]
            short = label if len(label) <= CONTEXT_LABEL_CHARS else label[:CONTEXT_LABEL_CHARS - 1] + "…"
            menu.addSection(short)
            if cmd.has("neighbours.query_row"):
                menu.addAction(f"Find &Neighbours of “{short}”",
                               lambda: cmd.run("neighbours.query_row", row, show=True))
            menu.addAction("&Select", lambda: ws.selection.replace([row]))
            if ws.selection.contains(row):
                menu.addAction("&Remove from Selection", lambda: ws.selection.remove([row]))
            else:
                menu.addAction("&Add to Selection", lambda: ws.selection.add([row]))
            if cmd.has("analogy.use_label"):
                analogy = menu.addMenu("Use in &Analogy")
                for slot in ("a", "b", "c"):
                    analogy.addAction(f"as {slot}", lambda s=slot: cmd.run("analogy.use_label", s, label))
            menu.addAction("&Copy Label", lambda: QtWidgets.QApplication.clipboard().setText(label))
            menu.addSeparator()
        for a in (self.zoom_fit_action, self.zoom_results_action, self.widget.labels_action,
                  self.widget.export_action):
            menu.addAction(a)
        menu.setProperty("row", row)
        return menu

    def _on_plot_context_menu_requested(self, pos: QtCore.QPoint) -> None:
        # popup, not exec: no nested event loop (a worker's result can land while the menu is open).
        menu = self.plot_context_menu(pos)
        menu.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.scatter.plot_widget.mapToGlobal(pos))
        self._context_menu = menu

    # -- sessions and the command line ---------------------------------------------------------------
    def state(self) -> dict | None:
        ws = self.ctx.workspace
        emb = ws.dataset
        if emb is None:
            return None
        (x0, x1), (y0, y1) = self.scatter.view_box.viewRange()
        colour = self.widget.color_combo.currentText()
        focus = int(self.scatter.focus_row)
        focus_label = emb.labels[focus] if 0 <= focus < emb.n else None
        return {"view": [[float(x0), float(x1)], [float(y0), float(y1)]], "axes": list(ws.axes),
                "colour_by": colour if self._colour_offered(colour) else None,
                "selection": [int(r) for r in ws.selection.rows], "focus_label": focus_label,
                "focus_row": focus if focus_label else -1,
                "labels_shown": bool(self.widget.labels_action.isChecked()),
                "table": self.widget.table.table_state()}

    def restore(self, state: dict) -> None:
        ws = self.ctx.workspace
        emb = ws.dataset
        if emb is None or not state:
            return
        self.finish_setup()
        x, y = (state.get("axes") or (0, 1))[:2]
        pca = ws.pca
        if pca is not None and x < pca.n_components and y < pca.n_components:
            ws.set_axes(int(x), int(y))
        colour = state.get("colour_by")
        self.color_by(colour if colour and self._colour_offered(colour) else None)
        rows = np.asarray(state.get("selection") or [], dtype=np.int64)
        ws.selection.replace(rows[(rows >= 0) & (rows < emb.n)])
        self.widget.labels_action.setChecked(bool(state.get("labels_shown")))
        self.widget.table.restore_table_state(state.get("table"))  # absent in older sessions: the defaults

    def restore_view(self, state: dict) -> None:
        """The focus and the view range of ``state``: last, after other features zoomed to results."""
        emb = self.ctx.workspace.dataset
        if emb is None or not state:
            return
        label = state.get("focus_label")
        self.scatter.set_focus_row(emb.index.get(label, -1) if label is not None else -1, center=False)
        view = state.get("view")
        if view and view[0] is not None and view[1] is not None:
            self._set_view(view)
            # A layout still being made (a session's t-SNE from the cache) would zoom to fit when it
            # arrives: the saved view is applied to it instead, unless the user moves the view first.
            self._pending_view = view if self.ctx.runner.running_kinds() else None
        else:
            self.scatter.zoom_to_fit()
        self.scatter.relayout_labels()

    def _set_view(self, view) -> None:
        self.scatter.view_box.setRange(xRange=tuple(view[0]), yRange=tuple(view[1]), padding=0)

    def _on_view_moved_by_user(self, *_args) -> None:
        self._pending_view = None

    def apply_arguments(self, args) -> None:
        emb = self.ctx.workspace.dataset
        column = getattr(args, "color_by", None)
        if column and emb is not None:
            self.widget.finish_setup()
            # A column another room computes (regions' clusters, compare's overlap) arrives after every
            # room's options: coloured in apply_last, once the background work has ended.
            if self._colour_offered(column):
                self.color_by(column)
        if getattr(args, "select", None) and emb is not None:
            labels = [t.strip() for t in args.select.split(",") if t.strip()]
            rows = sorted({find_row(emb, t, "--select") for t in labels})
            self.ctx.workspace.selection.replace(rows)
            self.scatter.show_rows(rows)

    def apply_last(self, args) -> None:
        """``--color-by`` a computed column, then ``--search``: last of the view options (the rooms'
        background work has to end first, and the search centres the view)."""
        emb = self.ctx.workspace.dataset
        column = getattr(args, "color_by", None)
        if column and emb is not None and self.widget.color_combo.currentText() != column:
            runner, deadline = self.ctx.runner, time.monotonic() + COMPUTED_COLUMN_WAIT_S
            while runner.running_kinds() and time.monotonic() < deadline:
                runner.wait_for(runner.running_kinds()[0], max(0.0, deadline - time.monotonic()))
            QtCore.QCoreApplication.processEvents()  # columns set in the results' follow-up slices
            if not self._colour_offered(column):
                names = list(emb.metadata) + list(self.ctx.workspace.columns)
                have = ", ".join(names) or "none"
                raise DataError(f"no metadata column {column!r} (columns: {have})", "--color-by")
            self.color_by(column)
        if getattr(args, "search", None) and emb is not None:
            row = find_row(emb, args.search.strip(), "--search")
            self.widget.search.edit.setText(emb.labels[row])  # the box shows what was searched
            self.widget.focus_row(row)
            # The selected points stay in view beside the searched one.
            self.scatter.show_rows(np.r_[self.ctx.workspace.selection.rows, row])

