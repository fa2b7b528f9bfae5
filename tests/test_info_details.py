"""``embexplorer info`` reports norms, the labels file it used and labels with broken UTF-8 (issue 17)."""

from __future__ import annotations

import json

import numpy as np

from embexplorer.cli import main
from embexplorer.core.data import formats
from embexplorer.core.data.embeddings import EmbeddingSet


def info(capsys, *args) -> dict:
    assert main(["info", "--json", "--no-cache", *map(str, args)]) == 0
    return json.loads(capsys.readouterr().out)


def test_norms_and_replaced_labels(tmp_path, capsys):
    path = tmp_path / "e.txt"
    path.write_bytes(b"2 2\ncaf\xe9 3 4\nok 0 1\n")
    got = info(capsys, path)
    assert got["norms"] == {"min": 1.0, "mean": 3.0, "max": 5.0}
    assert got["labels_replaced"] == 1 and got["labels_file"] is None
    assert main(["info", "--no-cache", str(path)]) == 0
    text = capsys.readouterr().out
    assert "norms:              min 1, mean 3, max 5" in text and "labels replaced:    1" in text


def test_labels_file_is_named(tmp_path, capsys):
    emb = EmbeddingSet(["a", "b"], np.eye(2, dtype=np.float32))
    formats.save(emb, tmp_path / "vectors.tsv", "tsv")
    got = info(capsys, tmp_path / "vectors.tsv")
    assert got["labels_file"] == str(tmp_path / "metadata.tsv")
    assert main(["info", "--no-cache", str(tmp_path / "vectors.tsv")]) == 0
    assert f"labels file:        {tmp_path / 'metadata.tsv'}" in capsys.readouterr().out


def test_text_label_with_a_tab_is_reported_as_word2vec(tmp_path, capsys):
    path = tmp_path / "t.txt"  # the reproduction of issue 17
    path.write_text("2 3\nnew\tyork 0.5 0.25 0.125\nb 1.5 2.5 3.5\n")
    assert info(capsys, path)["format"] == "word2vec"


def test_encoding_option(tmp_path, capsys):
    path = tmp_path / "e.txt"
    path.write_bytes(b"1 2\ncaf\xe9 3 4\n")
    assert main(["info", "--json", "--no-cache", "--encoding", "cp1252", str(path)]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["labels_replaced"] == 0 and got["warnings"] == []
