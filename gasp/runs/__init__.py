"""Detector runs entering gasp: raw files registered from a folder, run tables imported.

``sidecar`` reads what the data acquisition (``toyrat daq``) leaves beside a run's raw
files; ``register`` checks and archives those files and records them in ``run:<run>``;
``table`` reads run metadata from JSON/CSV files and ``postgres`` from a PostgreSQL run
table; ``merge`` is the one place run documents are combined, so registering and
importing never drop what the other wrote. Builds on ``gasp.model.run``, ``gasp.storage``
and ``gasp.store``; knows nothing of jobs or processing.
"""
