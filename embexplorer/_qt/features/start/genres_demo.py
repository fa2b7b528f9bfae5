"""Offline demo runners for the GUI: "Genres, learned" trained live in the background.

:class:`GenresDemo` trains the lecture's matrix-factorisation model on the
synthetic ratings of :func:`embexplorer.core.teaching.demos.genres_learned_ratings`
(planted genres, never shown to the model) on a worker thread.  After every
epoch it emits :attr:`GenresDemo.frame_ready` with the movie vectors as an
:class:`~embexplorer.core.data.embeddings.EmbeddingSet` (metadata column
``"true genre"``, categorical), their 2-D PCA coordinates aligned to the
previous frame (orthogonal Procrustes, so the points glide; scaled to unit
RMS radius, so a fixed view keeps them on screen) and the linear
probe score (how well the vectors predict the hidden genre; compare with
:attr:`GenresDemo.chance`).  All of that is computed on the worker thread; the
UI thread only draws.  The run's bookkeeping (Stop, stale-run guard) is
:class:`~embexplorer._qt.widgets.training_panel.TrainingRun`, as in the training docks.

Wiring (main window)::

    self.genres_demo = GenresDemo(self.runner, self)
    self.genres_demo.frame_ready.connect(self._on_demo_frame)     # (emb, xy, probe, epoch)
    self.genres_demo.finished.connect(self._on_demo_finished)     # MFModel (also after stop())
    self.genres_demo.start()

    def _on_demo_frame(self, emb, xy, probe, epoch):
        # coloured by "true genre" by default (the first categorical column)
        self.explorer.set_data(emb, xy, *SCALED_MOVIE_FRAME_AXES, keep_view=epoch > 1)  # core.analysis.frames
        self.statusBar().showMessage(self.genres_demo.caption(probe, epoch))
"""

from __future__ import annotations

import functools
import time

import numpy as np
from PySide6 import QtCore

from embexplorer._qt.widgets.training_panel import TrainingRun
from embexplorer._qt.workers import StopControl, TaskRunner, WorkerControl
from embexplorer.core.data.embeddings import EmbeddingSet, MetadataColumn
from embexplorer.core.teaching.demos import (
    GENRES_DEMO_NOTE,
    chance_level,
    genres_demo_config,
    genres_learned_ratings,
    linear_probe_score,
)

#: Task kind in the :class:`TaskRunner`.
GENRES_TASK = "demo-genres"
#: Metadata column holding each movie's hidden genre (colour the scatter by it).
TRUE_GENRE_COLUMN = "true genre"
#: Seed of the generated ratings.
DEMO_SEED = 0
#: Shortest time an epoch stays on screen (s): training takes ~20 ms an epoch, too quick to watch.
DEMO_MIN_EPOCH_S = 0.35


def demo_frame(model, true_genres: list[str], frames, seed: int = DEMO_SEED):
    """The movie set of ``model`` with its true genres, aligned and scaled 2-D coordinates, probe score.

    ``frames`` is a :class:`~embexplorer.core.recommender.mf.MovieFrames` with ``scale=True``, carried
    from epoch to epoch.
    """
    emb, xy = frames.update(model)
    # "true genre" first: the explorer colours by the first small categorical column.  The model's own
    # "genre" column holds the same values (the demo's ratings carry their genre flags), so it goes.
    meta = {TRUE_GENRE_COLUMN: MetadataColumn.categorical(TRUE_GENRE_COLUMN, list(true_genres))}
    meta.update((k, v) for k, v in emb.metadata.items() if k != "genre")
    emb = EmbeddingSet(emb.labels, emb.vectors, meta, kind="item", source="demo: Genres, learned",
                       format="mf")
    probe = linear_probe_score(emb.vectors, true_genres, seed=seed)
    return emb, xy, probe


