"""The window frame: it builds the Workspace and the features, and places what they return.

The shell knows no feature by name.  It makes one :class:`~embexplorer._qt.workspace.Workspace`,
one :class:`~embexplorer._qt.workers.TaskRunner` and one command registry, asks every feature
(:mod:`embexplorer._qt.features`) for its pages, docks, menu entries, toolbar and status-bar
widgets, and then only routes: drops and ``open_path`` go to the ``loading.open_path`` command,
Cancel to the task shown, F1-style help to the About box.
"""

from __future__ import annotations

import os
import time
import traceback
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer import __version__
from embexplorer._qt import features as feature_rooms
from embexplorer._qt.feature import Commands, Context, DockSpec, Feature, RecentFiles
from embexplorer._qt.shell.dock_scroller import DockScroller, fit_dock
from embexplorer._qt.shell.status import TaskStatus
from embexplorer._qt.workers import TaskRunner
from embexplorer._qt.workspace import Workspace
from embexplorer.core.errors import DataError

#: Application name shown in titles and dialogs.
APP_TITLE = "embexplorer"
#: Organisation / application names for QSettings.
SETTINGS_ORG = SETTINGS_APP = "embexplorer"
#: Seconds to wait for worker threads when the window closes.
CLOSE_TIMEOUT_S = 3.0
#: Default window size (pixels) when no geometry was saved.
DEFAULT_SIZE = (1280, 800)
#: Version of the saved dock layout; bump when docks change incompatibly.
STATE_VERSION = 3
#: Top-level menus, in order (features add entries to these by name).
MENUS = ("File", "Edit", "View", "Recommender", "Lecture", "Help")
#: Default width of the right-hand docks, and the height the first dock keeps (pixels).
RIGHT_DOCK_WIDTH, FIRST_DOCK_MIN_HEIGHT = 430, 140
#: Pixels kept between a status-bar message and the permanent widgets on its right.
STATUS_MARGIN_PX = 24
#: The page shown while nothing is open hides the docks (empty tables beside it are clutter).
START_PAGE = "start"
_KEY_GEOMETRY, _KEY_STATE = "window/geometry", "window/state"


