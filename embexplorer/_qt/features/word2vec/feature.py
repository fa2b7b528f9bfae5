"""The word2vec feature: the Word2vec dock, its live frames, and the finished word vectors.

The run the user started last claims the plot; each epoch's most frequent words are drawn
as a frame aligned to the one before (projected on the training worker).  The finished
vectors become the data set (a ``model`` source), PCA signs matched to the last frame.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui

from embexplorer._qt.feature import DockSpec, Feature, MenuItem
from embexplorer._qt.features.word2vec.panel import W2VTrainingPanel
from embexplorer._qt.workspace import DataSource, first_components
from embexplorer.core.analysis.frames import SCALED_WORD_FRAME_AXES, signs_matching
from embexplorer.core.view.projection import FrameProjection

#: Task kind of projecting the finished vectors (PCA off the UI thread).
PROJECT_TASK = "project-word2vec"
#: Principal components of the finished vectors.
MAX_COMPONENTS = 10
#: The wiki demo ends on the neighbours of the first of these in its vocabulary (months gather).
WIKI_SHOWCASE_WORDS = ("july", "monday", "australia", "two")


class Word2vecFeature(Feature):
    """Word2vec training with live frames.

    Signals
    -------
    trained_shown(object)
        The finished vectors are the data set (the EmbeddingSet).
    """

    name = "word2vec"
    trained_shown = QtCore.Signal(object)

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.panel = W2VTrainingPanel(ctx.runner, live_frames=True)
        self._last_xy: np.ndarray | None = None  # the frame last drawn: the finished set's signs
        self._wiki_demo = False  # the running training is the wiki demo
        self.train_action = QtGui.QAction("Train &Word2vec…", self)
        self.train_action.setStatusTip("Train word vectors on a text corpus (Word2vec dock)")
        self.train_action.triggered.connect(lambda: ctx.shell.show_dock("word2vec"))
        self.panel.training_started.connect(self._on_training_started)
        self.panel.frame_ready.connect(self._on_frame_ready)
        self.panel.training_finished.connect(self._on_training_finished)
        self.panel.download_requested.connect(self._on_download_requested)
        reg = ctx.commands.register
        reg("word2vec.run_wiki_demo", self.run_wiki_demo, "Train on gensim's Wikipedia sample, live")
        reg("word2vec.panel", lambda: self.panel, "The Word2vec dock's panel")
        reg("word2vec.restore_settings", lambda state: self.restore_settings(state["settings"])
            if state.get("settings") else None, "Put a session's word2vec settings in the dock")

    def docks(self) -> list[DockSpec]:
        return [DockSpec("word2vec", "Word2vec", self.panel, visible=False, tab_with="user")]

    def menu_items(self) -> list[MenuItem]:
        return [MenuItem("File", self.train_action, 21)]

    def run_wiki_demo(self) -> bool:
        """Start the offline wiki demo (False if gensim's sample is missing: the dock says so)."""
        self.ctx.shell.show_dock("word2vec")
        self._wiki_demo = self.panel.start_demo_wiki()  # training_started: word2vec goes live
        return self._wiki_demo

    def _on_training_started(self) -> None:
        self._wiki_demo = False  # run_wiki_demo says so right after, for the demo's own run
        self._last_xy = None
        self.ctx.runner.cancel(PROJECT_TASK)
        self.ctx.workspace.claim_live(self.name)

    def _on_frame_ready(self, report, emb, xy) -> None:
        """Draw the epoch's frame words, projected and aligned on the training worker."""
        ws = self.ctx.workspace
        if ws.live_owner != self.name:
            return
        self._last_xy = xy
        ws.show_frame(self.name, emb, FrameProjection(xy, SCALED_WORD_FRAME_AXES), report.epoch,
                      f"word2vec training, the {emb.n:,} most frequent words")

    def _on_training_finished(self, emb) -> None:
        if emb is None or self.ctx.workspace.live_owner != self.name:
            return
        from embexplorer.core.analysis.pca import fit_pca

        demo, self._wiki_demo = self._wiki_demo, False
        previous = self._last_xy
        k = min(MAX_COMPONENTS, emb.dims, emb.n)

        def done(pca) -> None:
            ws = self.ctx.workspace
            if ws.live_owner != self.name:  # something else was shown while projecting
                return
            if previous is not None:
                pca = signs_matching(pca, np.asarray(previous))
            ws.set_dataset(emb, first_components(pca), DataSource("model", f"word2vec, {emb.n:,} words",
                                                               self.name))
            self.ctx.shell.message(f"word2vec trained: {emb.n:,} words, {emb.dims} dimensions")
            if demo:
                self._show_wiki_showcase(emb)
            self.trained_shown.emit(emb)

        self.ctx.runner.start(PROJECT_TASK, lambda control: fit_pca(emb.vectors, n_components=k,
                                                                    control=control),
                              on_result=done, on_error=self.ctx.shell.show_error)

    def _show_wiki_showcase(self, emb) -> None:
        """The wiki demo's point: related words gather (the neighbours of a month are months)."""
        word = next((w for w in WIKI_SHOWCASE_WORDS if w in emb.index), None)
        cmd = self.ctx.commands
        if word is not None and cmd.has("neighbours.query_row"):
            cmd.run("neighbours.query_row", emb.index[word], show=True)
            if cmd.has("explorer.zoom_to_results"):
                cmd.run("explorer.zoom_to_results")  # up close, so the months get their labels

    def _on_download_requested(self, name: str) -> None:
        if self.ctx.commands.has("start.download"):
            self.ctx.commands.run("start.download", name)

    # -- sessions -------------------------------------------------------------------------------
    def state(self) -> dict | None:
        import dataclasses

        return {"settings": dataclasses.asdict(self.panel.settings())}  # sessions make it JSON

    def restore_settings(self, settings: dict) -> None:
        """Put a session's word2vec settings in the dock (keys it does not know are ignored)."""
        import dataclasses

        from embexplorer.core.word2vec.w2v import W2VSettings

        known = {f.name for f in dataclasses.fields(W2VSettings)}
        self.panel.set_settings(W2VSettings(**{k: v for k, v in settings.items() if k in known}))
