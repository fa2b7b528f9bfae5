"""Downloads against a local HTTP server: verified, cached, cancellable, never half-written."""

from __future__ import annotations

import hashlib
import http.server
import threading
import zipfile
from functools import partial

import pytest

from embexplorer.core.data import download as dl
from embexplorer.core.data.download import DATASETS, RemoteFile, cached, fetch, read_record
from embexplorer.core.errors import DataError
from embexplorer.core.progress import Cancelled, TaskControl
from embexplorer.core.recommender.movielens import load_movielens
from tests.conftest import QuietHTTPServer

#: Members of ml-100k copied into the test zip (kept small: no split files).
ZIP_MEMBERS = ("u.data", "u.item", "u.user", "u.genre")


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder; ``/truncated/NAME`` announces the full size but sends half and hangs up."""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.path.startswith("/truncated/"):
            data = (self.server.root / self.path.rsplit("/", 1)[-1]).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()

    def log_message(self, *args):  # keep test output clean
        pass


@pytest.fixture(scope="module")
def served(shared_data, tmp_path_factory):
    """A local server (127.0.0.1) with an ml-100k zip built from the real files."""
    src = shared_data / "ml-100k"
    if not (src / "u.data").is_file():
        pytest.skip("ml-100k not in the shared data folder")
    root = tmp_path_factory.mktemp("www")
    with zipfile.ZipFile(root / "ml-100k.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for name in ZIP_MEMBERS:
            z.write(src / name, f"ml-100k/{name}")
    (root / "not-a-zip.zip").write_bytes(b"<html>mirror error page</html>")
    server = QuietHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
    server.root = root
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    data = (root / "ml-100k.zip").read_bytes()
    yield {"url": f"http://127.0.0.1:{server.server_address[1]}/", "root": root,
           "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "server": server}
    server.shutdown()
    server.server_close()


def _spec(served, **kw):
    base = dict(name="test-100k", filename="ml-100k.zip", size=served["size"], sha256=served["sha256"],
                base_url=served["url"])
    base.update(kw)
    return RemoteFile(**base)


def _no_partials(folder):
    return not [p for p in folder.iterdir() if p.name.endswith(".part")]


def test_download_verify_cache_and_offline(served, tmp_path):
    spec = _spec(served)
    seen = []
    res = fetch(spec, tmp_path, control=TaskControl(lambda f, m: seen.append(f), min_interval=0))
    assert not res.from_cache and res.verified and res.sha256 == served["sha256"]
    assert res.path == tmp_path / "ml-100k.zip" and res.path.stat().st_size == served["size"]
    assert seen and seen[-1] == pytest.approx(1.0)
    assert read_record(res.path)["sha256"] == served["sha256"]
    assert _no_partials(tmp_path)
    r = load_movielens(res.path)
    assert (len(r), r.n_users, r.n_items) == (100_000, 943, 1_682)
    # offline: a server that does not answer is not needed for a valid cached copy
    offline = _spec(served, base_url="http://127.0.0.1:9/")
    again = fetch(offline, tmp_path)
    assert again.from_cache and again.path == res.path


def test_default_folder_is_the_cache(served, tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEXPLORER_CACHE_DIR", str(tmp_path / "cache"))
    res = fetch(_spec(served))
    assert res.path == tmp_path / "cache" / "movielens" / "ml-100k.zip"
    assert cached(_spec(served)).path == res.path


def test_wrong_checksum_keeps_good_copy(served, tmp_path):
    good = fetch(_spec(served), tmp_path)
    before = good.path.read_bytes()
    with pytest.raises(DataError, match="checksum mismatch"):
        fetch(_spec(served, sha256="0" * 64), tmp_path)  # the cached copy does not match either
    assert good.path.read_bytes() == before
    assert _no_partials(tmp_path)
    with pytest.raises(DataError, match="size|bytes"):
        fetch(_spec(served, size=served["size"] + 10), tmp_path, force=True)
    assert good.path.read_bytes() == before and _no_partials(tmp_path)


def test_cancelled_download_leaves_nothing(served, tmp_path):
    good = fetch(_spec(served), tmp_path / "keep")
    before = good.path.read_bytes()
    control = TaskControl(lambda f, m: control.cancel(), min_interval=0)
    with pytest.raises(Cancelled):
        fetch(_spec(served), tmp_path / "keep", control=control, force=True)
    assert good.path.read_bytes() == before and _no_partials(tmp_path / "keep")
    fresh = tmp_path / "fresh"
    control = TaskControl(lambda f, m: control.cancel(), min_interval=0)
    with pytest.raises(Cancelled):
        fetch(_spec(served), fresh, control=control)
    assert not (fresh / "ml-100k.zip").exists() and _no_partials(fresh)


def test_truncated_download_rejected(served, tmp_path):
    good = fetch(_spec(served), tmp_path)
    before = good.path.read_bytes()
    truncated = _spec(served, base_url=served["url"] + "truncated/")
    with pytest.raises(DataError, match="interrupted|incomplete|size"):
        fetch(truncated, tmp_path, force=True)
    assert good.path.read_bytes() == before and _no_partials(tmp_path)
    # without a known size or hash the truncated zip is still caught
    with pytest.raises(DataError):
        fetch(_spec(served, base_url=served["url"] + "truncated/", size=None, sha256=None), tmp_path / "n")


def test_unknown_hash_is_recorded_not_rejected(served, tmp_path):
    spec = _spec(served, size=None, sha256=None)
    res = fetch(spec, tmp_path)
    assert not res.verified and res.sha256 == served["sha256"]
    assert read_record(res.path)["verified"] is False
    assert fetch(spec, tmp_path).from_cache
    with pytest.raises(DataError, match="not a zip"):
        fetch(_spec(served, filename="not-a-zip.zip", size=None, sha256=None), tmp_path)
    assert not (tmp_path / "not-a-zip.zip").exists()


def test_missing_file_and_unreachable_server(served, tmp_path):
    with pytest.raises(DataError, match="404"):
        fetch(_spec(served, filename="absent.zip"), tmp_path)
    with pytest.raises(DataError, match="download failed"):
        fetch(_spec(served, base_url="http://127.0.0.1:9/"), tmp_path, timeout=5)


def test_base_url_precedence(monkeypatch):
    spec = DATASETS["movielens-100k"]
    monkeypatch.delenv(dl.MOVIELENS_URL_ENV, raising=False)
    assert spec.url() == "https://files.grouplens.org/datasets/movielens/ml-100k.zip"
    monkeypatch.setenv(dl.MOVIELENS_URL_ENV, "http://mirror.example/ml")
    assert spec.url() == "http://mirror.example/ml/ml-100k.zip"
    assert spec.url("http://other.example/x/") == "http://other.example/x/ml-100k.zip"
    assert (spec.size, spec.sha256[:8]) == (4_924_029, "50d2a982")
    assert DATASETS["movielens-1m"].size == 5_917_549
    assert DATASETS["movielens-latest-small"].sha256 is None
    with pytest.raises(DataError, match="unknown dataset"):
        dl.resolve("movielens-5m")


def test_md5_catalogues(served, tmp_path):
    md5 = hashlib.md5((served["root"] / "ml-100k.zip").read_bytes()).hexdigest()
    res = fetch(_spec(served, sha256=None, md5=md5, subdir="gensim-data"), tmp_path)
    assert res.verified and not res.from_cache
    assert fetch(_spec(served, sha256=None, md5=md5), tmp_path).from_cache
    with pytest.raises(DataError, match="MD5"):
        fetch(_spec(served, sha256=None, md5="f" * 32), tmp_path / "other")
    assert not (tmp_path / "other" / "ml-100k.zip").exists()
