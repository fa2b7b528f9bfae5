"""Allow ``python -m embexplorer``."""

import sys

from embexplorer.cli import main

if __name__ == "__main__":
    sys.exit(main())
