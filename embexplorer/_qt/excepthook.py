"""Global exception hook: an unexpected error becomes a dialog and a log entry, never a crash.

:func:`install_excepthook` replaces ``sys.excepthook`` (errors in Qt slots
and timer callbacks, and worker errors that :class:`~embexplorer._qt.workers.TaskRunner`
routes there) and ``threading.excepthook`` (plain Python threads).  Each
error is

* written to ``errors.log`` in :func:`embexplorer.core.paths.log_dir` (a
  rotating log: records are appended, full logs are rotated by rename, so a
  good log is never rewritten in place), and the newest one also to
  ``last-error.txt`` with :func:`~embexplorer.core.atomic.atomic_write`;
* shown in a :class:`QMessageBox` with a short message and the traceback
  under "Show Details...".  At most one dialog is open at a time and new
  dialogs are rate-limited; errors that arrive meanwhile are logged and
  counted in the next dialog;
* otherwise ignored: the application keeps running with its data intact.

Errors from worker threads are logged on the thread that raised them; the
dialog is always created on the UI thread (through a queued signal).
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
import time
import traceback
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from embexplorer.core.atomic import atomic_write
from embexplorer.core.paths import log_dir
from embexplorer.core.progress import Cancelled

#: Name of the rotating error log in the log folder.
LOG_FILE_NAME = "errors.log"
#: Name of the file holding only the newest error report (written atomically).
LAST_ERROR_FILE_NAME = "last-error.txt"
#: Size at which the error log is rotated, and how many old logs are kept.
LOG_MAX_BYTES = 1024 * 1024
LOG_BACKUP_COUNT = 3
#: Least seconds between two error dialogs (a slot failing on every repaint must not flood the screen).
DIALOG_MIN_INTERVAL_S = 5.0
#: Longest exception message shown in the dialog's short text (the details hold all of it).
SHORT_MESSAGE_CHARS = 300
#: Logger the hook writes to (not propagated: the log file is its only output besides stderr).
LOGGER_NAME = "embexplorer.errors"

_installed: ExceptionHook | None = None


class ExceptionHook(QtCore.QObject):
    """Receives uncaught exceptions from any thread; logs them and shows one dialog at a time.

    Signals
    -------
    dialog_shown(QMessageBox)
        Emitted on the UI thread right after an error dialog was shown.
    """

    dialog_shown = QtCore.Signal(object)
    _report = QtCore.Signal(str, str, str)  # short message, details, log file text

    def __init__(self, app: QtWidgets.QApplication, directory: Path | None = None) -> None:
        super().__init__()
        self.moveToThread(app.thread())  # the dialog slot must run on the UI thread
        self.app = app
        self.directory = Path(directory) if directory is not None else log_dir()
        self.log_path = self.directory / LOG_FILE_NAME
        self.errors_seen = 0
        self.dialogs_shown = 0
        self.current_dialog: QtWidgets.QMessageBox | None = None
        self._suppressed = 0            # errors not shown in a dialog since the last one
        self._last_dialog_at = -float("inf")
        self._lock = threading.Lock()
        self._previous = (sys.excepthook, threading.excepthook)
        self._logger = logging.getLogger(LOGGER_NAME)
        self._logger.propagate = False
        self._logger.setLevel(logging.ERROR)
        self._handler: logging.Handler | None = None
        self._report.connect(self._on_report, QtCore.Qt.ConnectionType.QueuedConnection)

    # ------------------------------------------------------------ hooks
    def install(self) -> None:
        """Become ``sys.excepthook`` and ``threading.excepthook``."""
        sys.excepthook = self.handle
        threading.excepthook = self._thread_hook

    def uninstall(self) -> None:
        """Put the previous hooks back and close the log file."""
        if sys.excepthook == self.handle:
            sys.excepthook = self._previous[0]
        if threading.excepthook == self._thread_hook:
            threading.excepthook = self._previous[1]
        if self._handler is not None:
            self._logger.removeHandler(self._handler)
            self._handler.close()
            self._handler = None

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:  # how a thread ends on purpose
            return
        self.handle(args.exc_type, args.exc_value, args.exc_traceback, args.thread)

    def handle(self, exc_type, exc, tb, thread: threading.Thread | None = None) -> None:
        """Log the error and ask the UI thread for a dialog (callable from any thread)."""
        if exc_type is None:
            return
        if issubclass(exc_type, (KeyboardInterrupt, SystemExit)):
            self._previous[0](exc_type, exc, tb)  # Ctrl+C in a terminal keeps its usual meaning
            return
        if issubclass(exc_type, Cancelled):  # a cancelled task is not an error
            return
        try:
            where = f" in thread {thread.name!r}" if thread is not None else ""
            details = "".join(traceback.format_exception(exc_type, exc, tb))
            short = _short_message(exc_type, exc)
            self.errors_seen += 1
            logged = self._write_log(f"Unexpected error{where}: {short}", details)
            self._report.emit(short, details, logged)
        except Exception:  # noqa: BLE001 -- the hook itself must never raise
            traceback.print_exception(exc_type, exc, tb)

    # ------------------------------------------------------------ log
    def _write_log(self, headline: str, details: str) -> str:
        """Append to the rotating log and replace ``last-error.txt``; return where it went."""
        try:
            with self._lock:
                if self._handler is None:
                    self.directory.mkdir(parents=True, exist_ok=True)
                    handler = logging.handlers.RotatingFileHandler(
                        self.log_path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUP_COUNT,
                        encoding="utf-8", delay=True)
                    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
                    self._logger.addHandler(handler)
                    self._handler = handler
                # One record, one write: a crash mid-way cannot interleave two reports.
                self._logger.error("%s\n%s", headline, details.rstrip("\n"))
                self._handler.flush()
                stamp = time.strftime("%Y-%m-%d %H:%M:%S")
                with atomic_write(self.directory / LAST_ERROR_FILE_NAME, "w", encoding="utf-8") as fh:
                    fh.write(f"{stamp} {headline}\n{details}")
            return str(self.log_path)
        except OSError as err:  # a read-only or full log folder must not hide the error itself
            print(f"embexplorer: could not write the error log: {err}", file=sys.stderr)
            print(details, file=sys.stderr)
            return ""

    # ------------------------------------------------------------ dialog (UI thread)
    @QtCore.Slot(str, str, str)
    def _on_report(self, short: str, details: str, logged: str) -> None:
        try:
            self._show(short, details, logged)
        except Exception:  # noqa: BLE001 -- an error here would come straight back to this hook: no loop
            self.current_dialog = None
            traceback.print_exc()

    def _show(self, short: str, details: str, logged: str) -> None:
        now = time.monotonic()
        if self.current_dialog is not None or now - self._last_dialog_at < DIALOG_MIN_INTERVAL_S:
            self._suppressed += 1
            return
        more, self._suppressed = self._suppressed, 0
        self._last_dialog_at = now
        parent = self.app.activeWindow()
        box = QtWidgets.QMessageBox(parent)
        box.setIcon(QtWidgets.QMessageBox.Icon.Critical)
        box.setWindowTitle("Unexpected error")
        box.setText(f"Something went wrong: {short}")
        info = "The application keeps running and your data is unchanged."
        if more:
            info += f" {more} earlier error(s) were not shown."
        info += f"\nDetails were written to {logged}." if logged else "\nThe error log could not be written."
        box.setInformativeText(info)
        box.setDetailedText(details)
        box.setStandardButtons(QtWidgets.QMessageBox.StandardButton.Close)
        box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose, True)
        box.finished.connect(self._on_dialog_finished)
        self.current_dialog = box
        self.dialogs_shown += 1
        # Window-modal but non-blocking: no nested event loop in which a second error could recurse.
        box.open()
        self.dialog_shown.emit(box)

    @QtCore.Slot(int)
    def _on_dialog_finished(self, _result: int) -> None:
        self.current_dialog = None


def _short_message(exc_type, exc) -> str:
    text = str(exc).strip().splitlines()[0] if exc is not None and str(exc).strip() else ""
    if len(text) > SHORT_MESSAGE_CHARS:
        text = text[:SHORT_MESSAGE_CHARS - 1] + "…"
    return f"{exc_type.__name__}: {text}" if text else exc_type.__name__


def install_excepthook(app: QtWidgets.QApplication, directory: str | Path | None = None) -> ExceptionHook:
    """Install the global error hook for ``app`` (again: the same hook is returned).

    Parameters
    ----------
    app : QApplication
    directory : path, optional
        Log folder; defaults to :func:`embexplorer.core.paths.log_dir`.

    Returns
    -------
    ExceptionHook
        Call ``.uninstall()`` to restore the previous hooks (tests).
    """
    global _installed
    if _installed is not None and sys.excepthook == _installed.handle:
        return _installed
    hook = ExceptionHook(app, Path(directory) if directory is not None else None)
    hook.install()
    _installed = hook
    return hook
