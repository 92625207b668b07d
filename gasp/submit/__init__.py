"""Turning requests into job passes: production requests (``production``), detector runs
to process (``processing``), and processing of simulated output (``production_processing``).

Everything is validated before anything is written, and every problem is reported at
once, so a bad request leaves no half-made campaign behind. A submission writes its
``request`` document first, and each pass it writes carries the request's name, so a pass
already written is recognised and never written twice (``write``): an interrupted
production submission is completed with ``--request ID``, and processing by sensing or
``--block`` makes only first passes, so running it again creates nothing twice.
"""
