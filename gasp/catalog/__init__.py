"""Module catalogues: per software version and kind, how to run each module.

Production catalogues are generated from a release's macros (``scan``); processing
catalogues are written by hand. Both are validated by the same models (``model``), kept
as files (``files``) and uploaded to the database (``stored``), where submission and the
web request form read them.
"""
