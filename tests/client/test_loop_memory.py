"""``Client.loop`` runs for months: it must not keep anything per cycle (issue 14).

A real client (embedded store, the toyrat catalogue, a request of three passes, the
``noop`` backend) cycles with interval 0. The reports it hands to ``on_cycle`` must be
freed once the next cycle has run, and the Python memory still allocated after the loop
must not grow with the number of cycles. ``bench/loop_memory.py`` shows the same as the
process's resident size over 10,000 cycles.
"""

from __future__ import annotations

import gc
import tracemalloc
import weakref

import pytest

from gasp.backends.noop import NoopBackend
from gasp.client.context import ClientContext
from gasp.client.cycle import Client, CycleReport
from tests.client.conftest import Campaign

REQUEST = {
    "rat_v": "1.0.0",
    "modules": [
        {"module": "WaterGunElectron", "n_ev": 3, "ev_per_run": 1, "template": {"energy": 2}}
    ],
}


@pytest.fixture
def backend() -> str:
    """Overrides the store matrix of ``tests/conftest.py``: the embedded store only."""
    return "embedded"


def noop_client(campaign: Campaign) -> Client:
    campaign.submit(REQUEST)
    config = campaign.site_config(backend={"name": "noop"})
    return Client(ClientContext(config=config, db=campaign.db, backend=NoopBackend()), fence=None)


def test_the_loop_keeps_no_report_but_the_last(campaign: Campaign) -> None:
    client = noop_client(campaign)
    seen: list[weakref.ref[CycleReport]] = []

    def on_cycle(_number: int, report: CycleReport) -> None:
        seen.append(weakref.ref(report))

    summary = client.loop(max_cycles=200, interval_s=0, on_cycle=on_cycle)
    gc.collect()
    alive = [ref() for ref in seen if ref() is not None]
    assert alive == [summary.last]  # a list of reports would keep all 200 alive
    assert summary.cycles == len(seen) == 200
    totals = summary.totals
    assert (totals.claimed, totals.submitted, totals.completed) == (3, 3, 3)
    assert totals.live == 0 and summary.idle


def test_memory_held_during_the_loop_does_not_grow_with_cycles(campaign: Campaign) -> None:
    """Python allocations still held at cycle 100 of a loop and at cycle 500: the same.

    Measured inside one loop (from ``on_cycle``), since what a loop keeps would be
    dropped, and so not seen, once it returns.
    """
    client = noop_client(campaign)
    client.loop(max_cycles=100, interval_s=0)  # the one-off work: claims, views, caches
    held: dict[int, int] = {}

    def on_cycle(number: int, _report: CycleReport) -> None:
        if number in (100, 500):
            gc.collect()
            held[number] = tracemalloc.get_traced_memory()[0]

    tracemalloc.start()
    try:
        client.loop(max_cycles=500, interval_s=0, on_cycle=on_cycle)
    finally:
        tracemalloc.stop()
    # Keeping one CycleReport per cycle would hold more than 150 bytes per cycle:
    # 60 kB over these 400 cycles.
    assert held[500] - held[100] < 20_000, held
