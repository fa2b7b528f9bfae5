"""Is there a screen Qt can open?  Asked before the QApplication is made, so that a Linux machine
without a display, or without the X client libraries Qt's ``xcb`` plugin needs, gets one line
saying what is missing and how to install it (exit status 2) instead of Qt's abort (SIGABRT, 134).

Only Linux (and the BSDs) is checked: macOS and Windows always have a screen.  An explicit
``QT_QPA_PLATFORM`` other than ``xcb`` / ``wayland`` (``offscreen``, ``vnc``...) is left to Qt.
Qt-free: nothing here imports PySide6.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

from embexplorer.core.errors import DataError

#: Platforms that need a display server.
DISPLAY_PLATFORMS = ("xcb", "wayland", "wayland-egl")
#: Seconds ``ldd`` may take to list the xcb plugin's libraries.
LDD_TIMEOUT_S = 5
#: Library -> (Debian/Ubuntu package, Fedora package) for the libraries Qt's xcb plugin links.
XCB_PACKAGES = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
}
#: What to install for a virtual display (headless machines, CI).
XVFB_PACKAGES = ("xvfb", "xorg-x11-server-Xvfb")


class DisplayError(DataError):
    """No screen Qt can use; ``str()`` is the one line the CLI prints."""

    def __str__(self) -> str:
        return self.reason


def check_display(environ: dict | None = None, platform: str | None = None) -> None:
    """Raise :class:`DisplayError` when the GUI cannot open a window here; return otherwise.

    Parameters
    ----------
    environ : mapping, optional
        The environment (``os.environ``); tests pass their own.
    platform : str, optional
        ``sys.platform``.
    """
    env = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if platform.startswith(("darwin", "win", "cygwin")):
        return
    chosen = (env.get("QT_QPA_PLATFORM") or "").split(":")[0].strip().lower()
    if chosen and chosen not in DISPLAY_PLATFORMS:
        return  # offscreen, vnc, eglfs...: the user chose a platform without a display server
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        deb, fedora = XVFB_PACKAGES
        raise DisplayError("no display: neither DISPLAY nor WAYLAND_DISPLAY is set. Run it on a desktop, or "
                           "on a virtual one with 'xvfb-run embexplorer' (Debian/Ubuntu: sudo apt install "
                           f"{deb}; Fedora: sudo dnf install {fedora}), or render a picture with "
                           "--screenshot OUT.png")
    if chosen.startswith("wayland") or (not chosen and env.get("WAYLAND_DISPLAY") and not env.get("DISPLAY")):
        return  # Wayland: the xcb libraries are not needed
    missing = missing_xcb_libraries()
    if missing:
        deb = " ".join(dict.fromkeys(XCB_PACKAGES.get(lib, (lib, lib))[0] for lib in missing))
        fedora = " ".join(dict.fromkeys(XCB_PACKAGES.get(lib, (lib, lib))[1] for lib in missing))
        raise DisplayError(f"Qt's X11 (xcb) platform cannot start: {', '.join(missing)} missing. Install "
                           f"them (Debian/Ubuntu: sudo apt install {deb}; Fedora: sudo dnf install {fedora})")
    display = env.get("DISPLAY")
    if display and not chosen.startswith("wayland") and not x_server_answers(display):
        raise DisplayError(f"cannot connect to the X display {display!r}: is its X server running (over ssh: "
                           "ssh -X)? Or run it on a virtual display with 'xvfb-run embexplorer', or render a "
                           "picture with --screenshot OUT.png")


def x_server_answers(display: str) -> bool:
    """Whether an X server accepts a connection on ``display`` (through libxcb; True when libxcb
    cannot be loaded, which :func:`missing_xcb_libraries` reports)."""
    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return True
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    conn = xcb.xcb_connect(display.encode(), None)
    try:
        return xcb.xcb_connection_has_error(conn) == 0
    finally:
        xcb.xcb_disconnect(conn)  # frees the connection object even when it failed


def xcb_plugin() -> Path | None:
    """Qt's xcb platform plugin of the PySide6 installed (None if not found)."""
    import importlib.util

    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    plugin = Path(next(iter(spec.submodule_search_locations))) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return plugin if plugin.exists() else None


def missing_xcb_libraries(plugin: Path | None = None) -> list[str]:
    """The shared libraries Qt's xcb plugin needs that the system lacks (``ldd``'s "not found").

    Empty when all are there, and when it cannot be told (no plugin, no ``ldd``).
    """
    plugin = plugin or xcb_plugin()
    if plugin is None:
        return []
    try:
        out = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, timeout=LDD_TIMEOUT_S,
                             check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.split("=>")[0].strip() for line in out.splitlines() if "not found" in line]


__all__ = ["DISPLAY_PLATFORMS", "XCB_PACKAGES", "XVFB_PACKAGES", "DisplayError", "check_display",
           "missing_xcb_libraries", "x_server_answers", "xcb_plugin"]
