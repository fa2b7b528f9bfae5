"""``embexplorer --screenshot OUT.png A --compare B [--compare-mode side|arrows]``: the comparison is
rendered headless, after the background work, on real GloVe vectors against a copy with planted movers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from embexplorer.core.data._writers import save
from embexplorer.core.data.embeddings import EmbeddingSet
from embexplorer.core.data.formats import load

#: Labels moved in the copy (each takes another word's vector), and the rows of GloVe read (a quick test).
PLANTED = 20
ROWS = 1200


@pytest.fixture(scope="module")
def glove_pair(glove_path, tmp_path_factory):
    a = load(glove_path, limit=ROWS)
    rng = np.random.default_rng(5)
    moved = rng.choice(a.n, PLANTED, replace=False)
    v = a.vectors.copy()
    v[moved] = a.vectors[rng.choice(a.n, PLANTED, replace=False)]
    path = tmp_path_factory.mktemp("compare") / "glove_b.txt"
    save(EmbeddingSet(a.labels, v), path, "glove")
    return {a.labels[i] for i in moved}, path


def shoot(capsys, tmp_path, glove_path, *options, rows: int = ROWS) -> dict:
    from embexplorer import cli
    from embexplorer._qt import app as gui_app

    out = tmp_path / "shot.png"
    args = cli.build_gui_parser().parse_args(["--screenshot", str(out), str(glove_path), "--limit", str(rows),
                                              "--json", *options])
    capsys.readouterr()
    assert gui_app.run_gui(args) == 0
    assert out.stat().st_size > 20_000
    return json.loads(capsys.readouterr().out)


def test_compare_screenshot_side_by_side_and_arrows(qtbot, capsys, tmp_path, glove_path, glove_pair):
    planted, b_path = glove_pair
    side = shoot(capsys, tmp_path, glove_path, "--compare", str(b_path))
    # Side by side: B's plot and the movers beside A's, the dock given the side of the window.
    assert "compare" in side["docks"] and "neighbours" not in side["docks"]
    assert side["tables"]["compare"]["rows"] > 0
    # The biggest movers are selected and labelled on A's plot (the planted ones, all of them).
    shown = {lab["text"] for lab in side["labels"]}
    assert len(shown & planted) >= PLANTED // 2
    arrows = shoot(capsys, tmp_path, glove_path, "--compare", str(b_path), "--compare-mode", "arrows")
    ends = [m for m in arrows["markers"] if m["layer"] == "compare.arrows"]
    assert len(ends) >= 10  # one dot at each arrow's B end (those in view)
    assert any(text.startswith("A → B") for text in arrows["legend"])


def test_compare_screenshot_of_a_missing_file_says_so(capsys, tmp_path, glove_path):
    from embexplorer.core.errors import DataError

    with pytest.raises(DataError) as err:
        shoot(capsys, tmp_path, glove_path, "--compare", str(tmp_path / "nope.txt"), rows=200)
    assert "nope.txt" in str(err.value)
