"""The worker-side job runner: ``gasp run-job SPEC.json``.

It runs on a worker node, so it imports only what a worker needs: the job specification,
storage elements and ROOT file checks. It must never import the document store, the
client or the web layer: everything it needs arrives in the specification, and
everything it learns leaves in ``report.json``.

Modules, in the order a job uses them: ``spec`` (the contract with the client),
``specfile`` (reading and checking it), ``render`` (macro templates), ``stage`` (inputs),
``command`` (the application's argument list), ``execute`` (running it), ``checks``
(outputs), ``upload`` (storage elements), ``report`` (``report.json``), and ``job``, which
strings them together. ``main`` is imported lazily so that the client can read ``spec``
without loading the rest.
"""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run the job of ``argv[0]`` (a ``spec.json``); 0 completed, 1 failed, 2 bad spec."""
    from gasp.runner.job import main as run

    return run(argv)


__all__ = ["main"]
