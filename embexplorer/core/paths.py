"""Where the app keeps caches, logs, downloads and its state (per user)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "embexplorer"
#: Environment variable that overrides the cache folder (tests, portable installs).
CACHE_DIR_ENV = "EMBEXPLORER_CACHE_DIR"
#: Environment variable that overrides the log folder.
LOG_DIR_ENV = "EMBEXPLORER_LOG_DIR"
#: Environment variable that overrides the state folder (the autosaved session lives there).
STATE_DIR_ENV = "EMBEXPLORER_STATE_DIR"


def cache_dir() -> Path:
    """The user's cache folder for embexplorer (created on demand by writers)."""
    env = os.environ.get(CACHE_DIR_ENV)
    return Path(env) if env else Path(platformdirs.user_cache_dir(APP_NAME))


def log_dir() -> Path:
    """The user's log folder for embexplorer."""
    env = os.environ.get(LOG_DIR_ENV)
    return Path(env) if env else Path(platformdirs.user_log_dir(APP_NAME))


def state_dir() -> Path:
    """The user's state folder for embexplorer: what a restart needs (the autosaved session)."""
    env = os.environ.get(STATE_DIR_ENV)
    return Path(env) if env else Path(platformdirs.user_state_dir(APP_NAME))
