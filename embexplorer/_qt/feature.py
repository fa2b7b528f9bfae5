"""What a feature is, and what it is given: the seams between the shell and the rooms.

A feature lives in one folder under :mod:`embexplorer._qt.features` and has one entry point,
``create(ctx) -> Feature``.  It receives a :class:`Context` -- the :class:`Workspace`, the task
runner, the command registry and a narrow :class:`ShellApi` -- and returns its docks, menu
entries, central pages and status-bar widgets, its part of a session (:meth:`Feature.state` /
:meth:`Feature.restore`) and its command-line options.  Features never import each other:
what one offers the others is a named command in :class:`Commands` (the action registry).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from PySide6 import QtCore, QtGui, QtWidgets

from embexplorer._qt.workers import TaskRunner
from embexplorer._qt.workspace import Workspace
from embexplorer.core.errors import DataError


class Commands:
    """The action registry: named operations features offer one another (and scripts, the CLI).

    Names are ``"<feature>.<verb>"``; :meth:`run` raises KeyError for an unknown one, so a
    missing feature is an error at the call, not a silent no-op.
    """

    def __init__(self) -> None:
        self._commands: dict[str, tuple[Callable, str]] = {}

    def register(self, name: str, func: Callable, doc: str = "") -> None:
        """Offer ``func`` as ``name`` (replacing nothing: a second registration is a bug)."""
        if name in self._commands:
            raise ValueError(f"command {name!r} is registered twice")
        self._commands[name] = (func, doc or (func.__doc__ or "").strip().split("\n")[0])

    def run(self, name: str, *args, **kwargs) -> Any:
        """Run the command ``name``; raises KeyError if no feature offers it."""
        try:
            func, _doc = self._commands[name]
        except KeyError:
            raise KeyError(f"no command {name!r}") from None
        return func(*args, **kwargs)

    def has(self, name: str) -> bool:
        """Whether some feature offers ``name``."""
        return name in self._commands

    def names(self) -> list[str]:
        """Every command, sorted."""
        return sorted(self._commands)

    def doc(self, name: str) -> str:
        """One line on what ``name`` does."""
        return self._commands[name][1]


class ShellApi(Protocol):
    """What a feature may ask of the window (and nothing else of it)."""

    settings: QtCore.QSettings
    interactive: bool

    def widget(self) -> QtWidgets.QMainWindow: ...  # parent of dialogs, owner of window shortcuts
    def show_dock(self, key: str, height: int | None = None) -> QtWidgets.QDockWidget: ...
    def dock(self, key: str) -> QtWidgets.QDockWidget | None: ...
    def dock_keys(self) -> list[str]: ...
    def show_central(self, key: str) -> None: ...
    def central_key(self) -> str: ...
    def message(self, text: str, timeout_ms: int = 0) -> None: ...
    def show_error(self, err: BaseException, title: str = "") -> None: ...
    def busy(self, owner: str, message: str, cancel: Callable[[], None] | None = None) -> None: ...
    def progress(self, owner: str, fraction: float | None, message: str = "") -> None: ...
    def idle(self, owner: str) -> None: ...
    def is_busy(self, owner: str | None = None) -> bool: ...
    def menu(self, name: str) -> QtWidgets.QMenu: ...


@dataclass
class Context:
    """Everything a feature is given when it is created."""

    workspace: Workspace
    runner: TaskRunner
    commands: Commands
    shell: ShellApi
    recent: RecentFiles


@dataclass
class DockSpec:
    """A dock a feature puts on the right of the plot.

    ``key`` is also its ``--dock`` name; ``tab_with`` tabs it behind another dock;
    ``scroll`` wraps tall panels in a scroll area; ``on_closed`` runs when the user closes the
    dock (its feature removes the layers it drew: nothing lingers on the plot unexplained).
    """

    key: str
    title: str
    widget: QtWidgets.QWidget
    visible: bool = True
    scroll: bool = True
    tab_with: str | None = None
    area: QtCore.Qt.DockWidgetArea = QtCore.Qt.DockWidgetArea.RightDockWidgetArea
    on_closed: Callable[[], None] | None = None


@dataclass
class MenuItem:
    """An entry of a menu: an action, a submenu or a section title.

    Items of one menu are ordered by ``group`` (then by feature order); the shell puts a
    separator between groups.  ``menu`` is the top-level menu's name (``"File"``, ``"Edit"``...).
    """

    menu: str
    item: QtGui.QAction | QtWidgets.QMenu
    group: int = 50


@dataclass
class Page:
    """A page of the window's centre (the plot, the start page)."""

    key: str
    widget: QtWidgets.QWidget
    focus: QtWidgets.QWidget | None = None  # what gets the keyboard when the page shows


