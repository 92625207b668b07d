"""toyrat: the stand-in for the experiment's simulation and reconstruction program.

gasp runs whatever application a site configures; demos and tests run this one. It
behaves like the real program at its interface, which is all gasp may rely on: a
getopt-style command line, macro files with ``${field}`` templates, real ROOT output files
written under temporary names, progress on stdout, one error line on stderr and an exit
status. It ships a release folder (``release/``, software version 1.0.0) laid out like the
real program's production and processing macros, for ``gasp catalog make`` to scan.

This layer must not import anything else from gasp. The rest of gasp may ask it where the
shipped release is (``release_dir``, for the embedded default configuration) but must not
depend on anything else about it: gasp has to work unchanged with the real program.

Modules, roughly from the command line down: ``cli`` (options), ``program`` (one macro
run), ``plan`` (event counts per event mode), ``run`` (chunks in, files out), ``daq`` (raw
run files), ``macro`` (macro files), ``generators`` and ``detector`` (toy physics),
``conditions`` (per-run detector conditions), ``events`` (a chunk and its file columns),
``output`` and ``inputs`` (ROOT files), ``cost``, ``failures`` and ``progress``.
"""

from gasp.toyrat.cli import main
from gasp.toyrat.release import release_dir, version

__all__ = ["main", "release_dir", "version"]
