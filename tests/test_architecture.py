"""The layout's rules, checked: contracts between packages, private members, module sizes.

See "How the code is organised" in the README.  These are the rules a new feature keeps.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "embexplorer"
#: Longest module, and longest window shell (lines).
MAX_MODULE_LINES = 700
MAX_SHELL_LINES = 400
#: Private names of the standard library and Qt that code may use on other objects.
ALLOWED_PRIVATE = {"_replace", "_asdict", "_fields", "_make", "_getframe", "_exit"}


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_import_contracts_hold():
    """Core never imports Qt; features never import each other; only the shell imports features;
    commands never import the GUI (the contracts in pyproject.toml)."""
    exe = shutil.which("lint-imports", path=os.path.dirname(sys.executable)) or shutil.which("lint-imports")
    assert exe, "import-linter is part of the test extra: pip install -e '.[test]'"
    proc = subprocess.run([exe, "--config", str(PACKAGE.parent / "pyproject.toml")], cwd=PACKAGE.parent,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "broken" not in proc.stdout.lower() or " 0 broken" in proc.stdout.lower()


def _defined_private_names(tree: ast.AST) -> set[str]:
    """Private names a module defines: its functions, classes, globals and attributes it assigns."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {n for n in names if n.startswith("_")}


def private_member_uses(path: Path) -> list[str]:
    """``obj._name`` uses in ``path`` where ``_name`` belongs to another module (not self / cls)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own = _defined_private_names(tree)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                and not node.attr.startswith("__")):
            continue
        value = node.value
        if isinstance(value, ast.Name) and value.id in ("self", "cls"):
            continue
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "super":
            continue
        if node.attr in own or node.attr in ALLOWED_PRIVATE:
            continue
        found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_code_touches_another_modules_private_members():
    """A feature's (or any module's) private members are its own: nobody else reads or calls them."""
    found = [use for p in _modules() for use in private_member_uses(p)]
    assert not found, "private members used from outside their module:\n" + "\n".join(found)


def test_the_private_member_check_catches_a_reach_in(tmp_path):
    """The check above can fail: a window reaching into a panel is caught."""
    probe = PACKAGE / "_probe_reach_in.py"
    probe.write_text("def f(window):\n    return window._analogy\n", encoding="utf-8")
    try:
        assert private_member_uses(probe) == ["embexplorer/_probe_reach_in.py:2: window._analogy"]
    finally:
        probe.unlink()


def test_no_module_is_over_the_size_limit():
    sizes = {p.relative_to(PACKAGE.parent): len(p.read_text(encoding="utf-8").splitlines()) for p in _modules()}
    big = {str(p): n for p, n in sizes.items() if n > MAX_MODULE_LINES}
    assert not big, f"modules over {MAX_MODULE_LINES} lines: {big}"


def test_the_window_is_a_small_shell():
    shell = PACKAGE / "_qt" / "shell" / "main_window.py"
    assert len(shell.read_text(encoding="utf-8").splitlines()) < MAX_SHELL_LINES
    assert not (PACKAGE / "_qt" / "main_window.py").exists()


@pytest.mark.parametrize("room", sorted(p.name for p in (PACKAGE / "_qt" / "features").iterdir()
                                         if p.is_dir() and not p.name.startswith("_")))
def test_every_feature_room_has_one_entry_point(room):
    """``embexplorer._qt.features.<room>`` exposes ``create(ctx)`` and is listed among the rooms."""
    import importlib

    from embexplorer._qt import features

    mod = importlib.import_module(f"embexplorer._qt.features.{room}")
    assert callable(getattr(mod, "create", None))
    assert room in features.ROOMS


def _rebound_names(tree: ast.AST) -> dict[str, set[str]]:
    """Per class: names bound to something else than a method (a property, a class attribute, or a
    ``self.name = ...`` in its methods)."""
    out: dict[str, set[str]] = {}
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        names = out.setdefault(cls.name, set())
        for node in cls.body:
            if isinstance(node, ast.FunctionDef) and any(
                    isinstance(d, ast.Name) and d.id in ("property", "cached_property")
                    or isinstance(d, ast.Attribute) and d.attr in ("setter", "getter") for d in node.decorator_list):
                names.add(node.name)
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, ast.AnnAssign) else []
            names.update(t.id for t in targets if isinstance(t, ast.Name))
        for node in ast.walk(cls):
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self":
                        names.add(t.attr)
    return out


def _shadowed_qt_methods(cls: type, names: set[str]) -> list[str]:
    """Which of ``names`` are methods of ``cls``'s Qt base classes."""
    qt = [b for b in cls.__mro__ if b.__module__.startswith(("PySide6", "shiboken6"))]
    return sorted(n for n in names if not n.startswith("__") and any(callable(getattr(b, n, None)) for b in qt))


def test_no_qt_class_shadows_a_qt_method_with_an_attribute():
    """A Qt class's Python attribute named like one of its Qt methods (a property ``metric``, a child
    widget kept as ``self.metric``) replaces the method PySide calls when Qt calls its virtual: Qt's next
    call crashes the process.  Found by the GUI monkey: ``QPaintDevice::metric`` called on a panel with
    a ``metric`` property when the font changed in a floating dock."""
    import importlib

    from PySide6 import QtCore

    bad = []
    for path in sorted((PACKAGE / "_qt").rglob("*.py")):
        module = importlib.import_module("embexplorer." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
                                         .removesuffix(".__init__"))
        for name, rebound in _rebound_names(ast.parse(path.read_text(encoding="utf-8"))).items():
            cls = getattr(module, name, None)
            if isinstance(cls, type) and issubclass(cls, QtCore.QObject):
                bad += [f"{path.relative_to(PACKAGE)}: {name}.{n}" for n in _shadowed_qt_methods(cls, rebound)]
    assert not bad, "rename these (they hide Qt methods of the same name):\n" + "\n".join(bad)


def test_the_shadow_check_catches_a_property_and_a_child_widget():
    from PySide6 import QtWidgets

    tree = ast.parse("class P(QWidget):\n    @property\n    def metric(self):\n        return 'cosine'\n"
                     "class D(QDialog):\n    def __init__(self):\n        self.metric = QComboBox()\n"
                     "        self.metric_combo = QComboBox()\n")
    names = _rebound_names(tree)
    assert names == {"P": {"metric"}, "D": {"metric", "metric_combo"}}
    assert _shadowed_qt_methods(QtWidgets.QDialog, names["D"]) == ["metric"]
