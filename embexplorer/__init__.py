"""embexplorer: explore embeddings on your desktop, or from Python.

::

    import embexplorer as ex
    viewer = ex.show(vectors, labels=words)   # numpy, gensim KeyedVectors, pandas, pyarrow, a path
    viewer.neighbours("king")
    ex.run()                                   # in a script: until the window is closed

:func:`show`, :func:`run` and :class:`Viewer` live in :mod:`embexplorer.viewer`; they are imported
on first use, so ``import embexplorer`` loads no Qt.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# A library's records go where the application sends them (the app: its log folder), never to stderr by
# Python's last-resort handler: a command-line error stays one line.
logging.getLogger(__name__).addHandler(logging.NullHandler())

#: How long (as a power of two of CPU cycles) an idle OpenBLAS thread spins before it sleeps.  OpenBLAS's
#: default, 2**28 cycles (~0.1 s), keeps both cores of a small machine busy after every threaded BLAS call,
#: and whatever the app runs next competes with them for the cores (the UI thread, the one-thread products
#: in our own workers): cosine axes over 1M x 300 took 111 ms right after a threaded product, 77 ms with
#: this.  2**20 cycles (~0.4 ms) still keeps back-to-back calls warm.
BLAS_IDLE_SPIN_LOG2_CYCLES = 20


def _quiet_idle_blas_threads() -> None:
    """Shorten OpenBLAS's idle spin, unless the user chose one; read once, when numpy first loads."""
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", str(BLAS_IDLE_SPIN_LOG2_CYCLES))


_quiet_idle_blas_threads()

#: The public API, imported from :mod:`embexplorer.viewer` on first use.
_LAZY = ("Viewer", "run", "show")
__all__ = ["Viewer", "__version__", "run", "show"]

if TYPE_CHECKING:  # type checkers and IDEs see the real signatures
    from embexplorer.viewer import Viewer, run, show


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from embexplorer import viewer

        return getattr(viewer, name)
    raise AttributeError(f"module 'embexplorer' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
