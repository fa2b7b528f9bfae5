"""Errors that help (issue 17): every command says what it expected and what it was given; unknown labels
get suggestions; one case rule in every --help; info names norms and the labels file; word2vec warns on a
corpus too small for meaningful vectors (CLI and GUI).  Table-driven, run in-process through the CLI.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from embexplorer import cli
from embexplorer.core.analysis.neighbours import CASE_RULE
from embexplorer.core.word2vec.w2v import MIN_CORPUS_WORDS

# {glove}, {ml}, {questions}, {pairs}, {lee} are filled from the fixtures.
#: (arguments, phrases stderr must hold, phrases it must not hold)
ERRORS = [
    (["recommend", "{glove}", "--user", "1"],
     ["{glove}: not a model file written by 'embexplorer train-mf --out'", "it looks like an embedding file"],
     ["allow_pickle", "pickle"]),
    (["recommend", "{ml}/u.data", "--user", "1"], ["not a model file", "it looks like a ratings table"], []),
    (["recommend", "{ml}", "--user", "1"], ["not a model file", "a MovieLens dataset"], ["Errno"]),
    (["train-mf", "{glove}"], ["{glove}: not a ratings table", "it looks like an embedding file"],
     ["empty user id"]),
    (["train-mf", "{questions}"], ["not a ratings table", "analogy questions file", "'embexplorer evaluate'"],
     []),
    (["train-mf", "{ml}/u.item"], ["{ml}/u.item: not a ratings table", "line 1: rating is not a number"], []),
    (["neighbours", "{glove}", "kingg"],
     ["label 'kingg' is not in the embeddings", "closest: 'king', 'kings'"], []),
    (["neighbours", "{glove}", "King", "--case-sensitive"],
     ["label 'King' is not in the embeddings", "'king' differs only in case"], []),
    (["analogy", "{glove}", "man", "kingg", "woman"], ["label 'kingg'", "closest: 'king'"], []),
    (["neighbours", "{ml}/u.data", "1"], ["not an embedding file", "it looks like a ratings table",
                                          "'embexplorer train-mf'"], []),
    (["neighbours", "{ml}/u.item", "x"], ["not an embedding file", "plain text",
                                          "line 1: expected a label followed by numbers"], []),
    (["info", "{ml}"], ["{ml}: not an embedding file", "a MovieLens dataset (ratings) folder"], []),
    (["info", "{questions}"], ["not an embedding file", "an analogy questions file"], []),
    (["evaluate", "{glove}", "{glove}"], ["not an analogy questions file", "it looks like an embedding file"],
     []),
    (["evaluate", "{glove}", "{ml}/u.data"], ["{ml}/u.data: not an analogy questions file", "ratings table"],
     []),
    (["similarity", "{glove}", "{questions}"], ["not a word-pair file", "an analogy questions file"], []),
    (["similarity", "{glove}", "{pairs}", "--pairs-encoding", "no-such-codec"],
     ["unknown text encoding 'no-such-codec'"], []),
    (["train-w2v", "{glove}"], ["{glove}: not a text corpus", "it looks like an embedding file"], []),
    (["train-w2v", "{lee}", "--analogies", "{glove}"], ["not an analogy questions file"], []),
    (["train-mf", "{ml}", "--test-fraction", "0", "--split", "u1"],
     ["--test-fraction 0 trains on all ratings", "--split u1"], []),
]


@pytest.fixture(scope="module")
def paths(glove_path, ml100k_dir, gensim_test_data):
    return {"glove": str(glove_path), "ml": str(ml100k_dir), "questions": str(gensim_test_data / "questions-words.txt"),
            "pairs": str(gensim_test_data / "wordsim353.tsv"), "lee": str(gensim_test_data / "lee_background.cor")}


def _run(capsys, argv: list[str]) -> tuple[int, str, str]:
    status = cli.main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_each_command_says_what_it_expected(capsys, paths):
    for argv, present, absent in ERRORS:  # one test for the table: the suite's per-test teardown is costly
        argv = [a.format(**paths) for a in argv]
        status, out, err = _run(capsys, argv)
        assert status == cli.EXIT_BAD_INPUT and out == "", argv
        assert err.count("\n") == 1 and err.startswith("embexplorer: error: "), (argv, err)  # one line
        for phrase in present:
            assert phrase.format(**paths) in err, (argv, phrase, err)
        for phrase in absent:
            assert phrase not in err, (argv, phrase, err)


def test_labels_fall_back_to_ignoring_case_by_default(capsys, paths):
    for argv in (["neighbours", "{glove}", "King", "-k", "3"],  # exact match first, then ignoring case
                 ["analogy", "{glove}", "Man", "King", "Woman", "-k", "1"]):
        status, out, _ = _run(capsys, [a.format(**paths) for a in argv])
        assert status == 0 and "queen" in out, argv


def test_every_label_command_states_the_one_case_rule(capsys):
    for command in ("neighbours", "analogy", "evaluate", "similarity"):
        with pytest.raises(SystemExit):
            cli.main([command, "--help"])
        text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
        assert "--case-sensitive" in text and CASE_RULE in text, command


def test_info_prints_norms_and_names_the_labels_file(capsys, tmp_path, glove_path):
    status, out, _ = _run(capsys, ["info", str(glove_path), "--no-cache"])
    assert status == 0 and re.search(r"norms:\s+min [\d.]+, mean [\d.]+, max [\d.]+", out)
    X = np.arange(12, dtype=np.float32).reshape(4, 3) + 1
    np.savetxt(tmp_path / "vectors.tsv", X, delimiter="\t")
    (tmp_path / "metadata.tsv").write_text("a\nb\nc\nd\n")
    status, out, _ = _run(capsys, ["info", str(tmp_path / "vectors.tsv"), "--no-cache"])
    assert status == 0 and f"labels file:        {tmp_path / 'metadata.tsv'}" in out


def test_train_w2v_warns_on_a_small_corpus_and_its_vec_is_word2vec(capsys, tmp_path, gensim_test_data):
    out_vec = tmp_path / "lee.vec"
    # gensim's Lee corpus (60,000 words), default settings: neighbours at cosine ~0.9997.
    status, out, err = _run(capsys, ["train-w2v", str(gensim_test_data / "lee_background.cor"), "--workers", "1",
                                     "--out", str(out_vec)])
    assert status == 0
    assert f"needs at least {MIN_CORPUS_WORDS:,} for meaningful vectors" in err
    assert "undertrained: random pairs of words have a mean cosine" in err
    status, out, _ = _run(capsys, ["info", str(out_vec), "--json", "--no-cache"])
    assert status == 0 and '"format": "word2vec"' in out  # not "fasttext": train-w2v wrote it


def test_w2v_panel_shows_the_small_corpus_warning(qtbot, gensim_test_data):
    from embexplorer._qt.features.word2vec.panel import W2VTrainingPanel

    panel = W2VTrainingPanel()
    qtbot.addWidget(panel)
    panel.set_corpus(gensim_test_data / "lee_background.cor")
    panel.vector_size.setValue(10)
    panel.epochs.setValue(1)
    panel.workers.setValue(1)
    with qtbot.waitSignal(panel.training_finished, timeout=60_000):
        assert panel.start()
    assert not panel.warning.isHidden()
    assert f"needs at least {MIN_CORPUS_WORDS:,}" in panel.warning.text()
    panel.shutdown()
