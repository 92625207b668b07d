"""``python -m gasp.toyrat`` runs the ``toyrat`` command."""

import sys

from gasp.toyrat.cli import main

sys.exit(main())
