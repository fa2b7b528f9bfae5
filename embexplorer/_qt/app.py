"""GUI entry point: ``embexplorer [PATH]`` and ``embexplorer --screenshot OUT.png [PATH]``.

Both take the view options ``--search LABEL``, ``--select A,B``, ``--color-by COLUMN``,
``--neighbours LABEL``, ``--analogy A,B,C`` (a is to b as c is to ?), ``--dock NAME`` and
``--movielens DATA [--train EPOCHS]``; a screenshot waits until all of it is drawn, e.g.::

    embexplorer --screenshot king.png glove.txt --search king --select queen,prince
    embexplorer --screenshot analogy.png glove.txt --analogy man,king,woman
    embexplorer --screenshot movies.png --movielens ml-100k --train 5 --dock user
    embexplorer --screenshot genres.png --demo genres

With no PATH, ``--movielens`` or ``--demo`` the window opens on its start page, where the
"Genres, learned" demo starts at once as a live preview (a screenshot waits for it).
"""

from __future__ import annotations

import gc
import logging
import os
import re
import sys
import tempfile
from pathlib import Path

from embexplorer.core.atomic import atomic_write
from embexplorer.core.errors import DataError

#: Shown in dialogs and used by QSettings.
APP_NAME = "embexplorer"
ORG_NAME = "embexplorer"
#: Event-loop passes after the window is laid out and before it is grabbed, so
#: deferred layout and pyqtgraph range updates have settled.
SCREENSHOT_SETTLE_PASSES = 5
#: Longest wait (s) for each background task still running when a screenshot is about to be taken.
SCREENSHOT_TASK_WAIT_S = 60.0
#: Smallest and largest screenshot side (pixels).
MIN_SCREENSHOT_SIDE = 200
MAX_SCREENSHOT_SIDE = 8000

#: Longest wait (ms) for the User panel to take a freshly trained model before a screenshot.
USER_PANEL_WAIT_MS = 5000

_SIZE_RE = re.compile(r"^\s*(\d+)\s*[xX×]\s*(\d+)\s*$")


def parse_size(text: str) -> tuple[int, int]:
    """Parse ``"WxH"`` into ``(W, H)``; raise DataError when malformed or out of range."""
    m = _SIZE_RE.match(text or "")
    if not m:
        # "--size" in the place of the file: the CLI prints "embexplorer: error: --size: ..."
        raise DataError(f"expected WxH such as 1280x800, got {text!r}", "--size")
    w, h = int(m.group(1)), int(m.group(2))
    for side in (w, h):
        if not MIN_SCREENSHOT_SIDE <= side <= MAX_SCREENSHOT_SIDE:
            raise DataError(f"sides must be between {MIN_SCREENSHOT_SIDE} and "
                            f"{MAX_SCREENSHOT_SIDE} pixels, got {text!r}", "--size")
    return w, h


def _use_offscreen_if_headless() -> None:
    """``--screenshot`` must work without a display: pick Qt's offscreen platform."""
    headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if headless and sys.platform.startswith("linux"):  # macOS and Windows always have a screen
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _quiet_qt_messages() -> None:
    """Send Qt's debug/info/warning chatter to the log (``--screenshot`` prints one line or nothing).

    The offscreen platform warns e.g. "This plugin does not support propagateSizeHints()", which
    says nothing to the user and would break "exit 2 and ONE line" on errors.
    """
    from PySide6 import QtCore

    log = logging.getLogger("embexplorer.qt")
    Msg = QtCore.QtMsgType

    def handler(kind, _context, message) -> None:
        if kind in (Msg.QtCriticalMsg, Msg.QtFatalMsg):
            print(f"{APP_NAME}: Qt: {message}", file=sys.stderr)
        else:
            log.debug("Qt: %s", message)

    QtCore.qInstallMessageHandler(handler)


def _application():
    from PySide6 import QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication([sys.argv[0] if sys.argv else APP_NAME])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORG_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setWindowIcon(app_icon())
    return app


