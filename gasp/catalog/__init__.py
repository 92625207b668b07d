"""Module catalogues: per software version and kind, how to run each module.

Production catalogues are generated from a release's macros (``scan``, reading the
release folder through ``release``); processing catalogues are written by hand. Both are
validated by the same models (``model``, with ``references`` for what a processing
catalogue's names refer to), kept as files (``files``) and uploaded to the database
(``stored``), where submission and the web request form read them. A catalogue that
breaks a rule is refused whole, with every problem named, wherever it is read.
"""
