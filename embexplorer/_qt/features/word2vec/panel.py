"""Word2vec training dock: corpus, settings, Start/Stop, live loss and analogy-accuracy curves.

The widget gathers settings and draws progress; training runs in
:func:`embexplorer.core.word2vec.w2v.train_word2vec_run` on a worker thread
(:class:`~embexplorer._qt.workers.TaskRunner`).  Progress is in words
processed.  After every epoch :attr:`W2VTrainingPanel.epoch_finished` carries
the :class:`~embexplorer.core.word2vec.w2v.EpochReport` (``report.frame`` /
``report.frame_labels``: the most frequent words' vectors, for a live
scatter -- :class:`WordFrames` turns them into aligned 2-D coordinates).
With ``live_frames`` the worker does that itself and
:attr:`W2VTrainingPanel.frame_ready` brings the words and coordinates ready
to draw (no PCA on the UI thread).
Stop ends the current epoch at once and keeps the last complete one;
:attr:`training_finished` then brings the vectors as an
:class:`~embexplorer.core.data.embeddings.EmbeddingSet`.  "Save vectors…" writes
word2vec text or binary (atomically, through ``formats.save``).

:meth:`W2VTrainingPanel.start_demo_wiki` runs the offline demo "Word2vec on a
Wikipedia sample" (gensim's bundled Lee corpus + Wikipedia sample) and shows
why its analogy accuracy stays near zero, with a "Get GloVe…" button
(:attr:`download_requested` ``("glove-wiki-gigaword-50")``).

Wiring (main window)::

    self.w2v_panel = W2VTrainingPanel(self.runner, live_frames=True)
    dock("word2vec", self.w2v_panel, Area.LeftDockWidgetArea, visible=False)   # DOCK_NAMES entry
    self.w2v_panel.frame_ready.connect(self._on_w2v_epoch)
    self.w2v_panel.training_finished.connect(self._on_w2v_finished)      # EmbeddingSet
    self.w2v_panel.download_requested.connect(self._on_download_requested)

    def _on_w2v_epoch(self, report, emb, xy):   # aligned on the worker: just draw
        self.explorer.set_data(emb, xy, *SCALED_WORD_FRAME_AXES, keep_view=report.epoch > 1)

    def _on_w2v_finished(self, emb):
        pca = fit_pca(emb.vectors, n_components=min(MAX_COMPONENTS, emb.dims, emb.n))
        self.set_embeddings(emb, pca, None, title=f"word2vec, {emb.n:,} words")
"""

from __future__ import annotations

import importlib.util
import math
import os
import sys
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from embexplorer._qt.widgets.training_panel import TrainingPanel, curve_pen, epoch_curve
from embexplorer._qt.workers import StopControl, TaskRunner, WorkerControl
from embexplorer.core.analysis.frames import FrameAligner
from embexplorer.core.data.embeddings import EmbeddingSet, MetadataColumn
from embexplorer.core.errors import DataError
from embexplorer.core.teaching.demos import (
    ENWIKI_SAMPLE_NAME,
    LEE_CORPUS_NAME,
    WIKI_DEMO_NOTE,
    wiki_demo_settings,
    wiki_sample_corpus,
)
from embexplorer.core.view import palette
from embexplorer.core.word2vec.w2v import (
    DEFAULT_WORKERS,
    W2VSettings,
    is_wiki_dump,
    open_corpus,
    save_word2vec,
    train_word2vec_run,
)

