"""Hand-off to the browser tools, from the File menu.

File › Export To holds Embedding Atlas (Parquet), TF Projector (a folder) and Selected Labels
(text); each exports the selection when there is one, else the whole set, placed as shown.  File ›
Import TF Projector Config… opens a projector's set and turns its bookmarks into ours.  The work is
in :mod:`embexplorer.core.data.handoff`; the Atlas export (it finds every point's neighbours) and the
import run on the task runner.  Every action is also a command taking a path (``handoff.export_atlas``
...), for scripts and tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PySide6 import QtGui, QtWidgets

from embexplorer._qt.feature import Feature, MenuItem
from embexplorer._qt.workspace import DataSource, first_components
from embexplorer.core.data.handoff import (
    ATLAS_NEIGHBOURS,
    HandoffBookmark,
    export_atlas,
    export_labels,
    export_projector,
    import_projector,
)
from embexplorer.core.errors import DataError

#: Task kinds on the runner.
EXPORT_TASK, IMPORT_TASK = "handoff.export", "handoff.import"
#: Principal components computed for an imported set (as the loading room does).
MAX_COMPONENTS = 10
#: How long (ms) the status bar keeps the outcome of an export.
NOTE_MS = 8000


class HandoffFeature(Feature):
    """Export the set (or selection) to Embedding Atlas and the TF Projector; import a projector config."""

    name = "handoff"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        A = QtGui.QAction
        self.export_menu = QtWidgets.QMenu("E&xport To")
        self.export_menu.setObjectName("handoffExportMenu")
        self.atlas_action = A("&Embedding Atlas (Parquet)…", self)
        self.atlas_action.setStatusTip("Write a Parquet file with projection_x/y and neighbours for "
                                       "Embedding Atlas (the selection, if any)")
        self.atlas_action.triggered.connect(self._on_atlas_triggered)
        self.projector_action = A("&TF Projector Folder…", self)
        self.projector_action.setStatusTip("Write vectors.tsv, metadata.tsv, the configs and the bookmarks "
                                           "for the TensorFlow Embedding Projector (the selection, if any)")
        self.projector_action.triggered.connect(self._on_projector_triggered)
        self.labels_action = A("Selected &Labels (Text)…", self)
        self.labels_action.setStatusTip("Write the selected labels, one per line")
        self.labels_action.triggered.connect(self._on_labels_triggered)
        for action in (self.atlas_action, self.projector_action, self.labels_action):
            self.export_menu.addAction(action)
        self.import_action = A("Import TF &Projector Config…", self)
        self.import_action.setStatusTip("Open a projector_config.json / .pbtxt with its bookmarks")
        self.import_action.triggered.connect(self._on_import_triggered)
        ws = ctx.workspace
        ws.dataset_changed.connect(self._on_dataset_changed)
        ws.selection.changed.connect(self._on_selection_changed)
        self._on_dataset_changed(ws.dataset)
        reg = ctx.commands.register
        reg("handoff.export_atlas", self.export_atlas, "Write an Embedding Atlas Parquet file")
        reg("handoff.export_projector", self.export_projector, "Write a TF Projector folder with bookmarks")
        reg("handoff.export_labels", self.export_labels, "Write the selected labels, one per line")
        reg("handoff.import_projector", self.import_projector, "Open a TF Projector config and its bookmarks")

    def menu_items(self) -> list[MenuItem]:
        return [MenuItem("File", self.import_action, 1), MenuItem("File", self.export_menu, 60)]

    # -- commands -----------------------------------------------------------------------------------
    def export_atlas(self, path: str | os.PathLike, k: int = ATLAS_NEIGHBOURS) -> int:
        """Write the selection (or the set) to ``path`` for Embedding Atlas, in the background;
        returns the task id (the status bar says when it is written)."""
        emb, rows, xy = self._what_to_export()
        out = Path(path)
        shell = self.ctx.shell
        shell.busy(self.name, f"Exporting {out.name}…", lambda: self.ctx.runner.cancel(EXPORT_TASK))
        return self.ctx.runner.start(
            EXPORT_TASK, lambda control: export_atlas(emb, xy, out, rows=rows, k=k, control=control),
            on_result=lambda p: self._on_exported(p, rows, emb.n), on_error=self._on_failed,
            on_progress=lambda f, m: shell.progress(self.name, f, m), on_cancelled=self._on_cancelled)

    def export_projector(self, folder: str | os.PathLike) -> list[Path]:
        """Write the selection (or the set) and every bookmark as a TF Projector folder."""
        emb, rows, _xy = self._what_to_export()
        pca = self.ctx.workspace.pca
        coords = pca.coords if pca is not None and len(pca.coords) == emb.n else None
        files = export_projector(emb, folder, rows=rows, coords=coords, bookmarks=self._bookmarks(),
                                 tensor_name=self.ctx.workspace.source.title or None)
        self._on_exported(Path(folder), rows, emb.n)
        return files

    def export_labels(self, path: str | os.PathLike) -> Path:
        """Write the selected labels (every label when nothing is selected), one per line."""
        emb, rows, _xy = self._what_to_export()
        labels = emb.labels if rows is None else [emb.labels[int(r)] for r in rows]
        out = export_labels(labels, path)
        self._on_exported(out, rows, emb.n)
        return out

    def import_projector(self, path: str | os.PathLike) -> int:
        """Open the set of a projector config and add its bookmarks to ours, in the background."""
        from embexplorer.core.analysis.pca import fit_pca

        path = Path(path)

        def work(control):
            got = import_projector(path, control=control)
            control.progress(0.0, "Projecting", force=True)
            return got, fit_pca(got.embeddings.vectors, n_components=MAX_COMPONENTS, control=control)

        shell = self.ctx.shell
        shell.busy(self.name, f"Importing {path.name}…", lambda: self.ctx.runner.cancel(IMPORT_TASK))
        return self.ctx.runner.start(IMPORT_TASK, work, on_result=self._on_imported, on_error=self._on_failed,
                                     on_progress=lambda f, m: shell.progress(self.name, f, m),
                                     on_cancelled=self._on_cancelled)

    # -- outcomes -------------------------------------------------------------------------------------
    def _on_exported(self, out: Path, rows, n: int) -> None:
        self.ctx.shell.idle(self.name)
        what = f"{len(rows):,} selected points" if rows is not None else f"all {n:,} points"
        self.ctx.shell.message(f"Exported {what} to {out}", NOTE_MS)

    def _on_imported(self, result) -> None:
        got, pca = result
        ws = self.ctx.workspace
        self.ctx.shell.idle(self.name)
        ws.set_dataset(got.embeddings, first_components(pca),
                       DataSource("file", got.tensor_name, self.name, str(got.tensor_path), format="tsv"))
        added = 0
        if self.ctx.commands.has("sessions.add_bookmark"):
            for b in got.bookmarks:
                self._show(b)
                self.ctx.commands.run("sessions.add_bookmark", b.name)
                added += 1
            ws.selection.clear()
        note = f"Imported {got.embeddings.n:,} points and {added} bookmark(s) from {got.tensor_path.name}"
        self.ctx.shell.message("; ".join([note, *got.warnings]), NOTE_MS)

    def _on_failed(self, err: BaseException) -> None:
        self.ctx.shell.idle(self.name)
        self.ctx.shell.message("Hand-off failed")
        self.ctx.shell.show_error(err, "hand-off failed")

    def _on_cancelled(self) -> None:
        self.ctx.shell.idle(self.name)
        self.ctx.shell.message("Cancelled")

    # -- helpers ------------------------------------------------------------------------------------------
    def _what_to_export(self):
        """(set, selected rows or None, placement shown); DataError when nothing is shown."""
        ws = self.ctx.workspace
        emb, projection = ws.dataset, ws.projection
        if emb is None or projection is None:
            raise DataError("nothing to export: open a data set first")
        rows = np.asarray(ws.selection.rows, dtype=np.intp)
        return emb, (rows if len(rows) else None), np.asarray(projection.xy, dtype=np.float32)

    def _bookmarks(self) -> list[HandoffBookmark]:
        """Our bookmarks as the hand-off formats carry them (selection, axes, colour)."""
        if not self.ctx.commands.has("sessions.bookmarks"):
            return []
        out = []
        for b in self.ctx.commands.run("sessions.bookmarks"):
            view = b.features.get("explorer") or {}
            axes = tuple(view.get("axes") or (0, 1))[:2]
            out.append(HandoffBookmark(b.name, [int(r) for r in view.get("selection") or []],
                                       (int(axes[0]), int(axes[1])), view.get("colour_by")))
        return out

    def _show(self, b: HandoffBookmark) -> None:
        """Show a bookmark's axes, colour and selection (what the bookmark then captures)."""
        ws = self.ctx.workspace
        pca, emb = ws.pca, ws.dataset
        if pca is not None and max(b.axes) < pca.n_components:
            ws.set_axes(*b.axes)
        if self.ctx.commands.has("explorer.color_by"):
            self.ctx.commands.run("explorer.color_by", b.colour_by if b.colour_by in emb.metadata else None)
        ws.selection.replace(np.asarray(b.rows, dtype=np.int64))

    # -- menu slots ----------------------------------------------------------------------------------------
    def _on_dataset_changed(self, dataset) -> None:
        shown = dataset is not None
        for action in (self.atlas_action, self.projector_action):
            action.setEnabled(shown)
        self._on_selection_changed()

    def _on_selection_changed(self, *_) -> None:
        self.labels_action.setEnabled(self.ctx.workspace.dataset is not None
                                      and len(self.ctx.workspace.selection.rows) > 0)

    def _ask_save(self, title: str, name: str, filter_: str) -> str:
        start = str(Path.home() / name)
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self.ctx.shell.widget(), title, start, filter_)
        return path

    def _guarded(self, func, *args) -> None:
        try:
            func(*args)
        except (DataError, OSError, ValueError) as err:
            self._on_failed(err)

    def _on_atlas_triggered(self) -> None:
        path = self._ask_save("Export to Embedding Atlas", "atlas.parquet", "Parquet (*.parquet)")
        if path:
            self._guarded(self.export_atlas, path)

    def _on_projector_triggered(self) -> None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(
            self.ctx.shell.widget(), "Export to a TF Projector folder", str(Path.home()))
        if folder:
            self._guarded(self.export_projector, folder)

    def _on_labels_triggered(self) -> None:
        path = self._ask_save("Export the selected labels", "selection.txt", "Text (*.txt)")
        if path:
            self._guarded(self.export_labels, path)

    def _on_import_triggered(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self.ctx.shell.widget(), "Import a TF Projector config", str(Path.home()),
            "Projector configs (projector_config.json *.json *.pbtxt);;All files (*)")
        if path:
            self._guarded(self.import_projector, path)

    def shutdown(self) -> None:
        self.ctx.runner.cancel(EXPORT_TASK)
        self.ctx.runner.cancel(IMPORT_TASK)
