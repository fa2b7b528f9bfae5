"""The presentation feature: the window made for a projector, and one key to save the view as a slide.

F11 (or View › Presentation Mode) enlarges the application font, the point labels, the points and
the overlays, switches the plot to a high-contrast theme (black on white, thick axes; a dark theme
the user chose stays dark), hides the clutter (toolbar, status bar, the Points and Bookmarks docks),
gives the plot most of the width and goes full screen.  F12 (View › Export Slide) writes the current
view as a PNG at twice the pixels into a folder asked for once and remembered:
``embexplorer-001.png``, ``-002`` … never overwriting.  Turning the mode off puts every size,
visibility, the theme and the window state back exactly as they were.

This feature is about the window itself, so it works on ``ctx.shell.widget()`` through
:class:`QMainWindow`'s own API (layout state, docks, toolbars, status bar, full screen); the plot
comes from the ``explorer.widget`` command.
"""

from __future__ import annotations

import os
from pathlib import Path

import shiboken6
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.feature import Feature, MenuItem
from embexplorer._qt.features.presentation.slides import reserve_slide_path
from embexplorer._qt.widgets.export import write_png

#: Application font, point labels and axis text are this many times larger.
FONT_SCALE = 1.6
#: Share of the window's width the docked panels keep in presentation mode, and the most they may take
#: when a panel's controls need more at the large font (nothing of it is cut off at 1280 pixels).
DOCK_SHARE = 0.36
DOCK_MAX_SHARE = 0.5
#: Room a dock takes around its panel (frame, margins, a scroll bar), in pixels.
DOCK_FRAME_PX = 24
#: Points are this many times larger (rounded, at least one pixel more).
POINT_SCALE = 2.0
#: Overlay markers, lines, arrow heads and the focus ring are this many times larger.
OVERLAY_SCALE = 1.6
#: Plot theme while presenting (a user's dark theme is kept instead).
PRESENTATION_THEME = "contrast"
#: Docks hidden while presenting (their keys): the tables around the plot, not the analysis panels.
HIDDEN_DOCKS = ("points", "bookmarks")
#: Result tables up to this many rows get their columns fitted to the new font (not the big Points table).
FIT_TABLE_MAX_ROWS = 1000
#: Pixels of a result table's row beyond its text height (as the tables are made).
ROW_PADDING_PX = 6
#: Keys: toggle presentation mode, export the view as a numbered PNG.
TOGGLE_KEY = QtCore.Qt.Key.Key_F11
EXPORT_KEY = QtCore.Qt.Key.Key_F12
#: Pixels per view pixel of an exported slide.
EXPORT_SCALE = 2.0
#: QSettings key of the slide folder.
KEY_EXPORT_DIR = "presentation/export_dir"
#: Qt platforms without real windows: no full screen there (tests, ``--screenshot``).
HEADLESS_PLATFORMS = ("offscreen", "minimal")
#: How long "Slide saved" stays in the status bar (ms).
NOTE_MS = 4000
#: View-menu group: with the view options, after the bookmark tour, before the panels.
VIEW_GROUP = 30


