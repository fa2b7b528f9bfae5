"""The start feature: the start page, one-click datasets and the offline demos.

``embexplorer`` with nothing to open shows the start page with "Genres, learned" training
live as a preview.  Running a demo on the plot claims it (:meth:`Workspace.claim_live`) like
any training; the demo's finished model becomes the data set and the User dock inspects it.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui

from embexplorer._qt.feature import Feature, MenuItem, Page
from embexplorer._qt.features.start.download_sources import apply_download_sources, edit_download_sources
from embexplorer._qt.features.start.genres_demo import TRUE_GENRE_COLUMN, GenresDemo
from embexplorer._qt.features.start.page import DEMOS, MOVIELENS_FORMAT, DatasetDownloader, StartPage
from embexplorer._qt.widgets.first_paint import after_first_paint
from embexplorer._qt.workspace import DataSource
from embexplorer.core.analysis.frames import SCALED_MOVIE_FRAME_AXES, signs_matching
from embexplorer.core.errors import DataError
from embexplorer.core.view.projection import FrameProjection, PCAProjection

#: Title of the genres demo's set.
GENRES_TITLE = "Genres, learned (synthetic ratings)"
#: Task kind of projecting the demo's finished movies.
PROJECT_TASK = "project-demo"
#: Principal components of the demo's finished movies.
MAX_COMPONENTS = 10


class StartFeature(Feature):
    """The start page, downloads and demos.

    Signals
    -------
    trained_shown(object)
        A demo's finished vectors are the data set (the EmbeddingSet).
    """

    name = "start"
    trained_shown = QtCore.Signal(object)

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.page = StartPage(ctx.recent.files())
        self.downloader = DatasetDownloader(ctx.runner, self)
        self.downloader.attach(self.page)  # cards start/cancel downloads and show their progress
        self.genres_demo = GenresDemo(ctx.runner, self)
        self._genres_last = None  # last frame of the genres demo (emb, xy, probe, epoch)
        cmd = ctx.commands
        self.page.open_requested.connect(lambda path: cmd.run("loading.open_recent", path))
        self.page.open_dialog_requested.connect(lambda: cmd.run("loading.open_dialog"))
        self.page.demo_requested.connect(self.run_demo)
        self.downloader.downloaded.connect(self._on_downloaded)
        self.downloader.failed.connect(self._on_download_failed)
        self.downloader.progress.connect(self._on_download_progress)
        self.genres_demo.frame_ready.connect(self._on_genres_frame)
        self.genres_demo.finished.connect(self._on_genres_finished)
        self.genres_demo.failed.connect(lambda message: ctx.shell.message(f"Demo failed: {message}"))
        ctx.recent.changed.connect(lambda: self.page.set_recent_files(ctx.recent.files()))
        self.page_action = QtGui.QAction("&Start Page", self)
        self.page_action.setShortcut(QtGui.QKeySequence("Ctrl+Shift+H"))
        self.page_action.setCheckable(True)
        self.page_action.setStatusTip("Recent files, one-click datasets and demos")
        self.page_action.toggled.connect(self._on_page_toggled)
        self.demo_actions: dict[str, QtGui.QAction] = {}
        for name, (title, _caption) in DEMOS.items():
            action = QtGui.QAction(f"Demo: {title}", self)
            action.setStatusTip(f"Run the offline demo “{title}” (embexplorer --demo {name})")
            action.triggered.connect(lambda _=False, n=name: self.run_demo(n))
            self.demo_actions[name] = action
        apply_download_sources(ctx.shell.settings, self.downloader)
        self.sources_action = QtGui.QAction("Download &Sources…", self)
        self.sources_action.setStatusTip("Mirrors for MovieLens and gensim-data downloads")
        self.sources_action.triggered.connect(
            lambda: edit_download_sources(ctx.shell.settings, self.downloader, ctx.shell.widget()))
        reg = cmd.register
        reg("start.run_demo", self.run_demo, "Run an offline demo on the plot")
        reg("start.preview", self.start_preview, "Start the start page's live preview")
        reg("start.download", self.download, "Download (or open from the cache) a dataset")
        reg("start.show", self.show_start_page, "Show the start page")

    def pages(self) -> list[Page]:
        return [Page("start", self.page)]

    def menu_items(self) -> list[MenuItem]:
        return ([MenuItem("File", a, 20) for a in self.demo_actions.values()]
                + [MenuItem("View", self.page_action, 0), MenuItem("Edit", self.sources_action, 80)])

    def ready(self) -> None:
        shell = self.ctx.shell
        shell.show_central("start")
        self.page_action.setChecked(True)
        self.ctx.workspace.dataset_changed.connect(self._on_dataset_changed)
        status = getattr(shell, "status", None)
        if status is not None:  # the page repeats what the status bar says is running
            status.changed.connect(self._on_task_message)

    # -- commands -------------------------------------------------------------------------
    def show_start_page(self) -> None:
        """Show the start page (recent files, datasets, demos) in place of the plot."""
        self.page.refresh_downloads()
        self.ctx.shell.show_central("start")
        self._sync_action()

    def start_preview(self) -> None:
        """Start "Genres, learned" as a live preview on the start page (what ``embexplorer`` with no
        arguments does: something moving within seconds, no network needed)."""
        if not self.genres_demo.is_running():
            # the page's first picture comes before the training thread competes for the cores
            after_first_paint(self.page, self._start_preview_training)

    def _start_preview_training(self) -> None:
        if not self.genres_demo.is_running():
            self.genres_demo.start()

    def run_demo(self, name: str) -> None:
        """Run the offline demo ``name`` (``"genres"`` or ``"wiki"``) on the plot; KeyError if unknown."""
        if name not in DEMOS:
            raise KeyError(name)
        if name == "wiki":
            self.ctx.commands.run("word2vec.run_wiki_demo")
            return
        self.ctx.workspace.claim_live(self.name)
        if self.genres_demo.is_running() and self._genres_last is not None:
            self._show_genres_frame(*self._genres_last)  # the preview's run goes on, now on the plot
        elif not self.genres_demo.is_running():
            self._genres_last = None
            self.genres_demo.start()
        self.ctx.shell.show_central("plot")
        self._sync_action()
        self.ctx.shell.message("Genres, learned: training on synthetic ratings…")

    def download(self, name: str) -> None:
        """Download (or open from the cache) ``movielens-100k`` or a gensim-data name."""
        self.downloader.start(name)

    # -- the genres demo ---------------------------------------------------------------------
    def _on_genres_frame(self, emb, xy, probe: float, epoch: int) -> None:
        self._genres_last = (emb, xy, probe, epoch)
        if self.ctx.workspace.live_owner == self.name:
            self._show_genres_frame(emb, xy, probe, epoch)
        elif self.ctx.shell.central_key() == "start":
            self.page.show_demo_frame(emb, xy, probe, epoch, self.genres_demo.chance)

    def _show_genres_frame(self, emb, xy, probe: float, epoch: int) -> None:
        self.ctx.workspace.show_frame(self.name, emb, FrameProjection(xy, SCALED_MOVIE_FRAME_AXES), epoch,
                                      GENRES_TITLE)
        self.ctx.shell.message(self.genres_demo.caption(probe, epoch))

    def _on_genres_finished(self, model) -> None:
        last, self._genres_last = self._genres_last, None
        if model is None or last is None or self.ctx.workspace.live_owner != self.name:
            return  # a preview (the start page keeps its last frame) or stopped before epoch 1
        emb, xy, probe, epoch = last
        from embexplorer.core.analysis.pca import fit_pca

        k = min(MAX_COMPONENTS, emb.dims, emb.n)

        def done(pca) -> None:
            ws = self.ctx.workspace
            if ws.live_owner != self.name:
                return
            pca = signs_matching(pca, np.asarray(xy))
            ws.set_dataset(emb, PCAProjection(pca), DataSource("demo", f"{GENRES_TITLE}, {epoch} epochs",
                                                               self.name, details={"demo": "genres"}))
            if TRUE_GENRE_COLUMN in emb.metadata and self.ctx.commands.has("explorer.color_by"):
                self.ctx.commands.run("explorer.color_by", TRUE_GENRE_COLUMN)
            if self.ctx.commands.has("recommender.show_model"):
                # The demo's movies are the model's items in its own order: the User dock works on them.
                self.ctx.commands.run("recommender.show_model", model)
            self.ctx.shell.message(self.genres_demo.caption(probe, epoch))
            self.trained_shown.emit(emb)

        self.ctx.runner.start(PROJECT_TASK, lambda control: fit_pca(emb.vectors, n_components=k,
                                                                    control=control),
                              on_result=done, on_error=self.ctx.shell.show_error)

    # -- downloads ------------------------------------------------------------------------------
    def _on_download_progress(self, name: str, fraction: float, message: str) -> None:
        pct = f" {fraction:.0%}" if fraction >= 0 else ""
        self.ctx.shell.message(f"Downloading {name}{pct} {message}".rstrip())

    def _on_downloaded(self, name: str, path: str, fmt: str) -> None:
        if fmt == MOVIELENS_FORMAT:
            self.ctx.commands.run("recommender.open_ratings", path, train=True)
        else:
            self.ctx.commands.run("loading.open_file", path, format=fmt or None)

    def _on_download_failed(self, name: str, message: str) -> None:
        self.page.show_message(f"{name}: {message}")
        self.ctx.shell.message(f"Download of {name} failed: {message}")

    # -- the page ----------------------------------------------------------------------------------
    def _on_page_toggled(self, on: bool) -> None:
        if on:
            self.show_start_page()
        else:
            self.ctx.shell.show_central("plot" if self.ctx.workspace.dataset is not None else "start")
            self._sync_action()

    def _on_dataset_changed(self, _dataset) -> None:
        self._sync_action()

    def _sync_action(self) -> None:
        blocked = self.page_action.blockSignals(True)
        self.page_action.setChecked(self.ctx.shell.central_key() == "start")
        self.page_action.blockSignals(blocked)

    def _on_task_message(self, message: str) -> None:
        self.page.show_message(f"{message}  Cancel stops it." if message else None)

    def apply_arguments(self, args) -> None:
        demo = getattr(args, "demo", None)
        if demo and demo not in DEMOS:
            raise DataError(f"no demo {demo!r} (demos: {', '.join(DEMOS)})", "--demo")

    def shutdown(self) -> None:
        self.genres_demo.cancel()
