"""``python -m gasp.runner SPEC.json``: run one job on this worker node."""

import sys

from gasp.runner.job import main

sys.exit(main())
