"""Pretrained word vectors by their gensim-data names, downloaded into gensim's own data folder.

gensim's downloader (``gensim.downloader.load``) keeps every model in
``<GENSIM_DATA_DIR or ~/gensim-data>/<name>/<name>.gz`` and checks it against
the MD5 published in gensim-data's ``list.json``.  This module uses the same
folder, layout and checksums, so files downloaded here are found by gensim and
the other way round, but downloads through :mod:`embexplorer.core.data.download`:
streamed with progress and cancellation, verified (size and MD5) before it is
renamed into place, never leaving a half-written file where gensim looks.

* :data:`MODELS` -- the catalogue (name, description, size, MD5, format).
* :func:`local_path` -- the verified local copy, or None.
* :func:`is_downloaded` -- a cheap check for the start page (no hashing).
* :func:`download` -- fetch (or reuse) a model; :func:`load` -- fetch and read it
  with :func:`embexplorer.core.data.formats.load`.

The download location is configurable for mirrors: the ``base_url`` argument,
then the ``EMBEXPLORER_GENSIM_DATA_URL`` environment variable, then gensim-data's
GitHub releases (the URL gensim's ``downloader.py`` uses).  A mirror must keep
the layout ``<base>/<name>/<name>.gz``.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import logging
import os
import shutil
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from embexplorer.core.atomic import atomic_write
from embexplorer.core.data.download import CHUNK_SIZE, TIMEOUT_S, USER_AGENT, download_file
from embexplorer.core.errors import DataError
from embexplorer.core.progress import Cancelled, TaskControl, ensure_control

log = logging.getLogger(__name__)

#: gensim-data's release files, as in gensim's ``downloader.DOWNLOAD_BASE_URL``.
GENSIM_DATA_BASE_URL = "https://github.com/RaRe-Technologies/gensim-data/releases/download/"
#: Environment variable naming a mirror of :data:`GENSIM_DATA_BASE_URL`.
GENSIM_DATA_URL_ENV = "EMBEXPLORER_GENSIM_DATA_URL"
#: gensim's own variable for its data folder (default ``~/gensim-data``).
GENSIM_DATA_DIR_ENV = "GENSIM_DATA_DIR"
DEFAULT_GENSIM_DATA_DIR = "~/gensim-data"
#: Hidden file beside a verified download: size, mtime and MD5, so a later check need not re-hash.
VERIFIED_RECORD = ".embexplorer-verified.json"
#: Prefix/suffix of the staging folder a new model is downloaded into before it is renamed into place
#: (gensim treats any ``<dir>/<name>`` folder as a finished download).
STAGING_PREFIX = "."
STAGING_SUFFIX = ".embexplorer-part"
#: Large files come in ranges of this many bytes, each kept once complete, so a failed download
#: resumes where it stopped (the .gz of glove-wiki-gigaword-50 is 5 segments, Google News 104).
SEGMENT_BYTES = 16 << 20
SEGMENT_SUFFIX = ".segment-"
#: Ties the segments in a staging folder to their URL, size and checksum.
SEGMENTS_RECORD = "segments.json"
HTTP_PARTIAL_CONTENT = 206
#: Bytes hashed per read.
HASH_CHUNK = 1 << 20

#: The loader gensim's ``downloader.load(name)`` imports from the model folder (gensim-data ships
#: one per model; this one does the same: read the .gz as word2vec format).
_GENSIM_LOADER = '''"""Loader for gensim.downloader, written by embexplorer (same as gensim-data's)."""
import os

from gensim.models import KeyedVectors


def load_data():
    path = os.path.join(os.path.dirname(__file__), "{filename}")
    return KeyedVectors.load_word2vec_format(path, binary={binary})
'''


@dataclass(frozen=True)
class GensimModel:
    """One pretrained model of gensim-data.

    Attributes
    ----------
    name : str
        gensim-data name (``glove-wiki-gigaword-50``).
    description : str
        One line for the start page.
    size : int or None
        Size of ``<name>.gz`` in bytes (``file_size`` in ``list.json``).
    md5 : str or None
        MD5 of ``<name>.gz`` (``checksum`` in ``list.json``); None = size check only, with a warning.
    format : str
        :mod:`embexplorer.core.data.formats` name of the decompressed content.
    dims, vocab : int
        Vector size and number of words.
    license : str
    """

    name: str
    description: str
    size: int | None
    md5: str | None
    format: str = "word2vec"
    dims: int = 0
    vocab: int = 0
    license: str = ""

    @property
    def filename(self) -> str:
        return f"{self.name}.gz"

    def url(self, base_url: str | None = None) -> str:
        """``<base>/<name>/<name>.gz``; base from the argument, the env variable, or gensim-data."""
        base = base_url or os.environ.get(GENSIM_DATA_URL_ENV) or GENSIM_DATA_BASE_URL
        if not base.endswith("/"):
            base += "/"
        return f"{base}{self.name}/{self.filename}"


_GLOVE_WIKI = "GloVe, Wikipedia 2014 + Gigaword 5 (6B tokens), 400K words, uncased"
_GLOVE_TWITTER = "GloVe, 2B tweets (27B tokens), 1.2M words, uncased"
_PDDL = "PDDL (http://opendatacommons.org/licenses/pddl/)"


def _glove(corpus: str, description: str, vocab: int, dims: int, size: int, md5: str) -> GensimModel:
    """The catalogue entry ``glove-<corpus>-<dims>`` (every GloVe release is under the PDDL)."""
    return GensimModel(f"glove-{corpus}-{dims}", f"{description}, {dims} dimensions", size, md5,
                       dims=dims, vocab=vocab, license=_PDDL)


#: The catalogue.  Sizes and MD5 checksums are gensim-data's published values (its ``list.json``,
#: "file_size" and "checksum"); gensim's downloader checks the same MD5.
MODELS: dict[str, GensimModel] = {m.name: m for m in (
    *(_glove("wiki-gigaword", _GLOVE_WIKI, 400_000, dims, size, md5) for dims, size, md5 in (
        (50, 69_182_535, "c289bc5d7f2f02c6dc9f2f9b67641813"),
        (100, 134_300_434, "40ec481866001177b8cd4cb0df92924f"),
        (200, 264_336_934, "59652db361b7a87ee73834a6c391dfc1"),
        (300, 394_362_229, "29e9329ac2241937d55b852e8284e89b"))),
    GensimModel("word2vec-google-news-300", "word2vec, Google News (about 100B words), 3M words and "
                "phrases, 300 dimensions", 1_743_563_840, "a5e5354d40acb95f9ec66d5977d140ef",
                format="word2vec-binary", dims=300, vocab=3_000_000, license="not stated by the publisher"),
    GensimModel("fasttext-wiki-news-subwords-300", "fastText, Wikipedia 2017 + UMBC + statmt news "
                "(16B tokens), 1M words, 300 dimensions", 1_005_007_116, "de2bb3a20c46ce65c9c131e1ad9a77af",
                dims=300, vocab=999_999, license="CC BY-SA 3.0"),
    *(_glove("twitter", _GLOVE_TWITTER, 1_193_514, dims, size, md5) for dims, size, md5 in (
        (25, 109_885_004, "50db0211d7e7a2dcd362c6b774762793"),
        (50, 209_216_938, "c168f18641f8c8a00fe30984c4799b2b"),
        (100, 405_932_991, "b04f7bed38756d64cf55b58ce7e97b15"),
        (200, 795_373_100, "e52e8392d1860b95d5308a525817d8f9"))),
)}

#: Models offered first (small enough for a classroom network).
RECOMMENDED = ("glove-wiki-gigaword-50", "glove-wiki-gigaword-100", "glove-wiki-gigaword-300",
               "word2vec-google-news-300", "fasttext-wiki-news-subwords-300")


@dataclass
class GensimFile:
    """Outcome of :func:`download`."""

    path: Path
    size: int
    from_cache: bool
    verified: bool          # checked against the published MD5 (False: size only)
    url: str = ""
    warnings: list[str] = field(default_factory=list)


def data_dir() -> Path:
    """gensim's data folder: ``$GENSIM_DATA_DIR`` or ``~/gensim-data`` (as gensim's downloader)."""
    return Path(os.environ.get(GENSIM_DATA_DIR_ENV) or os.path.expanduser(DEFAULT_GENSIM_DATA_DIR))


def resolve(name: str | GensimModel) -> GensimModel:
    """The :class:`GensimModel` called ``name``; DataError listing the choices otherwise."""
    if isinstance(name, GensimModel):
        return name
    try:
        return MODELS[name]
    except KeyError:
        raise DataError(f"unknown gensim-data model {name!r} (choose from {', '.join(MODELS)})") from None


def model_path(name: str | GensimModel, directory: str | os.PathLike | None = None) -> Path:
    """Where the model's ``.gz`` is (or would be): ``<dir>/<name>/<name>.gz``."""
    spec = resolve(name)
    return (Path(directory) if directory is not None else data_dir()) / spec.name / spec.filename


def md5_of(path: str | os.PathLike, control: TaskControl | None = None) -> str:
    """MD5 (hex) of a file, with progress; the checksum gensim-data publishes."""
    control = ensure_control(control)
    h = hashlib.md5(usedforsecurity=False)
    total = max(os.path.getsize(path), 1)
    done = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(HASH_CHUNK):
            h.update(chunk)
            done += len(chunk)
            control.progress(done / total, "checking")
    return h.hexdigest()


def _record_path(path: Path) -> Path:
    return path.parent / VERIFIED_RECORD


def _read_record(path: Path) -> dict:
    try:
        return json.loads(_record_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_record(path: Path, md5: str) -> None:
    st = path.stat()
    with atomic_write(_record_path(path), "w", encoding="utf-8") as fh:
        json.dump({"file": path.name, "size": st.st_size, "mtime_ns": st.st_mtime_ns, "md5": md5}, fh)


def _record_matches(spec: GensimModel, path: Path) -> bool:
    """The file is unchanged since it was verified (same size and mtime, the published MD5)."""
    rec = _read_record(path)
    try:
        st = path.stat()
    except OSError:
        return False
    return (rec.get("file") == path.name and rec.get("size") == st.st_size
            and rec.get("mtime_ns") == st.st_mtime_ns and spec.md5 is not None
            and rec.get("md5") == spec.md5.lower())


def is_downloaded(name: str | GensimModel, directory: str | os.PathLike | None = None) -> bool:
    """Cheap check (no hashing): the file is there with the right size (and was verified, if we did).

    A copy gensim downloaded (no record of ours) counts when its size is right;
    :func:`local_path` hashes it before use.
    """
    spec = resolve(name)
    path = model_path(spec, directory)
    try:
        size = path.stat().st_size
    except OSError:
        return False
    if spec.size is not None and size != spec.size:
        return False
    return not _read_record(path) or _record_matches(spec, path)


def local_path(name: str | GensimModel, directory: str | os.PathLike | None = None,
               control: TaskControl | None = None, verify: bool = True) -> Path | None:
    """The local ``.gz`` of ``name`` if present and valid, else None.

    Parameters
    ----------
    name : str or GensimModel
    directory : path, optional
        gensim's data folder (default :func:`data_dir`).
    control : TaskControl, optional
        Progress (and cancel) of the MD5 check.
    verify : bool
        Check the MD5 (skipped when a record says this very file was verified).
        False checks the size only.
    """
    spec = resolve(name)
    path = model_path(spec, directory)
    if not path.is_file():
        return None
    if spec.size is not None and path.stat().st_size != spec.size:
        return None
    if not verify or spec.md5 is None or _record_matches(spec, path):
        return path
    if md5_of(path, control) != spec.md5.lower():
        log.warning("%s: MD5 differs from gensim-data's published checksum; ignoring it", path)
        return None
    with contextlib.suppress(OSError):  # a read-only shared folder: verify again next time
        _write_record(path, spec.md5.lower())
    return path


def _write_loader(folder: Path, spec: GensimModel) -> None:
    """gensim's downloader imports ``<name>/__init__.py``; add ours when gensim's is missing."""
    init = folder / "__init__.py"
    if init.exists():
        return
    with atomic_write(init, "w", encoding="utf-8") as fh:
        fh.write(_GENSIM_LOADER.format(filename=spec.filename, binary=spec.format == "word2vec-binary"))


def unverified_warning(spec: GensimModel) -> str | None:
    """The warning shown when ``spec`` has no published checksum (size-only check)."""
    if spec.md5 is not None:
        return None
    return f"{spec.name}: no published checksum, checked by size only"


class _NoRanges(Exception):
    """The server ignores HTTP ranges: download in one piece instead."""


def _open_url(url: str, timeout: float, headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **(headers or {})})
    try:
        if url.lower().startswith("https:"):
            return urllib.request.urlopen(request, timeout=timeout, context=ssl.create_default_context())
        return urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        raise DataError(f"download failed: HTTP {err.code} {err.reason}", url) from None
    except (urllib.error.URLError, OSError) as err:
        raise DataError(f"download failed: {getattr(err, 'reason', err)}", url) from None


def _segment_paths(staging: Path, spec: GensimModel, size: int) -> list[tuple[Path, int, int]]:
    """(path, first byte, last byte) of each segment of the file."""
    step = SEGMENT_BYTES
    return [(staging / f"{spec.filename}{SEGMENT_SUFFIX}{i:05d}", lo, min(size, lo + step) - 1)
            for i, lo in enumerate(range(0, size, step))]


def _fetch_segment(url: str, path: Path, lo: int, hi: int, size: int, done: int,
                   control: TaskControl, timeout: float) -> None:
    """Fetch bytes ``lo..hi`` into ``path`` (atomically: a segment on disk is always complete)."""
    resp = _open_url(url, timeout, {"Range": f"bytes={lo}-{hi}"})
    with resp:
        if resp.status != HTTP_PARTIAL_CONTENT:
            raise _NoRanges()
        expected = f"bytes {lo}-{hi}/{size}"
        sent = (resp.headers.get("Content-Range") or "").strip()
        if sent != expected:
            total = sent.rpartition("/")[2]
            if total.isdigit() and int(total) != size:
                raise DataError(f"wrong size: the server has {int(total):,} bytes, expected {size:,}", url)
            raise DataError(f"server sent the range {sent!r}, asked for {expected!r}", url)
        want = hi - lo + 1
        got = 0
        with atomic_write(path, "wb") as out:
            while got < want:
                try:
                    chunk = resp.read(min(CHUNK_SIZE, want - got))
                except (http.client.IncompleteRead, OSError) as err:
                    raise DataError(f"download interrupted after {done + got:,} of {size:,} bytes: {err}",
                                    url) from None
                if not chunk:
                    raise DataError(f"download interrupted after {done + got:,} of {size:,} bytes", url)
                out.write(chunk)
                got += len(chunk)
                control.progress((done + got) / size,
                                 f"downloading {(done + got) / 1e6:.1f} of {size / 1e6:.1f} MB")


def _fetch_into(staging: Path, spec: GensimModel, url: str, control: TaskControl, timeout: float) -> Path:
    """Download ``spec`` into ``staging`` and verify it; return the verified file.

    With a known size the file comes in :data:`SEGMENT_BYTES` ranges, each
    written atomically, so a failed attempt leaves only complete segments and
    the next one fetches just the missing ones (a record ties them to the URL,
    size and checksum; anything else is discarded).  Servers without range
    support get a plain one-piece download.
    """
    staging.mkdir(parents=True, exist_ok=True)
    final = staging / spec.filename
    if spec.size is None:
        download_file(url, final, None, None, control, timeout, check_zip=False, md5=spec.md5)
        return final
    ident = {"url": url, "size": spec.size, "md5": spec.md5, "segment": SEGMENT_BYTES}
    record = staging / SEGMENTS_RECORD
    try:
        same = json.loads(record.read_text(encoding="utf-8")) == ident
    except (OSError, ValueError):
        same = False
    if not same:  # segments of another file, URL or layout: start afresh
        for old in staging.iterdir():
            old.unlink()
        with atomic_write(record, "w", encoding="utf-8") as fh:
            json.dump(ident, fh)
    segments = _segment_paths(staging, spec, spec.size)
    done = sum(p.stat().st_size for p, lo, hi in segments if p.is_file() and p.stat().st_size == hi - lo + 1)
    resuming = f" (resuming at {done / 1e6:.1f} MB)" if done else ""
    control.progress(done / spec.size, "downloading" + resuming, force=True)
    try:
        for path, lo, hi in segments:
            if path.is_file() and path.stat().st_size == hi - lo + 1:
                continue
            _fetch_segment(url, path, lo, hi, spec.size, done, control, timeout)
            done += hi - lo + 1
    except _NoRanges:
        for old in staging.iterdir():
            old.unlink()
        download_file(url, final, spec.size, None, control, timeout, check_zip=False, md5=spec.md5)
        return final
    # Join the segments, checking the MD5 on the way; a wrong file is never renamed into place.
    h = hashlib.md5(usedforsecurity=False)
    try:
        with atomic_write(final, "wb") as out:
            for path, _, _ in segments:
                with open(path, "rb") as fh:
                    while chunk := fh.read(HASH_CHUNK):
                        h.update(chunk)
                        out.write(chunk)
                control.check()
            if spec.md5 is not None and h.hexdigest() != spec.md5.lower():
                raise DataError(f"checksum mismatch: MD5 {h.hexdigest()}, expected {spec.md5.lower()}", url)
    except DataError:
        for old in staging.iterdir():  # some segment is wrong and we cannot tell which: start afresh
            old.unlink()
        raise
    for path, _, _ in segments:
        path.unlink()
    record.unlink()
    return final


def download(name: str | GensimModel, directory: str | os.PathLike | None = None,
             base_url: str | None = None, control: TaskControl | None = None, force: bool = False,
             timeout: float = TIMEOUT_S) -> GensimFile:
    """Return a verified local copy of a gensim-data model, downloading it when needed.

    The file is downloaded into a hidden staging folder beside gensim's
    (``.<name>.embexplorer-part``) in :data:`SEGMENT_BYTES` ranges, each kept
    once complete; only when size and MD5 are right does it move to
    ``<dir>/<name>/<name>.gz``.  So a failed, cancelled or wrong download never
    replaces a good copy nor leaves a partial one where gensim looks; after a
    failure (network, server) the next call resumes with the missing ranges;
    Cancel discards the partial download.

    Parameters
    ----------
    name : str or GensimModel
    directory : path, optional
        gensim's data folder (default :func:`data_dir`).
    base_url : str, optional
        Mirror (default: ``$EMBEXPLORER_GENSIM_DATA_URL``, else gensim-data's releases).
    control : TaskControl, optional
        Progress (fraction of bytes) and cancellation (raises ``Cancelled``).
    force : bool
        Download even when a valid copy is present.
    timeout : float

    Raises
    ------
    DataError
        Network failure, wrong size or checksum.
    Cancelled
    """
    spec = resolve(name)
    root = Path(directory) if directory is not None else data_dir()
    warnings = [w for w in [unverified_warning(spec)] if w]
    if not force:
        hit = local_path(spec, root, control)
        if hit is not None:
            return GensimFile(hit, hit.stat().st_size, True, spec.md5 is not None, "", warnings)
    url = spec.url(base_url)
    folder = root / spec.name
    staging = root / f"{STAGING_PREFIX}{spec.name}{STAGING_SUFFIX}"
    control = ensure_control(control)
    try:
        got = _fetch_into(staging, spec, url, control, timeout)
        control.check()  # cancelled at the last moment: publish nothing
        if folder.is_dir():  # replace the file only; whatever else is there (gensim's loader) stays
            os.replace(got, folder / spec.filename)
            _write_loader(folder, spec)
        else:
            for extra in staging.iterdir():  # only the verified file and the loader go public
                if extra != got:
                    extra.unlink()
            _write_loader(staging, spec)
            try:
                os.rename(staging, folder)
            except OSError:  # the folder appeared meanwhile (gensim, another window): replace the file
                folder.mkdir(parents=True, exist_ok=True)
                os.replace(got, folder / spec.filename)
                _write_loader(folder, spec)
    except Cancelled:
        shutil.rmtree(staging, ignore_errors=True)  # the user said no: keep nothing
        raise
    except DataError:
        # Complete segments stay in the hidden staging folder: the next attempt resumes from them.
        with contextlib.suppress(OSError):
            staging.rmdir()  # only when nothing is worth keeping (empty)
        raise
    shutil.rmtree(staging, ignore_errors=True)
    dest = folder / spec.filename
    if spec.md5 is not None:
        with contextlib.suppress(OSError):
            _write_record(dest, spec.md5.lower())
    for w in warnings:
        log.warning(w)
    return GensimFile(dest, dest.stat().st_size, False, spec.md5 is not None, url, warnings)


def load(name: str | GensimModel, directory: str | os.PathLike | None = None, base_url: str | None = None,
         limit: int | None = None, control: TaskControl | None = None):
    """Download (if needed) and read a model as an :class:`~embexplorer.core.data.embeddings.EmbeddingSet`."""
    from embexplorer.core.data import formats

    spec = resolve(name)
    got = download(spec, directory, base_url, control)
    emb = formats.load(got.path, format=spec.format, limit=limit, control=control)
    emb.warnings.extend(got.warnings)
    return emb
