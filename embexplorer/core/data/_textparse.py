"""Fast, exact parsing of whitespace-separated embedding text.

One call parses a block of complete lines (``label v1 v2 ... vd`` for
word2vec/GloVe/fastText text, or ``v1<TAB>...<TAB>vd`` for TF Projector
``vectors.tsv``) into labels and a float32 matrix.

Why not ``np.fromstring``/``np.loadtxt``: they parse ~5 M values/s here,
too slow for the 3x-gensim goal.  The fast path below is pure numpy and
works on whole blocks at once:

1. token boundaries from a byte mask (bytes <= 32 are separators);
2. per numeric token, the sign and decimal point positions;
3. the digits are read eight at a time with SWAR arithmetic on unaligned
   ``uint64`` loads (the fast_float trick), right-aligned so no division is
   needed, giving the decimal mantissa ``m`` as an exact integer (a one-digit
   integer part, nearly every embedding value, is a single byte lookup);
4. ``m / 10**p`` in float64 is correctly rounded when ``m < 2**53`` and
   ``p <= 22`` (Clinger's fast path), and the float64 -> float32 cast is
   the same double rounding ``strtod`` + cast (numpy, gensim) performs.

About 3.5x ``np.fromstring``'s speed here, bit-identical to it.  Tokens outside
that envelope (exponents, long mantissas, ``nan``, junk) are parsed one by one
with ``float()``, or, when they are many (``%.18e`` files), by
``np.fromstring`` after checking each token is a single number.  Irregular
lines (blank, labels with spaces, ragged) go through the per-line path, which
also words every error with its line number; the rest of their block stays fast.
"""

from __future__ import annotations

import math

import numpy as np

from embexplorer.core.data._kernels import kernel_unavailable
from embexplorer.core.errors import DataError

#: Bytes at or below this value separate tokens (space, tab, CR, LF, controls).
SEP_MAX = 32
#: Zero padding around a block so unaligned 8-byte loads never leave the buffer.
PAD = 24
#: Beyond this share of tokens needing ``float()``, a block is parsed with ``np.fromstring``.
SLOW_TOKEN_SHARE = 0.05
#: Beyond this share of irregular lines, a whole block is parsed line by line.
IRREGULAR_LINE_SHARE = 0.1
_IRREGULAR = object()  # _fast_block's marker: "regular except these lines"
#: Largest integer exactly representable in float64 (Clinger's fast path bound).
_TWO53 = np.uint64(1 << 53)
#: Largest power of ten exactly representable in float64.
_MAX_POW10 = 22

_U = np.uint64
_ZERO8 = _U(0x3030303030303030)
_HIGHBITS = _U(0x8080808080808080)
_PLUS76 = _U(0x7676767676767676)
_M1 = _U(0x000000FF000000FF)
_MUL1 = _U(100 + (1000000 << 32))
_MUL2 = _U(1 + (10000 << 32))
_S8, _S16, _S32 = _U(8), _U(16), _U(32)
_POW10_INT = np.array([10 ** k for k in range(20)], dtype=np.uint64)
_POW10_F = np.array([10.0 ** k for k in range(_MAX_POW10 + 1)], dtype=np.float64)
# +10**k then -10**k: dividing by the signed power applies the sign for free.
_POW10_SIGNED = np.concatenate([_POW10_F, -_POW10_F])


def _u64_at(a: np.ndarray) -> np.ndarray:
    """Unaligned little-endian uint64 view: ``view[i]`` = bytes ``a[i:i+8]``."""
    return np.ndarray(shape=(a.size - 7,), dtype="<u8", buffer=a, strides=(1,))


def _digit_word(u: np.ndarray, end: np.ndarray, k: np.ndarray):
    """The ``k`` (0..8) characters before ``end`` as digit values 0..9, one per byte.

    Returns the word (earlier characters zeroed: leading zeros) and a flaw
    word whose high bits are set wherever a kept byte was not a digit.
    XOR (not subtraction) maps '0'..'9' to 0..9 without borrows between bytes.
    """
    sh = (_U(8) - k.astype(np.uint64)) << _U(3)
    v = u[end - 8]
    v ^= _ZERO8
    v >>= sh
    v <<= sh
    return v, v | (v + _PLUS76)


