"""The start page shown while no embeddings are open: recent files, one-click datasets, offline demos.

The page only shows choices and says what the user picked, through signals;
the window does the work (open, download, run a demo):

``open_requested(str path)``
    A recent file was clicked.
``open_dialog_requested()``
    "Open file…".
``download_requested(str name)``
    A dataset card: ``"movielens-100k"`` (:data:`embexplorer.core.data.download.DATASETS`)
    or a gensim-data name (:data:`embexplorer.core.data.gensim_data.MODELS`).  Cards of
    files already in the cache say "downloaded" (clicking them still emits: the
    window opens the cached copy without a network).
``demo_requested(str name)``
    ``"genres"`` or ``"wiki"`` (the names of ``embexplorer --demo``).
``download_cancel_requested(str name)``
    A card whose download is running (:meth:`StartPage.set_item_status`) was clicked.

:class:`DatasetDownloader` runs the downloads (verified, into the app cache for
MovieLens and gensim's data folder for word vectors) on the window's
:class:`~embexplorer._qt.workers.TaskRunner`, shows progress on the cards and
turns a click on a running card into Cancel.

Wiring (main window)::

    self.start_page = StartPage(self.recent_files(), self)
    self._central.insertWidget(0, self.start_page)            # instead of the empty label
    self._central.setCurrentWidget(self.start_page)
    self.start_page.open_requested.connect(self.open_file)
    self.start_page.open_dialog_requested.connect(self._on_open_triggered)
    self.start_page.demo_requested.connect(self._on_demo_requested)
    self.downloader = DatasetDownloader(self.runner, self)
    self.downloader.attach(self.start_page)       # cards -> start/cancel, progress -> card badges
    self.downloader.downloaded.connect(self._on_dataset_downloaded)
    self.downloader.failed.connect(lambda name, msg: self.start_page.show_message(f"{name}: {msg}"))

    def _on_dataset_downloaded(self, name, path, fmt):
        if fmt == MOVIELENS_FORMAT:
            self.open_movielens(path)       # then Train in the Recommender dock
        else:
            self.open_file(path, format=fmt)  # word vectors: formats.load reads the .gz
    # keep it current: after _remember_recent / Clear Recent
    self.start_page.set_recent_files(self.recent_files())
    # while a file loads: self.start_page.show_message("Loading glove…"); show_message(None) after
    # a live preview of the genres demo on the page itself (no-args start):
    self.genres_demo.frame_ready.connect(
        lambda emb, xy, probe, epoch: self.start_page.show_demo_frame(emb, xy, probe, epoch,
                                                                      self.genres_demo.chance))
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.workers import TaskRunner
from embexplorer.core.data import gensim_data
from embexplorer.core.data.download import DATASETS as MOVIELENS_DATASETS
from embexplorer.core.teaching.demos import GENRES_DEMO_NOTE, WIKI_DEMO_NOTE

#: ``downloaded`` signal's format for MovieLens ratings (open with the window's ``open_movielens``).
MOVIELENS_FORMAT = "movielens"
#: Task kinds of downloads in the :class:`TaskRunner` (one per dataset).
DOWNLOAD_TASK_PREFIX = "download:"
#: Recent files listed at most.
MAX_RECENT_SHOWN = 8
#: Dataset cards: MovieLens first, then these gensim-data models.
MOVIELENS_NAME = "movielens-100k"
GENSIM_MODELS = gensim_data.RECOMMENDED
#: Demo names (as ``embexplorer --demo NAME``), titles and captions.
DEMOS = {
    "genres": ("Genres, learned", GENRES_DEMO_NOTE),
    "wiki": ("Word2vec on a Wikipedia sample", WIKI_DEMO_NOTE),
}
#: Widest the content grows (pixels); wider windows get margins.
MAX_CONTENT_WIDTH = 1120
#: Live demo preview: plot height (pixels), point size, padding around the first frame.
PREVIEW_HEIGHT = 220
PREVIEW_POINT_SIZE = 6
PREVIEW_PADDING = 0.08
#: Narrower pages use two columns (demos under Start), then one.
THREE_COLUMNS_MIN_WIDTH = 980
TWO_COLUMNS_MIN_WIDTH = 640
#: Paths shown longer than this are elided in the middle (the full path is the tooltip).
PATH_CHARS = 36
#: Card captions longer than this are cut (the full text is the tooltip).
CAPTION_CHARS = 160

#: Colours (one place, so a dark theme can change them).
ACCENT = "#1f6fb2"
MUTED = "#666"
DONE = "#2e7d32"
_STYLE = f"""
#startPage {{ background: white; }}
#startContent {{ background: white; }}
QLabel#startTitle {{ font-size: 22pt; font-weight: 600; color: #222; }}
QLabel#startSubtitle {{ font-size: 11pt; color: {MUTED}; }}
QLabel#sectionTitle {{ font-size: 12pt; font-weight: 600; color: #333; margin-top: 6px;
                      qproperty-indent: 0; }}
