"""Train on everything (issue 16, item 4): a final model on all ratings, from the CLI and the GUI, whose
recommendations leave out everything each user rated."""

from __future__ import annotations

import json

import numpy as np
import pytest

from embexplorer import cli
from embexplorer.core.recommender.movielens import ALL_RATINGS, load_movielens, split_ratings

#: Milliseconds the GUI test waits for one epoch on a busy machine.
WAIT_MS = 60_000
USER = "1"


@pytest.fixture(scope="module")
def ml100k(ml100k_dir):
    return load_movielens(ml100k_dir)


def _rated(data, user_id: str) -> set[str]:
    u = list(data.user_ids).index(user_id)
    return {str(data.item_ids[i]) for i in data.items[data.users == u]}


def test_split_all_holds_nothing_out(ml100k):
    split = split_ratings(ml100k, "random", test_fraction=0)
    assert split.name == ALL_RATINGS and len(split.test) == 0
    assert np.array_equal(split.train, np.arange(len(ml100k)))


def test_cli_test_fraction_zero_then_recommend_excludes_every_rating(capsys, ml100k_dir, ml100k, tmp_path):
    model = tmp_path / "final.npz"
    status = cli.main(["train-mf", str(ml100k_dir), "--test-fraction", "0", "--epochs", "1", "--factors", "8",
                       "--out", str(model)])
    out, _ = capsys.readouterr()
    assert status == 0
    assert "split all: all ratings train, none held out (no validation)" in out
    assert "epoch 1/1" in out and "no validation" in out and "nan" not in out.lower()
    assert cli.main(["recommend", str(model), "--user", USER, "-n", "1000", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    rated = _rated(ml100k, USER)
    assert rec["n_rated"] == len(rated) == 272  # every rating of user 1 in u.data, none held out
    assert len(rec["recommendations"]) == 1000
    assert not {r["item_id"] for r in rec["recommendations"]} & rated


def test_gui_final_model_checkbox_trains_on_all_ratings(qtbot, ml100k):
    from embexplorer._qt.features.recommender.training_panel import MFTrainingPanel

    panel = MFTrainingPanel()
    qtbot.addWidget(panel)
    panel.set_data(ml100k)
    panel.factors.setValue(8)
    panel.epochs.setValue(1)
    panel.all_ratings.setChecked(True)
    assert panel.train_on_all and not panel.split.isEnabled()
    with qtbot.waitSignal(panel.training_finished, timeout=WAIT_MS) as done:
        panel.start()
    model = done.args[0]
    assert model.info["split"] == ALL_RATINGS and model.info["n_train"] == len(ml100k)
    assert model.info["n_valid"] == 0
    assert "no validation" in panel.status.text()
    user = model.user_row(USER)
    seen, _ = model.seen(user)
    assert {str(model.item_ids[i]) for i in seen} == _rated(ml100k, USER)
    recs = model.recommend(user, 2000, exclude_seen=True)
    assert not {int(i) for i, _ in recs} & set(seen.tolist())
    panel.shutdown()
