"""Memory of a long-running client loop: resident size over 10,000 fast cycles.

    .venv/bin/python bench/loop_memory.py                  # 10,000 cycles, sample every 1,000
    .venv/bin/python bench/loop_memory.py --cycles 20000

A site runs ``gasp client --loop`` for months, so whatever the loop keeps per cycle
becomes the process's size (issue 14). Each run here is a real client in a process of its
own: an embedded store in a temporary folder holding the toyrat catalogue and a request
of three passes, the ``noop`` backend, interval 0. The first cycles claim, launch and
finalize the three passes; the rest find nothing to do, which is what most of a site's
cycles are. The resident size (``VmRSS``) is read every 1,000 cycles.

Two runs, same machine, same store layout:

* ``Client.loop``: what ``gasp client --loop`` runs, keeping a fixed-size summary.
* peer, ``list-keeping``: the same cycles with every ``CycleReport`` appended to a list,
  which is what ``Client.loop`` did before issue 14.

The figure to read is each run's growth from cycle 1,000 to the last: the first thousand
cycles include the one-off costs (imports, the views' first indexing, SQLite's page cache).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.campaign import prepare_production
from gasp.backends.noop import NoopBackend
from gasp.client.context import ClientContext
from gasp.client.cycle import Client, CycleReport
from gasp.config import parse_config
from gasp.store import open_server

MODES = ("loop", "list-keeping")
EVERY = 1000


def rss_kib() -> int:
    """This process's resident set size, in KiB, from ``/proc/self/status``."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def make_client(folder: Path) -> Client:
    entry = {"module": "WaterGunElectron", "n_ev": 3, "ev_per_run": 1, "template": {"energy": 2}}
    url = prepare_production(folder, entry)
    raw = {
        "site": {"name": "solo"},
        "database": {"url": url},
        "backend": {"name": "noop", "workdir": str(folder / "jobs")},
    }
    config = parse_config(raw, folder / "solo.toml")
    db = open_server(url).database("production")
    return Client(ClientContext(config=config, db=db, backend=NoopBackend()), fence=None)


def run_one(mode: str, cycles: int) -> list[tuple[int, int]]:
    """One run in this process: (cycle, RSS in KiB) every ``EVERY`` cycles."""
    samples: list[tuple[int, int]] = []
    with tempfile.TemporaryDirectory(prefix="gasp-loop-memory-") as tmp:
        client = make_client(Path(tmp))
        if mode == "loop":

            def sample(number: int, _report: CycleReport) -> None:
                if number % EVERY == 0:
                    samples.append((number, rss_kib()))

            summary = client.loop(max_cycles=cycles, interval_s=0, on_cycle=sample)
            completed, ran = summary.totals.completed, summary.cycles
        else:
            kept: list[CycleReport] = []  # Client.loop before issue 14
            for number in range(1, cycles + 1):
                kept.append(client.cycle())
                if number % EVERY == 0:
                    samples.append((number, rss_kib()))
            completed, ran = sum(r.completed for r in kept), len(kept)
    assert ran == cycles and completed == 3, (ran, completed)
    return samples


def run_in_child(mode: str, cycles: int) -> dict[int, int]:
    """A run in a fresh interpreter, so neither run's memory counts in the other's."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--cycles", str(cycles)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {int(number): int(kib) for number, kib in json.loads(out.splitlines()[-1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=10_000)
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.child, args.cycles)))
        return
    series = {mode: run_in_child(mode, args.cycles) for mode in MODES}
    print(f"resident set size (MiB) over {args.cycles:,} cycles, interval 0, noop backend")
    print(f"{'cycle':>8}  " + "  ".join(f"{mode:>14}" for mode in MODES))
    for number in series["loop"]:
        print(f"{number:>8}  " + "  ".join(f"{series[m][number] / 1024:>14.2f}" for m in MODES))
    first, last = EVERY, max(series["loop"])
    for mode in MODES:
        growth = series[mode][last] - series[mode][first]
        print(
            f"{mode}: {growth:+,} KiB from cycle {first:,} to {last:,} "
            f"({growth * 1024 / (last - first):+.1f} bytes/cycle)"
        )


if __name__ == "__main__":
    main()
