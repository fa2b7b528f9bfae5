"""gensim-data downloads against a local HTTP server: good file, wrong checksum, cancel, retry."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import re
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from embexplorer.core.data import gensim_data
from embexplorer.core.data.gensim_data import GensimModel
from embexplorer.core.errors import DataError
from embexplorer.core.progress import Cancelled, TaskControl
from tests.conftest import QuietHTTPServer

N_WORDS, DIMS = 400, 20
#: Segment size for resume tests (the real one is megabytes).
SMALL_SEGMENT = 8192
#: Bytes per write of a slow response.
SLOW_CHUNK = 8192


def _w2v_gz(seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    vecs = rng.normal(size=(N_WORDS, DIMS)).astype(np.float32)
    lines = [f"{N_WORDS} {DIMS}"] + [f"w{i} " + " ".join(f"{x:.6f}" for x in v) for i, v in enumerate(vecs)]
    return gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=1, mtime=0)


class _Server:
    """http.server on 127.0.0.1 serving ``files`` (url path -> bytes); ``truncate_next`` cuts a response."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.truncate_next = 0      # responses still to cut off half-way
        self.slow = 0.0             # seconds to wait between SLOW_CHUNK-byte writes (0: all at once)
        self.requests: list[str] = []
        self.ranges: list[str | None] = []   # the Range header of each request
        self.serve_ranges = True             # False: ignore Range (answer 200 with everything)
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 -- http.server's naming
                outer.requests.append(self.path)
                rng = self.headers.get("Range")
                outer.ranges.append(rng)
                data = outer.files.get(self.path)
                if data is None:
                    self.send_error(404)
                    return
                m = re.fullmatch(r"bytes=(\d+)-(\d+)", rng or "")
                if m and outer.serve_ranges:
                    lo, hi = int(m.group(1)), min(int(m.group(2)), len(data) - 1)
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {lo}-{hi}/{len(data)}")
                    data = data[lo:hi + 1]
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if outer.truncate_next:
                    outer.truncate_next -= 1
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                if not outer.slow:
                    self.wfile.write(data)
                    return
                for i in range(0, len(data), SLOW_CHUNK):
                    try:
                        self.wfile.write(data[i:i + SLOW_CHUNK])
                        self.wfile.flush()
                    except OSError:  # the client gave up (cancel)
                        return
                    time.sleep(outer.slow)

            def log_message(self, *args):
                pass

        self.httpd = QuietHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/mirror/"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = _Server()
    yield s
    s.close()


def _spec(data: bytes, name: str = "test-vectors-20", md5: str | None = "auto") -> GensimModel:
    return GensimModel(name, "test vectors", len(data),
                       hashlib.md5(data).hexdigest() if md5 == "auto" else md5, dims=DIMS, vocab=N_WORDS)


def _publish(server: _Server, spec: GensimModel, data: bytes) -> None:
    server.files[f"/mirror/{spec.name}/{spec.filename}"] = data


def _leftovers(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if ".part" in p.name)


def test_catalogue_matches_gensims_layout_and_url():
    spec = gensim_data.MODELS["glove-wiki-gigaword-50"]
    assert spec.url(None) == ("https://github.com/RaRe-Technologies/gensim-data/releases/download/"
                              "glove-wiki-gigaword-50/glove-wiki-gigaword-50.gz")
    for name in gensim_data.RECOMMENDED:
        m = gensim_data.MODELS[name]
        assert m.size and m.md5 and len(m.md5) == 32
    import gensim.downloader as api

    assert spec.url(None).startswith(api.DOWNLOAD_BASE_URL)
    # gensim's data folder follows GENSIM_DATA_DIR (set by the test fixture)
    assert gensim_data.data_dir() == Path(api.BASE_DIR)


def test_good_download_is_shared_with_gensim_and_loads(server, tmp_path, monkeypatch):
    data = _w2v_gz()
    spec = _spec(data)
    _publish(server, spec, data)
    monkeypatch.setenv(gensim_data.GENSIM_DATA_URL_ENV, server.base)
    seen = []
    got = gensim_data.download(spec, tmp_path, control=TaskControl(lambda f, m: seen.append(f), 0.0))
    assert got.path == tmp_path / spec.name / f"{spec.name}.gz" and not got.from_cache and got.verified
    assert got.path.read_bytes() == data
    assert seen and seen[-1] == pytest.approx(1.0)
    assert gensim_data.is_downloaded(spec, tmp_path)
    assert gensim_data.local_path(spec, tmp_path) == got.path
    # cached now: no second request
    n = len(server.requests)
    again = gensim_data.download(spec, tmp_path)
    assert again.from_cache and len(server.requests) == n
    emb = gensim_data.load(spec, tmp_path)
    assert emb.n == N_WORDS and emb.dims == DIMS and emb.labels[:2] == ["w0", "w1"]
    # gensim's own loader reads the same folder
    from gensim.models import KeyedVectors

    kv = KeyedVectors.load_word2vec_format(got.path)
    np.testing.assert_allclose(kv["w3"], emb.vectors[3], atol=1e-6)
    assert (got.path.parent / "__init__.py").is_file()
    assert _leftovers(tmp_path) == []


