"""The neighbours / analogy / evaluate / similarity commands, end to end on the real GloVe file."""

from __future__ import annotations

import json

import numpy as np
import pytest

from embexplorer.cli import main

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning")


@pytest.fixture(scope="module")
def kv(glove_path):
    from gensim.models import KeyedVectors

    return KeyedVectors.load_word2vec_format(str(glove_path), no_header=True)


@pytest.fixture(scope="module")
def formats():
    return pytest.importorskip("embexplorer.core.data.formats")


def run_json(capsys, *argv):
    assert main([*map(str, argv), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_loader_gives_gensims_vectors(formats, glove_path, kv):
    # the "identical to gensim" claims below rely on the loader reading the same float32 values
    emb = formats.load(glove_path)
    assert emb.labels == kv.index_to_key
    assert np.array_equal(emb.vectors, kv.vectors)


def test_neighbours_json_identical_to_gensim(formats, capsys, glove_path, kv):
    out = run_json(capsys, "neighbours", glove_path, "king", "-k", 12)
    assert [(n["label"], n["score"]) for n in out["neighbours"]] == kv.most_similar("king", topn=12)
    assert [n["rank"] for n in out["neighbours"]] == list(range(1, 13))
    out = run_json(capsys, "neighbours", glove_path, "france", "--restrict", 500)
    assert [n["label"] for n in out["neighbours"]] == \
        [w for w, _ in kv.most_similar("france", topn=10, restrict_vocab=500)]
    out = run_json(capsys, "neighbours", glove_path, "France", "-i", "--metric", "euclidean", "-k", 3)
    d = np.linalg.norm(kv.vectors - kv["france"], axis=1)
    assert [n["label"] for n in out["neighbours"]] == [kv.index_to_key[i] for i in np.argsort(d)[1:4]]


def test_neighbours_text_and_errors(formats, capsys, glove_path):
    assert main(["neighbours", str(glove_path), "paris", "-k", "3"]) == 0
    text = capsys.readouterr().out
    assert "rank" in text and "cosine" in text and len(text.strip().splitlines()) == 5
    assert main(["neighbours", str(glove_path), "zzznotaword"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"embexplorer: error: {glove_path}: label 'zzznotaword' is not in the embeddings"]
    with pytest.raises(SystemExit) as info:
        main(["neighbours", str(glove_path), "paris", "-k", "0"])
    assert info.value.code == 2


def test_analogy_command(formats, capsys, glove_path, kv):
    out = run_json(capsys, "analogy", glove_path, "man", "king", "woman")
    assert out["answers"][0]["label"] == "queen"
    assert out["with_inputs"][0]["label"] == "king"
    assert [(n["label"], n["score"]) for n in out["answers"]] == \
        kv.most_similar(["king", "woman"], ["man"], topn=5)
    out = run_json(capsys, "analogy", glove_path, "france", "paris", "germany",
                   "--method", "3cosmul", "-k", 4)
    assert [(n["label"], n["score"]) for n in out["answers"]] == \
        kv.most_similar_cosmul(["paris", "germany"], ["france"], topn=4)
    out = run_json(capsys, "analogy", glove_path, "man", "king", "woman", "--keep-inputs")
    assert out["answers"][0]["label"] == "king"
    out = run_json(capsys, "analogy", glove_path, "-e", "0.5*paris + 0.5*berlin", "-k", 3)
    assert [t["label"] for t in out["terms"]] == ["paris", "berlin"]
    assert [n["label"] for n in out["answers"]] == \
        [w for w, _ in kv.most_similar([("paris", 0.5), ("berlin", 0.5)], topn=3)]
    assert main(["analogy", str(glove_path), "man", "king", "woman"]) == 0
    text = capsys.readouterr().out
    assert "queen" in text and "without excluding the inputs: king" in text
    assert main(["analogy", str(glove_path), "-e", "king - - (man"]) == 2
    assert "column" in capsys.readouterr().err
    assert main(["analogy", str(glove_path), "man", "king"]) == 2
    assert "expected three labels" in capsys.readouterr().err
    assert main(["analogy", str(glove_path), "man", "kingzzz", "woman"]) == 2
    assert f"{glove_path}: label 'kingzzz'" in capsys.readouterr().err


def test_evaluate_command(formats, capsys, glove_path, gensim_test_data, kv):
    questions = gensim_test_data / "questions-words.txt"
    out = run_json(capsys, "evaluate", glove_path, questions)
    score, sections = kv.evaluate_word_analogies(str(questions))
    assert out["accuracy"] == score and round(out["accuracy"], 4) == 0.6460
    assert out["evaluated"] == 3006 and out["skipped_oov"] == out["questions"] - 3006
    assert [(s["name"], s["correct"]) for s in out["sections"]] == \
        [(s["section"], len(s["correct"])) for s in sections[:-1]]
    argv = ["evaluate", str(glove_path), str(questions), "--method", "3cosmul", "--restrict", "2000"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "capital-common-countries" in text and "total" in text and "skipped" in text


def test_evaluate_bad_file_is_one_line(formats, capsys, glove_path, tmp_path):
    bad = tmp_path / "q.txt"
    bad.write_text(": s\na b c d\na b c\n", encoding="utf-8")
    assert main(["evaluate", str(glove_path), str(bad)]) == 2
    assert capsys.readouterr().err.strip() == f"embexplorer: error: {bad}:3: expected 4 words " \
        "(a b c expected), found 3"


@pytest.mark.parametrize("name", ["wordsim353.tsv", "simlex999.txt"])
def test_similarity_command(formats, capsys, glove_path, gensim_test_data, kv, name):
    pearson, spearman, oov = kv.evaluate_word_pairs(str(gensim_test_data / name))
    out = run_json(capsys, "similarity", glove_path, gensim_test_data / name)
    assert (out["pearson"], out["spearman"], out["oov_ratio"]) == (pearson[0], spearman[0], oov)
    assert main(["similarity", str(glove_path), str(gensim_test_data / name)]) == 0
    assert "Spearman" in capsys.readouterr().out
