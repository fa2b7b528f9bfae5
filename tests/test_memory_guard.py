"""Memory guard: a file too large for memory is refused before reading, with a row limit that fits."""

from __future__ import annotations

import bz2
import gzip
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shiboken6
from PySide6 import QtCore, QtWidgets

from embexplorer.core.data import formats, memory
from embexplorer.core.data.memory import MEMORY_ENV, MemoryLimitError
from embexplorer.core.errors import DataError

ROOT = Path(__file__).resolve().parents[1]
#: Shape of the generated file (the brief's case: 10k x 300).
ROWS, DIMS = 10_000, 300
#: A fake memory budget the 10k x 300 file does not fit in (it needs ~46 MiB), but a part does.
SMALL_BUDGET = 44 * 1024 ** 2  # below the ~46 MB a 10,000 x 300 text load is estimated at
#: Seed of the generated vectors.
SEED = 11
#: Milliseconds to wait for a background load.
LOAD_TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def big_text(tmp_path_factory) -> Path:
    """A 10,000 x 300 word2vec text file (with header)."""
    path = tmp_path_factory.mktemp("memguard") / "big.txt"
    X = np.random.default_rng(SEED).normal(size=(ROWS, DIMS)).astype(np.float32)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(f"{ROWS} {DIMS}\n")
        fh.writelines(f"w{i} " + " ".join(f"{v:.4f}" for v in row) + "\n" for i, row in enumerate(X))
    return path


@pytest.fixture
def budget(monkeypatch):
    """Pretend only :data:`SMALL_BUDGET` bytes of memory are available."""
    monkeypatch.setenv(MEMORY_ENV, str(SMALL_BUDGET))
    return SMALL_BUDGET


def test_too_large_file_is_refused_before_reading_and_the_suggested_limit_loads(big_text, budget):
    with pytest.raises(MemoryLimitError) as info:
        formats.load(big_text, use_cache=False)
    err = info.value
    assert isinstance(err, DataError)
    assert (err.rows, err.dims) == (ROWS, DIMS)
    assert err.available_bytes == budget
    assert err.estimated_bytes > budget
    assert err.estimated_bytes >= ROWS * DIMS * 4  # at least the float32 matrix
    assert err.path == str(big_text)
    n = err.suggested_limit
    assert n is not None and 0 < n < ROWS
    assert f"--limit {n}" in str(err) and str(err).startswith(f"{big_text}: ")
    emb = formats.load(big_text, limit=n, use_cache=False)  # same budget: the suggestion fits
    assert emb.n == n and emb.dims == DIMS
    assert emb.labels[0] == "w0" and emb.labels[-1] == f"w{n - 1}"


def test_a_small_enough_limit_skips_the_refusal_and_a_large_one_does_not(big_text, budget):
    assert formats.load(big_text, limit=100, use_cache=False).n == 100
    with pytest.raises(MemoryLimitError):
        formats.load(big_text, limit=ROWS - 1, use_cache=False)


def test_without_a_budget_the_real_memory_is_used_and_the_file_loads(big_text, monkeypatch):
    monkeypatch.delenv(MEMORY_ENV, raising=False)
    real = memory.available_memory()
    assert real is not None and real > memory.bytes_needed(ROWS, DIMS)
    assert formats.load(big_text, use_cache=False).n == ROWS


def test_a_cache_hit_is_not_refused(big_text, tmp_path, monkeypatch):
    copy = tmp_path / "cached.txt"
    copy.write_bytes(big_text.read_bytes())
    monkeypatch.delenv(MEMORY_ENV, raising=False)
    assert formats.load(copy).from_cache is False
    monkeypatch.setenv(MEMORY_ENV, str(SMALL_BUDGET))
    emb = formats.load(copy)  # memory-mapped from the cache: nothing is parsed into memory
    assert emb.from_cache is True and emb.n == ROWS


def test_estimates_of_real_glove_text_plain_gzip_and_bz2(glove_path, tmp_path):
    # 2.1 MB of text: more than the 1 MB sample, so the rows are extrapolated from the first
    # lines and the (compressed) file size -- within 5 %.
    raw = glove_path.read_bytes()
    for name, content in (("glove.txt", raw), ("glove.txt.gz", gzip.compress(raw)),
                          ("glove.txt.bz2", bz2.compress(raw)), ("x3.txt.gz", gzip.compress(raw * 3)),
                          ("x3.txt.bz2", bz2.compress(raw * 3))):
        path = tmp_path / name
        path.write_bytes(content)
        est = memory.estimate_shape(path, "glove")
        rows = 5050 * (3 if name.startswith("x3") else 1)
        assert est.dims == 50 and abs(est.rows - rows) <= 0.05 * rows, (name, est)


