"""``embexplorer --screenshot``: a real PNG of the window at the asked size, or exit 2 and one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtGui

from embexplorer.core.view import palette

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


def test_screenshot_without_file_shows_the_start_page_with_its_live_demo(tmp_path):
    out = tmp_path / "start.png"
    proc = run_cli("--screenshot", str(out), "--size", "640x480", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    px = image_pixels(out)
    assert px.shape[:2] == (480, 640)
    # The start page: mostly light, with text, accent buttons and the preview's coloured points.
    assert float(px.mean()) > 180
    chroma = px.max(axis=2).astype(int) - px.min(axis=2).astype(int)
    assert int((chroma >= CHROMA_MIN).sum()) >= MIN_COLOURED_PIXELS
    assert len(np.unique(px.reshape(-1, 3), axis=0)) > 10


def test_screenshot_of_the_genres_demo_shows_coloured_movies(tmp_path):
    out = tmp_path / "genres.png"
    proc = run_cli("--screenshot", str(out), "--size", "800x600", "--demo", "genres", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    px = image_pixels(out)
    chroma = px.max(axis=2).astype(int) - px.min(axis=2).astype(int)
    assert int((chroma >= CHROMA_MIN).sum()) >= MIN_COLOURED_PIXELS  # movies coloured by true genre


def test_demo_with_a_file_is_one_line_error(tmp_path, glove_path):
    proc = run_cli("--screenshot", str(tmp_path / "x.png"), "--demo", "genres", str(glove_path),
                   tmp_path=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "--demo" in proc.stderr


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


#: Overlay colours the screenshot must show (RGB) and how close a pixel must be to count.
ANALOGY_RGB = palette.ANALOGY
NEIGHBOUR_RGB = palette.NEIGHBOUR
COLOUR_TOLERANCE = 12
#: Pixels of an overlay colour expected at least (markers and lines of a few points).
MIN_OVERLAY_PIXELS = 40


def colour_pixels(px: np.ndarray, rgb) -> int:
    return int((np.abs(px.astype(int) - np.array(rgb)).max(axis=2) <= COLOUR_TOLERANCE).sum())


def test_screenshot_with_analogy_and_neighbours_panels(tmp_path, glove_path):
    out = tmp_path / "panels.png"
    proc = run_cli("--screenshot", str(out), "--size", "1280x800", str(glove_path),
                   "--analogy", "man,king,woman",
                   "--neighbours", "france", "--select", "paris,berlin", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    px = image_pixels(out)
    assert px.shape[:2] == (800, 1280)
    assert colour_pixels(px, ANALOGY_RGB) >= MIN_OVERLAY_PIXELS, "no analogy parallelogram drawn"
    assert colour_pixels(px, NEIGHBOUR_RGB) >= MIN_OVERLAY_PIXELS, "no neighbours drawn"


# One error of a view option and one of a data option through the whole command line (a process each,
# ~4 s); every view option's own error is checked in-process by test_gui_view_options.
@pytest.mark.parametrize("option, value, reason", [
    ("--search", "nosuchlabelxyz", "no point labelled 'nosuchlabelxyz'"),
    ("--train", "2", "needs --movielens"),
])
def test_screenshot_option_errors_exit_2(tmp_path, glove_path, option, value, reason):
    out = tmp_path / "never.png"
    proc = run_cli("--screenshot", str(out), str(glove_path), option, value, tmp_path=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"embexplorer: error: {option}: "), proc.stderr
    assert reason in lines[0]
    assert not out.exists()


def test_screenshot_after_training_on_movielens(tmp_path, shared_data):
    data = shared_data / "ml-100k"
    if not (data / "u.data").is_file():
        pytest.skip(f"{data} not found")
    out = tmp_path / "movies.png"
    proc = run_cli("--screenshot", str(out), "--movielens", str(data), "--train", "1", "--color-by", "genre",
                   "--select", "Star Wars (1977),Fargo (1996)", "--dock", "user", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    px = image_pixels(out)
    chroma = px.max(axis=2).astype(int) - px.min(axis=2).astype(int)
    assert int((chroma >= CHROMA_MIN).sum()) >= MIN_COLOURED_PIXELS


@pytest.mark.parametrize("extra", [["--lecture", "ratings"], ["--lecture", "analogies", "GLOVE"]])
def test_screenshot_of_a_lecture(tmp_path, glove_path, extra):
    out = tmp_path / "lecture.png"
    args = [str(glove_path) if a == "GLOVE" else a for a in extra]
    proc = run_cli("--screenshot", str(out), "--size", "1000x700", *args, tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    px = image_pixels(out)
    assert px.shape[:2] == (700, 1000)
    # The caption banner (pale yellow) is across the top of the plot area.
    banner = (px[:, :, 0] > 240) & (px[:, :, 1] > 230) & (px[:, :, 2] < 225)
    assert int(banner.sum()) > 20_000


def test_lecture_analogies_without_word_vectors_is_one_line_error(tmp_path):
    proc = run_cli("--screenshot", str(tmp_path / "x.png"), "--lecture", "analogies", tmp_path=tmp_path)
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") == 0 and "--lecture" in proc.stderr
    assert not (tmp_path / "x.png").exists()
