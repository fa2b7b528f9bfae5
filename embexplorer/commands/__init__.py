"""Headless subcommands, one module each (see :mod:`embexplorer.cli`)."""
