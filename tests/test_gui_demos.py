"""The "Genres, learned" demo runner: per-epoch frames, probe near chance first and high at the end."""

from __future__ import annotations

import numpy as np

from embexplorer._qt.features.start.genres_demo import TRUE_GENRE_COLUMN, GenresDemo
from embexplorer.core.teaching.demos import GENRES_DEMO_EPOCHS, PROBE_FOLDS, genres_demo_config

#: Generous: the probe is cross-validated on 300 movies, 6 balanced genres.
NEAR_CHANCE_MARGIN = 0.15
HIGH_PROBE = 0.9
TIMEOUT_MS = 60_000
MANY_EPOCHS = 500


def test_genres_demo_frames_and_probe(qtbot):
    demo = GenresDemo()
    frames = []
    demo.frame_ready.connect(lambda emb, xy, probe, epoch: frames.append((emb, xy, probe, epoch)))
    with qtbot.waitSignal(demo.finished, timeout=TIMEOUT_MS) as blocker:
        demo.start()
    model = blocker.args[0]
    assert [f[3] for f in frames] == list(range(1, GENRES_DEMO_EPOCHS + 1))
    assert 0.1 < demo.chance < 0.3  # six balanced genres
    first, last = frames[0], frames[-1]
    assert first[2] < demo.chance + NEAR_CHANCE_MARGIN, (first[2], demo.chance)
    assert last[2] > HIGH_PROBE, last[2]
    emb, xy = last[0], last[1]
    assert emb.n == model.n_items == len(demo.true_genres) and xy.shape == (emb.n, 2)
    assert xy.dtype == np.float32 and np.isfinite(xy).all()
    col = emb.metadata[TRUE_GENRE_COLUMN]
    assert col.kind == "categorical"
    assert [col.value(i) for i in range(emb.n)] == demo.true_genres
    # the hidden genre is not something the model was given: its own columns carry no "true genre"
    assert TRUE_GENRE_COLUMN not in model.item_embeddings().metadata
    assert demo.model is model and len(model.history) == GENRES_DEMO_EPOCHS
    assert "chance" in demo.caption(last[2], last[3]) and PROBE_FOLDS >= 2
    # each frame is scaled to unit RMS radius, so a view fitted to the first keeps later ones in sight
    rms = [float(np.sqrt(np.mean(np.sum(f[1].astype(np.float64) ** 2, axis=1)))) for f in frames]
    np.testing.assert_allclose(rms, 1.0, rtol=1e-5)
    # and aligned: consecutive late frames barely move (an unaligned PCA may flip or turn)
    a, b = frames[-2][1], frames[-1][1]
    assert float(np.linalg.norm(a - b)) < 0.2 * float(np.linalg.norm(b - b.mean(0)))


def test_stop_keeps_last_complete_epoch(qtbot):
    config = genres_demo_config()
    config.epochs = MANY_EPOCHS  # Stop surely lands before the end
    demo = GenresDemo(config=config)
    seen = []

    def on_frame(emb, xy, probe, epoch):
        seen.append(epoch)
        if epoch == 2:
            demo.stop()

    demo.frame_ready.connect(on_frame)
    with qtbot.waitSignal(demo.finished, timeout=TIMEOUT_MS) as blocker:
        demo.start()
    model = blocker.args[0]
    assert 2 <= len(model.history) < MANY_EPOCHS
    assert model.info.get("cancelled") is True
    assert seen == list(range(1, len(model.history) + 1))
    assert np.isfinite(model.item_factors).all()


def test_stop_before_first_epoch_finishes_with_none(qtbot):
    demo = GenresDemo()
    frames = []
    demo.frame_ready.connect(lambda *a: frames.append(a))
    with qtbot.waitSignal(demo.finished, timeout=TIMEOUT_MS) as blocker:
        demo.start()
        demo.stop()
    assert blocker.args == [None] and frames == [] and demo.model is None


def test_frames_drive_the_explorer_coloured_by_true_genre(qtbot):
    """The wiring of the module docstring: each frame goes to ExplorerWidget.set_data."""
    from embexplorer._qt.widgets.explorer import ExplorerWidget

    explorer = ExplorerWidget()
    qtbot.addWidget(explorer)
    demo = GenresDemo()
    epochs = []

    def on_frame(emb, xy, probe, epoch):
        explorer.set_data(emb, xy, "movie factors: PC1 (aligned)", "PC2 (aligned)", keep_view=epoch > 1)
        explorer.finish_setup()
        epochs.append(epoch)

    demo.frame_ready.connect(on_frame)
    with qtbot.waitSignal(demo.finished, timeout=TIMEOUT_MS):
        demo.start()
    assert epochs == list(range(1, GENRES_DEMO_EPOCHS + 1))
    assert explorer.color_combo.currentText() == TRUE_GENRE_COLUMN
    assert explorer.embeddings.n == len(demo.true_genres)