class GenresDemo(QtCore.QObject):
    """Train MF on the planted-genre ratings in the background; a frame per epoch.

    Signals
    -------
    frame_ready(object, object, float, int)
        Movie :class:`EmbeddingSet` (``"true genre"`` column), aligned ``(n, 2)``
        float32 coordinates, linear probe score, epoch (1-based).
    finished(object)
        The trained :class:`~embexplorer.core.recommender.mf.MFModel` (after :meth:`stop` too;
        None when stopped before the first epoch completed).
    failed(str)
        Training could not run.
    progress(float, str)
        Fraction done and a message.
    """

    frame_ready = QtCore.Signal(object, object, float, int)
    finished = QtCore.Signal(object)
    failed = QtCore.Signal(str)
    progress = QtCore.Signal(float, str)

    note = GENRES_DEMO_NOTE

    def __init__(self, runner: TaskRunner | None = None, parent: QtCore.QObject | None = None,
                 seed: int = DEMO_SEED, config=None, min_epoch_seconds: float = DEMO_MIN_EPOCH_S) -> None:
        super().__init__(parent)
        self.runner = runner if runner is not None else TaskRunner(self)
        self.seed = seed
        #: Each epoch's frame shows at least this long (0: as fast as it trains).
        self.min_epoch_seconds = min_epoch_seconds
        #: :class:`~embexplorer.core.recommender.mf.MFConfig` (default :func:`genres_demo_config`).
        self.config = config if config is not None else genres_demo_config()
        self.model = None
        self.probe_scores: list[float] = []
        self._run = TrainingRun(self.runner, GENRES_TASK)

    # The ratings are made when first needed: every window has a demo, most never run it.
    @functools.cached_property
    def ratings(self):
        """The synthetic ratings (planted genres), generated from :attr:`seed`."""
        return genres_learned_ratings(self.seed)

    @functools.cached_property
    def true_genres(self) -> list[str]:
        """Each movie's hidden genre."""
        return self.ratings.main_genres()

    @functools.cached_property
    def chance(self) -> float:
        """Accuracy of always guessing the commonest genre (the probe's baseline)."""
        return chance_level(self.true_genres)

    def is_running(self) -> bool:
        return self._run.is_running()

    def start(self) -> None:
        """Start (or restart) training; frames follow through :attr:`frame_ready`."""
        from embexplorer.core.recommender.mf import MovieFrames, train

        data, genres, seed = self.ratings, list(self.true_genres), self.seed
        config = self.config
        pace = self.min_epoch_seconds
        self.model = None
        self.probe_scores = []

        def work(control: WorkerControl, stop: StopControl):
            frames = MovieFrames(top_n=None, scale=True)
            shown = [time.monotonic()]

            def on_epoch(stats, snapshot):
                emb, xy, probe = demo_frame(snapshot, genres, frames, seed)
                # Paced so the audience sees the vectors move; the wait is a cancellable one.
                wait = pace - (time.monotonic() - shown[0])
                if wait > 0:
                    control.sleep(wait)
                shown[0] = time.monotonic()
                control.emit((emb, xy, probe, int(stats.epoch)))

            return train(data, config, control=stop, on_epoch=on_epoch)

        self._run.start(work, on_result=self._on_result, on_error=self._on_error,
                        on_progress=self._on_progress, on_yield=self._on_frame,
                        on_cancelled=self._on_cancelled)

    def stop(self) -> None:
        """Stop at the next batch; :attr:`finished` brings the last complete epoch."""
        self._run.stop()

    def cancel(self) -> None:
        """Abandon training (nothing more is emitted)."""
        self._run.cancel()

    def caption(self, probe: float, epoch: int) -> str:
        """One line for the status bar: epoch, probe score and chance level."""
        return (f"Genres, learned — epoch {epoch}: the movie vectors predict the hidden genre "
                f"{probe:.0%} of the time (chance {self.chance:.0%})")

    # ---------------------------------------------------------------- slots
    def _on_frame(self, value) -> None:
        emb, xy, probe, epoch = value
        self.probe_scores.append(float(probe))
        self.frame_ready.emit(emb, np.ascontiguousarray(xy, dtype=np.float32), float(probe), int(epoch))

    def _on_result(self, model) -> None:
        self.model = model
        self.finished.emit(model)

    def _on_cancelled(self) -> None:
        # Stop before the first epoch completed: nothing to keep, but say training ended.  (A run
        # superseded by a new start() or cancel() never gets here; one cancelled through the runner
        # directly, e.g. at window close, was not stopped: it ends silently.)
        if self._run.stopped:
            self.finished.emit(None)

    def _on_error(self, exc: BaseException) -> None:
        self.failed.emit(str(exc))

    def _on_progress(self, fraction, message: str) -> None:
        self.progress.emit(-1.0 if fraction is None else float(fraction), message)
