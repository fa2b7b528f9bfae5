"""Command line: ``embexplorer [PATH]`` opens the GUI; subcommands run headless.

Subcommands live in :mod:`embexplorer.commands`, one module each; the
command name is the module name with ``_`` written ``-`` (``train_mf`` is
``train-mf``), and only the module of the command asked for is imported, so a
command starts without paying for the others' imports.  A command module
defines ``NAME``, ``HELP``,
``add_arguments(parser)`` and ``run(args) -> int``.  Every command gets a
``--json`` flag.  A :class:`~embexplorer.core.errors.DataError` (or an
``OSError``) becomes exit status 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from types import ModuleType

from embexplorer import __version__
from embexplorer.core.errors import DataError
from embexplorer.core.progress import Cancelled

PROG = "embexplorer"
#: Exit status for bad input (argparse uses the same for bad arguments).
EXIT_BAD_INPUT = 2
#: Exit status when the user interrupted a command.
EXIT_INTERRUPTED = 130


def command_names() -> dict[str, str]:
    """Map each subcommand name to its module name (no module is imported)."""
    import embexplorer.commands as pkg

    return {info.name.replace("_", "-"): info.name
            for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name)
            if not info.name.startswith("_")}


def load_command(name: str) -> ModuleType:
    """Import the module of subcommand ``name``."""
    mod = importlib.import_module(f"embexplorer.commands.{command_names()[name]}")
    if mod.NAME != name:  # a module whose NAME disagrees with its file name is a packaging bug
        raise RuntimeError(f"command module {mod.__name__} declares NAME={mod.NAME!r}, expected {name!r}")
    return mod


def error_line(err: BaseException) -> str:
    """The one line printed for a failed command."""
    if isinstance(err, DataError):
        return f"{PROG}: error: {err}"
    if isinstance(err, OSError):
        where = f"{err.filename}: " if getattr(err, "filename", None) else ""
        return f"{PROG}: error: {where}{err.strerror or err}"
    return f"{PROG}: error: {err}"


def build_gui_parser() -> argparse.ArgumentParser:
    """Arguments of the GUI form ``embexplorer [PATH] [options]``."""
    from embexplorer._qt.shell.options import add_gui_arguments

    p = argparse.ArgumentParser(
        prog=PROG,
        description="Explore embeddings: load word/item/user vectors, project them with PCA, "
                    "look at neighbours and analogies, train small models.",
        epilog="Subcommands (run 'embexplorer COMMAND --help'): "
               + ", ".join(sorted(command_names())),
    )
    # Each feature contributes its own options (the loading room PATH and --format, the explorer
    # --search, ...): the command line grows with the rooms, not here.
    add_gui_arguments(p)
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``embexplorer`` script and ``python -m embexplorer``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in command_names():
        mod = load_command(argv[0])
        parser = argparse.ArgumentParser(prog=f"{PROG} {mod.NAME}", description=mod.HELP)
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        mod.add_arguments(parser)
        args = parser.parse_args(argv[1:])
        return _run_guarded(mod.run, args)
    args = build_gui_parser().parse_args(argv)
    from embexplorer._qt.app import run_gui  # Qt only for the GUI

    return _run_guarded(run_gui, args)


def _run_guarded(func, args) -> int:
    try:
        return int(func(args) or 0)
    except (DataError, OSError) as err:
        print(error_line(err), file=sys.stderr)
        return EXIT_BAD_INPUT
    except (KeyboardInterrupt, Cancelled):
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
