"""The loading feature: File › Open, Open Recent, drops and the command line's PATH.

A load runs on the task runner (read, then PCA); the set shown stays until the new one is
ready, and then becomes the Workspace's data set with a ``file`` source.  Pickles ask for
consent, files too large for memory offer their first rows, every other error names the
file, the line and the reason.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.feature import Feature, MenuItem
from embexplorer._qt.features.loading.column_dialog import ask_column
from embexplorer._qt.features.loading.memory_guard import offer_limit
from embexplorer._qt.features.loading.table_columns import RememberedColumns
from embexplorer._qt.features.loading.work import load_and_project, needs_pickle_consent, store_in_cache
from embexplorer._qt.workspace import DataSource, first_components
from embexplorer.core.data._table_readers import ColumnChoiceNeeded, column_options
from embexplorer.core.data.memory import MemoryLimitError
from embexplorer.core.errors import DataError
from embexplorer.core.session import is_session_file

#: Task kind of load + projection in the TaskRunner.
LOAD_TASK = "load"
#: Task kind of writing a freshly parsed file's load-cache entry, once its set is shown.
CACHE_TASK = "load-cache"
#: Owner of the status bar's progress while that entry is written, for a matrix of this size and more
#: (a smaller one is written in a blink: a progress bar would only flash).
CACHE_STATUS = "loading-cache"
CACHE_STATUS_MIN_BYTES = 64 * 1024 ** 2
#: File-dialog filter of the formats we read.
OPEN_FILTER = ("Embeddings (*.txt *.vec *.bin *.tsv *.npy *.npz *.gz *.bz2 *.kv *.model *.parquet *.pq "
               "*.arrow *.arrows *.ipc *.feather *.csv);;All files (*)")
#: Recent files numbered with an accelerator (&1 … &0).
RECENT_ACCELERATORS = 10


class LoadingFeature(Feature):
    """Open embedding files in the background.

    Signals
    -------
    loaded(object)
        A file became the data set shown (its EmbeddingSet).
    load_failed(object)
        Opening a file failed (the exception); the previous set is kept.
    load_cancelled()
        The user cancelled a load; the previous set is kept.
    """

    name = "loading"
    loaded = QtCore.Signal(object)
    load_failed = QtCore.Signal(object)
    load_cancelled = QtCore.Signal()

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self._request: tuple[str, str | None, int | None, bool] = ("", None, None, False)
        #: The vector_column / label_column of the last load asked for (tables), and whether they were
        #: remembered from an earlier opening rather than given.
        self._columns: dict = {}
        self._columns_remembered = False
        self.table_columns = RememberedColumns(ctx.shell.settings)
        self._replacing = False
        style = ctx.shell.widget().style()
        icon = style.standardIcon(QtWidgets.QStyle.StandardPixmap.SP_DialogOpenButton)
        self.open_action = QtGui.QAction(icon, "&Open…", self)
        self.open_action.setShortcut(QtGui.QKeySequence(QtGui.QKeySequence.StandardKey.Open))
        self.open_action.setStatusTip("Open an embedding file")
        self.open_action.triggered.connect(self._on_open_triggered)
        self.recent_menu = QtWidgets.QMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._rebuild_recent_menu)
        self.quit_action = QtGui.QAction("&Quit", self)
        self.quit_action.setShortcut(QtGui.QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QtGui.QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(ctx.shell.widget().close)
        ctx.recent.changed.connect(self._rebuild_recent_menu)
        self._rebuild_recent_menu()
        reg = ctx.commands.register
        reg("loading.open_file", self.open_file, "Load an embedding file in the background")
        reg("loading.open_path", self.open_path, "Open a session or an embedding file")
        reg("loading.open_recent", self.open_recent, "Open a recent file (forgotten if gone)")
        reg("loading.open_dialog", self._on_open_triggered, "Ask for a file to open")
        reg("loading.is_loading", self.is_loading, "Whether a file is being loaded")
        reg("loading.is_caching", self.is_caching, "Whether the file just opened is being cached")
        reg("loading.on_failed", self.load_failed.connect, "Call back with the error of each failed load")
        reg("loading.column_options", column_options, "vector_column / label_column of parsed arguments")

    def menu_items(self) -> list[MenuItem]:
        return [MenuItem("File", self.open_action, 0), MenuItem("File", self.recent_menu, 1),
                MenuItem("File", self.quit_action, 90)]

    def toolbar_items(self) -> list:
        return [self.open_action]

    # -- commands -----------------------------------------------------------------------
    def open_file(self, path: str | os.PathLike, format: str | None = None, limit: int | None = None,
                  allow_pickle: bool = False, vector_column: str | list[str] | None = None,
                  label_column: str | None = None) -> int:
        """Load ``path`` and project it in the background; return the task id.

        The current set stays shown until the new one is ready; a load already running is
        cancelled, and a training still running no longer moves the points.  ``vector_column`` /
        ``label_column`` choose a table's columns (asked in a dialog when the file leaves it open).
        """
        path = os.fspath(path)
        self._request = (path, format, limit, allow_pickle)
        columns = {k: v for k, v in (("vector_column", vector_column), ("label_column", label_column)) if v}
        remembered = not columns and bool(self.table_columns.get(path))
        if remembered:  # chosen for this file before: not asked again
            columns = self.table_columns.get(path)
        self._columns, self._columns_remembered = columns, remembered
        self.ctx.shell.busy(self.name, f"Loading {Path(path).name}…", self.cancel_load)
        self.ctx.workspace.release_live()  # nor may a training still running take the plot back
        self._replacing = True  # the load this one supersedes is not a user cancel
        try:
            return self.ctx.runner.start(
                LOAD_TASK, lambda control: load_and_project(path, control, format=format, limit=limit,
                                                            allow_pickle=allow_pickle, columns=columns),
                on_result=self._on_load_result, on_error=self._on_load_error,
                on_progress=self._on_load_progress, on_cancelled=self._on_load_cancelled)
        finally:
            self._replacing = False

    def open_path(self, path: str | os.PathLike) -> None:
        """Open what ``path`` is: a saved session (``*.embx.json``) or an embedding file."""
        if is_session_file(path) and self.ctx.commands.has("sessions.open"):
            self.ctx.commands.run("sessions.open", path)
        else:
            self.open_file(path)

    def open_recent(self, path: str) -> None:
        """Open a recent file; one that is gone is removed from the list, with a message."""
        if not os.path.exists(path):
            self.ctx.recent.forget(path)
            self.ctx.shell.show_error(DataError("file not found (removed from recent files)", path))
            return
        self.open_path(path)

    def cancel_load(self) -> bool:
        """Stop a running load; the previous set stays. Returns True if one was running."""
        return self.ctx.runner.cancel(LOAD_TASK)

    def is_loading(self) -> bool:
        """True while a file is being loaded or projected."""
        return self.ctx.runner.is_running(LOAD_TASK)

    def is_caching(self) -> bool:
        """True while the file last opened is being written to the load cache."""
        return self.ctx.runner.is_running(CACHE_TASK)

    def cancel_cache(self) -> bool:
        """Stop writing the load cache's entry (the file then reopens by parsing it again)."""
        return self.ctx.runner.cancel(CACHE_TASK)

    def request(self) -> tuple[str, str | None, int | None, bool]:
        """The last load asked for: (path, format, limit, allow_pickle)."""
        return self._request

    # -- the load's outcome ---------------------------------------------------------------
    def _on_load_progress(self, fraction: float | None, message: str) -> None:
        self.ctx.shell.progress(self.name, fraction, message)

    def _on_load_result(self, result) -> None:
        self.ctx.shell.idle(self.name)
        path, fmt, limit, _ = self._request
        emb = result.embeddings
        source = DataSource("file", Path(result.path).name, self.name, result.path,
                            format=(fmt if path == result.path else None) or emb.format or None,
                            limit=limit if path == result.path else None)
        self.ctx.workspace.set_dataset(emb, first_components(result.pca), source)
        self.ctx.recent.remember(result.path)
        if path == result.path and (self._columns or self.table_columns.get(path)):
            self.table_columns.put(path, self._columns)
        note = f"Loaded {Path(result.path).name} in {result.seconds:.2f} s"
        if emb.duplicates_dropped:
            note += f" ({emb.duplicates_dropped:,} duplicate labels dropped)"
        self.ctx.shell.message(note)
        self.loaded.emit(emb)
        if emb.cache_key is not None:
            self._keep_for_reopen(emb, Path(result.path).name)

    def _keep_for_reopen(self, emb, name: str) -> None:
        """Write the set's load-cache entry in the background, now that it is shown."""
        shell = self.ctx.shell
        saying = f"Keeping {name} for a quick reopen…"
        if emb.vectors.nbytes >= CACHE_STATUS_MIN_BYTES:
            shell.busy(CACHE_STATUS, saying, self.cancel_cache)

        def done(_stored) -> None:
            shell.idle(CACHE_STATUS)

        def failed(err: BaseException) -> None:  # the set is shown; only the quick reopen is lost
            shell.idle(CACHE_STATUS)
            shell.message(f"{name} not kept for a quick reopen: {err}")

        def progress(fraction: float | None, message: str) -> None:
            shell.progress(CACHE_STATUS, fraction, message or saying)

        self.ctx.runner.start(CACHE_TASK, lambda control: store_in_cache(emb, control), on_result=done,
                              on_error=failed, on_progress=progress,
                              on_cancelled=lambda: shell.idle(CACHE_STATUS))

    def _on_load_error(self, err: BaseException) -> None:
        shell = self.ctx.shell
        shell.idle(self.name)
        path, fmt, limit, pickle_allowed = self._request
        columns = dict(self._columns)
        name = Path(path).name
        if self._columns_remembered and isinstance(err, DataError):  # the file changed: forget and ask again
            self.table_columns.put(path, {})
            self.open_file(path, format=fmt, limit=limit, allow_pickle=pickle_allowed)
            return
        # Ask once: if consent was already given and the loader still refuses, it is a plain error.
        if shell.interactive and not pickle_allowed and needs_pickle_consent(err):
            if self._confirm_pickle(path):
                self.open_file(path, format=fmt, limit=limit, allow_pickle=True, **columns)
                return
            # The user said no: that was the answer, not an error worth a second dialog.
            shell.message(f"{name} not opened: pickle not trusted")
        elif shell.interactive and isinstance(err, MemoryLimitError):
            rows = offer_limit(shell.widget(), err)
            if rows is not None:
                self.open_file(path, format=fmt, limit=rows, allow_pickle=pickle_allowed, **columns)
                return
            shell.message(f"{name} not opened: too large for the memory available")
        elif shell.interactive and isinstance(err, ColumnChoiceNeeded):
            choice = ask_column(shell.widget(), err, name)
            if choice is not None:
                columns[f"{err.role}_column"] = choice
                self.open_file(path, format=fmt, limit=limit, allow_pickle=pickle_allowed, **columns)
                return
            shell.message(f"{name} not opened: no {err.role} column chosen")
        else:
            shell.message(f"Could not open {name}")
            shell.show_error(err)
        self.load_failed.emit(err)

    def _on_load_cancelled(self) -> None:
        # Also called when a newer load supersedes this one; only a real stop is reported.
        if self._replacing:
            return
        self.ctx.shell.idle(self.name)
        self.ctx.shell.message("Loading cancelled")
        self.load_cancelled.emit()

    def _confirm_pickle(self, path: str) -> bool:
        box = QtWidgets.QMessageBox(self.ctx.shell.widget())
        box.setIcon(QtWidgets.QMessageBox.Icon.Warning)
        box.setWindowTitle("Load a Python pickle?")
        box.setText(f"“{Path(path).name}” is a Python pickle (gensim .kv/.model).")
        box.setInformativeText("Opening a pickle can run arbitrary code on this computer. "
                               "Only load it if you trust where it came from.")
        load_button = box.addButton("Load Anyway", QtWidgets.QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QtWidgets.QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QtWidgets.QMessageBox.StandardButton.Cancel)
        result = box.exec()
        return box.clickedButton() is load_button or result == QtWidgets.QMessageBox.StandardButton.Yes

    # -- menus -----------------------------------------------------------------------------
    def _on_open_triggered(self) -> None:
        recent = self.ctx.recent.files()
        start = str(Path(recent[0]).parent) if recent else str(Path.home())
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self.ctx.shell.widget(), "Open embeddings", start,
                                                        OPEN_FILTER)
        if path:
            self.open_file(path)

    def _rebuild_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        files = self.ctx.recent.files()
        for i, path in enumerate(files, 1):
            text = f"&{i % 10}  {Path(path).name}" if i <= RECENT_ACCELERATORS else Path(path).name
            action = menu.addAction(text)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _=False, p=path: self.open_recent(p))
        if files:
            menu.addSeparator()
            menu.addAction("Clear Menu", self.ctx.recent.clear)
        menu.setEnabled(bool(files))

    def shutdown(self) -> None:
        self.cancel_load()
