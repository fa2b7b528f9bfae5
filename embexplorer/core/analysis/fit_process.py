"""t-SNE and UMAP fitted in a child process, so the window's GIL is never held by numba or openTSNE.

On a worker thread of the GUI process, umap-learn's numba functions (each epoch a compiled call that
keeps the GIL) and the first import of openTSNE and scikit-learn held the GIL long enough to freeze
the window for 150-630 ms at a time.  :func:`fit_layout_in_process` takes the arguments and gives
the result of :func:`~embexplorer.core.analysis.nonlinear.fit_layout`, but the fit runs in a child
process; the calling thread only makes the 50-dimensional reduced copy (numpy, which lets go of the
GIL in its heavy parts), sends it, and waits on the pipe, passing on progress and live frames.

* **Spawned, never forked.**  Children start with multiprocessing's "spawn" method: a fork of a
  process running Qt's threads would copy their locks in whatever state they are.  The parent's
  main script is not run again in the child (:func:`_no_main_script`): a user's unguarded script
  calling the viewer would otherwise open a second window there.
* **Arrays as raw bytes.**  The reduced copy goes down the pipe as one ``send_bytes`` of its buffer
  and is received straight into an empty array (no pickle); frames (n x 2 float32) and the result
  come back the same way.  100,000 x 50 (20 MB) takes tens of milliseconds (``bench_projection``).
* **One child kept.**  A child that finished a fit waits for the next one: umap-learn compiles its
  per-epoch function once per process (13 s of CPU, whatever ``NUMBA_CACHE_DIR`` holds) and the
  imports take a second or two.  :func:`prewarm` starts one in the background before it is needed
  (the projection room calls it when its combo or its parameters dialog opens).
* **Cancel kills.**  Cancelling the caller's :class:`TaskControl` terminates the child within
  :data:`POLL_S` (SIGTERM, then SIGKILL after :data:`TERMINATE_GRACE_S`) and reaps it.
* **Errors cross.**  An exception in the child is raised in the caller as the same exception (it is
  pickled), with the child's traceback text as its ``__cause__`` (:class:`ChildTraceback`); one that
  cannot be pickled, or a child that dies, raises :class:`LayoutProcessError` saying so.
* **No orphans.**  Children are daemonic (multiprocessing terminates them when the program exits,
  and :func:`shutdown` runs at exit too), ignore Ctrl+C (the parent decides), and each watches its
  parent's sentinel, so a parent killed or crashed takes its child with it.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import multiprocessing as mp
import os
import pickle
import signal
import sys
import threading
import time
import traceback
import types
from multiprocessing.connection import wait

import numpy as np

from embexplorer.core.analysis.nonlinear import (
    MAX_FIT,
    FrameCallback,
    Layout,
    LayoutParams,
    fit_layout,
    reduce_for_layout,
    require_umap,
)
from embexplorer.core.progress import TaskControl, ensure_control

#: Seconds between two looks at Cancel while the child works.
POLL_S = 0.1
#: Seconds a terminated child gets to end before it is killed.
TERMINATE_GRACE_S = 2.0
#: What a child imports before it waits for work.  Not umap-learn: numba's import costs seconds of CPU
#: and 100 MB a t-SNE user would pay for nothing; a child imports it at its first UMAP and, kept for
#: the next fit, has it from then on.
PRELOAD = ("numpy", "embexplorer.core.analysis.nonlinear", "openTSNE", "openTSNE.initialization")
#: The children's process name (``ps``, the system monitor).
CHILD_NAME = "embexplorer-layout"


class LayoutProcessError(RuntimeError):
    """The layout's child process failed in a way that cannot be raised as the child's own error."""


class ChildTraceback(Exception):
    """The traceback of an error raised in the child process (the ``__cause__`` of the error raised here)."""

    def __str__(self) -> str:
        return "\n" + (self.args[0] if self.args else "")


# -- the caller's side ----------------------------------------------------------------------------
def fit_layout_in_process(vectors, params: LayoutParams, init: np.ndarray | None = None,
                          control: TaskControl | None = None, on_frame: FrameCallback | None = None,
                          max_fit: int = MAX_FIT, reduced: np.ndarray | None = None) -> Layout:
    """:func:`~embexplorer.core.analysis.nonlinear.fit_layout`, computed in a child process.

    Same parameters, same result (the same seed gives the same layout, bit for bit).  ``on_frame``
    and ``control``'s progress are called from the calling thread as the child's frames arrive;
    cancelling ``control`` terminates the child and raises :class:`Cancelled`.

    Raises
    ------
    DataError, ValueError, ...
        Whatever the fit raised in the child (its traceback is the ``__cause__``).
    LayoutProcessError
        The child died (e.g. killed for lack of memory) or raised what cannot be pickled.
    """
    control = ensure_control(control)
    started = time.perf_counter()
    if params.method == "umap":
        require_umap()  # said at once, without importing umap-learn (numba) here
    control.progress(0.0, "reducing to 50 dimensions", force=True)
    X = reduced if reduced is not None else reduce_for_layout(vectors, params.metric, control=control)
    X = np.ascontiguousarray(X, dtype=np.float32)
    init = None if init is None else np.ascontiguousarray(init, dtype=np.float64)
    control.check()
    control.progress(0.0, f"{params.title}: starting", force=True)
    request = {"params": params.relevant(), "init": init, "max_fit": int(max_fit), "shape": X.shape,
               "frames": on_frame is not None}
    child = _POOL.acquire()
    keep = False  # a child cancelled, dead or out of step with its pipe is never used again
    try:
        child.conn.send(("fit", request))
        child.conn.send_bytes(X)  # blocks until the child reads it (after its imports, when cold)
        del X  # the child has its own copy now
        result = _receive(child, params, control, on_frame)
        keep = True
    finally:
        _POOL.release(child, keep)
    if isinstance(result, BaseException):
        raise result
    result.seconds = time.perf_counter() - started
    return result


def _receive(child: _Child, params: LayoutParams, control: TaskControl, on_frame) -> Layout | BaseException:
    """Pass on the child's progress and frames until its result: the layout, or the error it raised."""
    conn = child.conn
    while True:
        ready = wait([conn, child.process.sentinel], timeout=POLL_S)
        control.check()  # Cancel: the caller's finally kills the child
        if not ready:
            continue
        try:
            if conn not in ready and not conn.poll():
                raise EOFError
            message = conn.recv()
        except (EOFError, OSError):
            raise child.died() from None
        kind = message[0]
        if kind == "progress":
            control.progress(message[1], message[2], force=True)
        elif kind == "frame":
            xy = _recv_array(conn, message[2], np.float32)
            if on_frame is not None:
                on_frame(xy, message[1])
        elif kind == "done":
            info = message[1]
            xy = _recv_array(conn, info.pop("shape"), np.float32)
            return Layout(xy=xy, params=params, **info)
        elif kind == "error":
            return _rebuild_error(message[1])
        else:
            raise LayoutProcessError(f"the layout process sent an unknown message {kind!r}")