def _parse8(v: np.ndarray) -> np.ndarray:
    """Value of eight digit bytes (0..9 each; first in memory most significant)."""
    v = v * _U(10) + (v >> _S8)
    return (((v & _M1) * _MUL1) + (((v >> _S16) & _M1) * _MUL2)) >> _S32


def _fast_tokens(a: np.ndarray, st: np.ndarray, en: np.ndarray):
    """Parse numeric tokens ``a[st:en]``; returns (float64 values, ok mask).

    Covers ``-?\\d{0,8}(\\.\\d{0,16})?`` with at most 2**53 as mantissa; tokens
    marked not ok (exponents, long mantissas, junk) are left to the caller.
    ``a`` must hold no '.', 'e' or 'E' outside these tokens (the caller
    blanks labels out).
    """
    u = _u64_at(a)
    n = st.size
    neg = a[st] == 45
    ms = st + neg
    # Decimal points: in the common case exactly one per token, in order.
    dots = np.flatnonzero(a == 46)
    if dots.size == n and (dots > st).all() and (dots < en).all():
        d = dots
        nf = en - d
        nf -= 1
    else:
        d, has_dot = _first_in_token(dots, st, en)
        nf = np.where(has_dot, en - d - 1, 0)
    ni = d - ms
    ok = (ni.astype(np.uint64) <= _U(8)) & (nf.astype(np.uint64) <= _U(16))
    ok &= (ni + nf) > 0
    # Exponents are rare in embedding files: those tokens go to float().
    e_pos = np.flatnonzero((a | 0x20) == 101)
    if e_pos.size:
        ok[np.searchsorted(st, e_pos, side="right") - 1] = False
    if not ok.all():
        np.clip(ni, 0, 8, out=ni)
        np.clip(nf, 0, 16, out=nf)
    if ni.max(initial=0) <= 1:
        # Integer part of at most one digit (nearly every embedding value): one byte each.
        m = a[d - 1] ^ np.uint8(48)
        m[ni == 0] = 0
        ok &= m <= 9
        m = m.astype(np.uint64)
    else:
        w, flaws = _digit_word(u, d, ni)
        m = _parse8(w)
        ok &= (flaws & _HIGHBITS) == 0
    m *= _POW10_INT[nf]
    if nf.max(initial=0) > 8:
        w, fl1 = _digit_word(u, en, np.minimum(nf, 8))
        m += _parse8(w)
        w, fl2 = _digit_word(u, en - 8, np.maximum(nf - 8, 0))
        m += _parse8(w) * _U(10 ** 8)
        fl1 |= fl2
    else:
        w, fl1 = _digit_word(u, en, nf)
        m += _parse8(w)
    ok &= (fl1 & _HIGHBITS) == 0
    ok &= m < _TWO53  # at most 1 + 16 or 8 + 16 digits kept: no uint64 overflow before this check
    ok &= (ni + nf) <= 19
    val = m.astype(np.float64)
    val /= _POW10_SIGNED[nf + neg * (_MAX_POW10 + 1)]
    return val, ok


def _first_in_token(pos: np.ndarray, st: np.ndarray, en: np.ndarray):
    """First of the sorted positions ``pos`` inside each token, and whether there is one."""
    if pos.size == 0:
        return en.copy(), np.zeros(st.size, dtype=bool)
    i = np.searchsorted(pos, st)
    p = pos[np.minimum(i, pos.size - 1)]
    has = (i < pos.size) & (p < en)
    return np.where(has, p, en), has


