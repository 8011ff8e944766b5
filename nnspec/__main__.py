"""``python -m nnspec``: the same as the ``nnspec`` command."""

import sys

from nnspec.cli import main

sys.exit(main())
