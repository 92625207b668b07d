"""The two files of a job's work folder that the site and the worker agree on.

The client (through a backend) writes ``spec.json`` there and the runner writes
``report.json``. Both sides need the names, and neither may import the other's layer (a
backend starts the runner as a process; the runner knows nothing of the site), so the
names live here, at the bottom of the package.
"""

from __future__ import annotations

SPEC_FILE = "spec.json"
REPORT_FILE = "report.json"

__all__ = ["REPORT_FILE", "SPEC_FILE"]
