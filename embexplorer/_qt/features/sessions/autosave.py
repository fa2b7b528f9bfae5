"""Crash recovery: the session autosaved to the user's state folder, offered back after an unclean exit.

While a window runs (interactively: never for ``--screenshot``), :class:`Autosaver` keeps the
session (data by path and hash, every feature's state -- projection, view, selection, panel queries,
training settings -- and the bookmarks) in ``autosave-<pid>.embx.json`` in the state folder
(:func:`embexplorer.core.paths.state_dir`):

* **throttled**: a change (new data, projection, selection, layers, bookmarks) schedules a write
  :data:`AUTOSAVE_DELAY_MS` later, at most one per delay; every :data:`AUTOSAVE_INTERVAL_MS` the state
  is looked at again for changes no signal announces (a query typed, the view panned);
  an unchanged state is not written again;
* **off the UI thread**: the features' states are read on the UI thread (cheap), the data file's hash
  and the atomic write run as a task of the window's runner;
* **removed on a clean exit**; a file whose process is gone (:func:`~embexplorer.core.session.
  orphaned_autosaves`) is what an unclean exit left: the next start offers to restore it
  (:meth:`SessionsFeature.offer_recovery`), never with a dialog when no one can answer it.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6 import QtCore

from embexplorer.core.session import Session, autosave_path, save_session, session_to_json

#: Delay (ms) between a change and its autosave; also the shortest time between two writes.
AUTOSAVE_DELAY_MS = 1000
#: Period (ms) of the check for changes that no signal announces (queries typed, the view panned).
AUTOSAVE_INTERVAL_MS = 15_000
#: Task kind of the autosave write in the window's runner.
AUTOSAVE_TASK = "sessions.autosave"


class Autosaver(QtCore.QObject):
    """Keep the window's session in its autosave file.

    Parameters
    ----------
    ctx : Context
    capture : callable
        Returns the session to keep, its source not hashed yet (None: nothing worth keeping).
    hash_source : callable
        ``hash_source(source) -> source`` with the content hash filled in (runs on the worker).
    path : path-like, optional
        The file (default: this process's, in the state folder).

    Signals
    -------
    saved(str)
        The autosave file was written (its path).
    """

    saved = QtCore.Signal(str)

    def __init__(self, ctx, capture: Callable[[], Session | None], hash_source: Callable,
                 path: str | Path | None = None, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.path = Path(path) if path is not None else autosave_path()
        self._capture = capture
        self._hash_source = hash_source
        self._last_text: str | None = None
        self._writing = False
        self._dirty = False
        self._closed = False
        self._lock = threading.Lock()  # one write or removal at a time (a late write never follows removal)
        self._delay = QtCore.QTimer(self, singleShot=True, interval=AUTOSAVE_DELAY_MS)
        self._delay.timeout.connect(self.save_now)
        self._interval = QtCore.QTimer(self, interval=AUTOSAVE_INTERVAL_MS)
        self._interval.timeout.connect(self.save_now)
        self.running = False

    def start(self) -> None:
        """Follow the workspace's changes and look again every :data:`AUTOSAVE_INTERVAL_MS`."""
        ws = self.ctx.workspace
        for signal in (ws.dataset_changed, ws.projection_changed, ws.layers_changed, ws.columns_changed,
                       ws.selection.changed):
            signal.connect(self._on_changed)
        self._interval.start()
        self.running = True

    def schedule(self) -> None:
        """Autosave :data:`AUTOSAVE_DELAY_MS` from now (unless a write is already due)."""
        if self.running and not self._delay.isActive():
            self._delay.start()

    def save_now(self) -> bool:
        """Capture the state and, if it changed, write it off the UI thread; True if a write started."""
        if self._closed:
            return False
        if self._writing:  # the write under way holds an older state: write again once it is done
            self._dirty = True
            return False
        try:
            session = self._capture()
        except (TypeError, ValueError):  # data shown from Python, a state JSON cannot hold: nothing to keep
            session = None
        if session is None or session.source is None:
            return False
        text = _comparable(session)
        if text == self._last_text:
            return False
        self._writing, self._dirty = True, False
        path, hash_source, lock = self.path, self._hash_source, self._lock

        def work(_control):
            session.source = hash_source(session.source)
            with lock:
                if self._closed:
                    return None
                save_session(session, path)
            return text

        self.ctx.runner.start(AUTOSAVE_TASK, work, on_result=self._on_written, on_error=self._on_failed,
                              on_cancelled=self._on_cancelled)
        return True

    def stop(self, remove: bool = True) -> None:
        """The window closes cleanly: no more writes, and (``remove``) the autosave file goes."""
        self._delay.stop()
        self._interval.stop()
        self.running = False
        with self._lock:
            self._closed = True
            if remove:
                with contextlib.suppress(OSError):
                    self.path.unlink(missing_ok=True)

    # -- slots ---------------------------------------------------------------------------------
    def _on_changed(self, *_args) -> None:
        self.schedule()

    def _on_written(self, text: str | None) -> None:
        self._writing = False
        if text is not None:
            self._last_text = text
            self.saved.emit(str(self.path))
        if self._dirty:
            self.schedule()

    def _on_failed(self, err: BaseException) -> None:
        self._writing = False
        # A full disk or a read-only state folder must not become an error dialog every few seconds.
        self.ctx.shell.message(f"Autosave failed: {err}", AUTOSAVE_DELAY_MS * 2)

    def _on_cancelled(self) -> None:
        self._writing = False


def _comparable(session: Session) -> str:
    """The session as JSON without its creation time: equal texts, nothing new to write."""
    data = session_to_json(session)
    data.pop("created", None)
    return json.dumps(data, sort_keys=True, ensure_ascii=False)