def _token_bounds(a: np.ndarray, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) of every token in ``a[lo:hi]`` (absolute indices)."""
    sep = np.empty(hi - lo + 2, dtype=bool)
    sep[0] = sep[-1] = True
    np.less_equal(a[lo:hi], SEP_MAX, out=sep[1:-1])
    edges = np.flatnonzero(sep[1:] != sep[:-1]) + lo
    return edges[0::2], edges[1::2]


def parse_block(data: bytes, dims: int, has_label: bool, first_line: int, path,
                want: int | None = None):
    """Parse complete lines of text into labels and a float32 matrix.

    Parameters
    ----------
    data : bytes
        Whole lines; the last one may lack its newline.
    dims : int
        Values per row.
    has_label : bool
        Rows start with a label (word2vec/GloVe) or not (projector TSV).
    first_line : int
        1-based line number of the first line in ``data`` (for messages).
    path : path-like
        The file, for messages.
    want : int, optional
        Stop after this many rows.

    Returns
    -------
    labels : list of bytes
        One per row (empty list when ``has_label`` is false).
    rows : ndarray, shape (k, dims), float32
    lines : list of int or None
        Line number of each row when the per-line path ran (blank lines
        skipped), else None (row i is line ``first_line + i``).

    Raises
    ------
    DataError
        With the line number, for ragged rows, non-numeric or non-finite values.
    """
    if b"\x00" in data:
        bad = first_line + data.count(b"\n", 0, data.index(b"\x00"))
        raise DataError("binary data (NUL bytes) in a text file; if this is a word2vec .bin file, "
                        "use the word2vec-binary format", path, bad)
    res = _fast_block(data, dims, has_label, first_line, path)
    if res is None:
        return _slow_block(data, dims, has_label, first_line, path, want)
    if res[0] is _IRREGULAR:
        return _mixed_block(data, dims, has_label, first_line, path, want, res[1], res[2])
    labels, rows = res
    if want is not None and len(rows) > want:
        labels, rows = labels[:want], rows[:want]
    return labels, rows, None


def _mixed_block(data, dims, has_label, first_line, path, want, bad_lines, line_starts):
    """A block with a few irregular lines (blank, labels with spaces, errors): only those go slow."""
    if bad_lines.size > IRREGULAR_LINE_SHARE * (len(line_starts) - 1):
        return _slow_block(data, dims, has_label, first_line, path, want)
    labels: list[bytes] = []
    parts: list[np.ndarray] = []
    lines: list[int] = []
    got = 0
    prev = 0
    for b in [*bad_lines.tolist(), None]:
        if want is not None and got >= want:
            break
        stop = len(line_starts) - 1 if b is None else b
        if stop > prev:  # regular lines prev..stop-1
            seg = data[line_starts[prev]:line_starts[stop]]
            res = _fast_block(seg, dims, has_label, first_line + prev, path)
            if res is None or res[0] is _IRREGULAR:
                lab, rows, seg_lines = _slow_block(seg, dims, has_label, first_line + prev, path, None)
            else:
                (lab, rows), seg_lines = res, list(range(first_line + prev, first_line + stop))
            labels += lab
            parts.append(rows)
            lines += seg_lines
            got += len(rows)
        if b is not None:
            lab, rows, seg_lines = _slow_block(data[line_starts[b]:line_starts[b + 1]], dims, has_label,
                                               first_line + b, path, None)
            labels += lab
            parts.append(rows)
            lines += seg_lines
            got += len(rows)
            prev = b + 1
    rows = np.concatenate(parts) if parts else np.empty((0, dims), dtype=np.float32)
    if want is not None and len(rows) > want:
        labels, rows, lines = labels[:want], rows[:want], lines[:want]
    return (labels if has_label else []), rows, lines


def _fast_block(data: bytes, dims: int, has_label: bool, first_line: int, path):
    a = np.zeros(len(data) + 2 * PAD + 1, dtype=np.uint8)
    a[PAD:PAD + len(data)] = np.frombuffer(data, dtype=np.uint8)
    end = PAD + len(data)
    if not data.endswith(b"\n"):
        a[end] = 10
        end += 1
    st, en = _token_bounds(a, PAD, end)
    nl = np.flatnonzero(a[PAD:end] == 10) + PAD
    n = nl.size
    per = dims + (1 if has_label else 0)
    if n == 0:
        return None
    # Exactly ``per`` tokens on every line: each line's last token ends before its newline
    # and the next line's first token starts after it.
    if not (st.size == n * per and (en[per - 1::per] <= nl).all() and (st[per::per] > nl[:-1]).all()):
        counts = np.bincount(np.searchsorted(nl, st), minlength=n)
        line_starts = np.concatenate([[0], nl - PAD + 1]).tolist()
        line_starts[-1] = min(line_starts[-1], len(data))
        return _IRREGULAR, np.flatnonzero(counts[:n] != per), line_starts
    if has_label:
        lab_st = st[0::per].tolist()
        lab_en = en[0::per].tolist()
        num = np.ones(st.size, dtype=bool)
        num[0::per] = False
        vst, ven = st[num], en[num]
        for s_, e_ in zip(lab_st, lab_en):
            a[s_:e_] = 32  # labels may hold '.', 'e': keep them out of the number scan
    else:
        vst, ven = st, en
    vals, ok = _fast_tokens(a, vst, ven)
    if not ok.all():
        bad = np.flatnonzero(~ok)
        if bad.size > SLOW_TOKEN_SHARE * ok.size:
            vals = _fromstring_tokens(a, PAD, end, vst, vals.size)
            if vals is None:
                return None
        else:
            for i in bad.tolist():
                tok = a[vst[i]:ven[i]].tobytes()
                try:
                    vals[i] = float(tok)
                except ValueError:
                    return None  # the per-line path words the error
    with np.errstate(over="ignore"):  # out-of-range values become inf, caught just below
        rows = vals.astype(np.float32).reshape(n, dims)
    if not np.isfinite(rows).all():
        return None
    labels = [data[s - PAD:e - PAD] for s, e in zip(lab_st, lab_en)] if has_label else []
    return labels, rows


def _fromstring_tokens(a: np.ndarray, lo: int, hi: int, st: np.ndarray, count: int):
    """Parse a regular block whose numbers the fast path does not cover (e.g. ``%.18e``).

    ``a[lo:hi]`` holds only numeric tokens (labels blanked).  ``np.fromstring``
    lets "zero or more" whitespace separate numbers, so a token such as
    ``1-2`` would read as two; tokens are first checked to be single numbers
    (allowed characters; a sign only first or after the exponent mark; at
    most one '.' and one 'e' each).
    """
    b = a[lo:hi]
    if not _NUMBER_CHARS[b].all():
        return None
    signs = np.flatnonzero((b == 45) | (b == 43))
    if signs.size:
        before = b[np.maximum(signs - 1, 0)]
        if not ((before <= SEP_MAX) | ((before | 0x20) == 101) | (signs == 0)).all():
            return None
    for mark in (b == 46, (b | 0x20) == 101):
        tok = np.searchsorted(st, np.flatnonzero(mark) + lo, side="right")
        if tok.size > 1 and (np.diff(tok) == 0).any():
            return None
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "string could not be read to its end": the count check says so
        try:
            vals = np.fromstring(b.tobytes(), dtype=np.float64, sep=" ")
        except ValueError:
            return None
    return vals if vals.size == count else None


_NUMBER_CHARS = np.zeros(256, dtype=bool)
_NUMBER_CHARS[:SEP_MAX + 1] = True
_NUMBER_CHARS[list(b"0123456789.eE+-")] = True


def _slow_block(data: bytes, dims: int, has_label: bool, first_line: int, path, want):
    """Per-line parse: tolerant of blank lines and labels with spaces; precise errors."""
    labels: list[bytes] = []
    rows: list[np.ndarray] = []
    lines: list[int] = []
    for k, line in enumerate(data.split(b"\n")):
        if want is not None and len(rows) >= want:
            break
        parts = line.split()
        if not parts:
            continue
        lineno = first_line + k
        if has_label:
            if len(parts) < dims + 1:
                raise DataError(f"expected a label and {dims} values, found {len(parts) - 1} values",
                                path, lineno)
            label_parts, values = parts[:len(parts) - dims], parts[len(parts) - dims:]
            if len(label_parts) > 1 and all(is_number(p) for p in label_parts[1:]):
                raise DataError(f"expected a label and {dims} values, found {len(parts) - 1} values",
                                path, lineno)
            # Labels with spaces (GloVe 840B has some): the leading fields form the label, with the
            # whitespace between them kept as written (gensim keeps a tab inside a label).
            labels.append(label_parts[0] if len(label_parts) == 1 else line.rsplit(None, dims)[0].strip())
        else:
            if len(parts) != dims:
                raise DataError(f"expected {dims} values, found {len(parts)}", path, lineno)
            values = parts
        row = np.empty(dims, dtype=np.float64)
        for j, tok in enumerate(values):
            try:
                row[j] = float(tok)
            except ValueError:
                shown = tok[:40].decode("utf-8", "replace")
                raise DataError(f"non-numeric value {shown!r} in column {j + 1 + has_label}",
                                path, lineno) from None
            if not math.isfinite(row[j]):
                raise DataError(f"{'NaN' if math.isnan(row[j]) else 'infinite'} value in column "
                                f"{j + 1 + has_label}", path, lineno)
        with np.errstate(over="ignore"):
            row32 = row.astype(np.float32)
        if not np.isfinite(row32).all():
            raise DataError("value too large for float32", path, lineno)
        rows.append(row32)
        lines.append(lineno)
    mat = np.array(rows, dtype=np.float32).reshape(len(rows), dims)
    return labels, mat, lines


def is_number(tok: bytes | str) -> bool:
    """Whether ``tok`` parses as a float, as the loaders read values (``float`` takes bytes and text)."""
    try:
        float(tok)
    except ValueError:
        return False
    return True


def is_number_text(text: str, comma_decimal: bool = False) -> bool:
    """Whether ``text`` parses as a float: :func:`is_number` for text (ratings tables, column previews).

    Parameters
    ----------
    text : str
    comma_decimal : bool
        Also accept one comma as the decimal point ("4,5" in a semicolon-separated European file),
        as the ratings reader does.
    """
    if comma_decimal and text.count(",") == 1:
        text = text.replace(",", ".")
    return is_number(text)


def header_counts(line: bytes) -> tuple[int, int] | None:
    """``(count, dims)`` of a word2vec header line (two integers), else None."""
    parts = line.split()
    if len(parts) != 2:
        return None
    try:
        return int(parts[0]), int(parts[1])
    except ValueError:
        return None


def trailing_numbers(parts: list[bytes]) -> int:
    """How many of the last fields are numbers: the vector after a label that may hold spaces."""
    n = 0
    for tok in reversed(parts):
        if not is_number(tok):
            break
        n += 1
    return n


# -- compiled parser (numba, optional) ---------------------------------------------------------------------

#: Files from this size on are parsed by the compiled parser when numba is installed (below it,
#: numba's import, ~0.3-0.5 s, costs more than it saves).
COMPILED_PARSE_MIN_BYTES = 64 * 1024 * 1024
#: Set to False to never use the compiled parser (tests compare the two).
USE_COMPILED_PARSE = True


def compiled_parser(size: int):
    """The compiled block parser for a file of ``size`` bytes, or None (small file, or no numba).

    It returns a function ``parse(data, dims, has_label, want, out)`` that parses the whole lines
    of ``data`` into ``out[:k]`` (float32, at least ``want`` rows) and returns ``(k, labels)``,
    the labels as one bytes object joined by spaces (they hold no whitespace), or None when a line
    is outside what it covers: the caller then uses :func:`parse_block`, whose results are the
    same (values bit-identical) and which words every error.
    """
    if not USE_COMPILED_PARSE or size < COMPILED_PARSE_MIN_BYTES:
        return None
    try:
        from embexplorer.core.data._compiled import parse_text_rows
    except Exception as exc:  # noqa: BLE001 -- numba missing, or broken (e.g. built for another numpy)
        kernel_unavailable("text number parser", exc)
        return None

    def parse(data: bytes, dims: int, has_label: bool, want: int, out: np.ndarray):
        if not data.endswith(b"\n") or b"\x00" in data:
            return None
        a = np.frombuffer(data, dtype=np.uint8)
        labels = np.empty(len(data) if has_label else 0, dtype=np.uint8)
        k, m = parse_text_rows(a, dims, has_label, want, out, labels)
        if k < 0:
            return None
        return k, labels[:m].tobytes()

    try:
        parse(b"a 1\n", 1, True, 1, np.empty((1, 1), dtype=np.float32))  # loads the machine code
    except Exception as exc:  # noqa: BLE001 -- a numba that cannot compile: the numpy parser
        kernel_unavailable("text number parser", exc)
        return None
    return parse
