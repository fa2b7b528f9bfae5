"""The Python API (``embexplorer.show`` / ``run`` / ``Viewer``): in-process with qtbot, plus a script
run as a user would (``ex.show(array, block=True)``) in a subprocess."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import embexplorer as ex

#: Rows of the GloVe file the in-memory KeyedVectors hold.
KV_ROWS = 500
#: Seconds the subprocess script may take before the test fails.
SCRIPT_TIMEOUT_S = 60
#: How long (ms) a test lets an event loop run that should never have started.
GUARD_MS = 3000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def viewers(qtbot):
    """Viewers made by a test, closed at its end."""
    made: list = []
    yield made
    for viewer in made:
        viewer.close()


def _show(viewers, *args, **kwargs):
    viewer = ex.show(*args, **kwargs)
    viewers.append(viewer)
    return viewer


@pytest.fixture(scope="module")
def glove_kv(glove_path):
    """gensim KeyedVectors built in memory from the first rows of the shared GloVe file."""
    from gensim.models import KeyedVectors

    words, rows = [], []
    with open(glove_path, encoding="utf-8") as fh:
        for line, _ in zip(fh, range(KV_ROWS)):
            word, *values = line.rstrip("\n").split(" ")
            words.append(word)
            rows.append(np.array(values, dtype=np.float32))
    kv = KeyedVectors(len(rows[0]))
    kv.add_vectors(words, np.stack(rows))
    return kv


def test_import_loads_no_qt():
    code = "import sys, embexplorer; print([m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=SCRIPT_TIMEOUT_S)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stderr
    assert {"show", "run", "Viewer"} <= set(dir(ex)) and ex.show.__doc__ and ex.Viewer.neighbours.__doc__


def test_show_an_array_select_colour_and_screenshot(viewers, tmp_path):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(300, 8)).astype(np.float32)
    labels = [f"w{i}" for i in range(300)]
    viewer = _show(viewers, vectors, labels=labels, metadata={"group": [f"g{i % 3}" for i in range(300)]},
                   title="random points")
    assert viewer.embeddings.n == 300 and viewer.embeddings.labels == labels
    assert viewer.workspace.source.kind == "memory" and viewer.window.windowTitle().startswith("random points")
    assert viewer.workspace.projection.xy.shape == (300, 2)
    viewer.select(["w5", "w2"])
    assert viewer.selection == ["w2", "w5"]
    with pytest.raises(KeyError, match="'nope'"):
        viewer.select(["w1", "nope"])
    viewer.color_by("group")
    assert viewer.window.features["explorer"].widget.color_combo.currentText() == "group"
    with pytest.raises(ValueError, match=r"no metadata column 'genre' \(columns: 'group'\)"):
        viewer.color_by("genre")
    viewer.set_projection("tsne")  # waits for the layout
    assert viewer.workspace.projection.kind == "tsne" and viewer.workspace.projection.xy.shape == (300, 2)
    viewer.set_projection("axes", axes=("w1 - w2", "w3"))
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    d = vectors[1] - vectors[2]
    np.testing.assert_allclose(viewer.workspace.projection.xy[:, 0], unit @ (d / np.linalg.norm(d)), atol=1e-5)
    with pytest.raises(ValueError, match="nope"):
        viewer.set_projection("axes", axes=("w1 - nope", "w3"))
    viewer.set_projection("pca", axes=(2, 3))
    assert viewer.workspace.axes == (2, 3)
    with pytest.raises(ValueError, match="projections are pca"):
        viewer.set_projection("spiral")
    with pytest.raises(ValueError, match="components 0..7"):
        viewer.set_projection("pca", axes=(0, 8))
    # A second set: the 20 labels moved most in B rank first among the movers.
    moved = vectors.copy()
    moved[:20] = rng.normal(size=(20, 8))
    report = viewer.add_embeddings(moved, labels=labels, title="moved")
    assert report["shared"] == 300 and report["k"] == 10
    assert {label for label, _ in report["movers"]} <= {f"w{i}" for i in range(20)}
    assert "neighbour overlap" in viewer.workspace.columns
    with pytest.raises(ValueError, match="cannot be saved in a session"):
        viewer.window.commands.run("sessions.save", tmp_path / "s.embx.json")
    out = viewer.screenshot(tmp_path / "shot.png", size=(900, 600))
    data = out.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 1000


def test_bad_data_raises_and_leaves_no_window(viewers):
    from PySide6 import QtWidgets

    def windows() -> int:
        return sum(w.isVisible() for w in QtWidgets.QApplication.topLevelWidgets())

    count = windows()
    with pytest.raises(ValueError, match="row 1: 2 values where row 0 has 3"):
        ex.show([[1, 2, 3], [4, 5]])
    with pytest.raises(FileNotFoundError):
        ex.show("/nonexistent/vectors.txt")
    assert windows() == count


def test_keyed_vectors_neighbours_equal_gensims_most_similar(viewers, glove_kv):
    viewer = _show(viewers, glove_kv)
    assert viewer.embeddings.labels == list(glove_kv.index_to_key)
    for word in ("man", "city", "government"):
        ours = viewer.neighbours(word, k=10)
        theirs = glove_kv.most_similar(word, topn=10)
        assert [label for label, _ in ours] == [label for label, _ in theirs]
        np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], rtol=1e-6)
    # ... and drawn: the query and its neighbours are layers on the plot.
    rows = set(viewer.workspace.highlighted_rows(("neighbours",)).tolist())
    index = viewer.embeddings.index
    assert {index["government"]} | {index[label] for label, _ in ours} <= rows
    with pytest.raises(KeyError, match="'no-such-word'"):
        viewer.neighbours("no-such-word")


def test_a_path_opens_through_the_loader_and_solves_the_analogy(viewers, glove_path, tmp_path):
    viewer = _show(viewers, glove_path)
    assert viewer.workspace.source.kind == "file" and viewer.embeddings.n > KV_ROWS
    answers = viewer.analogy("man", "king", "woman", k=5)
    assert answers[0][0] == "queen" and len(answers) == 5
    assert viewer.workspace.layer("analogy.arrows") is not None
    session = viewer.window.commands.run("sessions.save", tmp_path / "glove.embx.json")
    again = _show(viewers, session)  # a session reopens its file, its analogy and its view
    assert again.embeddings.n == viewer.embeddings.n and again.workspace.layer("analogy.arrows") is not None
    with pytest.raises(TypeError, match="a file brings its own labels"):
        again.open(glove_path, labels=["a"])


def test_dataframes_with_a_vector_column_or_numeric_columns(viewers):
    pd = pytest.importorskip("pandas", reason="pandas is part of the test extra: pip install -e '.[test]'")
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(120, 6))
    genres = [("drama", "comedy", "horror")[i % 3] for i in range(120)]
    words = [f"film{i}" for i in range(120)]
    listed = pd.DataFrame({"title": words, "embedding": list(vectors), "genre": genres})
    viewer = _show(viewers, listed)
    assert viewer.embeddings.labels == words and viewer.embeddings.dims == 6
    viewer.color_by("genre")
    numeric = pd.DataFrame(vectors, columns=[f"d{i}" for i in range(6)], index=words).assign(genre=genres)
    with pytest.warns(UserWarning, match="1 duplicate label"):
        viewer.open(numeric.rename(index={"film1": "film0"}))
    assert viewer.embeddings.n == 119
    viewer.open(numeric)
    assert viewer.embeddings.labels == words and list(viewer.embeddings.metadata) == ["genre"]
    np.testing.assert_allclose(viewer.embeddings.vectors, vectors, rtol=1e-6)
    viewer.color_by("genre")
    assert viewer.window.features["explorer"].widget.color_combo.currentText() == "genre"


def test_in_ipython_show_turns_on_the_qt_loop_and_run_returns_at_once(viewers, monkeypatch):
    """IPython / Jupyter: ``show`` switches ``%gui qt`` on when it is off; ``run`` leaves the loop to IPython."""
    import types

    class Shell:
        active_eventloop = None

        def enable_gui(self, name):
            self.active_eventloop = name

    from PySide6 import QtCore, QtWidgets

    shell = Shell()
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    guard = QtCore.QTimer()  # should run() start a loop after all, it ends, and the test fails rather than hangs
    guard.setSingleShot(True)
    guard.timeout.connect(QtWidgets.QApplication.quit)
    guard.start(GUARD_MS)
    try:
        viewer = _show(viewers, np.eye(4), block=True)
        ex.run()
        assert guard.isActive(), "run() started an event loop although IPython runs one"
    finally:
        guard.stop()
    assert shell.active_eventloop == "qt" and viewer.window.isVisible()


SCRIPT = """
    import sys
    import numpy as np
    from PySide6 import QtCore, QtWidgets
    import embexplorer as ex

    app = QtWidgets.QApplication(sys.argv)

    def close_when_shown():
        # Close the window a moment after its data is on screen, as a user would.
        for w in app.topLevelWidgets():
            if getattr(w, "workspace", None) is not None and w.workspace.dataset is not None and w.isVisible():
                QtCore.QTimer.singleShot(200, w.close)
                poll.stop()

    poll = QtCore.QTimer()
    poll.timeout.connect(close_when_shown)
    poll.start(50)
    viewer = ex.show(np.random.default_rng(0).normal(size=(200, 8)), labels=[f"w{i}" for i in range(200)],
                     block=True)
    print("closed", viewer.embeddings.n, viewer.window.isVisible())
