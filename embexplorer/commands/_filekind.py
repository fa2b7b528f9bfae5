"""What kind of file a command was given, so that its error says what it expected and what it got.

:func:`sniff_kind` looks at a file's first bytes (after decompression) and names it: an embedding file,
a ratings table, a model written by ``train-mf``, an analogy questions file, a word-pair file, running
text, binary data...  :func:`expect` is the check every command makes before (and, for errors, after)
reading its input: a file of another kind is refused with ``PATH: not <expected>: it looks like <kind>``
and a hint at the command that reads that kind.  Private (leading underscore): not a subcommand.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from embexplorer.core.errors import DataError

#: Bytes looked at (after decompression).
SNIFF_BYTES = 64 * 1024
#: Non-blank lines looked at.
SNIFF_LINES = 20
#: Share of the sampled lines that must fit a kind for the file to be called that kind.
FIT_SHARE = 0.8

#: Kind keys and how an error names them.
EMBEDDING = "embedding"
RATINGS = "ratings"
MODEL = "model"
ANALOGIES = "analogies"
PAIRS = "pairs"
TEXT = "text"
WIKI = "wiki"
MOVIELENS = "movielens"
FOLDER = "folder"
ARCHIVE = "archive"
ARRAY = "array"
PICKLE = "pickle"
BINARY = "binary"
EMPTY = "empty"

DESCRIPTIONS = {
    EMBEDDING: "an embedding file (a label followed by numbers on each line)",
    RATINGS: "a ratings table (user, item, rating per line)",
    MODEL: "a recommender model written by 'embexplorer train-mf --out'",
    ANALOGIES: "an analogy questions file (': section' lines, then 'a b c d')",
    PAIRS: "a word-pair file (word, word, score per line)",
    TEXT: "plain text",
    WIKI: "a Wikipedia XML dump",
    MOVIELENS: "a MovieLens dataset (ratings)",
    FOLDER: "a folder",
    ARCHIVE: "a zip archive",
    ARRAY: "a NumPy array file",
    PICKLE: "a Python pickle (a gensim .kv/.model file?)",
    BINARY: "binary data",
    EMPTY: "an empty file",
}
#: The command that reads each kind, for the hint after the error.
READ_BY = {
    EMBEDDING: "embexplorer neighbours",
    RATINGS: "embexplorer train-mf",
    MOVIELENS: "embexplorer train-mf",
    MODEL: "embexplorer recommend",
    ANALOGIES: "embexplorer evaluate",
    PAIRS: "embexplorer similarity",
    WIKI: "embexplorer train-w2v",
}
#: What each command expects, as its error says it.
EXPECT_EMBEDDING = "an embedding file (word2vec, GloVe, fastText .vec, projector TSV, .npy/.npz)"
EXPECT_RATINGS = "a ratings table (a MovieLens folder, zip or ratings file: user, item, rating per line)"
EXPECT_MODEL = "a model file written by 'embexplorer train-mf --out' (.npz)"
EXPECT_ANALOGIES = "an analogy questions file (questions-words.txt: ': section' lines, then 'a b c d')"
EXPECT_PAIRS = "a word-pair file (wordsim353.tsv / simlex999.txt: word, word, score per line)"
EXPECT_CORPUS = "a text corpus (one sentence per line), a folder of them, or a Wikipedia XML dump"

#: What train-w2v takes as a corpus (text of any kind; a ratings table or word pairs are text too).
CORPUS_KINDS = (TEXT, WIKI, FOLDER, MOVIELENS, RATINGS, ANALOGIES, PAIRS, EMPTY)

_RATINGS_FILES = ("u.data", "ratings.dat", "ratings.csv")
_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


@dataclass(frozen=True)
class Kind:
    """A file's kind (one of the keys above) and the words an error uses for it."""

    key: str
    description: str

    def hint(self) -> str:
        """``", which 'embexplorer ...' reads"`` where a command reads this kind, else ``""``."""
        cmd = READ_BY.get(self.key)
        return f", which '{cmd}' reads" if cmd else ""


def _kind(key: str, detail: str = "") -> Kind:
    return Kind(key, DESCRIPTIONS[key] + (f" {detail}" if detail else ""))


def _head(path: Path) -> bytes:
    opener = _OPENERS.get(path.suffix.lower())
    with contextlib.suppress(OSError, EOFError, lzma.LZMAError):
        with (opener(path, "rb") if opener else open(path, "rb")) as fh:
            return fh.read(SNIFF_BYTES)
    with open(path, "rb") as fh:  # a damaged archive: its raw bytes
        return fh.read(SNIFF_BYTES)


def _number(tok: str) -> bool:
    try:
        float(tok)
    except ValueError:
        return False
    return True


def _integer(tok: str) -> bool:
    return tok.lstrip("-").isdigit()


def _fits(lines: list[list[str]], test) -> bool:
    return bool(lines) and sum(1 for f in lines if test(f)) >= FIT_SHARE * len(lines)


