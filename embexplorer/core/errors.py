"""The project's one error type for bad input."""

from __future__ import annotations

import os


class DataError(Exception):
    """A file (or other input) could not be used.

    Carries the file, the 1-based line number where known, and a reason a
    user can act on.  ``str(err)`` is ``"FILE:LINE: reason"`` (or
    ``"FILE: reason"`` without a line), the form the CLI prints.

    Parameters
    ----------
    reason : str
        What is wrong, in plain words.
    path : str or os.PathLike, optional
        The file concerned.
    line : int, optional
        1-based line number (or record number for binary files).
    """

    def __init__(self, reason: str, path: str | os.PathLike | None = None,
                 line: int | None = None) -> None:
        self.reason = reason
        self.path = os.fspath(path) if path is not None else None
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.reason}"

    def __reduce__(self):  # keep pickling (e.g. across processes) intact
        return (type(self), (self.reason, self.path, self.line))
