"""Download datasets on demand: streamed, verified, cached, never half-written.

A :class:`RemoteFile` names a file, where it lives (a base URL that users can
point at a mirror, through an environment variable or a parameter), its size
and SHA-256.  :func:`fetch` returns the cached copy when it is there and valid
(so everything works offline once downloaded); otherwise it streams the file
to a temporary file beside the target with progress and cancellation, checks
size and checksum, and only then renames it into place -- a cancelled,
truncated or corrupt download never replaces a good copy.

Files whose content changes between releases (``ml-latest-small``) have no
expected hash: the hash of what was downloaded is recorded in a sidecar
``<file>.json`` and shown instead of rejecting the file.

The machinery (:func:`download_file`, :class:`RemoteFile`) is generic so other
catalogues (e.g. gensim-data) can reuse it with their own base URL and folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import ssl
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from embexplorer.core.atomic import atomic_write
from embexplorer.core.errors import DataError
from embexplorer.core.paths import cache_dir
from embexplorer.core.progress import TaskControl, ensure_control

#: GroupLens's official location of the MovieLens zips.
MOVIELENS_BASE_URL = "https://files.grouplens.org/datasets/movielens/"
#: Environment variable overriding the MovieLens base URL (mirrors, tests).
MOVIELENS_URL_ENV = "EMBEXPLORER_MOVIELENS_URL"
#: Sub-folder of the cache folder for MovieLens files.
MOVIELENS_SUBDIR = "movielens"
#: Bytes read per network read.
CHUNK_SIZE = 1 << 16
#: Seconds before a stalled connection is given up.
TIMEOUT_S = 30.0
#: Files refuse to grow beyond their expected size by more than this (a wrong URL).
SIZE_SLACK_BYTES = 0
#: Sent as User-Agent (some servers reject urllib's default).
USER_AGENT = "embexplorer (+https://github.com/embexplorer)"


@dataclass(frozen=True)
class RemoteFile:
    """A downloadable file.

    Attributes
    ----------
    name : str
        Short name users type (``movielens-100k``).
    filename : str
        File name on the server and in the cache.
    size : int or None
        Exact size in bytes when known (checked), else None.
    sha256 : str or None
        Expected SHA-256 (hex); None = record and show, do not reject.
    description : str
    approx_size : int or None
        Size to show before downloading when ``size`` is unknown.
    base_url : str
        Default location (folder URL ending in ``/``).
    url_env : str
        Environment variable overriding ``base_url``.
    subdir : str
        Folder under :func:`~embexplorer.core.paths.cache_dir`.
    md5 : str or None
        Expected MD5 (hex), for catalogues that publish only MD5 (gensim-data's ``list.json``).
    """

    name: str
    filename: str
    size: int | None
    sha256: str | None
    description: str = ""
    approx_size: int | None = None
    base_url: str = MOVIELENS_BASE_URL
    url_env: str = MOVIELENS_URL_ENV
    subdir: str = MOVIELENS_SUBDIR
    md5: str | None = None

    @property
    def display_size(self) -> int | None:
        return self.size if self.size is not None else self.approx_size

    def url(self, base_url: str | None = None) -> str:
        """Where to fetch it: ``base_url`` argument, then the env variable, then the default."""
        base = base_url or os.environ.get(self.url_env) or self.base_url
        if not base.endswith("/"):
            base += "/"
        return base + self.filename

    def default_dir(self) -> Path:
        return cache_dir() / self.subdir


#: MovieLens datasets the app can download (GroupLens terms: research use, no redistribution).
DATASETS: dict[str, RemoteFile] = {
    "movielens-100k": RemoteFile(
        "movielens-100k", "ml-100k.zip", 4_924_029,
        "50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229",
        "MovieLens 100K: 100,000 ratings of 1,682 movies by 943 users (1998), official 5-fold splits"),
    "movielens-1m": RemoteFile(
        "movielens-1m", "ml-1m.zip", 5_917_549,
        "a6898adb50b9ca05aa231689da44c217cb524e7ebd39d264c56e2832f2c54e20",
        "MovieLens 1M: 1,000,209 ratings of 3,706 movies by 6,040 users (2003)"),
    "movielens-latest-small": RemoteFile(
        "movielens-latest-small", "ml-latest-small.zip", None, None,
        "MovieLens latest small: ~100,000 ratings of ~9,000 movies by ~600 users (changes between "
        "releases; its checksum is recorded, not checked)", approx_size=978_202),
}


@dataclass
class FetchResult:
    """Outcome of :func:`fetch`."""

    path: Path
    sha256: str
    size: int
    from_cache: bool
    verified: bool      # True when checked against a known hash
    url: str

    def to_json(self) -> dict:
        return {"path": str(self.path), "sha256": self.sha256, "size": self.size,
                "from_cache": self.from_cache, "verified": self.verified, "url": self.url}


def sha256_of(path: str | os.PathLike, control: TaskControl | None = None) -> str:
    """SHA-256 (hex) of a file, read in chunks."""
    control = ensure_control(control)
    h = hashlib.sha256()
    total = max(os.path.getsize(path), 1)
    done = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            done += len(chunk)
            control.progress(done / total, "checking")
    return h.hexdigest()


def download_file(url: str, dest: str | os.PathLike, size: int | None = None, sha256: str | None = None,
                  control: TaskControl | None = None, timeout: float = TIMEOUT_S,
                  check_zip: bool | None = None, md5: str | None = None) -> tuple[str, int]:
    """Stream ``url`` into ``dest``; replace ``dest`` only once the download is complete and valid.

    Parameters
    ----------
    url : str
        ``https://`` (certificates checked), ``http://`` or ``file://``.
    dest : path
    size, sha256, md5 : expected size / hashes, checked when given.
    control : TaskControl, optional
        Progress (fraction of bytes) and cancellation.
    timeout : float
    check_zip : bool, optional
        Also require a readable zip (default: when ``dest`` ends in ``.zip``).

    Returns
    -------
    (sha256 hex, size in bytes)

    Raises
    ------
    DataError
        Network failure, wrong size, wrong checksum, not a zip.
    Cancelled
        When ``control`` was cancelled; nothing is left behind.
    """
    control = ensure_control(control)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if check_zip is None:
        check_zip = dest.suffix.lower() == ".zip"
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    h = hashlib.sha256()
    h_md5 = hashlib.md5(usedforsecurity=False) if md5 is not None else None
    got = 0
    try:
        with os.fdopen(fd, "wb") as out:
            request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
            context = ssl.create_default_context()  # verifies certificates and host names
            try:
                resp = urllib.request.urlopen(request, timeout=timeout, context=context) \
                    if url.lower().startswith("https:") else urllib.request.urlopen(request, timeout=timeout)
            except urllib.error.HTTPError as err:
                raise DataError(f"download failed: HTTP {err.code} {err.reason}", url) from None
            except (urllib.error.URLError, OSError) as err:
                reason = getattr(err, "reason", err)
                raise DataError(f"download failed: {reason}", url) from None
            with resp:
                length = resp.headers.get("Content-Length")
                announced = int(length) if length and length.isdigit() else None
                if size is not None and announced is not None and announced != size:
                    raise DataError(f"server announces {announced:,} bytes, expected {size:,}", url)
                total = size or announced
                control.progress(0.0 if total else None, "downloading", force=True)
                while True:
                    try:
                        chunk = resp.read(CHUNK_SIZE)
                    except http.client.IncompleteRead as err:
                        got += len(err.partial)
                        raise DataError(f"download interrupted after {got:,} bytes"
                                        + (f" of {total:,}" if total else ""), url) from None
                    except OSError as err:
                        raise DataError(f"download failed after {got:,} bytes: {err}", url) from None
                    if not chunk:
                        break
                    out.write(chunk)
                    h.update(chunk)
                    if h_md5 is not None:
                        h_md5.update(chunk)
                    got += len(chunk)
                    if size is not None and got > size + SIZE_SLACK_BYTES:
                        raise DataError(f"larger than the expected {size:,} bytes", url)
                    control.progress(got / total if total else None,
                                     f"downloading {got / 1e6:.1f}"
                                     + (f" of {total / 1e6:.1f} MB" if total else " MB"))
            out.flush()
            os.fsync(out.fileno())
        if announced is not None and got != announced:
            raise DataError(f"download incomplete: {got:,} of {announced:,} bytes", url)
        if size is not None and got != size:
            raise DataError(f"wrong size: {got:,} bytes, expected {size:,}", url)
        digest = h.hexdigest()
        if sha256 is not None and digest != sha256.lower():
            raise DataError(f"checksum mismatch: SHA-256 {digest}, expected {sha256.lower()}", url)
        if h_md5 is not None and h_md5.hexdigest() != md5.lower():
            raise DataError(f"checksum mismatch: MD5 {h_md5.hexdigest()}, expected {md5.lower()}", url)
        if check_zip and not zipfile.is_zipfile(tmp):
            raise DataError("downloaded file is not a zip archive", url)
        control.check()
        os.replace(tmp, dest)
        return digest, got
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def read_record(path: str | os.PathLike) -> dict | None:
    """The sidecar record (url, sha256, size, time) written beside a download, if any."""
    try:
        return json.loads(_sidecar(Path(path)).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def resolve(name: str) -> RemoteFile:
    """The :class:`RemoteFile` called ``name``; DataError listing the choices otherwise."""
    try:
        return DATASETS[name]
    except KeyError:
        raise DataError(f"unknown dataset {name!r} (choose from {', '.join(DATASETS)})") from None


def cached(spec: RemoteFile | str, directory: str | os.PathLike | None = None,
           control: TaskControl | None = None) -> FetchResult | None:
    """The valid cached copy of ``spec`` or None (a copy with a wrong hash does not count)."""
    spec = resolve(spec) if isinstance(spec, str) else spec
    path = Path(directory) if directory is not None else spec.default_dir()
    path = path / spec.filename
    if not path.is_file():
        return None
    size = path.stat().st_size
    if spec.size is not None and size != spec.size:
        return None
    digest = sha256_of(path, control)
    if spec.sha256 is not None and digest != spec.sha256.lower():
        return None
    if spec.md5 is not None:
        h = hashlib.md5(usedforsecurity=False)
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
        if h.hexdigest() != spec.md5.lower():
            return None
    record = read_record(path) or {}
    return FetchResult(path, digest, size, True, spec.sha256 is not None or spec.md5 is not None,
                       record.get("url", ""))


def fetch(spec: RemoteFile | str, directory: str | os.PathLike | None = None, base_url: str | None = None,
          control: TaskControl | None = None, force: bool = False, timeout: float = TIMEOUT_S
          ) -> FetchResult:
    """Return a verified local copy of ``spec``, downloading it when needed.

    Parameters
    ----------
    spec : RemoteFile or str
        A :class:`RemoteFile` or a name from :data:`DATASETS`.
    directory : path, optional
        Where to keep it (default ``cache_dir()/<spec.subdir>``).
    base_url : str, optional
        Mirror to use instead of the env variable / official location.
    control : TaskControl, optional
    force : bool
        Download again even when a valid copy is cached (the good copy stays
        until the new one is verified).
    timeout : float
    """
    spec = resolve(spec) if isinstance(spec, str) else spec
    folder = Path(directory) if directory is not None else spec.default_dir()
    if not force:
        hit = cached(spec, folder, control)
        if hit is not None:
            return hit
    url = spec.url(base_url)
    dest = folder / spec.filename
    digest, size = download_file(url, dest, spec.size, spec.sha256, control, timeout, md5=spec.md5)
    record = {"name": spec.name, "url": url, "sha256": digest, "size": size,
              "verified": spec.sha256 is not None or spec.md5 is not None,
              "downloaded": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    with atomic_write(_sidecar(dest), "w", encoding="utf-8") as fh:
        json.dump(record, fh, indent=1)
    return FetchResult(dest, digest, size, False, spec.sha256 is not None or spec.md5 is not None, url)