def test_estimates_of_binary_numpy_and_a_lying_header(tmp_path, big_text):
    emb = formats.load(big_text, limit=500, use_cache=False)
    binary = tmp_path / "v.bin"
    formats.save(emb, binary, "word2vec-binary")
    assert memory.estimate_shape(binary, "word2vec-binary") == memory.ShapeEstimate(500, DIMS, True)
    f64 = tmp_path / "f64.npy"
    np.save(f64, emb.vectors.astype(np.float64))
    assert memory.estimate_shape(f64, "npy") == memory.ShapeEstimate(500, DIMS, True, in_memory=True)
    f32 = tmp_path / "f32.npy"
    np.save(f32, emb.vectors)
    assert memory.estimate_shape(f32, "npy").in_memory is False  # memory-mapped by the loader
    npz = tmp_path / "v.npz"
    np.savez(npz, vectors=emb.vectors, labels=np.array(emb.labels))
    assert memory.estimate_shape(npz, "npz") == memory.ShapeEstimate(500, DIMS, True)
    # A header claiming a billion rows in a tiny file is bounded by the file's size:
    # the loader then reports the truncation, not a memory shortage.
    liar = tmp_path / "liar.txt"
    liar.write_text("1000000000 3\na 1 2 3\n")
    assert memory.estimate_shape(liar, "word2vec").rows < 10
    with pytest.raises(DataError) as info:
        formats.load(liar, use_cache=False)
    assert not isinstance(info.value, MemoryLimitError)


def test_numpy_float64_is_refused_but_a_memory_mapped_float32_is_not(tmp_path, monkeypatch):
    X = np.random.default_rng(SEED).normal(size=(20_000, 300))
    f64, f32 = tmp_path / "a.npy", tmp_path / "b.npy"
    np.save(f64, X)
    np.save(f32, X.astype(np.float32))
    monkeypatch.setenv(MEMORY_ENV, str(SMALL_BUDGET))
    with pytest.raises(MemoryLimitError) as info:
        formats.load(f64)
    assert "--limit" in str(info.value)
    assert formats.load(f64, limit=info.value.suggested_limit).n == info.value.suggested_limit
    assert formats.load(f32).n == 20_000  # np.load(mmap_mode="r"): the OS pages it


def test_available_memory_reads_the_system_and_the_override(monkeypatch):
    monkeypatch.delenv(MEMORY_ENV, raising=False)
    real = memory.available_memory()
    if Path("/proc/meminfo").exists():
        assert real is not None and real <= memory._meminfo_available()
    for text, value in [("123", 123), ("64M", 64 * 1024 ** 2), ("1.5g", int(1.5 * 1024 ** 3)),
                        ("2KB", 2048)]:
        monkeypatch.setenv(MEMORY_ENV, text)
        assert memory.available_memory() == value
    monkeypatch.setenv(MEMORY_ENV, "lots")  # unreadable: the system's figure
    assert memory.available_memory() > 0


def test_suggested_limit_is_round_and_fits(budget):
    n = memory.suggested_rows(DIMS, budget)
    assert memory.bytes_needed(n, DIMS) <= budget
    assert int(str(n)[2:] or 0) == 0  # two significant figures
    assert memory.suggested_rows(DIMS, memory.LOADER_WORKSPACE_BYTES) is None  # nothing fits


def test_binary_estimate_counts_the_compiled_scans_machinery_only_where_it_loads(monkeypatch):
    """A word2vec binary file large enough for the compiled scan gets numba's ~0.1 GB on top of its rows;
    a smaller one, and a text file, do not."""
    from embexplorer.core.data import _w2v_binary

    rows = _w2v_binary.COMPILED_SCAN_MIN_BYTES // (4 * DIMS)
    per_row = DIMS * memory.BYTES_PER_VALUE + memory.BINARY_LABEL_BYTES_PER_ROW
    base = memory.LOADER_WORKSPACE_BYTES
    assert memory.bytes_needed(rows - 1, DIMS, "word2vec-binary") == (rows - 1) * per_row + base
    assert (memory.bytes_needed(rows + 1, DIMS, "word2vec-binary")
            == (rows + 1) * per_row + base + memory.COMPILED_KERNEL_BYTES)
    assert memory.bytes_needed(rows + 1, DIMS, "word2vec") == (rows + 1) * (
        DIMS * memory.BYTES_PER_VALUE + memory.LABEL_BYTES_PER_ROW) + base
    monkeypatch.setattr(_w2v_binary, "COMPILED_SCAN_MIN_BYTES", 1 << 62)  # the threshold is read when asked
    assert memory.bytes_needed(rows + 1, DIMS, "word2vec-binary") == (rows + 1) * per_row + base


def test_the_error_survives_pickling_across_processes(big_text, budget):
    with pytest.raises(MemoryLimitError) as info:
        formats.load(big_text, use_cache=False)
    back = pickle.loads(pickle.dumps(info.value))
    assert type(back) is MemoryLimitError and str(back) == str(info.value)
    assert back.suggested_limit == info.value.suggested_limit