#: Task kind in the :class:`TaskRunner`.
TRAIN_TASK = "train-w2v"
#: Limits of the settings widgets.
MAX_VECTOR_SIZE = 1000
MAX_WINDOW = 50
MAX_MIN_COUNT = 1_000_000
MAX_NEGATIVE = 64
MAX_EPOCHS = 1000
MAX_WORKERS = 32
#: Curve pens.
LOSS_PEN = curve_pen(palette.BLUE)
ACCURACY_PEN = curve_pen(palette.GREEN)
#: Smallest height (px) of each curve plot.
PLOT_MIN_HEIGHT = 120
#: Model offered by the demo's "Get GloVe…" button.
GLOVE_NAME = "glove-wiki-gigaword-50"
#: Shown in the corpus field while the demo corpus is in use.
DEMO_CORPUS_TEXT = "gensim's sample: Lee news corpus + Wikipedia sample"
#: File dialog filters.
CORPUS_FILTER = ("Text corpora and Wikipedia dumps (*.txt *.gz *.bz2 *.xz *.xml *.cor);;All files (*)")
SAVE_FILTERS = {"word2vec text (*.txt *.vec)": False, "word2vec binary (*.bin)": True}
#: gensim's copy of the Google analogy questions, in :func:`gensim_samples_dir`
#: (:func:`embexplorer.core.teaching.demos.analogy_questions_path` names the same file).
ANALOGY_QUESTIONS_NAME = "questions-words.txt"


def gensim_samples_dir() -> Path | None:
    """gensim's bundled ``test/test_data`` folder, found without importing gensim (None: no gensim).

    :func:`embexplorer.core.teaching.demos.gensim_test_data_dir` imports gensim to find it, which
    takes ~90 ms: too long for the UI thread when the demo starts.
    """
    module = sys.modules.get("gensim")
    if module is not None and getattr(module, "__file__", None):
        root = Path(module.__file__).resolve().parent
    else:
        spec = importlib.util.find_spec("gensim")  # a top-level package: located, not imported
        if spec is None or not spec.submodule_search_locations:
            return None
        root = Path(list(spec.submodule_search_locations)[0]).resolve()
    return root / "test" / "test_data"


def describe_corpus(path: str | os.PathLike) -> str:
    """One line saying how ``path`` will be read (a quick look at its first bytes only)."""
    p = Path(path)
    if p.is_dir():
        return "Folder: every file in it is read, one sentence per line."
    if not p.is_file():
        return f"No such file or folder: {p.name}"
    try:
        wiki = is_wiki_dump(p)
    except DataError as err:
        return f"Cannot read {p.name}: {err.reason}"
    if wiki:
        return "Wikipedia XML dump: articles are parsed as gensim's WikiCorpus does."
    return "Text corpus: one sentence per line" + (" (decompressed on the fly)." if p.suffix.lower()
                                                    in (".gz", ".bz2", ".xz") else ".")


class WordFrames(FrameAligner):
    """2-D PCA frames of the most frequent words, epoch after epoch, each aligned to the one before.

    :meth:`update` takes an :class:`~embexplorer.core.word2vec.w2v.EpochReport` and returns
    an :class:`EmbeddingSet` of its frame words (metadata ``rank``) and their
    ``(n, 2)`` float32 coordinates, turned (orthogonal Procrustes) to match the
    previous frame so words drift into place instead of flipping, and scaled to
    unit RMS radius so a fixed view keeps them on screen while vectors grow
    (a :class:`~embexplorer.core.analysis.frames.FrameAligner` with ``scale=True``).
    """

    def __init__(self) -> None:
        super().__init__(scale=True)

    def update(self, report) -> tuple[EmbeddingSet, np.ndarray]:
        labels = list(report.frame_labels)
        n = len(labels)
        emb = EmbeddingSet(labels, report.frame, {
            "rank": MetadataColumn.numeric("rank", np.arange(1, n + 1, dtype=np.float64))},
            kind="word", source=f"word2vec, epoch {report.epoch}")
        return emb, self.fit(emb.vectors)


