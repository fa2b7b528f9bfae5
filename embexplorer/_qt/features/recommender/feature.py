"""The recommender feature: MovieLens ratings, the Recommender and User docks, live MF frames.

Reading ratings and training run on the task runner.  A run claims the plot when it starts
(:meth:`Workspace.claim_live`): each epoch's movies are then shown as a frame aligned to the
one before, until the user shows anything else.  The finished model's movies become the data
set (a ``model`` source) and the User dock inspects the model, drawing a user's movies as layers.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.feature import DockSpec, Feature, MenuItem
from embexplorer._qt.features.recommender.ratings_csv_dialog import ask_ratings_columns
from embexplorer._qt.features.recommender.training_panel import MFTrainingPanel
from embexplorer._qt.features.recommender.user_layers import user_layers
from embexplorer._qt.features.recommender.user_panel import MFUserPanel
from embexplorer._qt.workspace import DataSource, first_components
from embexplorer.core.analysis.frames import MOVIE_FRAME_AXES, signs_matching
from embexplorer.core.analysis.pca import fit_pca
from embexplorer.core.errors import DataError
from embexplorer.core.recommender.movielens import NeedsColumnMapping
from embexplorer.core.view.projection import FrameProjection

#: Task kind of reading MovieLens ratings.
MOVIELENS_TASK = "movielens"
#: Movies shown while training and after it: the most-rated ones (fastai plots 1,000).
MOVIE_TOP_N = 1000
#: Principal components of a finished model's movies.
MAX_COMPONENTS = 10
#: Delay (ms) before the User panel takes a freshly trained model: the new scatter paints first.
USER_PANEL_DELAY_MS = 30
#: How long short notes stay in the status bar (ms).
NOTE_MS = 5000
#: File-dialog filter of MovieLens archives.
MOVIELENS_FILTER = "MovieLens archive (*.zip);;Ratings table (*.csv *.tsv *.txt *.dat);;All files (*)"
#: Tries (and the pause between them, ms) to select a session's user once the model is in the panel.
USER_RETRIES, USER_RETRY_MS = 20, 50


class RecommenderFeature(Feature):
    """Ratings, matrix factorisation and a user's view of the model.

    Signals
    -------
    ratings_loaded(object)
        MovieLens ratings were read (the Recommender dock can train on them).
    ratings_failed(object)
        Reading ratings failed (the exception).
    """

    name = "recommender"
    ratings_loaded = QtCore.Signal(object)
    ratings_failed = QtCore.Signal(object)

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.training_panel = MFTrainingPanel(live_frames=True, frame_top_n=MOVIE_TOP_N)
        self.user_panel = MFUserPanel()
        self.ratings = None
        self.model = None  # the model whose movies are shown (the User dock inspects it)
        self._rows: np.ndarray | None = None  # model item index -> row of the set shown (-1: not shown)
        self._ratings_path: str | None = None
        self._train_after_ratings = False
        self._highlight: dict | None = None
        self._build_actions()
        ws = ctx.workspace
        ws.dataset_changed.connect(self._on_dataset_changed)
        ws.projection_changed.connect(self._draw_user)
        # The run the user started last claims the plot (as word2vec and the demos do): a file opened
        # before its first epoch is not replaced by that epoch's frame.
        self.training_panel.training_started.connect(lambda: ws.claim_live(self.name))
        self.training_panel.frame_ready.connect(self._on_frame_ready)
        self.training_panel.training_finished.connect(self._on_training_finished)
        self.user_panel.highlight_changed.connect(self._on_user_highlight)
        self.user_panel.movie_activated.connect(self._on_user_movie_activated)
        reg = ctx.commands.register
        reg("recommender.open_ratings", self.open_movielens, "Read MovieLens ratings in the background")
        reg("recommender.train", self.train, "Train matrix factorisation on the ratings read")
        reg("recommender.show_model", self.show_model, "Let the User dock inspect a model shown")
        reg("recommender.model", lambda: self.model, "The model whose movies are shown")
        reg("recommender.ratings", lambda: self.ratings, "The ratings read")
        reg("recommender.on_failed", self.ratings_failed.connect, "Call back with each failed read's error")
        reg("recommender.restore_settings", self._restore_settings,
            "Put a session's training settings in place (before training)")
        reg("recommender.user_panel", lambda: self.user_panel, "The User dock's panel (what-if users)")

    def _build_actions(self) -> None:
        A = QtGui.QAction
        self.open_folder_action = A("Open MovieLens &Folder…", self)
        self.open_folder_action.setStatusTip("Read ratings from a MovieLens folder (ml-100k, ml-1m, …)")
        self.open_folder_action.triggered.connect(self._on_open_folder_triggered)
        self.open_zip_action = A("Open MovieLens &Zip or CSV…", self)
        self.open_zip_action.setStatusTip("Read ratings from a MovieLens zip (as downloaded) or a "
                                          "ratings CSV")
        self.open_zip_action.triggered.connect(self._on_open_zip_triggered)
        self.train_action = A("&Start Training", self)
        self.train_action.setStatusTip("Train the matrix-factorisation model with the Recommender dock's "
                                       "settings")
        self.train_action.triggered.connect(self.train)
        self.stop_action = A("S&top Training", self)
        self.stop_action.setStatusTip("Stop after the current batch, keeping the last epoch")
        self.stop_action.triggered.connect(self.training_panel.stop)

    def docks(self) -> list[DockSpec]:
        # All analysis panels share one tab group on the right: the plot keeps its width.
        return [DockSpec("recommender", "Recommender", self.training_panel, visible=False,
                         tab_with="analogy"),
                DockSpec("user", "User", self.user_panel, visible=False, tab_with="recommender",
                         on_closed=lambda: self.ctx.workspace.clear_layers(self.name))]

    def menu_items(self) -> list[MenuItem]:
        return [MenuItem("Recommender", self.open_folder_action, 0),
                MenuItem("Recommender", self.open_zip_action, 1),
                MenuItem("Recommender", self.train_action, 10),
                MenuItem("Recommender", self.stop_action, 11)]

    def ready(self) -> None:
        self.ctx.shell.menu("Recommender").aboutToShow.connect(self._update_actions)

    # -- ratings ---------------------------------------------------------------------------
    def open_movielens(self, path, mapping=None, train: bool = False) -> int:
        """Read MovieLens ratings (folder, zip or ratings table) in the background; return the task id.

        A table that is not a MovieLens layout needs a column ``mapping``; without one the user is
        asked.  With ``train`` a model is trained as soon as they are read (one-click datasets).
        """
        from embexplorer.core.recommender.movielens import load_movielens

        path = os.fspath(path)
        self._ratings_path = path
        self._train_after_ratings = self._train_after_ratings or train
        self.ctx.shell.busy(self.name, f"Reading {Path(path).name}…", self._cancel_reading)
        return self.ctx.runner.start(MOVIELENS_TASK,
                                     lambda control: load_movielens(path, control=control, mapping=mapping),
                                     on_result=self._on_ratings_result, on_error=self._on_ratings_error,
                                     on_progress=lambda f, m: self.ctx.shell.progress(self.name, f, m))

    def _cancel_reading(self) -> None:
        if self.ctx.runner.cancel(MOVIELENS_TASK):
            self.ctx.shell.idle(self.name)
            self._train_after_ratings = False
            self.ctx.shell.message("Reading ratings cancelled")

    def _on_ratings_result(self, ratings) -> None:
        self.ctx.shell.idle(self.name)
        self._ratings_path = None
        self.ratings = ratings
        self.training_panel.set_data(ratings)
        self.ctx.shell.show_dock("recommender")
        name = Path(ratings.source).name if ratings.source else "ratings"
        self.ctx.shell.message(f"{name}: {len(ratings):,} ratings, {ratings.n_users:,} users, "
                               f"{ratings.n_items:,} movies: press Start in the Recommender dock")
        self.ratings_loaded.emit(ratings)
        if self._train_after_ratings:  # the start page's one-click dataset: straight on to a model
            self._train_after_ratings = False
            self.training_panel.start()

    def _on_ratings_error(self, err: BaseException) -> None:
        shell = self.ctx.shell
        path = self._ratings_path or ""
        shell.idle(self.name)
        self._ratings_path = None
        if isinstance(err, NeedsColumnMapping) and shell.interactive:
            path = err.path or path
            try:
                mapping = ask_ratings_columns(shell.widget(), path)
            except DataError as exc:
                mapping = None
                shell.show_error(exc)
            if mapping is not None:
                self.open_movielens(path, mapping=mapping)
            else:
                self._train_after_ratings = False
                shell.message(f"{Path(path).name}: not read (no columns chosen)", NOTE_MS)
            return
        self._train_after_ratings = False
        shell.message(f"Could not read ratings from {Path(path).name}")
        shell.show_error(err)
        self.ratings_failed.emit(err)

    def _on_open_folder_triggered(self) -> None:
        path = QtWidgets.QFileDialog.getExistingDirectory(self.ctx.shell.widget(), "Open MovieLens folder",
                                                          str(Path.home()))
        if path:
            self.open_movielens(path)

    def _on_open_zip_triggered(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self.ctx.shell.widget(),
                                                        "Open MovieLens zip or ratings CSV", str(Path.home()),
                                                        MOVIELENS_FILTER)
        if path:
            self.open_movielens(path)

    # -- training ----------------------------------------------------------------------------
    def train(self, epochs: int | None = None) -> bool:
        """Start training on the ratings read (``epochs`` overrides the dock's); False if it did not."""
        if self.ratings is None:
            self.ctx.shell.message("Open MovieLens ratings first (Recommender menu)", NOTE_MS)
            return False
        self.ctx.shell.show_dock("recommender")
        if epochs is not None:
            self.training_panel.epochs.setValue(int(epochs))
        self.training_panel.start()
        return self.training_panel.is_training()

    def _update_actions(self) -> None:
        training = self.training_panel.is_training()
        self.train_action.setEnabled(self.ratings is not None and not training)
        self.stop_action.setEnabled(training)

    def _on_frame_ready(self, stats, snapshot, emb, xy) -> None:
        """Show the epoch's movies at ``xy`` (projected and aligned on the training worker)."""
        ws = self.ctx.workspace
        frames = getattr(self.training_panel, "frames", None)
        projection = FrameProjection(xy, MOVIE_FRAME_AXES, direction=frames.direction if frames else None)
        title = f"training on {Path(snapshot.info.get('source', '') or 'ratings').name}"
        # A run whose plot was taken since (a file opened, a demo started) trains on in its dock.
        if ws.show_frame(self.name, emb, projection, int(stats.epoch), title):
            self._forget_model()

    def _on_training_finished(self, model) -> None:
        """The trained model's movies become the data set; the User dock inspects the model."""
        ws = self.ctx.workspace
        if ws.live_owner != self.name:  # the user moved on to other data meanwhile: keep it
            self.ctx.shell.message("Matrix factorisation finished (its movies are not shown: another set "
                                   "was opened meanwhile)")
            return
        top_n = self.training_panel.frame_top_n  # "Movies shown" (None: all)
        emb = model.item_embeddings(top_n)
        pca = fit_pca(emb.vectors, n_components=min(MAX_COMPONENTS, emb.dims, emb.n))
        frames = getattr(self.training_panel, "frames", None)
        if frames is not None and frames.previous is not None:
            pca = signs_matching(pca, frames.previous)
        source = model.info.get("source", "") or (self.ratings.source if self.ratings else "") or ""
        epochs = len(model.history)
        title = f"MF model, {Path(source).name or 'ratings'}, {epochs} epoch(s)"
        ws.set_dataset(emb, first_components(pca), DataSource("model", title, self.name, path=source or None))
        rows = model.most_rated(top_n if top_n is not None else model.n_items)
        to_row = np.full(model.n_items, -1, dtype=np.int64)
        to_row[rows] = np.arange(len(rows))
        self.show_model(model, to_row)
        how = "Stopped" if model.info.get("cancelled") else "Trained"
        self.ctx.shell.message(f"{how} after {epochs} epoch(s): the {emb.n:,} most-rated movies")

    # -- the model shown and its user ------------------------------------------------------------
    def show_model(self, model, to_row: np.ndarray | None = None) -> None:
        """Let the User dock inspect ``model``, whose items are the rows ``to_row`` of the set shown
        (the items in order when None).  The panel fills in the next event-loop slice: the new plot
        paints first and neither step stalls the UI for long."""
        self.model = model
        self._rows = to_row if to_row is not None else np.arange(model.n_items, dtype=np.int64)
        QtCore.QTimer.singleShot(USER_PANEL_DELAY_MS, self, lambda: self._give_user_panel(model))

    def _give_user_panel(self, model) -> None:
        if self.model is not model:  # another set (or model) came first
            return
        self.user_panel.set_model(model)
        dock = self.ctx.shell.dock("user")
        if dock is not None:
            dock.show()

    def _forget_model(self) -> None:
        self._highlight = None
        if self.model is not None or self._rows is not None:
            self.model = None
            self._rows = None
            self.user_panel.set_model(None)

    def _on_dataset_changed(self, _dataset) -> None:
        # A model's own set arrives with show_model() right after; anything else ends the inspection.
        self._forget_model()

    def _on_user_highlight(self, highlight: dict) -> None:
        self._highlight = highlight
        self._draw_user()

    def _draw_user(self) -> None:
        ws = self.ctx.workspace
        ws.clear_layers(self.name)
        if ws.dataset is None or self.model is None:
            return
        for layer in user_layers(self.name, self._highlight, self._rows):
            ws.set_layer(layer)

    def _on_user_movie_activated(self, item: int) -> None:
        ws, to_row = self.ctx.workspace, self._rows
        row = int(to_row[item]) if to_row is not None and 0 <= item < len(to_row) else -1
        if row < 0 or ws.dataset is None or row >= ws.dataset.n:
            self.ctx.shell.message("That movie is not on the plot (only the most-rated movies are shown)",
                                   NOTE_MS)
            return
        ws.selection.replace([row])
        if self.ctx.commands.has("explorer.focus_row"):
            self.ctx.commands.run("explorer.focus_row", row)

    # -- sessions -------------------------------------------------------------------------------
    def state(self) -> dict | None:
        import dataclasses

        up, model = self.user_panel, getattr(self.user_panel, "model", None)
        user_id = None
        if model is not None and isinstance(up.user, int) and 0 <= up.user < model.n_users:
            user_id = str(model.user_ids[up.user])
        try:
            config = dataclasses.asdict(self.training_panel.config())  # sessions make it JSON
        except (AttributeError, TypeError):
            config = None
        return {"config": config, "user_id": user_id, "train_on_all": self.training_panel.train_on_all}

    def restore(self, state: dict) -> None:
        if state.get("user_id") is not None:
            self._select_user(str(state["user_id"]), USER_RETRIES)

    def _restore_settings(self, state: dict) -> None:
        if state.get("config"):
            self.restore_config(state["config"])
        self.training_panel.train_on_all = bool(state.get("train_on_all", False))

    def restore_config(self, config: dict) -> None:
        """Put a session's training settings in the Recommender dock (before the model is trained)."""
        from embexplorer.core.recommender.mf import MFConfig

        try:
            self.training_panel.set_config(MFConfig(**config))
        except (TypeError, ValueError) as err:
            raise DataError(f"training settings not restored: {err}") from err

    def _select_user(self, user_id: str, tries: int) -> None:
        up = self.user_panel
        model = getattr(up, "model", None)
        if model is None or model is not self.model:
            # The User panel takes a fresh model in a later event-loop slice: try again shortly.
            if tries > 0 and self.model is not None:
                QtCore.QTimer.singleShot(USER_RETRY_MS, self, lambda: self._select_user(user_id, tries - 1))
            return
        ids = [str(u) for u in model.user_ids]
        if user_id in ids:
            up.select_user(ids.index(user_id))

    def shutdown(self) -> None:
        self.training_panel.stop()
