"""Turning requests into job passes: production requests (and, later, processing runs).

Everything is validated before anything is written; a submission writes its ``request``
document first and is idempotent by request id, so an interrupted one can be completed
with ``--request ID`` without duplicating a single pass.
"""
