"""Calibration: the lock a calibration run (PCA, ECA) puts on processing later runs.

Builds on ``gasp.model`` (run types) and ``gasp.store``; used by processing submission and
the ``gasp calib`` commands. It knows nothing of jobs or sites.
"""
