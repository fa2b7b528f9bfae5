"""The projection parameters dialog: perplexity / exaggeration, n_neighbors / min_dist, metric, seed."""

from __future__ import annotations

from PySide6 import QtWidgets

from embexplorer.core.analysis.nonlinear import METRICS, LayoutParams

#: Largest seed offered (a 32-bit signed integer).
MAX_SEED = 2 ** 31 - 1


class ParamsDialog(QtWidgets.QDialog):
    """Edit the t-SNE and UMAP parameters (both kept, whichever is shown)."""

    def __init__(self, tsne: LayoutParams, umap: LayoutParams,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("projectionParamsDialog")
        self.setWindowTitle("Projection parameters")
        form = QtWidgets.QFormLayout()
        self.perplexity = QtWidgets.QDoubleSpinBox(minimum=2.0, maximum=500.0, decimals=1, singleStep=5.0)
        self.perplexity.setValue(tsne.perplexity)
        self.perplexity.setToolTip("t-SNE: how many neighbours each point attends to (5-50 usual)")
        self.exaggeration = QtWidgets.QDoubleSpinBox(minimum=1.0, maximum=20.0, decimals=1, singleStep=0.5)
        self.exaggeration.setValue(tsne.exaggeration)
        self.exaggeration.setToolTip("t-SNE: 1 is standard; larger values pull clusters tighter and apart")
        self.n_neighbors = QtWidgets.QSpinBox(minimum=2, maximum=200)
        self.n_neighbors.setValue(umap.n_neighbors)
        self.n_neighbors.setToolTip("UMAP: size of the neighbourhood the picture keeps (small: local detail)")
        self.min_dist = QtWidgets.QDoubleSpinBox(minimum=0.0, maximum=1.0, decimals=2, singleStep=0.05)
        self.min_dist.setValue(umap.min_dist)
        self.min_dist.setToolTip("UMAP: how tightly points may be packed")
        self.metric_combo = QtWidgets.QComboBox()
        self.metric_combo.addItems(list(METRICS))
        self.metric_combo.setCurrentText(tsne.metric)
        self.metric_combo.setToolTip("Distance between the original vectors (cosine: as for word vectors)")
        self.seed = QtWidgets.QSpinBox(minimum=0, maximum=MAX_SEED)
        self.seed.setValue(tsne.seed)
        self.seed.setToolTip("Same data, parameters and seed: the same picture")
        form.addRow(QtWidgets.QLabel("<b>t-SNE</b>"))
        form.addRow("&Perplexity", self.perplexity)
        form.addRow("&Exaggeration", self.exaggeration)
        form.addRow(QtWidgets.QLabel("<b>UMAP</b>"))
        form.addRow("&Neighbours", self.n_neighbors)
        form.addRow("&Min. distance", self.min_dist)
        form.addRow(QtWidgets.QLabel("<b>Both</b>"))
        form.addRow("&Metric", self.metric_combo)
        form.addRow("&Seed", self.seed)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def params(self) -> tuple[LayoutParams, LayoutParams]:
        """The (t-SNE, UMAP) parameters entered."""
        metric, seed = self.metric_combo.currentText(), int(self.seed.value())
        return (LayoutParams("tsne", perplexity=float(self.perplexity.value()),
                             exaggeration=float(self.exaggeration.value()), metric=metric, seed=seed),
                LayoutParams("umap", n_neighbors=int(self.n_neighbors.value()),
                             min_dist=float(self.min_dist.value()), metric=metric, seed=seed))
