"""ExplorerWidget: the scatter plus everything around it, as one drop-in widget.

Wiring (main window)::

    self.explorer = ExplorerWidget(self)
    self.setCentralWidget(self.explorer)          # or put it in a splitter / dock
    self.explorer.set_shortcut_context(Qt.ShortcutContext.WindowShortcut)  # optional
    self.explorer.status_changed.connect(self.statusBar().showMessage)
    for action in self.explorer.actions_for_menu():   # Find, Export, Fit, Clear selection...
        view_menu.addAction(action)
    # after loading and PCA (pca = fit_pca(emb.vectors, 10)), on the UI thread:
    self.explorer.set_data(emb, pca.xy(0, 1), pca.axis_label(0), pca.axis_label(1))
    # optional: its own PC pickers (the main window may keep its own X/Y combos instead
    # and call set_data(..., keep_view=False) with the new xy):
    #   components=pca.coords, component_labels=[pca.axis_label(i) for i in range(k)]

For ``--screenshot``: ``explorer.finish_setup()`` (big sets fill the table and
search a moment later), then ``explorer.focus_row(emb.row("king"))`` (search
highlight), ``explorer.selection.replace(rows)`` and ``explorer.set_color_by(name)``.

Other panels share ``explorer.selection`` (a :class:`SelectionModel`) and draw on
the plot with ``explorer.scatter.set_overlay(name, rows, ...)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.widgets.export import (
    ExportDialog,
    projector_metadata_path,
    write_csv,
    write_png,
    write_projector_tsv,
    write_svg,
)
from embexplorer._qt.widgets.legend import LegendWidget
from embexplorer._qt.widgets.scatter import DEFAULT_POINT_SIZE, THEMES, ScatterView, metadata_tooltip
from embexplorer._qt.widgets.search import SearchBox
from embexplorer._qt.widgets.selection import SelectionModel
from embexplorer._qt.widgets.selection_table import SelectionTable
from embexplorer.core.view.multilabel import derived_entries, derived_mapping, flagged_counts, is_multilabel

#: Point-size range offered by the toolbar.
POINT_SIZE_RANGE = (1, 16)
#: From this many points on, the table / search / axis set-up of :meth:`ExplorerWidget.set_data`
#: runs in a later event-loop slice (after the points are painted).
DEFER_SETUP_MIN = 200_000
#: Delay between the deferred set-up's steps (ms): the colours follow the first paint of the points
#: (see :meth:`ExplorerWidget._after_first_paint`), then the table and search this much later.
DEFER_SETUP_MS = 30
#: Longest wait (ms) for that first paint (a window not on screen never paints by itself).
FIRST_PAINT_WAIT_MS = 500
#: Colour-by entry meaning "no column".
NO_COLOR = "(none)"
#: Pixels a toolbar separator takes, and the room kept beside the toolbar and the search box.
TOOLBAR_SEPARATOR_PX, TOOLBAR_MARGIN_PX = 8, 24
#: Narrowest a colour or size combo is counted at when deciding whether the toolbar fits: the toolbar
#: squeezes a long column name ("Neighbour preservation (k=10)") this far before it must drop the captions.
COMBO_FIT_PX = 120
#: Narrowest search box (pixels): room for a label and the regex switch.
SEARCH_MIN_WIDTH = 170
#: Entry of the size-by combo for points all of one size.
UNIFORM_SIZE = "(uniform)"
#: Numeric columns a set is sized by when shown (e.g. a trained model's movies by their number of
#: ratings, as fastai's plots do); other sets start uniform.
DEFAULT_SIZE_COLUMNS = ("ratings",)


class ExplorerWidget(QtWidgets.QWidget):
    """Scatter + toolbar + search + legend + linked table.

    Signals
    -------
    status_changed(str)
        One-line summary for the status bar (points, dims, variance, selection).
    focus_changed(int)
        The focused (searched / table-activated) row, -1 when cleared.
    hovered(int)
        Row under the cursor (-1 when none).
    """

    status_changed = QtCore.Signal(str)
    focus_changed = QtCore.Signal(int)
    hovered = QtCore.Signal(int)

    def __init__(self, parent: QtWidgets.QWidget | None = None,
                 selection: SelectionModel | None = None) -> None:
        super().__init__(parent)
        # The window's Workspace owns the selection; a stand-alone explorer makes its own.
        self.selection = selection if selection is not None else SelectionModel(0, self)
        self.scatter = ScatterView(self, selection=self.selection)
        self.scatter.escape_shortcut.setEnabled(False)  # the explorer's Esc action covers every child
        self.search = SearchBox()
        self.legend = LegendWidget()
        self.table = SelectionTable(self.selection)
        self.table.model.label_order_provider = lambda: self.search.index.order
        self._emb = None
        self._components: np.ndarray | None = None
        self._component_labels: list[str] = []
        self._axes = (0, 1)
        self._axis_titles = ("x", "y")
        self._message = ""
        self._pending_setup = None
        self._pending_colors = False
        self._after_paint = None  # the deferred set-up step waiting for the next paint of the plot

        # -- toolbar ------------------------------------------------------------
        tb = self.toolbar = QtWidgets.QToolBar()
        tb.setIconSize(QtCore.QSize(16, 16))
        self.x_combo = QtWidgets.QComboBox()
        self.y_combo = QtWidgets.QComboBox()
        self.x_combo.setToolTip("Horizontal axis")
        self.y_combo.setToolTip("Vertical axis")
        self._axes_widgets = [tb.addWidget(QtWidgets.QLabel(" X ")), tb.addWidget(self.x_combo),
                              tb.addWidget(QtWidgets.QLabel(" Y ")), tb.addWidget(self.y_combo)]
        tb.addSeparator()
        self._colour_label_action = tb.addWidget(QtWidgets.QLabel(" Colour "))
        self.color_combo = QtWidgets.QComboBox()
        self.color_combo.setToolTip("Colour points by a metadata column")
        self.color_combo.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents)
        tb.addWidget(self.color_combo)
        self._size_actions = [tb.addWidget(QtWidgets.QLabel(" Size "))]
        self.size_spin = QtWidgets.QSpinBox()
        self.size_spin.setRange(*POINT_SIZE_RANGE)
        self.size_spin.setValue(DEFAULT_POINT_SIZE)
        self.size_spin.setToolTip("Point size (pixels)")
        self._size_actions += [tb.addWidget(self.size_spin), tb.addWidget(QtWidgets.QLabel(" by "))]
        self.size_combo = QtWidgets.QComboBox()
        self.size_combo.setToolTip("Size points by a numeric metadata column (larger value, larger disc)")
        self.size_combo.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.size_combo.addItem(UNIFORM_SIZE)
        self._size_actions.append(tb.addWidget(self.size_combo))
        for combo in (self.color_combo, self.size_combo):  # a longer column name may not fit any more
            for sig in (combo.model().rowsInserted, combo.model().rowsRemoved, combo.model().modelReset):
                sig.connect(self._schedule_compact)
        tb.addSeparator()
        self.mode_group = QtGui.QActionGroup(self)
        self.pan_action = self._mode_action("Pan", "pan", "Drag to pan (wheel zooms)", True)
        self.box_action = self._mode_action("Box", "box", "Drag a box to select (Shift adds, Ctrl toggles)")
        self.lasso_action = self._mode_action("Lasso", "lasso",
                                              "Draw a lasso to select (Shift adds, Ctrl toggles)")
        for a in (self.pan_action, self.box_action, self.lasso_action):
            tb.addAction(a)
        tb.addSeparator()
        self.labels_action = QtGui.QAction("Labels", self, checkable=True)
        self.labels_action.setToolTip("Label points in view (as many as fit without overlapping)")
        self.aspect_action = QtGui.QAction("1:1", self, checkable=True)
        self.aspect_action.setToolTip("Keep aspect ratio")
        self.dark_action = QtGui.QAction("Dark", self, checkable=True)
        self.dark_action.setToolTip("Dark theme")
        self.fit_action = QtGui.QAction("Fit", self)
        self.fit_action.setToolTip("Zoom to fit all points (Ctrl+0)")
        self.fit_action.setShortcut(QtGui.QKeySequence("Ctrl+0"))
        for a in (self.labels_action, self.aspect_action, self.dark_action, self.fit_action):
            tb.addAction(a)
        # The search box sits beside the toolbar, not in it: a narrow plot pushes toolbar items into the
        # overflow menu, never the search box.
        self.search.setMinimumWidth(SEARCH_MIN_WIDTH)

        # -- actions with shortcuts -------------------------------------------------
        self.find_action = QtGui.QAction("Find label…", self)
        self.find_action.setShortcut(QtGui.QKeySequence.StandardKey.Find)
        self.export_action = QtGui.QAction("Export…", self)
        self.export_action.setShortcut(QtGui.QKeySequence("Ctrl+E"))
        self.clear_selection_action = QtGui.QAction("Clear selection", self)
        self.clear_selection_action.setShortcut(QtGui.QKeySequence(QtCore.Qt.Key.Key_Escape))
        self.select_all_action = QtGui.QAction("Select all visible", self)
        self.select_all_action.setShortcut(QtGui.QKeySequence("Ctrl+Shift+A"))
        for a in (self.find_action, self.export_action, self.clear_selection_action, self.select_all_action,
                  self.fit_action):
            a.setShortcutContext(QtCore.Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(a)

        # -- layout ---------------------------------------------------------------
        side = self._side = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        side.addWidget(self.legend)
        side.addWidget(self.table)
        side.setStretchFactor(0, 1)
        side.setStretchFactor(1, 2)
        side.setSizes([220, 480])
        self.splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.scatter)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 0)  # more width goes to the plot, not the legend column
        self.splitter.setSizes([900, 300])
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        bar = QtWidgets.QHBoxLayout()
        bar.setContentsMargins(0, 0, 4, 0)
        bar.setSpacing(4)
        bar.addWidget(tb, 1)
        bar.addWidget(self.search)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)

        # -- connections ------------------------------------------------------------
        self.x_combo.currentIndexChanged.connect(self._on_axes_changed)
        self.y_combo.currentIndexChanged.connect(self._on_axes_changed)
        self.color_combo.currentIndexChanged.connect(self._on_color_changed)
        self.size_spin.valueChanged.connect(self.scatter.set_point_size)
        self.size_combo.currentIndexChanged.connect(self._on_size_by_changed)
        self.labels_action.toggled.connect(self.scatter.set_labels_in_view)
        self.aspect_action.toggled.connect(self.scatter.set_keep_aspect)
        self.dark_action.toggled.connect(self._on_dark_toggled)
        self.fit_action.triggered.connect(self.scatter.zoom_to_fit)
        self.find_action.triggered.connect(self.search.focus)
        self.export_action.triggered.connect(self._on_export)
        self.clear_selection_action.triggered.connect(self._on_clear)
        self.select_all_action.triggered.connect(self._on_select_all)
        self.search.label_chosen.connect(self.focus_row)
        self.search.regex_matched.connect(self._on_regex_matched)
        self.search.message.connect(self._set_message)
        self.legend.entry_toggled.connect(self.scatter.set_entry_visible)
        self.table.row_activated.connect(lambda r: self.focus_row(r, from_table=True))
        self.selection.changed.connect(self._emit_status)
        self.scatter.point_hovered.connect(self.hovered)
        self._set_axes_visible(False)

    def _mode_action(self, text: str, mode: str, tip: str, checked: bool = False) -> QtGui.QAction:
        a = QtGui.QAction(text, self, checkable=True)
        a.setChecked(checked)
        a.setToolTip(tip)
        a.setActionGroup(self.mode_group)
        a.triggered.connect(lambda: self.scatter.set_drag_mode(mode))
        return a

    # -- data -----------------------------------------------------------------------
    def set_data(self, emb, xy: np.ndarray, x_label: str, y_label: str, *,
                 components: np.ndarray | None = None, component_labels: Sequence[str] | None = None,
                 keep_view: bool = False) -> None:
        """Show an :class:`~embexplorer.core.data.embeddings.EmbeddingSet` projected to ``xy`` (n x 2).

        ``components`` (n x k, e.g. ``PCAResult.coords``) with ``component_labels``
        enables the X / Y axis pickers (PC1..PCk). ``keep_view`` keeps the zoom
        (for a refreshed projection of the same set, e.g. live training); a ``keep_view``
        set with the labels and metadata columns shown moves the points only (the colour
        choice, the table's layout and column widths and the search index stay).
        """
        same = self._emb is not None and emb is self._emb
        # A live training frame of the set shown (same labels, same columns): only the points
        # move. The colour choice, the table's columns and the search index stay.
        moved = (keep_view and not same and self._emb is not None and self._pending_setup is None
                 and self.table.model.same_rows(emb.labels, emb.metadata))
        self._emb = emb
        self._components = None if components is None else np.asarray(components)
        self._component_labels = list(component_labels or [])
        self._axis_titles = (x_label, y_label)
        self.scatter.set_points(xy, emb.labels, keep_view=keep_view)
        self.scatter.set_axis_labels(x_label, y_label)
        meta = emb.metadata
        self.scatter.set_tooltip_provider(lambda r: metadata_tooltip(emb.labels, meta, r))
        if moved:
            self._move_points(emb)
            return
        self._pending_setup = (emb, same)
        self._pending_colors = not same
        if emb.n >= DEFER_SETUP_MIN:
            # Big sets: the points paint first (one colour), then the colours, then the
            # table and search, each in its own event-loop slice, so no slice stalls the UI.
            # A timer alone could fire before the first paint and put both in one slice.
            self._after_first_paint(self._finish_colors)
        else:
            self._finish_setup()

    def _after_first_paint(self, step) -> None:
        """Run ``step`` in the event-loop slice after the plot next paints (or after
        :data:`FIRST_PAINT_WAIT_MS`, whichever comes first)."""
        self._after_paint = step
        viewport = self.scatter.plot_widget.viewport()
        viewport.removeEventFilter(self)
        viewport.installEventFilter(self)
        QtCore.QTimer.singleShot(FIRST_PAINT_WAIT_MS, self, lambda: self._run_after_paint(step))

    def _run_after_paint(self, step) -> None:
        if self._after_paint is not step:
            return  # already run, or superseded by a newer set_data
        self._after_paint = None
        self.scatter.plot_widget.viewport().removeEventFilter(self)
        step()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QtCore.QEvent.Type.Paint and self._after_paint is not None:
            step = self._after_paint
            QtCore.QTimer.singleShot(0, self, lambda: self._run_after_paint(step))
        return super().eventFilter(obj, event)

    def _finish_colors(self) -> None:
        if self._pending_colors and self._emb is not None:
            self._pending_colors = False
            self._fill_color_combo(self._all_columns())
        QtCore.QTimer.singleShot(DEFER_SETUP_MS, self._finish_setup)

    def _finish_setup(self) -> None:
        pending = getattr(self, "_pending_setup", None)
        if pending is None:
            return
        self._pending_setup = None
        emb, same = pending
        if emb is not self._emb:
            return  # superseded by a newer set_data
        if self._pending_colors:
            self._pending_colors = False
            self._fill_color_combo(self._all_columns())
        self.search.set_labels(emb.labels)
        if not same:
            self.table.set_data(emb.labels, emb.metadata)
        self._fill_axis_combos()
        self._emit_status()

    def _move_points(self, emb) -> None:
        """The rest of :meth:`set_data` for a new frame of the set shown: fresh values, same layout."""
        # No table reset, no column sizing; the search box keeps its label index (equal labels).
        self.table.set_data(emb.labels, emb.metadata)
        if self.color_combo.currentText() not in ("", NO_COLOR):
            self._on_color_changed()  # the column's values may have changed (e.g. a model's biases)
        if self.size_combo.currentText() not in ("", UNIFORM_SIZE):
            self._on_size_by_changed()
        self._fill_axis_combos()
        self._emit_status()

    def finish_setup(self) -> None:
        """Run the deferred part of :meth:`set_data` now (tests, screenshots)."""
        self._finish_setup()

    @property
    def embeddings(self):
        return self._emb

    def set_computed_columns(self, columns: dict) -> None:
        """Offer ``columns`` ({name: MetadataColumn}, computed by features for the set shown) beside
        the set's metadata in colour by and size by; the current choices stay when still offered."""
        self._computed = dict(columns)
        if self._emb is None or self._pending_colors:
            return  # the deferred set-up fills the combos with them
        color, size = self.color_combo.currentText(), self.size_combo.currentText()
        self._fill_color_combo(self._all_columns(), keep=color)
        if self.size_combo.findText(size) >= 0:
            self.set_size_by(size)

    def _all_columns(self) -> dict:
        """The set's metadata, then the computed columns."""
        meta = dict(self._emb.metadata) if self._emb is not None else {}
        for name, col in getattr(self, "_computed", {}).items():
            if self._emb is not None and len(col) == self._emb.n:
                meta.setdefault(name, col)
        return meta

    def _fill_color_combo(self, meta: dict, keep: str | None = None) -> None:
        self.color_combo.blockSignals(True)
        self.color_combo.clear()
        self.color_combo.addItem(NO_COLOR)
        for name, col in meta.items():
            if is_multilabel(col):
                # "genres: count", "genres: Drama"...: every flagged row counts, not the first listed label.
                self.color_combo.addItems(derived_entries(name, col))
            else:
                self.color_combo.addItem(name)
        self.color_combo.blockSignals(False)
        default = keep if keep and self.color_combo.findText(keep) >= 0 else self._default_color_column(meta)
        self.color_combo.blockSignals(True)  # one colour mapping, not two
        self.color_combo.setCurrentIndex(self.color_combo.findText(default) if default else 0)
        self.color_combo.blockSignals(False)
        self._on_color_changed()
        self._fill_size_combo(meta)

    def _fill_size_combo(self, meta: dict) -> None:
        numeric = [name for name, col in meta.items() if col.kind == "numeric"]
        default = next((n for n in DEFAULT_SIZE_COLUMNS if n in numeric), None)
        self.size_combo.blockSignals(True)
        self.size_combo.clear()
        self.size_combo.addItem(UNIFORM_SIZE)
        self.size_combo.addItems(numeric)
        self.size_combo.setCurrentIndex(self.size_combo.findText(default) if default else 0)
        self.size_combo.blockSignals(False)
        self._on_size_by_changed()

    def set_size_by(self, name: str | None) -> None:
        """Size points by numeric metadata column ``name`` (None = uniform)."""
        self.size_combo.setCurrentIndex(self.size_combo.findText(name) if name else 0)

    def _on_size_by_changed(self, *_) -> None:
        name = self.size_combo.currentText()
        col = None if self._emb is None or name in ("", UNIFORM_SIZE) else self._all_columns().get(name)
        values = col.values if col is not None and col.kind == "numeric" else None
        if values is not None and len(values) != self.scatter.n:
            values = None
        self.scatter.set_size_by(values)

    @staticmethod
    def _default_color_column(meta: dict) -> str | None:
        # A categorical column with a legend-sized number of categories reads best.
        for name, col in meta.items():
            if col.kind == "categorical" and 1 < len(col.categories) <= 30:
                return name
        return None

    def _fill_axis_combos(self) -> None:
        has = self._components is not None and self._components.ndim == 2 and self._components.shape[1] >= 2
        self._set_axes_visible(bool(has))
        if not has:
            return
        k = self._components.shape[1]
        labels = self._component_labels or [f"C{i + 1}" for i in range(k)]
        for combo, idx in ((self.x_combo, 0), (self.y_combo, 1)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems([str(s) for s in labels[:k]])
            combo.setCurrentIndex(idx)
            combo.blockSignals(False)
        self._axes = (0, 1)

    def _set_axes_visible(self, on: bool) -> None:
        for a in self._axes_widgets:
            a.setVisible(on)

    def set_axes(self, i: int, j: int) -> None:
        """Show components ``i`` and ``j`` (0-based) of the ``components`` given to :meth:`set_data`."""
        if self._components is None:
            raise RuntimeError("set_data was called without components")
        self.x_combo.setCurrentIndex(i)
        self.y_combo.setCurrentIndex(j)
        self._on_axes_changed()

    def _on_axes_changed(self, *_):
        if self._components is None or self._emb is None:
            return
        i, j = self.x_combo.currentIndex(), self.y_combo.currentIndex()
        if i < 0 or j < 0 or (i, j) == self._axes:
            return
        self._axes = (i, j)
        xy = np.column_stack([self._components[:, i], self._components[:, j]]).astype(np.float32)
        self.scatter.set_points(xy, self._emb.labels)
        self.scatter.set_axis_labels(self.x_combo.currentText(), self.y_combo.currentText())
        self._axis_titles = (self.x_combo.currentText(), self.y_combo.currentText())
        self._emit_status()

    # -- colour, theme -------------------------------------------------------------
    def set_color_by(self, name: str | None) -> None:
        """Colour by metadata column ``name`` (None = single colour)."""
        self.color_combo.setCurrentIndex(max(self.color_combo.findText(name), 0) if name else 0)

    def _on_color_changed(self, *_):
        name = self.color_combo.currentText()
        columns = self._all_columns() if self._emb is not None and name not in ("", NO_COLOR) else {}
        col = columns.get(name)
        derived = None if col is not None or not columns else derived_mapping(name, columns)
        if derived is not None and len(derived.index) == self.scatter.n:
            self.scatter.set_color_mapping(derived)
            mapping = derived
        else:
            mapping = self.scatter.set_color_by(col)
        # A column of first listed labels ("genre") beside their multi-label column ("genres"): the legend
        # says how many rows carry each label at all, not only first.
        flagged = (flagged_counts(col.categories, columns)
                   if col is not None and col.kind == "categorical" and not is_multilabel(col) else None)
        self.legend.set_mapping(mapping, name if mapping is not None else "", flagged=flagged)
        self.legend.setVisible(mapping is not None)
        # No legend and the table docked elsewhere: the column goes, the plot takes the width.
        self._side.setVisible(mapping is not None or self.table.parentWidget() is self._side)
        if mapping is not None:
            self._fit_legend_width()

    def _fit_legend_width(self) -> None:
        """The legend column as wide as its entries need, the plot the rest (no mostly empty column)."""
        sizes = self.splitter.sizes()
        total = sum(sizes)
        if total <= 0 or len(sizes) != 2:
            return
        want = self.legend.preferred_width()
        self.splitter.setSizes([total - want, want])

    def set_theme(self, name: str) -> None:
        """``"light"`` or ``"dark"``."""
        self.dark_action.setChecked(name == "dark")
        self.scatter.set_theme(name)

    def _on_dark_toggled(self, on: bool) -> None:
        self.scatter.set_theme("dark" if on else "light")
        self.setPalette(_dark_palette() if on else QtWidgets.QApplication.palette())
        self.setAutoFillBackground(on)

    # -- focus, search, selection ---------------------------------------------------
    def focus_row(self, row: int, from_table: bool = False) -> None:
        """Centre on ``row`` and highlight it (a search result)."""
        self.scatter.set_focus_row(row)
        if not from_table and row >= 0 and self._emb is not None:
            self._set_message(f"{self._emb.labels[row]}")
            self.table.scroll_to_row(row)
        self.focus_changed.emit(row)

    def _on_regex_matched(self, rows: np.ndarray) -> None:
        # Every match in view (with a margin) and the table at the first of them.
        self.selection.replace(rows)
        self.scatter.show_rows(rows)
        if len(rows):
            self.table.scroll_to_row(int(np.min(rows)))

    def _on_clear(self) -> None:
        self.selection.clear()
        self.scatter.set_focus_row(-1)

    def _on_select_all(self) -> None:
        self.scatter.select_rect(-np.inf, -np.inf, np.inf, np.inf)

    # -- status ----------------------------------------------------------------------
    def status_text(self) -> str:
        if self._emb is None:
            return ""
        parts = [f"{self._emb.n:,} points", f"{self._emb.dims} dims",
                 f"{self._axis_titles[0]} × {self._axis_titles[1]}"]
        if self.selection.count:
            parts.append(f"{self.selection.count:,} selected")
        if self._message:
            parts.append(self._message)
        return " · ".join(parts)

    def _set_message(self, text: str) -> None:
        self._message = text
        self._emit_status()

    def _emit_status(self) -> None:
        self.status_changed.emit(self.status_text())

    def set_compact(self, on: bool) -> None:
        """Leave the point-size controls and the Colour caption out of the toolbar (presentation mode's
        large font): the colour, the selection tools and the search box keep their room.  A plot too
        narrow for the whole toolbar is compact anyway (nothing goes into the overflow menu)."""
        self._force_compact = bool(on)
        self._apply_compact()
        # Size hints follow a font change only once the posted layout requests have run: look again then
        # (leaving presentation mode restores the font just before this call).
        self._schedule_compact()

    def _schedule_compact(self, *_args) -> None:
        QtCore.QTimer.singleShot(0, self, self._apply_compact)

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().changeEvent(event)
        if event.type() in (QtCore.QEvent.Type.FontChange, QtCore.QEvent.Type.StyleChange):
            self._schedule_compact()

    def _apply_compact(self) -> None:
        tb = self.toolbar
        optional = self._size_actions + [self._colour_label_action]
        spacing = tb.layout().spacing() if tb.layout() is not None else 0
        full = sum(self._fit_width(tb.widgetForAction(a)) + spacing if tb.widgetForAction(a) is not None
                   else (TOOLBAR_SEPARATOR_PX if a.isSeparator() else 0)
                   for a in tb.actions() if a.isVisible() or a in optional)
        search = max(self.search.sizeHint().width(), self.search.minimumWidth())
        room = self.width() - search - TOOLBAR_MARGIN_PX
        compact = getattr(self, "_force_compact", False) or (self.width() > 0 and full > room)
        for a in optional:
            a.setVisible(not compact)

    @staticmethod
    def _fit_width(widget: QtWidgets.QWidget) -> int:
        """Width a toolbar widget needs: a combo may be squeezed to :data:`COMBO_FIT_PX`."""
        hint = widget.sizeHint().width()
        if isinstance(widget, QtWidgets.QComboBox):
            return min(hint, max(widget.minimumSizeHint().width(), COMBO_FIT_PX))
        return hint

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self._apply_compact()

    def set_shortcut_context(self, context: QtCore.Qt.ShortcutContext) -> None:
        """Where the explorer's shortcuts work: default ``WidgetWithChildrenShortcut`` (focus
        inside the explorer); a main window whose only central widget is the explorer may
        pass ``Qt.WindowShortcut`` so Ctrl+F / Ctrl+E / Esc work from anywhere in the window."""
        for a in (self.find_action, self.export_action, self.clear_selection_action, self.select_all_action,
                  self.fit_action):
            a.setShortcutContext(context)

    def actions_for_menu(self) -> list[QtGui.QAction]:
        """Actions a main window may put in its menus (they carry their shortcuts)."""
        return [self.find_action, self.export_action, self.fit_action, self.clear_selection_action,
                self.select_all_action, self.labels_action, self.aspect_action, self.dark_action]

    # -- export ----------------------------------------------------------------------
    def export(self, kind: str, path, selection_only: bool = False) -> list[Path]:
        """Write an export; returns the files written.

        ``kind``: ``"png1"``, ``"png2"``, ``"svg"``, ``"csv"`` or ``"tsv"`` (the
        TSV pair writes ``<path>`` and ``<stem>_metadata.tsv``).
        """
        path = Path(path)
        rows = self.selection.rows if selection_only else None
        emb = self._emb
        if kind in ("png1", "png2"):
            write_png(path, self.scatter.plot_widget, 2.0 if kind == "png2" else 1.0)
            return [path]
        if kind == "svg":
            write_svg(path, self.scatter.plot_widget)
            return [path]
        if emb is None:
            raise RuntimeError("nothing to export")
        if kind == "csv":
            write_csv(path, emb.labels, self.scatter.xy, emb.metadata, rows,
                      axis_names=self._axis_titles)
            return [path]
        if kind == "tsv":
            meta_path = projector_metadata_path(path)
            write_projector_tsv(path, meta_path, emb.labels, emb.vectors, emb.metadata, rows)
            return [path, meta_path]
        raise ValueError(f"unknown export kind {kind!r}")

    def _on_export(self) -> None:
        dlg = ExportDialog(self, has_selection=self.selection.count > 0,
                           default_dir=str(Path.home() / "embexplorer-export.png"))
        if dlg.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return
        kind, path, sel = dlg.choice()
        if not path:
            return
        try:
            files = self.export(kind, path, sel)
        except OSError as exc:
            QtWidgets.QMessageBox.warning(self, "Export failed", str(exc))
            return
        self._set_message("Exported " + ", ".join(str(f) for f in files))


def _dark_palette() -> QtGui.QPalette:
    """A dark palette for the panels around the plot (matches the dark plot theme)."""
    pal = QtGui.QPalette()
    role = QtGui.QPalette.ColorRole
    base, window, text = QtGui.QColor("#1b1d21"), QtGui.QColor("#25272c"), QtGui.QColor("#e2e4e8")
    for r, c in ((role.Window, window), (role.WindowText, text), (role.Base, base),
                 (role.AlternateBase, QtGui.QColor("#22252a")), (role.Text, text), (role.Button, window),
                 (role.ButtonText, text), (role.Highlight, QtGui.QColor("#3d6fb6")),
                 (role.HighlightedText, QtGui.QColor("#ffffff")), (role.ToolTipBase, window),
                 (role.ToolTipText, text), (role.PlaceholderText, QtGui.QColor("#8a8f98"))):
        pal.setColor(r, c)
    pal.setColor(QtGui.QPalette.ColorGroup.Disabled, role.Text, QtGui.QColor("#6b7078"))
    return pal


__all__ = ["ExplorerWidget", "THEMES"]
