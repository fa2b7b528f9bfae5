"""Safety: no pickle runs unasked, numpy never unpickles, downloads are verified, writes are atomic,
bad input gives the CLI's exit 2 and one line.

The pickle tests use a payload that creates a marker file when unpickled; each first proves the
payload really does so (else the test could not fail), then that opening the file does not.
"""

from __future__ import annotations

import ast
import io
import os
import pickle
import ssl
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from embexplorer.core.data import cache, download, formats
from embexplorer.core.errors import DataError

#: Root of the package whose source is scanned.
PACKAGE_DIR = Path(formats.__file__).resolve().parents[1]
#: Seconds a CLI subprocess may take.
CLI_TIMEOUT_S = 120


class _Payload:
    """Unpickling this calls ``open(marker, "w")``: the marker file appears."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _assert_payload_works(data: bytes, marker: Path, loader=pickle.loads) -> None:
    """The crafted bytes do run code when unpickled (so the real tests can fail)."""
    fh = loader(data)
    fh.close()
    assert marker.exists()
    marker.unlink()


def _pickled_npy(marker: Path) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.array([_Payload(marker)], dtype=object), allow_pickle=True)
    return buf.getvalue()


# -- pickles are refused by default ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["model.kv", "w2v.model", "vectors.pkl", "data.pickle"])
def test_crafted_pickle_executes_nothing(tmp_path, name):
    marker = tmp_path / "PWNED"
    data = pickle.dumps(_Payload(marker), protocol=4)
    _assert_payload_works(data, marker)
    path = tmp_path / name
    path.write_bytes(data)
    assert formats.detect_format(path) == "gensim"
    with pytest.raises(DataError) as info:
        formats.load(path)
    assert not marker.exists()
    reason = info.value.reason
    assert "pickle" in reason and "run arbitrary code" in reason and "--allow-pickle" in reason
    assert getattr(info.value, "needs_consent", False)
    assert info.value.path == str(path)


@pytest.mark.parametrize("fmt", [None, "npy"])
def test_object_npy_executes_nothing(tmp_path, fmt):
    marker = tmp_path / "PWNED"
    data = _pickled_npy(marker)
    _assert_payload_works(data, marker, lambda b: np.load(io.BytesIO(b), allow_pickle=True)[0])
    path = tmp_path / "evil.npy"
    path.write_bytes(data)
    with pytest.raises(DataError) as info:
        formats.load(path, format=fmt)
    assert not marker.exists()
    assert "pickle" in info.value.reason and "run arbitrary code" in info.value.reason


def test_object_array_in_npz_executes_nothing(tmp_path):
    marker = tmp_path / "PWNED"
    path = tmp_path / "evil.npz"
    np.savez(path, vectors=np.ones((1, 2), dtype=np.float32),
             labels=np.array([_Payload(marker)], dtype=object))
    with pytest.raises(DataError) as info:
        formats.load(path)
    assert not marker.exists()
    assert "pickle" in info.value.reason


def test_pickled_cache_entry_is_not_trusted(tmp_path, monkeypatch):
    """A cache entry whose vectors.npy was swapped for a same-size pickle is rebuilt, never unpickled."""
    monkeypatch.setenv("EMBEXPLORER_CACHE_DIR", str(tmp_path / "cache"))
    src = tmp_path / "v.txt"
    src.write_text("40 4\n" + "".join(f"w{i} {i} 1 2 3\n" for i in range(40)), encoding="utf-8")
    good = formats.load(src)
    (entry,) = [p for p in (tmp_path / "cache" / cache.CACHE_SUBDIR).iterdir()]
    marker = tmp_path / "PWNED"
    evil = _pickled_npy(marker)
    size = (entry / "vectors.npy").stat().st_size
    assert len(evil) <= size
    (entry / "vectors.npy").write_bytes(evil + b"\0" * (size - len(evil)))  # same size: passes that check
    again = formats.load(src)
    assert not marker.exists()
    assert again.from_cache is False
    assert again.labels == good.labels and np.array_equal(again.vectors, good.vectors)


def test_cli_refuses_pickle_with_one_line(tmp_path):
    marker = tmp_path / "PWNED"
    path = tmp_path / "model.kv"
    path.write_bytes(pickle.dumps(_Payload(marker)))
    proc = _cli("info", str(path))
    assert proc.returncode == 2
    assert not marker.exists()
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "pickle" in lines[0] and "--allow-pickle" in lines[0]


# -- static checks over the source tree ------------------------------------------------------------------

def _sources() -> list[tuple[Path, ast.Module, str]]:
    out = []
    for p in sorted(PACKAGE_DIR.rglob("*.py")):
        text = p.read_text(encoding="utf-8")
        out.append((p, ast.parse(text, filename=str(p)), text))
    return out


def _call_name(node: ast.Call) -> str:
    """Dotted name of the called function: ``np.load``, ``pickle.loads``, ``open``."""
    parts = []
    f = node.func
    while isinstance(f, ast.Attribute):
        parts.append(f.attr)
        f = f.value
    if isinstance(f, ast.Name):
        parts.append(f.id)
    return ".".join(reversed(parts))


def test_numpy_load_always_refuses_pickles():
    calls = []
    for path, tree, _text in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _call_name(node) in ("np.load", "numpy.load"):
                kw = {k.arg: k.value for k in node.keywords}
                ok = isinstance(kw.get("allow_pickle"), ast.Constant) and kw["allow_pickle"].value is False
                calls.append((f"{path.relative_to(PACKAGE_DIR)}:{node.lineno}", ok))
    assert len(calls) >= 3, calls  # the loaders, the cache and the MF model at least
    assert all(ok for _, ok in calls), [where for where, ok in calls if not ok]


#: Calls that unpickle (or run code from) a file.
UNPICKLERS = ("pickle.load", "pickle.loads", "joblib.load", "torch.load", "dill.load", "marshal.loads",
              "pickle.Unpickler", "shelve.open")


#: Modules that unpickle what a child process the app itself spawned sends over a private pipe (the
#: layout process's exception; multiprocessing pickles everything it sends anyway): never a file's bytes.
PRIVATE_PIPE_MODULES = {"fit_process.py"}


def test_no_unpickling_outside_the_consented_gensim_path():
    """pickle/joblib/torch loads appear nowhere; gensim's SaveLoad.load only behind allow_pickle."""
    bad = []
    for path, tree, _text in _sources():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _call_name(node)
            if name == "pickle.loads" and path.name in PRIVATE_PIPE_MODULES:
                continue
            if name in UNPICKLERS:
                bad.append(f"{path.name}:{node.lineno}: {name}")
            if name.endswith(".load") and name.split(".")[0] in ("SaveLoad", "KeyedVectors", "Word2Vec"):
                if path.name != "formats.py":
                    bad.append(f"{path.name}:{node.lineno}: {name} (gensim pickle outside formats.py)")
    assert not bad, bad
    # ...and the one in formats.py is reached only after the consent check.
    src = Path(formats.__file__).read_text(encoding="utf-8")
    body = src[src.index("def _load_gensim"):]
    assert body.index("if not allow_pickle:") < body.index("SaveLoad.load(")