class Feature(QtCore.QObject):
    """Base of every feature: override what the feature contributes.

    Parameters
    ----------
    ctx : Context
    """

    #: Folder name; key of the feature's part of a session and of ``window.features``.
    name = ""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx.workspace)
        self.ctx = ctx

    # -- what the shell asks at start-up -------------------------------------------------
    def pages(self) -> list[Page]:
        """Pages for the window's centre."""
        return []

    def docks(self) -> list[DockSpec]:
        """Docks, in the order they are tabbed."""
        return []

    def menu_items(self) -> list[MenuItem]:
        """Menu entries."""
        return []

    def toolbar_items(self) -> list[QtGui.QAction | QtWidgets.QWidget]:
        """Widgets and actions for the main toolbar (``None`` for a separator)."""
        return []

    def status_widgets(self) -> list[QtWidgets.QWidget]:
        """Permanent widgets at the right of the status bar."""
        return []

    def ready(self) -> None:
        """Every feature is built and placed (commands of others can be used now)."""

    # -- sessions ------------------------------------------------------------------------
    def state(self) -> dict | None:
        """This feature's part of a session (JSON-able), or None for nothing to keep."""
        return None

    def restore(self, state: dict) -> None:
        """Apply ``state`` (from :meth:`state`) to the data set now shown."""

    # -- the command line -------------------------------------------------------------------
    def apply_arguments(self, args) -> None:
        """Apply this feature's view options (``--neighbours`` ...) to the data set shown.

        Raises :class:`~embexplorer.core.errors.DataError` naming the option when it cannot.
        """

    # -- the end ---------------------------------------------------------------------------
    def shutdown(self) -> None:
        """The window closes: stop what runs (the runner's tasks are cancelled by the shell)."""


class RecentFiles(QtCore.QObject):
    """Recently opened files, most recent first, kept in the settings.

    Signals
    -------
    changed()
    """

    changed = QtCore.Signal()
    #: Entries kept.
    MAX = 10
    _KEY = "recent_files"

    def __init__(self, settings: QtCore.QSettings, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings

    def files(self) -> list[str]:
        """Recent files, most recent first."""
        value = self.settings.value(self._KEY, [])
        if isinstance(value, str):  # QSettings returns a bare string for a one-element list
            value = [value]
        return [str(v) for v in (value or [])][:self.MAX]

    def remember(self, path: str) -> None:
        """Put ``path`` first."""
        import os

        path = os.path.abspath(path)
        self._set([path, *[p for p in self.files() if p != path]])

    def forget(self, path: str) -> None:
        """Remove ``path``."""
        self._set([p for p in self.files() if p != path])

    def clear(self) -> None:
        """Forget them all."""
        self._set([])

    def _set(self, files: list[str]) -> None:
        self.settings.setValue(self._KEY, files[:self.MAX])
        self.settings.sync()
        self.changed.emit()


def find_row(emb, label: str, option: str) -> int:
    """Row of ``label`` in ``emb`` (exact, else ignoring case) for a command-line option.

    Raises :class:`DataError` naming ``option`` when there is none.
    """
    try:
        return emb.row(label)
    except KeyError:
        try:
            return emb.row(label, case_insensitive=True)
        except KeyError:
            raise DataError(f"no point labelled {label!r}", option) from None
