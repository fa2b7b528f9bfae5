"""The neighbours feature: the Neighbours dock and its two layers (the results, the query).

A click on a point queries it while the dock is on screen; Edit › Find Neighbours queries the
searched or selected point; other features ask through ``neighbours.query_row`` and
``neighbours.query_vector`` (an analogy's expected point).
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtGui

from embexplorer._qt.feature import DockSpec, Feature, MenuItem, find_row
from embexplorer._qt.features.neighbours.approximate import ApproximateSearch
from embexplorer._qt.features.neighbours.panel import NeighboursPanel
from embexplorer.core.errors import DataError
from embexplorer.core.view import palette
from embexplorer.core.view.layers import Layer, LayerStyle, vector_ref

#: The layers this feature draws.
RESULTS_LAYER, QUERY_LAYER = "neighbours.results", "neighbours.query"
RESULTS_STYLE = LayerStyle(palette.NEIGHBOUR, size=9, width=1.0, z=20)
QUERY_STYLE = LayerStyle(palette.QUERY, symbol="star", size=18, z=22)
#: The star of a vector query (smaller: it is not a point of the set).
VECTOR_QUERY_STYLE = LayerStyle(palette.QUERY, symbol="star", size=15, z=22)
#: How long "search or select a point first" stays in the status bar (ms).
HINT_MS = 4000


class NeighboursFeature(Feature):
    """Nearest neighbours of a point or a vector."""

    name = "neighbours"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.panel = NeighboursPanel()
        self.approximate = ApproximateSearch(ctx, self.panel)  # the optional HNSW toggle
        self._vector: tuple[np.ndarray, str] | None = None  # the last vector query and what it is
        ws = ctx.workspace
        ws.dataset_changed.connect(self._on_dataset_changed)
        ws.frame_changed.connect(self._on_frame_changed)
        ws.point_clicked.connect(self._on_point_clicked)
        self.panel.rows_highlighted.connect(self._on_rows_highlighted)
        self.panel.row_activated.connect(self._on_row_activated)
        self.find_action = QtGui.QAction("Find &Neighbours", self)
        self.find_action.setShortcut(QtGui.QKeySequence("Ctrl+Shift+N"))
        self.find_action.setStatusTip("Nearest neighbours of the searched or selected point")
        self.find_action.triggered.connect(self._on_find_triggered)
        reg = ctx.commands.register
        reg("neighbours.query_row", self.query_row, "Nearest neighbours of a row")
        reg("neighbours.query_vector", self.query_vector, "Nearest neighbours of a raw vector")
        reg("neighbours.query_label", self.query_label, "Nearest neighbours of a label")
        reg("neighbours.last_query", self.last_query, "The label last queried, or None (to ask it again)")
        reg("neighbours.ask", self.ask, "Set k and the metric, query a label, return [(label, score)]")

    def docks(self) -> list[DockSpec]:
        return [DockSpec("neighbours", "Neighbours", self.panel,
                         on_closed=lambda: self.ctx.workspace.clear_layers(self.name))]

    def menu_items(self) -> list[MenuItem]:
        return [MenuItem("Edit", self.find_action, 20)]

    # -- commands -------------------------------------------------------------------------
    def query_row(self, row: int, show: bool = False) -> None:
        """Neighbours of ``row`` (``show`` brings the dock to the front)."""
        if show:
            self.ctx.shell.show_dock("neighbours")
        self._vector = None
        self.panel.query_row(row)

    def query_label(self, label: str) -> bool:
        """Neighbours of ``label``; False if it is not in the set."""
        self._vector = None
        return self.panel.query_label(label)

    def ask(self, label: str, k: int | None = None, metric: str | None = None) -> list[tuple[str, float]]:
        """Neighbours of ``label`` with ``k`` and ``metric`` set in the panel (the dock shown), best first.

        Raises
        ------
        DataError
            With the reason the panel gives (an unknown label, no data).
        """
        if metric is not None:
            self.panel.metric_combo.setCurrentText(str(metric))
        if k is not None:
            self.panel.k_spin.setValue(int(k))
        self.ctx.shell.show_dock("neighbours")
        if not self.query_label(label):
            raise DataError(self.panel.status_label.text() or f"no neighbours for {label!r}", "neighbours")
        return [(n.label, float(n.score)) for n in self.panel.results]

    def query_vector(self, vector, description: str = "vector") -> None:
        """Neighbours of a raw ``vector`` (drawn as a star where the projection can place it)."""
        self._vector = (np.asarray(vector, dtype=np.float32), description)
        self.ctx.shell.show_dock("neighbours")
        self.panel.query_vector(vector, description)

    def last_query(self) -> str | None:
        """The label whose neighbours are shown (None: none, or a vector), to ask again on new vectors."""
        emb, row = self.ctx.workspace.dataset, self.panel.current_row
        return emb.labels[row] if emb is not None and row is not None and 0 <= row < emb.n else None

    # -- following the Workspace and the panel ---------------------------------------------------
    def _on_dataset_changed(self, dataset) -> None:
        self._vector = None
        self.panel.set_embeddings(dataset)
        self.approximate.set_embeddings(dataset)

    def _on_frame_changed(self, _epoch: int) -> None:
        self.approximate.set_embeddings(self.ctx.workspace.dataset)  # new vectors: a new index
        self.panel.update_vectors(self.ctx.workspace.dataset)  # same labels: the query is redone

    def _on_point_clicked(self, row: int) -> None:
        # A click is a neighbour query while the Neighbours dock is on screen.
        dock = self.ctx.shell.dock("neighbours")
        if dock is not None and dock.isVisible() and not dock.visibleRegion().isEmpty():
            self.query_row(row)

    def _on_row_activated(self, row: int) -> None:
        sel = self.ctx.workspace.selection
        if 0 <= row < sel.size:
            sel.replace([row])

    def _on_find_triggered(self) -> None:
        ws = self.ctx.workspace
        row = int(self.ctx.commands.run("explorer.widget").scatter.focus_row) \
            if self.ctx.commands.has("explorer.widget") else -1
        if row < 0 and ws.selection.count:
            row = int(ws.selection.rows[0])
        if row < 0 or ws.dataset is None:
            self.ctx.shell.message("Search or select a point first", HINT_MS)
            return
        self.query_row(row, show=True)

    def _on_rows_highlighted(self, rows) -> None:
        ws = self.ctx.workspace
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        if not len(rows) or ws.dataset is None:
            ws.clear_layers(self.name)
            return
        query = self.panel.current_row
        if query is not None:
            found = rows[1:] if rows[0] == query else rows
            lines = np.column_stack([np.full(len(found), query, dtype=np.int64), found])
            # The legend names the query, so a room can tell which neighbours it is looking at.
            name = ws.dataset.labels[query]
            ws.set_layer(Layer(RESULTS_LAYER, self.name, RESULTS_STYLE, f"neighbours of {name}", rows=found,
                               lines=lines, zoom_to=True))
            ws.set_layer(Layer(QUERY_LAYER, self.name, QUERY_STYLE, f"query: {name}", rows=[query],
                               zoom_to=True))
        elif self._vector is not None:
            vector, description = self._vector
            lines = np.column_stack([np.full(len(rows), vector_ref(0), dtype=np.int64), rows])
            ws.set_layer(Layer(RESULTS_LAYER, self.name, RESULTS_STYLE, f"neighbours of {description}",
                               rows=rows, points=vector[None], lines=lines, zoom_to=True))
            ws.set_layer(Layer(QUERY_LAYER, self.name, VECTOR_QUERY_STYLE, "query vector",
                               points=vector[None], point_labels=(description,), zoom_to=True))
        else:
            ws.set_layer(Layer(RESULTS_LAYER, self.name, RESULTS_STYLE, "neighbours", rows=rows,
                               zoom_to=True))
            ws.remove_layer(QUERY_LAYER)
        if self.ctx.commands.has("explorer.zoom_to_results"):
            self.ctx.commands.run("explorer.zoom_to_results", only_if_hidden=True)

    # -- sessions and the command line -------------------------------------------------------------
    def state(self) -> dict | None:
        emb, p = self.ctx.workspace.dataset, self.panel
        query = None
        if emb is not None and p.current_row is not None and 0 <= p.current_row < emb.n:
            query = emb.labels[p.current_row]
        return {"query": query, "k": int(p.k_spin.value()), "metric": p.metric_name}

    def restore(self, state: dict) -> None:
        p = self.panel
        metric = state.get("metric")
        if metric and p.metric_combo.findText(metric) >= 0:
            p.metric_combo.setCurrentIndex(p.metric_combo.findText(metric))
        if state.get("k") is not None:
            p.k_spin.setValue(int(state["k"]))
        if state.get("query") is not None:
            self.query_label(state["query"])
        elif p.results or p.current_row is not None:
            p.set_embeddings(self.ctx.workspace.dataset)  # a bookmark without a query clears the panel

    def apply_arguments(self, args) -> None:
        emb = self.ctx.workspace.dataset
        if getattr(args, "neighbours", None):
            if emb is None:
                raise DataError("nothing to query: give an embedding file", "--neighbours")
            self.query_row(find_row(emb, args.neighbours.strip(), "--neighbours"), show=True)
