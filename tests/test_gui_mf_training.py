"""The MF training dock driven with qtbot: start, per-epoch signals and curves, stop, settings."""

from __future__ import annotations

import pytest
from PySide6 import QtCore, QtWidgets

from embexplorer._qt.features.recommender.training_panel import MFTrainingPanel
from embexplorer.core.progress import PROGRESS_STEPS
from embexplorer.core.recommender.mf import MFConfig
from embexplorer.core.recommender.movielens import load_movielens

#: Milliseconds a test waits for training on a busy 2-core machine.
WAIT_MS = 60_000


@pytest.fixture(scope="module")
def ml100k(ml100k_dir):
    return load_movielens(ml100k_dir)


@pytest.fixture
def panel(qtbot):
    p = MFTrainingPanel()
    qtbot.addWidget(p)
    p.show()
    yield p
    p.shutdown()
    assert p.runner.shutdown(timeout=10)


def test_start_disabled_without_data(panel):
    assert not panel.start_button.isEnabled() and not panel.stop_button.isEnabled()


def test_training_runs_with_live_epochs(qtbot, panel, ml100k):
    panel.set_data(ml100k)
    assert panel.split.currentText() == "u1"
    assert [panel.split.itemText(i) for i in range(panel.split.count())][-1] == "random"
    panel.factors.setValue(8)
    panel.epochs.setValue(3)
    epochs = []
    panel.epoch_finished.connect(lambda stats, model: epochs.append((stats, model)))
    with qtbot.waitSignal(panel.training_finished, timeout=WAIT_MS) as done:
        qtbot.mouseClick(panel.start_button, QtCore.Qt.MouseButton.LeftButton)
        assert panel.stop_button.isEnabled() and not panel.start_button.isEnabled()
    model = done.args[0]
    assert [s.epoch for s, _ in epochs] == [1, 2, 3]
    assert epochs[0][1].n_factors == 8 and epochs[0][1].item_factors.shape == (1682, 8)
    assert len(model.history) == 3 and model.info["split"] == "u1"
    assert model.history[-1].valid_rmse < model.history[0].valid_rmse
    xs, ys = panel.train_curve.getData()
    assert list(xs) == [1, 2, 3] and list(ys) == [h.train_loss for h in model.history]
    assert list(panel.valid_curve.getData()[1]) == [h.valid_mse for h in model.history]
    assert panel.progress.value() == PROGRESS_STEPS
    assert panel.start_button.isEnabled() and not panel.stop_button.isEnabled()
    assert "RMSE" in panel.status.text() and panel.model is model


def test_stop_keeps_last_completed_epoch(qtbot, panel, ml100k):
    panel.set_data(ml100k)
    panel.set_config(MFConfig.lecture(n_factors=8, epochs=200))
    assert panel.batch.value() == 64
    with qtbot.waitSignal(panel.epoch_finished, timeout=WAIT_MS):
        panel.start()
    with qtbot.waitSignal(panel.training_finished, timeout=WAIT_MS) as done:
        qtbot.mouseClick(panel.stop_button, QtCore.Qt.MouseButton.LeftButton)
    model = done.args[0]
    assert model.info["cancelled"] and 1 <= len(model.history) < 200
    assert "Stopped after" in panel.status.text()
    assert panel.start_button.isEnabled() and not panel.stop_button.isEnabled()


def test_settings_round_trip_and_lecture_button(qtbot, panel):
    cfg = MFConfig(n_factors=12, epochs=7, lr=0.02, weight_decay=0.5, batch_size=128, y_range=None,
                   use_bias=False, seed=9, sparse=True)
    panel.set_config(cfg)
    assert panel.config() == cfg
    assert not panel.low.isEnabled()
    qtbot.mouseClick(panel.lecture_button, QtCore.Qt.MouseButton.LeftButton)
    got = panel.config()
    assert (got.batch_size, got.lr, got.weight_decay, got.n_factors) == (64, 5e-3, 0.1, 12)


def _dark_palette():
    from PySide6 import QtGui

    pal = QtGui.QPalette()
    role = QtGui.QPalette.ColorRole
    for r, rgb in ((role.Base, (30, 30, 34)), (role.Window, (40, 40, 44)), (role.Text, (230, 230, 230)),
                   (role.WindowText, (230, 230, 230))):
        pal.setColor(r, QtGui.QColor(*rgb))
    return pal


def test_loss_plot_follows_the_palette(qtbot, panel):
    from PySide6 import QtGui

    base = panel.palette().color(QtGui.QPalette.ColorRole.Base)
    assert panel.plot.backgroundBrush().color() == base  # not pyqtgraph's black
    assert base.lightness() > 128  # the test style's default palette is light
    dark = _dark_palette()
    panel.setPalette(dark)  # the window does this for the dark theme; children get PaletteChange
    qtbot.wait(10)
    text = dark.color(QtGui.QPalette.ColorRole.Text)
    assert panel.plot.backgroundBrush().color() == dark.color(QtGui.QPalette.ColorRole.Base)
    for name in ("left", "bottom"):
        assert panel.plot.getAxis(name).textPen().color() == text
    legend = panel.plot.getPlotItem().legend
    assert legend.labelTextColor() == text and len(legend.items) == 2
    panel.setPalette(QtWidgets.QApplication.palette())
    qtbot.wait(10)
    assert panel.plot.backgroundBrush().color() == base


def test_fits_a_short_narrow_dock(qtbot, panel):
    # The curves are at least 200 px tall, readable in a lecture hall (issue 13): epoch_curve sees to it.
    from embexplorer._qt.widgets.training_panel import CURVES_MIN_HEIGHT as PLOT_MIN_HEIGHT

    hint = panel.minimumSizeHint()
    assert hint.width() <= 418 and hint.height() <= 460  # the dock: ~430 x 520 with its frame
    panel.resize(418, 600)
    qtbot.wait(20)
    assert panel.plot.height() >= PLOT_MIN_HEIGHT
    # the settings show whole at that size (they scroll only in a shorter dock)
    assert panel.settings_area.verticalScrollBar().maximum() == 0
    panel.resize(418, 330)
    qtbot.wait(20)
    assert panel.plot.height() >= PLOT_MIN_HEIGHT and panel.settings_area.verticalScrollBar().maximum() > 0
