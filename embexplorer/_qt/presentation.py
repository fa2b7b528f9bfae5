"""Presentation mode: the main window made for a projector, and one key to save the view as a slide.

F11 (or View > Presentation Mode) enlarges the application font, the point labels, the points and the
overlays, switches the plot to a high-contrast theme (black on white, thick axes; a dark theme the user
chose stays dark), hides the clutter (toolbar, status bar, the Points and Bookmarks docks) and goes full
screen.  F12 (View > Export Slide) writes the current view as a PNG at twice the pixels into a folder
asked for once and remembered: ``embexplorer-001.png``, ``-002`` … never overwriting.  Turning the mode
off puts every size, visibility, the theme and the window state back exactly as they were.

Wiring (main window)::

    from embexplorer._qt.presentation import install_presentation
    window.presentation = install_presentation(window)
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.export import write_png

#: Application font, point labels and axis text are this many times larger.
FONT_SCALE = 1.6
#: Share of the window's width the docked panels keep in presentation mode.
DOCK_SHARE = 0.36
#: Points are this many times larger (rounded, at least one pixel more).
POINT_SCALE = 2.0
#: Overlay markers, lines, arrow heads and the focus ring are this many times larger.
OVERLAY_SCALE = 1.6
#: Plot theme while presenting (a user's dark theme is kept instead).
PRESENTATION_THEME = "contrast"
#: Docks hidden while presenting (object names): the tables around the plot, not the analysis panels.
HIDDEN_DOCKS = ("pointsDock", "bookmarksDock")
#: Result tables up to this many rows get their columns fitted to the new font (not the big Points table).
FIT_TABLE_MAX_ROWS = 1000
#: Keys: toggle presentation mode, export the view as a numbered PNG.
TOGGLE_KEY = QtCore.Qt.Key.Key_F11
EXPORT_KEY = QtCore.Qt.Key.Key_F12
#: Pixels per view pixel of an exported slide.
EXPORT_SCALE = 2.0
#: Name of exported slides (the number is zero-padded to at least three digits).
EXPORT_NAME = "embexplorer-{:03d}.png"
EXPORT_PATTERN = re.compile(r"^embexplorer-(\d{3,})\.png$")
#: QSettings key of the slide folder.
KEY_EXPORT_DIR = "presentation/export_dir"
#: Qt platforms without real windows: no full screen there (tests, ``--screenshot``).
HEADLESS_PLATFORMS = ("offscreen", "minimal")


class PresentationMode(QtCore.QObject):
    """Presentation mode of a :class:`MainWindow` (see the module docstring).

    Signals
    -------
    toggled(bool)
        The mode was turned on or off.
    exported(str)
        A slide was written (its path).
    """

    toggled = QtCore.Signal(bool)
    exported = QtCore.Signal(str)

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.active = False
        self._saved: dict | None = None
        self.action = QtGui.QAction("&Presentation Mode", window)
        self.action.setCheckable(True)
        self.action.setShortcut(QtGui.QKeySequence(TOGGLE_KEY))
        self.action.setStatusTip("Large fonts, labels and points, high contrast, full screen (F11)")
        self.action.toggled.connect(self._on_action_toggled)
        self.export_action = QtGui.QAction("Export &Slide", window)
        self.export_action.setShortcut(QtGui.QKeySequence(EXPORT_KEY))
        self.export_action.setStatusTip("Save the current view as a numbered PNG at 2x (F12)")
        self.export_action.triggered.connect(self._on_export_triggered)
        self.choose_folder_action = QtGui.QAction("Choose Slide &Folder…", window)
        self.choose_folder_action.triggered.connect(self._on_choose_folder_triggered)
        # Closing while presenting: leave first, so the window saves its real layout (docks, toolbar)
        # and the application font is the user's again.
        window.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt override)
        if obj is self.window and event.type() == QtCore.QEvent.Type.Close and self.active:
            self.set_active(False)
        return False

    # ------------------------------------------------------------------ mode
    def set_active(self, on: bool) -> None:
        """Turn presentation mode on or off (same as the F11 action)."""
        self.action.setChecked(bool(on))

    def toggle(self) -> None:
        self.set_active(not self.active)

    def _on_action_toggled(self, on: bool) -> None:
        if on == self.active:
            return
        if on:
            self._enter()
        else:
            self._leave()
        self.active = on
        self.toggled.emit(on)

    def _enter(self) -> None:
        w = self.window
        app = QtWidgets.QApplication.instance()
        sc, ex = w.scatter, w.explorer
        self._saved = {
            "app_font": QtGui.QFont(app.font()),
            "point_size": sc.point_size,
            "size_spin": ex.size_spin.value(),
            "font_scale": sc.font_scale,
            "overlay_scale": sc.overlay_scale,
            "theme": sc.theme,
            "dark": ex.dark_action.isChecked(),
            # Docks and toolbars: their open/closed state, places and sizes, as Qt saves layouts.
            "layout": w.saveState(),
            "status_bar": not w.statusBar().isHidden(),
            "docks": {d.objectName(): not d.isHidden() for d in w.findChildren(QtWidgets.QDockWidget)},
            "toolbar": not w.toolbar.isHidden() if getattr(w, "toolbar", None) is not None else None,
            "window_state": w.windowState(),
            "full_screen": False,
        }
        big = QtGui.QFont(app.font())
        if big.pointSizeF() > 0:
            big.setPointSizeF(big.pointSizeF() * FONT_SCALE)
        else:  # a font sized in pixels
            big.setPixelSize(max(1, round(big.pixelSize() * FONT_SCALE)))
        app.setFont(big)
        size = max(sc.point_size + 1, round(sc.point_size * POINT_SCALE))
        sc.set_point_size(size)
        _set_quietly(ex.size_spin, size)  # the Size box shows what is drawn (changing it still works)
        sc.set_font_scale(self._saved["font_scale"] * FONT_SCALE)
        sc.set_overlay_scale(self._saved["overlay_scale"] * OVERLAY_SCALE)
        if sc.theme != "dark":  # a lecturer who chose the dark theme keeps it
            sc.set_theme(PRESENTATION_THEME)
        if getattr(w, "toolbar", None) is not None:
            w.toolbar.hide()
        w.statusBar().hide()
        for d in w.findChildren(QtWidgets.QDockWidget):
            if d.objectName() in HIDDEN_DOCKS:
                d.hide()
        # The plot is what the room looks at: the panels on the right keep a fixed share of the width
        # (restoreState on leaving gives the user's sizes back).
        right = [d for d in w.findChildren(QtWidgets.QDockWidget) if d.isVisible() and not d.isFloating()
                 and w.dockWidgetArea(d) == QtCore.Qt.DockWidgetArea.RightDockWidgetArea]
        if right:
            w.resizeDocks([right[0]], [int(w.width() * DOCK_SHARE)], QtCore.Qt.Orientation.Horizontal)
        if QtGui.QGuiApplication.platformName() not in HEADLESS_PLATFORMS:
            self._saved["full_screen"] = True
            w.showFullScreen()
        self._fit_tables()

    def _leave(self) -> None:
        w = self.window
        s = self._saved
        if s is None:
            return
        self._saved = None
        app = QtWidgets.QApplication.instance()
        sc, ex = w.scatter, w.explorer
        if s["full_screen"]:
            w.setWindowState(s["window_state"])
        app.setFont(s["app_font"])
        sc.set_point_size(s["point_size"])
        _set_quietly(ex.size_spin, s["size_spin"])
        sc.set_overlay_scale(s["overlay_scale"])
        if ex.dark_action.isChecked() != s["dark"]:
            ex.dark_action.setChecked(s["dark"])  # the explorer (and window) palettes follow
        sc.set_font_scale(s["font_scale"])
        sc.set_theme(s["theme"])
        w.restoreState(s["layout"])
        # restoreState covers docks and toolbars; make sure of every one (a dock added meanwhile too).
        for d in w.findChildren(QtWidgets.QDockWidget):
            if d.objectName() in s["docks"]:
                d.setVisible(s["docks"][d.objectName()])
        if s["toolbar"] is not None:
            w.toolbar.setVisible(s["toolbar"])
        w.statusBar().setVisible(s["status_bar"])
        self._fit_tables()

    def _fit_tables(self) -> None:
        """Result tables in the docks were sized to their text at the old font: fit them to the new one
        (once the font change has reached them)."""
        def fit() -> None:
            for d in self.window.findChildren(QtWidgets.QDockWidget):
                if d.isHidden():
                    continue
                for t in d.findChildren(QtWidgets.QTableView):
                    if t.model() is not None and 0 < t.model().rowCount() <= FIT_TABLE_MAX_ROWS:
                        t.resizeColumnsToContents()

        QtCore.QTimer.singleShot(0, self, fit)

    # ------------------------------------------------------------------ slides
    def export_dir(self) -> str | None:
        """The slide folder from the settings (None when not chosen yet or gone)."""
        value = self.window.settings.value(KEY_EXPORT_DIR, "")
        return str(value) if value and os.path.isdir(str(value)) else None

    def set_export_dir(self, path: str | os.PathLike) -> None:
        """Write slides into ``path`` from now on (remembered in the settings)."""
        self.window.settings.setValue(KEY_EXPORT_DIR, os.fspath(path))

    def export_slide(self) -> Path | None:
        """Write the current view as the next ``embexplorer-NNN.png`` (twice the view's pixels) into the
        slide folder; asks for the folder the first time (interactive windows).  Returns the file, or
        None when no folder was chosen.  Never overwrites a file."""
        folder = self.export_dir()
        if folder is None:
            if not self.window.interactive or not self._ask_folder():
                return None
            folder = self.export_dir()
        path = reserve_slide_path(folder)
        try:
            write_png(path, self.window.scatter.plot_widget, EXPORT_SCALE)
        except BaseException:
            path.unlink(missing_ok=True)  # give the number back
            raise
        self.window.statusBar().showMessage(f"Slide saved: {path}", 4000)
        self.exported.emit(str(path))
        return path

    def _ask_folder(self) -> bool:
        start = self.export_dir() or str(Path.home())
        folder = QtWidgets.QFileDialog.getExistingDirectory(self.window, "Folder for exported slides", start)
        if folder:
            self.set_export_dir(folder)
        return bool(folder)

    def _on_export_triggered(self) -> None:
        try:
            self.export_slide()
        except OSError as err:
            QtWidgets.QMessageBox.warning(self.window, "Export failed", str(err))

    def _on_choose_folder_triggered(self) -> None:
        self._ask_folder()


def _set_quietly(spin: QtWidgets.QSpinBox, value: int) -> None:
    blocked = spin.blockSignals(True)
    spin.setValue(value)
    spin.blockSignals(blocked)


def next_slide_number(folder: str | os.PathLike) -> int:
    """One more than the highest ``embexplorer-NNN.png`` number in ``folder`` (1 for none)."""
    numbers = [int(m.group(1)) for f in os.listdir(folder) if (m := EXPORT_PATTERN.match(f))]
    return max(numbers, default=0) + 1


def reserve_slide_path(folder: str | os.PathLike) -> Path:
    """Create the next free ``embexplorer-NNN.png`` in ``folder`` (empty, exclusively: two exports
    never get the same name) and return its path; the caller writes the image over it."""
    n = next_slide_number(folder)
    while True:
        path = Path(folder) / EXPORT_NAME.format(n)
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            n += 1
            continue
        os.close(fd)
        return path


def install_presentation(window) -> PresentationMode:
    """Add presentation mode to ``window``: View > Presentation Mode (F11), View > Export Slide (F12),
    View > Choose Slide Folder…; the keys work window-wide.  Returns the mode (also
    ``window.presentation``)."""
    if getattr(window, "presentation", None) is not None:  # the window installs it itself: once is enough
        return window.presentation
    mode = PresentationMode(window)
    menu = window.view_menu
    anchor = view_menu_anchor(menu)
    for a in (mode.action, mode.export_action, mode.choose_folder_action):
        a.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        if anchor is not None:
            menu.insertAction(anchor, a)
        else:
            menu.addAction(a)
        window.addAction(a)  # keys work with the menu bar hidden (full screen on some desktops)
    window.presentation = mode
    return mode


def view_menu_anchor(menu: QtWidgets.QMenu):
    """The action before which View-menu items go: the separator above the "Panels" section (None: the
    end of the menu), so they sit with the view options, not among the dock toggles."""
    actions = menu.actions()
    for i, a in enumerate(actions):
        if a.isSeparator() and a.text().replace("&", "") == "Panels":
            return actions[i - 1] if i > 0 and actions[i - 1].isSeparator() else a
    return None


__all__ = ["PresentationMode", "install_presentation", "next_slide_number", "reserve_slide_path"]
