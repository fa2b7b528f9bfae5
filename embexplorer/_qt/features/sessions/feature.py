"""The sessions feature: File › Save Session… / Open Session…, bookmarks and the bookmark tour.

A session is the data source (from the Workspace, with its content hash) plus every feature's
:meth:`~embexplorer._qt.feature.Feature.state`, by feature name, plus bookmarks (the states of
the features that make the view: :data:`BOOKMARK_FEATURES`).  The feature knows no other
feature's widgets: it asks the shell for the features (the ``shell.features`` command), loops
over them to capture, and leaves reopening to :class:`SessionRestorer`.  Ctrl+Shift+S saves,
Ctrl+B bookmarks, Page Down / Page Up step through the bookmarks (window-wide keys, so they
work with the menu bar out of sight), and the Bookmarks dock lists them.

Crash recovery (:mod:`.autosave`): an interactive window keeps its session autosaved in the state
folder and removes it on a clean exit; at start, one left by an unclean exit is offered back (a
dialog where someone can answer it, File › Restore Unsaved Session always).

Commands: ``sessions.open(path)`` (the loading feature sends ``*.embx.json`` here),
``sessions.open_blocking(path, timeout_ms)`` (``--screenshot``), ``sessions.save(path)``,
``sessions.add_bookmark(name)``, ``sessions.restore_autosave()``, ``sessions.discard_autosave()``.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.feature import DockSpec, Feature, MenuItem
from embexplorer._qt.features.sessions.autosave import Autosaver
from embexplorer._qt.features.sessions.bookmarks import BookmarksPanel, BookmarkTour
from embexplorer._qt.features.sessions.restore import RESTORE_TIMEOUT_MS, SessionRestorer
from embexplorer._qt.features.sessions.sources import SourceHasher, describe
from embexplorer.core.errors import DataError
from embexplorer.core.session import (
    SESSION_SUFFIX,
    Bookmark,
    Session,
    load_session,
    now_iso,
    orphaned_autosaves,
    save_session,
)

#: The features whose states make a bookmark (the view and the analysis panels, not training settings).
BOOKMARK_FEATURES = ("explorer", "projection", "neighbours", "analogy", "recommender")
#: File-dialog filter of session files.
SESSION_FILTER = f"embexplorer sessions (*{SESSION_SUFFIX});;JSON (*.json);;All files (*)"
#: QSettings key of the folder sessions were last saved to / opened from.
KEY_LAST_DIR = "sessions/last_dir"
#: Key (``--dock`` name) and title of the Bookmarks dock.
BOOKMARKS_DOCK, BOOKMARKS_TITLE = "bookmarks", "Bookmarks"
#: Shortcuts: save session, add bookmark, next / previous bookmark.
SAVE_SHORTCUT = "Ctrl+Shift+S"
ADD_BOOKMARK_SHORTCUT = "Ctrl+B"
NEXT_BOOKMARK_KEY = QtCore.Qt.Key.Key_PageDown
PREVIOUS_BOOKMARK_KEY = QtCore.Qt.Key.Key_PageUp
#: How long short notes stay in the status bar (ms).
NOTE_MS = 5000
#: How long "Bookmark 2/5: name" stays in the status bar (ms).
BOOKMARK_NOTE_MS = 4000
#: Menu groups: after File › Open Recent; in View with the view options, before the panels.
FILE_GROUP, VIEW_GROUP = 2, 20


class SessionsFeature(Feature):
    """Save and reopen sessions; keep bookmarks and step through them.

    Signals
    -------
    restored(object), restore_failed(object)
        A session was restored (the :class:`Session`) / could not be (the exception).
    bookmarks_changed(), bookmark_applied(int)
        The bookmarks changed / bookmark ``i`` was shown.
    """

    name = "sessions"
    restored = QtCore.Signal(object)
    restore_failed = QtCore.Signal(object)
    bookmarks_changed = QtCore.Signal()
    bookmark_applied = QtCore.Signal(int)

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        #: File of the session opened or saved last.
        self.session_path: str | None = None
        self.tour = BookmarkTour(self)
        self.restorer = SessionRestorer(ctx, self.features, self)
        self._hasher = SourceHasher()
        self.panel = BookmarksPanel(self.tour, ADD_BOOKMARK_SHORTCUT)
        self.restorer.restored.connect(self.restored)
        self.restorer.restore_failed.connect(self.restore_failed)
        self.tour.changed.connect(self.bookmarks_changed)
        self.tour.changed.connect(self._on_bookmarks_changed)
        self.tour.changed.connect(lambda: self.autosaver.schedule())
        self.tour.applied.connect(self.bookmark_applied)
        self.tour.add_requested.connect(lambda: self.add_bookmark())
        self.tour.apply_requested.connect(self.apply_bookmark)
        self.autosaver = Autosaver(ctx, lambda: self.capture(hashed=False), self._hasher.hashed, parent=self)
        #: Autosaves left by an unclean exit, newest first (found at start).
        self.orphans: list[Path] = []
        self._build_actions()
        reg = ctx.commands.register
        reg("sessions.open", self.open, "Open a saved session: its data, then every feature's state")
        reg("sessions.open_blocking", self.open_blocking, "Open a session and wait until it is restored")
        reg("sessions.save", self.save, "Save the session to a file")
        reg("sessions.add_bookmark", self.add_bookmark, "Bookmark the current view")
        reg("sessions.restore_autosave", self.restore_autosave,
            "Restore the session an unclean exit left (the newest), then forget it")
        reg("sessions.discard_autosave", self.discard_autosave, "Forget the sessions unclean exits left")
        reg("sessions.bookmarks", lambda: list(self.tour.items), "The bookmarks, in tour order")

    def _build_actions(self) -> None:
        A = QtGui.QAction
        self.save_action = A("Save &Session…", self)
        self.save_action.setShortcut(QtGui.QKeySequence(SAVE_SHORTCUT))
        self.save_action.setStatusTip("Save the data, view, panel queries and bookmarks to a session file")
        self.save_action.triggered.connect(self._on_save_triggered)
        self.open_action = A("Open S&ession…", self)
        self.open_action.setStatusTip(f"Reopen a saved session (*{SESSION_SUFFIX})")
        self.open_action.triggered.connect(self._on_open_triggered)
        self.add_bookmark_action = A("&Add Bookmark", self)
        self.add_bookmark_action.setShortcut(QtGui.QKeySequence(ADD_BOOKMARK_SHORTCUT))
        self.add_bookmark_action.setStatusTip("Bookmark the current view and panel state")
        self.add_bookmark_action.triggered.connect(lambda: self.add_bookmark())
        self.next_bookmark_action = A("&Next Bookmark", self)
        self.next_bookmark_action.setShortcut(QtGui.QKeySequence(NEXT_BOOKMARK_KEY))
        self.next_bookmark_action.triggered.connect(self.next_bookmark)
        self.previous_bookmark_action = A("&Previous Bookmark", self)
        self.previous_bookmark_action.setShortcut(QtGui.QKeySequence(PREVIOUS_BOOKMARK_KEY))
        self.previous_bookmark_action.triggered.connect(self.previous_bookmark)
        self.recover_action = A("Restore &Unsaved Session", self)
        self.recover_action.setStatusTip("Reopen what was shown when embexplorer last ended without closing")
        self.recover_action.setEnabled(False)
        self.recover_action.triggered.connect(lambda: self.restore_autosave())
        self.tour_menu = QtWidgets.QMenu("Bookmark &Tour")
        window = self.ctx.shell.widget()
        for a in (self.save_action, self.add_bookmark_action, self.next_bookmark_action,
                  self.previous_bookmark_action):
            a.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
            window.addAction(a)  # the keys work with the menu bar hidden too (presentation, full screen)
        for a in (self.add_bookmark_action, self.next_bookmark_action, self.previous_bookmark_action):
            self.tour_menu.addAction(a)
        self._update_tour_actions()

    # -- what the shell places ----------------------------------------------------------------
    def docks(self) -> list[DockSpec]:
        # Hidden until the first bookmark (or View › Bookmarks).
        return [DockSpec(BOOKMARKS_DOCK, BOOKMARKS_TITLE, self.panel, visible=False, scroll=False)]

    def menu_items(self) -> list[MenuItem]:
        return [MenuItem("File", self.open_action, FILE_GROUP),
                MenuItem("File", self.save_action, FILE_GROUP),
                MenuItem("File", self.recover_action, FILE_GROUP),
                MenuItem("View", self.tour_menu, VIEW_GROUP)]

    def ready(self) -> None:
        self.restorer.listen()
        if self.ctx.shell.interactive:  # the app itself; never --screenshot (nor the tests' windows)
            self.autosaver.start()
        if self.find_orphans() and self.ctx.shell.interactive:
            # After start-up: the window is shown and PATH is opening; the offer comes on top.
            QtCore.QTimer.singleShot(0, self, self.offer_recovery)

    def find_orphans(self) -> list[Path]:
        """Look for autosaves unclean exits left (done at start); File › Restore Unsaved Session follows."""
        self.orphans = orphaned_autosaves()
        self.recover_action.setEnabled(bool(self.orphans))
        return self.orphans

    def shutdown(self) -> None:
        # A clean exit: the autosave goes (only an unclean exit leaves one behind).
        self.autosaver.stop(remove=True)

    # -- crash recovery --------------------------------------------------------------------------
    def offer_recovery(self) -> None:
        """Offer the session an unclean exit left: a dialog where someone can answer it (never
        headless: the offscreen platform), else a status-bar note pointing at File › Restore Unsaved
        Session."""
        if not self.orphans:
            return
        try:
            session = load_session(self.orphans[0])
        except (DataError, OSError):  # damaged (the crash hit mid-write of a non-atomic copy?): forget it
            self.discard_autosave()
            return
        what = session.title or (Path(session.source.path).name if session.source and session.source.path
                                 else "the last session")
        headless = QtGui.QGuiApplication.platformName() in ("offscreen", "minimal")
        if headless:
            self.ctx.shell.message(f"embexplorer did not close properly: {what} can be restored "
                                   "(File › Restore Unsaved Session)")
            return
        box = QtWidgets.QMessageBox(self.ctx.shell.widget())
        box.setIcon(QtWidgets.QMessageBox.Icon.Question)
        box.setWindowTitle("Restore unsaved session?")
        box.setText(f"embexplorer did not close properly last time. Restore what it was showing ({what}), "
                    "with its view, selection, panel queries and bookmarks?")
        restore = box.addButton("Restore", QtWidgets.QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("Discard", QtWidgets.QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Later", QtWidgets.QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(restore)
        box.exec()
        if box.clickedButton() is restore:
            self.restore_autosave()
        elif box.clickedButton() is discard:
            self.discard_autosave()

    def restore_autosave(self) -> Session | None:
        """Restore the newest session an unclean exit left (then forget every such file); None if none."""
        orphans = self.orphans or orphaned_autosaves()
        if not orphans:
            return None
        try:
            session = load_session(orphans[0])
        except (DataError, OSError) as exc:
            self.ctx.shell.show_error(_as_data_error(exc, orphans[0]), "cannot restore the unsaved session")
            self.discard_autosave()
            return None
        self.discard_autosave()  # this window's own autosave keeps it from now on
        self.restore(session)
        return session

    def discard_autosave(self) -> None:
        """Forget the sessions unclean exits left."""
        for path in self.orphans or orphaned_autosaves():
            with contextlib.suppress(OSError):
                path.unlink()
        self.orphans = []
        self.recover_action.setEnabled(False)

    def features(self) -> dict[str, Feature]:
        """The window's features by name, in order (asked of the shell)."""
        return self.ctx.commands.run("shell.features")

    # -- capture -----------------------------------------------------------------------------
    @property
    def warnings(self) -> list[str]:
        """Warnings of the last restore (changed or missing data, states that no longer fit)."""
        return self.restorer.warnings

    def capture(self, hashed: bool = True) -> Session:
        """The window's state as a :class:`Session`: source (with its hash unless ``hashed`` is False:
        the autosave hashes off the UI thread), every feature's state, the bookmarks."""
        ws, cmd = self.ctx.workspace, self.ctx.commands
        if ws.source.kind == "memory":  # nothing on disk to reopen: refuse, not save a session without data
            raise ValueError("data shown from Python cannot be saved in a session: save it to a file first")
        ratings = cmd.run("recommender.ratings") if cmd.has("recommender.ratings") else None
        source = describe(ws.source, getattr(ratings, "source", None))
        if hashed:
            source = self._hasher.hashed(source)
        title = ws.source.title if ws.dataset is not None else ""
        return Session(source, title, self.feature_states(), list(self.tour.items), now_iso())

    def feature_states(self, names: tuple[str, ...] | None = None) -> dict[str, dict]:
        """``{name: state}`` of every feature with something to keep (of ``names`` only, if given),
        as JSON gives them back (a captured and a reopened session compare equal)."""
        states = {}
        for name, feature in self.features().items():
            if names is None or name in names:
                state = feature.state()
                if state is not None:
                    states[name] = json.loads(json.dumps(state))
        return states

    # -- files -------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> Path:
        """Capture the state and write it to ``path`` (``.embx.json`` added if it has no ``.json``)."""
        path = Path(path)
        if not path.name.lower().endswith(".json"):
            path = path.with_name(path.name + SESSION_SUFFIX)
        out = save_session(self.capture(), path)
        self._remember(out)
        self.ctx.shell.message(f"Session saved to {out}", NOTE_MS)
        return out

    def open(self, path: str | os.PathLike) -> Session | None:
        """Read the session at ``path`` and restore it; None (and an error dialog when interactive)
        if the file is not a valid session."""
        try:
            session = load_session(path)
        except (DataError, OSError) as exc:
            err = _as_data_error(exc, path)
            self.ctx.shell.message(f"Could not open session {Path(path).name}")
            self.ctx.shell.show_error(err, "cannot open session")
            self.restore_failed.emit(err)
            return None
        self._remember(Path(path))
        self.restore(session)
        return session

    def open_blocking(self, path: str | os.PathLike, timeout_ms: int = RESTORE_TIMEOUT_MS) -> Session:
        """Open the session at ``path`` and wait (event loop) until it is restored: for ``--screenshot``
        and scripts.  Raises DataError for a bad session file, missing data, an opening that fails or
        takes longer than ``timeout_ms``."""
        try:
            session = load_session(path)
        except OSError as err:
            raise _as_data_error(err, path) from None
        self.session_path = os.fspath(path)
        self.tour.replace(session.bookmarks)
        self.restorer.restore_blocking(session, timeout_ms)
        return session

    def restore(self, session: Session) -> list[str]:
        """Take ``session``'s bookmarks and reopen it (see :class:`SessionRestorer`); returns the
        warnings about its data."""
        self.tour.replace(session.bookmarks)
        return self.restorer.restore(session)

    def last_dir(self) -> str:
        """Folder of the last session saved or opened (the home folder at first)."""
        value = self.ctx.shell.settings.value(KEY_LAST_DIR, "")
        return str(value) if value and os.path.isdir(str(value)) else str(Path.home())

    def _remember(self, path: Path) -> None:
        """``path`` is the session now: in File › Open Recent, on the start page, the dialogs' folder."""
        self.session_path = os.fspath(path)
        self.ctx.shell.settings.setValue(KEY_LAST_DIR, str(Path(path).resolve().parent))
        self.ctx.recent.remember(os.fspath(path))

    def _on_save_triggered(self) -> None:
        start = self.session_path or os.path.join(self.last_dir(), "session" + SESSION_SUFFIX)
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self.ctx.shell.widget(), "Save session", start,
                                                        SESSION_FILTER)
        if not path:
            return
        try:
            self.save(path)
        except (OSError, TypeError, ValueError) as err:  # TypeError: a state JSON cannot hold
            QtWidgets.QMessageBox.warning(self.ctx.shell.widget(), "Save session failed", str(err))

    def _on_open_triggered(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self.ctx.shell.widget(), "Open session",
                                                        self.last_dir(), SESSION_FILTER)
        if path:
            self.open(path)

    # -- bookmarks -----------------------------------------------------------------------------
    @property
    def bookmarks(self) -> list[Bookmark]:
        """The bookmarks, in tour order."""
        return self.tour.items

    @property
    def current_bookmark(self) -> int:
        """Index of the bookmark shown last (-1: none)."""
        return self.tour.current

    def capture_bookmark(self, name: str) -> Bookmark:
        """A bookmark of the current view called ``name``."""
        return Bookmark(name, self.feature_states(BOOKMARK_FEATURES), now_iso())

    def add_bookmark(self, name: str | None = None) -> int:
        """Bookmark the current view and panel state; returns its index."""
        return self.tour.append(self.capture_bookmark(name or self.tour.next_name()))

    def apply_bookmark(self, i: int) -> None:
        """Show bookmark ``i`` (view, axes, colour, selection, focus, labels, panel queries)."""
        b = self.tour.items[i]
        self.restorer.apply_states(b.features)
        self.ctx.shell.message(f"Bookmark {i + 1}/{len(self.tour.items)}: {b.name}", BOOKMARK_NOTE_MS)
        self.tour.mark_applied(i)

    def next_bookmark(self) -> int:
        """Show the bookmark after the current one (stays on the last); returns its index, -1 if none."""
        i = self.tour.step(1)
        if i >= 0:
            self.apply_bookmark(i)
        return i

    def previous_bookmark(self) -> int:
        """Show the bookmark before the current one (stays on the first); returns its index."""
        i = self.tour.step(-1)
        if i >= 0:
            self.apply_bookmark(i)
        return i

    def rename_bookmark(self, i: int, name: str) -> None:
        self.tour.rename(i, name)

    def remove_bookmark(self, i: int) -> None:
        self.tour.remove(i)

    def move_bookmark(self, i: int, j: int) -> None:
        """Move bookmark ``i`` to position ``j`` (the tour order)."""
        self.tour.move(i, j)

    def _on_bookmarks_changed(self) -> None:
        self._update_tour_actions()
        # The dock opens with the first bookmark (not while presenting: that hides it on purpose).
        cmd = self.ctx.commands
        presenting = cmd.has("presentation.is_active") and cmd.run("presentation.is_active")
        dock = self.ctx.shell.dock(BOOKMARKS_DOCK)
        if self.tour.items and dock is not None and dock.isHidden() and not presenting:
            dock.show()

    def _update_tour_actions(self) -> None:
        # Page Up / Page Down are only taken from the tables while there are bookmarks to step through.
        on = bool(self.tour.items)
        self.next_bookmark_action.setEnabled(on)
        self.previous_bookmark_action.setEnabled(on)


def _as_data_error(err: BaseException, path) -> DataError:
    return err if isinstance(err, DataError) else DataError(getattr(err, "strerror", None) or str(err), path)
