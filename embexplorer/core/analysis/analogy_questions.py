"""Analogy test sets (``questions-words.txt`` and the like): their questions and sections, read.

A file is read without a Python loop per line when it has the usual shape (sections of lines of four
words); any other file line by line, with the same result and errors naming the file and the line.
"""

from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from itertools import chain, starmap
from operator import itemgetter
from typing import NamedTuple

import numpy as np

from embexplorer.core.errors import DataError


class AnalogyQuestion(NamedTuple):
    """One line "a b c expected" of an analogy file (``line`` is 1-based).

    A named tuple: files hold ~20,000 questions and creating them must be cheap.
    """

    a: str
    b: str
    c: str
    expected: str
    line: int

    @property
    def words(self) -> tuple[str, str, str, str]:
        return (self.a, self.b, self.c, self.expected)


@dataclass
class AnalogySection:
    """A ``: section`` of an analogy file and its questions."""

    name: str
    questions: list[AnalogyQuestion] = field(default_factory=list)
    line: int = 0


class QuestionWords(NamedTuple):
    """The words of a test set: each distinct word once, and every question's four as indices into them.

    ``codes`` has a row per question, sections one after the other in file order (a, b, c, expected).
    """

    distinct: list[str]
    codes: np.ndarray


def codec_name(encoding: str) -> str:
    return "UTF-8" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding


def read_analogy_questions(path: str | os.PathLike, encoding: str = "utf-8") -> list[AnalogySection]:
    """Read a ``questions-words.txt``-style file.

    Sections start with ``": name"``; every other non-blank line holds four
    whitespace-separated words.

    Raises
    ------
    DataError
        With the file and line of a line that is not four words, or of a
        question before the first section header.
    """
    sections: list[AnalogySection] = []
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as err:
        raise DataError(err.strerror or str(err), path) from None
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        raise DataError(f"not {codec_name(encoding)} text", path, line) from None
    except LookupError:
        raise DataError(f"unknown text encoding {encoding!r}", path) from None
    if not _read_regular_sections(text, sections):
        sections.clear()
        _read_sections_line_by_line(text, path, sections)
    if not sections:
        raise DataError("no ': section' header and no questions found", path)
    return sections


#: A section header line, and a section body of the usual shape: lines of four words separated by single
#: spaces, ending in "\n" (the whole file is then read without a Python loop per line).
_HEADER = re.compile(r"^: .*$", re.MULTILINE)
_REGULAR_BODY = re.compile(r"(?:\S+ \S+ \S+ \S+\n)*(?:\S+ \S+ \S+ \S+)?")


def _read_regular_sections(text: str, sections: list[AnalogySection]) -> bool:
    """Read ``text`` into ``sections`` when every section's body has the usual shape (see
    :data:`_REGULAR_BODY`), as the line-by-line reader would; ``False`` (and ``sections`` partly
    filled) otherwise.  Lines numbers follow from the bodies: no blank line, no other line break."""
    headers = list(_HEADER.finditer(text))
    if not headers or text[:headers[0].start()].strip():
        return False
    line, pos = 1 + text.count("\n", 0, headers[0].start()), headers[0].start()
    for h, nxt in zip(headers, [*headers[1:], None]):
        line += text.count("\n", pos, h.start())
        end = len(text) if nxt is None else nxt.start()
        body_start = min(h.end() + 1, end)  # after the header's newline
        if text[h.end():body_start] not in ("\n", ""):
            return False
        body = text[body_start:end]
        if not _REGULAR_BODY.fullmatch(body):
            return False
        words = body.split()
        first = line + 1
        sections.append(AnalogySection(h.group().lstrip(": ").strip(), list(starmap(
            AnalogyQuestion, zip(words[0::4], words[1::4], words[2::4], words[3::4],
                                 range(first, first + len(words) // 4)))), line))
        pos = h.start()
    return True


def _read_sections_line_by_line(text: str, path, sections: list[AnalogySection]) -> None:
    current: list[AnalogyQuestion] | None = None
    for no, line in enumerate(text.splitlines(), start=1):
        if line.startswith(": "):
            # gensim: line.lstrip(': ').strip()
            sections.append(AnalogySection(line.lstrip(": ").strip(), [], no))
            current = sections[-1].questions
            continue
        words = line.split()
        if len(words) == 4 and current is not None:
            current.append(AnalogyQuestion(words[0], words[1], words[2], words[3], no))
            continue
        if not words:
            continue
        if len(words) != 4:
            raise DataError(f"expected 4 words (a b c expected), found {len(words)}", path, no)
        raise DataError("question before the first ': section' header", path, no)


#: Question files kept parsed by :func:`read_analogy_questions_kept` (an evaluation of another set, or
#: with the other method, reads the file again only if it changed).
KEPT_QUESTION_FILES = 4
_KEPT: OrderedDict = OrderedDict()
_KEPT_LOCK = threading.Lock()


def read_analogy_questions_kept(path: str | os.PathLike, encoding: str = "utf-8") -> list[AnalogySection]:
    """:func:`read_analogy_questions`, kept while the file's size and modification time stay the same
    (the last :data:`KEPT_QUESTION_FILES` files).  The sections are shared: read them, do not change them."""
    try:
        st = os.stat(path)
    except OSError:
        return read_analogy_questions(path, encoding)  # which names the file and the reason
    key = (os.path.abspath(path), st.st_size, st.st_mtime_ns, encoding)
    with _KEPT_LOCK:
        sections = _KEPT.get(key)
        if sections is not None:
            _KEPT.move_to_end(key)
            return sections
    sections = read_analogy_questions(path, encoding)
    with _KEPT_LOCK:
        _KEPT[key] = sections
        while len(_KEPT) > KEPT_QUESTION_FILES:
            _, gone = _KEPT.popitem(last=False)
            _WORDS.pop(id(gone), None)
    return sections


#: :func:`question_words` of the kept files, by the identity of their sections (kept alive by ``_KEPT``).
_WORDS: dict[int, QuestionWords] = {}
_FOUR_WORDS = itemgetter(0, 1, 2, 3)


def question_words(sections: list[AnalogySection]) -> QuestionWords:
    """Every question's words as indices into the distinct words (a test set repeats a few hundred words:
    an evaluation then looks each up once).  Kept with a file :func:`read_analogy_questions_kept` keeps."""
    with _KEPT_LOCK:  # (another thread may be reading a file into _KEPT)
        found = _WORDS.get(id(sections)) if any(v is sections for v in _KEPT.values()) else None
    if found is not None:
        return found
    words = list(chain.from_iterable(map(_FOUR_WORDS, chain.from_iterable(s.questions for s in sections))))
    index = dict.fromkeys(words)
    for i, w in enumerate(index):
        index[w] = i
    codes = np.fromiter(map(index.__getitem__, words), dtype=np.int32, count=len(words)).reshape(-1, 4)
    table = QuestionWords(list(index), codes)
    with _KEPT_LOCK:
        if any(v is sections for v in _KEPT.values()):
            _WORDS[id(sections)] = table
    return table