#: Calls that write a file; allowed only inside ``with atomic_write(...)`` (or a helper built on it).
WRITE_CALLS = {"np.save", "numpy.save", "np.savez", "np.savez_compressed", "np.savetxt", "json.dump",
               "pickle.dump"}
WRITE_METHODS = {"write_text", "write_bytes", "tofile", "save_word2vec_format"}
#: Context managers that write atomically (temporary file in the same folder, then rename).
ATOMIC_CONTEXTS = {"atomic_write", "_atomic_text"}
#: (file, call) written without atomic_write on purpose, each with the reason.
ALLOWED_NON_ATOMIC = {
    # download_file IS the temp-file-then-rename pattern: it streams into a mkstemp file beside the
    # target, verifies size and hash, then os.replace()s it (atomic_write cannot verify before renaming).
    ("download.py", "os.fdopen"),
}


def _is_atomic_with(node: ast.With) -> bool:
    return any(isinstance(item.context_expr, ast.Call) and _call_name(item.context_expr).split(".")[-1]
               in ATOMIC_CONTEXTS for item in node.items)


def _write_mode(node: ast.Call) -> str | None:
    mode = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "mode"),
                                                        None)
    if isinstance(mode, ast.Constant) and isinstance(mode.value, str) and set(mode.value) & set("wax+"):
        return mode.value
    return None


