"""The lecture feature: the Lecture menu, its caption banner and dock, and the runs behind them.

Each idea of a recommender-systems-and-embeddings lecture is one click (one
:class:`~embexplorer._qt.features.lecture.demonstrations.Demonstration`): it finds ratings (those
the Recommender read, else MovieLens from the download cache, else the synthetic "Genres, learned"
ratings, offline), trains what it needs, shows its sets through the Workspace (a ``demo`` or
``model`` source owned by ``"lecture"``), marks points with layers owned by ``"lecture"``, and
emits :attr:`LectureFeature.shown` once it shows its final state (``--screenshot`` waits for it).

All background work is one :class:`~embexplorer._qt.widgets.training_panel.TrainingRun` (task kind
:data:`LECTURE_TASK`): a new demonstration supersedes the last one's work, whose late results are
dropped.  Closing the Lecture dock ends the lecture: its work stops, its layers and caption go.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.feature import DockSpec, Feature, MenuItem
from embexplorer._qt.features.lecture.caption import CaptionBanner, caption_html
from embexplorer._qt.features.lecture.demonstrations import DEMONSTRATIONS, Demonstration
from embexplorer._qt.features.lecture.pages import LecturePanel
from embexplorer._qt.widgets.training_panel import TrainingRun
from embexplorer._qt.workspace import DataSource
from embexplorer.core.teaching.lecture import LECTURES, SOURCE_CACHE, LectureData, lecture_ratings
from embexplorer.core.view.projection import PCAProjection

#: Task kind of the lecture's background work (one demonstration at a time).
LECTURE_TASK = "lecture"
#: Keys of the docks (also their ``--dock`` names).
CAPTION_DOCK, LECTURE_DOCK = "lecture-caption", "lecture"
#: Longest wait of :meth:`LectureFeature.run_for_screenshot` (ms).
SCREENSHOT_TIMEOUT_MS = 120_000
#: Event-loop passes after ``shown`` before a screenshot (layouts, labels).
SETTLE_PASSES = 5
#: Height of the Lecture dock per demonstration, as a share of the window's height (the plot keeps
#: the rest; the ratings table needs room, a stepper little).
DOCK_HEIGHT_SHARE = {"ratings": 0.62, "genres": 0.36, "users": 0.2, "gradient-descent": 0.42,
                     "pca-axes": 0.26, "analogies": 0.14}
#: Share of a demonstration not listed above.
DEFAULT_HEIGHT_SHARE = 0.3


class LectureFeature(Feature):
    """The Lecture menu's demonstrations.

    Attributes
    ----------
    actions : dict[str, QAction]
        The Lecture menu's entries by lecture name.
    panel : LecturePanel
        The Lecture dock's content; ``banner`` is the caption above the plot.
    demos : dict[str, Demonstration]
        The demonstrations by lecture name (each keeps what it showed last).
    current : str or None
        The demonstration shown last (None: no lecture).
    data : LectureData or None
        Ratings used by the last demonstration that needed some.
    last_error : str
        Why the last demonstration failed ("" after a success): one line for the command line.
    training : TrainingRun
        The run of the lecture's background work (one at a time; a new one abandons the last).

    Signals
    -------
    shown(str)
        The demonstration ``name`` shows its final state.
    failed(str, str)
        It could not run: name and a one-line reason (also in the caption).
    """

    name = "lecture"
    shown = QtCore.Signal(str)
    failed = QtCore.Signal(str, str)

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.current: str | None = None
        self._docks_away: list = []
        self.data: LectureData | None = None
        self.last_error = ""
        self._models: dict[int, object] = {}  # id(ratings) -> the quick model trained on them
        self.training = TrainingRun(ctx.runner, LECTURE_TASK)
        self.panel = LecturePanel()
        self.banner = CaptionBanner()
        self.actions: dict[str, QtGui.QAction] = {}
        for i, (name, (title, caption)) in enumerate(LECTURES.items(), start=1):
            action = QtGui.QAction(f"&{i}. {title}", self)
            action.setStatusTip(f"{caption} (embexplorer --lecture {name})")
            action.setData(name)
            action.triggered.connect(lambda _=False, n=name: self.run(n))
            self.actions[name] = action
        self.demos: dict[str, Demonstration] = {name: cls(self) for name, cls in DEMONSTRATIONS.items()}
        self.banner.close_requested.connect(self._on_caption_close_requested)
        reg = ctx.commands.register
        reg("lecture.run", self.run, "Run a demonstration of the Lecture menu")
        reg("lecture.run_when_ready", self.run_when_ready, "Run a demonstration once a signal fires")
        reg("lecture.run_for_screenshot", self.run_for_screenshot,
            "Run a demonstration and wait until it shows its final state")
        reg("lecture.last_error", lambda: self.last_error, "Why the last demonstration failed")
        reg("lecture.caption_text", self.caption_text, "The caption shown, as plain text")

    # -- what the shell places ----------------------------------------------------------------
    def docks(self) -> list[DockSpec]:
        area = QtCore.Qt.DockWidgetArea
        return [DockSpec(CAPTION_DOCK, "Lecture Caption", self.banner, visible=False, scroll=False,
                         area=area.TopDockWidgetArea),
                DockSpec(LECTURE_DOCK, "Lecture", self.panel, visible=False, scroll=False,
                         area=area.BottomDockWidgetArea, on_closed=self.end)]

    def menu_items(self) -> list[MenuItem]:
        return [MenuItem("Lecture", action) for action in self.actions.values()]

    def ready(self) -> None:
        caption = self.ctx.shell.dock(CAPTION_DOCK)
        if caption is not None:  # a banner, not a panel: no title bar, nothing to float
            caption.setTitleBarWidget(QtWidgets.QWidget())
            caption.setFeatures(QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetClosable)
            caption.visibilityChanged.connect(self._on_caption_visibility_changed)
        self.ctx.workspace.point_clicked.connect(self._on_point_clicked)

    # -- commands ---------------------------------------------------------------------------------
    def run(self, name: str) -> None:
        """Start demonstration ``name`` (a key of :data:`LECTURES`); KeyError for an unknown one."""
        if name not in LECTURES:
            raise KeyError(name)
        self.training.cancel()  # the last demonstration's work says nothing more
        self.last_error = ""
        self.ctx.workspace.clear_layers(self.name)
        self.current = name
        self._put_away_docks(getattr(self.demos[name], "docks", ()))
        self.panel.show_page(name)
        self.say(name, "preparing…")
        self.demos[name].run()

    def run_when_ready(self, name: str, after=None) -> None:
        """Run ``name`` once signal ``after`` fires (the ratings read, a file shown), or at the next
        turn of the event loop when None (``embexplorer --lecture NAME``).  KeyError for an unknown name."""
        if name not in LECTURES:
            raise KeyError(name)
        if after is None:
            QtCore.QTimer.singleShot(0, self, lambda: self.run(name))
        else:
            after.connect(lambda *_: self.run(name), QtCore.Qt.ConnectionType.SingleShotConnection)

    def run_for_screenshot(self, name: str, timeout_ms: int = SCREENSHOT_TIMEOUT_MS) -> bool:
        """Run ``name`` and wait until it shows its final state (``--screenshot``).

        Returns True when :attr:`shown` came, False when it failed (:attr:`last_error` says why)
        or ``timeout_ms`` passed.  Raises KeyError for an unknown name.
        """
        if name not in LECTURES:
            raise KeyError(name)
        loop = QtCore.QEventLoop()
        outcome: dict[str, bool] = {}

        def on_shown(n: str) -> None:
            if n == name:
                outcome.setdefault("ok", True)
                loop.quit()

        def on_failed(n: str, _reason: str) -> None:
            if n == name:
                outcome.setdefault("ok", False)
                loop.quit()

        self.shown.connect(on_shown)
        self.failed.connect(on_failed)
        timer = QtCore.QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)
        try:
            self.run(name)
            if not outcome:
                timer.start(timeout_ms)
                loop.exec()
        finally:
            timer.stop()
            self.shown.disconnect(on_shown)
            self.failed.disconnect(on_failed)
        for _ in range(SETTLE_PASSES):
            QtCore.QCoreApplication.processEvents()
        return outcome.get("ok", False)

    def caption_text(self) -> str:
        """The caption as plain text."""
        return self.banner.plain_text()

    def end(self) -> None:
        """End the lecture: its work stops, its layers, caption and claim on the plot go."""
        self.training.cancel()
        self.current = None
        ws = self.ctx.workspace
        ws.clear_layers(self.name)
        ws.release_live(self.name)
        for demo in self.demos.values():
            demo.stop()
        caption = self.ctx.shell.dock(CAPTION_DOCK)
        if caption is not None:
            caption.hide()
        for dock in self._docks_away:  # the panels the lecture put away come back
            dock.show()
        self._docks_away = []

    def _put_away_docks(self, used: tuple) -> None:
        """Hide the panels this demonstration does not use (an empty Recommender chart at 0 % beside a
        lecture that just trained a model contradicts it); :meth:`end` shows them again."""
        shell = self.ctx.shell
        keep = {CAPTION_DOCK, LECTURE_DOCK, *used}
        for key in shell.dock_keys():
            dock = shell.dock(key)
            if (key in keep or dock is None or dock.isHidden() or dock.isFloating()
                    or dock in self._docks_away):
                continue
            # Not the user closing it: its feature keeps its layers (the shell asks on_closed only then).
            self._docks_away.append(dock)
            blocked = dock.toggleViewAction().blockSignals(True)
            dock.hide()
            dock.toggleViewAction().blockSignals(blocked)

    # -- for the demonstrations --------------------------------------------------------------------
    def say(self, name: str, detail: str = "") -> None:
        """Caption of ``name`` with a smaller ``detail`` line in the banner; the plain text in the
        status bar."""
        self.banner.set_text(caption_html(name), detail)
        self.ctx.shell.show_dock(CAPTION_DOCK)
        # The banner carries the caption; the status bar only the lecture's title (a long caption would
        # run under the status bar's summary on the right).
        self.ctx.shell.message(f"Lecture: {LECTURES[name][0]}")

    def show_panel(self) -> None:
        """Show the Lecture dock, as tall as the current demonstration needs."""
        if self.current:  # a set shown since brought the panels of the plot page back: away again
            self._put_away_docks(getattr(self.demos[self.current], "docks", ()))
        share = DOCK_HEIGHT_SHARE.get(self.current or "", DEFAULT_HEIGHT_SHARE)
        self.ctx.shell.show_dock(LECTURE_DOCK, height=int(share * self.ctx.shell.widget().height()))

    def start(self, work: Callable, on_result: Callable, on_yield: Callable | None = None) -> None:
        """Run ``work(control, stop)`` in the background for the current demonstration: ``on_result``
        (and ``on_yield`` for what it emits) on the UI thread.  A demonstration started since (or the
        lecture's end) abandons the run: nothing more of it is delivered."""
        name = self.current
        self.training.start(work, on_result=on_result, on_yield=on_yield,
                            on_error=lambda err: self.fail(name, _reason(err)),
                            on_progress=lambda f, m: self._on_progress(name, f, m))

    def fail(self, name: str, reason: str) -> None:
        """Demonstration ``name`` cannot run, because of ``reason`` (said in the caption)."""
        if self.current != name:
            return
        self.last_error = reason
        self.say(name, f"⚠ {reason}")
        self.failed.emit(name, reason)

    def finish(self, name: str, detail: str = "") -> None:
        """Demonstration ``name`` shows its final state."""
        self._put_away_docks(getattr(self.demos[name], "docks", ()))
        self.say(name, detail)
        self.shown.emit(name)

    def data_work(self) -> Callable:
        """A task function returning the LectureData to use; it reads the Recommender's ratings now,
        on the UI thread.  A cached download or the synthetic set read before is reused (and so is
        the model trained on it), but a download that appeared since replaces the synthetic set."""
        current = self.offered("recommender.ratings")
        previous = self.data if current is None else None

        def work(control) -> LectureData:
            if previous is not None and previous.source == SOURCE_CACHE:
                return previous
            data = lecture_ratings(current, control=control)
            if data.synthetic and previous is not None and previous.synthetic:
                return previous
            return data
        return work

    def offered(self, command: str, *args, **kwargs):
        """What another feature's ``command`` returns, or None when no feature offers it."""
        cmd = self.ctx.commands
        return cmd.run(command, *args, **kwargs) if cmd.has(command) else None

    def models(self) -> tuple:
        """Models a demonstration may reuse instead of training (see ``reusable_model``): the
        Recommender's and the lecture's own."""
        return (self.offered("recommender.model"), *self._models.values())

    def remember(self, data: LectureData, model) -> None:
        """``data`` is the lecture's ratings now, and ``model`` (if any) the model trained on them."""
        self.data = data
        if model is not None:
            self._models = {id(data.ratings): model}  # one at a time: models are large

    def show_set(self, emb, pca, kind: str, title: str, trained_live: bool = False) -> bool:
        """Make ``emb`` (placed by ``pca``) the Workspace's data set, as the lecture's ``kind`` source.

        A set ``trained_live`` (its frames were shown) replaces only what the lecture's training still
        holds: False, and nothing shown, when the user took the plot since (opened a file...).
        """
        ws = self.ctx.workspace
        if trained_live and ws.live_owner != self.name:
            return False
        ws.set_dataset(emb, PCAProjection(pca), DataSource(kind, title, self.name,
                                                           details={"lecture": self.current}))
        ws.release_live(self.name)  # a finished set: no frame of a lecture run may replace it
        return True

    # -- slots --------------------------------------------------------------------------------------
    def _on_progress(self, name: str, fraction, message: str) -> None:
        if self.current == name and message:
            pct = "" if fraction is None else f" {fraction:.0%}"
            self.say(name, f"{message}{pct}")

    def _on_point_clicked(self, row: int) -> None:
        if self.current is not None:
            self.demos[self.current].point_clicked(row)

    def _on_caption_visibility_changed(self, visible: bool) -> None:
        if visible and self.current is None:  # a saved layout must not bring back an empty banner
            self.ctx.shell.dock(CAPTION_DOCK).hide()

    def _on_caption_close_requested(self) -> None:
        self.ctx.shell.dock(CAPTION_DOCK).hide()

    def shutdown(self) -> None:
        self.end()


def _reason(err: BaseException) -> str:
    return getattr(err, "reason", None) or str(err) or type(err).__name__
