"""A real desktop: the app started as a user starts it, on Qt's ``xcb`` platform (no offscreen plugin)
on an Xvfb display this test starts itself; it opens the shared GloVe file, a search is typed, a
neighbours query runs, and the real screen is grabbed (``xwd -root``) to check the window is drawn.

Skips only when Xvfb is not installed (``.ci/run`` installs it and the X client libraries Qt needs).
Keys are typed with ``xdotool`` when it is there (``.ci/run`` installs it); without it the app's own
``--search`` / ``--neighbours`` options do the typing.  Also: without any display the app exits with
status 2 and one line saying what to install, instead of Qt's abort.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from embexplorer._qt.display import DisplayError, check_display

ROOT = Path(__file__).resolve().parents[1]
#: The virtual screen.
SCREEN_W, SCREEN_H = 1280, 800
#: Seconds the app may take to show the GloVe file (started cold, on a loaded machine).
SHOW_TIMEOUT_S = 60
#: Seconds the window may take to redraw after keys are typed.
REDRAW_TIMEOUT_S = 20
#: Seconds between two grabs while waiting for the screen to change.
POLL_S = 0.2
#: Distinct colours a drawn window has at least (points, text, widgets); a blank one has 1 or 2.
MIN_COLOURS = 50
#: Pixels of the neighbours' colour (markers, lines to the query) a drawn query has at least.
MIN_NEIGHBOUR_PIXELS = 200
#: Largest difference per channel from the neighbours' colour (antialiasing, the X server's depth).
NEIGHBOUR_TOLERANCE = 40
#: The word searched and queried.
WORD = "king"


def _xwd_pixels(data: bytes) -> np.ndarray:
    """An ``xwd`` dump (ZPixmap, 24/32 bits per pixel) as an (h, w, 3) uint8 RGB array."""
    fields = struct.unpack(">25I", data[:100])
    header_size, _version, pixmap_format, _depth, width, height = fields[:6]
    byte_order, bits_per_pixel, bytes_per_line = fields[7], fields[11], fields[12]
    red_mask, green_mask, blue_mask, ncolors = fields[14], fields[15], fields[16], fields[19]
    assert pixmap_format == 2 and bits_per_pixel == 32, f"unexpected xwd format {fields[:13]}"
    start = header_size + 12 * ncolors
    raw = np.frombuffer(data, dtype="<u4" if byte_order == 0 else ">u4", count=height * bytes_per_line // 4,
                        offset=start).reshape(height, bytes_per_line // 4)[:, :width]

    def channel(mask: int) -> np.ndarray:
        shift = (mask & -mask).bit_length() - 1
        return ((raw & mask) >> shift).astype(np.uint8)

    return np.dstack([channel(red_mask), channel(green_mask), channel(blue_mask)])


def _grab(env) -> np.ndarray:
    out = subprocess.run(["xwd", "-root", "-silent"], env=env, capture_output=True, timeout=30, check=True)
    return _xwd_pixels(out.stdout)


def _colours(image: np.ndarray) -> int:
    return len(np.unique(image.reshape(-1, 3), axis=0))


def _neighbour_pixels(image: np.ndarray) -> int:
    """Pixels of the neighbours layer's colour (its markers and lines; the points are pale)."""
    from embexplorer.core.view.palette import NEIGHBOUR

    diff = image.astype(np.int16) - np.asarray(NEIGHBOUR, dtype=np.int16)
    return int((np.abs(diff).max(axis=2) <= NEIGHBOUR_TOLERANCE).sum())


def _grab_until(env, ok, timeout_s: float) -> np.ndarray:
    """Grab the screen until ``ok(image)`` holds (or the time is up: the last grab)."""
    deadline = time.monotonic() + timeout_s
    while True:
        image = _grab(env)
        if ok(image) or time.monotonic() > deadline:
            return image
        time.sleep(POLL_S)


def _xdotool(env, *args: str) -> str:
    return subprocess.run(["xdotool", *args], env=env, capture_output=True, text=True, timeout=30).stdout.strip()


