"""How many events a production run makes, and over how much detector time.

The event mode is chosen by the command line, as with the real program:

============================  ===========  =================================================
options                       mode         events
============================  ===========  =================================================
``-N NEV`` (``-n``/``-r``)    number       NEV (``run_number`` when a run is given)
``-T SECONDS``                time         round(rate x SECONDS); the rate is the macro's
                                           ``/generator/rate/set`` or the generator's own
``-r RUN`` alone              run          round(rate x duration of RUN), the rate defaulting
                                           to ``DEFAULT_RUN_RATE_HZ`` when the macro has none
``-n RUN`` alone / nothing    number       the count on ``/rat/run/start NEV``
============================  ===========  =================================================

Counts are exact functions of the options, not random draws, so gasp can tell from the
job alone how many events each output must hold.
"""

from __future__ import annotations

from dataclasses import dataclass

from gasp.toyrat.conditions import Conditions, generic_conditions, run_conditions
from gasp.toyrat.errors import UsageError
from gasp.toyrat.macro import Macro

DEFAULT_RUN_RATE_HZ = 1.0
DEFAULT_SPACING_S = 1.0  # time between events when nothing sets a rate


@dataclass(frozen=True)
class Request:
    """The event-count options of one command line."""

    run: int | None = None
    run_given_by: str | None = None  # "-r" or "-n"
    events: int | None = None
    seconds: float | None = None


@dataclass(frozen=True)
class RunPlan:
    """What a production run will do."""

    mode: str
    events: int
    conditions: Conditions
    rate_hz: float | None
    duration_s: float

    @property
    def spacing_s(self) -> float:
        return self.duration_s / self.events if self.events else DEFAULT_SPACING_S

    def describe(self) -> str:
        if self.mode in ("time", "run") and self.rate_hz is not None:
            return f"{self.mode} mode, {self.duration_s:g} s at {self.rate_hz:g} Hz"
        return f"{self.mode} mode"


def plan_run(request: Request, macro: Macro, internal_rate_hz: float | None) -> RunPlan:
    """The events, detector time and conditions a production run will simulate."""
    rate = macro.rate_hz if macro.rate_hz is not None else internal_rate_hz
    run = request.run if request.run is not None else 0
    if macro.run_conditions and request.run is None:
        raise UsageError(f"{macro.name} simulates a real run's conditions: give -r RUN or -n RUN")
    conditions = run_conditions(run) if macro.run_conditions else generic_conditions(run)
    if request.seconds is not None:
        if rate is None:
            raise UsageError(
                f"-T needs a rate: {macro.name} has no /generator/rate/set and its "
                "generator sets none of its own"
            )
        return RunPlan("time", round(rate * request.seconds), conditions, rate, request.seconds)
    if request.events is None and request.run_given_by == "-r":
        duration = run_conditions(run).duration_s
        rate = rate if rate is not None else DEFAULT_RUN_RATE_HZ
        return RunPlan("run", round(rate * duration), conditions, rate, duration)
    events = request.events if request.events is not None else macro.start_events
    if events is None:
        raise UsageError(
            "no number of events: give -N NEV, -T SECONDS (with a rate) or -r RUN, "
            f"or put a count on {macro.name}'s /rat/run/start"
        )
    mode = "number" if request.run is None else "run_number"
    spacing = 1.0 / rate if rate else DEFAULT_SPACING_S
    return RunPlan(mode, events, conditions, rate, events * spacing)


__all__ = ["DEFAULT_RUN_RATE_HZ", "Request", "RunPlan", "plan_run"]
