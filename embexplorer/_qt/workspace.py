"""The Workspace: the one shared state of a window, observed by views and changed by features.

It holds the data set shown and where it came from (a typed :class:`DataSource`, never
guessed from a title), its projection (:mod:`embexplorer.core.view.projection`), the
selection, and the overlay layers (:mod:`embexplorer.core.view.layers`).  Every change
is announced by a typed signal; features and views never talk to the window.

Live training frames follow one rule, kept here rather than in string flags: only the
feature that last *claimed* the plot (:meth:`Workspace.claim_live`) may push frames, and
any other data set shown releases the claim.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6 import QtCore

from embexplorer._qt.widgets.selection import SelectionModel
from embexplorer.core.view.layers import Layer
from embexplorer.core.view.projection import PCAProjection, Projection

#: Kinds of :class:`DataSource`.
SOURCE_KINDS = ("none", "file", "model", "training", "demo", "memory")  # memory: embexplorer.show(data)


@dataclass(frozen=True)
class DataSource:
    """Where the data set shown came from.

    Attributes
    ----------
    kind : str
        ``"file"`` (opened from disk), ``"model"`` (a finished model's vectors),
        ``"training"`` (a live training frame), ``"demo"`` or ``"none"``.
    title : str
        What the window title says.
    owner : str
        The feature that showed it (``"loading"``, ``"recommender"``, ``"word2vec"``, ``"start"``...).
    path : str, optional
        The file (``kind == "file"``) or the ratings / corpus a model was trained on.
    format, limit : optional
        How the file was read (sessions reopen it the same way).
    details : dict
        Anything else the owner wants to remember (e.g. ``{"demo": "genres"}``).
    """

    kind: str = "none"
    title: str = ""
    owner: str = ""
    path: str | None = None
    format: str | None = None
    limit: int | None = None
    details: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in SOURCE_KINDS:
            raise ValueError(f"unknown data source kind {self.kind!r} (one of {', '.join(SOURCE_KINDS)})")


NO_SOURCE = DataSource()


def first_components(pca) -> PCAProjection:
    """``pca`` shown on PC1 and PC2 (PC1 on both axes, the diagonal, when it has one component)."""
    return PCAProjection(pca, (0, min(1, pca.n_components - 1)))


class Workspace(QtCore.QObject):
    """The shared state of one window.

    Signals
    -------
    dataset_changed(object)
        A different data set is shown (the EmbeddingSet, or None); layers, selection and focus were
        cleared first.  :attr:`projection` is already set.
    frame_changed(int)
        A live training frame is shown (its epoch).  After the first frame of a run (which also
        emits ``dataset_changed``) the rows are the same and only the points moved: layers stay,
        re-projected, and views keep their zoom.
    projection_changed()
        The projection or its axes changed (also after ``dataset_changed``).
    layers_changed(str)
        The layer of that name was added, replaced or removed.
    live_changed(str)
        The feature allowed to push training frames changed (``""``: none).
    point_clicked(int)
        The user clicked a point of the plot (views emit it; e.g. Neighbours queries it).
    columns_changed(str)
        The computed column of that name (a per-row value a feature derived: a cluster, a
        projection's faithfulness, a comparison's overlap) was added, replaced or removed.
        Views offer computed columns beside the data set's own metadata (colour by, size by).
    """

    dataset_changed = QtCore.Signal(object)
    frame_changed = QtCore.Signal(int)
    projection_changed = QtCore.Signal()
    layers_changed = QtCore.Signal(str)
    live_changed = QtCore.Signal(str)
    point_clicked = QtCore.Signal(int)
    columns_changed = QtCore.Signal(str)

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.dataset = None
        self.source: DataSource = NO_SOURCE
        self.projection: Projection | None = None
        self.selection = SelectionModel(0, self)
        self.epoch = 0  # the live frame shown (0: not a live frame)
        self._layers: dict[str, Layer] = {}
        self._columns: dict[str, tuple[str, object]] = {}  # name -> (owner, MetadataColumn)
        self._live: str = ""

    # -- the data set ---------------------------------------------------------------
    @property
    def pca(self):
        """The PCA fit behind the projection, or None (a live frame, nothing shown)."""
        return getattr(self.projection, "pca", None)

    @property
    def axes(self) -> tuple[int, int]:
        """Components on X and Y of a PCA projection ((0, 1) otherwise)."""
        return getattr(self.projection, "axes", (0, 1))

    @property
    def is_live(self) -> bool:
        """True while a live training frame is shown."""
        return self.source.kind == "training"

    def set_dataset(self, dataset, projection: Projection | None, source: DataSource) -> None:
        """Show ``dataset`` placed by ``projection``; forget the old set's layers, selection and claim.

        Loads, finished models and demos end here.
        """
        if dataset is not None and projection is not None and projection.n != dataset.n:
            raise ValueError(f"projection places {projection.n} rows, the set has {dataset.n}")
        self._forget_rows()
        self.dataset, self.projection, self.source = dataset, projection, source
        self.epoch = 0
        if source.owner != self._live:
            self.release_live()
        self._resize_selection(dataset.n if dataset is not None else 0)
        self.dataset_changed.emit(dataset)
        self.projection_changed.emit()

    def clear(self) -> None:
        """Show nothing."""
        self.set_dataset(None, None, NO_SOURCE)

    def set_projection(self, projection: Projection) -> None:
        """Place the same rows differently (other axes, another method); layers follow."""
        if self.dataset is None or projection.n != self.dataset.n:
            raise ValueError("the projection does not match the data set shown")
        self.projection = projection
        self.projection_changed.emit()

    def set_axes(self, x: int, y: int) -> None:
        """Show PCA components ``x`` and ``y`` (0-based); raises IndexError / ValueError."""
        if not isinstance(self.projection, PCAProjection):
            raise ValueError("the plot shows no PCA projection")
        if (x, y) != self.projection.axes:
            self.set_projection(self.projection.with_axes(x, y))

    # -- live training frames ---------------------------------------------------------
    def claim_live(self, owner: str) -> None:
        """Let ``owner``'s training frames take the plot (the training the user started last)."""
        if owner != self._live:
            self._live = owner
            self.live_changed.emit(owner)

    def release_live(self, owner: str | None = None) -> None:
        """Nobody's frames move the points any more (only if ``owner`` holds the claim, if given)."""
        if self._live and (owner is None or owner == self._live):
            self._live = ""
            self.live_changed.emit("")

    @property
    def live_owner(self) -> str:
        """The feature whose training frames may move the points ("" for none)."""
        return self._live

    def show_frame(self, owner: str, dataset, projection: Projection, epoch: int, title: str) -> bool:
        """Show a live training frame of ``owner``; False (nothing shown) if it holds no claim.

        The first frame of a run (another owner's set shown, or an epoch not after the one shown)
        replaces the data set; later frames move the points only (layers stay, re-projected).
        """
        if owner != self._live:
            return False
        first = not (self.is_live and self.source.owner == owner and epoch > self.epoch
                     and self.dataset is not None and self.dataset.n == dataset.n)
        if first:
            self.set_dataset(dataset, projection, DataSource("training", title, owner))
            self._live = owner  # set_dataset keeps the claim of the set's owner
        else:
            self.dataset, self.projection = dataset, projection
        self.epoch = int(epoch)
        self.frame_changed.emit(self.epoch)
        return True

    # -- layers ---------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        """The layers, bottom to top (by style z, then insertion)."""
        return sorted(self._layers.values(), key=lambda layer: layer.style.z)

    def layer(self, name: str) -> Layer | None:
        """The layer called ``name``, or None."""
        return self._layers.get(name)

    def set_layer(self, layer: Layer) -> None:
        """Add ``layer`` or replace the one of the same name."""
        self._layers[layer.name] = layer
        self.layers_changed.emit(layer.name)

    def remove_layer(self, name: str) -> None:
        """Remove the layer ``name`` (no error if absent)."""
        if self._layers.pop(name, None) is not None:
            self.layers_changed.emit(name)

    def clear_layers(self, owner: str | None = None) -> None:
        """Remove ``owner``'s layers (everyone's if None)."""
        for name in [n for n, layer in self._layers.items() if owner is None or layer.owner == owner]:
            self.remove_layer(name)

    def highlighted_rows(self, owners: tuple[str, ...] | None = None) -> np.ndarray:
        """Rows marked by visible layers (of ``owners`` only, if given), unique."""
        parts = [layer.all_rows() for layer in self._layers.values()
                 if layer.visible and (owners is None or layer.owner in owners)]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.int64)

    # -- computed columns -------------------------------------------------------------
    @property
    def columns(self) -> dict:
        """Computed columns of the set shown, ``{name: MetadataColumn}``, in insertion order."""
        return {name: col for name, (_owner, col) in self._columns.items()}

    def column_owner(self, name: str) -> str | None:
        """The feature that computed column ``name``, or None."""
        entry = self._columns.get(name)
        return entry[0] if entry else None

    def set_column(self, column, owner: str) -> None:
        """Add the computed :class:`~embexplorer.core.data.embeddings.MetadataColumn` ``column``
        (one value per row of the set shown) or replace the one of the same name.

        A name the data set's own metadata already uses is refused (ValueError): a computed
        column never hides a column of the file.
        """
        if self.dataset is None or len(column) != self.dataset.n:
            raise ValueError(f"column {column.name!r} has {len(column)} values, "
                             f"the set shown has {0 if self.dataset is None else self.dataset.n} rows")
        if column.name in getattr(self.dataset, "metadata", {}):
            raise ValueError(f"the data set already has a column called {column.name!r}")
        self._columns[column.name] = (owner, column)
        self.columns_changed.emit(column.name)

    def remove_column(self, name: str) -> None:
        """Remove the computed column ``name`` (no error if absent)."""
        if self._columns.pop(name, None) is not None:
            self.columns_changed.emit(name)

    def clear_columns(self, owner: str | None = None) -> None:
        """Remove ``owner``'s computed columns (everyone's if None)."""
        for name in [n for n, (o, _c) in self._columns.items() if owner is None or o == owner]:
            self.remove_column(name)

    # -- internals --------------------------------------------------------------------
    def _forget_rows(self) -> None:
        """A different set is coming: rows of the old one mean nothing (same size or not)."""
        self.clear_layers()
        self.clear_columns()
        self.selection.clear()

    def _resize_selection(self, n: int) -> None:
        sel = self.selection
        if sel.size != n:
            sel.set_size(n)
            sel.clear()
