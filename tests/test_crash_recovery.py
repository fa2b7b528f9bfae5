"""Crash recovery (issue 17): the session autosaved while the app runs survives a SIGKILL and comes back.

A real child process (``python -m embexplorer GLOVE --select ... --neighbours king``, offscreen) is killed
with SIGKILL once its autosave holds the selection and the query; a new window then finds the file an
unclean exit left and restores data, selection and query from it.  A clean exit leaves nothing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6 import QtWidgets

from embexplorer.core.paths import STATE_DIR_ENV
from embexplorer.core.session import AUTOSAVE_PREFIX, SESSION_SUFFIX, autosave_path, orphaned_autosaves

#: Longest wait (s) for the child's autosave to hold the selection and the query.
AUTOSAVE_WAIT_S = 60
#: Longest wait (ms) for the restore in the new window.
RESTORE_TIMEOUT_MS = 30_000
SELECTED = ("queen", "prince")
QUERY = "king"
ROOT = Path(__file__).resolve().parents[1]


def _child_env(base: Path) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    env.update({STATE_DIR_ENV: str(base / "state"), "EMBEXPLORER_CACHE_DIR": str(base / "cache"),
                "EMBEXPLORER_LOG_DIR": str(base / "log"), "XDG_CONFIG_HOME": str(base / "config")})
    return env


def _autosave_with(path: Path, labels_rows: set[int]) -> dict | None:
    """The autosave at ``path`` once it holds the selection and the neighbours query, else None."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # not written yet (the write is atomic: never half a file)
        return None
    feats = data.get("features", {})
    selection = feats.get("explorer", {}).get("selection")
    if isinstance(selection, dict):  # compacted row list
        return None if len(selection.get("$rows", [])) == 0 else data
    if selection and set(selection) == labels_rows and feats.get("neighbours", {}).get("query") == QUERY:
        return data
    return None


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_mid_session_then_restore(qtbot, make_main_window, glove_path, tmp_path, monkeypatch):
    from embexplorer.core.data.formats import load

    emb = load(glove_path)
    rows = {emb.row(w) for w in SELECTED}
    proc = subprocess.Popen([sys.executable, "-m", "embexplorer", str(glove_path), "--select", ",".join(SELECTED),
                             "--neighbours", QUERY], env=_child_env(tmp_path), cwd=str(ROOT),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    saved = autosave_path(proc.pid, tmp_path / "state")
    # The next start's window, built while the child starts (the two overlap: the test stays short).
    monkeypatch.setenv(STATE_DIR_ENV, str(tmp_path / "state"))
    w = make_main_window("after-crash", size=None)
    sessions = w.features["sessions"]
    assert sessions.orphans == [] and not sessions.recover_action.isEnabled()
    try:
        deadline = time.monotonic() + AUTOSAVE_WAIT_S
        while _autosave_with(saved, rows) is None:
            assert proc.poll() is None, f"the app exited early with status {proc.returncode}"
            assert time.monotonic() < deadline, "no autosave with the selection and the query"
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    data = _autosave_with(saved, rows)
    assert data["source"]["kind"] == "file" and Path(data["source"]["path"]) == glove_path.resolve()
    assert data["source"]["sha256"]  # the data by path and hash

    # The next start: the file of the dead process is an orphan, offered (never a dialog headless).
    assert orphaned_autosaves() == [saved]
    assert sessions.find_orphans() == [saved] and sessions.recover_action.isEnabled()  # what start-up does
    sessions.offer_recovery()  # headless: a note in the status bar, never a dialog that would block
    assert QtWidgets.QApplication.activeModalWidget() is None
    assert "Restore Unsaved Session" in w.statusBar().currentMessage()
    with qtbot.waitSignal(sessions.restored, timeout=RESTORE_TIMEOUT_MS):
        session = w.commands.run("sessions.restore_autosave")
    assert session is not None
    ws = w.workspace
    assert ws.dataset is not None and ws.dataset.n == emb.n
    assert set(ws.selection.rows.tolist()) == rows
    state = w.features["neighbours"].state()
    assert state["query"] == QUERY
    assert ws.dataset.labels[:3] == emb.labels[:3]
    # Restored once: the orphan is gone and the menu item with it.
    assert not saved.exists() and not sessions.recover_action.isEnabled()
    assert orphaned_autosaves() == []


def test_autosave_is_written_off_the_ui_thread_and_removed_on_a_clean_exit(qtbot, make_main_window,
                                                                           glove_path, tmp_path, monkeypatch):
    monkeypatch.setenv(STATE_DIR_ENV, str(tmp_path / "state"))
    w = make_main_window("autosave", size=None)
    with qtbot.waitSignal(w.workspace.dataset_changed, timeout=RESTORE_TIMEOUT_MS):
        w.commands.run("loading.open_file", glove_path)
    sessions = w.features["sessions"]
    saver = sessions.autosaver
    saver.path = tmp_path / "state" / f"{AUTOSAVE_PREFIX}{os.getpid()}{SESSION_SUFFIX}"
    w.workspace.selection.replace([3, 4, 5])
    with qtbot.waitSignal(saver.saved, timeout=RESTORE_TIMEOUT_MS):
        assert saver.save_now()
    data = json.loads(saver.path.read_text(encoding="utf-8"))
    assert data["features"]["explorer"]["selection"] == [3, 4, 5]
    assert not saver.save_now()  # nothing changed: nothing written again
    assert orphaned_autosaves() == []  # this process's own file is no orphan
    sessions.shutdown()  # what closing the window does
    assert not saver.path.exists()


def test_only_autosaves_of_dead_processes_are_orphans(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    mine = autosave_path(None, tmp_path)
    alive = autosave_path(os.getppid(), tmp_path)
    gone = autosave_path(dead.pid, tmp_path)
    other = tmp_path / "notes.embx.json"
    for p in (mine, alive, gone, other):
        p.write_text("{}")
    assert orphaned_autosaves(tmp_path) == [gone]
