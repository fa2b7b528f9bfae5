"""Why a compiled kernel (numba, optional) is not used, said once per process.

The kernels (:mod:`embexplorer.core.data._compiled`) speed up the largest loads; without them the
numpy paths give the same results, slower.  numba not installed is expected (the ``fast`` extra)
and only noted; numba installed but failing to import or compile is a warning in the log.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

_SAID: set[str] = set()


def kernel_unavailable(what: str, exc: BaseException) -> None:
    """Log (once per kernel and process) why a compiled kernel is not used: numba not installed is
    expected (an optional extra) and only noted; numba installed but failing is a warning, since the
    loads then run the slower numpy paths (their results are the same)."""
    if what in _SAID:
        return
    _SAID.add(what)
    if isinstance(exc, ModuleNotFoundError) and exc.name == "numba":
        log.info("numba is not installed: the %s runs without it (slower, same results)", what)
    else:
        log.warning("the compiled %s is not available (%s: %s): the slower numpy path runs instead",
                    what, type(exc).__name__, exc, exc_info=exc)
