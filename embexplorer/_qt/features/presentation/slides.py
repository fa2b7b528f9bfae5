"""Numbered slide files: ``embexplorer-001.png``, ``-002`` … in a folder, never overwriting one."""

from __future__ import annotations

import os
import re
from pathlib import Path

#: Name of exported slides (the number is zero-padded to at least three digits).
EXPORT_NAME = "embexplorer-{:03d}.png"
EXPORT_PATTERN = re.compile(r"^embexplorer-(\d{3,})\.png$")


def next_slide_number(folder: str | os.PathLike) -> int:
    """One more than the highest ``embexplorer-NNN.png`` number in ``folder`` (1 for none)."""
    numbers = [int(m.group(1)) for f in os.listdir(folder) if (m := EXPORT_PATTERN.match(f))]
    return max(numbers, default=0) + 1


def reserve_slide_path(folder: str | os.PathLike) -> Path:
    """Create the next free ``embexplorer-NNN.png`` in ``folder`` (empty, exclusively: two exports
    never get the same name) and return its path; the caller writes the image over it."""
    n = next_slide_number(folder)
    while True:
        path = Path(folder) / EXPORT_NAME.format(n)
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            n += 1
            continue
        os.close(fd)
        return path
