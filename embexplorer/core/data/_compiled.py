"""The compiled record scan of the word2vec binary fast path (numba; optional).

Imported only by :func:`embexplorer.core.data._w2v_binary.compiled_scan` and
:func:`embexplorer.core.data._textparse.compiled_parser`, for large files and when numba is
installed (the ``fast`` extra; the ``umap`` extra brings it too).  The pure-Python scan
(:func:`~embexplorer.core.data._w2v_binary.regex_scan`) gives the same results; both are tested
on the same files.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

_SPACE, _LF, _CR = 0x20, 0x0A, 0x0D
#: 64-bit FNV-1a (the labels' hashes: cheap, a byte at a time, and well spread for short keys).
FNV_OFFSET = np.uint64(14695981039346656037)
FNV_PRIME = np.uint64(1099511628211)


def fnv1a(label: bytes) -> int:
    """The hash :func:`scan_records` gives ``label`` (for tests and callers without numba)."""
    h = int(FNV_OFFSET)
    for b in label:
        h = ((h ^ b) * int(FNV_PRIME)) & 0xFFFFFFFFFFFFFFFF
    return h


@intrinsic
def _copy_bytes(typingctx, dst, dst_off, src, src_off, nbytes):  # pragma: no cover (compiled)
    """``memcpy(dst.data + dst_off, src.data + src_off, nbytes)`` for two 1-D uint8 arrays, inlined
    (LLVM's memcpy: a loop over the bytes is not turned into one, and ran ~3x slower, measured)."""
    # Typed for 1-D contiguous uint8 arrays only: with wider items the offsets would count items, not
    # bytes (the copy would run past the arrays' ends).
    if not all(isinstance(a, types.Array) and a.dtype == types.uint8 and a.ndim == 1 and a.layout == "C"
               for a in (dst, src)):
        return None
    sig = types.void(dst, types.intp, src, types.intp, types.intp)

    def codegen(context, builder, signature, args):
        d, d_off, s, s_off, n = args
        d_arr = context.make_array(signature.args[0])(context, builder, d)
        s_arr = context.make_array(signature.args[2])(context, builder, s)
        cgutils.raw_memcpy(builder, builder.gep(d_arr.data, [d_off]), builder.gep(s_arr.data, [s_off]), n, 1)
        return context.get_dummy_value()

    return sig, codegen


#: Exponent bits of a float32: all set in an infinity or a NaN.
_EXPONENT = np.int32(0x7F800000)
_LOW31 = np.int32(0x7FFFFFFF)


@njit(cache=True, nogil=True, inline="always")
def _check_row(r: np.ndarray) -> tuple[int, int, int]:  # pragma: no cover
    """(The largest exponent bits, the smallest and the largest ordered bits) of the float32 values
    whose bits are ``r``.  A loop of its own, with its own accumulators: inside the scan's loop the
    same reductions did not vectorise (0.08 s instead of 0.044 s for 300,000 rows, measured)."""
    lo = _LOW31
    hi = ~_LOW31
    top = np.int32(0)
    for j in range(r.size):
        b = r[j]
        key = b ^ ((b >> 31) & _LOW31)
        lo = key if key < lo else lo
        hi = key if key > hi else hi
        e = b & _EXPONENT
        top = e if e > top else top
    return top, lo, hi


@njit(cache=True, nogil=True)
def scan_records(buf: np.ndarray, pos: int, have: int, rec: int, want: int, max_label: int,
                 out: np.ndarray, row: int, labels: np.ndarray,
                 hashes: np.ndarray) -> tuple[int, int, int, int, int, int]:  # pragma: no cover
    """Walk the complete records of ``buf[pos:have]`` (at most ``want``), copying and checking their
    vectors.

    A record is newlines (skipped), the label (no space, at most ``max_label`` bytes), a space and
    ``rec`` bytes: ``rec // 4`` float32 values.  Copies the ``k``-th record's vector to row
    ``row + k`` of ``out`` (the matrix's bytes; the caller makes room for ``want`` rows), writes
    each label's bytes' hash (:func:`fnv1a`) to ``hashes`` and the labels, joined by single
    spaces, to ``labels``.

    Each row is checked as it is copied (from the L1 cache), on the values' bits: a float32's bits,
    the low 31 flipped when negative, order as the values do, so integer minima and maxima (which
    vectorise; float ones here do not) give the range; an exponent of all ones is an infinity or a
    NaN.  Returns (records found, label bytes written, position after the last record, the
    smallest and the largest value as such ordered bits (see :func:`ordered_bits_value`), the
    first record holding an infinity or a NaN or -1); records found is -1 when a label is longer
    than ``max_label`` (irregular).  The range is meaningless when a record is bad.
    """
    dims = rec // 4
    bits = out.view(np.int32)
    lo = _LOW31
    hi = ~_LOW31
    bad = -1
    k = 0
    m = 0
    while k < want:
        p = pos
        while p < have and (buf[p] == _LF or buf[p] == _CR):
            p += 1
        lim = min(have, p + max_label + 1)
        q = p
        h = FNV_OFFSET
        while q < lim and buf[q] != _SPACE:
            h = (h ^ np.uint64(buf[q])) * FNV_PRIME
            q += 1
        if q == lim:
            if lim == p + max_label + 1:
                return -1, m, pos, lo, hi, bad
            break  # the label goes on past the bytes read
        if q + 1 + rec > have:
            break  # the vector does
        if k:
            labels[m] = _SPACE
            m += 1
        for j in range(p, q):
            labels[m] = buf[j]
            m += 1
        _copy_bytes(out, (row + k) * rec, buf, q + 1, rec)
        top, row_lo, row_hi = _check_row(bits[(row + k) * dims:(row + k + 1) * dims])
        lo = min(lo, row_lo)
        hi = max(hi, row_hi)
        if top == _EXPONENT and bad < 0:
            bad = k
        hashes[k] = h
        pos = q + 1 + rec
        k += 1
    return k, m, pos, lo, hi, bad


def ordered_bits_value(key: int) -> float:
    """The float32 value of ordered bits (:func:`scan_records`' range)."""
    key = np.int32(key)
    return float(np.array([key ^ ((key >> 31) & _LOW31)], dtype=np.int32).view(np.float32)[0])


#: Largest exact power of ten in float64 (Clinger's fast path: ``m * 10**p`` and ``m / 10**p`` are
#: correctly rounded when ``m < 2**53`` and ``|p| <= 22``).
_MAX_POW10 = 22
_POW10 = np.array([10.0 ** k for k in range(_MAX_POW10 + 1)], dtype=np.float64)
_TWO53 = 1 << 53
#: Digits (leading zeros included) of a number parsed here: exact in an int64 mantissa.
_MAX_DIGITS = 18


@njit(cache=True, nogil=True, error_model="numpy")  # numpy's: no zero-division branch
def parse_text_rows(a: np.ndarray, dims: int, has_label: bool, want: int, out: np.ndarray,
                    labels: np.ndarray) -> tuple[int, int]:  # pragma: no cover
    """Parse the lines of ``a`` (whole lines: its last byte is a newline; no NUL byte) into ``out``.

    Each line: separators (bytes <= 32 but newline), the label if ``has_label`` (bytes > 32), then
    ``dims`` numbers, then the newline.  A number is ``[+-]?digits[.digits][(e|E)[+-]?digits]``
    whose value is exact by Clinger's fast path (at most 18 digits, mantissa at most 2**53, power
    of ten within 22): correctly rounded to float64, then cast to float32, as
    ``float()`` and the numpy parser do.  Labels are written to ``labels`` joined by single spaces.

    Returns (rows parsed, label bytes written); rows is -1 at the first line outside this
    envelope (blank, ragged, a label with spaces, another number syntax or more digits):
    the caller then parses the block with the general parser, which also words any error.
    """
    i = 0
    k = 0
    m = 0
    while k < want and i < a.size:
        while a[i] <= 32 and a[i] != _LF:
            i += 1
        if has_label:
            s = i
            while a[i] > 32:
                i += 1
            if i == s:
                return -1, m
            if k:
                labels[m] = _SPACE
                m += 1
            for j in range(s, i):
                labels[m] = a[j]
                m += 1
        for col in range(dims):
            while a[i] <= 32 and a[i] != _LF:
                i += 1
            c = a[i]
            neg = c == 45
            if neg or c == 43:
                i += 1
            mant = 0
            nd = 0
            while True:
                d = a[i] - 48
                if d < 0 or d > 9:
                    break
                mant = mant * 10 + d
                nd += 1
                i += 1
            frac = 0
            if a[i] == 46:
                i += 1
                f0 = i
                while True:
                    d = a[i] - 48
                    if d < 0 or d > 9:
                        break
                    mant = mant * 10 + d
                    i += 1
                frac = i - f0
                nd += frac
            # At most 18 digits: the int64 mantissa is exact (no overflow) and compared with 2**53.
            if nd == 0 or nd > _MAX_DIGITS or mant > _TWO53:
                return -1, m
            p = -frac
            if a[i] == 101 or a[i] == 69:
                i += 1
                eneg = a[i] == 45
                if eneg or a[i] == 43:
                    i += 1
                e = 0
                ed = 0
                while 48 <= a[i] <= 57 and ed < 4:
                    e = e * 10 + (a[i] - 48)
                    ed += 1
                    i += 1
                if ed == 0:
                    return -1, m
                p += -e if eneg else e
            if a[i] > 32 or p < -_MAX_POW10 or p > _MAX_POW10:
                return -1, m
            v = float(mant)
            if p < 0:
                v = v / _POW10[-p]
            elif p > 0:
                v = v * _POW10[p]
            # |v| <= 2**53 * 10**22 < 3.4e38: always finite in float32.
            out[k, col] = -v if neg else v
        while a[i] <= 32 and a[i] != _LF:
            i += 1
        if a[i] != _LF:
            return -1, m
        i += 1
        k += 1
    return k, m
