"""``python -m tinygrad_jp`` runs the ``tinygrad-jp`` command."""

import sys

from .cli import main

sys.exit(main())
