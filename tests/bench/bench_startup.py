"""Start-up: from ``embexplorer FILE`` to the first painted window showing the data.

Each run is a fresh process started the way a user starts the app (``python -m embexplorer FILE``,
the load cache warm, as on every opening after the first) through a tiny driver that changes
nothing in the app: it only wraps the points item's ``paint`` to note the wall-clock time of the
first paint that draws points, prints it and quits.  The figure is that time minus the moment
the parent started the process (interpreter start-up included).  The median of ``--runs`` fresh
processes is reported, then a ``python -X importtime`` breakdown of one more run: the modules
that cost the most, and whether scipy, scikit-learn or gensim were imported at all (they should
not be: they load when a feature first needs them).

    python -m tests.bench.bench_startup [--quick] [--runs N] [FILE]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_RUNS = 5
QUICK_RUNS = 2
#: The issue's bar: the window with the data painted within this many seconds (median).
TARGET_S = 1.0
#: Seconds a run may take before it counts as hung.
RUN_TIMEOUT_S = 60
#: Packages that must not be imported at start-up.
LAZY_PACKAGES = ("scipy", "sklearn", "gensim", "numba", "umap", "openTSNE", "pandas", "pyarrow")
TOP_MODULES = 12

DRIVER = r"""
import sys, time
from embexplorer._qt.widgets import raster_layer

_paint = raster_layer.PointCloudItem.paint

def paint(self, p, opt, widget=None):
    _paint(self, p, opt, widget)
    if len(self._x):
        print("PAINTED", repr(time.time()), repr(time.process_time()), flush=True)
        import os
        os._exit(0)  # the figure is taken: no need to tear the window down

raster_layer.PointCloudItem.paint = paint
from embexplorer.cli import main
sys.exit(main(sys.argv[1:]))
"""


def glove_file() -> Path:
    from tests.conftest import shared_data_dir

    data = shared_data_dir()
    path = data / "glove-6B-50d-top5k" / "glove.6B.50d.top5k.txt" if data else None
    if path is None or not path.is_file():
        sys.exit("the shared GloVe file was not found; set EMBEXPLORER_SHARED_DATA or pass FILE")
    return path


def one_run(path: Path, env: dict, extra: list[str] | None = None) -> tuple[float, float, str]:
    """Seconds from starting the process to the first paint with points, the CPU seconds the
    process used until then, and the child's stderr."""
    t0 = time.time()
    proc = subprocess.run([sys.executable, *(extra or []), "-c", DRIVER, str(path)], env=env,
                          capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    m = re.search(r"PAINTED (\S+) (\S+)", proc.stdout)
    if not m:
        sys.exit(f"no paint seen (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr[-2000:]}")
    return float(m.group(1)) - t0, float(m.group(2)), proc.stderr


def import_breakdown(stderr: str) -> tuple[list[tuple[int, str]], float, set[str]]:
    """Own import time per package (``embexplorer`` per sub-package), largest first, in
    microseconds; the total; and the lazy packages seen."""
    per: dict[str, int] = {}
    seen = set()
    for line in stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+\d+ \| *(\S+)", line)
        if not m:
            continue
        parts = m.group(2).split(".")
        if parts[0] in LAZY_PACKAGES:
            seen.add(parts[0])
        key = ".".join(parts[:4 if parts[:2] == ["embexplorer", "_qt"] else 3]) \
            if parts[0] == "embexplorer" else parts[0]
        per[key] = per.get(key, 0) + int(m.group(1))
    top = sorted(((t, k) for k, t in per.items()), reverse=True)
    return top, sum(per.values()) / 1e6, seen


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", nargs="?", type=Path, help="default: the shared GloVe 50-d top-5k file")
    p.add_argument("--quick", action="store_true", help=f"{QUICK_RUNS} runs")
    p.add_argument("--runs", type=int)
    args = p.parse_args(argv)
    path = args.file or glove_file()
    runs = args.runs or (QUICK_RUNS if args.quick else DEFAULT_RUNS)
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    # An installed app has its bytecode cached: let the first (warm-up) run write it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    one_run(path, env)  # fills the load cache (a user's every opening after the first)
    results = [one_run(path, env) for _ in range(runs)]
    times = [r[0] for r in results]
    med, cpu = statistics.median(times), statistics.median(r[1] for r in results)
    print(f"{path.name}: window painted with the data after {med:.2f} s (median of {runs} fresh "
          f"processes; {', '.join(f'{t:.2f}' for t in times)}); CPU time used by then: {cpu:.2f} s "
          f"(median; the wall time on a machine this process has to itself)")
    try:
        print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    except OSError:
        pass
    t_imp, _cpu, stderr = one_run(path, env, ["-X", "importtime"])
    top, total, seen = import_breakdown(stderr)
    print(f"python -X importtime (one more run, {t_imp:.2f} s with the tracing): imports {total:.2f} s "
          f"in all; own time per package:")
    for us, name in top[:TOP_MODULES]:
        print(f"  {us / 1e3:7.1f} ms  {name}")
    print(f"imported at start-up among {', '.join(LAZY_PACKAGES)}: {', '.join(sorted(seen)) or 'none'}")
    verdict = "meets" if med <= TARGET_S else "MISSES"
    print(f"target <= {TARGET_S:.1f} s: {verdict} ({med:.2f} s wall, {cpu:.2f} s CPU)")
    return 0 if not seen else 1


if __name__ == "__main__":
    raise SystemExit(main())
