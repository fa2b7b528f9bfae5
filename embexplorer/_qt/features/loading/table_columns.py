"""The columns chosen for each table file (Parquet, Arrow, Feather, CSV), remembered in the settings:
reopening the file (recent files, a session) does not ask again."""

from __future__ import annotations

import json
import os

#: Settings key: JSON ``{absolute path: {"vector_column": ..., "label_column": ...}}``.
SETTINGS_KEY = "loading/table_columns"
#: Files remembered at most (the oldest are forgotten first).
MAX_REMEMBERED = 50


class RememberedColumns:
    """``vector_column`` / ``label_column`` per file, kept in a QSettings."""

    def __init__(self, settings) -> None:
        self.settings = settings

    def _all(self) -> dict:
        try:
            value = json.loads(str(self.settings.value(SETTINGS_KEY, "") or "{}"))
        except ValueError:  # a damaged value: start again
            return {}
        return value if isinstance(value, dict) else {}

    def get(self, path: str | os.PathLike) -> dict:
        """The columns chosen for ``path`` last time ({} if none)."""
        found = self._all().get(os.path.abspath(path))
        return {k: v for k, v in found.items() if k in ("vector_column", "label_column") and v} \
            if isinstance(found, dict) else {}

    def put(self, path: str | os.PathLike, columns: dict) -> None:
        """Remember ``columns`` for ``path`` (nothing to remember: forget it)."""
        known = self._all()
        key = os.path.abspath(path)
        known.pop(key, None)
        if columns:
            known[key] = dict(columns)
        self.settings.setValue(SETTINGS_KEY, json.dumps(dict(list(known.items())[-MAX_REMEMBERED:])))
