"""Training dock for the lecture's matrix-factorisation model: settings, Start/Stop, live curves.

The widget only gathers settings and shows progress; training runs in
:func:`embexplorer.core.mf.train` on a worker thread (:class:`TaskRunner`).
After every epoch it emits :attr:`MFTrainingPanel.epoch_finished` with the
epoch's figures and a snapshot of the model, so the window can redraw the
movie scatter while training goes on.  Stop ends training at the next batch
and keeps the last completed epoch (:attr:`training_finished` still fires).
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from embexplorer._qt.workers import StopControl, TaskRunner, WorkerControl
from embexplorer.core.mf import DEFAULT_Y_RANGE, MFConfig, train
from embexplorer.core.movielens import Ratings, available_splits, split_ratings

#: Task kind in the :class:`TaskRunner`.
TRAIN_TASK = "train-mf"
#: Limits of the settings widgets.
MAX_FACTORS = 500
MAX_EPOCHS = 500
MAX_BATCH = 1 << 16
MAX_WEIGHT_DECAY = 100.0
LR_RANGE = (1e-6, 1.0)
RATING_LIMIT = 100.0
#: Resolution of the progress bar.
PROGRESS_STEPS = 1000
#: Curve pens (train loss, validation MSE).
TRAIN_PEN = pg.mkPen((31, 119, 180), width=2)
VALID_PEN = pg.mkPen((214, 39, 40), width=2)


class MFTrainingPanel(QtWidgets.QWidget):
    """Hyperparameters, Start/Stop, progress and train/validation curves.

    Signals
    -------
    epoch_finished(object, object)
        :class:`~embexplorer.core.mf.EpochStats` and a model snapshot, per epoch.
    training_finished(object)
        The trained :class:`~embexplorer.core.mf.MFModel` (also after Stop).
    training_failed(str)
        A message when training could not run.
    """

    epoch_finished = QtCore.Signal(object, object)
    training_finished = QtCore.Signal(object)
    training_failed = QtCore.Signal(str)

    def __init__(self, runner: TaskRunner | None = None, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner if runner is not None else TaskRunner(self)
        self._data: Ratings | None = None
        self._stop: StopControl | None = None
        self._model = None
        self._epochs: list[int] = []
        self._train_loss: list[float] = []
        self._valid_mse: list[float] = []
        self._build()
        self._update_buttons()

    # ------------------------------------------------------------- building
    def _build(self) -> None:
        d = MFConfig()
        form = QtWidgets.QFormLayout()
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
        form.addRow("Factors", self.factors)
        form.addRow("Epochs", self.epochs)
        form.addRow("Learning rate", self.lr)
        form.addRow("Weight decay", self.wd)
        form.addRow("Batch size", self.batch)
        form.addRow("Rating range", rng)
        form.addRow("", self.sigmoid)
        form.addRow("", self.bias)
        form.addRow("", self.sparse)
        form.addRow("Seed", self.seed)
        form.addRow("Validation split", self.split)
        self.sigmoid.toggled.connect(self._on_sigmoid_toggled)

        self.lecture_button = QtWidgets.QPushButton("Lecture settings")
        self.lecture_button.setToolTip("batch 64, learning rate 5e-3, weight decay 0.1 (fastai's notebook)")
        self.lecture_button.clicked.connect(self._on_lecture_clicked)
        self.start_button = QtWidgets.QPushButton("Start")
        self.stop_button = QtWidgets.QPushButton("Stop")
        self.start_button.clicked.connect(self._on_start_clicked)
        self.stop_button.clicked.connect(self._on_stop_clicked)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.lecture_button)
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)

        self.progress = QtWidgets.QProgressBar(minimum=0, maximum=PROGRESS_STEPS, value=0)
        self.status = QtWidgets.QLabel("Load ratings to train.")
        self.status.setWordWrap(True)

        self.plot = pg.PlotWidget()
        self.plot.setLabel("bottom", "epoch")
        self.plot.setLabel("left", "squared error")
        self.plot.addLegend(offset=(-10, 10))
        self.plot.setMinimumHeight(150)
        self.train_curve = self.plot.plot([], [], pen=TRAIN_PEN, symbol="o", symbolSize=5,
                                          name="train loss")
        self.valid_curve = self.plot.plot([], [], pen=VALID_PEN, symbol="o", symbolSize=5,
                                          name="validation MSE")

        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.plot, 1)

    # ------------------------------------------------------------------ API
    def set_data(self, data: Ratings | None) -> None:
        """Ratings to train on (None clears); the split list follows the dataset."""
        if self.is_training():
            self.runner.cancel(TRAIN_TASK)
            self._stop = None
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
    def model(self):
        """The last trained (or last completed-epoch) model, or None."""
        return self._model

    def is_training(self) -> bool:
        return self.runner.is_running(TRAIN_TASK)

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
        split_name = self.split.currentText() or "random"
        self._epochs, self._train_loss, self._valid_mse = [], [], []
        self._model = None
        self._redraw_curves()
        self.progress.setValue(0)
        self.status.setText("Training...")

        stop = self._stop = StopControl()  # made here so an early Stop is never lost

        def work(control: WorkerControl):
            stop.attach(control)
            split = split_ratings(data, split_name, seed=config.seed, control=stop)

            def on_epoch(stats, snapshot):
                control.emit((stats, snapshot))

            model = train(data, config, split.train, split.test, control=stop, on_epoch=on_epoch)
            model.info["split"] = split_name
            return model

        self.runner.start(TRAIN_TASK, work, on_result=self._on_trained, on_error=self._on_train_error,
                          on_progress=self._on_train_progress, on_yield=self._on_epoch,
                          on_cancelled=self._on_train_cancelled)
        self._update_buttons()

    def stop(self) -> None:
        """Stop at the next batch, keeping the last completed epoch."""
        if self._stop is not None:
            self._stop.cancel()
            self.status.setText("Stopping...")

    # ---------------------------------------------------------------- slots
    def _on_start_clicked(self) -> None:
        self.start()

    def _on_stop_clicked(self) -> None:
        self.stop()

    def _on_lecture_clicked(self) -> None:
        self.set_config(MFConfig.lecture(n_factors=self.factors.value(), epochs=self.epochs.value(),
                                         seed=self.seed.value()))

    def _on_sigmoid_toggled(self, on: bool) -> None:
        self.low.setEnabled(on)
        self.high.setEnabled(on)

    def _on_train_progress(self, fraction, message: str) -> None:
        if fraction is not None:
            self.progress.setValue(int(round(fraction * PROGRESS_STEPS)))
        if message and (self._stop is None or not self._stop.cancelled):
            self.status.setText(message)

    def _on_epoch(self, value) -> None:
        stats, snapshot = value
        self._model = snapshot
        self._epochs.append(stats.epoch)
        self._train_loss.append(stats.train_loss)
        self._valid_mse.append(stats.valid_mse)
        self._redraw_curves()
        rmse = "" if math.isnan(stats.valid_rmse) else f", validation RMSE {stats.valid_rmse:.4f}"
        self.status.setText(f"Epoch {stats.epoch}/{stats.epochs}: train loss {stats.train_loss:.4f}{rmse}")
        self.epoch_finished.emit(stats, snapshot)

    def _on_trained(self, model) -> None:
        self._model = model
        self._stop = None
        last = model.history[-1]
        how = "Stopped after" if model.info.get("cancelled") else "Trained"
        self.status.setText(f"{how} {last.epoch} epoch(s) in {model.info.get('train_seconds', 0):.1f} s: "
                            f"validation RMSE {last.valid_rmse:.4f}")
        if not model.info.get("cancelled"):
            self.progress.setValue(PROGRESS_STEPS)
        self._update_buttons()
        self.training_finished.emit(model)

    def _on_train_error(self, exc: BaseException) -> None:
        self._stop = None
        self._fail(str(exc))

    def _on_train_cancelled(self) -> None:
        # Stop before the first epoch completed (nothing to keep), or the task was cancelled
        self._stop = None
        self.status.setText("Stopped before the first epoch completed." if self._model is None
                            else "Stopped.")
        self._update_buttons()

    # -------------------------------------------------------------- helpers
    def _fail(self, message: str) -> None:
        self.status.setText(f"Training failed: {message}")
        self._update_buttons()
        self.training_failed.emit(message)

    def _redraw_curves(self) -> None:
        self.train_curve.setData(self._epochs, self._train_loss)
        valid = [(e, v) for e, v in zip(self._epochs, self._valid_mse) if not math.isnan(v)]
        self.valid_curve.setData([e for e, _ in valid], [v for _, v in valid])

    def _update_buttons(self) -> None:
        running = self.is_training()
        self.start_button.setEnabled(self._data is not None and not running)
        self.stop_button.setEnabled(running)

    def shutdown(self) -> None:
        """Cancel training (window closing)."""
        self.runner.cancel(TRAIN_TASK)
