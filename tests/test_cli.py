"""The CLI dispatcher: every command module is found, named and importable."""

from __future__ import annotations

import subprocess
import sys

import pytest

from embexplorer import cli


@pytest.mark.parametrize("name", sorted(cli.command_names()))
def test_every_command_module_loads_with_its_name(name):
    mod = cli.load_command(name)
    assert mod.NAME == name and mod.HELP and callable(mod.run) and callable(mod.add_arguments)


def test_help_lists_the_subcommands():
    out = subprocess.run([sys.executable, "-m", "embexplorer", "--help"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0
    for name in ("info", "neighbours", "analogy", "evaluate", "train-mf", "train-w2v"):
        assert name in out.stdout


def test_missing_file_is_one_line_and_exit_2(tmp_path):
    missing = tmp_path / "nope.txt"
    out = subprocess.run([sys.executable, "-m", "embexplorer", "info", str(missing)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("embexplorer: error: ") and str(missing) in lines[0]
    assert "Traceback" not in out.stderr


def test_subcommand_start_imports_only_its_own_module():
    code = ("import sys; from embexplorer import cli; cli.load_command('info'); "
            "print(sorted(m for m in sys.modules if m.startswith('embexplorer.commands.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "['embexplorer.commands.info']"
