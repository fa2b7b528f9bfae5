"""GUI monkey: seeded random user actions on the real main window, no exception and no deleted-object warning.

The driver is :mod:`tests.monkey`; the long runs (many seeds, each in its own
process, with crash and memory figures) are ``python -m tests.bench.bench_monkey``.
A failure prints the seed and the steps before the first problem: rerun with the
same seed to reproduce it.
"""

from __future__ import annotations

import pytest

from tests.monkey import Monkey, prepare_data

#: (seed, steps) of the CI walks: one longer, one short on another seed.  The first seed's walk at full
#: length (200 steps, 28 s of mostly waiting) is ``python -m tests.bench.bench_monkey --first-seed 20261202
#: --seeds 1 --steps 200``.
WALKS = ((20261202, 100), (5, 60))
#: Most steps of a walk that may find nothing to act on (a redesign that hides the widgets from the
#: monkey would otherwise pass unnoticed), and the fewest kinds of step that must have run.
MAX_IDLE_SHARE, MIN_KINDS = 0.25, 15
#: Milliseconds the event loop runs after the last step, still watched.
LATE_SIGNALS_MS = 200
#: Seconds ``shutdown_tasks`` may take at the end.  A t-SNE or UMAP the monkey chose runs in a child
#: process, which Cancel terminates at once (its numba compile no longer holds the window's tasks); the
#: other tasks look at Cancel between steps.
SHUTDOWN_TIMEOUT_S = 20.0


@pytest.fixture
def monkey_data(tmp_path, shared_data, glove_path, ml100k_dir, gensim_test_data):
    """What the monkey opens; ``glove_path`` and ``ml100k_dir`` skip the test where that data is absent."""
    return prepare_data(tmp_path / "monkey", shared_data, gensim_test_data)


@pytest.mark.parametrize("seed,steps", WALKS, ids=[f"seed{s}" for s, _ in WALKS])
def test_monkey_walk_records_no_problem(make_main_window, qtbot, monkey_data, seed, steps):
    window = make_main_window(interactive=False)
    with Monkey(window, qtbot, seed, monkey_data) as monkey:
        monkey.run(steps)
        monkey.wait(LATE_SIGNALS_MS)  # late signals of the last step are still checked
    running = window.runner.running_kinds()
    assert window.shutdown_tasks(SHUTDOWN_TIMEOUT_S), f"tasks still running after {SHUTDOWN_TIMEOUT_S} s: {running}"
    assert monkey.step_index == steps
    assert not monkey.problems, monkey.report()
    # The walk really drove the window: most steps found something to act on, of many kinds.
    assert monkey.idle_steps <= MAX_IDLE_SHARE * steps, monkey.report(tail=steps)
    assert len(monkey.done) >= min(MIN_KINDS, steps // 4), monkey.done
