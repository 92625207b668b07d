"""Turning requests into job passes: production requests (``production``), detector runs
to process (``processing``), and processing of simulated output (``production_processing``).

Everything is validated before anything is written (the request, its size against the
site's ``[submit]`` bounds, the options, the ``-o`` file), and every problem is reported at
once, so a bad request leaves no half-made campaign behind and no run allocator moved. A
submission writes its ``request`` document before any pass (production reserves its
generic run numbers just before, to record them in it), and each pass it writes carries
the request's name, so a pass already written is recognised and never written twice
(``write``): an interrupted production submission is completed with ``--request ID``, and
processing by sensing or ``--block`` makes only first passes, so running it again creates
nothing twice.

The three share one request path (``lifecycle``): the ``-o`` check, the dry run, opening
or resuming the request document, closing it and appending ``-o``; each adds only its own
checks and plan. Progress is shown by what the caller passes in (a
``gasp.progress_protocol.Progress``); this layer knows no terminal.
"""
