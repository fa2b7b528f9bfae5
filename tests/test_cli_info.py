"""``embexplorer info``: run as a user would, in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args, cache_dir):
    env = dict(os.environ, EMBEXPLORER_CACHE_DIR=str(cache_dir))
    return subprocess.run([sys.executable, "-m", "embexplorer", "info", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_info_json_then_cached(glove_path, tmp_path):
    first = _run("--json", glove_path, cache_dir=tmp_path / "c")
    assert first.returncode == 0, first.stderr
    info = json.loads(first.stdout)
    assert info["format"] == "glove"
    assert (info["rows"], info["dims"], info["duplicates_dropped"]) == (5050, 50, 0)
    assert info["cached"] is False and info["seconds"] > 0
    second = json.loads(_run("--json", glove_path, cache_dir=tmp_path / "c").stdout)
    assert second["cached"] is True
    third = _run("--json", "--no-cache", "--limit", 7, glove_path, cache_dir=tmp_path / "c")
    third = json.loads(third.stdout)
    assert (third["rows"], third["cached"]) == (7, False)


def test_info_text_output(glove_path, tmp_path):
    out = _run(glove_path, cache_dir=tmp_path / "c")
    assert out.returncode == 0
    assert "format:             glove" in out.stdout
    assert "rows:               5,050" in out.stdout


def test_info_bad_file_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("2 3\na 1 2 3\nb 1 oops 3\n")
    out = _run(bad, cache_dir=tmp_path / "c")
    assert out.returncode == 2
    assert out.stderr.strip() == f"embexplorer: error: {bad}:3: non-numeric value 'oops' in column 3"
    assert "Traceback" not in out.stderr and out.stdout == ""


def test_info_refuses_pickle_without_flag(tmp_path):
    import numpy as np
    from gensim.models import KeyedVectors

    kv = KeyedVectors(3)
    kv.add_vectors(["a", "b"], np.eye(2, 3, dtype=np.float32))
    kv.save(str(tmp_path / "m.kv"))
    out = _run(tmp_path / "m.kv", cache_dir=tmp_path / "c")
    assert out.returncode == 2 and "pickle" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    ok = _run("--json", "--allow-pickle", tmp_path / "m.kv", cache_dir=tmp_path / "c")
    assert ok.returncode == 0 and json.loads(ok.stdout)["format"] == "gensim"
