"""The core must import without Qt: every module under embexplorer.core, in a fresh interpreter."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import embexplorer.core

#: Modules no core module may pull in (directly or through a dependency).
FORBIDDEN = ("PySide6", "pyqtgraph", "superqt")

# Runs in a child process: a clean sys.modules, untouched by pytest-qt or other tests.
CHILD = """
import importlib, pkgutil, sys
import embexplorer.core as core
names = sorted(m.name for m in pkgutil.walk_packages(core.__path__, prefix="embexplorer.core."))
for name in names:
    importlib.import_module(name)
bad = sorted(m for m in sys.modules if m.split(".")[0] in {forbidden!r})
assert not bad, "core imported " + ", ".join(bad)
print("\\n".join(names))
"""


def _core_modules() -> list[str]:
    found = pkgutil.walk_packages(embexplorer.core.__path__, prefix="embexplorer.core.")
    return sorted(m.name for m in found)


def test_every_core_module_imports_without_qt():
    project_root = Path(embexplorer.core.__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-c", CHILD.format(forbidden=set(FORBIDDEN))],
                          capture_output=True, text=True, cwd=project_root, timeout=120)
    assert proc.returncode == 0, proc.stderr
    imported = proc.stdout.split()
    # The child saw the same modules as this process: the walk really covered the core.
    assert imported == _core_modules()
    for expected in ("embexplorer.core.data.embeddings", "embexplorer.core.progress",
                     "embexplorer.core.analysis.pca"):
        assert expected in imported


def test_child_check_detects_a_qt_import(tmp_path):
    # The same check must fail when a Qt module is present (guards against a check that cannot fail).
    fake = tmp_path / "pyqtgraph"
    fake.mkdir()
    (fake / "__init__.py").write_text("")
    prelude = f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import pyqtgraph\n"
    code = prelude + CHILD.format(forbidden=set(FORBIDDEN))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=Path(embexplorer.core.__file__).resolve().parents[2])
    assert proc.returncode != 0
    assert "core imported pyqtgraph" in proc.stderr
