"""``embexplorer train-w2v``: per-epoch lines, --json summary, saved vectors, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from embexplorer.cli import EXIT_BAD_INPUT, main
from tests.test_w2v import ENWIKI, write_corpus

FAST = ["--size", "8", "--window", "3", "--min-count", "2", "--negative", "3", "--workers", "1"]


def test_prints_one_line_per_epoch_and_saves_text(tmp_path, capsys, gensim_test_data):
    from gensim.models import KeyedVectors

    corpus = write_corpus(tmp_path / "c.txt")
    out = tmp_path / "vectors.txt"
    rc = main(["train-w2v", str(corpus), *FAST, "--epochs", "3", "--out", str(out),
               "--analogies", str(gensim_test_data / "questions-words.txt")])
    assert rc == 0
    lines = capsys.readouterr().out.splitlines()
    epoch_lines = [line for line in lines if line.startswith("epoch ")]
    assert [line.split()[1] for line in epoch_lines] == ["1/3", "2/3", "3/3"]
    assert all("loss" in line and "words/s" in line and "analogies" in line for line in epoch_lines)
    assert "saved to" in lines[-1]
    kv = KeyedVectors.load_word2vec_format(str(out))
    assert kv.vector_size == 8 and "cat" in kv.key_to_index


def test_json_summary_and_binary_output(tmp_path, capsys):
    from gensim.models import KeyedVectors

    corpus = write_corpus(tmp_path / "c.txt")
    out = tmp_path / "vectors.bin"
    rc = main(["train-w2v", str(corpus), *FAST, "--epochs", "2", "--sg", "--seed", "3", "--json",
               "--format", "word2vec-binary", "--out", str(out)])
    assert rc == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["epochs_completed"] == 2 and not summary["stopped"]
    assert [e["epoch"] for e in summary["epochs"]] == [1, 2]
    assert all(e["loss"] > 0 and e["words_per_s"] > 0 and e["analogy_accuracy"] is None
               for e in summary["epochs"])
    kv = KeyedVectors.load_word2vec_format(str(out), binary=True)
    assert len(kv) == summary["vocabulary"] and kv.vector_size == summary["dims"] == 8
    assert np.isfinite(kv.vectors).all()


def test_wikipedia_dump_option(tmp_path, capsys, gensim_test_data):
    rc = main(["train-w2v", str(gensim_test_data / ENWIKI), "--wiki", "--max-articles", "3", *FAST,
               "--epochs", "1", "--json"])
    assert rc == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["corpus_words"] > 1000 and summary["vocabulary"] > 100


@pytest.mark.parametrize("args, message", [
    (["MISSING"], "no such file"),
    (["CORPUS", "--epochs", "0"], "--epochs must be at least 1"),
    (["CORPUS", "--min-count", "100000"], "min count"),
    (["CORPUS", "--analogies", "MISSING"], "missing: No such file"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, args, message):
    corpus = write_corpus(tmp_path / "c.txt", n_sentences=50)
    args = [str(corpus) if a == "CORPUS" else str(tmp_path / "missing") if a == "MISSING" else a
            for a in args]
    rc = main(["train-w2v", *FAST, *args])
    assert rc == EXIT_BAD_INPUT
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("embexplorer: error:") and message in err[0]


def test_ctrl_c_keeps_and_saves_the_last_complete_epoch(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from gensim.models import KeyedVectors

    corpus = write_corpus(tmp_path / "c.txt", n_sentences=20000)
    out = tmp_path / "v.txt"
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.Popen([sys.executable, "-m", "embexplorer", "train-w2v", str(corpus), *FAST,
                             "--epochs", "500", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=root)
    try:
        first = proc.stdout.readline()
        assert first.startswith("epoch 1/500")
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    epochs_printed = 1 + sum(line.startswith("epoch ") for line in stdout.splitlines())
    assert f"stopped after epoch {epochs_printed} of 500" in stderr
    assert f"saved to {out}" in stdout
    kv = KeyedVectors.load_word2vec_format(str(out))
    assert kv.vector_size == 8 and "cat" in kv.key_to_index