def test_wrong_checksum_is_rejected_and_good_copy_kept(server, tmp_path):
    good = _w2v_gz(0)
    spec = _spec(good)
    _publish(server, spec, good)
    gensim_data.download(spec, tmp_path, base_url=server.base)
    # the mirror now serves different bytes of the same size
    bad = bytearray(good)
    bad[len(bad) // 2] ^= 0xFF
    _publish(server, spec, bytes(bad))
    with pytest.raises(DataError, match="checksum mismatch"):
        gensim_data.download(spec, tmp_path, base_url=server.base, force=True)
    assert gensim_data.model_path(spec, tmp_path).read_bytes() == good
    assert gensim_data.local_path(spec, tmp_path) is not None
    # a first download of a wrong file leaves no folder for gensim to mistake for a model
    other = _spec(good, name="other-vectors")
    _publish(server, other, bytes(bad))
    with pytest.raises(DataError, match="checksum mismatch"):
        gensim_data.download(other, tmp_path, base_url=server.base)
    assert not (tmp_path / other.name).exists()
    assert _leftovers(tmp_path) == [] and not list(tmp_path.glob(".*part"))


def test_damaged_local_copy_is_not_used(server, tmp_path):
    good = _w2v_gz(0)
    spec = _spec(good)
    _publish(server, spec, good)
    path = gensim_data.download(spec, tmp_path, base_url=server.base).path
    damaged = bytearray(good)
    damaged[100] ^= 0x01
    path.write_bytes(bytes(damaged))  # same size, new mtime: the record no longer vouches for it
    assert gensim_data.is_downloaded(spec, tmp_path) is False
    assert gensim_data.local_path(spec, tmp_path) is None
    fixed = gensim_data.download(spec, tmp_path, base_url=server.base)
    assert not fixed.from_cache and fixed.path.read_bytes() == good


def test_cancel_leaves_nothing(server, tmp_path):
    data = _w2v_gz(1) * 8  # several network reads
    spec = _spec(data)
    _publish(server, spec, data)
    control = TaskControl(min_interval=0.0)
    calls = []

    def on_progress(fraction, message):
        calls.append(fraction)
        if fraction and fraction > 0:
            control.cancel()

    control._on_progress = on_progress
    with pytest.raises(Cancelled):
        gensim_data.download(spec, tmp_path, base_url=server.base, control=control)
    assert calls and max(c or 0 for c in calls) < 1.0
    assert list(tmp_path.iterdir()) == []
    assert gensim_data.local_path(spec, tmp_path) is None


def test_resume_after_interrupted_download(server, tmp_path, monkeypatch):
    monkeypatch.setattr(gensim_data, "SEGMENT_BYTES", SMALL_SEGMENT)
    data = _w2v_gz(2)
    assert len(data) > 3 * SMALL_SEGMENT
    spec = _spec(data)
    _publish(server, spec, data)
    n_segments = -(-len(data) // SMALL_SEGMENT)
    # the 3rd range request breaks off half-way
    server.truncate_next = 0
    calls = {"n": 0}
    original = server.httpd.RequestHandlerClass.do_GET

    def flaky(handler):
        calls["n"] += 1
        if calls["n"] == 3:
            server.truncate_next = 1
        original(handler)

    monkeypatch.setattr(server.httpd.RequestHandlerClass, "do_GET", flaky)
    with pytest.raises(DataError, match="interrupted|incomplete"):
        gensim_data.download(spec, tmp_path, base_url=server.base)
    assert not (tmp_path / spec.name).exists()   # nothing where gensim looks
    first = list(server.ranges)
    assert len(first) == 3
    server.ranges.clear()
    got = gensim_data.download(spec, tmp_path, base_url=server.base)
    assert got.path.read_bytes() == data and got.verified
    # the second attempt asked only for the ranges it did not have
    assert len(server.ranges) == n_segments - 2
    assert server.ranges[0] == f"bytes={2 * SMALL_SEGMENT}-{3 * SMALL_SEGMENT - 1}"
    assert sorted(p.name for p in tmp_path.iterdir()) == [spec.name]  # staging folder gone
    assert sorted(p.name for p in got.path.parent.iterdir()) == [
        gensim_data.VERIFIED_RECORD, "__init__.py", spec.filename]


def test_interrupted_redownload_keeps_the_good_copy(server, tmp_path):
    data = _w2v_gz(2)
    spec = _spec(data)
    _publish(server, spec, data)
    got = gensim_data.download(spec, tmp_path, base_url=server.base)
    server.truncate_next = 1
    with pytest.raises(DataError):
        gensim_data.download(spec, tmp_path, base_url=server.base, force=True)
    assert got.path.read_bytes() == data and gensim_data.is_downloaded(spec, tmp_path)
    assert gensim_data.local_path(spec, tmp_path) == got.path


def test_damaged_segment_is_caught_and_discarded(server, tmp_path, monkeypatch):
    monkeypatch.setattr(gensim_data, "SEGMENT_BYTES", SMALL_SEGMENT)
    data = _w2v_gz(4)
    spec = _spec(data)
    _publish(server, spec, data)
    server.truncate_next = 0
    original = server.httpd.RequestHandlerClass.do_GET
    calls = {"n": 0}

    def flaky(handler):
        calls["n"] += 1
        if calls["n"] == 2:
            server.truncate_next = 1
        original(handler)

    monkeypatch.setattr(server.httpd.RequestHandlerClass, "do_GET", flaky)
    with pytest.raises(DataError):
        gensim_data.download(spec, tmp_path, base_url=server.base)
    staging = tmp_path / f".{spec.name}.embexplorer-part"
    kept = sorted(staging.glob(f"*{gensim_data.SEGMENT_SUFFIX}*"))
    assert len(kept) == 1
    kept[0].write_bytes(b"\xff" * kept[0].stat().st_size)  # damaged on disk, same size
    with pytest.raises(DataError, match="checksum mismatch"):
        gensim_data.download(spec, tmp_path, base_url=server.base)
    assert not (tmp_path / spec.name).exists() and not staging.exists()
    got = gensim_data.download(spec, tmp_path, base_url=server.base)  # afresh: good
    assert got.path.read_bytes() == data


def test_server_without_ranges_gets_one_piece_download(server, tmp_path, monkeypatch):
    monkeypatch.setattr(gensim_data, "SEGMENT_BYTES", SMALL_SEGMENT)
    server.serve_ranges = False
    data = _w2v_gz(5)
    spec = _spec(data)
    _publish(server, spec, data)
    got = gensim_data.download(spec, tmp_path, base_url=server.base)
    assert got.path.read_bytes() == data and got.verified
    assert server.ranges[-1] is None  # the fallback asked for the whole file


def test_without_checksum_size_only_with_warning(server, tmp_path):
    data = _w2v_gz(3)
    spec = _spec(data, name="unchecked", md5=None)
    _publish(server, spec, data)
    got = gensim_data.download(spec, tmp_path, base_url=server.base)
    assert not got.verified and any("size only" in w for w in got.warnings)
    wrong_size = _spec(data + b"x", name="unchecked-2", md5=None)
    _publish(server, wrong_size, data)
    with pytest.raises(DataError, match="announces|size"):
        gensim_data.download(wrong_size, tmp_path, base_url=server.base)


def test_unknown_name_lists_choices():
    with pytest.raises(DataError, match="glove-wiki-gigaword-50"):
        gensim_data.resolve("glove-nonsense")


def test_cli_download_of_gensim_vectors_then_info(server, tmp_path, monkeypatch, capsys):
    from embexplorer.cli import main

    data = _w2v_gz(2)
    spec = _spec(data, name="glove-wiki-gigaword-50")
    monkeypatch.setitem(gensim_data.MODELS, spec.name, spec)
    _publish(server, spec, data)
    assert main(["download", spec.name, "--dir", str(tmp_path), "--base-url", server.base]) == 0
    out = capsys.readouterr().out
    path = tmp_path / spec.name / f"{spec.name}.gz"
    assert f"downloaded: {path}" in out and "MD5 verified" in out and path.read_bytes() == data
    # again: from the verified copy, no request; --json says so
    n = len(server.requests)
    assert main(["download", spec.name, "--dir", str(tmp_path), "--base-url", server.base, "--json"]) == 0
    import json

    record = json.loads(capsys.readouterr().out)
    assert record["from_cache"] and record["verified"] and len(server.requests) == n
    assert main(["info", str(path), "--format", record["format"], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == N_WORDS
    # a corrupt mirror copy is refused with one line and exit 2
    bad = _spec(data[:-10] + b"0123456789", name="glove-wiki-gigaword-100")
    bad = GensimModel(bad.name, bad.description, bad.size, spec.md5, dims=DIMS, vocab=N_WORDS)
    monkeypatch.setitem(gensim_data.MODELS, bad.name, bad)
    _publish(server, bad, data[:-10] + b"0123456789")
    assert main(["download", bad.name, "--dir", str(tmp_path), "--base-url", server.base]) == 2
    assert "error" in capsys.readouterr().err and not (tmp_path / bad.name / f"{bad.name}.gz").exists()
