"""``embexplorer project``: label, x, y of every row, the app's layouts, cached; errors as one line."""

from __future__ import annotations

import json

import numpy as np
import pytest

from embexplorer.cli import main

ROWS = 200


def read_tsv(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "label\tx\ty"
    rows = [line.split("\t") for line in lines[1:]]
    return [r[0] for r in rows], np.array([[float(r[1]), float(r[2])] for r in rows])


def test_tsne_coordinates_are_the_apps_layout_and_cached(glove_path, tmp_path, capsys):
    from embexplorer.core.analysis.nonlinear import LayoutParams, fit_layout
    from embexplorer.core.analysis.pca import fit_pca
    from embexplorer.core.data.formats import load

    out = tmp_path / "coords.tsv"
    argv = ["project", str(glove_path), "--limit", str(ROWS), "--method", "tsne", "--perplexity", "10",
            "--seed", "4", "--out", str(out), "--json"]
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["fitted"] == ROWS and first["placed"] == 0 and not first["from_cache"]
    labels, xy = read_tsv(out)
    emb = load(glove_path, limit=ROWS)
    assert labels == emb.labels
    expected = fit_layout(emb.vectors, LayoutParams("tsne", perplexity=10, seed=4),
                          init=fit_pca(emb.vectors, n_components=2).xy(0, 1)).xy
    np.testing.assert_allclose(xy, expected, rtol=1e-5, atol=1e-4)  # written with 6 significant digits
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["from_cache"]  # the second run reads the cache


def test_pca_to_standard_output(glove_path, capsys):
    from embexplorer.core.analysis.pca import fit_pca
    from embexplorer.core.data.formats import load

    assert main(["project", str(glove_path), "--limit", "50", "--method", "pca"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "label\tx\ty" and len(lines) == 51
    xy = np.array([[float(v) for v in line.split("\t")[1:]] for line in lines[1:]])
    emb = load(glove_path, limit=50)
    np.testing.assert_allclose(xy, fit_pca(emb.vectors, n_components=2).xy(0, 1), rtol=1e-5, atol=1e-5)


def test_a_bad_parameter_is_refused(glove_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["project", str(glove_path), "--perplexity", "0"])
    assert exit_.value.code == 2 and "perplexity must be from 1 to 500" in capsys.readouterr().err


def test_axes_coordinates_are_the_cosines_with_the_two_directions(glove_path, tmp_path, capsys):
    from embexplorer.core.data.formats import load

    out = tmp_path / "axes.tsv"
    assert main(["project", str(glove_path), "--method", "axes", "--axes", "woman - man", "king - queen",
                 "--out", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["method"] == "axes"
    labels, xy = read_tsv(out)
    emb = load(glove_path)
    v = emb.vectors.astype(np.float64)
    unit = v / np.linalg.norm(v, axis=1, keepdims=True)
    for col, (a, b) in enumerate((("woman", "man"), ("king", "queen"))):
        d = v[emb.row(a)] - v[emb.row(b)]
        np.testing.assert_allclose(xy[:, col], unit @ (d / np.linalg.norm(d)), atol=1e-5)
    assert main(["project", str(glove_path), "--method", "axes", "--axes", "woman - man", "king - xyzzy"]) == 2
    assert "xyzzy" in capsys.readouterr().err
    assert main(["project", str(glove_path), "--method", "axes"]) == 2
    assert "--axes X Y" in capsys.readouterr().err