"""


def test_a_script_blocks_until_the_window_is_closed(tmp_path):
    script = tmp_path / "show_and_close.py"
    script.write_text(textwrap.dedent(SCRIPT), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=SCRIPT_TIMEOUT_S, cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "closed 200 False"


def test_an_arrow_table_and_a_parquet_file_with_two_vector_columns(viewers, tmp_path):
    pa = pytest.importorskip("pyarrow", reason="the 'arrow' extra (in the test extra): pip install -e '.[test]'")
    import pyarrow.parquet as pq

    from embexplorer.core.data.formats import ColumnChoiceNeeded

    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(2, 80, 5)).astype(np.float32)
    table = pa.table({"word": [f"w{i}" for i in range(80)],
                      "a": pa.FixedSizeListArray.from_arrays(pa.array(a.ravel()), 5),
                      "b": pa.FixedSizeListArray.from_arrays(pa.array(b.ravel()), 5)})
    viewer = _show(viewers, table, vector_column="b")
    np.testing.assert_array_equal(viewer.embeddings.vectors, b)
    path = tmp_path / "two.parquet"
    pq.write_table(table, path)
    with pytest.raises(ColumnChoiceNeeded, match="--vector-column"):
        viewer.open(path)  # a script gets the question as an error; the GUI asks in a dialog
    viewer.open(path, vector_column="a")
    assert viewer.workspace.source.kind == "file" and viewer.embeddings.labels[0] == "w0"
    np.testing.assert_array_equal(viewer.embeddings.vectors, a)
