"""Sessions and bookmarks in the main window: File > Save Session… / Open Session…, a Bookmarks dock,
Page Down / Page Up to step through the bookmarks as a tour.

Wiring (main window / app)::

    from embexplorer._qt.session import install_sessions, is_session_file
    window.sessions = install_sessions(window)        # menu actions, Bookmarks dock, shortcuts
    # command line: a session path opens the session instead of a data file
    if is_session_file(path):
        window.sessions.open_session(path)
    else:
        window.open_file(path)

:class:`SessionController` captures the window's state as a
:class:`~embexplorer.core.session.Session` (:meth:`~SessionController.capture`)
and puts it back (:meth:`~SessionController.restore`): if the session's data is
not the one shown, it is opened first (a file, MovieLens ratings, a model
retrained from its saved settings, or a demo) and the state is applied once the
window announces the new set (``embeddings_changed`` with a projection).
Applying never reloads anything for a bookmark: axes, colour, selection, focus,
labels, panel queries, then the view range (last, since a neighbour query may
zoom to its results).
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.presentation import view_menu_anchor
from embexplorer.core.errors import DataError
from embexplorer.core.session import (
    SESSION_SUFFIX,
    Bookmark,
    DataSource,
    PanelQueries,
    Projection,
    Session,
    ViewState,
    hashed_source,
    load_session,
    now_iso,
    save_session,
    verify_sources,
)
from embexplorer.core.session import is_session_file as _is_session_file

#: File-dialog filter of session files.
SESSION_FILTER = f"embexplorer sessions (*{SESSION_SUFFIX});;JSON (*.json);;All files (*)"
#: QSettings key of the folder sessions were last saved to / opened from.
KEY_LAST_DIR = "sessions/last_dir"
#: Object name of the Bookmarks dock (keys the saved layout).
BOOKMARKS_DOCK_NAME = "bookmarksDock"
#: Title of the Bookmarks dock.
BOOKMARKS_DOCK_TITLE = "Bookmarks"
#: Shortcuts: save session, add bookmark, next / previous bookmark.
SAVE_SHORTCUT = "Ctrl+Shift+S"
ADD_BOOKMARK_SHORTCUT = "Ctrl+B"
NEXT_BOOKMARK_KEY = QtCore.Qt.Key.Key_PageDown
PREVIOUS_BOOKMARK_KEY = QtCore.Qt.Key.Key_PageUp
#: A restored model's User panel fills a moment after the set is shown: retry this often (ms) ...
USER_RETRY_MS = 50
#: ... this many times, to select the saved user.
USER_RETRIES = 60
#: Longest wait (ms) of :func:`open_session_blocking` for the session's data to open.
RESTORE_TIMEOUT_MS = 120_000
#: Name given to a new bookmark ("Bookmark 3").
BOOKMARK_NAME = "Bookmark {}"
#: Prefix of the title of the window's "Genres, learned" demo sets (how a demo source is recognised).
GENRES_TITLE_PREFIX = "Genres, learned"


def is_session_file(path: str | os.PathLike) -> bool:
    """True if the command-line ``path`` is a session (``*.embx.json``, or JSON declaring itself one)."""
    return _is_session_file(path)


def _json_normal(value):
    """``value`` as JSON gives it back (tuples become lists): captured and loaded sessions compare equal."""
    return json.loads(json.dumps(value))


class SessionController(QtCore.QObject):
    """Capture and restore a :class:`MainWindow`'s state; keep the bookmarks.

    Signals
    -------
    restored(object)
        A session's state was applied (the :class:`Session`).
    restore_failed(object)
        Opening the session's data failed (the exception); nothing was applied.
    bookmarks_changed()
        Bookmarks were added, renamed, removed or reordered.
    bookmark_applied(int)
        Bookmark ``i`` was applied.
    """

    restored = QtCore.Signal(object)
    restore_failed = QtCore.Signal(object)
    bookmarks_changed = QtCore.Signal()
    bookmark_applied = QtCore.Signal(int)

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.bookmarks: list[Bookmark] = []
        #: Index of the bookmark applied last (-1: none); Page Down goes on from here.
        self.current_bookmark = -1
        #: File of the session opened or saved last.
        self.session_path: str | None = None
        #: Warnings of the last restore (changed or missing data files).
        self.warnings: list[str] = []
        self._pending: Session | None = None
        self._pending_kind: str | None = None
        self._digests: dict[tuple, tuple] = {}  # (path, size, mtime) -> (sha256, size, mode)
        window.embeddings_changed.connect(self._on_embeddings_changed)
        window.load_failed.connect(self._on_load_failed)
        window.load_cancelled.connect(self._on_load_cancelled)
        window.ratings_loaded.connect(self._on_ratings_loaded)
        window.ratings_failed.connect(self._on_load_failed)

    # ------------------------------------------------------------------ capture
    def capture(self) -> Session:
        """The window's current state (data source with its hash, view, panels, training settings,
        bookmarks) as a :class:`Session`."""
        w = self.window
        state = self._capture_state()
        pca = w.pca
        return Session(source=self._capture_source(), title=self._title(),
                       projection=Projection(state["axes"], int(pca.n_components) if pca is not None else 10),
                       view=state["view"], colour_by=state["colour_by"], selection=state["selection"],
                       focus_row=state["focus_row"], focus_label=state["focus_label"],
                       labels_shown=state["labels_shown"], panels=state["panels"],
                       training=self._capture_training(), bookmarks=list(self.bookmarks), created=now_iso())

    def capture_bookmark(self, name: str) -> Bookmark:
        """A bookmark of the current view and panel state called ``name``."""
        s = self._capture_state()
        return Bookmark(name=name, view=s["view"], axes=s["axes"], colour_by=s["colour_by"],
                        selection=s["selection"], focus_row=s["focus_row"], focus_label=s["focus_label"],
                        labels_shown=s["labels_shown"], panels=s["panels"], created=now_iso())

    def _title(self) -> str:
        return getattr(self.window, "_set_title", "") or ""

    def _capture_state(self) -> dict:
        w = self.window
        emb = w.embeddings
        ex = w.explorer
        (x0, x1), (y0, y1) = w.scatter.view_box.viewRange()
        view = ViewState((float(x0), float(x1)), (float(y0), float(y1))) if emb is not None else ViewState()
        colour = ex.color_combo.currentText()
        colour_by = colour if emb is not None and colour in emb.metadata else None
        focus = int(w.scatter.focus_row)
        focus_label = emb.labels[focus] if emb is not None and 0 <= focus < emb.n else None
        return {"view": view, "axes": tuple(int(a) for a in w.axes), "colour_by": colour_by,
                "selection": [int(r) for r in w.selection.rows], "focus_row": focus if focus_label else -1,
                "focus_label": focus_label, "labels_shown": bool(ex.labels_action.isChecked()),
                "panels": self._capture_panels()}

    def _capture_panels(self) -> PanelQueries:
        w = self.window
        emb = w.embeddings
        nb = w.neighbours_panel
        query = None
        if emb is not None and nb.current_row is not None and 0 <= nb.current_row < emb.n:
            query = emb.labels[nb.current_row]
        an = w.analogy_panel
        analogy = None
        if an.results:
            analogy = tuple(e.text().strip() for e in (an.a_edit, an.b_edit, an.c_edit))
        user_id = None
        up = w.user_panel
        model = getattr(up, "model", None)
        if model is not None and isinstance(up.user, int) and 0 <= up.user < model.n_users:
            user_id = str(model.user_ids[up.user])
        return PanelQueries(neighbours_query=query, neighbours_k=int(nb.k_spin.value()),
                            neighbours_metric=nb.metric, analogy=analogy, user_id=user_id)

    def _capture_training(self) -> dict:
        w = self.window
        out = {}
        try:
            out["mf"] = _json_normal(dataclasses.asdict(w.training_panel.config()))
        except (AttributeError, TypeError):
            pass
        w2v = getattr(w, "w2v_panel", None)
        if w2v is not None:
            out["w2v"] = _json_normal(dataclasses.asdict(w2v.settings()))
        return out

    def _digest(self, kind: str, path: str, **kw) -> DataSource:
        """:func:`hashed_source`, remembering digests by (path, size, mtime): saving twice hashes once."""
        p = os.path.abspath(path)
        try:
            st = os.stat(p)
            key = (p, st.st_size, st.st_mtime_ns)
        except OSError:
            key = None
        if key is not None and key in self._digests and not os.path.isdir(p):
            src = DataSource(kind, p, **kw)
            src.sha256, src.size, src.hash_mode = self._digests[key]
            return src
        src = hashed_source(kind, p, **kw)
        if key is not None and src.sha256 is not None:
            self._digests[key] = (src.sha256, src.size, src.hash_mode)
        return src

    def _capture_source(self) -> DataSource | None:
        w = self.window
        ratings_path = getattr(w.ratings, "source", None) if w.ratings is not None else None
        shown = w.embeddings is not None
        if shown and w.current_path is None and self._title().startswith(GENRES_TITLE_PREFIX):
            return DataSource("demo", "genres")
        if w.embeddings is not None and w.current_path is None and w.mf_model is not None and ratings_path:
            return self._digest("model", ratings_path, model="mf")
        if w.embeddings is not None and w.current_path:
            # The window's last load request: (path, format, limit, allow_pickle).
            request = getattr(w, "_load_request", None)
            limit = request[2] if request and request[0] == w.current_path else None
            fmt = (request[1] if request and request[0] == w.current_path else None) or \
                (w.embeddings.format or None)
            return self._digest("file", w.current_path, format=fmt, limit=limit)
        if ratings_path:
            return self._digest("movielens", ratings_path)
        return None

    # ------------------------------------------------------------------ restore
    def restore(self, session: Session) -> list[str]:
        """Reopen ``session``: its data (unless already shown), then its state; returns warnings
        about changed or missing data files (also shown in the status bar).

        The state is applied at once when the data is already shown, otherwise once it has been
        opened (:attr:`restored` is emitted either way; :attr:`restore_failed` if opening fails).
        """
        w = self.window
        self.bookmarks = list(session.bookmarks)
        self.current_bookmark = -1
        self.bookmarks_changed.emit()
        self.warnings = verify_sources(session)
        if self.warnings:
            w.statusBar().showMessage("Session: " + "; ".join(self.warnings))
        src = session.source
        if src is None or self._source_shown(src):
            self._apply_session(session)
            return self.warnings
        if src.kind != "demo" and not (src.path and os.path.exists(src.path)):
            err = DataError("the session's data is missing (moved or deleted?)", src.path)
            self.restore_failed.emit(err)
            if w.interactive:
                w._show_error(err)
            return self.warnings
        self._pending = session
        self._pending_kind = src.kind
        if src.kind == "file":
            w.open_file(src.path, format=src.format, limit=src.limit)
        elif src.kind in ("movielens", "model"):
            w.open_movielens(src.path)
        else:
            w.run_demo(src.path or "genres")
        return self.warnings

    def _source_shown(self, src: DataSource) -> bool:
        w = self.window
        if w.embeddings is None or w.pca is None or w.is_loading():
            return src.kind == "movielens" and w.ratings is not None and \
                _same_path(getattr(w.ratings, "source", None), src.path)
        if src.kind == "file":
            return bool(w.current_path) and _same_path(w.current_path, src.path)
        if src.kind == "demo":
            return w.current_path is None and self._title().startswith(GENRES_TITLE_PREFIX)
        if src.kind == "model":
            return w.mf_model is not None and w.ratings is not None and \
                _same_path(getattr(w.ratings, "source", None), src.path)
        return w.ratings is not None and _same_path(getattr(w.ratings, "source", None), src.path)

    def _on_embeddings_changed(self, _emb) -> None:
        s = self._pending
        if s is None or self.window.pca is None or self._pending_kind == "movielens":
            return  # nothing waiting, or a live training frame: wait for the projected set
        # Next event-loop slice: the window finishes its own steps after a new set first (its status
        # message, recent files, the trained model it keeps), then the state goes on top.
        QtCore.QTimer.singleShot(0, self, lambda: self._apply_pending(s))

    def _apply_pending(self, s: Session) -> None:
        w = self.window
        if self._pending is not s or w.pca is None:
            return  # superseded, or failed meanwhile
        if self._pending_kind == "model" and w.mf_model is None:
            return  # not the trained model's set yet
        self._pending = None
        self._apply_session(s)

    def _on_ratings_loaded(self, _ratings) -> None:
        s = self._pending
        if s is None or self._pending_kind not in ("movielens", "model"):
            return
        self._apply_training(s.training)
        if self._pending_kind == "movielens":
            self._pending = None
            self._report_warnings()
            self.restored.emit(s)
            return
        # A model is not saved: it is trained again with the session's settings (same seed, same model).
        self.window.training_panel.start()

    def _on_load_failed(self, err) -> None:
        if self._pending is not None:
            self._pending = None
            self.restore_failed.emit(err)

    def _on_load_cancelled(self) -> None:
        if self._pending is not None:
            self._pending = None
            self.restore_failed.emit(RuntimeError("loading cancelled"))

    def _apply_session(self, s: Session) -> None:
        self._apply_training(s.training)
        self._apply_state(s.view, s.projection.axes, s.colour_by, s.selection, s.focus_row, s.focus_label,
                          s.labels_shown, s.panels)
        self._report_warnings()
        self.restored.emit(s)

    def _report_warnings(self) -> None:
        """Say again, after loading (whose own message replaced it), that the data changed."""
        w = self.window
        if not self.warnings:
            return
        w.statusBar().showMessage("Session: " + "; ".join(self.warnings))
        if w.interactive:
            QtWidgets.QMessageBox.warning(w, "Session data changed", "\n\n".join(self.warnings))

    def _apply_training(self, training: dict) -> None:
        w = self.window
        mf = training.get("mf")
        if isinstance(mf, dict):
            from embexplorer.core.recommender.mf import MFConfig

            cfg = _dataclass_from(MFConfig, mf)
            if cfg is not None:
                w.training_panel.set_config(cfg)
        w2v = training.get("w2v")
        if isinstance(w2v, dict) and getattr(w, "w2v_panel", None) is not None:
            from embexplorer.core.word2vec.w2v import W2VSettings

            settings = _dataclass_from(W2VSettings, w2v)
            if settings is not None:
                w.w2v_panel.set_settings(settings)

    def _apply_state(self, view: ViewState, axes, colour_by, selection, focus_row, focus_label,
                     labels_shown: bool, panels: PanelQueries) -> None:
        w = self.window
        emb = w.embeddings
        if emb is None:
            return
        w.finish_setup()
        k = w.pca.n_components if w.pca is not None else 0
        x, y = axes
        if w.pca is not None and x < k and y < k and (x, y) != tuple(w.axes):
            w.set_axes(x, y)
        w.explorer.finish_setup()
        w.explorer.set_color_by(colour_by if colour_by in emb.metadata else None)
        rows = np.asarray(selection, dtype=np.int64)
        rows = rows[(rows >= 0) & (rows < emb.n)]
        if len(rows):
            w.selection.replace(rows)
        else:
            w.selection.clear()
        w.explorer.labels_action.setChecked(bool(labels_shown))
        self._apply_panels(panels)
        # The focus by its label (robust to a reordered file), else by its row.
        row = emb.index.get(focus_label, -1) if focus_label is not None else -1
        w.scatter.set_focus_row(row, center=False)
        # The view last: a neighbour or analogy query above may have zoomed to its results.
        if view.x_range is not None and view.y_range is not None:
            w.scatter.view_box.setRange(xRange=view.x_range, yRange=view.y_range, padding=0)
        elif view.x_range is None and view.y_range is None:
            w.scatter.zoom_to_fit()
        w.scatter.relayout_labels()

    def _apply_panels(self, p: PanelQueries) -> None:
        w = self.window
        emb = w.embeddings
        nb = w.neighbours_panel
        if p.neighbours_metric and nb.metric_combo.findText(p.neighbours_metric) >= 0:
            nb.metric_combo.setCurrentIndex(nb.metric_combo.findText(p.neighbours_metric))
        if p.neighbours_k is not None:
            nb.k_spin.setValue(p.neighbours_k)
        if p.neighbours_query is not None:
            nb.query_label(p.neighbours_query)
        elif nb.results or nb.current_row is not None:
            nb.set_embeddings(emb)  # a bookmark without a query clears the panel and its overlay
        an = w.analogy_panel
        if p.analogy is not None:
            an.solve(*p.analogy)
            _raise_if_open(w.docks.get("analogy"))
        elif an.results:
            an.set_embeddings(emb)
            # The window keeps the drawn parallelogram until told otherwise (no public setter yet).
            if hasattr(w, "_analogy"):
                w._analogy = None
                w._draw_analogy()
        if p.neighbours_query is not None and p.analogy is None:
            _raise_if_open(w.docks.get("neighbours"))
        if p.user_id is not None:
            self._select_user(p.user_id, USER_RETRIES)

    def _select_user(self, user_id: str, tries: int) -> None:
        w = self.window
        up = w.user_panel
        model = getattr(up, "model", None)
        if model is None or model is not w.mf_model:
            # The User panel takes a fresh model in a later event-loop slice: try again shortly.
            if tries > 0 and w.mf_model is not None:
                QtCore.QTimer.singleShot(USER_RETRY_MS, self, lambda: self._select_user(user_id, tries - 1))
            return
        ids = [str(u) for u in model.user_ids]
        if user_id in ids:
            up.select_user(ids.index(user_id))

    # ------------------------------------------------------------------ files
    def save_session(self, path: str | os.PathLike) -> Path:
        """Capture the state and write it to ``path`` (``.embx.json`` added if it has no ``.json``)."""
        path = Path(path)
        if not path.name.lower().endswith(".json"):
            path = path.with_name(path.name + SESSION_SUFFIX)
        out = save_session(self.capture(), path)
        self.session_path = str(out)
        self._remember_dir(out)
        self.window._remember_recent(str(out))  # in File › Open Recent and on the start page
        self.window.statusBar().showMessage(f"Session saved to {out}", 5000)
        return out

    def open_session(self, path: str | os.PathLike) -> Session | None:
        """Read the session at ``path`` and restore it; None (and an error dialog when interactive)
        if the file is not a valid session."""
        try:
            session = load_session(path)
        except (DataError, OSError) as err:
            self.window.statusBar().showMessage(f"Could not open session {Path(path).name}")
            if self.window.interactive:
                self.window._show_error(err if isinstance(err, DataError) else DataError(
                    err.strerror or str(err), path))
            self.restore_failed.emit(err)
            return None
        self.session_path = os.fspath(path)
        self._remember_dir(Path(path))
        self.window._remember_recent(os.fspath(path))
        self.restore(session)
        return session

    def last_dir(self) -> str:
        """Folder of the last session saved or opened (the home folder at first)."""
        value = self.window.settings.value(KEY_LAST_DIR, "")
        return str(value) if value and os.path.isdir(str(value)) else str(Path.home())

    def _remember_dir(self, path: Path) -> None:
        self.window.settings.setValue(KEY_LAST_DIR, str(Path(path).resolve().parent))

    def _on_save_triggered(self) -> None:
        start = self.session_path or os.path.join(self.last_dir(), "session" + SESSION_SUFFIX)
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self.window, "Save session", start, SESSION_FILTER)
        if not path:
            return
        try:
            self.save_session(path)
        except (OSError, ValueError) as err:
            QtWidgets.QMessageBox.warning(self.window, "Save session failed", str(err))

    def _on_open_triggered(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self.window, "Open session", self.last_dir(),
                                                        SESSION_FILTER)
        if path:
            self.open_session(path)

    # ------------------------------------------------------------------ bookmarks
    def add_bookmark(self, name: str | None = None) -> int:
        """Bookmark the current view and panel state; returns its index."""
        name = name or BOOKMARK_NAME.format(len(self.bookmarks) + 1)
        self.bookmarks.append(self.capture_bookmark(name))
        self.current_bookmark = len(self.bookmarks) - 1
        self.bookmarks_changed.emit()
        return self.current_bookmark

    def apply_bookmark(self, i: int) -> None:
        """Show bookmark ``i`` (view, axes, colour, selection, focus, labels, panel queries)."""
        b = self.bookmarks[i]
        self._apply_state(b.view, b.axes, b.colour_by, b.selection, b.focus_row, b.focus_label,
                          b.labels_shown, b.panels)
        self.current_bookmark = i
        self.window.statusBar().showMessage(f"Bookmark {i + 1}/{len(self.bookmarks)}: {b.name}", 4000)
        self.bookmark_applied.emit(i)

    def next_bookmark(self) -> int:
        """Apply the bookmark after the current one (stays on the last); returns its index, -1 if none."""
        if not self.bookmarks:
            return -1
        i = min(self.current_bookmark + 1, len(self.bookmarks) - 1)
        self.apply_bookmark(i)
        return i

    def previous_bookmark(self) -> int:
        """Apply the bookmark before the current one (stays on the first); returns its index."""
        if not self.bookmarks:
            return -1
        i = max(self.current_bookmark - 1, 0)
        self.apply_bookmark(i)
        return i

    def rename_bookmark(self, i: int, name: str) -> None:
        if name and name != self.bookmarks[i].name:
            self.bookmarks[i].name = name
            self.bookmarks_changed.emit()

    def remove_bookmark(self, i: int) -> None:
        del self.bookmarks[i]
        if self.current_bookmark >= len(self.bookmarks) or self.current_bookmark == i:
            self.current_bookmark = min(i, len(self.bookmarks)) - 1
        elif self.current_bookmark > i:
            self.current_bookmark -= 1
        self.bookmarks_changed.emit()

    def move_bookmark(self, i: int, j: int) -> None:
        """Move bookmark ``i`` to position ``j`` (the tour order)."""
        if not (0 <= i < len(self.bookmarks) and 0 <= j < len(self.bookmarks)) or i == j:
            return
        b = self.bookmarks.pop(i)
        self.bookmarks.insert(j, b)
        if self.current_bookmark == i:
            self.current_bookmark = j
        self.bookmarks_changed.emit()


def open_session_blocking(window, path: str | os.PathLike, timeout_ms: int = RESTORE_TIMEOUT_MS) -> Session:
    """Open the session at ``path`` in ``window`` and wait (event loop) until it is restored: for
    ``--screenshot`` and scripts.  Raises DataError for a bad session file, missing data, a load that
    fails or takes longer than ``timeout_ms``."""
    session = load_session(path)
    c = window.sessions
    loop = QtCore.QEventLoop()
    outcome: dict[str, object] = {}

    def done(_session) -> None:
        outcome.setdefault("ok", True)
        loop.quit()

    def failed(err) -> None:
        outcome.setdefault("error", err)
        loop.quit()

    c.restored.connect(done)
    c.restore_failed.connect(failed)
    try:
        c.session_path = os.fspath(path)
        c.restore(session)  # may finish (or fail) at once, before the loop runs
        if not outcome:
            QtCore.QTimer.singleShot(timeout_ms, loop.quit)
            loop.exec()
    finally:
        c.restored.disconnect(done)
        c.restore_failed.disconnect(failed)
    if "ok" in outcome:
        return session
    err = outcome.get("error")
    if isinstance(err, DataError):
        raise err
    if err is None:
        raise DataError(f"the session's data did not open within {timeout_ms / 1000:g} s", path)
    raise DataError(f"cannot restore the session: {err}", path)


class BookmarksPanel(QtWidgets.QWidget):
    """The Bookmarks dock: the list (double-click applies, F2 / double-click on the name renames),
    and Add, Rename, Delete, Up, Down."""

    def __init__(self, controller: SessionController, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.list = QtWidgets.QListWidget()
        self.list.setObjectName("bookmarksList")
        self.list.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.EditKeyPressed
                                  | QtWidgets.QAbstractItemView.EditTrigger.SelectedClicked)
        self.add_button = QtWidgets.QPushButton("Add")
        self.add_button.setToolTip(f"Bookmark the current view and panels ({ADD_BOOKMARK_SHORTCUT})")
        self.rename_button = QtWidgets.QPushButton("Rename")
        self.delete_button = QtWidgets.QPushButton("Delete")
        self.up_button = QtWidgets.QPushButton("Up")
        self.down_button = QtWidgets.QPushButton("Down")
        buttons = QtWidgets.QHBoxLayout()
        for b in (self.add_button, self.rename_button, self.delete_button, self.up_button, self.down_button):
            buttons.addWidget(b)
        hint = QtWidgets.QLabel("Double-click shows a bookmark; Page Down / Page Up step through them.")
        hint.setWordWrap(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.list, 1)
        layout.addWidget(hint)
        self.add_button.clicked.connect(self._on_add_clicked)
        self.rename_button.clicked.connect(self._on_rename_clicked)
        self.delete_button.clicked.connect(self._on_delete_clicked)
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button.clicked.connect(lambda: self._move(1))
        self.list.itemDoubleClicked.connect(self._on_item_double_clicked)
        self.list.itemChanged.connect(self._on_item_changed)
        self.list.currentRowChanged.connect(self._update_buttons)
        controller.bookmarks_changed.connect(self.refresh)
        controller.bookmark_applied.connect(self._on_bookmark_applied)
        self.refresh()

    def refresh(self) -> None:
        """Show the controller's bookmarks (keeps the current row)."""
        current = self.list.currentRow()
        blocked = self.list.blockSignals(True)
        self.list.clear()
        for b in self.controller.bookmarks:
            item = QtWidgets.QListWidgetItem(b.name)
            item.setFlags(item.flags() | QtCore.Qt.ItemFlag.ItemIsEditable)
            item.setToolTip(f"{b.name}\ncreated {b.created}" + (f"\nfocus: {b.focus_label}" if b.focus_label
                                                                 else ""))
            self.list.addItem(item)
        n = self.list.count()
        want = self.controller.current_bookmark if 0 <= self.controller.current_bookmark < n else current
        self.list.setCurrentRow(min(want, n - 1) if n else -1)
        self.list.blockSignals(blocked)
        self._update_buttons()

    def _update_buttons(self, *_args) -> None:
        row, n = self.list.currentRow(), self.list.count()
        for b in (self.rename_button, self.delete_button):
            b.setEnabled(row >= 0)
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < n - 1)

    def _on_add_clicked(self) -> None:
        self.controller.add_bookmark()

    def _on_rename_clicked(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.list.editItem(item)

    def _on_delete_clicked(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.controller.remove_bookmark(row)

    def _move(self, step: int) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.controller.move_bookmark(row, row + step)
            self.list.setCurrentRow(row + step)

    def _on_item_double_clicked(self, item: QtWidgets.QListWidgetItem) -> None:
        self.controller.apply_bookmark(self.list.row(item))

    def _on_item_changed(self, item: QtWidgets.QListWidgetItem) -> None:
        row = self.list.row(item)
        name = item.text().strip()
        if name:
            self.controller.rename_bookmark(row, name)
        else:
            self.refresh()  # an empty name is not a rename: show the old one again

    def _on_bookmark_applied(self, i: int) -> None:
        blocked = self.list.blockSignals(True)
        self.list.setCurrentRow(i)
        self.list.blockSignals(blocked)
        self._update_buttons()


def install_sessions(window) -> SessionController:
    """Add sessions and bookmarks to ``window`` (a :class:`MainWindow`): File > Save Session… /
    Open Session…, View > Bookmarks (Add, Next, Previous), the Bookmarks dock, and the window-wide
    keys Ctrl+Shift+S, Ctrl+B, Page Down, Page Up.  Returns the controller (also ``window.sessions``)."""
    if getattr(window, "sessions", None) is not None:  # the window installs it itself: once is enough
        return window.sessions
    c = SessionController(window)
    A = QtGui.QAction
    c.save_action = A("Save &Session…", window)
    c.save_action.setShortcut(QtGui.QKeySequence(SAVE_SHORTCUT))
    c.save_action.setStatusTip("Save data, view, selection, panel queries and bookmarks to a session file")
    c.save_action.triggered.connect(c._on_save_triggered)
    c.open_action = A("Open S&ession…", window)
    c.open_action.setStatusTip(f"Reopen a saved session (*{SESSION_SUFFIX})")
    c.open_action.triggered.connect(c._on_open_triggered)
    menu = window.file_menu
    # After File > Open Recent: the session actions sit with the other ways of opening.
    recent = getattr(window, "recent_menu", None)
    actions = menu.actions()
    before = None
    if recent is not None and recent.menuAction() in actions:
        i = actions.index(recent.menuAction())
        before = actions[i + 1] if i + 1 < len(actions) else None
    for a in (c.open_action, c.save_action):
        menu.insertAction(before, a) if before is not None else menu.addAction(a)

    c.add_bookmark_action = A("&Add Bookmark", window)
    c.add_bookmark_action.setShortcut(QtGui.QKeySequence(ADD_BOOKMARK_SHORTCUT))
    c.add_bookmark_action.setStatusTip("Bookmark the current view and panel state")
    c.add_bookmark_action.triggered.connect(lambda: c.add_bookmark())
    c.next_bookmark_action = A("&Next Bookmark", window)
    c.next_bookmark_action.setShortcut(QtGui.QKeySequence(NEXT_BOOKMARK_KEY))
    c.next_bookmark_action.triggered.connect(c.next_bookmark)
    c.previous_bookmark_action = A("&Previous Bookmark", window)
    c.previous_bookmark_action.setShortcut(QtGui.QKeySequence(PREVIOUS_BOOKMARK_KEY))
    c.previous_bookmark_action.triggered.connect(c.previous_bookmark)
    c.bookmarks_menu = QtWidgets.QMenu("Bookmark &Tour", window)
    anchor = view_menu_anchor(window.view_menu)
    if anchor is not None:
        window.view_menu.insertMenu(anchor, c.bookmarks_menu)
    else:
        window.view_menu.addMenu(c.bookmarks_menu)
    for a in (c.add_bookmark_action, c.next_bookmark_action, c.previous_bookmark_action):
        a.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        c.bookmarks_menu.addAction(a)
        window.addAction(a)  # the keys work with the menu bar hidden too (presentation, full screen)
    # Page Up / Page Down are only taken from the tables while there are bookmarks to step through.
    c.bookmarks_changed.connect(lambda: _update_tour_actions(c))
    _update_tour_actions(c)

    panel = BookmarksPanel(c)
    dock = QtWidgets.QDockWidget(BOOKMARKS_DOCK_TITLE, window)
    dock.setObjectName(BOOKMARKS_DOCK_NAME)
    dock.setWidget(panel)
    window.add_panel(dock, QtCore.Qt.DockWidgetArea.RightDockWidgetArea)
    # Hidden until the first bookmark (or View > Bookmarks), unless the saved layout had it open.
    if not (getattr(window, "_layout_restored", False) and window.restoreDockWidget(dock)):
        dock.hide()
    window.docks.setdefault("bookmarks", dock)
    c.panel, c.dock = panel, dock
    c.bookmarks_changed.connect(lambda: _show_bookmarks_dock(c))
    window.sessions = c
    return c


def _show_bookmarks_dock(c: SessionController) -> None:
    """Open the dock when bookmarks appear (not in presentation mode, which hides it on purpose)."""
    presenting = getattr(getattr(c.window, "presentation", None), "active", False)
    if c.bookmarks and c.dock.isHidden() and not presenting:
        c.dock.show()


def _update_tour_actions(c: SessionController) -> None:
    on = bool(c.bookmarks)
    c.next_bookmark_action.setEnabled(on)
    c.previous_bookmark_action.setEnabled(on)


def _raise_if_open(dock) -> None:
    if dock is not None and dock.toggleViewAction().isChecked():
        dock.raise_()


def _same_path(a, b) -> bool:
    if not a or not b:
        return False
    return os.path.normcase(os.path.abspath(os.fspath(a))) == os.path.normcase(os.path.abspath(os.fspath(b)))


def _dataclass_from(cls, values: dict):
    """``cls(**values)`` with unknown keys dropped and lists turned back into tuples where the default
    is a tuple; None if the values do not fit (an old or hand-edited session)."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kw = {}
    for k, v in values.items():
        if k in fields:
            kw[k] = tuple(v) if isinstance(v, list) else v
    try:
        return cls(**kw)
    except (TypeError, ValueError):
        return None


__all__ = ["BOOKMARKS_DOCK_NAME", "BookmarksPanel", "SessionController", "install_sessions",
           "is_session_file", "open_session_blocking"]
