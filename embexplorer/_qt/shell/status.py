"""The status bar's task area: what runs, how far it is, and its Cancel button."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6 import QtCore, QtWidgets

from embexplorer.core.progress import PROGRESS_STEPS

#: Width of the status bar's progress bar (pixels).
PROGRESS_BAR_WIDTH = 180


@dataclass
class BusyTask:
    """A task shown in the status bar: its owner, message, latest detail and progress, and Cancel."""

    owner: str
    message: str
    cancel: Callable[[], None] | None = None
    fraction: float | None = None
    detail: str = ""


class TaskStatus(QtCore.QObject):
    """Shows the newest busy task of any feature: its message, progress and Cancel.

    Signals
    -------
    changed(str)
        The message of the task shown ("" when idle): the start page repeats it.
    """

    changed = QtCore.Signal(str)

    def __init__(self, bar: QtWidgets.QStatusBar, cancel_icon) -> None:
        super().__init__(bar)
        self._tasks: dict[str, BusyTask] = {}
        self.label = QtWidgets.QLabel(bar)
        self.label.setObjectName("taskLabel")
        self.progress_bar = QtWidgets.QProgressBar(bar)
        self.progress_bar.setRange(0, PROGRESS_STEPS)
        self.progress_bar.setFixedWidth(PROGRESS_BAR_WIDTH)
        self.progress_bar.setTextVisible(False)
        self.cancel_button = QtWidgets.QToolButton(bar)
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setText("Cancel")
        self.cancel_button.setIcon(cancel_icon)
        self.cancel_button.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.cancel_button.setAutoRaise(True)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        for w in (self.label, self.progress_bar, self.cancel_button):
            bar.addPermanentWidget(w)
        self._show()

    def busy(self, owner: str, message: str, cancel: Callable[[], None] | None = None) -> None:
        """``owner`` started something long (shown until :meth:`idle`); ``cancel`` backs the button."""
        self._tasks.pop(owner, None)
        self._tasks[owner] = BusyTask(owner, message, cancel)  # newest last: it is the one shown
        self._show()

    def progress(self, owner: str, fraction: float | None, message: str = "") -> None:
        """``owner``'s task is ``fraction`` done (None: indeterminate)."""
        task = self._tasks.get(owner)
        if task is None:
            return
        task.fraction = fraction
        if message:
            task.detail = message
        if task is self._top():
            self._show()

    def idle(self, owner: str) -> None:
        """``owner``'s task ended."""
        if self._tasks.pop(owner, None) is not None:
            self._show()

    def is_busy(self, owner: str | None = None) -> bool:
        """Whether ``owner`` (anyone, if None) shows a task."""
        return bool(self._tasks) if owner is None else owner in self._tasks

    def _top(self) -> BusyTask | None:
        return next(reversed(self._tasks.values()), None)

    def _show(self) -> None:
        task = self._top()
        busy = task is not None
        for w in (self.label, self.progress_bar, self.cancel_button):
            w.setVisible(busy)
        if not busy:
            self.changed.emit("")
            return
        self.label.setText(f"{task.message} {task.detail}" if task.detail else task.message)
        self.cancel_button.setEnabled(task.cancel is not None)
        self.cancel_button.setToolTip(f"Stop: {task.message}")
        if task.fraction is None:
            self.progress_bar.setRange(0, 0)
        else:
            self.progress_bar.setRange(0, PROGRESS_STEPS)
            self.progress_bar.setValue(int(round(task.fraction * PROGRESS_STEPS)))
        self.changed.emit(task.message)

    def _on_cancel_clicked(self) -> None:
        task = self._top()
        if task is not None and task.cancel is not None:
            task.cancel()