class W2VTrainingPanel(TrainingPanel):
    """Corpus, word2vec settings, Start/Stop, progress in words, live loss and analogy curves.

    Signals
    -------
    training_started()
        A new run began (reset live frames).
    epoch_finished(object)
        :class:`~embexplorer.core.word2vec.w2v.EpochReport` after every complete epoch.
    frame_ready(object, object, object)
        With ``live_frames``, right after :attr:`epoch_finished` (when the report has frame
        words): the report, an :class:`EmbeddingSet` of the frame words and their (n, 2)
        float32 coordinates from :meth:`WordFrames.update`, computed on the training worker.
    training_finished(object)
        The trained :class:`EmbeddingSet` (also after Stop: the last complete epoch).
    training_failed(str)
        Training could not run (message).
    download_requested(str)
        The user asked for pretrained vectors by gensim-data name (demo's "Get GloVe…").
    """

    epoch_finished = QtCore.Signal(object)
    frame_ready = QtCore.Signal(object, object, object)
    download_requested = QtCore.Signal(str)

    task_kind = TRAIN_TASK

    def __init__(self, runner: TaskRunner | None = None, parent: QtWidgets.QWidget | None = None, *,
                 live_frames: bool = False) -> None:
        super().__init__(runner, parent, live_frames=live_frames)
        self._frames: WordFrames | None = None
        self._corpus_override = None     # an in-memory / demo corpus object instead of the path field
        self._corpus_factory = None      # () -> corpus, called on the worker (the demo: imports gensim)
        self._embedding: EmbeddingSet | None = None
        self._result = None
        self._reports: list = []
        self._build()
        self._update_buttons()

    # ------------------------------------------------------------- building
    def _build(self) -> None:
        d = W2VSettings()
        self.corpus_edit = QtWidgets.QLineEdit(
            placeholderText="text file, folder, .gz/.bz2 or Wikipedia dump")
        self.corpus_edit.textEdited.connect(self._on_corpus_edited)
        self.corpus_file_button = QtWidgets.QPushButton("File…")
        self.corpus_file_button.clicked.connect(self._on_corpus_file_clicked)
        self.corpus_folder_button = QtWidgets.QPushButton("Folder…")
        self.corpus_folder_button.clicked.connect(self._on_corpus_folder_clicked)
        corpus_row = QtWidgets.QHBoxLayout()
        corpus_row.addWidget(self.corpus_edit, 1)
        corpus_row.addWidget(self.corpus_file_button)
        corpus_row.addWidget(self.corpus_folder_button)

        self.architecture = QtWidgets.QComboBox()
        self.architecture.addItems(["CBOW", "Skip-gram"])
        self.vector_size = QtWidgets.QSpinBox(minimum=1, maximum=MAX_VECTOR_SIZE, value=d.vector_size)
        self.window_spin = QtWidgets.QSpinBox(minimum=1, maximum=MAX_WINDOW, value=d.window)
        self.min_count = QtWidgets.QSpinBox(minimum=1, maximum=MAX_MIN_COUNT, value=d.min_count)
        self.negative = QtWidgets.QSpinBox(minimum=1, maximum=MAX_NEGATIVE, value=d.negative)
        self.epochs = QtWidgets.QSpinBox(minimum=1, maximum=MAX_EPOCHS, value=d.epochs)
        self.workers = QtWidgets.QSpinBox(minimum=1, maximum=MAX_WORKERS, value=DEFAULT_WORKERS)
        self.seed = QtWidgets.QSpinBox(minimum=0, maximum=2**31 - 1, value=d.seed)
        self.lowercase = QtWidgets.QCheckBox("lower-case", checked=True)
        self.strip_punct = QtWidgets.QCheckBox("strip punctuation", checked=True)
        tokens = QtWidgets.QHBoxLayout()
        tokens.addWidget(self.lowercase)
        tokens.addWidget(self.strip_punct)
        tokens.addStretch(1)

        self.analogy_edit = QtWidgets.QLineEdit(placeholderText="optional: analogy questions (a b c d)")
        self.analogy_button = QtWidgets.QPushButton("…")
        self.analogy_button.setToolTip("Choose an analogy question file (questions-words.txt layout)")
        self.analogy_button.clicked.connect(self._on_analogy_clicked)
        analogy_row = QtWidgets.QHBoxLayout()
        analogy_row.addWidget(self.analogy_edit, 1)
        analogy_row.addWidget(self.analogy_button)

        form = QtWidgets.QFormLayout()
        form.addRow("Corpus", corpus_row)
        form.addRow("Architecture", self.architecture)
        form.addRow("Vector size", self.vector_size)
        form.addRow("Window", self.window_spin)
        form.addRow("Min count", self.min_count)
        form.addRow("Negative samples", self.negative)
        form.addRow("Epochs", self.epochs)
        form.addRow("Workers", self.workers)
        form.addRow("Seed", self.seed)
        form.addRow("Tokens", tokens)
        form.addRow("Analogies", analogy_row)

        self._build_run_widgets("Choose a corpus to train on.")
        self.stop_button.setToolTip("Stop now and keep the last complete epoch")
        self.save_button = QtWidgets.QPushButton("Save vectors…")
        self.save_button.clicked.connect(self._on_save_clicked)
        buttons = self._buttons_row(self.save_button)

        self.note = QtWidgets.QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555; font-style: italic;")
        self.glove_button = QtWidgets.QPushButton("Get GloVe…")
        self.glove_button.setToolTip(f"Download {GLOVE_NAME} (pretrained on 6 billion words)")
        self.glove_button.clicked.connect(self._on_glove_clicked)
        note_row = QtWidgets.QHBoxLayout()
        note_row.addWidget(self.note, 1)
        note_row.addWidget(self.glove_button, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        self.note.hide()
        self.glove_button.hide()
        # A corpus too small for meaningful vectors, or vectors that did not separate (core warnings).
        self.warning = QtWidgets.QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #a40;")
        self.warning.hide()

        self.loss_plot = pg.PlotWidget()
        self.loss_plot.setLabel("bottom", "epoch")
        self.loss_plot.setLabel("left", "loss per epoch")
        self.loss_plot.setMinimumHeight(PLOT_MIN_HEIGHT)
        self.loss_curve = epoch_curve(self.loss_plot, LOSS_PEN)
        self.accuracy_plot = pg.PlotWidget()
        self.accuracy_plot.setLabel("bottom", "epoch")
        self.accuracy_plot.setLabel("left", "analogy accuracy")
        self.accuracy_plot.setYRange(0.0, 1.0)
        self.accuracy_plot.setMinimumHeight(PLOT_MIN_HEIGHT)
        self.accuracy_curve = epoch_curve(self.accuracy_plot, ACCURACY_PEN, symbolBrush=ACCURACY_PEN.color())

        self._follow_palette()

        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(note_row)
        layout.addWidget(self.warning)
        layout.addWidget(self.loss_plot, 1)
        layout.addWidget(self.accuracy_plot, 1)

    def _plots(self) -> list[pg.PlotWidget]:
        return [self.loss_plot, self.accuracy_plot]

    # ------------------------------------------------------------------ API
    def settings(self) -> W2VSettings:
        """The settings shown, as :class:`W2VSettings`."""
        return W2VSettings(sg=self.architecture.currentIndex() == 1, vector_size=self.vector_size.value(),
                           window=self.window_spin.value(), min_count=self.min_count.value(),
                           negative=self.negative.value(), epochs=self.epochs.value(),
                           workers=self.workers.value(), seed=self.seed.value())

    def set_settings(self, settings: W2VSettings) -> None:
        """Show ``settings`` in the widgets."""
        self.architecture.setCurrentIndex(1 if settings.sg else 0)
        self.vector_size.setValue(settings.vector_size)
        self.window_spin.setValue(settings.window)
        self.min_count.setValue(max(1, settings.min_count))
        self.negative.setValue(max(1, settings.negative))
        self.epochs.setValue(settings.epochs)
        self.workers.setValue(settings.workers)
        self.seed.setValue(settings.seed)

    def set_corpus(self, path: str | os.PathLike) -> None:
        """Train on ``path`` (file, folder, compressed file or Wikipedia dump)."""
        self._corpus_override = self._corpus_factory = None
        self.corpus_edit.setText(str(path))
        self.note.hide()
        self.glove_button.hide()
        self.status.setText(describe_corpus(path))
        self._update_buttons()

    def set_corpus_object(self, corpus, description: str) -> None:
        """Train on a ready corpus object (restartable iterable of token lists), shown as ``description``."""
        self._corpus_override = corpus
        self._corpus_factory = None
        self.corpus_edit.setText(description)
        self._update_buttons()

    def set_analogy_path(self, path: str | os.PathLike | None) -> None:
        self.analogy_edit.setText("" if path is None else str(path))

    @property
    def embedding(self) -> EmbeddingSet | None:
        """The vectors of the last finished (or stopped) run."""
        return self._embedding

    @property
    def result(self):
        """The :class:`~embexplorer.core.word2vec.w2v.W2VResult` of the last run (gensim model, history)."""
        return self._result

    @property
    def reports(self) -> list:
        """The epoch reports of the current / last run."""
        return list(self._reports)

    def start(self) -> bool:
        """Start training with the shown settings; False (and a message) when it cannot start."""
        settings = self.settings()
        try:
            settings.validate()
        except ValueError as err:
            self._fail(str(err))
            return False
        corpus_obj, factory = self._corpus_override, self._corpus_factory
        path = self.corpus_edit.text().strip()
        if corpus_obj is None and factory is None and not path:
            self._fail("choose a corpus first")
            return False
        analogy = self.analogy_edit.text().strip() or None
        lowercase, strip_punct = self.lowercase.isChecked(), self.strip_punct.isChecked()
        source = self.corpus_edit.text().strip()
        self._reports = []
        self._redraw_curves()
        self.warning.hide()
        self.warning.clear()
        frames = self._frames = WordFrames() if self.live_frames else None

        def work(control: WorkerControl, stop: StopControl):
            if factory is not None:
                corpus = factory()
            elif corpus_obj is not None:
                corpus = corpus_obj
            else:
                corpus = open_corpus(path, lowercase=lowercase, strip_punct=strip_punct)

            def on_epoch(report):
                # The frame's PCA runs here, not on the UI thread.
                frame = None
                if frames is not None and report.frame is not None and len(report.frame_labels):
                    frame = frames.update(report)
                control.emit((report, frame))

            return train_word2vec_run(corpus, settings, control=stop, on_epoch=on_epoch,
                                      analogy_path=analogy, source=source,
                                      on_warning=lambda text: control.emit(text))

        self._start_run(work, "Reading the corpus…")
        return True

    def start_demo_wiki(self) -> bool:
        """The offline demo: gensim's Wikipedia + news sample with the demo settings, started at once."""
        self.set_settings(wiki_demo_settings())
        self.lowercase.setChecked(True)
        self.strip_punct.setChecked(True)
        # Finding gensim's samples through core.demos imports gensim (~90 ms): locate its folder
        # without importing it here, and build the corpus on the worker (which imports gensim anyway).
        folder = gensim_samples_dir()
        missing = [name for name in (LEE_CORPUS_NAME, ENWIKI_SAMPLE_NAME)
                   if folder is None or not (folder / name).is_file()]
        if missing:  # a gensim install without its samples: say so, no crash
            self._fail(f"gensim's sample corpus is missing from this installation ({', '.join(missing)})")
            return False
        self._corpus_override, self._corpus_factory = None, wiki_sample_corpus
        self.corpus_edit.setText(DEMO_CORPUS_TEXT)
        self.corpus_edit.setCursorPosition(0)
        questions = folder / ANALOGY_QUESTIONS_NAME
        self.set_analogy_path(questions if questions.is_file() else None)
        self.note.setText(WIKI_DEMO_NOTE)
        self.note.show()
        self.glove_button.show()
        return self.start()

    def save(self, path: str | os.PathLike, binary: bool = False) -> None:
        """Write the trained vectors in word2vec format (text or binary), atomically."""
        if self._embedding is None:
            raise ValueError("nothing trained yet")
        save_word2vec(self._embedding, path, binary=binary)

    # ---------------------------------------------------------------- slots
    def _on_glove_clicked(self) -> None:
        self.download_requested.emit(GLOVE_NAME)

    def _on_corpus_edited(self, _text: str) -> None:
        self._corpus_override = self._corpus_factory = None  # typing a path replaces the demo corpus
        self.note.hide()
        self.glove_button.hide()
        self._update_buttons()

    def _on_corpus_file_clicked(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Choose a corpus", "", CORPUS_FILTER)
        if path:
            self.set_corpus(path)

    def _on_corpus_folder_clicked(self) -> None:
        path = QtWidgets.QFileDialog.getExistingDirectory(self, "Choose a folder of text files")
        if path:
            self.set_corpus(path)

    def _on_analogy_clicked(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Analogy questions", "",
                                                        "Text files (*.txt);;All files (*)")
        if path:
            self.set_analogy_path(path)

    def _on_save_clicked(self) -> None:
        if self._embedding is None:
            return
        path, chosen = QtWidgets.QFileDialog.getSaveFileName(self, "Save vectors", "vectors.txt",
                                                             ";;".join(SAVE_FILTERS))
        if not path:
            return
        binary = SAVE_FILTERS.get(chosen, Path(path).suffix.lower() == ".bin")
        try:
            self.save(path, binary=binary)
        except (OSError, ValueError) as err:
            self.status.setText(f"Could not save: {err}")
            return
        self.status.setText(f"Saved {self._embedding.n:,} vectors to {Path(path).name}")

    def _on_epoch(self, value) -> None:
        if isinstance(value, str):  # a warning from the run (small corpus, undertrained)
            self._show_warning(value)
            return
        report, frame = value
        self._reports.append(report)
        self._redraw_curves()
        acc = "" if report.analogy_accuracy is None else \
            f", analogies {report.analogy_accuracy:.1%} of {report.analogy_questions:,}"
        self.status.setText(f"Epoch {report.epoch}/{report.epochs}: loss {report.loss:,.0f}, "
                            f"{report.words_per_s:,.0f} words/s{acc}")
        self.epoch_finished.emit(report)
        if frame is not None:
            self.frame_ready.emit(report, *frame)

    def _on_trained(self, result) -> None:
        self._result = result
        self._embedding = result.embedding
        for w in result.warnings:
            self._show_warning(w)
        done = result.epochs_completed
        how = f"Stopped after epoch {done} of {result.history[-1].epochs}" if result.stopped \
            else f"Trained {done} epoch(s)"
        self._show_finished(f"{how}: {result.embedding.n:,} words, {result.corpus_words:,} words per pass.",
                            result.embedding, result.stopped)

    # -------------------------------------------------------------- helpers
    def _show_warning(self, text: str) -> None:
        shown = self.warning.text() if self.warning.isVisible() or self.warning.text() else ""
        if text in shown:
            return
        self.warning.setText(f"{shown}\n\u26a0 {text}".strip() if shown else f"\u26a0 {text}")
        self.warning.show()

    def _can_start(self) -> bool:
        return (self._corpus_override is not None or self._corpus_factory is not None
                or bool(self.corpus_edit.text().strip()))

    def _epochs_done(self) -> int:
        return len(self._reports)

    def _redraw_curves(self) -> None:
        epochs = [r.epoch for r in self._reports]
        self.loss_curve.setData(epochs, [r.loss for r in self._reports])
        acc = [(r.epoch, r.analogy_accuracy) for r in self._reports
               if r.analogy_accuracy is not None and not math.isnan(r.analogy_accuracy)]
        self.accuracy_curve.setData([e for e, _ in acc], [a for _, a in acc])

    def _update_buttons(self) -> None:
        super()._update_buttons()
        self.save_button.setEnabled(self._embedding is not None and not self.is_training())
