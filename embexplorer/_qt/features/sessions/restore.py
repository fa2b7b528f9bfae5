"""Putting a session back: its data first (unless shown), then every feature's state.

The restorer knows no feature's widgets.  It reopens the data through commands
(``loading.open_file``, ``recommender.open_ratings`` with ``train``, ``start.run_demo``), puts
training settings in place before the data is made again (each feature that has such settings
offers ``<feature>.restore_settings(state)``), and once the data is shown calls every feature's
:meth:`~embexplorer._qt.feature.Feature.restore` with its state, then the ``restore_view`` of the
features that have one (the explorer's view range goes last: a neighbour query may have zoomed).

How it learns the outcome of opening, without reaching into the features that open:

* **arrived**: the Workspace announces a data set whose source is the session's
  (``dataset_changed``; live training frames are passed over until the finished set);
* **cancelled**: a task the opening command started ends ``cancelled``
  (:attr:`TaskRunner.task_finished`; a newer load replacing it counts as cancelling it);
* **failed**: a feature that opens data offers ``<feature>.on_failed(callback)``, called with the
  exception once it has given up (after its own dialogs and retries); the restorer registers
  itself with every such command once all features are built (:meth:`SessionRestorer.listen`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from PySide6 import QtCore, QtWidgets

from embexplorer._qt.features.sessions.sources import DEFAULT_DEMO, describe, same_source
from embexplorer._qt.workers import STATUS_CANCELLED, STATUS_DONE
from embexplorer.core.errors import DataError
from embexplorer.core.progress import Cancelled
from embexplorer.core.session import Session, verify_sources

#: Longest wait (ms) of :meth:`SessionRestorer.restore_blocking` for the session's data.
RESTORE_TIMEOUT_MS = 120_000
#: Suffix of the commands through which features report a failed opening.
FAILED_SUFFIX = ".on_failed"
#: Suffix of the commands that put a feature's settings in place before its data is made again.
SETTINGS_SUFFIX = ".restore_settings"
#: Method of a feature applied after every feature's ``restore`` (the explorer's view range).
LAST_HOOK = "restore_view"
#: What a state that no longer fits raises (a hand-edited file, a feature that changed).
STATE_ERRORS = (DataError, KeyError, TypeError, ValueError)


@dataclass
class _Pending:
    """A session waiting for its data (the opening task, once it started one)."""

    session: Session
    task_id: int | None = None


class SessionRestorer(QtCore.QObject):
    """Reopen sessions in one window.

    Parameters
    ----------
    ctx : Context
    features : callable
        Returns the window's features by name, in order.

    Signals
    -------
    restored(object)
        A session's states were applied (the :class:`Session`).
    restore_failed(object)
        Opening the session's data failed or was cancelled (the exception); nothing was applied.
    """

    restored = QtCore.Signal(object)
    restore_failed = QtCore.Signal(object)

    def __init__(self, ctx, features: Callable[[], dict], parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._features = features
        #: Warnings of the last restore (changed or missing data, states that no longer fit).
        self.warnings: list[str] = []
        self._pending: _Pending | None = None
        self._opening: _Pending | None = None  # set while the opening command runs
        ctx.workspace.dataset_changed.connect(self._on_dataset_changed)
        ctx.runner.task_started.connect(self._on_task_started)
        ctx.runner.task_finished.connect(self._on_task_finished)

    def listen(self) -> None:
        """Hear every feature's failed openings (call once all features are built)."""
        cmd = self.ctx.commands
        for name in cmd.names():
            if name.endswith(FAILED_SUFFIX):
                cmd.run(name, self._on_source_failed)

    @property
    def waiting(self) -> bool:
        """True while a session waits for its data."""
        return self._pending is not None

    # -- restoring ----------------------------------------------------------------------------
    def restore(self, session: Session) -> list[str]:
        """Reopen ``session``'s data (unless shown), then apply its states; returns the warnings
        about its data (also in the status bar).  :attr:`restored` or :attr:`restore_failed` follow,
        at once when nothing needs opening."""
        self._pending = None  # a newer session replaces one still waiting
        self.warnings = verify_sources(session)
        if self.warnings:
            self.ctx.shell.message("Session: " + "; ".join(self.warnings))
        self._restore_settings(session.features)
        src = session.source
        if src is None or self._shown(src):
            self._apply(session)
            return self.warnings
        if src.kind != "demo" and not (src.path and os.path.exists(src.path)):
            err = DataError("the session's data is missing (moved or deleted?)", src.path)
            self.ctx.shell.show_error(err, "cannot open session")
            self.restore_failed.emit(err)
            return self.warnings
        pending = self._pending = self._opening = _Pending(session)
        try:
            self._open(src)
        except (DataError, KeyError, OSError) as err:
            self._fail(pending, err)
        finally:
            self._opening = None
        return self.warnings

    def restore_blocking(self, session: Session, timeout_ms: int = RESTORE_TIMEOUT_MS) -> None:
        """:meth:`restore` and wait (event loop) until it is applied: for ``--screenshot`` and scripts.

        Raises DataError for missing data, an opening that fails, is cancelled or takes longer than
        ``timeout_ms``.
        """
        loop = QtCore.QEventLoop()
        outcome: dict[str, object] = {}

        def done(_session) -> None:
            outcome.setdefault("ok", True)
            loop.quit()

        def failed(err) -> None:
            outcome.setdefault("error", err)
            loop.quit()

        self.restored.connect(done)
        self.restore_failed.connect(failed)
        try:
            self.restore(session)  # may end (or fail) at once, before the loop runs
            if not outcome:
                QtCore.QTimer.singleShot(timeout_ms, loop.quit)
                loop.exec()
        finally:
            self.restored.disconnect(done)
            self.restore_failed.disconnect(failed)
        if "ok" in outcome:
            return
        self._pending = None  # too late now: a set arriving later is not the session's any more
        err = outcome.get("error")
        path = session.source.path if session.source is not None else None
        if isinstance(err, DataError):
            raise err
        if err is None:
            raise DataError(f"the session's data did not open within {timeout_ms / 1000:g} s", path)
        raise DataError(f"cannot restore the session: {err}", path)

    def apply_states(self, states: dict[str, dict]) -> None:
        """Give every feature its state (features without one are left as they are), then the
        ``restore_view`` hooks.  A state that no longer fits is skipped with a warning."""
        features = self._features()
        for hook in ("restore", LAST_HOOK):
            for name, feature in features.items():
                method = getattr(feature, hook, None)
                if name in states and callable(method):
                    self._guarded(name, method, states[name])

    # -- opening the data -----------------------------------------------------------------------
    def _open(self, src) -> None:
        cmd = self.ctx.commands
        if src.kind == "file":
            cmd.run("loading.open_file", src.path, format=src.format, limit=src.limit)
        elif src.kind == "model":
            cmd.run("recommender.open_ratings", src.path, train=True)
        elif src.kind == "movielens":
            cmd.run("recommender.open_ratings", src.path)
        else:
            cmd.run("start.run_demo", src.path or DEFAULT_DEMO)

    def _shown(self, src) -> bool:
        """True if the data set shown (not a live frame, not being replaced) is ``src``'s."""
        cmd = self.ctx.commands
        if cmd.has("loading.is_loading") and cmd.run("loading.is_loading"):
            return False
        return same_source(self._describe_shown(), src)

    def _describe_shown(self):
        cmd = self.ctx.commands
        ratings = cmd.run("recommender.ratings") if cmd.has("recommender.ratings") else None
        return describe(self.ctx.workspace.source, getattr(ratings, "source", None))

    def _on_task_started(self, _kind: str, task_id: int) -> None:
        p = self._opening
        if p is not None and p.task_id is None:
            p.task_id = task_id  # the task the opening command started

    def _on_task_finished(self, _kind: str, task_id: int, status: str) -> None:
        p = self._pending
        if p is None or task_id != p.task_id:
            return
        if status == STATUS_CANCELLED:
            self._fail(p, Cancelled("opening the session's data was cancelled"))
        elif status == STATUS_DONE and p.session.source.kind == "movielens":
            # Ratings alone show no data set: done once the reader's own result slot has run.
            QtCore.QTimer.singleShot(0, self, lambda: self._complete(p))

    def _on_dataset_changed(self, dataset) -> None:
        p = self._pending
        if p is None or dataset is None or not same_source(self._describe_shown(), p.session.source):
            return  # nothing waiting, a live frame, or another set
        # Next event-loop slice: the feature that showed the set finishes its own steps first (its
        # message, recent files, the model the User dock inspects), then the states go on top.
        QtCore.QTimer.singleShot(0, self, lambda: self._complete(p))

    def _on_source_failed(self, err) -> None:
        if self._pending is not None:
            self._fail(self._pending, err)

    def _complete(self, p: _Pending) -> None:
        if self._pending is not p:
            return  # superseded, or failed meanwhile
        self._pending = None
        self._apply(p.session)

    def _fail(self, p: _Pending, err: BaseException) -> None:
        if self._pending is p:
            self._pending = None
            self.restore_failed.emit(err)

    # -- applying --------------------------------------------------------------------------------
    def _restore_settings(self, states: dict[str, dict]) -> None:
        cmd = self.ctx.commands
        for name, state in states.items():
            if cmd.has(name + SETTINGS_SUFFIX):
                self._guarded(name, lambda s, n=name: cmd.run(n + SETTINGS_SUFFIX, s), state)

    def _apply(self, session: Session) -> None:
        if session.source is None or session.source.kind != "movielens":  # ratings alone: no set
            self.apply_states(session.features)
        if self.warnings:  # said again: the opening's own message replaced it
            self.ctx.shell.message("Session: " + "; ".join(self.warnings))
            if self.ctx.shell.interactive:
                QtWidgets.QMessageBox.warning(self.ctx.shell.widget(), "Session restored with warnings",
                                              "\n\n".join(self.warnings))
        self.restored.emit(session)

    def _guarded(self, name: str, func: Callable[[dict], None], state: dict) -> None:
        try:
            func(state)
        except STATE_ERRORS as err:
            self.warnings.append(f"{name}: part of the session not restored ({err})")
