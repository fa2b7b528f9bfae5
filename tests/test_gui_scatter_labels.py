"""Labels on the real GloVe plot: a box selection of ~450 words never piles up; "+N more" counts the rest."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore

# The GloVe explorer of the scatter tests (module-scoped set, a fresh window per test).
from tests.test_gui_scatter_explorer import explorer, glove_set  # noqa: F401, F811

#: Words in the box selection (the issue's count).
N_SELECTED = 449


@pytest.fixture(scope="module")
def glove(glove_set):  # noqa: F811
    emb, pca = glove_set
    return emb, pca.xy(0, 1)


@pytest.fixture
def scatter(explorer):  # noqa: F811
    return explorer.scatter


def box_around_centre(xy: np.ndarray, n: int) -> tuple[float, float, float, float]:
    """The square around the median point holding ``n`` points (the densest part of the plot)."""
    c = np.median(xy, axis=0)
    d = np.abs(xy - c).max(axis=1)
    h = float(np.sort(d)[n - 1])
    cx, cy = float(c[0]), float(c[1])  # Python floats: float32 ends overflow in pyqtgraph's setRange
    return cx - h, cy - h, cx + h, cy + h


def test_449_selected_words_never_overlap_and_the_rest_are_counted(scatter, glove):
    _, xy = glove
    x0, y0, x1, y1 = box_around_centre(xy, N_SELECTED)
    scatter.select_rect(x0, y0, x1, y1)
    assert scatter.selection.count == N_SELECTED
    # Zoom to the selection, as a lecturer would, then label.
    scatter.view_box.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.05)
    scatter.relayout_labels()
    boxes = scatter.label_boxes()
    assert len(boxes) > 40
    overlaps = sum(a.intersects(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert overlaps == 0
    # Not all 449 fit: the rest are counted, and each label is one of the selected words.
    assert scatter.labels_not_shown > 0
    assert len(boxes) + scatter.labels_not_shown == N_SELECTED
    # Every label lies inside the plot.
    area = scatter.view_box.sceneBoundingRect()
    assert all(area.contains(b) for b in boxes)


def test_labels_keep_off_highlighted_markers(scatter, glove):
    emb, xy = glove
    rows = [emb.row(w) for w in ("king", "queen", "prince", "princess", "royal", "emperor", "kingdom")]
    scatter.set_overlay("neighbours", rows, color=(200, 30, 30), size=14)
    scatter.set_labels_in_view(True)
    c = xy[rows].mean(axis=0).astype(float)
    scatter.view_box.setRange(xRange=(c[0] - 1.0, c[0] + 1.0), yRange=(c[1] - 1.0, c[1] + 1.0), padding=0)
    scatter.relayout_labels()
    assert {"king", "queen", "prince"} <= set(scatter.shown_labels)
    boxes = scatter.label_boxes()
    tr = scatter.view_box.childGroup.sceneTransform()
    for r in rows:
        pt = tr.map(QtCore.QPointF(*map(float, xy[r])))
        marker = QtCore.QRectF(pt.x() - 7, pt.y() - 7, 14, 14)
        assert not any(b.intersects(marker) for b in boxes), emb.labels[r]


def test_unlabelled_markers_give_way_to_titles_labelled_ones_do_not(scatter, glove):
    emb, xy = glove
    # Many unlabelled highlights (like a user's rated squares) around five labelled ones.
    c = xy[emb.row("king")].astype(float)
    near = np.argsort(np.abs(xy - c).max(axis=1))
    scatter.set_overlay("rated", near[5:300], size=8, symbol="s", labels=False)
    scatter.set_overlay("recommended", near[:5], size=14, symbol="star")
    scatter.view_box.setRange(xRange=(c[0] - 0.6, c[0] + 0.6), yRange=(c[1] - 0.6, c[1] + 0.6), padding=0)
    scatter.relayout_labels()
    words = {emb.labels[r] for r in near[:5]}
    assert words <= set(scatter.shown_labels)
    tr = scatter.view_box.childGroup.sceneTransform()
    boxes = scatter.label_boxes()
    for r in near[:5]:
        pt = tr.map(QtCore.QPointF(*map(float, xy[r])))
        assert not any(b.intersects(QtCore.QRectF(pt.x() - 7, pt.y() - 7, 14, 14)) for b in boxes)