#: Functions that open a file (a write mode makes them a write).
OPENERS = ("open", "fdopen", "GzipFile", "BZ2File", "ZipFile")


def _writes_outside_atomic(node: ast.AST, path: Path, inside_atomic: bool, found: list[str]) -> None:
    if isinstance(node, ast.With) and _is_atomic_with(node):
        inside_atomic = True
    if isinstance(node, ast.Call):
        name = _call_name(node)
        short = name.split(".")[-1]
        writes = name in WRITE_CALLS or short in WRITE_METHODS or (short in OPENERS and _write_mode(node))
        to_console = any(isinstance(a, ast.Attribute) and a.attr in ("stdout", "stderr") for a in node.args)
        if writes and not inside_atomic and not to_console and (path.name, name) not in ALLOWED_NON_ATOMIC:
            found.append(f"{path.relative_to(PACKAGE_DIR)}:{node.lineno}: {name}")
    for child in ast.iter_child_nodes(node):
        _writes_outside_atomic(child, path, inside_atomic, found)


def _non_atomic_writes() -> list[str]:
    found: list[str] = []
    for path, tree, _text in _sources():
        if path.name != "atomic.py":
            _writes_outside_atomic(tree, path, False, found)
    return found


def test_everything_written_goes_through_atomic_write():
    assert _non_atomic_writes() == []