class PresentationFeature(Feature):
    """Presentation mode and slides (see the module docstring).

    Signals
    -------
    toggled(bool)
        The mode was turned on or off.
    exported(str)
        A slide was written (its path).
    """

    name = "presentation"
    toggled = QtCore.Signal(bool)
    exported = QtCore.Signal(str)

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.active = False
        self._saved: dict | None = None
        A = QtGui.QAction
        self.action = A("&Presentation Mode", self)
        self.action.setCheckable(True)
        self.action.setShortcut(QtGui.QKeySequence(TOGGLE_KEY))
        self.action.setStatusTip("Large fonts, labels and points, high contrast, full screen (F11)")
        self.action.toggled.connect(self._on_action_toggled)
        self.export_action = A("Export &Slide", self)
        self.export_action.setShortcut(QtGui.QKeySequence(EXPORT_KEY))
        self.export_action.setStatusTip("Save the current view as a numbered PNG at 2x (F12)")
        self.export_action.triggered.connect(self._on_export_triggered)
        self.choose_folder_action = A("Choose Slide &Folder…", self)
        self.choose_folder_action.triggered.connect(self._on_choose_folder_triggered)
        for a in (self.action, self.export_action, self.choose_folder_action):
            a.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
            ctx.shell.widget().addAction(a)  # keys work with the menu bar out of sight (full screen)
        reg = ctx.commands.register
        reg("presentation.is_active", lambda: self.active, "Whether presentation mode is on")
        reg("presentation.set_active", self.set_active, "Turn presentation mode on or off")
        reg("presentation.export_slide", self.export_slide, "Save the view as the next numbered 2x PNG")

    def menu_items(self) -> list[MenuItem]:
        return [MenuItem("View", a, VIEW_GROUP) for a in (self.action, self.export_action,
                                                          self.choose_folder_action)]

    def shutdown(self) -> None:
        # The window closes: leave first, so it saves its real layout (docks, toolbar) and the
        # application font is the user's again.
        self.set_active(False)

    # -- the mode ------------------------------------------------------------------------------
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

    def _plot(self):
        """The explorer's plot widget (scatter, Size box, Dark action)."""
        return self.ctx.commands.run("explorer.widget")

    def _docks(self) -> dict[str, QtWidgets.QDockWidget]:
        shell = self.ctx.shell
        return {key: shell.dock(key) for key in shell.dock_keys() if shell.dock(key) is not None}

    def _enter(self) -> None:
        w, ex = self.ctx.shell.widget(), self._plot()
        sc = ex.scatter
        app = QtWidgets.QApplication.instance()
        direct = QtCore.Qt.FindChildOption.FindDirectChildrenOnly  # not the plot's own toolbar
        toolbars = w.findChildren(QtWidgets.QToolBar, options=direct)
        self._saved = {
            "app_font": QtGui.QFont(app.font()),
            "point_size": sc.point_size,
            "size_spin": ex.size_spin.value(),
            "font_scale": sc.font_scale,
            "overlay_scale": sc.overlay_scale,
            "theme": sc.theme,
            "dark": ex.dark_action.isChecked(),
            # Docks and toolbars: their open/closed state and sizes (the docks do not move meanwhile).
            "status_bar": not w.statusBar().isHidden(),
            "docks": {key: not d.isHidden() for key, d in self._docks().items()},
            "toolbars": {tb: not tb.isHidden() for tb in toolbars},
            "window_state": w.windowState(),
            "full_screen": False,
            # What is inside the docks and the plot page too: every table's column widths and row
            # height, every dock's size and every splitter are put back exactly on leaving.
            "columns": _column_widths(w),
            "dock_sizes": {d: (d.width(), d.height()) for d in self._docks().values()
                           if d.isVisible() and not d.isFloating()},
            "splitters": {sp: sp.sizes() for sp in w.findChildren(QtWidgets.QSplitter)},
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
        for tb in toolbars:
            tb.hide()
        ex.set_compact(True)  # the plot's own toolbar fits at the large font
        w.statusBar().hide()
        for key, d in self._docks().items():
            if key in HIDDEN_DOCKS:
                d.hide()
        if QtGui.QGuiApplication.platformName() not in HEADLESS_PLATFORMS:
            self._saved["full_screen"] = True
            w.showFullScreen()
        QtWidgets.QApplication.sendPostedEvents()  # the new font reaches the panels: their sizes are known
        self._size_docks()
        self._fit_tables()

    def _size_docks(self) -> None:
        """The plot is what the room looks at: the panels on the right keep a fixed share of the width
        (leaving gives the user's sizes back), more when their controls need it at the large font."""
        w = self.ctx.shell.widget()
        right = [d for d in self._docks().values() if d.isVisible() and not d.isFloating()
                 and w.dockWidgetArea(d) == QtCore.Qt.DockWidgetArea.RightDockWidgetArea]
        if not right:
            return
        need = 0
        for d in right:
            inner = d.widget().widget() if isinstance(d.widget(), QtWidgets.QScrollArea) else d.widget()
            if inner is not None:
                need = max(need, inner.minimumSizeHint().width() + DOCK_FRAME_PX)
        width = min(max(int(w.width() * DOCK_SHARE), need), int(w.width() * DOCK_MAX_SHARE))
        w.resizeDocks([right[0]], [width], QtCore.Qt.Orientation.Horizontal)

    def _leave(self) -> None:
        s, self._saved = self._saved, None
        if s is None:
            return
        w, ex = self.ctx.shell.widget(), self._plot()
        sc = ex.scatter
        if s["full_screen"]:
            w.setWindowState(s["window_state"])
        QtWidgets.QApplication.instance().setFont(s["app_font"])
        sc.set_point_size(s["point_size"])
        _set_quietly(ex.size_spin, s["size_spin"])
        sc.set_overlay_scale(s["overlay_scale"])
        if ex.dark_action.isChecked() != s["dark"]:
            ex.dark_action.setChecked(s["dark"])  # the explorer (and window) palettes follow
        sc.set_font_scale(s["font_scale"])
        sc.set_theme(s["theme"])
        ex.set_compact(False)
        # The user's font and row heights first: the docks' minimum sizes follow them, and the layout
        # restored below must not be squeezed by the large ones.
        QtWidgets.QApplication.sendPostedEvents()
        _restore_column_widths(s["columns"])
        w.statusBar().setVisible(s["status_bar"])
        for tb, shown in s["toolbars"].items():
            tb.setVisible(shown)
        # Docks shown again where they were, then every one at its size.  Not restoreState: it makes new
        # tab bars and leaves the old ones on screen (a ghost "Neighbours | Analogy" bar).
        for key, d in self._docks().items():
            if key in s["docks"]:
                d.setVisible(s["docks"][key])
        # Let the layouts settle at the user's font (minimum sizes shrink back) before the sizes are set.
        QtWidgets.QApplication.processEvents(QtCore.QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        self._restore_dock_sizes(s["dock_sizes"])
        # Once more after the docks shown again have been laid out (Qt places them at a default split).
        QtCore.QTimer.singleShot(0, self, lambda: self._restore_dock_sizes(s["dock_sizes"]))
        for splitter, sizes in s["splitters"].items():
            if shiboken6.isValid(splitter):
                splitter.setSizes(sizes)
        _restore_column_widths(s["columns"])

    def _restore_dock_sizes(self, sizes: dict) -> None:
        """Every docked panel back at its width and height (tabbed docks share one place: one size)."""
        w = self.ctx.shell.widget()
        docks = [d for d in sizes if shiboken6.isValid(d) and d.isVisible() and not d.isFloating()]
        if not docks:
            return
        # One dock per column sets the width (docks stacked in a column share it).
        w.resizeDocks(docks[:1], [sizes[docks[0]][0]], QtCore.Qt.Orientation.Horizontal)
        front = [d for d in docks if not d.visibleRegion().isEmpty()]  # not the docks tabbed away
        w.resizeDocks(front, [sizes[d][1] for d in front], QtCore.Qt.Orientation.Vertical)

    def _fit_tables(self) -> None:
        """Result tables in the docks were sized to their text at the old font: fit them to the new one
        (once the font change has reached them)."""
        def fit() -> None:
            for d in self._docks().values():
                if d.isHidden():
                    continue
                for t in d.findChildren(QtWidgets.QTableView):
                    if t.model() is not None and 0 < t.model().rowCount() <= FIT_TABLE_MAX_ROWS:
                        t.verticalHeader().setDefaultSectionSize(t.fontMetrics().height() + ROW_PADDING_PX)
                        t.resizeColumnsToContents()
                        t.updateGeometry()

        QtCore.QTimer.singleShot(0, self, fit)

    # -- slides --------------------------------------------------------------------------------
    def export_dir(self) -> str | None:
        """The slide folder from the settings (None when not chosen yet or gone)."""
        value = self.ctx.shell.settings.value(KEY_EXPORT_DIR, "")
        return str(value) if value and os.path.isdir(str(value)) else None

    def set_export_dir(self, path: str | os.PathLike) -> None:
        """Write slides into ``path`` from now on (remembered in the settings)."""
        self.ctx.shell.settings.setValue(KEY_EXPORT_DIR, os.fspath(path))

    def export_slide(self) -> Path | None:
        """Write the current view as the next ``embexplorer-NNN.png`` (twice the view's pixels) into the
        slide folder; asks for the folder the first time (interactive windows).  Returns the file, or
        None when no folder was chosen.  Never overwrites a file."""
        folder = self.export_dir()
        if folder is None:
            if not self.ctx.shell.interactive or not self._ask_folder():
                return None
            folder = self.export_dir()
        path = reserve_slide_path(folder)
        try:
            write_png(path, self._plot().scatter.plot_widget, EXPORT_SCALE)
        except BaseException:
            path.unlink(missing_ok=True)  # give the number back
            raise
        self.ctx.shell.message(f"Slide saved: {path}", NOTE_MS)
        self.exported.emit(str(path))
        return path

    def _ask_folder(self) -> bool:
        start = self.export_dir() or str(Path.home())
        folder = QtWidgets.QFileDialog.getExistingDirectory(self.ctx.shell.widget(),
                                                            "Folder for exported slides", start)
        if folder:
            self.set_export_dir(folder)
        return bool(folder)

    def _on_export_triggered(self) -> None:
        try:
            self.export_slide()
        except OSError as err:
            QtWidgets.QMessageBox.warning(self.ctx.shell.widget(), "Export failed", str(err))

    def _on_choose_folder_triggered(self) -> None:
        self._ask_folder()


def _column_widths(window) -> dict:
    """Every table's column widths and row height (restored exactly when presentation mode ends)."""
    out = {}
    for t in window.findChildren(QtWidgets.QTableView):
        cols = t.model().columnCount() if t.model() is not None else 0
        out[t] = ([t.columnWidth(c) for c in range(cols)], t.verticalHeader().defaultSectionSize())
    return out


def _restore_column_widths(saved: dict) -> None:
    for t, (widths, row_height) in saved.items():
        if not shiboken6.isValid(t):
            continue  # a table deleted meanwhile
        t.verticalHeader().setDefaultSectionSize(row_height)
        t.updateGeometry()  # a result table's minimum height follows its row height
        cols = t.model().columnCount() if t.model() is not None else 0
        if cols != len(widths):
            continue  # another result with other columns arrived meanwhile: it keeps its own sizes
        for c, width in enumerate(widths):
            t.setColumnWidth(c, width)


def _set_quietly(spin: QtWidgets.QSpinBox, value: int) -> None:
    blocked = spin.blockSignals(True)
    spin.setValue(value)
    spin.blockSignals(blocked)
