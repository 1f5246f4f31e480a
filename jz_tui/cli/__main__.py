"""``python -m jz_tui.cli``: the ``jz`` command without its console script."""

import sys

from jz_tui.cli.main import main

sys.exit(main())
