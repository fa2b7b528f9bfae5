"""Benchmarks: one command each (``python -m tests.bench.<name>``), ours beside a peer or a floor."""

# The app's process defaults (OpenBLAS's idle spin, see embexplorer/__init__.py) are set when the package is
# imported, before numpy loads; import it first so each bench measures what the app does.
import embexplorer  # noqa: F401