def app_icon():
    """The application icon, drawn in code: three clusters of points on a light tile."""
    from PySide6 import QtCore, QtGui

    icon = QtGui.QIcon()
    points = (  # (x, y, cluster) on a 64-unit grid; fixed, so the icon never changes
        (18, 20, 0), (24, 16, 0), (14, 26, 0), (22, 25, 0), (28, 22, 0),
        (42, 18, 1), (48, 24, 1), (44, 28, 1), (50, 16, 1),
        (26, 44, 2), (32, 50, 2), (38, 44, 2), (30, 38, 2), (36, 54, 2), (22, 50, 2))
    from embexplorer.core.view.palette import TAB20_HEX

    colours = TAB20_HEX[:3]
    for side in (16, 32, 64, 128):
        pix = QtGui.QPixmap(side, side)
        pix.fill(QtCore.Qt.GlobalColor.transparent)
        p = QtGui.QPainter(pix)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        s = side / 64.0
        p.setPen(QtGui.QPen(QtGui.QColor("#9aa4b1"), max(1.0, 2 * s)))
        p.setBrush(QtGui.QColor("#f7f9fc"))
        p.drawRoundedRect(QtCore.QRectF(2 * s, 2 * s, 60 * s, 60 * s), 10 * s, 10 * s)
        p.setPen(QtCore.Qt.PenStyle.NoPen)
        for x, y, c in points:
            p.setBrush(QtGui.QColor(colours[c]))
            p.drawEllipse(QtCore.QPointF(x * s, y * s), 3.6 * s, 3.6 * s)
        p.end()
        icon.addPixmap(pix)
    return icon


def run_gui(args) -> int:
    """Open the main window (or render it to ``args.screenshot`` and exit).

    Parameters
    ----------
    args : argparse.Namespace
        ``path``, ``format``, ``limit``, ``allow_pickle``, ``screenshot``, ``size`` and the view
        options (see the module docstring; absent ones count as not given).

    Returns
    -------
    int
        Exit status.  A file that cannot be loaded during ``--screenshot``
        raises :class:`DataError` (the CLI prints one line and exits 2).
    """
    if getattr(args, "screenshot", None):
        return _run_screenshot(args)
    from embexplorer._qt.display import check_display
    check_display()  # no screen: one line and exit 2 (DisplayError), not Qt's abort
    app = _application()
    from embexplorer._qt.excepthook import install_excepthook
    from embexplorer._qt.shell.main_window import MainWindow

    _check_data_options(args)
    hook = install_excepthook(app)  # from here on an error in a slot is a dialog and a log entry
    _collect_garbage_on_ui_thread(app)
    try:
        window = MainWindow()
        window.restore_layout()
        window.show()
        # Everything built so far lives as long as the app: keep it out of later collections, so a
        # full collection (on the UI thread) stays short (~60 ms for the startup objects otherwise).
        gc.collect()
        gc.freeze()
        _start_interactive(window, args)
        if getattr(args, "presentation", False):
            window.commands.run("presentation.set_active", True)
        return int(app.exec())
    finally:
        hook.uninstall()


def _collect_garbage_on_ui_thread(app) -> None:
    """Run Python's garbage collector only on the UI thread, full collections over new objects only
    (:mod:`embexplorer._qt.collector`)."""
    from embexplorer._qt.collector import UiCollector

    app._embexplorer_gc = UiCollector(app)


def _model_shown(window):
    """A one-shot signal: a finished model's (or demo's) set is the data set shown."""
    from PySide6 import QtCore

    class Watch(QtCore.QObject):
        fired = QtCore.Signal(object)

        def on_dataset(self, dataset) -> None:
            if window.workspace.source.kind in ("model", "demo"):
                window.workspace.dataset_changed.disconnect(self.on_dataset)
                # After the other listeners: the finished set's own colouring (by genre) comes first.
                QtCore.QTimer.singleShot(0, self, lambda: self.fired.emit(dataset))

    watch = Watch(window)
    window.workspace.dataset_changed.connect(watch.on_dataset)
    return watch.fired


def _start_interactive(window, args) -> None:
    """Open PATH / --movielens / --demo and apply the view options once there is something to show."""
    from PySide6 import QtCore

    from embexplorer.core.session import is_session_file

    once = QtCore.Qt.ConnectionType.SingleShotConnection
    cmd, features = window.commands, window.features

    def apply_once(*_):
        try:
            apply_view_options(window, args)
        except DataError as err:  # a typo in an option must not cost the user the window
            window.message(str(err))

    if args.path and is_session_file(args.path):
        cmd.run("sessions.open", args.path)
        return
    movielens, epochs = getattr(args, "movielens", None), getattr(args, "train", None)
    lecture = getattr(args, "lecture", None)
    if lecture:
        if movielens:
            after = _model_shown(window) if epochs else features["recommender"].ratings_loaded
        else:
            after = window.workspace.dataset_changed if args.path else None
        cmd.run("lecture.run_when_ready", lecture, after)
        if not args.path and not movielens:
            return  # the lecture brings its own data: no start-page preview
    demo = getattr(args, "demo", None)
    if demo:
        if _view_options_given(args) or getattr(args, "dock", None):
            _model_shown(window).connect(apply_once, once)
        cmd.run("start.run_demo", demo)
        return
    if not movielens and not args.path:
        cmd.run("start.preview")  # the start page comes alive at once, offline
        return
    if movielens:
        if epochs:
            features["recommender"].ratings_loaded.connect(lambda _r: cmd.run("recommender.train", epochs),
                                                           once)
            _model_shown(window).connect(apply_once, once)
        cmd.run("recommender.open_ratings", movielens)
    if args.path:
        if _view_options_given(args) and not movielens:
            window.workspace.dataset_changed.connect(apply_once, once)
        cmd.run("loading.open_file", args.path, format=args.format, limit=args.limit,
                allow_pickle=args.allow_pickle, **cmd.run("loading.column_options", args))