class MainWindow(QtWidgets.QMainWindow):
    """The application window.

    Attributes
    ----------
    workspace : Workspace
        The shared state (data set, projection, selection, layers).
    runner : TaskRunner
        Background tasks of every feature.
    commands : Commands
        What the features offer one another, by name.
    features : dict[str, Feature]
        The features, by folder name.
    docks : dict[str, QDockWidget]
        Docks by ``--dock`` name.
    """

    def __init__(self, settings: QtCore.QSettings | None = None, interactive: bool = True,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings if settings is not None else QtCore.QSettings(SETTINGS_ORG, SETTINGS_APP)
        self.interactive = interactive
        self.workspace = Workspace(self)
        self.runner = TaskRunner(self)
        self.commands = Commands()
        self.recent = RecentFiles(self.settings, self)
        self.docks: dict[str, QtWidgets.QDockWidget] = {}
        self._pages: dict[str, QtWidgets.QWidget] = {}
        self._page_focus: dict[str, QtWidgets.QWidget] = {}
        self._docks_put_away: list[QtWidgets.QDockWidget] = []
        self._restoring = False  # a saved layout hides docks: that is not the user closing them
        self._layout_restored = False
        self.setObjectName("MainWindow")
        self.setWindowTitle(APP_TITLE)
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)
        self.setCorner(QtCore.Qt.Corner.BottomRightCorner, QtCore.Qt.DockWidgetArea.RightDockWidgetArea)
        self.resize(*DEFAULT_SIZE)
        self.menus = {name: self.menuBar().addMenu(f"&{name}") for name in MENUS}
        self.status = TaskStatus(self.statusBar(), self._std_icon("SP_BrowserStop"))
        self._central = QtWidgets.QStackedWidget(self)
        self.setCentralWidget(self._central)
        self.toolbar = QtWidgets.QToolBar("Main toolbar", self)
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(QtCore.Qt.ToolBarArea.TopToolBarArea, self.toolbar)

        ctx = Context(self.workspace, self.runner, self.commands, self, self.recent)
        self.features: dict[str, Feature] = {f.name: f for f in feature_rooms.create_all(ctx)}
        self._place_features()
        self.commands.register("shell.set_dark", self._set_dark, "Darken the whole window")
        self.commands.register("shell.features", lambda: dict(self.features),
                               "The features by name, in order (sessions loop over them)")
        self.workspace.dataset_changed.connect(self._on_dataset_changed)
        for f in self.features.values():
            f.ready()
        self._add_help_menu()
        geometry = self.settings.value(_KEY_GEOMETRY)
        if isinstance(geometry, QtCore.QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)

    # -- placing what features return ---------------------------------------------------
    def _place_features(self) -> None:
        items = []
        for order, f in enumerate(self.features.values()):
            for page in f.pages():
                self._pages[page.key] = page.widget
                self._page_focus[page.key] = page.focus or page.widget
                self._central.addWidget(page.widget)
            for spec in f.docks():
                self._add_dock(spec)
            for entry in f.toolbar_items():
                if entry is None:
                    self.toolbar.addSeparator()
                elif isinstance(entry, QtGui.QAction):
                    self.toolbar.addAction(entry)
                else:
                    self.toolbar.addWidget(entry)
            for w in f.status_widgets():
                self.statusBar().addPermanentWidget(w)
                w.installEventFilter(self)  # a summary that grows takes room from the message: elide again
            items += [(item.menu, item.group, order, item.item) for item in f.menu_items()]
        for name in MENUS:
            last = None
            for _menu, group, _order, item in sorted((i for i in items if i[0] == name),
                                                     key=lambda i: (i[1], i[2])):
                if last is not None and group // 10 != last // 10:
                    self.menus[name].addSeparator()
                last = group
                if isinstance(item, QtWidgets.QMenu):
                    self.menus[name].addMenu(item)
                else:
                    self.menus[name].addAction(item)
        view = self.menus["View"]
        view.insertAction(view.actions()[0] if view.actions() else None, self.toolbar.toggleViewAction())
        view.addSection("Panels")
        for d in self.docks.values():
            view.addAction(d.toggleViewAction())
        docks = list(self.docks.values())
        if docks:
            self.resizeDocks(docks[:1], [RIGHT_DOCK_WIDTH], QtCore.Qt.Orientation.Horizontal)

    def _add_dock(self, spec: DockSpec) -> None:
        d = QtWidgets.QDockWidget(spec.title, self)
        d.setObjectName(f"{spec.key}Dock")
        if spec.scroll:  # panels with many controls scroll rather than force a wide, tall window
            scroller = DockScroller(self)
            scroller.setWidgetResizable(True)
            scroller.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
            scroller.set_panel(spec.widget)
            d.setWidget(scroller)
        else:
            d.setWidget(spec.widget)
        if not (self._layout_restored and self.restoreDockWidget(d)):
            self.addDockWidget(spec.area, d)
            if spec.tab_with in self.docks:
                self.tabifyDockWidget(self.docks[spec.tab_with], d)
        d.setVisible(spec.visible)
        if spec.on_closed is not None:
            # Closed by the user (not tabbed away, not put away for the start page): its layers go.
            d.toggleViewAction().toggled.connect(lambda on, dock=d, done=spec.on_closed:
                                                 None if on or self._restoring or dock in self._docks_put_away
                                                 else done())
        self.docks[spec.key] = d

    def _add_help_menu(self) -> None:
        about = self.menus["Help"].addAction(f"&About {APP_TITLE}", self._on_about_triggered)
        about.setMenuRole(QtGui.QAction.MenuRole.AboutRole)
        about_qt = self.menus["Help"].addAction("About &Qt", QtWidgets.QApplication.aboutQt)
        about_qt.setMenuRole(QtGui.QAction.MenuRole.AboutQtRole)
        for menu in self.menus.values():
            menu.menuAction().setVisible(not menu.isEmpty())

    # -- ShellApi: what features may ask --------------------------------------------------
    def widget(self) -> QtWidgets.QMainWindow:
        return self

    def menu(self, name: str) -> QtWidgets.QMenu:
        return self.menus[name]

    def dock(self, key: str) -> QtWidgets.QDockWidget | None:
        """The dock ``key`` (any case, or its title), or None."""
        key = key.strip().lower()
        return next((d for k, d in self.docks.items() if key in (k, d.windowTitle().lower())), None)

    def dock_keys(self) -> list[str]:
        return list(self.docks)

    def show_dock(self, key: str, height: int | None = None) -> QtWidgets.QDockWidget:
        """Show the dock ``key`` in front of its tab group, wide and tall enough (``height`` pixels tall
        when given, unless floating); KeyError if none."""
        d = self.dock(key)
        if d is None:
            raise KeyError(key)
        if d in self._docks_put_away:
            self._docks_put_away.remove(d)
        d.show()
        d.raise_()
        fit_dock(self, d, height, first=next(iter(self.docks.values())), first_min=FIRST_DOCK_MIN_HEIGHT)
        return d

    def show_central(self, key: str) -> None:
        """Show the page ``key`` in the centre (the start page puts the docks away)."""
        widget, page = self._pages[key], self._central.currentWidget()
        focus = self.focusWidget()
        had_focus = focus is None or page is None or focus is page or page.isAncestorOf(focus)
        self._central.setCurrentWidget(widget)
        if key == START_PAGE:
            for d in self.docks.values():
                if d.isVisibleTo(self) and not d.isFloating():
                    self._docks_put_away.append(d)  # first: hiding is not closing (on_closed asks)
                    d.hide()
        else:
            for d in self._docks_put_away:
                d.show()
            self._docks_put_away = []
        if had_focus and widget is not page:
            self._page_focus[key].setFocus()  # keys go to the page now shown, not to a dock

    def central_key(self) -> str:
        current = self._central.currentWidget()
        return next((k for k, w in self._pages.items() if w is current), "")

    def message(self, text: str, timeout_ms: int = 0) -> None:
        """Say ``text`` in the status bar, elided to the room left of its permanent widgets (a long
        caption never runs under the data set's summary); the whole text is its tooltip."""
        bar = self.statusBar()
        # The permanent widgets sit on the right: the message has the room left of the first of them.
        direct = QtCore.Qt.FindChildOption.FindDirectChildrenOnly
        edges = [w.x() for w in bar.findChildren(QtWidgets.QWidget, options=direct)  # (whatever their width)
                 if w.isVisible() and w.width() > 0 and not isinstance(w, QtWidgets.QSizeGrip)]
        room = (min(edges) if edges else bar.width()) - STATUS_MARGIN_PX
        elide = QtCore.Qt.TextElideMode.ElideRight
        shown = bar.fontMetrics().elidedText(text, elide, room) if room > 0 else text
        bar.setToolTip(text if shown != text else "")
        bar.showMessage(shown, timeout_ms)
        self._message = (text, shown, time.monotonic() + timeout_ms / 1000 if timeout_ms else None)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        if event.type() in (QtCore.QEvent.Type.Resize, QtCore.QEvent.Type.Move, QtCore.QEvent.Type.Show):
            QtCore.QTimer.singleShot(0, self, self._elide_message_again)
        return super().eventFilter(obj, event)

    def _elide_message_again(self) -> None:
        text, shown, deadline = getattr(self, "_message", (None, None, None))
        if text is None or self.statusBar().currentMessage() != shown:
            return  # replaced or timed out since
        left = None if deadline is None else int((deadline - time.monotonic()) * 1000)
        if left is None or left > 0:
            self.message(text, left or 0)

    def busy(self, owner: str, message: str, cancel=None) -> None:
        self.status.busy(owner, message, cancel)

    def progress(self, owner: str, fraction: float | None, message: str = "") -> None:
        self.status.progress(owner, fraction, message)

    def idle(self, owner: str) -> None:
        self.status.idle(owner)

    def is_busy(self, owner: str | None = None) -> bool:
        return self.status.is_busy(owner)

    def show_error(self, err: BaseException, title: str = "cannot open file") -> None:
        """A dialog naming file, line and reason; never a bare traceback (nothing when scripted)."""
        if not self.interactive:
            return
        box = QtWidgets.QMessageBox(self)
        box.setWindowTitle(f"{APP_TITLE}: {title}")
        if isinstance(err, DataError):
            box.setIcon(QtWidgets.QMessageBox.Icon.Warning)
            box.setText(f"Could not open “{Path(err.path).name if err.path else 'the input'}”.")
            where = (err.path or "") + (f", line {err.line}" if err.line is not None else "")
            box.setInformativeText(f"{where}:\n{err.reason}" if where else err.reason)
        elif isinstance(err, OSError):
            box.setIcon(QtWidgets.QMessageBox.Icon.Warning)
            box.setText(f"Could not open “{Path(err.filename).name if err.filename else 'the file'}”.")
            box.setInformativeText(f"{err.filename or ''}\n{err.strerror or err}".strip())
        else:
            box.setIcon(QtWidgets.QMessageBox.Icon.Critical)
            box.setText("Something went wrong.")
            box.setInformativeText(f"{type(err).__name__}: {err}")
            box.setDetailedText("".join(traceback.format_exception(type(err), err, err.__traceback__)))
        box.exec()

    # -- the window's own business ------------------------------------------------------------
    def open_path(self, path: str | os.PathLike) -> None:
        """Open what ``path`` is (a session or an embedding file): drops and the CLI come here."""
        self.commands.run("loading.open_path", os.fspath(path))

    def shutdown_tasks(self, timeout: float = CLOSE_TIMEOUT_S) -> bool:
        """Cancel and wait for every background task (the window's runner and any widget's own).

        Returns True if all worker threads ended within ``timeout`` seconds in total.
        """
        deadline = time.monotonic() + timeout
        for f in self.features.values():
            f.shutdown()
        runners = [self.runner] + [r for r in self.findChildren(TaskRunner) if r is not self.runner]
        for r in runners:  # cancel all first, so they wind down in parallel
            r.cancel_all()
        return all([r.shutdown(max(0.0, deadline - time.monotonic())) for r in runners])

    def restore_layout(self) -> bool:
        """Put docks and toolbars back where the user left them."""
        self._layout_restored = True
        state = self.settings.value(_KEY_STATE)
        if not (isinstance(state, QtCore.QByteArray) and not state.isEmpty()):
            return False
        start = self.central_key() == START_PAGE
        self._docks_put_away = []
        self._restoring = True
        try:
            restored = bool(self.restoreState(state, STATE_VERSION))
        finally:
            self._restoring = False
        if start:
            self.show_central(START_PAGE)
        return restored

    def save_layout(self) -> None:
        """Remember window geometry and dock layout (docks the start page put away count as shown)."""
        self.settings.setValue(_KEY_GEOMETRY, self.saveGeometry())
        away = list(self._docks_put_away)
        for d in away:
            d.setVisible(True)
        self.settings.setValue(_KEY_STATE, self.saveState(STATE_VERSION))
        for d in away:
            d.setVisible(False)
        self.settings.sync()

    def _on_dataset_changed(self, dataset) -> None:
        src = self.workspace.source
        if src.kind == "file" and src.path:
            self.setWindowTitle(f"{Path(src.path).name} — {APP_TITLE}")
            self.setWindowFilePath(src.path)
        elif dataset is not None and src.title:
            self.setWindowTitle(f"{src.title} — {APP_TITLE}")
        else:
            self.setWindowTitle(APP_TITLE)

    def _set_dark(self, on: bool, palette: QtGui.QPalette | None = None) -> None:
        # The plot darkens itself; the rest of the window follows so it reads as one.
        self.setPalette(palette if on and palette is not None else QtWidgets.QApplication.palette())
        for d in self.docks.values():
            d.setAutoFillBackground(on)

    def _std_icon(self, name: str) -> QtGui.QIcon:
        return self.style().standardIcon(getattr(QtWidgets.QStyle.StandardPixmap, name))

    def _on_about_triggered(self) -> None:
        import numpy as np
        import pyqtgraph
        from PySide6 import __version__ as pyside_version

        QtWidgets.QMessageBox.about(
            self, f"About {APP_TITLE}",
            f"<h3>{APP_TITLE} {__version__}</h3>"
            "<p>Explore word, item and user embeddings: exact PCA scatter, neighbours, analogies, "
            "recommendations and small models trained live.</p>"
            f"<p style='color:#666'>PySide6 {pyside_version} · Qt {QtCore.qVersion()} · "
            f"pyqtgraph {pyqtgraph.__version__} · numpy {np.__version__}</p>")

    # -- events ---------------------------------------------------------------------------
    def dragEnterEvent(self, event: QtGui.QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        event.acceptProposedAction() if _local_files(event.mimeData()) else event.ignore()

    def dragMoveEvent(self, event: QtGui.QDragMoveEvent) -> None:  # noqa: N802
        event.acceptProposedAction() if _local_files(event.mimeData()) else event.ignore()

    def dropEvent(self, event: QtGui.QDropEvent) -> None:  # noqa: N802
        files = _local_files(event.mimeData())
        if not files:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_path(files[0])  # one set at a time: the first file dropped

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802
        self.shutdown_tasks(CLOSE_TIMEOUT_S)
        self.save_layout()
        super().closeEvent(event)


def _local_files(mime: QtCore.QMimeData) -> list[str]:
    if mime is None or not mime.hasUrls():
        return []
    return [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and u.toLocalFile()]
