"""gasp: Monte Carlo production and detector-data processing across computing sites.

Layers, from the bottom up. A module imports only from layers listed before it, so that
each can be read, tested and replaced without the ones above it; ``docs/architecture.md``
gives each layer's allowed imports and the two edges that still break the order.

* the foundation (``errors``, ``values``, ``parsing``, ``validation``, ``progress``,
  ``crashpoints``): what every layer may use; they import nothing above them.
* ``gasp.toyrat``: the stand-in application; imports nothing of gasp, because gasp must
  run the real program unchanged.
* ``gasp.store``: documents with CouchDB semantics, two backends; knows no document shape.
* ``gasp.views``: the design documents (JavaScript map functions) every database carries.
* ``gasp.model``: ids, file names, pass and subjob states, document shapes.
* ``gasp.storage``: storage elements, adler32, verified copies; importable on a worker.
* ``gasp.config``: the site configuration file and the embedded default.
* ``gasp.catalog``: module catalogues per software version.
* ``gasp.calib``: the calibration lock that holds processing of later runs.
* ``gasp.backends``: batch systems (local, Slurm); they never open the store.
* ``gasp.runner``: the worker-side job runner, ``spec.json`` in, ``report.json`` out.
* ``gasp.runs``: detector runs and their raw files entering gasp.
* ``gasp.turn``: cross-site turns (``gasp enqueue``).
* ``gasp.grab``: verified downloads of catalogued files.
* ``gasp.submit``: production and processing requests turned into job passes.
* ``gasp.client``: the site client: claim, launch, monitor, finalize, release.
* ``gasp.cli``: the ``gasp`` command.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gasp")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