def test_cli_info_says_limit_and_exits_2(big_text, tmp_path):
    env = dict(os.environ, EMBEXPLORER_CACHE_DIR=str(tmp_path / "c"), **{MEMORY_ENV: str(SMALL_BUDGET)})
    out = subprocess.run([sys.executable, "-m", "embexplorer", "info", str(big_text)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"embexplorer: error: {big_text}: ")
    assert "--limit" in lines[0] and "Traceback" not in out.stderr
    n = int(lines[0].rsplit("--limit ", 1)[1].split()[0])
    ok = subprocess.run([sys.executable, "-m", "embexplorer", "info", "--limit", str(n), str(big_text)],
                        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert f"{n:,}" in ok.stdout


# -- the window's dialog ---------------------------------------------------------------------------------

def _error(big_text, budget) -> MemoryLimitError:
    with pytest.raises(MemoryLimitError) as info:
        memory.check_fits(big_text, "word2vec", available=budget)
    return info.value


def _click_later(qtbot, name: str | None) -> list[str]:
    """Click the dialog's button named ``name`` (None: Cancel) once the modal dialog is up."""
    seen: list[str] = []

    def click() -> None:
        box = QtWidgets.QApplication.activeModalWidget()
        if not isinstance(box, QtWidgets.QMessageBox):
            QtCore.QTimer.singleShot(10, click)
            return
        seen.append(box.text() + "\n" + box.informativeText())
        seen.extend(b.text() for b in box.buttons())
        button = (box.findChild(QtWidgets.QPushButton, name) if name
                  else box.button(QtWidgets.QMessageBox.StandardButton.Cancel))
        qtbot.mouseClick(button, QtCore.Qt.MouseButton.LeftButton)

    QtCore.QTimer.singleShot(0, click)
    return seen


def test_offer_limit_load_first_rows_returns_the_limit(qtbot, big_text):
    from embexplorer._qt.features.loading.memory_guard import LOAD_FIRST_BUTTON, offer_limit

    err = _error(big_text, SMALL_BUDGET)
    parent = QtWidgets.QWidget()
    qtbot.addWidget(parent)
    seen = _click_later(qtbot, LOAD_FIRST_BUTTON)
    assert offer_limit(parent, err) == err.suggested_limit
    assert "big.txt" in seen[0] and f"{ROWS:,} rows" in seen[0]
    assert f"Load First {err.suggested_limit:,} Rows" in seen


def test_offer_limit_cancel_returns_none(qtbot, big_text):
    from embexplorer._qt.features.loading.memory_guard import offer_limit

    err = _error(big_text, SMALL_BUDGET)
    _click_later(qtbot, None)
    assert offer_limit(None, err) is None


def test_nothing_fits_offers_only_cancel(qtbot, big_text, monkeypatch):
    from embexplorer._qt.features.loading.memory_guard import LOAD_FIRST_BUTTON, limit_dialog, offer_limit

    err = _error(big_text, memory.LOADER_WORKSPACE_BYTES)
    assert err.suggested_limit is None and "--limit" not in str(err)
    box = limit_dialog(None, err)
    assert box.findChild(QtWidgets.QPushButton, LOAD_FIRST_BUTTON) is None
    assert len(box.buttons()) == 1
    box.deleteLater()
    monkeypatch.setattr(QtWidgets.QMessageBox, "exec", lambda self: 0)  # closed without a click
    assert offer_limit(None, err) is None


def test_window_load_is_refused_then_reopened_with_the_offered_limit(qtbot, tmp_path, big_text, budget):
    """MainWindow._on_load_error offers the first N rows; accepting reopens the file with that limit."""
    from embexplorer._qt.features.loading.memory_guard import LOAD_FIRST_BUTTON
    from embexplorer._qt.shell.main_window import MainWindow

    settings = QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, interactive=True)
    failed, seen = [], _click_later(qtbot, LOAD_FIRST_BUTTON)
    window.features["loading"].load_failed.connect(failed.append)
    with qtbot.waitSignal(window.workspace.dataset_changed, timeout=LOAD_TIMEOUT_MS) as loaded:
        window.commands.run("loading.open_file", big_text)
    assert failed == []  # accepted: not reported as a failure
    assert "big.txt" in seen[0]
    emb = loaded.args[0]
    assert emb is window.workspace.dataset and 0 < emb.n < ROWS and window.workspace.source.path == str(big_text)
    # Cancel: the refusal is the outcome, the window stays empty-handed but alive.
    _click_later(qtbot, None)
    with qtbot.waitSignal(window.features["loading"].load_failed, timeout=LOAD_TIMEOUT_MS) as refused:
        window.commands.run("loading.open_file", big_text)
    assert isinstance(refused.args[0], MemoryLimitError) and window.workspace.dataset is emb
    assert window.shutdown_tasks()
    window.close()
    shiboken6.delete(window)  # on the UI thread, not left to a collection on some worker thread
