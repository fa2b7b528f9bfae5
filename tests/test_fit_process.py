"""t-SNE fitted in a child process (what the window does): the same layout as in-process, frames and
progress passed on, errors raised here with their message, Cancel kills and reaps the child, and no
child outlives its parent.

One child process does the fits of this file (a spawned child imports numpy and openTSNE: a second
or more); the orphan test starts two small parents (scripts, unguarded like a user's), each with a
child that imports nothing extra.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from embexplorer.core.analysis import fit_process
from embexplorer.core.analysis.fit_process import ChildTraceback, fit_layout_in_process
from embexplorer.core.analysis.nonlinear import LayoutParams, fit_layout
from embexplorer.core.progress import Cancelled, TaskControl

#: Rows of GloVe fitted (Barnes-Hut t-SNE of them: under a second of CPU).
ROWS = 400
#: Seconds a child gets to be gone after its parent or a Cancel ended it.
GONE_S = 10.0


@pytest.fixture(scope="module")
def glove(glove_path):
    from embexplorer.core.analysis.pca import fit_pca
    from embexplorer.core.data.formats import load

    fit_process.prewarm()  # the child imports openTSNE while this process fits the reference layout
    emb = load(glove_path, limit=ROWS)
    return emb, fit_pca(emb.vectors, n_components=2).xy(0, 1)


def ended(pid: int, timeout: float = GONE_S, reaped: bool = True) -> bool:
    """True once process ``pid`` has ended: gone (``reaped``), or at least a zombie left to init to reap."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sys.platform.startswith("linux"):
            try:
                with open(f"/proc/{pid}/status") as f:
                    zombie = "\nState:\tZ" in f.read()
            except FileNotFoundError:
                return True
            if zombie and not reaped:
                return True
        else:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True
        time.sleep(0.02)
    return False


def test_the_child_gives_the_in_process_layout_passes_frames_on_and_raises_its_errors_here(glove):
    emb, init = glove
    params = LayoutParams("tsne", perplexity=15, seed=11)
    expected = fit_layout(emb.vectors, params, init=init)  # today's path, on this thread
    frames, progress = [], []
    control = TaskControl(on_progress=lambda f, m: progress.append((f, m)), min_interval=0.0)
    got = fit_layout_in_process(emb.vectors, params, init=init, control=control,
                                on_frame=lambda xy, f: frames.append((xy, f)))
    assert np.array_equal(got.xy, expected.xy) and got.xy.dtype == np.float32  # same seed, same layout
    assert (got.n_fitted, got.n_placed, got.fitted_rows) == (ROWS, 0, None) and got.seconds > 0
    assert len(frames) >= 10 and all(xy.shape == (ROWS, 2) and xy.dtype == np.float32 for xy, _f in frames)
    fractions = [f for _xy, f in frames]
    assert fractions == sorted(fractions) and 0 < fractions[0] < fractions[-1] <= 1
    assert any(m.startswith("t-SNE: ") and "%" in m for _f, m in progress)  # the child's own progress
    (pid,) = fit_process.child_pids()  # kept for the next fit
    # An error in the child is raised here, as itself, with the child's traceback as its cause.
    with pytest.raises(ValueError, match=rf"init must be \({ROWS}, 2\), got \(5, 2\)") as raised:
        fit_layout_in_process(emb.vectors, params, init=init[:5])
    assert isinstance(raised.value.__cause__, ChildTraceback)
    assert "fit_layout" in str(raised.value.__cause__) and "ValueError" in str(raised.value.__cause__)
    assert fit_process.child_pids() == [pid]  # an error leaves the child usable
    # Cancel at the first frame: Cancelled here, the child terminated and reaped.
    control = TaskControl()
    seen = []

    def cancel_at_first_frame(xy, fraction):
        seen.append(fraction)
        control.cancel()

    with pytest.raises(Cancelled):
        fit_layout_in_process(emb.vectors, LayoutParams("tsne", perplexity=15, seed=12), init=init,
                              control=control, on_frame=cancel_at_first_frame)
    assert len(seen) >= 1 and fit_process.child_pids() == []
    assert ended(pid, timeout=0.5)  # already reaped when Cancelled was raised: no zombie


_PARENT = textwrap.dedent("""
    # Unguarded on purpose, like a user's script calling the viewer: the child must not run it again.
    import os, sys
    from embexplorer.core.analysis import fit_process
    print("parent script ran", flush=True)
    fit_process.prewarm(preload=(), wait_started=True)
    print(fit_process.child_pids()[0], flush=True)
    if sys.argv[1] == "killed":
        os._exit(0)  # no clean-up at all, as when the app is killed or crashes
    sys.exit(0)  # the app quits normally
""")


@pytest.mark.parametrize("how", ["quits", "killed"])
def test_no_child_outlives_its_parent_nor_runs_its_script_again(how, tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(_PARENT, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    out = subprocess.run([sys.executable, str(script), how], capture_output=True, text=True, env=env,
                         timeout=60, check=True)
    lines = out.stdout.split()
    assert out.stdout.count("parent script ran") == 1, out.stdout + out.stderr  # spawn re-runs __main__
    pid = int(lines[-1])
    # Its parent gone, the child is init's to reap (a zombie for the moment): it must have exited.
    assert ended(pid, reaped=False), f"the layout process {pid} outlived its parent ({how})"