def _zip_kind(path: Path) -> Kind:
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
    except (zipfile.BadZipFile, OSError):
        return _kind(BINARY)
    base = {n.rsplit("/", 1)[-1] for n in names}
    if "meta_json.npy" in base:
        return _kind(MODEL)
    if base & set(_RATINGS_FILES):
        return _kind(MOVIELENS, "zip")
    if names and all(n.endswith(".npy") for n in names):
        return _kind(ARRAY, "(.npz)")
    return _kind(ARCHIVE)


def sniff_kind(path: str | os.PathLike) -> Kind | None:
    """What ``path`` looks like, from its first bytes; None when it does not exist."""
    path = Path(path)
    if path.is_dir():
        if any((path / name).is_file() for name in _RATINGS_FILES):
            return _kind(MOVIELENS, "folder")
        return _kind(FOLDER)
    if not path.is_file():
        return None
    with open(path, "rb") as fh:
        magic = fh.read(8)
    if not magic:
        return _kind(EMPTY)
    if magic.startswith(b"PK\x03\x04"):
        return _zip_kind(path)
    if magic.startswith(b"\x93NUMPY"):
        return _kind(ARRAY, "(.npy)")
    if magic[:1] == b"\x80" and magic[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return _kind(PICKLE)
    head = _head(path)
    if b"<mediawiki" in head[:4096]:
        return _kind(WIKI)
    if b"\x00" in head:
        return _kind(BINARY)
    text = head.decode("utf-8", "replace")
    raw = text.split("\n")
    if len(head) == SNIFF_BYTES and len(raw) > 1:
        raw = raw[:-1]  # the head may end inside a line
    lines = [ln for ln in raw if ln.strip()][:SNIFF_LINES]
    if not lines:
        return _kind(EMPTY)
    first = lines[0].split()
    body = lines[1:] if len(first) == 2 and all(_integer(t) for t in first) else lines
    if lines[0].startswith(": "):
        return _kind(ANALOGIES)
    fields = [ln.split() for ln in body]

    def labelled_vector(f: list[str]) -> bool:
        return len(f) >= 2 and _number(f[-1]) and not _number(f[0]) and (len(f) == 2 or _number(f[-2]))

    # A "count dims" header is evidence enough: one row that fits (a bad value elsewhere is the
    # loader's to report, with its line).
    has_header = body is not lines
    if any(map(labelled_vector, fields)) if has_header else _fits(fields, labelled_vector):
        if "\ufffd" in text or any(ord(c) < 32 and c not in "\t\r\n" for c in text):
            return _kind(BINARY, "(word2vec binary?)")
        return _kind(EMBEDDING)
    # A ratings table: the first fields are ids, a rating beside them (any delimiter; a header allowed).
    # Without a header both ids are numbers (u.data); with one, string item ids are allowed (ISBNs):
    # "id word count" vocabulary lists have no header.
    split = [_split_row(ln) for ln in body]
    header = bool(split) and not any(_number(t) for t in split[0])
    rows = split[1:] if header else split
    if _fits(rows, lambda f: 3 <= len(f) <= 6 and _number(f[2]) and all(t.strip() for t in f[:2])
             and (_integer(f[0]) and _integer(f[1]) or header and (_integer(f[0]) or _integer(f[1])))):
        return _kind(RATINGS)
    if _fits(rows, lambda f: len(f) >= 2 and all(_number(t) for t in f)):
        return Kind(EMBEDDING, "a table of numbers only (projector vectors.tsv?)")
    if _fits(split, lambda f: len(f) == 3 and _number(f[2]) and not _number(f[0]) and not _number(f[1])):
        return _kind(PAIRS)
    return _kind(TEXT)


def _split_row(line: str) -> list[str]:
    for sep in ("\t", ",", ";", "::", "|"):
        if sep in line:
            return [t.strip() for t in line.split(sep)]
    return line.split()


def refuse(path: str | os.PathLike, expected: str, kind: Kind | None, why: str = "") -> DataError:
    """The error for ``path`` that is not ``expected``: what it looks like, and ``why`` reading failed."""
    looks = f": it looks like {kind.description}{kind.hint()}" if kind is not None else ""
    tail = f" ({why})" if why else ""
    return DataError(f"not {expected}{looks}{tail}", path)


def expect(path: str | os.PathLike, expected: str, accept: tuple[str, ...]) -> Kind | None:
    """Check that ``path`` is of a kind in ``accept``; refuse it (DataError) when it clearly is not.

    Returns the kind found (None for a missing path: the reader then says so in its own words).
    """
    kind = sniff_kind(path)
    if kind is not None and kind.key not in accept:
        raise refuse(path, expected, kind)
    return kind


@contextlib.contextmanager
def reading(path: str | os.PathLike, expected: str, accept: tuple[str, ...]):
    """Around a reader: a DataError about ``path`` from a file of another kind says what was expected.

    An error on a file that does look like ``expected`` keeps its own words (file, line, reason).
    """
    try:
        yield
    except DataError as err:
        if err.path is None or os.fspath(err.path) != os.fspath(path):
            raise
        kind = sniff_kind(path)
        if kind is None or kind.key in accept:
            raise
        where = f"line {err.line}: " if err.line is not None else ""
        raise refuse(path, expected, kind, f"reading it as one: {where}{err.reason}") from None
