"""What every live training shares: its Stop control, Start/Stop, progress, and the stale-run guard.

:class:`TrainingRun` keeps the bookkeeping of the current run of one task kind on a
:class:`~embexplorer._qt.workers.TaskRunner`: the run's :class:`StopControl` (Stop ends training
*normally*, keeping the last complete epoch) and a guard on every callback of the run.  A run
superseded by a newer :meth:`TrainingRun.start` or abandoned by :meth:`TrainingRun.cancel` says
nothing more -- in particular its ``on_cancelled``, which the runner calls *inside* the next start,
cannot clear the new run's Stop control (that made Stop do nothing after a restart).

:class:`TrainingPanel` is the base of the training docks (matrix factorisation, word2vec): the
Start/Stop buttons, the progress bar (:data:`~embexplorer.core.progress.PROGRESS_STEPS`), the status
line, the common signals and slots, on top of one :class:`TrainingRun`.  The "Genres, learned" demo
(:class:`~embexplorer._qt.features.start.genres_demo.GenresDemo`, no widget) uses :class:`TrainingRun` alone.
:class:`PlotPaletteMixin` makes a widget's pyqtgraph plots follow its palette (light or dark theme).

Subclass contract (:class:`TrainingPanel`)::

    class MyPanel(TrainingPanel):
        task_kind = "train-my"
        def _build(self):                 # calls self._build_run_widgets(idle_text), lays them out
        def _plots(self):                 # the pyqtgraph plots that follow the palette
        def _can_start(self):             # inputs present (Start enabled when idle)
        def _epochs_done(self):           # epochs of the current run shown so far
        def start(self):                  # gathers settings, then self._start_run(work, status)
        def _on_epoch(self, value):       # a value the worker emitted (UI thread, current run only)
        def _on_trained(self, result):    # the result (current run only), ends with _show_finished
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.workers import StopControl, TaskRunner, WorkerControl
from embexplorer.core.progress import PROGRESS_STEPS

#: Status after a Stop that came before the first epoch completed (nothing to keep).
STOPPED_EARLY_TEXT = "Stopped before the first epoch completed."
#: Status after a Stop or a cancel once epochs were shown.
STOPPED_TEXT = "Stopped."
#: Status while a Stop is pending (training ends at its next check).
STOPPING_TEXT = "Stopping…"
#: Width (px) of a training curve, and size (px) of its marker at every epoch.
CURVE_WIDTH = 2
EPOCH_MARKER_SIZE = 5
#: Smallest height of a chart of training curves (pixels): readable from the back of a lecture hall.
CURVES_MIN_HEIGHT = 200


def curve_pen(rgb: tuple[int, int, int]) -> QtGui.QPen:
    """The pen of a training curve in colour ``rgb`` (one of :mod:`embexplorer.core.view.palette`)."""
    return pg.mkPen(rgb, width=CURVE_WIDTH)


def epoch_curve(plot: pg.PlotWidget, pen: QtGui.QPen, **kwargs) -> pg.PlotDataItem:
    """An empty curve on ``plot`` with a marker at every epoch (``kwargs``: pyqtgraph's, e.g. ``name``).

    The plot becomes a chart of epochs: whole-epoch ticks only (never 1.5) and at least
    :data:`CURVES_MIN_HEIGHT` pixels tall.
    """
    epoch_axis(plot)
    plot.setMinimumHeight(max(plot.minimumHeight(), CURVES_MIN_HEIGHT))
    return plot.plot([], [], pen=pen, symbol="o", symbolSize=EPOCH_MARKER_SIZE, **kwargs)


def epoch_axis(plot: pg.PlotWidget) -> None:
    """Give ``plot`` a bottom axis with whole-number ticks, keeping its title."""
    from embexplorer._qt.widgets.axes import IntegerAxis

    item = plot.getPlotItem()
    old = item.getAxis("bottom")
    if isinstance(old, IntegerAxis):
        return
    title = old.labelText
    item.setAxisItems({"bottom": IntegerAxis("bottom")})
    if title:
        item.setLabel("bottom", title)


def apply_plot_palette(plot: pg.PlotWidget, palette: QtGui.QPalette) -> None:
    """Give a pyqtgraph plot the widget palette's background and text colours (axes, labels, legend)."""
    bg = palette.color(QtGui.QPalette.ColorRole.Base)
    fg = palette.color(QtGui.QPalette.ColorRole.Text)
    plot.setBackground(bg)
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setPen(fg)
        axis.setTextPen(fg)
    legend = plot.getPlotItem().legend
    if legend is not None:
        legend.setLabelTextColor(fg)
        for _sample, label in legend.items:
            label.setText(label.text)  # the colour applies when the text is laid out again


class PlotPaletteMixin:
    """For a widget with pyqtgraph plots: they follow its palette (light or dark theme).

    List the plots in :meth:`_plots`; put the mixin before the Qt class (``class P(PlotPaletteMixin,
    QtWidgets.QWidget)``) and call :meth:`_follow_palette` once the plots exist.
    """

    def _plots(self) -> list[pg.PlotWidget]:
        """The plots that follow the widget palette."""
        return []

    def _follow_palette(self) -> None:
        for plot in self._plots():
            apply_plot_palette(plot, self.palette())

    def changeEvent(self, event: QtCore.QEvent) -> None:  # noqa: N802 (Qt API)
        # pyqtgraph draws with its own colours (black by default): follow the theme.
        if event.type() == QtCore.QEvent.Type.PaletteChange:
            self._follow_palette()
        super().changeEvent(event)


class TrainingRun:
    """The current run of one task kind: its Stop control, and a guard on each of its callbacks.

    Parameters
    ----------
    runner : TaskRunner
        Runs the work on a worker thread.
    kind : str
        Task kind in ``runner`` (one current run per kind).
    """

    def __init__(self, runner: TaskRunner, kind: str) -> None:
        self.runner = runner
        self.kind = kind
        self._stop: StopControl | None = None
        #: True when the run that ended last had been asked to Stop (its last callback may read it).
        self.stopped = False

    @property
    def stop_control(self) -> StopControl | None:
        """The current run's Stop control (None when no run is current)."""
        return self._stop

    @property
    def stopping(self) -> bool:
        """True while Stop was pressed and the current run has not ended yet."""
        return self._stop is not None and self._stop.cancelled

    def is_running(self) -> bool:
        return self.runner.is_running(self.kind)

    def start(self, work: Callable[[WorkerControl, StopControl], Any], *,
              on_result: Callable[[Any], None] | None = None,
              on_error: Callable[[BaseException], None] | None = None,
              on_progress: Callable[[float | None, str], None] | None = None,
              on_yield: Callable[[Any], None] | None = None,
              on_cancelled: Callable[[], None] | None = None) -> StopControl:
        """Run ``work(control, stop)`` on the runner as the new current run (replacing a running one).

        ``stop`` is the run's :class:`StopControl`, already attached to the worker's control: hand it
        to the trainer.  The callbacks are :meth:`TaskRunner.start`'s; each runs only while this run
        is still the current one, and ``on_result`` / ``on_error`` / ``on_cancelled`` end it.
        """
        stop = StopControl()  # made here so an early Stop is never lost
        # Current *before* the runner starts: the superseded run's on_cancelled, which the runner
        # calls inside start(), then finds it is stale and leaves this run's Stop control alone.
        self._stop = stop

        def run(control: WorkerControl):
            stop.attach(control)
            return work(control, stop)

        self.runner.start(self.kind, run, on_result=self._guard(stop, on_result, ends=True),
                          # None keeps the runner's default: an unhandled error reaches sys.excepthook
                          on_error=None if on_error is None else self._guard(stop, on_error, ends=True),
                          on_progress=self._guard(stop, on_progress), on_yield=self._guard(stop, on_yield),
                          on_cancelled=self._guard(stop, on_cancelled, ends=True))
        return stop

    def stop(self) -> bool:
        """Ask the current run to stop at its next check (it then ends normally); False when none."""
        if self._stop is None:
            return False
        self._stop.cancel()
        return True

    def cancel(self) -> bool:
        """Abandon the current run: nothing more of it is delivered.  True if one was running."""
        self._stop = None  # first: the runner calls the run's on_cancelled inside cancel()
        return self.runner.cancel(self.kind)

    def _guard(self, stop: StopControl, callback: Callable | None, ends: bool = False) -> Callable:
        """``callback`` for the run of ``stop``: dropped once that run is no longer the current one."""

        def guarded(*args) -> None:
            if stop is not self._stop:  # superseded or abandoned: a newer run owns the state
                return
            if ends:
                self._stop = None
                self.stopped = stop.cancelled
            if callback is not None:
                callback(*args)

        return guarded


class TrainingPanel(PlotPaletteMixin, QtWidgets.QWidget):
    """Base of the training docks: Start/Stop, progress bar, status line, one guarded run at a time.

    Signals
    -------
    training_started()
        A new run began (reset live frames).
    training_finished(object)
        The run's result (also after Stop: the last complete epoch).
    training_failed(str)
        Training could not run (message).
    """

    training_started = QtCore.Signal()
    training_finished = QtCore.Signal(object)
    training_failed = QtCore.Signal(str)

    #: Task kind in the :class:`TaskRunner` (set by each subclass).
    task_kind = "train"

    def __init__(self, runner: TaskRunner | None = None, parent: QtWidgets.QWidget | None = None, *,
                 live_frames: bool = False) -> None:
        super().__init__(parent)
        self.runner = runner if runner is not None else TaskRunner(self)
        #: Project every epoch's vectors on the worker and emit ``frame_ready``.
        self.live_frames = live_frames
        self._run = TrainingRun(self.runner, self.task_kind)
        # One frame aligner per run, updated only by that run's worker (a cancelled run's worker may
        # still be finishing an epoch while the next run starts).
        self._frames = None

    # ------------------------------------------------------------- building
    def _build_run_widgets(self, idle_status: str) -> None:
        """Make ``start_button``, ``stop_button``, ``progress`` and ``status``; the subclass lays them out."""
        self.start_button = QtWidgets.QPushButton("Start")
        self.stop_button = QtWidgets.QPushButton("Stop")
        self.start_button.clicked.connect(self._on_start_clicked)
        self.stop_button.clicked.connect(self._on_stop_clicked)
        self.progress = QtWidgets.QProgressBar(minimum=0, maximum=PROGRESS_STEPS, value=0)
        self.status = QtWidgets.QLabel(idle_status)
        self.status.setWordWrap(True)

    def _buttons_row(self, *left: QtWidgets.QWidget) -> QtWidgets.QHBoxLayout:
        """A row: the ``left`` widgets, a stretch, then Start and Stop."""
        row = QtWidgets.QHBoxLayout()
        for widget in left:
            row.addWidget(widget)
        row.addStretch(1)
        row.addWidget(self.start_button)
        row.addWidget(self.stop_button)
        return row

    # ------------------------------------------------------------------ API
    @property
    def frames(self):
        """The frame aligner of the current / last run (with ``live_frames``), else None.

        Its training worker updates it: read it (``previous``, ``direction``) once the run has
        finished (:attr:`training_finished`).
        """
        return self._frames

    def is_training(self) -> bool:
        return self._run.is_running()

    def start(self):
        """Start training with the shown settings (replaces a running training)."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop at the next check, keeping the last complete epoch (:attr:`training_finished` follows)."""
        if self._run.stop():
            self.status.setText(STOPPING_TEXT)

    def shutdown(self) -> None:
        """Cancel training (window closing, new data): nothing more of the run is delivered."""
        if self._run.cancel():
            self._show_stopped()
        self._update_buttons()

    # ------------------------------------------------------ for subclasses
    def _can_start(self) -> bool:
        """True when the inputs are there (Start is enabled while idle)."""
        return True

    def _epochs_done(self) -> int:
        """Epochs of the current run shown so far."""
        return 0

    def _start_run(self, work: Callable[[WorkerControl, StopControl], Any], status: str) -> StopControl:
        """Start ``work(control, stop)`` as the new run (:meth:`TrainingRun.start`), wired to the slots."""
        self.progress.setValue(0)
        self.status.setText(status)
        stop = self._run.start(work, on_result=self._on_trained, on_error=self._on_train_error,
                               on_progress=self._on_train_progress, on_yield=self._on_epoch,
                               on_cancelled=self._on_train_cancelled)
        self._update_buttons()
        self.training_started.emit()
        return stop

    def _on_epoch(self, value) -> None:
        """One value the current run's worker emitted (an epoch)."""

    def _on_trained(self, result) -> None:
        """The current run's result (ends with :meth:`_show_finished`)."""
        raise NotImplementedError

    def _show_finished(self, text: str, result, stopped: bool) -> None:
        """End of a run that delivered ``result``: status, full progress unless stopped, signal."""
        self.status.setText(text)
        if not stopped:
            self.progress.setValue(PROGRESS_STEPS)
        self._update_buttons()
        self.training_finished.emit(result)

    def _show_stopped(self) -> None:
        self.status.setText(STOPPED_TEXT if self._epochs_done() else STOPPED_EARLY_TEXT)
        self._update_buttons()

    def _fail(self, message: str) -> None:
        self.status.setText(f"Training failed: {message}")
        self._update_buttons()
        self.training_failed.emit(message)

    def _update_buttons(self) -> None:
        running = self.is_training()
        self.start_button.setEnabled(self._can_start() and not running)
        self.stop_button.setEnabled(running)

    # ---------------------------------------------------------------- slots
    def _on_start_clicked(self) -> None:
        self.start()

    def _on_stop_clicked(self) -> None:
        self.stop()

    def _on_train_progress(self, fraction, message: str) -> None:
        if fraction is not None:
            self.progress.setValue(int(round(fraction * PROGRESS_STEPS)))
        if message and not self._run.stopping:  # "Stopping…" stays until the run ends
            self.status.setText(message)

    def _on_train_error(self, exc: BaseException) -> None:
        self._fail(str(exc))

    def _on_train_cancelled(self) -> None:
        # Stop before the first epoch completed (nothing to keep), or the task was cancelled.
        self._show_stopped()
