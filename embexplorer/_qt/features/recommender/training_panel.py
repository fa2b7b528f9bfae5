"""Training dock for the lecture's matrix-factorisation model: settings, Start/Stop, live curves.

The widget only gathers settings and shows progress; training runs in
:func:`embexplorer.core.recommender.mf.train` on a worker thread (:class:`TaskRunner`).
After every epoch it emits :attr:`MFTrainingPanel.epoch_finished` with the
epoch's figures and a snapshot of the model.  With ``live_frames`` the worker
also projects each snapshot's movies to 2-D (:class:`~embexplorer.core.recommender.mf.MovieFrames`:
PCA, aligned to the previous epoch) and :attr:`MFTrainingPanel.frame_ready`
brings them ready to draw, so the window redraws the movie scatter while
training goes on without a PCA on the UI thread.  Stop ends training at the
next batch and keeps the last completed epoch (:attr:`training_finished` still fires).
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from embexplorer._qt.widgets.training_panel import (
    TrainingPanel,
    apply_plot_palette,  # noqa: F401 (old home: mf_user imports it)
    curve_pen,
    epoch_curve,
)
from embexplorer._qt.workers import StopControl, TaskRunner, WorkerControl
from embexplorer.core.recommender.mf import DEFAULT_Y_RANGE, MFConfig, MovieFrames, train
from embexplorer.core.recommender.movielens import ALL_RATINGS, Ratings, available_splits, split_ratings
from embexplorer.core.view import palette

#: Task kind in the :class:`TaskRunner`.
TRAIN_TASK = "train-mf"
#: Limits of the settings widgets.
MAX_FACTORS = 500
MAX_EPOCHS = 500
MAX_BATCH = 1 << 16
MAX_WEIGHT_DECAY = 100.0
LR_RANGE = (1e-6, 1.0)
RATING_LIMIT = 100.0
#: Curve pens (train loss, validation MSE).
TRAIN_PEN = curve_pen(palette.BLUE)
VALID_PEN = curve_pen(palette.RED)
#: Largest "Movies shown" (most-rated movies on the plot) and its step.
MAX_SHOWN_MOVIES = 1_000_000
SHOWN_STEP = 100
#: Smallest heights (px) of the curve plot and of the settings pane above it (which scrolls).
PLOT_MIN_HEIGHT = 120
SETTINGS_MIN_HEIGHT = 90


class MFTrainingPanel(TrainingPanel):
    """Hyperparameters, Start/Stop, progress and train/validation curves.

    Signals
    -------
    training_started()
        A new run began.
    epoch_finished(object, object)
        :class:`~embexplorer.core.recommender.mf.EpochStats` and a model snapshot, per epoch.
    frame_ready(object, object, object, object)
        With ``live_frames``, right after :attr:`epoch_finished`: the stats, the snapshot, its
        movies (:class:`~embexplorer.core.data.embeddings.EmbeddingSet`, the ``frame_top_n`` most
        rated) and their (n, 2) float32 coordinates, aligned to the previous epoch's frame.
    training_finished(object)
        The trained :class:`~embexplorer.core.recommender.mf.MFModel` (also after Stop).
    training_failed(str)
        A message when training could not run.
    """

    epoch_finished = QtCore.Signal(object, object)
    frame_ready = QtCore.Signal(object, object, object, object)

    task_kind = TRAIN_TASK

    def __init__(self, runner: TaskRunner | None = None, parent: QtWidgets.QWidget | None = None, *,
                 live_frames: bool = False, frame_top_n: int | None = None) -> None:
        super().__init__(runner, parent, live_frames=live_frames)
        self._initial_top_n = frame_top_n  # shown in the "Movies shown" box
        self._frames: MovieFrames | None = None
        self._data: Ratings | None = None
        self._model = None
        self._epochs: list[int] = []
        self._train_loss: list[float] = []
        self._valid_mse: list[float] = []
        self._build()
        self._update_buttons()

    # ------------------------------------------------------------- building
    def _build(self) -> None:
        d = MFConfig()
        form = QtWidgets.QGridLayout()
        self.factors = QtWidgets.QSpinBox(minimum=1, maximum=MAX_FACTORS, value=d.n_factors)
        self.epochs = QtWidgets.QSpinBox(minimum=1, maximum=MAX_EPOCHS, value=d.epochs)
        self.lr = QtWidgets.QDoubleSpinBox(decimals=6, minimum=LR_RANGE[0], maximum=LR_RANGE[1],
                                           singleStep=1e-3, value=d.lr)
        self.wd = QtWidgets.QDoubleSpinBox(decimals=4, minimum=0.0, maximum=MAX_WEIGHT_DECAY,
                                           singleStep=0.05, value=d.weight_decay)
        self.batch = QtWidgets.QSpinBox(minimum=1, maximum=MAX_BATCH, value=d.batch_size)
        self.low = QtWidgets.QDoubleSpinBox(decimals=2, minimum=-RATING_LIMIT, maximum=RATING_LIMIT,
                                            value=DEFAULT_Y_RANGE[0])
        self.high = QtWidgets.QDoubleSpinBox(decimals=2, minimum=-RATING_LIMIT, maximum=RATING_LIMIT,
                                             value=DEFAULT_Y_RANGE[1])
        self.sigmoid = QtWidgets.QCheckBox("sigmoid rating range", checked=True)
        self.bias = QtWidgets.QCheckBox("user and movie biases", checked=True)
        self.sparse = QtWidgets.QCheckBox("sparse updates (large datasets)", checked=False)
        self.seed = QtWidgets.QSpinBox(minimum=0, maximum=2**31 - 1, value=d.seed)
        self.split = QtWidgets.QComboBox()
        rng = QtWidgets.QHBoxLayout()
        rng.addWidget(self.low)
        rng.addWidget(QtWidgets.QLabel("to"))
        rng.addWidget(self.high)
        # Two label/field pairs per row: the dock is narrow but not that narrow, and short.
        pairs = [("Factors", self.factors, "Epochs", self.epochs),
                 ("Learning rate", self.lr, "Weight decay", self.wd),
                 ("Batch size", self.batch, "Seed", self.seed)]
        for r, (la, wa, lb, wb) in enumerate(pairs):
            form.addWidget(QtWidgets.QLabel(la), r, 0)
            form.addWidget(wa, r, 1)
            form.addWidget(QtWidgets.QLabel(lb), r, 2)
            form.addWidget(wb, r, 3)
        r = len(pairs)
        form.addWidget(QtWidgets.QLabel("Rating range"), r, 0)
        form.addLayout(rng, r, 1, 1, 3)
        form.addWidget(self.sigmoid, r + 1, 0, 1, 2)
        form.addWidget(self.bias, r + 1, 2, 1, 2)
        form.addWidget(self.sparse, r + 2, 0, 1, 4)
        form.addWidget(QtWidgets.QLabel("Validation split"), r + 3, 0)
        form.addWidget(self.split, r + 3, 1, 1, 3)
        self.shown = QtWidgets.QSpinBox(minimum=0, maximum=MAX_SHOWN_MOVIES, singleStep=SHOWN_STEP,
                                        value=int(self._initial_top_n or 0))
        self.shown.setSpecialValueText("all")
        self.shown.setSuffix(" most-rated")
        self.shown.setToolTip("Movies on the plot while training and after: the most-rated ones "
                              "(fastai plots 1,000; rarely rated movies are noise); 0 = all")
        # A final model: no rating held out, so recommendations leave out everything a user rated.
        self.all_ratings = QtWidgets.QCheckBox("Final model: train on all ratings (no validation)")
        self.all_ratings.setToolTip("Hold nothing out: the model learns from every rating and its "
                                    "recommendations exclude every movie a user rated. There is then no "
                                    "validation error to watch: choose the settings with a split first.")
        self.all_ratings.toggled.connect(self._on_all_ratings_toggled)
        form.addWidget(self.all_ratings, r + 4, 0, 1, 4)
        form.addWidget(QtWidgets.QLabel("Movies shown"), r + 5, 0)
        form.addWidget(self.shown, r + 5, 1, 1, 3)
        form.setColumnStretch(1, 1)
        form.setColumnStretch(3, 1)
        self.sigmoid.toggled.connect(self._on_sigmoid_toggled)

        self.lecture_button = QtWidgets.QPushButton("Lecture settings")
        self.lecture_button.setToolTip("batch 64, learning rate 5e-3, weight decay 0.1 (fastai's notebook)")
        self.lecture_button.clicked.connect(self._on_lecture_clicked)
        self._build_run_widgets("Load ratings to train.")
        buttons = self._buttons_row(self.lecture_button)

        self.plot = pg.PlotWidget()
        self.plot.setLabel("bottom", "epoch")
        self.plot.setLabel("left", "squared error")
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.addLegend(offset=(-10, 10))
        self.plot.setMinimumHeight(PLOT_MIN_HEIGHT)
        self.train_curve = epoch_curve(self.plot, TRAIN_PEN, name="train loss")
        self.valid_curve = epoch_curve(self.plot, VALID_PEN, name="validation MSE")
        self._follow_palette()

        # The settings scroll in their own pane above the curves (a splitter between them), so the
        # dock never has to be as tall as all settings plus a readable plot.
        settings = QtWidgets.QWidget()
        settings.setLayout(form)
        form.setContentsMargins(0, 0, 0, 0)
        self.settings_area = QtWidgets.QScrollArea()
        self.settings_area.setWidgetResizable(True)
        self.settings_area.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.settings_area.setWidget(settings)
        self.settings_area.setMinimumHeight(SETTINGS_MIN_HEIGHT)
        self.settings_area.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        run = QtWidgets.QWidget()
        rl = QtWidgets.QVBoxLayout(run)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addLayout(buttons)
        rl.addWidget(self.progress)
        rl.addWidget(self.status)
        rl.addWidget(self.plot, 1)
        self.splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.settings_area)
        self.splitter.addWidget(run)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)

        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.splitter, 1)

    def _plots(self) -> list[pg.PlotWidget]:
        return [self.plot]

    # ------------------------------------------------------------------ API
    def set_data(self, data: Ratings | None) -> None:
        """Ratings to train on (None clears); the split list follows the dataset."""
        self._run.cancel()  # the new data's status replaces the old run's
        self._data = data
        self.split.clear()
        if data is not None:
            splits = available_splits(data)
            self.split.addItems(splits)
            self.split.setCurrentText("u1" if "u1" in splits else "random")
            self.status.setText(f"{len(data):,} ratings, {data.n_users:,} users, {data.n_items:,} movies.")
            if data.rating_range[1] > self.high.value():
                self.high.setValue(data.rating_range[1] * 1.1)
        else:
            self.status.setText("Load ratings to train.")
        self._update_buttons()

    @property
    def frame_top_n(self) -> int | None:
        """Movies in a frame and in the finished set: the most rated ones (None: all)."""
        return self.shown.value() or None

    @frame_top_n.setter
    def frame_top_n(self, n: int | None) -> None:
        self.shown.setValue(int(n or 0))

    def config(self) -> MFConfig:
        """The settings shown, as an :class:`MFConfig`."""
        return MFConfig(n_factors=self.factors.value(), epochs=self.epochs.value(), lr=self.lr.value(),
                        weight_decay=self.wd.value(), batch_size=self.batch.value(),
                        y_range=(self.low.value(), self.high.value()) if self.sigmoid.isChecked() else None,
                        use_bias=self.bias.isChecked(), seed=self.seed.value(),
                        sparse=self.sparse.isChecked())

    def set_config(self, config: MFConfig) -> None:
        """Show ``config`` in the widgets."""
        self.factors.setValue(config.n_factors)
        self.epochs.setValue(config.epochs)
        self.lr.setValue(config.lr)
        self.wd.setValue(config.weight_decay)
        self.batch.setValue(config.batch_size)
        self.sigmoid.setChecked(config.y_range is not None)
        if config.y_range is not None:
            self.low.setValue(config.y_range[0])
            self.high.setValue(config.y_range[1])
        self.bias.setChecked(config.use_bias)
        self.sparse.setChecked(config.sparse)
        self.seed.setValue(config.seed)

    @property
    def train_on_all(self) -> bool:
        """Whether the next run trains a final model on every rating (no validation split)."""
        return self.all_ratings.isChecked()

    @train_on_all.setter
    def train_on_all(self, on: bool) -> None:
        self.all_ratings.setChecked(bool(on))

    @property
    def model(self):
        """The last trained (or last completed-epoch) model, or None."""
        return self._model

    def start(self) -> None:
        """Start training with the shown settings (replaces a running training)."""
        if self._data is None:
            return
        config = self.config()
        try:
            config.validate()
        except ValueError as err:
            self._fail(str(err))
            return
        data = self._data
        split_name = ALL_RATINGS if self.train_on_all else (self.split.currentText() or "random")
        self._epochs, self._train_loss, self._valid_mse = [], [], []
        self._model = None
        self._redraw_curves()
        frames = self._frames = MovieFrames(top_n=self.frame_top_n) if self.live_frames else None

        def work(control: WorkerControl, stop: StopControl):
            split = split_ratings(data, split_name, seed=config.seed, control=stop)

            def on_epoch(stats, snapshot):
                # The frame's PCA runs here, not on the UI thread: there it waited for BLAS
                # (busy training) and stalled the window ~100 ms per epoch.
                frame = frames.update(snapshot) if frames is not None else None
                control.emit((stats, snapshot, frame))

            model = train(data, config, split.train, split.test, control=stop, on_epoch=on_epoch)
            model.info["split"] = split_name
            return model

        self._start_run(work, "Training...")

    # ---------------------------------------------------------------- slots
    def _on_lecture_clicked(self) -> None:
        self.set_config(MFConfig.lecture(n_factors=self.factors.value(), epochs=self.epochs.value(),
                                         seed=self.seed.value()))

    def _on_all_ratings_toggled(self, on: bool) -> None:
        self.split.setEnabled(not on)

    def _on_sigmoid_toggled(self, on: bool) -> None:
        self.low.setEnabled(on)
        self.high.setEnabled(on)

    def _on_epoch(self, value) -> None:
        stats, snapshot, frame = value
        self._model = snapshot
        self._epochs.append(stats.epoch)
        self._train_loss.append(stats.train_loss)
        self._valid_mse.append(stats.valid_mse)
        self._redraw_curves()
        # The chart plots squared error, so the text names the MSE it shows first, then its root.
        rmse = ("" if math.isnan(stats.valid_rmse)
                else f", validation MSE {stats.valid_mse:.4f} (RMSE {stats.valid_rmse:.4f})")
        self.status.setText(f"Epoch {stats.epoch}/{stats.epochs}: train loss {stats.train_loss:.4f}{rmse}")
        self.epoch_finished.emit(stats, snapshot)
        if frame is not None:
            self.frame_ready.emit(stats, snapshot, *frame)

    def _on_trained(self, model) -> None:
        self._model = model
        last = model.history[-1]
        stopped = bool(model.info.get("cancelled"))
        how = "Stopped after" if stopped else "Trained"
        valid = ("a final model on all ratings (no validation)" if math.isnan(last.valid_rmse)
                 else f"validation MSE {last.valid_mse:.4f} (RMSE {last.valid_rmse:.4f})")
        self._show_finished(f"{how} {last.epoch} epoch(s) in {model.info.get('train_seconds', 0):.1f} s: "
                            f"{valid}", model, stopped)

    # -------------------------------------------------------------- helpers
    def _can_start(self) -> bool:
        return self._data is not None

    def _epochs_done(self) -> int:
        return len(self._epochs)

    def _redraw_curves(self) -> None:
        self.train_curve.setData(self._epochs, self._train_loss)
        valid = [(e, v) for e, v in zip(self._epochs, self._valid_mse) if not math.isnan(v)]
        self.valid_curve.setData([e for e, _ in valid], [v for _, v in valid])
