"""Training corpora: restartable iterables of token lists, read from text files or a Wikipedia dump.

gensim iterates a corpus once for the vocabulary and once per epoch, so every corpus starts again
from the beginning when iterated again.  :func:`open_corpus` picks the reader; sentences longer
than :data:`MAX_SENTENCE_WORDS` are split (gensim would silently cut them).  Import everything
from :mod:`embexplorer.core.word2vec.w2v`.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import os
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from xml.etree import ElementTree

from embexplorer.core.atomic import atomic_write
from embexplorer.core.errors import DataError

#: gensim silently truncates longer sentences (its MAX_WORDS_IN_BATCH); we split them instead.
MAX_SENTENCE_WORDS = 10_000
#: Bytes read from the start of a file to recognise binary files and Wikipedia dumps.
SNIFF_BYTES = 4096
#: Wikipedia articles shorter than this (in tokens) are skipped, as gensim's WikiCorpus does.
WIKI_ARTICLE_MIN_TOKENS = 50

#: Suffixes of compressed text files we read transparently.
COMPRESSED_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}

# A token for --strip-punct: starts and ends with a word character; may keep inner
# apostrophes, dots and hyphens ("don't", "u.s", "state-of-the-art").
_TOKEN_RE = re.compile(r"\w(?:[\w'\u2019.\-]*\w)?")


def _open_binary(path: Path):
    opener = COMPRESSED_OPENERS.get(path.suffix.lower())
    return opener(path, "rb") if opener else open(path, "rb")


def _open_text(path: Path, encoding: str = "utf-8"):
    opener = COMPRESSED_OPENERS.get(path.suffix.lower())
    if opener:
        return opener(path, "rt", encoding=encoding, errors="replace")
    return open(path, encoding=encoding, errors="replace")


def _sniff(path: Path) -> bytes:
    """The first bytes of ``path`` after decompression (DataError when unreadable)."""
    try:
        with _open_binary(path) as fh:
            return fh.read(SNIFF_BYTES)
    except (OSError, EOFError, lzma.LZMAError) as err:
        raise DataError(f"cannot read as text: {err}", path) from err


def is_wiki_dump(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a (compressed) MediaWiki XML dump."""
    path = Path(path)
    return path.is_file() and b"<mediawiki" in _sniff(path)


class LineCorpus:
    """Sentences from a text file (one per line) or every file of a folder.

    ``.gz``, ``.bz2`` and ``.xz`` files are decompressed on the fly; text is
    read as UTF-8 (or ``encoding``; undecodable bytes become U+FFFD).  Iterating again starts
    again from the beginning (gensim needs that).

    Parameters
    ----------
    path : str or os.PathLike
        A file, or a folder whose files (recursively, sorted, hidden ones
        skipped) are read one after another.
    lowercase : bool
        Lower-case every token.
    strip_punct : bool
        Keep only tokens made of word characters (inner ``'``, ``.`` and ``-``
        allowed): punctuation at token edges and punctuation-only tokens go.
    encoding : str
        Text encoding of the files (default UTF-8).
    """

    def __init__(self, path: str | os.PathLike, lowercase: bool = True, strip_punct: bool = False,
                 encoding: str = "utf-8") -> None:
        import codecs

        try:
            self.encoding = codecs.lookup(encoding).name
        except LookupError:
            raise DataError(f"unknown text encoding {encoding!r}", path) from None
        self.path = Path(path)
        self.lowercase = lowercase
        self.strip_punct = strip_punct
        if self.path.is_dir():
            files = sorted(p for p in self.path.rglob("*")
                           if p.is_file() and not any(part.startswith(".")
                                                      for part in p.relative_to(self.path).parts))
            if not files:
                raise DataError("the folder holds no files", self.path)
        elif self.path.is_file():
            files = [self.path]
        else:
            raise DataError("no such file or folder", self.path)
        for f in files:
            if b"\x00" in _sniff(f):
                raise DataError("looks like a binary file, not a text corpus", f)
        self.files: list[Path] = files

    def __repr__(self) -> str:
        return f"LineCorpus({str(self.path)!r}, {len(self.files)} file(s))"

    def tokenize(self, line: str) -> list[str]:
        """Split one line into tokens with this corpus's options."""
        if self.lowercase:
            line = line.lower()
        return _TOKEN_RE.findall(line) if self.strip_punct else line.split()

    def __iter__(self) -> Iterator[list[str]]:
        tokenize = self.tokenize
        for f in self.files:
            lineno = 0
            try:
                with _open_text(f, self.encoding) as fh:
                    for line in fh:
                        lineno += 1
                        tokens = tokenize(line)
                        if len(tokens) <= MAX_SENTENCE_WORDS:
                            if tokens:
                                yield tokens
                        else:
                            for i in range(0, len(tokens), MAX_SENTENCE_WORDS):
                                yield tokens[i:i + MAX_SENTENCE_WORDS]
            except (EOFError, OSError, lzma.LZMAError, zlib.error) as err:
                # Only the first bytes were checked up front: a truncated or
                # corrupt archive shows itself part-way through.
                raise DataError(f"the compressed file is damaged or truncated ({err})", f,
                                lineno + 1) from err


