"""``embexplorer train-mf``, ``recommend`` and ``download`` run as real subprocesses."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import subprocess
import sys
import threading
import zipfile
from functools import partial
from pathlib import Path

import pytest

from tests.conftest import QuietHTTPServer

ROOT = Path(__file__).resolve().parents[1]
#: Generous limit for one CLI call on a busy 2-core machine.
CLI_TIMEOUT_S = 120


def _run(*args, env_extra=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "embexplorer", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=CLI_TIMEOUT_S)


@pytest.fixture(scope="module")
def model_path(ml100k_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "model.npz"
    proc = _run("train-mf", ml100k_dir, "--split", "u2", "--epochs", "2", "--factors", "16",
                "--seed", "3", "--out", out, "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["split"] == "u2" and report["n_train"] + report["n_test"] == 100_000
    assert [e["epoch"] for e in report["epochs"]] == [1, 2]
    assert report["config"]["n_factors"] == 16 and report["config"]["seed"] == 3
    assert report["valid_rmse"] == pytest.approx(report["epochs"][-1]["valid_rmse"])
    assert out.is_file()
    return out


def test_train_prints_epochs(ml100k_dir):
    proc = _run("train-mf", ml100k_dir, "--epochs", "2", "--factors", "8", "--no-bias", "--no-sigmoid")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "split u1" in lines[0]  # the official split by default for ml-100k
    assert "biases off" in lines[1] and "y_range None" in lines[1]
    epochs = [ln for ln in lines if ln.startswith("epoch ")]
    assert len(epochs) == 2 and "valid MSE" in epochs[0] and "RMSE" in epochs[0]


def test_train_random_split_and_bad_input(ml100k_dir, tmp_path):
    proc = _run("train-mf", ml100k_dir, "--split", "random", "--test-fraction", "0.1", "--epochs", "1",
                "--factors", "4", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["n_test"] == 10_000
    proc = _run("train-mf", tmp_path, "--epochs", "1")
    assert proc.returncode == 2 and proc.stderr.startswith("embexplorer: error:")
    assert "Traceback" not in proc.stderr
    proc = _run("train-mf", ml100k_dir, "--factors", "0")
    assert proc.returncode == 2 and "n_factors" in proc.stderr


def test_recommend_excludes_seen_and_explains(model_path, ml100k_dir):
    proc = _run("recommend", model_path, "--user", "1", "-n", "7", "--json", "--explain")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    recs = out["recommendations"]
    assert len(recs) == 7 and all(r["rated"] is None for r in recs)
    scores = [r["score"] for r in recs]
    assert scores == sorted(scores, reverse=True)
    for r in recs:
        e = r["explanation"]
        assert e["baseline"] + sum(e["rating_terms"].values()) == pytest.approx(r["score"], abs=1e-4)
    assert out["user_info"]["occupation"] == "technician"  # u.user line 1
    # the training ratings of user 1 (u2.base) are never recommended
    rated = {line.split("\t")[1] for line in (ml100k_dir / "u2.base").read_text().splitlines()
             if line.split("\t")[0] == "1"}
    assert not rated & {r["item_id"] for r in recs}
    proc = _run("recommend", model_path, "--user", "1", "-n", "30", "--include-seen", "--json")
    recs_all = json.loads(proc.stdout)["recommendations"]
    assert any(r["rated"] is not None for r in recs_all)


def test_recommend_text_and_errors(model_path, tmp_path):
    proc = _run("recommend", model_path, "--user", "42", "-n", "3", "--explain")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("user 42") and lines[1].lstrip().startswith("1.")
    assert "(movie bias)" in lines[2]
    proc = _run("recommend", model_path, "--user", "no-such-user")
    assert proc.returncode == 2 and "no user 'no-such-user'" in proc.stderr
    bogus = tmp_path / "bogus.npz"
    bogus.write_bytes(b"nope")
    proc = _run("recommend", bogus, "--user", "1")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1


def test_download_from_local_mirror(ml100k_dir, tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    # ml-latest-small has no fixed hash, so any zip served under its name is accepted and recorded
    with zipfile.ZipFile(root / "ml-latest-small.zip", "w") as z:
        z.write(ml100k_dir / "u.genre", "ml-latest-small/u.genre")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None
    server = QuietHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        dest = tmp_path / "data"
        proc = _run("download", "movielens-latest-small", "--dir", dest, "--json",
                    env_extra={"EMBEXPLORER_MOVIELENS_URL": url})
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout)
        expected = hashlib.sha256((root / "ml-latest-small.zip").read_bytes()).hexdigest()
        assert out["sha256"] == expected and not out["verified"] and not out["from_cache"]
        assert Path(out["path"]) == dest / "ml-latest-small.zip"
        proc = _run("download", "movielens-latest-small", "--dir", dest)
        assert proc.returncode == 0 and "already downloaded" in proc.stdout and expected in proc.stdout
        # ml-100k has a fixed hash: the mirror does not have it -> clean error, nothing written
        proc = _run("download", "movielens-100k", "--dir", dest, "--base-url", url)
        assert proc.returncode == 2 and "404" in proc.stderr
        assert not (dest / "ml-100k.zip").exists()
    finally:
        server.shutdown()
        server.server_close()


def test_train_on_a_generic_ratings_table_guessed_or_mapped(ml100k_dir, tmp_path):
    # ml-100k's ratings rewritten as a ';' table with the columns in another order and a header.
    rows = [line.split("\t") for line in (ml100k_dir / "u.data").read_text().splitlines()[:20_000]]
    table = tmp_path / "scores.csv"
    table.write_text("stars;when;person;film\n" + "".join(f"{r};{t};{u};{i}\n" for u, i, r, t in rows))
    proc = _run("train-mf", table, "--epochs", "1", "--factors", "4", "--json")
    assert proc.returncode == 0, proc.stderr
    assert "choose others with --columns" in proc.stderr and "rating = column 1" in proc.stderr
    out = json.loads(proc.stdout)
    assert out["n_ratings"] == 20_000 and out["n_users"] == len({r[0] for r in rows})
    assert out["n_items"] == len({r[1] for r in rows})
    mapped = _run("train-mf", table, "--epochs", "1", "--factors", "4", "--json",
                  "--columns", "user=person,item=film,rating=1,delimiter=semicolon,header=yes")
    assert mapped.returncode == 0, mapped.stderr
    assert json.loads(mapped.stdout)["n_users"] == out["n_users"]
    bad = _run("train-mf", table, "--columns", "user=person,item=person,rating=1")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