def test_atomic_scan_detects_a_plain_write(tmp_path, monkeypatch):
    """The scanner is not vacuous: a module with a plain ``open(p, "w")`` is reported."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "a.py").write_text("def f(p):\n    with open(p, 'w') as fh:\n        fh.write('x')\n"
                              "def g(p):\n    from pathlib import Path\n    Path(p).write_text('x')\n"
                              "def h(p):\n    with atomic_write(p) as fh:\n        np.save(fh, 1)\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE_DIR", pkg)
    assert [w.split(": ")[0] for w in _non_atomic_writes()] == ["a.py:2", "a.py:6"]


# -- downloads -------------------------------------------------------------------------------------------

def test_download_urls_are_https():
    urls = [spec.url() for spec in download.DATASETS.values()]
    consts = [v for k, v in vars(download).items() if k.endswith("_URL") and isinstance(v, str)]
    assert urls and consts
    assert all(u.startswith("https://") for u in urls + consts), urls + consts


def test_https_download_checks_certificates(tmp_path, monkeypatch):
    seen = {}

    def fake_urlopen(request, timeout=None, context=None):
        seen["context"] = context
        raise OSError("offline in tests")

    monkeypatch.setattr(download.urllib.request, "urlopen", fake_urlopen)
    with pytest.raises(DataError):
        download.download_file("https://example.org/x.zip", tmp_path / "x.zip")
    ctx = seen["context"]
    assert isinstance(ctx, ssl.SSLContext)
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind


@pytest.mark.parametrize("wrong", ["size", "sha256"])
def test_download_verified_into_temp_then_renamed(tmp_path, wrong):
    import hashlib

    payload = b"0123456789" * 1000
    src = tmp_path / "served.bin"
    src.write_bytes(payload)
    dest = tmp_path / "out" / "file.bin"
    dest.parent.mkdir()
    dest.write_bytes(b"the good old copy")
    size, digest = len(payload), hashlib.sha256(payload).hexdigest()
    if wrong == "size":
        size += 1
    else:
        digest = "0" * 64
    with pytest.raises(DataError) as info:
        download.download_file(src.as_uri(), dest, size=size, sha256=digest)
    assert (f"{size:,}" in info.value.reason) if wrong == "size" else ("checksum" in info.value.reason)
    assert dest.read_bytes() == b"the good old copy"  # the good copy was never touched
    assert sorted(p.name for p in dest.parent.iterdir()) == ["file.bin"]  # no .part left
    right = hashlib.sha256(payload).hexdigest()
    got = download.download_file(src.as_uri(), dest, size=len(payload), sha256=right)
    assert got == (right, len(payload))
    assert dest.read_bytes() == payload


# -- the CLI: bad input is exit 2 and one line ------------------------------------------------------------

def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "embexplorer", *args], capture_output=True, text=True,
                          timeout=CLI_TIMEOUT_S, env=env, cwd=cwd or PACKAGE_DIR.parent)


#: file name -> content of bad inputs (None: a directory).
BAD_FILES = {
    "ragged.txt": b"3 4\na 1 2 3 4\nb 1 2 3\nc 1 2 3 4\n",
    "garbage.bin": bytes(range(256)) * 8,
    "truncated.txt.gz": b"\x1f\x8b\x08\x00" + b"\x00" * 10,
    "nul.txt": b"a 1 2\nb\x00 3 4\n",
    "empty.txt": b"",
    "folder": None,
}
#: A good embedding file for commands whose second input is the bad one.
GOOD_EMB = b"4 2\nking 1 0\nqueen 0.9 0.1\nman 0.5 0.5\nwoman 0.4 0.6\n"
BAD_QUESTIONS = {"q_no_header.txt": b"a b c d\n", "q_three.txt": b": s\na b c\n",
                 "q_latin1.txt": b": s\n\xe9 b c d\n"}
BAD_RATINGS = {"u.data": b"1\t2\t5\t881250949\n1\tx\t3\t881250949\n", "ratings.csv": b"userId,movieId\n1,2\n",
               "r.txt": b"a,b,c\n", "empty.csv": b""}


def _make(tmp_path: Path, name: str, content: bytes | None) -> Path:
    p = tmp_path / "bad" / name
    p.parent.mkdir(exist_ok=True)
    if content is None:
        p.mkdir()
    else:
        p.write_bytes(content)
    return p


CLI_CASES = ([("info", n) for n in BAD_FILES]
             + [("neighbours", n) for n in ("ragged.txt", "garbage.bin", "folder")]
             + [("evaluate", n) for n in BAD_QUESTIONS] + [("evaluate-emb", "nul.txt")]
             + [("train-mf", n) for n in BAD_RATINGS])


@pytest.mark.parametrize("command,name", CLI_CASES, ids=[f"{c}-{n}" for c, n in CLI_CASES])
def test_cli_bad_input_exit_2_one_line(tmp_path, command, name):
    if command == "evaluate":
        bad = _make(tmp_path, name, BAD_QUESTIONS[name])
        good = tmp_path / "emb.txt"
        good.write_bytes(GOOD_EMB)
        args = ["evaluate", str(good), str(bad)]
    elif command == "evaluate-emb":
        bad = _make(tmp_path, name, BAD_FILES[name])
        q = tmp_path / "q.txt"
        q.write_text(": s\nking queen man woman\n", encoding="utf-8")
        args = ["evaluate", str(bad), str(q)]
    elif command == "train-mf":
        bad = _make(tmp_path, name, BAD_RATINGS[name])
        args = ["train-mf", str(bad), "--epochs", "1"]
    else:
        bad = _make(tmp_path, name, BAD_FILES[name])
        args = [command, str(bad)] + (["king"] if command == "neighbours" else [])
    proc = _cli(*args)
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("embexplorer: error: ") and "Traceback" not in proc.stderr
    assert bad.name in lines[0]


def test_cli_train_w2v_truncated_corpus(tmp_path):
    from tests.test_fuzz_parsers import truncated_gz_corpus

    path = truncated_gz_corpus(tmp_path / "corpus.txt.gz")
    proc = _cli("train-w2v", str(path), "--epochs", "1")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr[-500:]


def test_atomic_write_gives_ordinary_permissions(tmp_path):
    import os
    import stat

    from embexplorer.core.atomic import atomic_write

    umask = os.umask(0o022)
    os.umask(umask)
    new = tmp_path / "new.txt"
    with atomic_write(new, "w", encoding="utf-8") as fh:
        fh.write("x")
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~umask  # not mkstemp's private 0600
    old = tmp_path / "old.txt"
    old.write_text("before")
    old.chmod(0o640)
    with atomic_write(old, "w", encoding="utf-8") as fh:
        fh.write("after")
    assert stat.S_IMODE(old.stat().st_mode) == 0o640 and old.read_text() == "after"