def _recv_array(conn, shape, dtype) -> np.ndarray:
    out = np.empty(tuple(shape), dtype=dtype)
    if out.size:
        conn.recv_bytes_into(memoryview(out).cast("B"))
    else:
        conn.recv_bytes()
    return out


def _rebuild_error(payload: dict) -> BaseException:
    """The child's exception, with its traceback as the cause."""
    err = None
    if payload.get("pickled") is not None:
        with contextlib.suppress(Exception):
            err = pickle.loads(payload["pickled"])
    if not isinstance(err, BaseException):
        err = LayoutProcessError(f"{payload['type']}: {payload['message']}")
    err.__cause__ = ChildTraceback(payload.get("traceback", ""))
    return err


def prewarm(preload: tuple | None = None, wait_started: bool = False) -> None:
    """Start a child, unless one is already waiting for work; in the background (returns at once)
    unless ``wait_started``.

    ``preload``: modules it imports before it waits for work (default :data:`PRELOAD`).
    """
    if wait_started:
        _POOL.prewarm(preload)
        return
    threading.Thread(target=_POOL.prewarm, args=(preload,), name=f"{CHILD_NAME}-start", daemon=True).start()


def child_pids() -> list[int]:
    """Process ids of the children alive: the one waiting for work and those fitting."""
    return _POOL.pids()


def shutdown() -> None:
    """Terminate and reap every child (run at exit too)."""
    _POOL.shutdown()