#: Options that show something in the loaded set (``--dock`` and ``--movielens`` are not among them).
VIEW_OPTIONS = ("search", "select", "color_by", "neighbours", "analogy", "projection", "axes",
                "analogy_plane", "regions", "contours", "compare")


def _view_options_given(args) -> bool:
    return any(getattr(args, name, None) for name in VIEW_OPTIONS)


def apply_view_options(window, args) -> None:
    """Show what ``--dock``, ``--color-by``, ``--select``, ``--neighbours``, ``--analogy`` and
    ``--search`` ask for in the data set shown: every feature applies its own options.

    Raises :class:`DataError` (naming the option) for an unknown label, column or dock.
    """
    for name in getattr(args, "dock", None) or []:
        try:
            window.show_dock(name)
        except KeyError:
            names = ", ".join(window.docks)
            raise DataError(f"no panel called {name!r} (panels: {names})", "--dock") from None
    if not _view_options_given(args):
        return
    if window.workspace.dataset is None:
        raise DataError("nothing to show it in: give an embedding file (PATH) or --movielens with --train",
                        "--" + next(n for n in VIEW_OPTIONS if getattr(args, n, None)).replace("_", "-"))
    explorer = window.features["explorer"]
    explorer.finish_setup()
    for feature in window.features.values():
        feature.apply_arguments(args)
    explorer.apply_last(args)  # last: a computed column to colour by, then the search (it centres the view)
    if getattr(args, "neighbours", None) or getattr(args, "analogy", None):
        window.commands.run("explorer.zoom_to_results")  # up close: every result gets its label
    explorer.scatter.relayout_labels()


def _check_data_options(args) -> None:
    """``--train`` needs ``--movielens``; one set at a time: PATH, ``--movielens`` or ``--demo``."""
    if getattr(args, "train", None) is not None:
        if not getattr(args, "movielens", None):
            raise DataError("needs --movielens DATA (the ratings to train on)", "--train")
        if args.train < 1:
            raise DataError(f"expected a number of epochs of at least 1, got {args.train}", "--train")
    if getattr(args, "movielens", None) and args.path:
        raise DataError("give an embedding file or --movielens, not both", "--movielens")
    if getattr(args, "demo", None) and (args.path or getattr(args, "movielens", None)):
        raise DataError("a demo brings its own data: give --demo without a file or --movielens", "--demo")


def _run_screenshot(args) -> int:
    size = parse_size(getattr(args, "size", None) or "1280x800")
    _check_data_options(args)
    out = Path(args.screenshot)
    if out.suffix.lower() != ".png":
        raise DataError("--screenshot writes PNG; give a file name ending in .png", out)
    _use_offscreen_if_headless()
    _quiet_qt_messages()
    app = _application()
    from PySide6 import QtCore

    from embexplorer._qt.shell.main_window import MainWindow
    from embexplorer.core.session import is_session_file

    # A throw-away settings file: a screenshot neither reads nor changes the user's layout or recent files.
    with tempfile.TemporaryDirectory(prefix="embexplorer-shot-") as tmp:
        settings = QtCore.QSettings(str(Path(tmp) / "settings.ini"), QtCore.QSettings.Format.IniFormat)
        window = MainWindow(settings=settings, interactive=False)
        try:
            window.setAttribute(QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen, True)
            window.resize(*size)
            window.show()
            for name in getattr(args, "dock", None) or []:  # before loading: panels get the set as users do
                if window.dock(name) is not None:
                    window.show_dock(name)
            if getattr(args, "demo", None):
                _demo_blocking(window, args.demo)
            elif getattr(args, "movielens", None):
                _movielens_blocking(window, args)
            elif args.path and is_session_file(args.path):
                window.commands.run("sessions.open_blocking", args.path)
            elif args.path:
                _load_blocking(window, args)
            elif not getattr(args, "lecture", None):  # the start page, with the live preview's last frame
                demo = window.features["start"].genres_demo
                window.commands.run("start.preview")
                _wait_for([demo.finished], [demo.failed])
            apply_view_options(window, args)
            if getattr(args, "lecture", None):
                if not window.commands.run("lecture.run_for_screenshot", args.lecture):
                    raise DataError(window.commands.run("lecture.last_error") or "the demonstration failed",
                                    "--lecture")
            if getattr(args, "presentation", False):
                window.commands.run("presentation.set_active", True)
            window.resize(*size)  # a large minimum size may have pushed it out
            for kind in window.runner.running_kinds():  # what is still computing is shown finished
                window.runner.wait_for(kind, SCREENSHOT_TASK_WAIT_S)
            for _ in range(SCREENSHOT_SETTLE_PASSES):
                app.processEvents()
            window.features["explorer"].scatter.relayout_labels()  # the last resize moved the points
            for _ in range(SCREENSHOT_SETTLE_PASSES):  # (a grown status summary elides the message again)
                app.processEvents()
            image = window.grab().toImage()
            _save_png(image, out)
            if getattr(args, "json", False):
                import json

                from embexplorer._qt.shell.report import screenshot_report

                print(json.dumps(screenshot_report(window)))
        finally:
            window.shutdown_tasks()
            window.hide()
            window.deleteLater()
            app.processEvents()
    return 0


