"""``python -m gahpo``: the study's experiment (see :mod:`gahpo.study`)."""

import sys

from gahpo.study import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
