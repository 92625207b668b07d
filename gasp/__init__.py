"""gasp: Monte Carlo production and detector-data processing across computing sites.

Layers, from the bottom up (nothing imports from a layer above it):

* ``gasp.store``: documents with CouchDB semantics, two backends.
* ``gasp.views``: the design documents (JavaScript map functions) every database carries.
* ``gasp.config``: the site configuration file and the embedded default.
* ``gasp.cli``: the ``gasp`` command.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gasp")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