def _load_blocking(window, args) -> None:
    """Start the window's own background load and wait for its outcome."""
    from embexplorer.core.progress import Cancelled

    loading = window.features["loading"]
    cancelled = []
    loading.load_cancelled.connect(lambda: cancelled.append(Cancelled()))
    window.commands.run("loading.open_file", args.path, format=args.format, limit=args.limit,
                        allow_pickle=args.allow_pickle,
                        **window.commands.run("loading.column_options", args))
    _wait_for([loading.loaded], [loading.load_failed, loading.load_cancelled])
    if cancelled:
        raise cancelled[0]


def _wait_for(done_signals, failed_signals) -> object:
    """Run an event loop until one of ``done_signals`` (returns its first argument) or one of
    ``failed_signals`` (raises its exception, or DataError for a message) fires."""
    from PySide6 import QtCore

    loop = QtCore.QEventLoop()
    outcome: dict[str, object] = {}

    def done(*values) -> None:
        outcome.setdefault("ok", values[0] if values else None)
        loop.quit()

    def failed(err=None) -> None:
        outcome.setdefault("error", err)
        loop.quit()

    connections = [(s, done) for s in done_signals] + [(s, failed) for s in failed_signals]
    for signal, slot in connections:
        signal.connect(slot)
    try:
        loop.exec()
    finally:
        for signal, slot in connections:
            signal.disconnect(slot)
    if "error" in outcome and "ok" not in outcome:
        err = outcome["error"]
        raise err if isinstance(err, BaseException) else DataError(str(err or "failed"))
    return outcome.get("ok")


def _movielens_blocking(window, args) -> None:
    """Read ``--movielens`` ratings; with ``--train N`` train N epochs and wait for the model."""
    recommender = window.features["recommender"]
    window.commands.run("recommender.open_ratings", args.movielens)
    _wait_for([recommender.ratings_loaded], [recommender.ratings_failed])
    epochs = getattr(args, "train", None)
    if not epochs:
        return
    panel = recommender.training_panel
    shown = _model_shown(window)
    if not window.commands.run("recommender.train", epochs):  # refused to start: the panel says why
        raise DataError(panel.status.text(), "--train")
    _wait_for([shown], [panel.training_failed])
    # The User panel takes the model a moment later (after the new scatter is painted): wait for it.
    from PySide6 import QtCore

    deadline = QtCore.QDeadlineTimer(USER_PANEL_WAIT_MS)
    model = recommender.model
    while recommender.user_panel.model is not model and not deadline.hasExpired():
        QtCore.QCoreApplication.processEvents(QtCore.QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 20)


def _demo_blocking(window, name: str) -> None:
    """Run the demo ``name`` and wait until its trained vectors are the data set shown."""
    failed = [window.features["start"].genres_demo.failed, window.features["word2vec"].panel.training_failed]
    shown = _model_shown(window)
    window.commands.run("start.run_demo", name)
    _wait_for([shown], failed)


def _save_png(image, out: Path) -> None:
    from PySide6 import QtCore

    buf = QtCore.QBuffer()
    buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buf, "PNG"):
        raise OSError(f"could not encode the screenshot as PNG ({image.width()}x{image.height()})")
    with atomic_write(out, "wb") as fh:
        fh.write(bytes(buf.data()))
