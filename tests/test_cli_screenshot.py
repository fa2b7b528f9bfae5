"""``embexplorer --screenshot``: a real PNG of the window at the asked size, or exit 2 and one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtGui

#: Seconds a screenshot run may take (import, load, PCA, render) before the test fails.
RUN_TIMEOUT_S = 120
#: Window size asked for.
SIZE = (1000, 700)
#: A pixel counts as "coloured" (a plotted point, not grey UI chrome) above this chroma.
CHROMA_MIN = 60
#: Coloured pixels expected at least once 5,050 points are drawn.
MIN_COLOURED_PIXELS = 2000
#: Distinct colours in a window with text, widgets and a scatter.
MIN_DISTINCT_COLOURS = 200


def run_cli(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    # No display and no platform preset: --screenshot must pick the offscreen platform itself.
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(var, None)
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    root = Path(__file__).resolve().parents[1]
    env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "embexplorer", *args], capture_output=True, text=True,
                          timeout=RUN_TIMEOUT_S, env=env, cwd=tmp_path)


def image_pixels(path: Path) -> np.ndarray:
    """PNG as an (h, w, 3) uint8 RGB array."""
    img = QtGui.QImage(str(path))
    assert not img.isNull(), f"{path} is not a readable image"
    img = img.convertToFormat(QtGui.QImage.Format.Format_RGB888)
    h, w, stride = img.height(), img.width(), img.bytesPerLine()
    buf = np.frombuffer(img.constBits(), dtype=np.uint8, count=h * stride).reshape(h, stride)
    return buf[:, : w * 3].reshape(h, w, 3).copy()


def test_screenshot_of_real_glove(tmp_path, glove_path):
    out = tmp_path / "shot.png"
    proc = run_cli("--screenshot", str(out), "--size", f"{SIZE[0]}x{SIZE[1]}", str(glove_path),
                   tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert out.is_file()
    assert not list(tmp_path.glob(".shot.png.*")), "temporary file left behind"
    px = image_pixels(out)
    assert px.shape[:2] == (SIZE[1], SIZE[0])
    colours = np.unique(px.reshape(-1, 3).astype(np.uint32) @ np.array([1 << 16, 1 << 8, 1], np.uint32))
    assert len(colours) >= MIN_DISTINCT_COLOURS, f"only {len(colours)} colours: blank window?"
    chroma = px.max(axis=2).astype(int) - px.min(axis=2).astype(int)
    coloured = int((chroma >= CHROMA_MIN).sum())
    assert coloured >= MIN_COLOURED_PIXELS, f"only {coloured} coloured pixels: points not drawn?"


def test_screenshot_without_file_shows_empty_window(tmp_path):
    out = tmp_path / "empty.png"
    proc = run_cli("--screenshot", str(out), "--size", "640x480", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    px = image_pixels(out)
    assert px.shape[:2] == (480, 640)
    chroma = px.max(axis=2).astype(int) - px.min(axis=2).astype(int)
    assert int((chroma >= CHROMA_MIN).sum()) < MIN_COLOURED_PIXELS  # no scatter without data
    assert len(np.unique(px.reshape(-1, 3), axis=0)) > 10  # but the window itself (menus, text)


@pytest.mark.parametrize("content, line", [("2 3\na 1 2 3\nb 1 2\n", 3), ("", None)])
def test_screenshot_of_bad_file_exits_2_with_one_line(tmp_path, content, line):
    bad = tmp_path / "bad.txt"
    bad.write_text(content, encoding="utf-8")
    out = tmp_path / "never.png"
    proc = run_cli("--screenshot", str(out), str(bad), tmp_path=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("embexplorer: error: ")
    assert str(bad) in lines[0] or bad.name in lines[0]
    if line is not None:
        assert f"{bad.name}:{line}:" in lines[0]
    assert not out.exists()


def test_screenshot_bad_size_exits_2(tmp_path):
    proc = run_cli("--screenshot", str(tmp_path / "x.png"), "--size", "huge", tmp_path=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == ["embexplorer: error: --size: expected WxH such as "
                                                "1280x800, got 'huge'"]
