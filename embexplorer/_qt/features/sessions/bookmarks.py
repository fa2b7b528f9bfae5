"""Bookmarks: named snapshots of the view, kept in order as a tour, and the dock that lists them.

:class:`BookmarkTour` is the list (add, rename, remove, move, the bookmark shown last);
:class:`BookmarksPanel` shows it: double-click applies, F2 or a second click renames, and
Add, Rename, Delete, Up, Down.  What a bookmark holds and how it is applied is the sessions
feature's business (the view features' states); the tour only keeps them.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from embexplorer.core.session import Bookmark

#: Name given to a new bookmark ("Bookmark 3").
BOOKMARK_NAME = "Bookmark {}"


class BookmarkTour(QtCore.QObject):
    """The bookmarks of a session, in tour order.

    Signals
    -------
    changed()
        Bookmarks were added, renamed, removed, reordered or replaced.
    applied(int)
        Bookmark ``i`` was shown.
    add_requested()
        The panel's Add button (the feature captures the bookmark).
    apply_requested(int)
        The panel asks to show bookmark ``i``.
    """

    changed = QtCore.Signal()
    applied = QtCore.Signal(int)
    add_requested = QtCore.Signal()
    apply_requested = QtCore.Signal(int)

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.items: list[Bookmark] = []
        #: Index of the bookmark shown last (-1: none); Page Down goes on from here.
        self.current = -1

    def replace(self, bookmarks: list[Bookmark]) -> None:
        """Take a session's bookmarks (none shown yet)."""
        self.items = list(bookmarks)
        self.current = -1
        self.changed.emit()

    def append(self, bookmark: Bookmark) -> int:
        """Add ``bookmark`` at the end and make it the current one; returns its index."""
        self.items.append(bookmark)
        self.current = len(self.items) - 1
        self.changed.emit()
        return self.current

    def next_name(self) -> str:
        """The name of a new bookmark ("Bookmark 3")."""
        return BOOKMARK_NAME.format(len(self.items) + 1)

    def mark_applied(self, i: int) -> None:
        """Bookmark ``i`` is the one shown now."""
        self.current = i
        self.applied.emit(i)

    def step(self, delta: int) -> int:
        """The index ``delta`` bookmarks from the current one, kept within the list (-1 if empty)."""
        if not self.items:
            return -1
        return min(max(self.current + delta, 0), len(self.items) - 1)

    def rename(self, i: int, name: str) -> None:
        if name and name != self.items[i].name:
            self.items[i].name = name
            self.changed.emit()

    def remove(self, i: int) -> None:
        del self.items[i]
        if self.current >= len(self.items) or self.current == i:
            self.current = min(i, len(self.items)) - 1
        elif self.current > i:
            self.current -= 1
        self.changed.emit()

    def move(self, i: int, j: int) -> None:
        """Move bookmark ``i`` to position ``j`` (the tour order)."""
        if not (0 <= i < len(self.items) and 0 <= j < len(self.items)) or i == j:
            return
        self.items.insert(j, self.items.pop(i))
        if self.current == i:
            self.current = j
        self.changed.emit()


class BookmarksPanel(QtWidgets.QWidget):
    """The Bookmarks dock: the list and Add, Rename, Delete, Up, Down."""

    def __init__(self, tour: BookmarkTour, add_shortcut: str = "",
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.tour = tour
        self.list = QtWidgets.QListWidget()
        self.list.setObjectName("bookmarksList")
        self.list.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.EditKeyPressed
                                  | QtWidgets.QAbstractItemView.EditTrigger.SelectedClicked)
        self.add_button = QtWidgets.QPushButton("Add")
        self.add_button.setToolTip("Bookmark the current view and panels"
                                   + (f" ({add_shortcut})" if add_shortcut else ""))
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
        self.add_button.clicked.connect(tour.add_requested)
        self.rename_button.clicked.connect(self._on_rename_clicked)
        self.delete_button.clicked.connect(self._on_delete_clicked)
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button.clicked.connect(lambda: self._move(1))
        self.list.itemDoubleClicked.connect(lambda item: tour.apply_requested.emit(self.list.row(item)))
        self.list.itemChanged.connect(self._on_item_changed)
        self.list.currentRowChanged.connect(self._update_buttons)
        tour.changed.connect(self.refresh)
        tour.applied.connect(self._on_bookmark_applied)
        self.refresh()

    def refresh(self) -> None:
        """Show the tour's bookmarks (keeps the current row)."""
        current = self.list.currentRow()
        blocked = self.list.blockSignals(True)
        self.list.clear()
        for b in self.tour.items:
            item = QtWidgets.QListWidgetItem(b.name)
            item.setFlags(item.flags() | QtCore.Qt.ItemFlag.ItemIsEditable)
            item.setToolTip(f"{b.name}\ncreated {b.created}")
            self.list.addItem(item)
        n = self.list.count()
        want = self.tour.current if 0 <= self.tour.current < n else current
        self.list.setCurrentRow(min(want, n - 1) if n else -1)
        self.list.blockSignals(blocked)
        self._update_buttons()

    def _update_buttons(self, *_args) -> None:
        row, n = self.list.currentRow(), self.list.count()
        for b in (self.rename_button, self.delete_button):
            b.setEnabled(row >= 0)
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < n - 1)

    def _on_rename_clicked(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.list.editItem(item)

    def _on_delete_clicked(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.tour.remove(row)

    def _move(self, step: int) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.tour.move(row, row + step)
            self.list.setCurrentRow(row + step)

    def _on_item_changed(self, item: QtWidgets.QListWidgetItem) -> None:
        name = item.text().strip()
        if name:
            self.tour.rename(self.list.row(item), name)
        else:
            self.refresh()  # an empty name is not a rename: show the old one again

    def _on_bookmark_applied(self, i: int) -> None:
        blocked = self.list.blockSignals(True)
        self.list.setCurrentRow(i)
        self.list.blockSignals(blocked)
        self._update_buttons()
