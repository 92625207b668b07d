"""One client cycle, and the loop around it (``gasp client``).

The order (docs/architecture.md, "The client cycle"): heartbeat, monitor, operators'
cancel requests, finalize, release, submit. The clock and the sleep are injectable, so
tests drive cycles without patching time.

A site runs ``gasp client --loop`` for months, so the loop keeps nothing per cycle: it
hands each cycle's report to ``on_cycle`` and folds it into a ``LoopSummary`` of fixed
size (``bench/loop_memory.py`` measures the resident memory staying flat).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields

from gasp.client.cancel import act_on_cancel_requests, settle_concluded
from gasp.client.claims import claim
from gasp.client.context import ClientContext
from gasp.client.finalize import finalize
from gasp.client.gc_pause import collector_paused
from gasp.client.heartbeat import heartbeat
from gasp.client.launch import launch
from gasp.client.monitor import count_live, monitor
from gasp.client.release import release_dead_sites, release_stuck
from gasp.crashpoints import crashpoint
from gasp.passes.prerequisites import promote_dependants
from gasp.turn.fence import TurnFence

Sleep = Callable[[float], None]


@dataclass
class CycleReport:
    """What one cycle did; printed by ``gasp client`` and used by tests and the demo."""

    live: int = 0
    claimed: int = 0
    submitted: int = 0
    completed: int = 0
    part_failed: int = 0
    failed: int = 0
    retried: int = 0
    released: int = 0
    canceled: int = 0  # at an operator's request (client/cancel.py)
    promoted: int = 0  # dependants released (or made unsatisfied) by passes that ended
    conflicts: int = 0  # this process's claim conflicts so far
    fenced: str | None = None  # why claiming stopped: the enqueue turn passed (fence.py)

    @property
    def idle(self) -> bool:
        """Nothing held and nothing claimed: the queue has nothing for this site now."""
        return self.live == 0 and self.claimed == 0

    def line(self) -> str:
        return (
            f"live {self.live}, claimed {self.claimed}, submitted {self.submitted}, "
            f"completed {self.completed}, partFail {self.part_failed}, failed {self.failed}, "
            f"retried {self.retried}, released {self.released}, canceled {self.canceled}, "
            f"promoted {self.promoted}, "
            f"conflicts {self.conflicts}"
        ) + (f"; fenced, not claiming: {self.fenced}" if self.fenced else "")


# The fields of ``CycleReport`` that count what one cycle did (summed over a loop); the
# others (live, conflicts, fenced) describe the state at the cycle's end.
SNAPSHOT_FIELDS = ("live", "conflicts", "fenced")
COUNTER_FIELDS = tuple(f.name for f in fields(CycleReport) if f.name not in SNAPSHOT_FIELDS)


@dataclass
class LoopSummary:
    """What ``Client.loop`` did, in constant memory however many cycles it ran.

    ``totals`` sums the counters of every cycle; its ``live``, ``conflicts`` and
    ``fenced`` are the last cycle's (they are states, not counts). ``last`` is the last
    cycle's report, None only if no cycle ran.
    """

    cycles: int = 0
    totals: CycleReport = field(default_factory=CycleReport)
    last: CycleReport | None = None

    def add(self, report: CycleReport) -> None:
        self.cycles += 1
        self.last = report
        for name in COUNTER_FIELDS:
            setattr(self.totals, name, getattr(self.totals, name) + getattr(report, name))
        for name in SNAPSHOT_FIELDS:
            setattr(self.totals, name, getattr(report, name))

    @property
    def idle(self) -> bool:
        """Whether the last cycle found nothing to hold or claim."""
        return self.last is not None and self.last.idle


@dataclass
class Client:
    ctx: ClientContext
    policy: str = "priority"
    monitor_only: bool = False
    submit_only: bool = False
    fence: TurnFence | None = field(default_factory=TurnFence.from_environment)

    def cycle(self) -> CycleReport:
        with collector_paused():
            return self._cycle()

    def _cycle(self) -> CycleReport:
        ctx = self.ctx
        report = CycleReport()
        heartbeat(ctx)
        if self.submit_only:
            held = count_live(ctx)
        else:
            watched = monitor(ctx)
            report.live = watched.live
            # Operators' cancel requests: after the monitor, before finalize (cancel.py).
            canceled = act_on_cancel_requests(ctx, watched.cancel_requested, watched.tokens)
            stopped = set(canceled)
            ending = [key for key in watched.to_finalize if key not in stopped]
            done = finalize(ctx, ending, watched.tokens)
            concluded = [key for key, _state in done.concluded]
            not_retried = settle_concluded(ctx, concluded)
            report.canceled = len(canceled) + len(not_retried)
            report.completed, report.part_failed = done.completed, done.part_failed
            report.failed, report.retried = done.failed, done.retried - len(not_retried)
            report.promoted = promote_dependants(ctx.db, concluded + canceled, by=ctx.by)
            report.released = release_stuck(ctx) + release_dead_sites(ctx)
            # Claimed before a crash but never launched: launch now (reconciled by name).
            unlaunched = {k: t for k, t in watched.to_launch.items() if k not in stopped}
            report.submitted += launch(ctx, unlaunched)
            held = watched.live - len(ending) - len(canceled)
        if not self.monitor_only:
            room = ctx.config.limits.max_submitted - held
            wanted = min(room, ctx.config.limits.jobs_per_cycle)
            won = claim(ctx, self.policy, wanted, self.fence)
            report.claimed = len(won)
            report.fenced = self.fence.lost if self.fence else None
            crashpoint("client-after-claim")
            report.submitted += launch(ctx, {c.key: c.token for c in won.won}, known=won.documents)
        report.conflicts = ctx.conflicts
        return report

    def loop(
        self,
        *,
        max_cycles: int | None = None,
        interval_s: float = 30.0,
        until_idle: bool = False,
        sleep: Sleep = time.sleep,
        on_cycle: Callable[[int, CycleReport], None] | None = None,
    ) -> LoopSummary:
        """Cycle until ``max_cycles`` (or, with ``until_idle``, until nothing is left).

        Each report goes to ``on_cycle`` and into the returned summary, and is then
        dropped: a loop of months must not hold one report per cycle.
        """
        summary = LoopSummary()
        while max_cycles is None or summary.cycles < max_cycles:
            report = self.cycle()
            summary.add(report)
            if on_cycle is not None:
                on_cycle(summary.cycles, report)
            if (until_idle and report.idle) or report.fenced:
                break  # a turn that has passed never comes back
            sleep(interval_s)
        return summary
