"""Export (Ctrl+E): PNG 1x/2x or SVG of the view, CSV of the projection, TF Projector TSV pair.

Every file goes through :func:`embexplorer.core.atomic.atomic_write`, so a
failed export never leaves a half-written file behind.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.widgets.raster_layer import PointCloudItem
from embexplorer.core.atomic import atomic_write

#: Export kinds offered by the dialog: key -> (title, file filter, default suffix).
EXPORT_KINDS: dict[str, tuple[str, str, str]] = {
    "png1": ("PNG image (1x)", "PNG image (*.png)", ".png"),
    "png2": ("PNG image (2x, high resolution)", "PNG image (*.png)", ".png"),
    "svg": ("SVG drawing", "SVG drawing (*.svg)", ".svg"),
    "csv": ("CSV: coordinates, labels, metadata", "CSV (*.csv)", ".csv"),
    "tsv": ("TF Projector TSV pair (vectors + metadata)", "TSV (*.tsv)", ".tsv"),
}
#: Float format of exported numbers (round-trips float32 exactly).
FLOAT_FORMAT = "%.9g"


def _rows(n: int, rows) -> np.ndarray:
    return np.arange(n, dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)


def write_csv(path, labels: Sequence[str], xy: np.ndarray, metadata: dict | None = None,
              rows=None, axis_names: tuple[str, str] = ("x", "y")) -> int:
    """Write ``label, x, y, <metadata...>`` for ``rows`` (all when None); returns the row count."""
    rows = _rows(len(labels), rows)
    metadata = metadata or {}
    with atomic_write(path, "w", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["label", *axis_names, *metadata])
        for r in rows:
            w.writerow([labels[r], FLOAT_FORMAT % xy[r, 0], FLOAT_FORMAT % xy[r, 1],
                        *(col.value(r) for col in metadata.values())])
    return len(rows)


def _tsv_field(text: str) -> str:
    # The Projector splits on tabs and lines: keep fields on one line.
    return text.replace("\t", " ").replace("\n", " ").replace("\r", " ")


def write_projector_tsv(vectors_path, metadata_path, labels: Sequence[str], vectors: np.ndarray,
                        metadata: dict | None = None, rows=None) -> int:
    """Write the TensorFlow Embedding Projector pair for ``rows`` (all when None).

    ``vectors_path``: one tab-separated vector per line, no header.
    ``metadata_path``: with no metadata columns, one label per line and no
    header (the Projector's single-column convention); otherwise a header
    ``label<TAB>col...`` and one line per vector.
    """
    rows = _rows(len(labels), rows)
    metadata = metadata or {}
    with atomic_write(vectors_path, "w", encoding="utf-8") as fh:
        buf = io.StringIO()
        # Chunks keep memory bounded for big sets while letting numpy format.
        for start in range(0, len(rows), 65536):
            chunk = vectors[rows[start:start + 65536]]
            np.savetxt(buf, chunk, fmt=FLOAT_FORMAT, delimiter="\t")
            fh.write(buf.getvalue())
            buf.seek(0)
            buf.truncate()
    with atomic_write(metadata_path, "w", encoding="utf-8") as fh:
        if metadata:
            fh.write("\t".join(["label", *(_tsv_field(k) for k in metadata)]) + "\n")
            for r in rows:
                fh.write("\t".join([_tsv_field(labels[r]),
                                    *(_tsv_field(c.value(r)) for c in metadata.values())]) + "\n")
        else:
            for r in rows:
                fh.write(_tsv_field(labels[r]) + "\n")
    return len(rows)


def render_image(plot_widget, scale: float = 1.0) -> QtGui.QImage:
    """Render the plot widget's current view at ``scale`` (2 = twice the pixels, crisp, not upscaled)."""
    vp = plot_widget.viewport()
    w, h = vp.width(), vp.height()
    img = QtGui.QImage(int(round(w * scale)), int(round(h * scale)), QtGui.QImage.Format.Format_ARGB32)
    img.fill(plot_widget.backgroundBrush().color())
    # Point layers draw sizes in device pixels: scale them with the image so a 2x
    # export looks like the view, only sharper.
    layers = [it for it in plot_widget.scene().items() if isinstance(it, PointCloudItem)]
    for layer in layers:
        layer.render_scale = scale
    p = QtGui.QPainter(img)
    p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
    p.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
    try:
        plot_widget.render(p, QtCore.QRectF(0, 0, img.width(), img.height()), QtCore.QRect(0, 0, w, h))
    finally:
        p.end()
        for layer in layers:
            layer.render_scale = 1.0
    return img


def write_png(path, plot_widget, scale: float = 1.0) -> QtGui.QImage:
    """Save the view as PNG (atomically); returns the image."""
    img = render_image(plot_widget, scale)
    data = QtCore.QByteArray()
    buf = QtCore.QBuffer(data)
    buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    if not img.save(buf, "PNG"):
        raise OSError(f"could not encode PNG for {path}")
    buf.close()
    with atomic_write(path, "wb") as fh:
        fh.write(bytes(data))
    return img


def write_svg(path, plot_widget, title: str = "embexplorer scatter") -> None:
    """Save the view as SVG (axes and overlays as vectors; the dense point layer as an embedded image)."""
    from PySide6 import QtSvg

    vp = plot_widget.viewport()
    data = QtCore.QByteArray()
    buf = QtCore.QBuffer(data)
    buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    gen = QtSvg.QSvgGenerator()
    gen.setOutputDevice(buf)
    gen.setSize(vp.size())
    gen.setViewBox(QtCore.QRect(0, 0, vp.width(), vp.height()))
    gen.setTitle(title)
    # Same DPI as the screen: pyqtgraph replays cached QPictures (axes, grid), which
    # QPainter rescales when the device's DPI differs -- axes would not match the points.
    gen.setResolution(int(round(plot_widget.logicalDpiX())))
    p = QtGui.QPainter(gen)
    p.fillRect(QtCore.QRect(0, 0, vp.width(), vp.height()), plot_widget.backgroundBrush())
    full = QtCore.QRect(0, 0, vp.width(), vp.height())
    plot_widget.render(p, QtCore.QRectF(full), full)
    p.end()
    buf.close()
    with atomic_write(path, "wb") as fh:
        fh.write(bytes(data))


def projector_metadata_path(vectors_path) -> Path:
    """``foo.tsv`` -> ``foo_metadata.tsv`` (the second file of the pair)."""
    p = Path(vectors_path)
    stem = p.stem[:-len("_vectors")] if p.stem.endswith("_vectors") else p.stem
    return p.with_name(f"{stem}_metadata.tsv")


class ExportDialog(QtWidgets.QDialog):
    """Choose what to export (kind, all points or the selection) and where."""

    def __init__(self, parent=None, has_selection: bool = False, default_dir: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.kind = QtWidgets.QComboBox()
        for key, (title, _, _) in EXPORT_KINDS.items():
            self.kind.addItem(title, key)
        self.scope_all = QtWidgets.QRadioButton("All points")
        self.scope_sel = QtWidgets.QRadioButton("Selection only")
        self.scope_all.setChecked(True)
        self.scope_sel.setEnabled(has_selection)
        self.path = QtWidgets.QLineEdit(default_dir)
        browse = QtWidgets.QPushButton("Browse…")
        browse.clicked.connect(self._on_browse)
        self.kind.currentIndexChanged.connect(self._on_kind)
        form = QtWidgets.QFormLayout(self)
        form.addRow("Export", self.kind)
        scope = QtWidgets.QHBoxLayout()
        scope.addWidget(self.scope_all)
        scope.addWidget(self.scope_sel)
        form.addRow("Rows", scope)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form.addRow("File", row)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Save
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._on_kind()

    def _on_kind(self, *_):
        key = self.kind.currentData()
        self.scope_all.setEnabled(key in ("csv", "tsv"))
        self.scope_sel.setEnabled(key in ("csv", "tsv") and self.scope_sel.isEnabled())
        p = self.path.text()
        if p:
            self.path.setText(str(Path(p).with_suffix(EXPORT_KINDS[key][2])))

    def _on_browse(self) -> None:
        key = self.kind.currentData()
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Export", self.path.text(),
                                                        EXPORT_KINDS[key][1])
        if path:
            self.path.setText(path)

    def choice(self) -> tuple[str, str, bool]:
        """``(kind, path, selection_only)``."""
        return self.kind.currentData(), self.path.text(), self.scope_sel.isChecked()