# -- the children -----------------------------------------------------------------------------
@contextlib.contextmanager
def _no_main_script():
    """Start a child without running the parent's main script in it again.

    Spawn re-runs the script ``__main__`` came from (as ``__mp_main__``) so that what it defines can
    be unpickled; a child here needs nothing from it, and a user's unguarded script calling the
    viewer would open a second window in the child.  Held only while ``Process.start`` copies what
    the child needs (under the pool's lock).
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


class _Child:
    """One child process and the parent's end of its pipe."""

    def __init__(self, preload: tuple) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child_end = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_child_main, args=(child_end, tuple(preload)), name=CHILD_NAME,
                                   daemon=True)
        with _no_main_script():
            self.process.start()
        child_end.close()
        self.pid = self.process.pid

    def alive(self) -> bool:
        return self.process.exitcode is None and self.process.is_alive()

    def died(self) -> LayoutProcessError:
        """The error for a child that ended without a word (after reaping it)."""
        self.process.join(TERMINATE_GRACE_S)
        code = self.process.exitcode
        sigkill = getattr(signal, "SIGKILL", 9)  # (Windows has no SIGKILL, nor negative exit codes)
        why = (f"killed by signal {-code}" + (" (out of memory?)" if code == -sigkill else "")
               if code is not None and code < 0 else f"exit code {code}")
        return LayoutProcessError(f"the layout process ended unexpectedly ({why})")

    def stop(self) -> None:
        """Terminate (then kill) and reap."""
        with contextlib.suppress(Exception):
            self.conn.close()
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(TERMINATE_GRACE_S)
            if self.process.is_alive():
                self.process.kill()
        self.process.join()
        with contextlib.suppress(ValueError):
            self.process.close()


class _Pool:
    """At most one idle child kept; a child per fit running at the same time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: _Child | None = None
        self._busy: set[_Child] = set()

    def acquire(self) -> _Child:
        with self._lock:
            child, self._idle = self._idle, None
            if child is not None and not child.alive():
                child.stop()
                child = None
            if child is None:
                child = _Child(PRELOAD)
            self._busy.add(child)
            return child

    def release(self, child: _Child, keep: bool) -> None:
        with self._lock:
            self._busy.discard(child)
            if keep and self._idle is None and child.alive():
                self._idle = child
                return
        child.stop()

    def prewarm(self, preload: tuple | None = None) -> None:
        with self._lock:
            if self._idle is not None and self._idle.alive():
                return
            stale, self._idle = self._idle, _Child(PRELOAD if preload is None else preload)
        if stale is not None:
            stale.stop()

    def pids(self) -> list[int]:
        with self._lock:
            children = [c for c in (self._idle, *self._busy) if c is not None]
        return [c.pid for c in children if c.alive()]

    def shutdown(self) -> None:
        with self._lock:
            children = [c for c in (self._idle, *self._busy) if c is not None]
            self._idle = None
        for child in children:
            child.stop()


_POOL = _Pool()
atexit.register(shutdown)


# -- inside a child ------------------------------------------------------------------------------
def _child_main(conn, preload: tuple) -> None:
    """A child's life: import, then fit what arrives until the parent closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in a terminal: the parent decides
    _exit_with_parent()
    for name in preload:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request[0] != "fit":
            return
        try:
            _serve_fit(conn, request[1])
        except (BrokenPipeError, EOFError, ConnectionError):
            return  # the parent went away


def _exit_with_parent() -> None:
    """End this process as soon as the parent's sentinel says it died (killed, crashed)."""
    parent = mp.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _serve_fit(conn, request: dict) -> None:
    X = np.empty(tuple(request["shape"]), dtype=np.float32)
    conn.recv_bytes_into(memoryview(X).cast("B"))

    def on_progress(fraction, message) -> None:
        conn.send(("progress", fraction, message))

    def on_frame(xy: np.ndarray, fraction: float) -> None:
        xy = np.ascontiguousarray(xy, dtype=np.float32)
        conn.send(("frame", fraction, xy.shape))
        conn.send_bytes(xy)

    try:
        params = LayoutParams.from_dict(request["params"])
        layout = fit_layout(None, params, init=request["init"], control=TaskControl(on_progress=on_progress),
                            on_frame=on_frame if request["frames"] else None, max_fit=request["max_fit"],
                            reduced=X)
    except (BrokenPipeError, ConnectionError):
        raise
    except BaseException as err:  # noqa: BLE001 -- every error goes to the parent, which raises it
        conn.send(("error", _error_payload(err)))
        return
    xy = np.ascontiguousarray(layout.xy, dtype=np.float32)
    conn.send(("done", {"shape": xy.shape, "n_fitted": layout.n_fitted, "n_placed": layout.n_placed,
                        "fitted_rows": layout.fitted_rows}))
    conn.send_bytes(xy)


def _error_payload(err: BaseException) -> dict:
    try:
        pickled = pickle.dumps(err)
        pickle.loads(pickled)  # some exceptions pickle but do not unpickle (required arguments)
    except Exception:
        pickled = None
    return {"type": type(err).__name__, "message": str(err), "pickled": pickled,
            "traceback": "".join(traceback.format_exception(type(err), err, err.__traceback__))}


__all__ = ["ChildTraceback", "LayoutProcessError", "child_pids", "fit_layout_in_process", "prewarm",
           "shutdown"]
