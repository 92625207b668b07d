"""Calibration: the calibration lock a calibration run (PCA, ECA) puts on later runs.

Builds on ``gasp.model`` (run types) and ``gasp.store``; used by processing submission and
the ``gasp calib`` commands. It knows nothing of jobs or sites.
"""
