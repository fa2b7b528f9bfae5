"""Packaging rules that protect users: the PySide6 6.12.0 / CPython 3.11 abort."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def _qt_requirements(python_version: str) -> list[Requirement]:
    deps = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    reqs = [Requirement(d) for d in deps]
    env = {"python_version": python_version, "python_full_version": python_version + ".0"}
    return [r for r in reqs if r.name.lower() == "pyside6-essentials"
            and (r.marker is None or r.marker.evaluate(env))]


@pytest.mark.parametrize("python_version", ["3.10", "3.11"])
def test_pyside6_6_12_0_excluded_before_python_3_12(python_version):
    reqs = _qt_requirements(python_version)
    assert reqs, "PySide6-Essentials must be a dependency"
    assert not all(r.specifier.contains(Version("6.12.0")) for r in reqs)
    assert all(r.specifier.contains(Version("6.11.3")) for r in reqs)


@pytest.mark.parametrize("python_version", ["3.12", "3.13"])
def test_pyside6_6_12_0_allowed_on_python_3_12_and_later(python_version):
    reqs = _qt_requirements(python_version)
    assert reqs and all(r.specifier.contains(Version("6.12.0")) for r in reqs)


def test_installed_qt_is_not_the_crashing_combination():
    import PySide6

    if sys.version_info[:2] < (3, 12):
        assert PySide6.__version__ != "6.12.0"