QLabel#startMessage {{ background: #fff8e1; border: 1px solid #f0d68a; border-radius: 4px;
                      padding: 6px 10px; }}
QFrame#card {{ background: #fafbfc; border: 1px solid #dde2e8; border-radius: 6px; }}
QFrame#card:hover {{ background: #eef5fc; border-color: {ACCENT}; }}
QFrame#card:focus {{ border: 2px solid {ACCENT}; }}
QLabel#cardTitle {{ font-size: 10.5pt; font-weight: 600; color: {ACCENT}; background: transparent;
                   border: none; }}
QLabel#cardCaption {{ color: {MUTED}; background: transparent; border: none; }}
QLabel#cardBadge {{ color: {MUTED}; background: transparent; border: none; }}
QLabel#emptyNote {{ color: #999; font-style: italic; }}
QPushButton#openButton {{ font-size: 11pt; padding: 8px 18px; background: {ACCENT}; color: white;
                         border: none; border-radius: 5px; }}
QPushButton#openButton:hover {{ background: #185a91; }}
"""


def format_size(n_bytes: int | None) -> str:
    """``69182535`` -> ``"66 MB"`` (binary megabytes, as file managers show)."""
    if n_bytes is None:
        return "size unknown"
    mb = n_bytes / (1 << 20)
    if mb >= 1024:
        return f"{mb / 1024:.1f} GB"
    return f"{mb:.0f} MB" if mb >= 10 else f"{mb:.1f} MB"


class Card(QtWidgets.QFrame):
    """A clickable tile: title, caption, a badge on the right.  Click, Enter or Space activate it."""

    clicked = QtCore.Signal()

    def __init__(self, title: str, caption: str = "", badge: str = "",
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.setCursor(QtCore.Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_Hover)
        # Labels parented at once: set_caption() shows or hides the caption, and a parentless
        # label shown is a window of its own (it flashed up and took the activation, and with it
        # every window-wide shortcut such as Ctrl+F).
        self.title_label = QtWidgets.QLabel(title, self)
        self.title_label.setObjectName("cardTitle")
        self.caption_label = QtWidgets.QLabel(self)
        self.caption_label.setObjectName("cardCaption")
        self.caption_label.setWordWrap(True)
        self.badge_label = QtWidgets.QLabel(badge, self)
        self.badge_label.setObjectName("cardBadge")
        self.badge_label.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignTop)
        self.set_caption(caption)
        top = QtWidgets.QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.title_label, 1)
        top.addWidget(self.badge_label)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 9)
        layout.setSpacing(3)
        layout.addLayout(top)
        layout.addWidget(self.caption_label)
        self.caption_label.setVisible(bool(caption))
        self.setAccessibleName(title)

    def set_caption(self, caption: str) -> None:
        short = caption if len(caption) <= CAPTION_CHARS else caption[:CAPTION_CHARS - 1] + "…"
        self.caption_label.setText(short)
        self.caption_label.setVisible(bool(caption))
        self.setToolTip(caption if short != caption else "")

    def set_badge(self, text: str, color: str | None = None) -> None:
        self.badge_label.setText(text)
        self.badge_label.setStyleSheet(f"color: {color};" if color else "")

    def mouseReleaseEvent(self, event: QtGui.QMouseEvent) -> None:  # noqa: N802 -- Qt's name
        inside = self.rect().contains(event.position().toPoint())
        if event.button() == QtCore.Qt.MouseButton.LeftButton and inside:
            self.clicked.emit()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:  # noqa: N802 -- Qt's name
        if event.key() in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter, QtCore.Qt.Key.Key_Space):
            self.clicked.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class StartPage(QtWidgets.QScrollArea):
    """What the window shows with nothing open (see the module docstring for signals and wiring).

    Parameters
    ----------
    recent_files : list of str, optional
        Most recent first.
    parent : QWidget, optional
    gensim_dir : path, optional
        gensim's data folder to check for downloaded models (default: gensim's own).
    movielens_dir : path, optional
        Folder of downloaded MovieLens zips (default: the app cache).
    """

    open_requested = QtCore.Signal(str)
    open_dialog_requested = QtCore.Signal()
    download_requested = QtCore.Signal(str)
    demo_requested = QtCore.Signal(str)
    download_cancel_requested = QtCore.Signal(str)

    def __init__(self, recent_files: list[str] | None = None, parent: QtWidgets.QWidget | None = None,
                 gensim_dir: str | os.PathLike | None = None,
                 movielens_dir: str | os.PathLike | None = None) -> None:
        super().__init__(parent)
        self.gensim_dir = gensim_dir
        self.movielens_dir = movielens_dir
        self.setObjectName("startPage")
        self.setWidgetResizable(True)
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.setStyleSheet(_STYLE)
        self.recent_buttons: list[QtWidgets.QCommandLinkButton | Card] = []
        self.dataset_cards: dict[str, Card] = {}
        self.demo_cards: dict[str, Card] = {}
        self._busy: set[str] = set()     # cards showing a running download
        self._build()
        self.set_recent_files(recent_files or [])
        self.refresh_downloads()

    # ------------------------------------------------------------- building
    def _build(self) -> None:
        content = QtWidgets.QWidget()
        content.setObjectName("startContent")
        content.setMaximumWidth(MAX_CONTENT_WIDTH)
        outer = QtWidgets.QWidget()
        outer.setObjectName("startContent")
        centre = QtWidgets.QHBoxLayout(outer)
        centre.setContentsMargins(0, 0, 0, 0)
        centre.addStretch(1)
        centre.addWidget(content, 100)
        centre.addStretch(1)
        self.setWidget(outer)

        title = QtWidgets.QLabel("embexplorer")
        title.setObjectName("startTitle")
        subtitle = QtWidgets.QLabel("Explore word and item embeddings: open a file, fetch a real dataset, "
                                    "or watch a model learn, no network needed.")
        subtitle.setObjectName("startSubtitle")
        subtitle.setWordWrap(True)
        self.message = QtWidgets.QLabel()
        self.message.setObjectName("startMessage")
        self.message.setWordWrap(True)
        self.message.hide()

        self.open_button = QtWidgets.QPushButton("Open file…")
        self.open_button.setObjectName("openButton")
        self.open_button.setCursor(QtCore.Qt.CursorShape.PointingHandCursor)
        self.open_button.setToolTip("word2vec / GloVe / fastText text or binary, TF Projector TSV, "
                                    ".npy/.npz, .gz/.bz2 variants, gensim .kv/.model (Ctrl+O, or drop a "
                                    "file here)")
        self.open_button.clicked.connect(self._on_open_clicked)
        formats_note = QtWidgets.QLabel("word2vec, GloVe, fastText, TSV, NumPy, gensim; "
                                        ".gz/.bz2 too. Or drop a file on the window.")
        formats_note.setObjectName("cardCaption")
        formats_note.setWordWrap(True)
        self._recent_box = QtWidgets.QVBoxLayout()
        self._recent_box.setSpacing(6)
        left = QtWidgets.QVBoxLayout()
        left.addWidget(_section("Start"))
        left.addWidget(self.open_button, 0, QtCore.Qt.AlignmentFlag.AlignLeft)
        left.addWidget(formats_note)
        left.addSpacing(8)
        left.addWidget(_section("Recent files"))
        left.addLayout(self._recent_box)
        left.addStretch(1)

        middle = QtWidgets.QVBoxLayout()
        middle.setSpacing(6)
        middle.addWidget(_section("Real datasets, one click"))
        ml = MOVIELENS_DATASETS[MOVIELENS_NAME]
        self._add_dataset_card(middle, MOVIELENS_NAME, "MovieLens 100K",
                               "100,000 ratings of 1,682 movies by 943 users; trains the recommender. "
                               "GroupLens, research use.", ml.display_size)
        for name in GENSIM_MODELS:
            spec = gensim_data.MODELS[name]
            self._add_dataset_card(middle, name, name, spec.description, spec.size)
        root = str(self._gensim_root())
        where = QtWidgets.QLabel(f"Word vectors go to gensim's data folder ({short_path(root)}), shared "
                                 "with gensim.downloader and checked against gensim-data's checksums.")
        where.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        where.setToolTip(root)
        where.setObjectName("cardCaption")
        where.setWordWrap(True)
        middle.addWidget(where)
        middle.addStretch(1)

        right = QtWidgets.QVBoxLayout()
        right.setSpacing(6)
        right.addWidget(_section("Offline demos"))
        right.addWidget(self._build_preview())  # first: the live picture is what catches the eye
        for name, (demo_title, caption) in DEMOS.items():
            card = Card(demo_title, caption, "▶ run")
            card.clicked.connect(lambda n=name: self.demo_requested.emit(n))
            self.demo_cards[name] = card
            right.addWidget(card)
        right.addStretch(1)

        self._columns = []
        for col in (left, middle, right):
            w = QtWidgets.QWidget()
            w.setObjectName("startContent")
            col.setContentsMargins(0, 0, 0, 0)
            w.setLayout(col)
            self._columns.append(w)
        self._grid = QtWidgets.QGridLayout()
        self._grid.setHorizontalSpacing(28)
        self._grid.setVerticalSpacing(18)
        self._n_columns = 0
        self._reflow(3)

        layout = QtWidgets.QVBoxLayout(content)
        layout.setContentsMargins(36, 28, 36, 28)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addWidget(self.message)
        layout.addSpacing(10)
        layout.addLayout(self._grid)
        layout.addStretch(1)

    def _build_preview(self) -> QtWidgets.QWidget:
        """A small live scatter of a running demo (hidden until its first frame)."""
        import pyqtgraph as pg

        box = Card("Live", "", "")
        box.setToolTip("Open the demo in the explorer")
        box.clicked.connect(lambda: self._on_preview_clicked(None))
        self.preview_title = box.title_label
        self.preview_caption = box.caption_label
        self.preview_plot = pg.PlotWidget(background="w")
        self.preview_plot.hideAxis("left")
        self.preview_plot.hideAxis("bottom")
        self.preview_plot.setMouseEnabled(False, False)
        self.preview_plot.hideButtons()
        self.preview_plot.setMenuEnabled(False)
        self.preview_plot.setFixedHeight(PREVIEW_HEIGHT)
        self.preview_plot.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.preview_plot.setStyleSheet("background: transparent; border: none;")
        self.preview_points = pg.ScatterPlotItem(size=PREVIEW_POINT_SIZE, pen=None)
        self.preview_plot.addItem(self.preview_points)
        self.preview_plot.scene().sigMouseClicked.connect(self._on_preview_clicked)
        self.preview_legend = QtWidgets.QLabel()
        self.preview_legend.setObjectName("cardCaption")
        self.preview_legend.setWordWrap(True)
        layout = box.layout()
        layout.insertWidget(1, self.preview_plot)
        layout.insertWidget(2, self.preview_legend)
        self.preview_box = box
        self._preview_demo = ""
        self._preview_bounds: tuple[np.ndarray, np.ndarray] | None = None
        box.hide()
        return box

    def _reflow(self, n: int) -> None:
        """Lay the three columns out side by side (3), demos under Start (2) or stacked (1)."""
        if n == self._n_columns:
            return
        self._n_columns = n
        for w in self._columns:
            self._grid.removeWidget(w)
        left, middle, right = self._columns
        for c in range(3):
            self._grid.setColumnStretch(c, 0)
        if n == 3:
            places = ((left, 0, 0), (middle, 0, 1), (right, 0, 2))
            stretches = (3, 4, 3)
        elif n == 2:
            places = ((left, 0, 0), (right, 1, 0), (middle, 0, 1, 2, 1))
            stretches = (1, 1)
        else:
            places = ((left, 0, 0), (right, 1, 0), (middle, 2, 0))
            stretches = (1,)
        for w, *where in places:
            self._grid.addWidget(w, *where)
        for c, st in enumerate(stretches):
            self._grid.setColumnStretch(c, st)

    def columns_for_width(self, width: int) -> int:
        """How many columns fit ``width`` pixels."""
        return 3 if width >= THREE_COLUMNS_MIN_WIDTH else 2 if width >= TWO_COLUMNS_MIN_WIDTH else 1

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 -- Qt's name
        self._reflow(self.columns_for_width(self.viewport().width()))
        super().resizeEvent(event)

    def _add_dataset_card(self, layout: QtWidgets.QVBoxLayout, name: str, title: str, caption: str,
                          size: int | None) -> None:
        card = Card(title, caption, format_size(size))
        card.clicked.connect(lambda n=name: self._on_dataset_clicked(n))
        card.setToolTip(f"{caption}\n\nDownload ({format_size(size)}) and open")
        self.dataset_cards[name] = card
        layout.addWidget(card)

    def _gensim_root(self) -> Path:
        return Path(self.gensim_dir) if self.gensim_dir is not None else gensim_data.data_dir()

    # ------------------------------------------------------------------ API
    def set_recent_files(self, paths: list[str]) -> None:
        """Show ``paths`` (most recent first, at most :data:`MAX_RECENT_SHOWN`)."""
        while self._recent_box.count():
            item = self._recent_box.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.recent_buttons = []
        shown = [str(p) for p in paths][:MAX_RECENT_SHOWN]
        if not shown:
            empty = QtWidgets.QLabel("Files you open will be listed here.")
            empty.setObjectName("emptyNote")
            self._recent_box.addWidget(empty)
            return
        for path in shown:
            p = Path(path)
            card = Card(p.name, short_path(str(p.parent)))
            if not p.exists():
                card.set_badge("missing", "#b00")
                card.setToolTip(f"{path}\n(not found)")
            else:
                card.setToolTip(path)
            card.clicked.connect(lambda s=path: self.open_requested.emit(s))
            self.recent_buttons.append(card)
            self._recent_box.addWidget(card)

    def is_cached(self, name: str) -> bool:
        """Whether the dataset card ``name`` has its file in the cache (cheap check: no hashing)."""
        if name in MOVIELENS_DATASETS:
            spec = MOVIELENS_DATASETS[name]
            folder = Path(self.movielens_dir) if self.movielens_dir is not None else spec.default_dir()
            path = folder / spec.filename
            try:
                size = path.stat().st_size
            except OSError:
                return False
            return spec.size is None or size == spec.size
        return gensim_data.is_downloaded(name, self.gensim_dir)

    def refresh_downloads(self) -> None:
        """Re-check which datasets are downloaded (after a download finished)."""
        for name, card in self.dataset_cards.items():
            size = MOVIELENS_DATASETS[name].display_size if name in MOVIELENS_DATASETS \
                else gensim_data.MODELS[name].size
            if self.is_cached(name):
                card.set_badge("✓ downloaded", DONE)
            else:
                card.set_badge(f"⤓ {format_size(size)}")

    def set_item_status(self, name: str, text: str | None) -> None:
        """Show ``text`` (e.g. download progress) in a card's badge; None restores it.

        While a dataset card shows a status, clicking it emits :attr:`download_cancel_requested`.
        """
        card = self.dataset_cards.get(name) or self.demo_cards.get(name)
        if card is None:
            return
        if name in self.dataset_cards:
            if text is None:
                self._busy.discard(name)
            else:
                self._busy.add(name)
        if text is None:
            if name in self.demo_cards:
                card.set_badge("▶ run")
            else:
                self.refresh_downloads()
        else:
            card.set_badge(text, ACCENT)

    def show_message(self, text: str | None) -> None:
        """A one-line banner under the title (loading, a failed download...); None hides it."""
        self.message.setText(text or "")
        self.message.setVisible(bool(text))

    def show_demo_frame(self, emb, xy, probe: float, epoch: int, chance: float | None = None,
                        demo: str = "genres", column: str = "true genre") -> None:
        """Draw a demo's live frame in the preview (e.g. connected to ``GenresDemo.frame_ready``).

        Parameters
        ----------
        emb : EmbeddingSet
            Points of the frame; coloured by its categorical ``column``.
        xy : ndarray (n, 2)
        probe : float
            Linear probe score shown in the caption (with ``chance`` when given).
        epoch : int
            1-based; the first frame fits the view, later ones only widen it.
        demo : str
            Demo name emitted by :attr:`demo_requested` when the preview is clicked.
        """
        import pyqtgraph as pg

        from embexplorer.core.view.scatter_math import categorical_colors

        xy = np.asarray(xy, dtype=np.float64)
        col = emb.metadata.get(column)
        if col is not None and col.kind == "categorical":
            mapping = categorical_colors(col.codes, col.categories)
            brushes = [pg.mkBrush(QtGui.QColor.fromRgba(int(c))) for c in mapping.lut]
            point_brushes = [brushes[i] for i in mapping.index]
            names = mapping.names[:-1] if mapping.counts[-1] == 0 else mapping.names
            self.preview_legend.setText("  ".join(
                f"<span style='color:{QtGui.QColor.fromRgba(int(c)).name()}'>●</span>&nbsp;{html.escape(n)}"
                for n, c in zip(names, mapping.lut)))
        else:
            point_brushes = pg.mkBrush(ACCENT)
            self.preview_legend.setText("")
        self.preview_points.setData(x=xy[:, 0], y=xy[:, 1], brush=point_brushes)
        # The view only grows (a new run starts afresh): points never leave it, and it rarely moves.
        finite = xy[np.isfinite(xy).all(axis=1)]
        if len(finite):
            lo, hi = finite.min(axis=0), finite.max(axis=0)
            if epoch > 1 and self._preview_bounds is not None:
                lo, hi = np.minimum(lo, self._preview_bounds[0]), np.maximum(hi, self._preview_bounds[1])
            self._preview_bounds = (lo, hi)
            self.preview_plot.setRange(xRange=(lo[0], hi[0]), yRange=(lo[1], hi[1]), padding=PREVIEW_PADDING)
        title = DEMOS.get(demo, (demo, ""))[0]
        self.preview_title.setText(f"Live: {title}")
        vs = f" (chance {chance:.0%})" if chance is not None else ""
        self.preview_box.set_caption(f"Epoch {epoch}: the vectors predict the hidden genre {probe:.0%} of "
                                     f"the time{vs}. Click to explore.")
        self._preview_demo = demo
        self.preview_box.show()

    def clear_preview(self) -> None:
        """Hide the live preview."""
        self.preview_points.clear()
        self._preview_bounds = None
        self._preview_demo = ""
        self.preview_box.hide()

    def is_busy(self, name: str) -> bool:
        """Whether the card ``name`` shows a running download."""
        return name in self._busy

    # ---------------------------------------------------------------- slots
    def _on_open_clicked(self) -> None:
        self.open_dialog_requested.emit()

    def _on_preview_clicked(self, _event) -> None:
        if self._preview_demo:
            self.demo_requested.emit(self._preview_demo)

    def _on_dataset_clicked(self, name: str) -> None:
        if name in self._busy:
            self.download_cancel_requested.emit(name)
        else:
            self.download_requested.emit(name)


class DatasetDownloader(QtCore.QObject):
    """Download start-page datasets in the background: verified, cached, cancellable.

    MovieLens zips go to the app cache (:func:`embexplorer.core.data.download.fetch`);
    gensim-data models to gensim's data folder (:func:`embexplorer.core.data.gensim_data.download`).
    A file already there (and valid) is used without a network.

    Signals
    -------
    progress(str, float, str)
        Name, fraction (-1 when unknown), message.
    downloaded(str, str, str)
        Name, local path and how to open it: :data:`MOVIELENS_FORMAT` for ratings,
        else the :mod:`embexplorer.core.data.formats` name of the word vectors.
    failed(str, str)
        Name and a one-line reason (network, wrong checksum...).
    cancelled(str)
    """

    progress = QtCore.Signal(str, float, str)
    downloaded = QtCore.Signal(str, str, str)
    failed = QtCore.Signal(str, str)
    cancelled = QtCore.Signal(str)

    def __init__(self, runner: TaskRunner | None = None, parent: QtCore.QObject | None = None,
                 gensim_dir: str | os.PathLike | None = None, movielens_dir: str | os.PathLike | None = None,
                 gensim_base_url: str | None = None, movielens_base_url: str | None = None) -> None:
        super().__init__(parent)
        self.runner = runner if runner is not None else TaskRunner(self)
        self.gensim_dir = gensim_dir
        self.movielens_dir = movielens_dir
        self.gensim_base_url = gensim_base_url
        self.movielens_base_url = movielens_base_url
        self._page: StartPage | None = None

    @staticmethod
    def task_kind(name: str) -> str:
        return f"{DOWNLOAD_TASK_PREFIX}{name}"

    def is_running(self, name: str) -> bool:
        return self.runner.is_running(self.task_kind(name))

    def attach(self, page: StartPage) -> None:
        """Let ``page``'s dataset cards start and cancel downloads and show their progress."""
        self._page = page
        page.download_requested.connect(self.start)
        page.download_cancel_requested.connect(self.cancel)

    def start(self, name: str) -> None:
        """Fetch ``name`` (a MovieLens or gensim-data name) in the background."""
        if name in MOVIELENS_DATASETS:
            from embexplorer.core.data import download

            folder, base = self.movielens_dir, self.movielens_base_url

            def work(control):
                return str(download.fetch(name, folder, base, control).path), MOVIELENS_FORMAT
        else:
            spec = gensim_data.resolve(name)
            folder, base = self.gensim_dir, self.gensim_base_url

            def work(control):
                return str(gensim_data.download(spec, folder, base, control).path), spec.format

        self._status(name, "starting…")
        self.runner.start(self.task_kind(name), work,
                          on_result=lambda r, n=name: self._on_done(n, r),
                          on_error=lambda e, n=name: self._on_error(n, e),
                          on_progress=lambda f, m, n=name: self._on_progress(n, f, m),
                          on_cancelled=lambda n=name: self._on_cancelled(n))

    def cancel(self, name: str) -> bool:
        """Cancel the download of ``name``; nothing half-written is left."""
        return self.runner.cancel(self.task_kind(name))

    # ---------------------------------------------------------------- slots
    def _status(self, name: str, text: str | None) -> None:
        if self._page is not None:
            self._page.set_item_status(name, text)

    def _on_progress(self, name: str, fraction, message: str) -> None:
        pct = "" if fraction is None else f"{fraction:.0%} "
        self._status(name, f"{pct}(click to cancel)" if pct else "downloading… (click to cancel)")
        self.progress.emit(name, -1.0 if fraction is None else float(fraction), message)

    def _on_done(self, name: str, result) -> None:
        path, fmt = result
        self._status(name, None)
        self.downloaded.emit(name, path, fmt)

    def _on_error(self, name: str, exc: BaseException) -> None:
        self._status(name, None)
        reason = getattr(exc, "reason", None) or str(exc)
        self.failed.emit(name, reason)

    def _on_cancelled(self, name: str) -> None:
        self._status(name, None)
        self.cancelled.emit(name)


def short_path(path: str, max_chars: int = PATH_CHARS) -> str:
    """``path`` with the home folder as ``~`` and the middle elided to ``max_chars``."""
    home = os.path.expanduser("~")
    if home and home != "~" and (path == home or path.startswith(home + os.sep)):
        path = "~" + path[len(home):]
    if len(path) <= max_chars:
        return path
    keep = max_chars - 1
    return path[: keep // 3] + "…" + path[-(keep - keep // 3):]


def _section(text: str) -> QtWidgets.QLabel:
    label = QtWidgets.QLabel(text)
    label.setObjectName("sectionTitle")
    return label
