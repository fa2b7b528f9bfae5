"""Stop works after a restart: a superseded run's callbacks never touch the new run.

Restarting training while it ran let the old run's cancel callback clear the new run's Stop
control (MF panel), so pressing Stop afterwards did not stop training; and a run stopped then
superseded still announced "finished" (Genres demo).  Real data: MovieLens 100K, gensim's Lee
corpus, the demo's synthetic ratings.
"""

from __future__ import annotations

import pytest

from embexplorer._qt.features.recommender.training_panel import MFTrainingPanel
from embexplorer._qt.features.start.genres_demo import GenresDemo
from embexplorer._qt.features.word2vec.panel import W2VTrainingPanel
from embexplorer._qt.workers import TaskRunner
from embexplorer.core.recommender.mf import MFConfig
from embexplorer.core.recommender.movielens import load_movielens
from embexplorer.core.teaching.demos import genres_demo_config

#: Longest wait (ms) for training to end after Stop: it stops at the next batch / word chunk.
STOP_WAIT_MS = 5_000
#: Longest wait (ms) for the first epoch on a busy 2-core machine.
EPOCH_WAIT_MS = 60_000
#: Epochs no run reaches within a test (so only Stop can end it).
MANY_EPOCHS = 500
#: Small MF model, small batches: epochs of a few hundred ms on ml-100k.
MF_FACTORS, MF_BATCH = 8, 256
#: Small word2vec model on gensim's Lee corpus.
W2V_DIMS = 16
#: How long (ms) to watch a restarted run keep going.
WATCH_MS = 500
#: gensim's Lee background corpus (news, one document a line).
LEE_CORPUS = "lee_background.cor"


@pytest.fixture(scope="module")
def ml100k(ml100k_dir):
    return load_movielens(ml100k_dir)


@pytest.fixture
def runner():
    r = TaskRunner()
    yield r
    assert r.shutdown(timeout=10)


@pytest.fixture
def mf_panel(qtbot, runner, ml100k):
    panel = MFTrainingPanel(runner, live_frames=True)
    qtbot.addWidget(panel)
    panel.set_data(ml100k)
    panel.set_config(MFConfig(n_factors=MF_FACTORS, epochs=MANY_EPOCHS, batch_size=MF_BATCH))
    yield panel
    panel.shutdown()


@pytest.fixture
def w2v_panel(qtbot, runner, gensim_test_data):
    panel = W2VTrainingPanel(runner, live_frames=True)
    qtbot.addWidget(panel)
    panel.set_corpus(gensim_test_data / LEE_CORPUS)
    panel.vector_size.setValue(W2V_DIMS)
    panel.workers.setValue(1)
    panel.epochs.setValue(MANY_EPOCHS)
    yield panel
    panel.shutdown()


@pytest.fixture
def demo(runner):
    config = genres_demo_config()
    config.epochs = MANY_EPOCHS
    d = GenresDemo(runner, config=config, min_epoch_seconds=0.0)
    yield d
    d.cancel()


def _restart_then_stop(qtbot, panel, epoch_signal):
    """Start, wait for an epoch, start again while it runs, Stop: training must end quickly."""
    with qtbot.waitSignal(epoch_signal, timeout=EPOCH_WAIT_MS):
        panel.start()
    assert panel.is_training()
    panel.start()  # replaces the running training
    assert panel.is_training() and panel.stop_button.isEnabled()
    with qtbot.waitSignal(epoch_signal, timeout=EPOCH_WAIT_MS):
        pass  # the new run trains
    panel.stop()
    qtbot.waitUntil(lambda: not panel.is_training(), timeout=STOP_WAIT_MS)
    assert panel.start_button.isEnabled() and not panel.stop_button.isEnabled()
    assert panel.status.text().startswith("Stopped")


def test_mf_stop_after_restart_stops(qtbot, mf_panel):
    finished = []
    mf_panel.training_finished.connect(finished.append)
    _restart_then_stop(qtbot, mf_panel, mf_panel.epoch_finished)
    assert len(finished) == 1 and finished[0].info["cancelled"]  # only the new run reports


def test_w2v_stop_after_restart_stops(qtbot, w2v_panel):
    finished = []
    w2v_panel.training_finished.connect(finished.append)
    _restart_then_stop(qtbot, w2v_panel, w2v_panel.epoch_finished)
    assert len(finished) == 1 and w2v_panel.result.stopped


@pytest.mark.parametrize("panel_name", ["mf_panel", "w2v_panel"])
def test_stop_then_restart_leaves_the_new_run_alone(qtbot, request, panel_name):
    """Stop, then Start before the stopped run ended: the new run trains and says so."""
    panel = request.getfixturevalue(panel_name)
    assert panel.start() is not False
    panel.stop()
    assert panel.start() is not False
    qtbot.wait(WATCH_MS)
    assert panel.is_training() and panel.stop_button.isEnabled()
    assert not panel.status.text().startswith("Stop")  # the superseded run did not speak
    panel.stop()
    qtbot.waitUntil(lambda: not panel.is_training(), timeout=STOP_WAIT_MS)


def test_genres_demo_stop_after_restart_stops(qtbot, demo):
    finished = []
    demo.finished.connect(finished.append)
    with qtbot.waitSignal(demo.frame_ready, timeout=EPOCH_WAIT_MS):
        demo.start()
    demo.start()
    with qtbot.waitSignal(demo.frame_ready, timeout=EPOCH_WAIT_MS):
        pass
    demo.stop()
    qtbot.waitUntil(lambda: not demo.is_running(), timeout=STOP_WAIT_MS)
    assert len(finished) == 1 and finished[0] is not None and finished[0].info["cancelled"]


def test_genres_demo_stopped_then_superseded_run_is_silent(qtbot, demo):
    finished = []
    demo.finished.connect(finished.append)
    demo.start()
    demo.stop()
    demo.start()  # before the stopped run ended: it is superseded, not finished
    with qtbot.waitSignal(demo.frame_ready, timeout=EPOCH_WAIT_MS):
        pass
    assert finished == [] and demo.is_running()
    demo.stop()
    qtbot.waitUntil(lambda: not demo.is_running(), timeout=STOP_WAIT_MS)
    assert len(finished) == 1 and finished[0] is not None