@pytest.fixture
def xvfb():
    """A fresh Xvfb display (its own number, chosen by Xvfb): the environment to reach it."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (Debian/Ubuntu: apt install xvfb; .ci/run installs it)")
    if shutil.which("xwd") is None:
        pytest.skip("xwd is not installed (Debian/Ubuntu: apt install x11-apps; .ci/run installs it)")
    read, write = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", f"{SCREEN_W}x{SCREEN_H}x24",
                             "-nolisten", "tcp"], pass_fds=(write,), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    os.close(write)
    try:
        with os.fdopen(read) as fh:
            display = fh.readline().strip()
        assert display, "Xvfb did not report its display"
        env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
        env.update(DISPLAY=f":{display}", QT_QPA_PLATFORM="xcb")
        yield env
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_app_on_a_real_x_display_shows_glove_searches_and_queries(xvfb, glove_path, tmp_path):
    env = dict(xvfb, XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_CACHE_HOME=str(tmp_path / "cache"),
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    typing = shutil.which("xdotool") is not None
    args = [sys.executable, "-m", "embexplorer", str(glove_path)]
    if not typing:  # the app types for us
        args += ["--search", WORD, "--neighbours", WORD]
    app = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert _colours(_grab(env)) <= 2  # nothing drawn yet but the root window
        deadline = time.monotonic() + SHOW_TIMEOUT_S
        window = ""
        while time.monotonic() < deadline and app.poll() is None:
            if typing:
                window = _xdotool(env, "search", "--onlyvisible", "--name", Path(glove_path).name)
            else:
                window = "drawn" if _neighbour_pixels(_grab(env)) > MIN_NEIGHBOUR_PIXELS else ""
            if window:
                break
            time.sleep(POLL_S)
        assert app.poll() is None, f"the app exited ({app.returncode}): {app.communicate()[1][-2000:]}"
        assert window, "no window showing the GloVe file appeared"
        x, y, w, h = 0, 0, SCREEN_W, SCREEN_H
        if typing:
            wid = window.split()[0]
            geometry = dict(line.split("=") for line in _xdotool(env, "getwindowgeometry", "--shell", wid).split())
            x, y, w, h = (int(geometry[k]) for k in ("X", "Y", "WIDTH", "HEIGHT"))
            before = _grab_until(env, lambda im: _colours(im) > MIN_COLOURS, REDRAW_TIMEOUT_S)  # first paint
            _xdotool(env, "windowfocus", "--sync", wid)
            _xdotool(env, "key", "ctrl+f")  # Edit › Find label: the search box
            _xdotool(env, "type", "--delay", "20", WORD)
            _xdotool(env, "key", "Return")  # the point found is the focus
            _xdotool(env, "key", "ctrl+shift+n")  # Edit › Find Neighbours of the point found
            assert _neighbour_pixels(before) < MIN_NEIGHBOUR_PIXELS
        after = _grab_until(env, lambda im: _neighbour_pixels(im) > MIN_NEIGHBOUR_PIXELS, REDRAW_TIMEOUT_S)
        inside = after[max(y, 0):y + h, max(x, 0):x + w]
        assert w > 400 and h > 300 and _colours(inside) > MIN_COLOURS, \
            f"window {w}x{h} with {_colours(inside)} colours: not drawn"
        # The query is drawn: the neighbours' markers and the lines to the query.
        assert _neighbour_pixels(inside) > MIN_NEIGHBOUR_PIXELS, "no neighbours drawn after the query"
        assert app.poll() is None, "the app died while being used"
    finally:
        app.terminate()
        try:
            app.wait(timeout=15)
        except subprocess.TimeoutExpired:
            app.kill()


def test_without_a_display_the_app_says_what_to_install_and_exits_2(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHONPATH"] = str(ROOT)
    if not sys.platform.startswith("linux"):
        pytest.skip("macOS and Windows always have a screen")
    out = subprocess.run([sys.executable, "-m", "embexplorer"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "no display" in lines[0]
    assert "apt install xvfb" in lines[0] and "dnf install xorg-x11-server-Xvfb" in lines[0]


def test_missing_xcb_libraries_and_a_dead_display_are_named(monkeypatch):
    from embexplorer._qt import display

    monkeypatch.setattr(display, "missing_xcb_libraries", lambda: ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"])
    with pytest.raises(DisplayError) as err:
        check_display({"DISPLAY": ":0"}, "linux")
    text = str(err.value)
    assert "apt install libxcb-icccm4 libxcb-keysyms1" in text and "dnf install xcb-util-wm xcb-util-keysyms" in text
    monkeypatch.setattr(display, "missing_xcb_libraries", lambda: [])
    with pytest.raises(DisplayError, match="cannot connect to the X display ':987'"):
        check_display({"DISPLAY": ":987"}, "linux")  # no X server there
    check_display({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux")  # chosen: left to Qt
    check_display({}, "darwin")
    check_display({"WAYLAND_DISPLAY": "wayland-0"}, "linux")  # Wayland needs no xcb libraries