class WikiDumpCorpus:
    """Articles of a Wikipedia XML dump (``.xml.bz2``) as token lists.

    Parsing follows gensim's :class:`~gensim.corpora.wikicorpus.WikiCorpus`
    (``extract_pages`` + ``process_article``: markup filtered, tokens of 2-15
    characters, articles under :data:`WIKI_ARTICLE_MIN_TOKENS` tokens and
    non-article namespaces skipped) but in-process: WikiCorpus's process pool
    would fork from gensim's producer thread while the training threads run.

    Parsing is slow next to training, so the first complete pass is written
    to a plain-text cache (one article per line, in ``cache_dir``) and later
    passes read that.

    Parameters
    ----------
    path : str or os.PathLike
        The dump.
    lowercase : bool
        Lower-case tokens (WikiCorpus's ``lower``).
    max_articles : int, optional
        Stop after this many (kept) articles.
    cache_dir : str or os.PathLike, optional
        Folder for the token cache (default: the app cache); ``False`` disables it.
    """

    def __init__(self, path: str | os.PathLike, lowercase: bool = True, max_articles: int | None = None,
                 cache_dir: str | os.PathLike | None | bool = None) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise DataError("no such file", self.path)
        if not is_wiki_dump(self.path):
            raise DataError("not a MediaWiki XML dump (no <mediawiki> element at the start)", self.path)
        self.lowercase = lowercase
        self.max_articles = max_articles
        if cache_dir is False:
            self.cache_path = None
        else:
            if cache_dir is None:
                from embexplorer.core.paths import cache_dir as app_cache_dir

                cache_dir = app_cache_dir() / "wiki-tokens"
            st = self.path.stat()
            key = f"{self.path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{lowercase}|{max_articles}"
            digest = hashlib.sha256(key.encode()).hexdigest()[:16]
            self.cache_path = Path(cache_dir) / f"{self.path.name}.{digest}.txt"

    def __repr__(self) -> str:
        return f"WikiDumpCorpus({str(self.path)!r}, max_articles={self.max_articles})"

    def _parse(self) -> Iterator[list[str]]:
        from gensim.corpora.wikicorpus import IGNORED_NAMESPACES, extract_pages, process_article

        kept = 0
        with _open_binary(self.path) as fh:
            pages = extract_pages(fh, ("0",))
            while True:
                try:
                    title, text, pageid = next(pages)
                except StopIteration:
                    return
                except (ElementTree.ParseError, EOFError, OSError, lzma.LZMAError) as err:
                    raise DataError(f"broken Wikipedia dump after {kept} articles: {err}", self.path) from err
                tokens, _, _ = process_article((text, title, pageid), lower=self.lowercase)
                if len(tokens) < WIKI_ARTICLE_MIN_TOKENS or any(
                        title.startswith(ns + ":") for ns in IGNORED_NAMESPACES):
                    continue
                yield tokens
                kept += 1
                if self.max_articles is not None and kept >= self.max_articles:
                    return

    def __iter__(self) -> Iterator[list[str]]:
        if self.cache_path is not None and self.cache_path.is_file():
            with open(self.cache_path, encoding="utf-8") as fh:
                for line in fh:
                    yield from _chunks(line.split())
            return
        if self.cache_path is None:
            for tokens in self._parse():
                yield from _chunks(tokens)
            return
        # atomic_write drops the partial cache if this pass is abandoned (e.g. cancelled).
        with atomic_write(self.cache_path, "w", encoding="utf-8") as out:
            for tokens in self._parse():
                out.write(" ".join(tokens))
                out.write("\n")
                yield from _chunks(tokens)


def _chunks(tokens: list[str]) -> Iterator[list[str]]:
    if len(tokens) <= MAX_SENTENCE_WORDS:
        if tokens:
            yield tokens
        return
    for i in range(0, len(tokens), MAX_SENTENCE_WORDS):
        yield tokens[i:i + MAX_SENTENCE_WORDS]


class ConcatCorpus:
    """Several corpora one after another (restartable)."""

    def __init__(self, parts: Sequence[Iterable[list[str]]]) -> None:
        self.parts = list(parts)

    def __repr__(self) -> str:
        return f"ConcatCorpus({self.parts!r})"

    def __iter__(self) -> Iterator[list[str]]:
        for part in self.parts:
            yield from part


def open_corpus(path: str | os.PathLike, lowercase: bool = True, strip_punct: bool = False,
                wiki: bool | None = None, max_articles: int | None = None, encoding: str = "utf-8"):
    """Open a corpus for training: a Wikipedia dump or line-per-sentence text.

    Parameters
    ----------
    path : str or os.PathLike
        File (plain, ``.gz``, ``.bz2``, ``.xz``), folder, or Wikipedia XML dump.
    lowercase, strip_punct : bool
        Tokenisation options (a Wikipedia dump always drops punctuation).
    wiki : bool, optional
        Force (True) or refuse (False) the Wikipedia reader; ``None`` detects it.
    max_articles : int, optional
        Limit for a Wikipedia dump.
    encoding : str
        Text encoding of a line-per-sentence corpus (a Wikipedia dump is XML: it says its own).
    """
    path = Path(path)
    if wiki is None:
        wiki = is_wiki_dump(path)
    if wiki:
        return WikiDumpCorpus(path, lowercase=lowercase, max_articles=max_articles)
    return LineCorpus(path, lowercase=lowercase, strip_punct=strip_punct, encoding=encoding)
