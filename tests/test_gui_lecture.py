"""The Lecture menu: each demonstration opens from its menu action and shows what it claims (real data).

The lecture is a feature (``window.features["lecture"]``): it shows its sets through the Workspace,
marks points with layers it owns, and reaches the other rooms only through their commands.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore

from embexplorer._qt.features.lecture.demonstrations import (
    DEMONSTRATIONS,
    GENRE_NEIGHBOURS_LAYER,
    PCA_HIGH_LAYER,
)
from embexplorer._qt.features.lecture.feature import CAPTION_DOCK, LECTURE_DOCK, LECTURE_TASK
from embexplorer._qt.features.recommender.user_panel import NEW_USER
from embexplorer.core.recommender.movielens import load_movielens
from embexplorer.core.teaching.lecture import (
    CLASSIC_ANALOGIES,
    LECTURES,
    SOURCE_OPEN,
    SOURCE_SYNTHETIC,
    what_if_example,
)

#: Generous ceilings: training runs on a shared 2-core machine.
READY_TIMEOUT_MS = 60_000
LOAD_TIMEOUT_MS = 30_000
#: Epochs of the gradient-descent runs in the test (the page's spin box).
GD_EPOCHS = 3
#: The taste arrow the User dock draws (the recommender's layer).
TASTE_LAYER = "recommender.taste"


@pytest.fixture(scope="module")
def ml100k(ml100k_dir):
    return load_movielens(ml100k_dir)


@pytest.fixture
def window(make_main_window):
    return make_main_window()


@pytest.fixture
def lecture(window, ml100k):
    window.features["recommender"].ratings = ml100k  # "the ratings already open"
    return window.features["lecture"]


def trigger(qtbot, lecture, name: str) -> None:
    """Choose the demonstration from the Lecture menu and wait until it shows its final state."""
    with qtbot.waitSignal(lecture.shown, timeout=READY_TIMEOUT_MS, check_params_cb=lambda n: n == name):
        lecture.actions[name].trigger()


def lecture_layers(window) -> list[str]:
    return [layer.name for layer in window.workspace.layers if layer.owner == "lecture"]


def test_menu_sits_before_help(window):
    lecture = window.features["lecture"]
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles.index("&Lecture") == titles.index("&Help") - 1
    assert [a.data() for a in window.menus["Lecture"].actions()] == list(LECTURES) == list(DEMONSTRATIONS)
    for name in ("lecture.run", "lecture.run_when_ready", "lecture.run_for_screenshot", "lecture.last_error",
                 "lecture.caption_text"):
        assert window.commands.has(name)
    with pytest.raises(KeyError):
        lecture.run("no-such-lecture")
    assert not window.docks[LECTURE_DOCK].isVisible() and not window.docks[CAPTION_DOCK].isVisible()


def test_ratings_table(qtbot, window, lecture, ml100k):
    trigger(qtbot, lecture, "ratings")
    page = lecture.panel.ratings_page
    model = page.model
    assert window.docks[LECTURE_DOCK].isVisible() and lecture.panel.stack.currentWidget() is page
    assert model.rowCount() == 100_000 and model.columnCount() == 4
    assert lecture.data.source == SOURCE_OPEN
    first = model.index(0, 1).data()
    assert first == ml100k.titles[ml100k.items[0]]
    assert model.index(0, 0).data() == ml100k.user_ids[ml100k.users[0]]
    assert model.index(0, 3).data().startswith("199")  # ml-100k: 1997-98
    assert "100,000 ratings" in page.counts_label.text() and "943 users" in page.counts_label.text()
    caption = window.commands.run("lecture.caption_text")
    assert "100,000 ratings" in caption and window.docks[CAPTION_DOCK].isVisible()
    # the histograms hold every user and every movie
    bars = [i for i in page.user_plot.getPlotItem().items if hasattr(i, "opts") and "height" in i.opts]
    assert int(np.sum(bars[0].opts["height"])) == 943
    bars = [i for i in page.item_plot.getPlotItem().items if hasattr(i, "opts") and "height" in i.opts]
    assert int(np.sum(bars[0].opts["height"])) == 1682
    # sorting by rating: a header click, then the other way round
    header = page.table.horizontalHeader()
    x = header.sectionViewportPosition(2) + header.sectionSize(2) // 2
    qtbot.mouseClick(header.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=QtCore.QPoint(x, 5))
    values = {model.index(0, 2).data(), model.index(model.rowCount() - 1, 2).data()}
    assert values == {"1", "5"}
    top = model.index(0, 2).data()
    qtbot.mouseClick(header.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=QtCore.QPoint(x, 5))
    assert model.index(0, 2).data() != top
    row = model.source_row(0)
    assert model.index(0, 2).data() == f"{float(ml100k.ratings[row]):g}"
    # sorting by user: numeric ids as numbers (2 after 1, not 10 after 1)
    x = header.sectionViewportPosition(0) + header.sectionSize(0) // 2
    qtbot.mouseClick(header.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=QtCore.QPoint(x, 5))
    users = [int(model.index(r, 0).data()) for r in (0, model.rowCount() - 1)]
    assert sorted(users) == [1, 943]


def test_genre_vectors(qtbot, window, lecture, ml100k):
    trigger(qtbot, lecture, "genres")
    demo = lecture.demos["genres"]
    g = demo.genre_emb
    ws = window.workspace
    assert ws.dataset is g and g.format == "genres" and g.dims == len(ml100k.genre_names)
    assert ws.source.owner == "lecture" and ws.source.kind == "demo"
    assert window.features["explorer"].widget.color_combo.currentText() == "genre"
    page = lecture.panel.genres_page
    cmp = demo.comparison
    assert cmp.label == "Star Wars (1977)" == page.movie_box.currentText()
    flags = ml100k.genres
    q = g.row(cmp.label)
    # the table's "shared genres" are the dot products, counted here from the raw flags
    for row in page.genre_model.rows() + page.learned_model.rows():
        other = g.row(row[0])
        assert row[2] == int(np.sum(flags[q] & flags[other]))
        assert float(g.vectors[q] @ g.vectors[other]) == row[2]
    assert [r[0] for r in page.learned_model.rows()] == [n.label for n in cmp.learned]
    assert "shared genre" in page.explain.text()
    layer = ws.layer(GENRE_NEIGHBOURS_LAYER)
    assert layer is not None and layer.owner == "lecture"
    assert sorted(layer.rows) == sorted(n.row for n in cmp.genre)
    assert window.features["explorer"].scatter.overlay_items(GENRE_NEIGHBOURS_LAYER)  # drawn
    # another movie, chosen in the box
    page.movie_box.setCurrentText("Toy Story (1995)")
    page.movie_box.activated.emit(page.movie_box.currentIndex())
    assert demo.comparison.label == "Toy Story (1995)"
    assert page.genre_model.rows()[0][0] != "Star Wars (1977)"
    # a click on a point of the genre scatter asks for that movie
    row = g.row("Return of the Jedi (1983)")
    ws.point_clicked.emit(row)
    assert demo.comparison.label == "Return of the Jedi (1983)"
    # closing the Lecture dock ends the lecture: its layers and caption go
    window.docks[LECTURE_DOCK].toggleViewAction().trigger()
    assert lecture_layers(window) == [] and lecture.current is None
    assert not window.docks[CAPTION_DOCK].isVisible()


def test_user_vectors(qtbot, window, lecture):
    frames = []
    window.workspace.frame_changed.connect(frames.append)
    trigger(qtbot, lecture, "users")
    assert frames and frames[0] == 1  # the movies organised live, epoch by epoch
    up = window.features["recommender"].user_panel
    model = window.commands.run("recommender.model")
    assert model is not None and up.model is model
    assert window.docks["user"].isVisible()
    assert up.user == NEW_USER
    vector, bias = up.new_user
    example = what_if_example(model)
    assert vector is not None and up.ratings_table.rowCount() == len(example)
    # the vector is the fold-in of the worked example's ratings
    expected, _ = model.fold_in([i for i, _ in example], [s for _, s in example])
    np.testing.assert_allclose(vector, expected, rtol=1e-5, atol=1e-6)
    assert window.workspace.layer(TASTE_LAYER) is not None
    assert window.workspace.source.kind == "model" and window.workspace.live_owner == ""
    assert "New user" in lecture.panel.users_page.text.text()
    # the page's button starts a fresh what-if user
    qtbot.mouseClick(lecture.panel.users_page.new_user_button, QtCore.Qt.MouseButton.LeftButton)
    assert up.user == NEW_USER and up.new_user[0] is None


def test_gradient_descent_and_pca_axes(qtbot, window, lecture, ml100k):
    page = lecture.panel.gradient_page
    page.epochs_spin.setValue(GD_EPOCHS)
    frames = []
    ws = window.workspace
    ws.frame_changed.connect(frames.append)
    trigger(qtbot, lecture, "gradient-descent")
    assert frames == list(range(1, GD_EPOCHS + 1)) * 2  # the movies organising, run after run
    runs = lecture.demos["gradient-descent"].runs.runs
    assert [len(r.history) for r in runs] == [GD_EPOCHS, GD_EPOCHS]
    for i in range(2):  # both runs' curves overlaid in one plot
        for kind in ("train", "valid"):
            xs, ys = page.curves[(i, kind)].getData()
            assert list(xs) == list(range(1, GD_EPOCHS + 1)) and np.isfinite(ys).all()
    with_wd, without = runs
    assert with_wd.item_norms.mean() < without.item_norms.mean()
    legend = [item[1].text for item in page.norm_plot.getPlotItem().legend.items]
    assert any(f"{with_wd.item_norms.mean():.2f}" in t for t in legend)
    assert ws.dataset is not None and ws.dataset.format == "mf" and ws.pca is not None
    assert ws.source.kind == "model" and ws.live_owner == ""
    assert f"{with_wd.item_norms.mean():.2f}" in lecture.caption_text()

    # PCA axes of that set: the tables list the true extremes of each component
    trigger(qtbot, lecture, "pca-axes")
    emb, pca = ws.dataset, ws.pca
    pp = lecture.panel.pca_page
    counts = emb.metadata["ratings"].values
    rows = np.argsort(-counts, kind="stable")[:pp.top_spin.value()]
    for component in (0, 1):
        pp.component_box.setCurrentIndex(component)
        coords = pca.coords[rows, component]
        low = [emb.labels[r] for r in rows[np.argsort(coords)[:len(pp.low_model.rows())]]]
        high = [emb.labels[r] for r in rows[np.argsort(coords)[::-1][:len(pp.high_model.rows())]]]
        assert [r[0] for r in pp.low_model.rows()] == low
        assert [r[0] for r in pp.high_model.rows()] == high
        assert ws.axes[0] == component
        high_rows = set(ws.layer(PCA_HIGH_LAYER).rows)
        assert high_rows == {emb.labels.index(label) for label in high}
    # the start page puts the docks away for a while: the lecture goes on
    window.show_central("start")
    window.show_central("plot")
    assert lecture.current == "pca-axes" and ws.layer(PCA_HIGH_LAYER) is not None
    assert window.docks[LECTURE_DOCK].isVisible() and window.docks[CAPTION_DOCK].isVisible()
    # another demonstration removes these marks
    trigger(qtbot, lecture, "ratings")
    assert lecture_layers(window) == []


def test_analogies_need_words_then_step(qtbot, window, lecture, glove_path):
    with qtbot.waitSignal(lecture.failed, timeout=READY_TIMEOUT_MS) as blocker:
        lecture.actions["analogies"].trigger()
    assert blocker.args[0] == "analogies" and "GloVe" in blocker.args[1]
    assert "GloVe" in lecture.caption_text()
    assert window.commands.run("lecture.last_error") == blocker.args[1]
    with qtbot.waitSignal(window.workspace.dataset_changed, timeout=LOAD_TIMEOUT_MS):
        window.commands.run("loading.open_file", glove_path)
    trigger(qtbot, lecture, "analogies")
    ap = window.features["analogy"].panel
    assert window.docks["analogy"].isVisible()
    first = CLASSIC_ANALOGIES[0]
    assert (ap.a_edit.text(), ap.b_edit.text(), ap.c_edit.text()) == (first.a, first.b, first.c)
    assert window.commands.run("analogy.answer") == "queen"
    assert window.workspace.layer("analogy.arrows") is not None
    assert "queen ✓" in lecture.caption_text()
    demo = lecture.demos["analogies"]
    steps = lecture.panel.analogies_page
    qtbot.mouseClick(steps.next_button, QtCore.Qt.MouseButton.LeftButton)
    second = demo.analogies[1]
    assert (ap.a_edit.text(), ap.b_edit.text(), ap.c_edit.text()) == (second.a, second.b, second.c)
    assert f"2 / {len(demo.analogies)}" in steps.label.text()
    qtbot.mouseClick(steps.prev_button, QtCore.Qt.MouseButton.LeftButton)
    qtbot.mouseClick(steps.prev_button, QtCore.Qt.MouseButton.LeftButton)  # wraps to the last
    last = demo.analogies[-1]
    assert ap.a_edit.text() == last.a and demo.index == len(demo.analogies) - 1
    # Another set opened since (found by the GUI monkey): stepping says why instead of raising.
    with qtbot.waitSignal(window.workspace.dataset_changed, timeout=LOAD_TIMEOUT_MS):
        window.commands.run("loading.open_file", glove_path, limit=50)  # the 50 commonest: no "king"
    assert "king" not in window.workspace.dataset.index
    qtbot.mouseClick(steps.next_button, QtCore.Qt.MouseButton.LeftButton)
    assert "run the lecture again" in lecture.caption_text()


def test_synthetic_fallback_offline(qtbot, window):
    """No ratings open, nothing downloaded (the test cache is empty): the planted-genre ratings."""
    lecture = window.features["lecture"]
    trigger(qtbot, lecture, "ratings")
    assert lecture.data.source == SOURCE_SYNTHETIC and "synthetic" in lecture.caption_text()
    assert lecture.panel.ratings_page.model.rowCount() == len(lecture.data.ratings)
    assert lecture.panel.ratings_page.model.index(0, 3).data() == ""  # no timestamps
    trigger(qtbot, lecture, "genres")
    assert lecture.demos["genres"].genre_emb.dims == 6
    assert lecture.demos["genres"].comparison.label == "Quantum Drift"
    trigger(qtbot, lecture, "pca-axes")
    assert window.workspace.dataset.format == "mf" and lecture.panel.pca_page.low_model.rows()


def test_screenshot_command_waits_for_the_final_state(qtbot, window, ml100k):
    window.features["recommender"].ratings = ml100k
    run = window.commands.run
    assert run("lecture.run_for_screenshot", "ratings") is True
    assert window.features["lecture"].panel.ratings_page.model.rowCount() == 100_000
    assert not window.runner.is_running(LECTURE_TASK)
    image = window.grab().toImage()
    assert image.width() > 0
    assert run("lecture.run_for_screenshot", "analogies", timeout_ms=LOAD_TIMEOUT_MS) is False  # no words
    assert "word vectors" in run("lecture.last_error")
    with pytest.raises(KeyError):
        run("lecture.run_for_screenshot", "nope")


def test_switching_lectures_drops_the_old_result(qtbot, window, lecture):
    """A demonstration chosen while another is still preparing wins; the first never shows."""
    seen = []
    lecture.shown.connect(seen.append)
    lecture.actions["genres"].trigger()
    with qtbot.waitSignal(lecture.shown, timeout=READY_TIMEOUT_MS):
        lecture.actions["ratings"].trigger()
    qtbot.wait(200)
    assert seen == ["ratings"] and lecture.current == "ratings"
    assert window.workspace.dataset is None  # the genre set never replaced the (empty) view


def test_users_twice_in_a_row_shows_once_then_reuses_the_model(qtbot, window, lecture):
    seen = []
    lecture.shown.connect(seen.append)
    lecture.actions["users"].trigger()
    with qtbot.waitSignal(lecture.shown, timeout=READY_TIMEOUT_MS):
        lecture.actions["users"].trigger()  # while the first is still preparing
    qtbot.wait(300)
    assert seen == ["users"]
    model = window.commands.run("recommender.model")
    lecture.actions["users"].trigger()  # a trained model is there: no second training
    assert seen == ["users", "users"] and window.commands.run("recommender.model") is model
    assert not lecture.training.is_running()


def test_ratings_without_genres_fail_the_genre_demo_with_a_reason(qtbot, window, tmp_path, ml100k):
    from embexplorer.core.recommender.movielens import load_ratings_csv

    path = tmp_path / "ratings.csv"
    rows = np.column_stack([ml100k.users[:2000], ml100k.items[:2000], ml100k.ratings[:2000]])
    path.write_text("user,item,rating\n" + "\n".join(f"{u},{i},{r:g}" for u, i, r in rows) + "\n")
    window.features["recommender"].ratings = load_ratings_csv(path)
    lecture = window.features["lecture"]
    with qtbot.waitSignal(lecture.failed, timeout=READY_TIMEOUT_MS) as blocker:
        lecture.actions["genres"].trigger()
    assert blocker.args[0] == "genres" and "no genre flags" in blocker.args[1]
    assert "no genre flags" in lecture.caption_text() and window.workspace.dataset is None
    trigger(qtbot, lecture, "ratings")  # the table needs no genres
    assert lecture.panel.ratings_page.model.rowCount() == 2000


def test_closing_during_training_is_clean(qtbot, window, lecture):
    frames = []
    window.workspace.frame_changed.connect(frames.append)
    lecture.actions["gradient-descent"].trigger()
    qtbot.waitUntil(lambda: len(frames) >= 1, timeout=READY_TIMEOUT_MS)
    assert window.runner.is_running(LECTURE_TASK) and window.workspace.live_owner == "lecture"
    window.close()
    assert not window.runner.is_running(LECTURE_TASK) and window.workspace.live_owner == ""
    qtbot.wait(100)


def test_another_file_takes_the_plot_from_a_training_lecture(qtbot, window, lecture, glove_path):
    frames = []
    window.workspace.frame_changed.connect(frames.append)
    lecture.actions["gradient-descent"].trigger()
    qtbot.waitUntil(lambda: len(frames) >= 1, timeout=READY_TIMEOUT_MS)
    with qtbot.waitSignal(window.workspace.dataset_changed, timeout=LOAD_TIMEOUT_MS):
        window.commands.run("loading.open_file", glove_path)
    shown = window.workspace.dataset
    count = len(frames)
    qtbot.wait(300)
    assert window.workspace.dataset is shown and len(frames) == count  # the words stay on the plot


def test_run_when_ready_waits_for_the_data(qtbot, window, ml100k_dir):
    lecture = window.features["lecture"]
    recommender = window.features["recommender"]
    window.commands.run("lecture.run_when_ready", "genres", recommender.ratings_loaded)
    assert lecture.current is None
    with qtbot.waitSignal(lecture.shown, timeout=READY_TIMEOUT_MS):
        window.commands.run("recommender.open_ratings", ml100k_dir)
    assert lecture.data.source == SOURCE_OPEN and window.workspace.dataset is lecture.demos["genres"].genre_emb
    with qtbot.waitSignal(lecture.shown, timeout=READY_TIMEOUT_MS):
        window.commands.run("lecture.run_when_ready", "ratings", None)  # at the next turn of the event loop
    with pytest.raises(KeyError):
        window.commands.run("lecture.run_when_ready", "nope", None)
