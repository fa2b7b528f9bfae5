"""The Neighbours dock's "Approximate" toggle: an index for following the mouse on large sets.

Exact search stays the default and one click away (untick the box).  Ticking it builds the
index in the background (progress and Cancel in the status bar; loaded from the cache when it
was built before), then cosine queries go through it; the dock says so and shows the recall
measured against exact search (:mod:`embexplorer.core.analysis.ann`).  Other metrics, a
"first N rows" restriction or a new data set fall back to exact search.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from embexplorer.core.analysis import ann
from embexplorer.core.analysis.neighbours import nearest, warm_up

#: Sets smaller than this are searched exactly even with the box ticked (exact is fast enough).
MIN_ROWS_FOR_INDEX = 50_000
_TASK = "neighbours.ann"


class ApproximateSearch(QtCore.QObject):
    """The toggle and its index; ``search`` replaces the panel's exact search while one is ready."""

    def __init__(self, ctx, panel) -> None:
        super().__init__(panel)
        self.ctx, self.panel = ctx, panel
        self.index: ann.ApproxIndex | None = None
        self._emb = None
        self.check = QtWidgets.QCheckBox("Approximate")
        self.check.setToolTip("Follow the mouse on millions of rows: an approximate index built in the "
                              "background (its recall against exact search is shown); untick for exact")
        self.info = QtWidgets.QLabel("")
        self.info.setWordWrap(True)
        if not ann.available():
            self.check.setEnabled(False)
            self.check.setToolTip("Needs the optional package faiss-cpu (or hnswlib): "
                                  "pip install 'embexplorer[ann]'")
        self.check.toggled.connect(self._on_toggled)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.check)
        row.addWidget(self.info, 1)
        panel.layout().insertLayout(2, row)  # under the options, above the status line
        panel.search = self.search

    # -- the search the panel calls --------------------------------------------------------------
    def search(self, emb, query, k, metric="cosine", restrict=None, **kw):
        """Approximate when the index is ready for ``emb`` and the query allows it, else exact."""
        idx = self.index
        if (idx is not None and self.check.isChecked() and emb is self._emb and metric == "cosine"
                and not restrict and not isinstance(query, str)):
            return idx.nearest(emb, query, k)
        return nearest(emb, query, k=k, metric=metric, restrict=restrict, **kw)

    # -- following the data and the box ---------------------------------------------------------
    def set_embeddings(self, emb) -> None:
        """A new set: its index (if any) must be built again."""
        if emb is self._emb:
            return
        if emb is not None:  # the first query's imports and the set's norms, off the UI thread
            self.ctx.runner.start("neighbours.warm_up", lambda _control: warm_up(emb))
        self.ctx.runner.cancel(_TASK)
        self._emb, self.index = emb, None
        self._show()
        if self.check.isChecked():
            self._build()

    def _on_toggled(self, on: bool) -> None:
        if on and self.index is None:
            self._build()
        elif not on:
            self.ctx.runner.cancel(_TASK)
        self._show()
        self.panel.redo_query()

    def _build(self) -> None:
        emb = self._emb
        if emb is None or emb.n < MIN_ROWS_FOR_INDEX:
            self._show()
            return
        self.info.setText("building the index in the background...")
        self.ctx.runner.start(_TASK, lambda control: ann.build(emb, control),
                              on_result=lambda index: self._on_built(emb, index),
                              on_error=self._on_failed)

    def _on_built(self, emb, index) -> None:
        if emb is not self._emb:
            return
        self.index = index
        self._show()
        self.panel.redo_query()

    def _on_failed(self, err: BaseException) -> None:
        self.info.setText(f"index not built: {err}")

    def _show(self) -> None:
        if not self.check.isChecked():
            self.info.setText("exact search" if self._emb is not None else "")
        elif self._emb is not None and self._emb.n < MIN_ROWS_FOR_INDEX:
            self.info.setText(f"exact search (fast enough under {MIN_ROWS_FOR_INDEX:,} rows)")
        elif self.index is not None:
            extra = ", from the cache" if self.index.from_cache else ""
            self.info.setText(self.index.summary() + extra)
